package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// fakeLinkedIn is a test server for one provider call at a time: each path
// answers with its handler; versions records the LinkedIn-Version of every
// /rest call.
type fakeLinkedIn struct {
	mu       sync.Mutex
	versions []string
	handlers map[string]http.HandlerFunc
}

func newFake(t *testing.T, cfg provider.Config, handlers map[string]http.HandlerFunc) (*Provider, *fakeLinkedIn) {
	t.Helper()
	f := &fakeLinkedIn{handlers: handlers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if v := r.Header.Get("LinkedIn-Version"); v != "" {
			f.versions = append(f.versions, v)
		}
		h := f.handlers[r.URL.Path]
		f.mu.Unlock()
		if h == nil {
			http.Error(w, "unexpected "+r.URL.Path, http.StatusTeapot)
			return
		}
		_ = r.ParseForm()
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg.BaseURL, cfg.ClientID, cfg.ClientSecret = srv.URL, "app", tokenwatch.NewSecret("app-secret-0123456789")
	return New(cfg), f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var activeToken = func(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, map[string]any{"active": true, "status": "active", "expires_at": 1900000000,
		"scope": "openid,profile,w_organization_social,rw_organization_admin"})
}

// acls serves n organizations (ids 1..n, the member ADMINISTRATOR of each)
// the way paging may look: capped at pageMax, reporting the effective count
// and, as chosen, total or a next link.
func acls(n, pageMax int, withTotal, withLinks bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.Form.Get("start"))
		count, err := strconv.Atoi(r.Form.Get("count"))
		if err != nil {
			count = 10
		}
		count = min(count, pageMax)
		var elements []map[string]string
		for i := start; i < min(start+count, n); i++ {
			elements = append(elements, map[string]string{"organization": orgURN + strconv.Itoa(i+1), "role": "ADMINISTRATOR", "state": "APPROVED"})
		}
		paging := map[string]any{"start": start, "count": count, "links": []any{}}
		if withTotal {
			paging["total"] = n
		}
		if withLinks && start+count < n {
			paging["links"] = []any{map[string]string{"rel": "next", "type": "application/json",
				"href": fmt.Sprintf("/rest/organizationAcls?q=roleAssignee&start=%d&count=%d", start+count, count)}}
		}
		writeJSON(w, 200, map[string]any{"elements": elements, "paging": paging})
	}
}

func organization(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"localizedName": "Org " + r.URL.Path})
}

// The LinkedIn-Version header is the API table's default, or the
// operator's TOKENWATCH_LINKEDIN_API_VERSION; 202511 is gone since LinkedIn
// retired it on 16 November 2026.
func TestVersionHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		versions map[string]string
		want     string
	}{
		{nil, provider.LookupAPI(provider.APILinkedIn).Default},
		{map[string]string{provider.APILinkedIn: "202609"}, "202609"},
	} {
		p, f := newFake(t, provider.Config{Versions: tc.versions}, map[string]http.HandlerFunc{
			"/rest/organizationAcls": acls(1, 100, false, false),
			"/rest/organizations/1":  organization,
			"/rest/posts": func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Restli-Id", "urn:li:share:1")
				w.WriteHeader(201)
			},
			"/oauth/v2/introspectToken": activeToken,
		})
		ctx := context.Background()
		page := &tokenwatch.Page{ProviderPageID: "1"}
		if _, err := p.Pages(ctx, &provider.Grant{}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Inspect(ctx, page, tokenwatch.Credentials{}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Publish(ctx, page, tokenwatch.Credentials{}, provider.Post{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if len(f.versions) != 4 {
			t.Errorf("%d REST calls carried a version, want 4", len(f.versions))
		}
		for _, v := range f.versions {
			if v != tc.want {
				t.Errorf("LinkedIn-Version = %q, want %q", v, tc.want)
			}
		}
	}
}

// A member with more organizations than one page sees them all, however
// LinkedIn pages: with total, with next links, or with neither (a short
// page ends the list), and at a page size below the one asked for.
// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination
func TestPagesFollowsPaging(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                 string
		n, pageMax           int
		withTotal, withLinks bool
	}{
		{"total", 230, 100, true, false},
		{"next links", 230, 100, false, true},
		{"short last page", 230, 100, false, false},
		{"capped below the count asked for, with total", 120, 10, true, false},
		{"capped below the count asked for, reported count", 120, 10, false, false},
		{"exactly one full page", 100, 100, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			handlers := map[string]http.HandlerFunc{"/rest/organizationAcls": acls(tc.n, tc.pageMax, tc.withTotal, tc.withLinks)}
			for i := 1; i <= tc.n; i++ {
				handlers["/rest/organizations/"+strconv.Itoa(i)] = organization
			}
			p, _ := newFake(t, provider.Config{}, handlers)
			cands, err := p.Pages(context.Background(), &provider.Grant{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cands) != tc.n {
				t.Errorf("Pages gave %d organizations, want %d", len(cands), tc.n)
			}
		})
	}
}

// Paging is bounded: a finder that never ends stops after maxACLPages, and
// a page not found among the roles read is not called lost.
func TestPagingIsBounded(t *testing.T) {
	t.Parallel()
	var calls int
	var mu sync.Mutex
	endless := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		start, _ := strconv.Atoi(r.Form.Get("start"))
		var elements []map[string]string
		for i := range aclPageSize {
			elements = append(elements, map[string]string{"organization": orgURN + strconv.Itoa(start+i+1000), "role": "ANALYST", "state": "APPROVED"})
		}
		writeJSON(w, 200, map[string]any{"elements": elements, "paging": map[string]any{"start": start, "count": aclPageSize}})
	}
	p, _ := newFake(t, provider.Config{}, map[string]http.HandlerFunc{
		"/rest/organizationAcls": endless, "/oauth/v2/introspectToken": activeToken})
	_, err := p.Inspect(context.Background(), &tokenwatch.Page{ProviderPageID: "1"}, tokenwatch.Credentials{})
	var pe *provider.Error
	if !asError(err, &pe) || pe.Class != tokenwatch.ClassTransient {
		t.Errorf("Inspect = %v, want a transient error, not a lost role", err)
	}
	if calls != maxACLPages {
		t.Errorf("%d pages read, want %d", calls, maxACLPages)
	}
}

