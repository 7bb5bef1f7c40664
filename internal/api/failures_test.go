package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/api/apiclient"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// ids are the ids an operation is called with: the account's own, or
// another account's.
type ids struct{ location, page, user, post, webhook, session int64 }

// operation is one route of the document, called through the client.
type operation struct {
	name string
	// scope is what the key needs: read, write or tokens ("" for the
	// public routes).
	scope string
	// ided says the route names something of the account by id.
	ided bool
	call func(c *apiclient.ClientWithResponses, id ids) (any, error)
}

// run calls the operation and returns the response's status, body and
// headers.
func (o operation) run(t *testing.T, c *apiclient.ClientWithResponses, id ids) (int, []byte, http.Header) {
	t.Helper()
	res, err := o.call(c, id)
	if err != nil {
		t.Fatal(err)
	}
	v := reflect.ValueOf(res).Elem()
	hr := v.FieldByName("HTTPResponse").Interface().(*http.Response)
	return hr.StatusCode, v.FieldByName("Body").Bytes(), hr.Header
}

// operations of the document, each with a body that would do.
func (e *env) operations() []operation {
	ctx := context.Background()
	at := e.w.Clock.Now().Add(48 * time.Hour)
	return []operation{
		{"ListLocations", "read", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.ListLocationsWithResponse(ctx, nil)
		}},
		{"CreateLocation", "write", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "New " + time.Now().String(), TimeZone: "UTC"})
		}},
		{"GetLocation", "read", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.GetLocationWithResponse(ctx, id.location)
		}},
		{"UpdateLocation", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.UpdateLocationWithResponse(ctx, id.location, apiclient.LocationPatch{TimeZone: ptr("UTC")})
		}},
		{"DeleteLocation", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.DeleteLocationWithResponse(ctx, id.location)
		}},
		{"ListParticipants", "read", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.ListParticipantsWithResponse(ctx, id.location, nil)
		}},
		{"SetParticipant", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.SetParticipantWithResponse(ctx, id.location, id.user, apiclient.RoleInput{Role: apiclient.Member})
		}},
		{"RemoveParticipant", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.RemoveParticipantWithResponse(ctx, id.location, id.user)
		}},
		{"ListUsers", "read", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.ListUsersWithResponse(ctx, nil)
		}},
		{"ListNotifications", "read", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.ListNotificationsWithResponse(ctx, id.user, nil)
		}},
		{"ListPages", "read", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.ListPagesWithResponse(ctx, nil)
		}},
		{"CreatePage", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.CreatePageWithResponse(ctx, nil, apiclient.PageInput{LocationId: id.location, Network: apiclient.X, ProviderPageId: "x-new",
				Name: "@new", ProviderUserId: "x-user", AccessToken: "x-token"})
		}},
		{"GetPage", "read", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.GetPageWithResponse(ctx, id.page)
		}},
		{"UpdatePageTokens", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.UpdatePageTokensWithResponse(ctx, id.page, apiclient.TokensInput{AccessToken: "new-token"})
		}},
		{"DisconnectPage", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.DisconnectPageWithResponse(ctx, id.page)
		}},
		{"GetPageToken", "tokens", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.GetPageTokenWithResponse(ctx, id.page, nil)
		}},
		{"ListTokenGrants", "read", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.ListTokenGrantsWithResponse(ctx, &apiclient.ListTokenGrantsParams{Page: &id.page})
		}},
		{"CreateReconnectSession", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.CreateReconnectSessionWithResponse(ctx, id.page, nil, apiclient.ReconnectSessionInput{ReturnUrl: "https://platform.example/back"})
		}},
		{"CreateConnectSession", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.CreateConnectSessionWithResponse(ctx, id.location, nil, apiclient.ConnectSessionInput{Network: apiclient.Linkedin,
				ReturnUrl: "https://platform.example/back"})
		}},
		{"GetSession", "read", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.GetSessionWithResponse(ctx, id.session)
		}},
		{"ListIssues", "read", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.ListIssuesWithResponse(ctx, nil)
		}},
		{"ListPosts", "read", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.ListPostsWithResponse(ctx, nil)
		}},
		{"CreatePost", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.CreatePostWithResponse(ctx, nil, apiclient.PostInput{LocationId: id.location, PageIds: []int64{id.page}, Text: ptr("Hi"), ScheduledAt: at})
		}},
		{"GetPost", "read", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.GetPostWithResponse(ctx, id.post)
		}},
		{"CancelPost", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.CancelPostWithResponse(ctx, id.post)
		}},
		{"ListWebhooks", "read", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.ListWebhooksWithResponse(ctx)
		}},
		{"CreateWebhook", "write", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.CreateWebhookWithResponse(ctx, nil, apiclient.WebhookInput{Url: "https://93.184.216.34/other"})
		}},
		{"DisableWebhook", "write", true, func(c *apiclient.ClientWithResponses, id ids) (any, error) {
			return c.DisableWebhookWithResponse(ctx, id.webhook)
		}},
		{"GetSettings", "read", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.GetSettingsWithResponse(ctx)
		}},
		{"UpdateSettings", "write", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.UpdateSettingsWithResponse(ctx, apiclient.SettingsPatch{AlertThresholds: &[]string{"7d"}})
		}},
		{"ImportPages", "write", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.ImportPagesWithBodyWithResponse(ctx, nil, "application/x-ndjson", strings.NewReader(""))
		}},
		{"GetOpenAPI", "", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.GetOpenAPIWithResponse(ctx)
		}},
		{"StartSession", "", false, func(c *apiclient.ClientWithResponses, _ ids) (any, error) {
			return c.StartSessionWithResponse(ctx, "not-a-session")
		}},
	}
}

