package sandbox_test

import (
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// Seeding the sandbox for a demo: an app, an account, a page with a role,
// and a grant whose tokens tokenwatch stores as if the page were connected.
func Example() {
	sb, err := sandbox.Start()
	if err != nil {
		panic(err)
	}
	defer sb.Close()

	const callback = "http://127.0.0.1:8080/oauth/facebook/callback"
	sb.AddApp(tokenwatch.Facebook, sandbox.App{ClientID: "demo", ClientSecret: "demo-secret", RedirectURIs: []string{callback}})
	sb.AddAccount(tokenwatch.Facebook, sandbox.Account{ID: "100", Name: "Dana Demo"})
	sb.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "501", Name: "Demo Bakery Downtown"})
	sb.SetRole(tokenwatch.Facebook, "501", "100", "MANAGE")

	// A page token whose data access runs out in 3 days (the 3-day window).
	issued, err := sb.IssueGrant(tokenwatch.Facebook, sandbox.GrantRequest{
		ClientID: "demo", UserID: "100", PageID: "501",
		Scopes:              []string{"pages_show_list", "pages_read_engagement", "pages_manage_posts", "business_management"},
		DataAccessExpiresAt: time.Now().Add(3 * 24 * time.Hour),
	})
	if err != nil {
		panic(err)
	}
	// A revoked page: the grant exists but the user removed the app.
	_ = sb.Revoke(issued.AccessToken)

	fmt.Println(sb.BaseURL(tokenwatch.Facebook) == sb.URL+"/facebook", issued.AccessToken != "")
	// Output: true true
}
