package facebook

import (
	"context"
	"net/http"
	"testing"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

// Facebook refuses the same post twice (code 506): the post fails, the
// page's connection does not.
func TestDuplicatePostIsRefusedNotAReconnect(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	sb.AddApp(tokenwatch.Facebook, sandbox.App{ClientID: "app", ClientSecret: "secret"})
	sb.AddAccount(tokenwatch.Facebook, sandbox.Account{ID: "1", Name: "Alice"})
	sb.AddPage(tokenwatch.Facebook, sandbox.Page{ID: "501", Name: "Bakery"})
	sb.SetRole(tokenwatch.Facebook, "501", "1", "MANAGE")
	issued, err := sb.IssueGrant(tokenwatch.Facebook, sandbox.GrantRequest{ClientID: "app", UserID: "1", PageID: "501", Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	p := New(provider.Config{ClientID: "app", ClientSecret: tokenwatch.NewSecret("secret"), BaseURL: sb.BaseURL(tokenwatch.Facebook),
		HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}})
	page := &tokenwatch.Page{ProviderPageID: "501"}
	creds := tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(issued.AccessToken)}
	post := provider.Post{Text: "Same again"}
	if _, err := p.Publish(context.Background(), page, creds, post); err != nil {
		t.Fatal(err)
	}
	_, err = p.Publish(context.Background(), page, creds, post)
	if !provider.IsRejected(err) || provider.ClassOf(err) != tokenwatch.ClassTransient {
		t.Fatalf("second publish = %v, want a refused post", err)
	}
	if _, err := p.Inspect(context.Background(), page, creds); err != nil {
		t.Errorf("the page still works: %v", err)
	}
}