// ours are ids of the demo account, with a webhook and a session made for
// the test.
func (e *env) ours(t *testing.T) ids {
	t.Helper()
	ctx := context.Background()
	c := e.c["all"]
	if res, err := c.UpdateSettingsWithResponse(ctx, apiclient.SettingsPatch{ReturnUrls: &[]string{"https://platform.example/"}}); err != nil || res.JSON200 == nil {
		t.Fatalf("settings: %v", err)
	}
	wh, err := c.CreateWebhookWithResponse(ctx, nil, apiclient.WebhookInput{Url: "https://93.184.216.34/ours"})
	if err != nil || wh.JSON201 == nil {
		t.Fatalf("webhook: %v %s", err, wh.Body)
	}
	s, err := c.CreateReconnectSessionWithResponse(ctx, e.w.Pages["li-riverside"].ID, nil, apiclient.ReconnectSessionInput{ReturnUrl: "https://platform.example/x"})
	if err != nil || s.JSON201 == nil {
		t.Fatalf("session: %v %s", err, s.Body)
	}
	posts, _ := e.w.Store.QueryPosts(ctx, storePostQuery(e))
	return ids{location: e.w.Pages["fb-downtown"].LocationID, page: e.w.Pages["fb-downtown"].ID, user: e.w.Users["member@demo.test"].ID,
		post: posts[0].ID, webhook: wh.JSON201.Id, session: s.JSON201.Id}
}

func problemOf(t *testing.T, b []byte) apiclient.Problem {
	t.Helper()
	var p apiclient.Problem
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("not a problem: %s", b)
	}
	return p
}

// TestKeys: without a key, with an unknown one or a revoked one, every
// route but the public two answers 401 and says what to send.
func TestKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.ours(t)
	for _, op := range e.operations() {
		for _, key := range []string{"none", "wrong", "revoked"} {
			status, b, h := op.run(t, e.c[key], id)
			if op.scope == "" {
				if status == http.StatusUnauthorized {
					t.Errorf("%s is public, but with key %s: %d", op.name, key, status)
				}
				continue
			}
			p := problemOf(t, b)
			if status != http.StatusUnauthorized || p.Code != apiclient.Unauthorized || p.Field == nil || *p.Field != "Authorization" ||
				!strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") || h.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s with key %s: %d %s %v", op.name, key, status, b, h)
			}
		}
	}
}

// TestScopes: a key without the scope an operation needs is refused with
// 403, naming the scope.
func TestScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.ours(t)
	lacking := map[string][]string{"read": {"tokens"}, "write": {"read", "tokens"}, "tokens": {"read", "write"}}
	for _, op := range e.operations() {
		for _, key := range lacking[op.scope] {
			status, b, _ := op.run(t, e.c[key], id)
			p := problemOf(t, b)
			if status != http.StatusForbidden || p.Code != apiclient.Forbidden || !strings.Contains(p.Detail, op.scope+" scope") {
				t.Errorf("%s with a %s key: %d %s", op.name, key, status, b)
			}
		}
	}
}

// TestOtherAccountsIDs: every id of another account answers 404, as if it
// did not exist, whatever the key may do; and nothing of it changed.
func TestOtherAccountsIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ours := e.ours(t)
	theirs := ids{location: e.other.location, page: e.other.page, user: e.other.user, post: e.other.post, webhook: e.other.webhook, session: ours.session + 1000}
	// Other's own session, for GetSession.
	oc := e.c["other"]
	if _, err := oc.UpdateSettingsWithResponse(context.Background(), apiclient.SettingsPatch{ReturnUrls: &[]string{"https://other.example/"}}); err != nil {
		t.Fatal(err)
	}
	s, _ := oc.CreateReconnectSessionWithResponse(context.Background(), e.other.page, nil, apiclient.ReconnectSessionInput{ReturnUrl: "https://other.example/r"})
	if s.StatusCode() == http.StatusCreated {
		theirs.session = s.JSON201.Id
	} // X is configured in the sandbox: the session exists
	for _, op := range e.operations() {
		if !op.ided {
			continue
		}
		status, b, _ := op.run(t, e.c["all"], theirs)
		if p := problemOf(t, b); status != http.StatusNotFound || p.Code != apiclient.NotFound {
			t.Errorf("%s with another account's ids: %d %s", op.name, status, b)
		}
	}
	ctx := context.Background()
	if p, err := e.w.Store.GetPage(ctx, e.other.page); err != nil || p.Generation != 1 {
		t.Errorf("the other account's page changed: %+v %v", p, err)
	}
	if _, err := e.w.Store.GetPost(ctx, e.other.post); err != nil {
		t.Errorf("the other account's post is gone: %v", err)
	}
}

func storePostQuery(e *env) store.PostQuery {
	acct, _ := e.w.Store.AccountByName(context.Background(), "Demo Brand")
	return store.PostQuery{AccountID: acct.ID, Limit: 10}
}
