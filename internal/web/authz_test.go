package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/demo"
	"github.com/tokenwatch/tokenwatch/internal/password"
)

// TestEveryRouteAsEveryRole walks the account's administration routes as
// each demo role and as the owner of another account: owners may do
// everything, managers their locations' pages and people, members read,
// and ids of other accounts and locations answer 404 even in forged
// forms. Refused changes change nothing.
func TestEveryRouteAsEveryRole(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	ctx := t.Context()
	other := &tokenwatch.Account{Name: "Other Brand"}
	if err := e.st.CreateAccount(ctx, other); err != nil {
		t.Fatal(err)
	}
	hash, _ := password.Hash(demo.Password, bcrypt.MinCost)
	if err := e.st.CreateUser(ctx, &tokenwatch.User{AccountID: other.ID, Email: "boss@other.test", Name: "Boss", AccountOwner: true}, hash); err != nil {
		t.Fatal(err)
	}
	member, _, _ := e.st.UserLogin(ctx, "member@demo.test")
	downtownPage, riversidePage := e.pageID("gbp-downtown"), e.pageID("fb-riverside")
	downtown, riverside := e.locID("Downtown"), e.locID("Riverside")
	memberID := strconv.FormatInt(member.ID, 10)
	key, _, err := e.st.CreateAPIKey(ctx, member.AccountID, "Publisher")
	if err != nil {
		t.Fatal(err)
	}
	ep, err := e.st.CreateWebhookEndpoint(ctx, member.AccountID, "https://hooks.example.com/tw", tokenwatch.NewSecret("whsec_0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	keyID, epID := strconv.FormatInt(key.ID, 10), strconv.FormatInt(ep.ID, 10)

	type client struct {
		c    *http.Client
		csrf string
	}
	clients := map[string]client{}
	for _, who := range []string{"owner@demo.test", "manager@demo.test", "member@demo.test", "downtown@demo.test", "boss@other.test"} {
		c, csrf := e.signIn(t, who)
		clients[who] = client{c, csrf}
	}
	const (
		owner, manager, mem, dt, boss = "owner@demo.test", "manager@demo.test", "member@demo.test", "downtown@demo.test", "boss@other.test"
	)
	tests := []struct {
		method, path string
		form         url.Values
		want         map[string]int
	}{
		{"GET", "/pages/" + downtownPage, nil, map[string]int{owner: 200, manager: 200, mem: 200, dt: 200, boss: 404}},
		{"GET", "/pages/" + riversidePage, nil, map[string]int{owner: 200, manager: 200, mem: 200, dt: 404, boss: 404}},
		{"GET", "/pages/" + riversidePage + "/disconnect", nil, map[string]int{owner: 200, manager: 200, mem: 403, dt: 404, boss: 404}},
		{"POST", "/pages/" + riversidePage + "/disconnect", url.Values{}, map[string]int{mem: 403, dt: 404, boss: 404}},
		{"POST", "/pages/" + downtownPage + "/check", url.Values{}, map[string]int{mem: 403, dt: 403, boss: 404}},
		{"GET", "/pages/999999", nil, map[string]int{owner: 404, boss: 404}},
		{"GET", "/locations/" + downtown, nil, map[string]int{owner: 200, manager: 200, mem: 200, dt: 200, boss: 404}},
		{"GET", "/locations/" + riverside, nil, map[string]int{owner: 200, manager: 200, mem: 200, dt: 404, boss: 404}},
		{"POST", "/locations/" + riverside, url.Values{"name": {"Taken"}, "time_zone": {"UTC"}}, map[string]int{manager: 403, mem: 403, dt: 404, boss: 404}},
		{"POST", "/locations/" + riverside + "/roles", url.Values{"user": {memberID}, "role": {"manager"}}, map[string]int{mem: 403, dt: 404, boss: 404}},
		{"POST", "/locations", url.Values{"name": {"Sneaky"}, "time_zone": {"UTC"}}, map[string]int{manager: 403, mem: 403, dt: 403}},
		{"GET", "/people", nil, map[string]int{owner: 200, manager: 200, mem: 403, dt: 403, boss: 200}},
		{"GET", "/people/" + memberID, nil, map[string]int{owner: 200, manager: 200, dt: 404, boss: 404}},
		{"POST", "/people/" + memberID + "/owner", url.Values{"owner": {"1"}}, map[string]int{manager: 403, mem: 403, dt: 403, boss: 404}},
		{"POST", "/people/" + memberID + "/remove", url.Values{}, map[string]int{manager: 403, mem: 403, dt: 403, boss: 404}},
		{"POST", "/people/" + memberID + "/transfer", url.Values{"to": {memberID}}, map[string]int{manager: 403, mem: 403, boss: 404}},
		{"POST", "/people/" + memberID + "/roles", url.Values{"location": {riverside}, "role": {"manager"}}, map[string]int{mem: 403, dt: 404, boss: 404}},
		{"POST", "/people/invite", url.Values{"email": {"x@example.com"}, "location": {riverside}, "role": {"member"}}, map[string]int{mem: 403, dt: 404, boss: 404}},
		{"POST", "/people/invite", url.Values{"email": {"x@example.com"}, "owner": {"1"}}, map[string]int{manager: 403, mem: 403, dt: 403}},
		{"GET", "/audit", nil, map[string]int{owner: 200, manager: 403, mem: 403, dt: 403, boss: 200}},
		{"GET", "/settings", nil, map[string]int{owner: 200, manager: 403, mem: 403, dt: 403, boss: 200}},
		{"POST", "/settings/thresholds", url.Values{"thresholds": {"1d"}}, map[string]int{manager: 403, mem: 403, dt: 403}},
		{"POST", "/settings/keys", url.Values{"name": {"sneaky"}}, map[string]int{manager: 403, mem: 403, dt: 403}},
		{"POST", "/settings/keys/" + keyID + "/revoke", url.Values{}, map[string]int{manager: 403, mem: 403, boss: 404}},
		{"POST", "/settings/webhooks/" + epID + "/disable", url.Values{}, map[string]int{manager: 403, mem: 403, boss: 404}},
		{"POST", "/settings/webhooks/" + epID + "/test", url.Values{}, map[string]int{manager: 403, boss: 404}},
	}
	for _, tt := range tests {
		for who, want := range tt.want {
			c := clients[who]
			var (
				status int
				body   string
			)
			if tt.method == "GET" {
				status, body, _ = get(t, c.c, e.srv.URL+tt.path)
			} else {
				form := url.Values{"csrf": {c.csrf}}
				for k, v := range tt.form {
					form[k] = v
				}
				status, body, _ = post(t, c.c, e.srv.URL+tt.path, form)
			}
			if status != want {
				t.Errorf("%s %s as %s: %d, want %d", tt.method, tt.path, who, status, want)
			}
			if who == boss && (strings.Contains(body, "demo.test") || strings.Contains(body, "Demo Bakery")) {
				t.Errorf("%s %s shows the other account's data to %s", tt.method, tt.path, who)
			}
		}
	}
	// Nothing refused changed anything.
	if p, _ := e.st.GetPage(ctx, e.pages["fb-riverside"].ID); p.State == tokenwatch.StateDisconnected {
		t.Error("a refused disconnect disconnected the page")
	}
	if u, _ := e.st.GetUser(ctx, member.ID); u.AccountOwner {
		t.Error("a refused request made the member an owner")
	}
	if role, _ := e.st.RoleAt(ctx, member.ID, e.locs["Riverside"]); role != tokenwatch.RoleMember {
		t.Errorf("the member's role at Riverside is %q after refused changes", role)
	}
	if _, err := e.st.AuthenticateAPIKey(ctx, "x"); err == nil {
		t.Error("nonsense authenticates")
	}
	if keys, _ := e.st.ListAPIKeys(ctx, member.AccountID); len(keys) != 1 || !keys[0].RevokedAt.IsZero() {
		t.Error("a refused revoke revoked the key")
	}
	if eps, _ := e.st.WebhookEndpoints(ctx, []int64{member.AccountID}, true); len(eps[member.AccountID]) != 1 {
		t.Error("a refused request turned the endpoint off")
	}
	if l, _ := e.st.GetLocation(ctx, e.locs["Riverside"]); l.Name != "Riverside" {
		t.Errorf("Riverside is called %q after a refused rename", l.Name)
	}
	es, err := e.st.QueryAudit(ctx, storeAuditOf(member.AccountID))
	if err != nil || len(es) != 0 {
		t.Errorf("refused requests left audit entries: %+v %v", es, err)
	}
}
