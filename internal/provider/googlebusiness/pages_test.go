package googlebusiness_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/googlebusiness"
	"github.com/tokenwatch/tokenwatch/internal/sandbox"
)

const (
	clientID = "tokenwatch-app"
	secret   = "gbp-app-secret-0123456789"
	redirect = "https://tokenwatch.test/oauth/google_business/callback"
	alice    = "1784140001"
)

func sandboxed(t *testing.T) (*sandbox.Server, *googlebusiness.Provider) {
	t.Helper()
	sb, err := sandbox.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddApp(tokenwatch.GoogleBusiness, sandbox.App{ClientID: clientID, ClientSecret: secret, RedirectURIs: []string{redirect}})
	sb.AddAccount(tokenwatch.GoogleBusiness, sandbox.Account{ID: alice, Name: "Alice Example"})
	return sb, googlebusiness.New(config(sb, secret))
}

func config(sb *sandbox.Server, secret string) provider.Config {
	return provider.Config{ClientID: clientID, ClientSecret: tokenwatch.NewSecret(secret), BaseURL: sb.BaseURL(tokenwatch.GoogleBusiness),
		HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}}
}

func grant(t *testing.T, sb *sandbox.Server, p *googlebusiness.Provider, user string) *provider.Grant {
	t.Helper()
	issued, err := sb.IssueGrant(tokenwatch.GoogleBusiness, sandbox.GrantRequest{ClientID: clientID, UserID: user, Scopes: p.Info().Scopes})
	if err != nil {
		t.Fatal(err)
	}
	return &provider.Grant{Token: provider.Token{AccessToken: tokenwatch.NewSecret(issued.AccessToken)}, UserID: user}
}

// TestPagesFollowsPaging: accounts.list gives at most 20 accounts a page
// and locations.list at most 100 locations; a user with 25 location groups
// and 130 locations of their own sees every one, once.
func TestPagesFollowsPaging(t *testing.T) {
	t.Parallel()
	sb, p := sandboxed(t)
	want := map[string]bool{}
	for i := range 25 {
		group := fmt.Sprintf("group-%02d", i)
		sb.AddPage(tokenwatch.GoogleBusiness, sandbox.Page{ID: fmt.Sprintf("9%03d", i), Name: "Group location", Group: group})
		sb.SetRole(tokenwatch.GoogleBusiness, group, alice, "MANAGER")
		want["accounts/"+group+"/locations/"+fmt.Sprintf("9%03d", i)] = true
	}
	for i := range 130 {
		id := fmt.Sprintf("5%03d", i)
		sb.AddPage(tokenwatch.GoogleBusiness, sandbox.Page{ID: id, Name: "Own location"})
		sb.SetRole(tokenwatch.GoogleBusiness, id, alice, "OWNER")
		want["accounts/"+alice+"/locations/"+id] = true
	}
	cands, err := p.Pages(context.Background(), grant(t, sb, p, alice))
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != len(want) {
		t.Fatalf("got %d candidates, want %d", len(cands), len(want))
	}
	for _, c := range cands {
		if !want[c.ID] || !c.Eligible {
			t.Errorf("candidate %+v: unexpected or not eligible", c)
		}
		delete(want, c.ID)
	}
}

// TestRoleWithoutAdminAccount: locations.admins.list names people by name,
// with no account field (documented for inviting location groups); the
// role is read from the admin bearing the personal account's name, or
// from the role on the location group (accounts.list). Only OWNER,
// PRIMARY_OWNER and MANAGER may connect.
func TestRoleWithoutAdminAccount(t *testing.T) {
	t.Parallel()
	sb, p := sandboxed(t)
	const bob = "1784140002"
	sb.AddAccount(tokenwatch.GoogleBusiness, sandbox.Account{ID: bob, Name: "Bob Example"})
	for id, role := range map[string]string{"601": "PRIMARY_OWNER", "602": "OWNER", "603": "MANAGER", "604": "SITE_MANAGER"} {
		sb.AddPage(tokenwatch.GoogleBusiness, sandbox.Page{ID: id, Name: "Location " + id})
		sb.SetRole(tokenwatch.GoogleBusiness, id, alice, role)
		sb.SetRole(tokenwatch.GoogleBusiness, id, bob, "OWNER") // another admin of every location
	}
	// A site manager of the location who manages its group.
	sb.AddPage(tokenwatch.GoogleBusiness, sandbox.Page{ID: "605", Name: "Grouped", Group: "group-1"})
	sb.SetRole(tokenwatch.GoogleBusiness, "605", alice, "SITE_MANAGER")
	sb.SetRole(tokenwatch.GoogleBusiness, "group-1", alice, "MANAGER")

	cands, err := p.Pages(context.Background(), grant(t, sb, p, alice))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]provider.Candidate{}
	for _, c := range cands {
		got[locationOf(c.ID)] = c
	}
	for id, want := range map[string]struct {
		role     string
		eligible bool
	}{"601": {"PRIMARY_OWNER", true}, "602": {"OWNER", true}, "603": {"MANAGER", true}, "604": {"SITE_MANAGER", false}, "605": {"MANAGER", true}} {
		c, ok := got["locations/"+id]
		if !ok || c.Role != want.role || c.Eligible != want.eligible {
			t.Errorf("location %s: %+v, want role %s eligible %v", id, c, want.role, want.eligible)
		}
	}
	if c := got["locations/605"]; c.ID != "accounts/group-1/locations/605" {
		t.Errorf("the grouped location is connected as %s, want through its group", c.ID)
	}

	// A namesake's role never lets the user connect.
	sb.AddAccount(tokenwatch.GoogleBusiness, sandbox.Account{ID: "1784140003", Name: "Alice Example"})
	sb.SetRole(tokenwatch.GoogleBusiness, "604", "1784140003", "OWNER")
	cands, err = p.Pages(context.Background(), grant(t, sb, p, alice))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if locationOf(c.ID) == "locations/604" && c.Eligible {
			t.Errorf("a namesake OWNER made the site manager eligible: %+v", c)
		}
	}
}

func locationOf(id string) string {
	if i := strings.Index(id, "locations/"); i >= 0 {
		return id[i:]
	}
	return id
}

// TestDiagnose: the credentials probe against the sandbox, which answers a
// made-up code invalid_grant for the right secret and invalid_client for a
// wrong one, as Google does; a callback on a raw IP is refused.
func TestDiagnose(t *testing.T) {
	t.Parallel()
	sb, _ := sandboxed(t)
	for _, tc := range []struct {
		secret string
		ok     bool
	}{{secret, true}, {"a-wrong-secret-0123456789", false}} {
		f := googlebusiness.New(config(sb, tc.secret)).Diagnose(context.Background(), redirect)
		if len(f) != 2 || f[0].OK != tc.ok || !f[1].OK {
			t.Errorf("secret %q: %+v, want credentials OK %v", tc.secret, f, tc.ok)
		}
	}
	if f := googlebusiness.New(config(sb, secret)).Diagnose(context.Background(), "https://203.0.113.7/oauth/google_business/callback"); f[1].OK {
		t.Errorf("a raw IP callback passed: %+v", f[1])
	}
}