// introspectToken authenticates the app: its 401 is a wrong client secret
// and its 400 "invalid client id or token", which the token itself tells
// apart. Neither is the page's problem unless the token is dead.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
func TestIntrospectionRefusals(t *testing.T) {
	t.Parallel()
	refuse := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }
	}
	deadToken := func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 401, map[string]any{"serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token", "status": 401})
	}
	for _, tc := range []struct {
		name       string
		introspect http.HandlerFunc
		acls       http.HandlerFunc
		want       tokenwatch.ErrorClass
	}{
		{"401: the client secret", refuse(401), acls(1, 100, true, false), tokenwatch.ClassService},
		{"400 and the token works: the client id", refuse(400), acls(1, 100, true, false), tokenwatch.ClassService},
		{"400 and the token is dead", refuse(400), deadToken, tokenwatch.ClassMustReconnect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, _ := newFake(t, provider.Config{}, map[string]http.HandlerFunc{
				"/oauth/v2/introspectToken": tc.introspect, "/rest/organizationAcls": tc.acls})
			_, err := p.Inspect(context.Background(), &tokenwatch.Page{ProviderPageID: "1"}, tokenwatch.Credentials{})
			if got := provider.ClassOf(err); got != tc.want || err == nil {
				t.Errorf("Inspect = %v (%s), want class %s", err, got, tc.want)
			}
		})
	}
}

// "Day 360 - If you generate a new access token, your access token and
// refresh token will both expire in 5 days."
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
func TestRefreshNeverOutlivesTheRefreshToken(t *testing.T) {
	t.Parallel()
	p, _ := newFake(t, provider.Config{RefreshEnabled: true}, map[string]http.HandlerFunc{
		"/oauth/v2/accessToken": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"access_token": "new", "expires_in": 5184000})
		},
	})
	end := time.Now().Add(5 * 24 * time.Hour).Truncate(time.Second)
	tok, err := p.Refresh(context.Background(), &tokenwatch.Page{RefreshExpiresAt: end},
		tokenwatch.Credentials{RefreshToken: tokenwatch.NewSecret("rt")})
	if err != nil {
		t.Fatal(err)
	}
	if !tok.AccessExpiresAt.Equal(end) {
		t.Errorf("access token expires %v, want the refresh token's end %v", tok.AccessExpiresAt, end)
	}
}

// LinkedIn documents 60-day access tokens and 365-day refresh tokens; they
// stand in when a response carries no lifetime.
// https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
func TestExchangeDefaultsLifetimes(t *testing.T) {
	t.Parallel()
	p, _ := newFake(t, provider.Config{}, map[string]http.HandlerFunc{
		"/oauth/v2/accessToken": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"access_token": "at", "refresh_token": "rt"})
		},
		"/v2/userinfo": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"sub": "782bbtaQ", "name": "John Doe"})
		},
	})
	g, err := p.Exchange(context.Background(), "code", "", "https://tokenwatch.test/cb")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if d := g.AccessExpiresAt.Sub(now.Add(AccessLifetime)); d < -time.Minute || d > time.Minute {
		t.Errorf("AccessExpiresAt = %v, want about 60 days", g.AccessExpiresAt)
	}
	if d := g.RefreshExpiresAt.Sub(now.Add(RefreshLifetime)); d < -time.Minute || d > time.Minute {
		t.Errorf("RefreshExpiresAt = %v, want about 365 days", g.RefreshExpiresAt)
	}
}

func asError(err error, target **provider.Error) bool { return errors.As(err, target) }
