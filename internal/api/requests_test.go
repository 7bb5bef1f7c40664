package api_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/api/apiclient"
)

// TestBadRequests: bodies and parameters that are wrong are answered 400
// (413, 415) with a stable code and the offending field.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{maxBody: 4 << 10})
	ctx := context.Background()
	c := e.c["all"]
	loc := e.w.Pages["fb-downtown"].LocationID
	page := e.w.Pages["fb-downtown"].ID
	bodies := []struct {
		name, contentType, body string
		status                  int
		code, field             string
	}{
		{"not JSON", "application/json", `{"name": `, 400, "invalid", "body"},
		{"empty", "application/json", ``, 400, "invalid", "body"},
		{"an unknown member", "application/json", `{"name": "X", "time_zone": "UTC", "colour": "red"}`, 400, "invalid", "colour"},
		{"a number for a string", "application/json", `{"name": 12, "time_zone": "UTC"}`, 400, "invalid", "name"},
		{"no name", "application/json", `{"time_zone": "UTC"}`, 400, "invalid", "name"},
		{"not a time zone", "application/json", `{"name": "X", "time_zone": "Mars/Olympus"}`, 400, "invalid", "time_zone"},
		{"two objects", "application/json", `{"name": "X", "time_zone": "UTC"} {}`, 400, "invalid", "body"},
		{"too large", "application/json", `{"name": "` + strings.Repeat("x", 5000) + `", "time_zone": "UTC"}`, 413, "too_large", "body"},
		{"not JSON at all", "text/plain", `name=X`, 415, "unsupported_media_type", "Content-Type"},
	}
	for _, b := range bodies {
		res, err := c.CreateLocationWithBodyWithResponse(ctx, nil, b.contentType, strings.NewReader(b.body))
		if err != nil {
			t.Fatal(err)
		}
		p := problemOf(t, res.Body)
		if res.StatusCode() != b.status || string(p.Code) != b.code || p.Field == nil || *p.Field != b.field {
			t.Errorf("%s: %d %s, want %d %s naming %s", b.name, res.StatusCode(), res.Body, b.status, b.code, b.field)
		}
	}
	// A post with several mistakes names each.
	res, _ := c.CreatePostWithResponse(ctx, nil, apiclient.PostInput{LocationId: loc, PageIds: []int64{page}, Link: ptr("javascript:x"),
		ScheduledAt: e.w.Clock.Now().Add(-time.Hour)})
	if p := problemOf(t, res.Body); res.StatusCode() != 400 || p.Errors == nil || len(*p.Errors) != 2 || *p.Field != "link" || (*p.Errors)[1].Field != "scheduled_at" {
		t.Errorf("a post with two mistakes: %d %s", res.StatusCode(), res.Body)
	}
	bad := []struct {
		name  string
		call  func() (int, []byte)
		field string
	}{
		{"limit 0", func() (int, []byte) {
			r, _ := c.ListPagesWithResponse(ctx, &apiclient.ListPagesParams{Limit: ptr(0)})
			return r.StatusCode(), r.Body
		}, "limit"},
		{"limit 501", func() (int, []byte) {
			r, _ := c.ListIssuesWithResponse(ctx, &apiclient.ListIssuesParams{Limit: ptr(501)})
			return r.StatusCode(), r.Body
		}, "limit"},
		{"a state", func() (int, []byte) {
			r, _ := c.ListPagesWithResponse(ctx, &apiclient.ListPagesParams{State: &[]apiclient.State{"sleepy"}})
			return r.StatusCode(), r.Body
		}, "state"},
		{"a network", func() (int, []byte) {
			r, _ := c.ListIssuesWithResponse(ctx, &apiclient.ListIssuesParams{Network: ptr(apiclient.Network("myspace"))})
			return r.StatusCode(), r.Body
		}, "network"},
		{"a cursor", func() (int, []byte) {
			r, _ := c.ListPagesWithResponse(ctx, &apiclient.ListPagesParams{Cursor: ptr("garbage!")})
			return r.StatusCode(), r.Body
		}, "cursor"},
		{"a post cursor", func() (int, []byte) {
			r, _ := c.ListPostsWithResponse(ctx, &apiclient.ListPostsParams{Cursor: ptr("Zm9v")})
			return r.StatusCode(), r.Body
		}, "cursor"},
		{"a post status", func() (int, []byte) {
			r, _ := c.ListPostsWithResponse(ctx, &apiclient.ListPostsParams{Status: &[]apiclient.PostStatus{"lost"}})
			return r.StatusCode(), r.Body
		}, "status"},
		{"a role", func() (int, []byte) {
			r, _ := c.SetParticipantWithResponse(ctx, loc, e.w.Users["member@demo.test"].ID, apiclient.RoleInput{Role: "boss"})
			return r.StatusCode(), r.Body
		}, "role"},
		{"a page without a token", func() (int, []byte) {
			r, _ := c.CreatePageWithResponse(ctx, nil, apiclient.PageInput{LocationId: loc, Network: apiclient.X, ProviderPageId: "x", Name: "x", ProviderUserId: "u"})
			return r.StatusCode(), r.Body
		}, "access_token"},
		{"a page of no network", func() (int, []byte) {
			r, _ := c.CreatePageWithResponse(ctx, nil, apiclient.PageInput{LocationId: loc, Network: "myspace", ProviderPageId: "x", Name: "x", ProviderUserId: "u", AccessToken: "t"})
			return r.StatusCode(), r.Body
		}, "network"},
		{"an Idempotency-Key too long", func() (int, []byte) {
			r, _ := c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "L", TimeZone: "UTC"}, idem(strings.Repeat("k", 300)))
			return r.StatusCode(), r.Body
		}, "Idempotency-Key"},
		{"a return URL not allowed", func() (int, []byte) {
			r, _ := c.CreateReconnectSessionWithResponse(ctx, page, nil, apiclient.ReconnectSessionInput{ReturnUrl: "https://evil.example/"})
			return r.StatusCode(), r.Body
		}, "return_url"},
	}
	for _, b := range bad {
		status, body := b.call()
		if p := problemOf(t, body); status != 400 || p.Code != apiclient.Invalid || p.Field == nil || *p.Field != b.field {
			t.Errorf("%s: %d %s, want 400 naming %s", b.name, status, body, b.field)
		}
	}
	// An id that is not a number names nothing; an unknown route is a
	// problem too.
	if r, _ := http.Get(e.url + "/api/v1/pages/abc"); r.StatusCode != 404 && r.StatusCode != 401 {
		t.Errorf("a page id that is no number: %d", r.StatusCode)
	}
	req, _ := http.NewRequest("GET", e.url+"/api/v1/nothing", nil)
	req.Header.Set("Authorization", "Bearer "+e.keys["read"])
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 404 || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("an unknown route: %v %v", r, err)
	}
}

// TestIdempotencyKey: a POST repeated with its Idempotency-Key is answered
// the first reply and does nothing twice; the key with another body is
// refused 422.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	c := e.c["all"]
	first, _ := c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Harbor", TimeZone: "UTC"}, idem("k-1"))
	again, _ := c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Harbor", TimeZone: "UTC"}, idem("k-1"))
	if first.JSON201 == nil || again.JSON201 == nil || again.JSON201.Id != first.JSON201.Id ||
		again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" || again.HTTPResponse.Header.Get("Location") == "" {
		t.Fatalf("a replay: %s then %d %s", first.Body, again.StatusCode(), again.Body)
	}
	other, _ := c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Quay", TimeZone: "UTC"}, idem("k-1"))
	if p := problemOf(t, other.Body); other.StatusCode() != 422 || p.Code != apiclient.IdempotencyMismatch || *p.Field != "Idempotency-Key" {
		t.Errorf("the key with another body: %d %s", other.StatusCode(), other.Body)
	}
	// Without a key (or with a new one), the same request runs again.
	dup, _ := c.CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Harbor", TimeZone: "UTC"}, idem("k-2"))
	if dup.StatusCode() != http.StatusConflict {
		t.Errorf("a new key: %d %s", dup.StatusCode(), dup.Body)
	}
	// Keys are the key's own: another key may use the same one.
	w, _ := e.c["write"].CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Pier", TimeZone: "UTC"}, idem("k-1"))
	if w.StatusCode() != http.StatusCreated {
		t.Errorf("the same Idempotency-Key of another API key: %d %s", w.StatusCode(), w.Body)
	}
	// A token handed out is replayed, not handed out (and recorded) again;
	// the stored reply is sealed.
	page := e.w.Pages["fb-downtown"].ID
	t1, _ := e.c["tokens"].GetPageTokenWithResponse(ctx, page, nil, idem("tok"))
	t2, _ := e.c["tokens"].GetPageTokenWithResponse(ctx, page, nil, idem("tok"))
	if t1.JSON200 == nil || t2.JSON200 == nil || t1.JSON200.AccessToken != t2.JSON200.AccessToken {
		t.Fatalf("a token replayed: %s %s", t1.Body, t2.Body)
	}
	grants, _ := c.ListTokenGrantsWithResponse(ctx, &apiclient.ListTokenGrantsParams{Page: &page})
	if len(grants.JSON200.Items) != 1 {
		t.Errorf("%d grants recorded for one token handed out twice by replay", len(grants.JSON200.Items))
	}
	// A replay of an import does not import again.
	lines := `{"type": "location", "account": "Demo Brand", "name": "Quay", "time_zone": "Europe/Oslo"}` + "\n"
	i1, _ := c.ImportPagesWithBodyWithResponse(ctx, nil, "application/x-ndjson", strings.NewReader(lines), idem("imp"))
	i2, _ := c.ImportPagesWithBodyWithResponse(ctx, nil, "application/x-ndjson", strings.NewReader(lines), idem("imp"))
	if i1.JSON200 == nil || i2.JSON200 == nil || i1.JSON200.Locations.Created != 1 || i2.JSON200.Locations.Created != 1 ||
		i2.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("an import replayed: %s %s", i1.Body, i2.Body)
	}
	i3, _ := c.ImportPagesWithBodyWithResponse(ctx, nil, "application/x-ndjson", strings.NewReader(lines+lines), idem("imp"))
	if i3.StatusCode() != 422 {
		t.Errorf("an import's key with another body: %d %s", i3.StatusCode(), i3.Body)
	}
}

// TestRateLimit: a key past its rate is answered 429 with Retry-After;
// other keys go on.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{rateLimit: 1, rateBurst: 3})
	ctx := context.Background()
	for i := range 3 {
		if r, _ := e.c["read"].ListPagesWithResponse(ctx, nil); r.StatusCode() != 200 {
			t.Fatalf("request %d: %d", i, r.StatusCode())
		}
	}
	r, _ := e.c["read"].ListPagesWithResponse(ctx, nil)
	if p := problemOf(t, r.Body); r.StatusCode() != 429 || p.Code != apiclient.RateLimited || r.HTTPResponse.Header.Get("Retry-After") != "1" {
		t.Errorf("past the rate: %d %s %v", r.StatusCode(), r.Body, r.HTTPResponse.Header)
	}
	if r, _ := e.c["write"].ListPagesWithResponse(ctx, nil); r.StatusCode() != 200 {
		t.Errorf("another key: %d", r.StatusCode())
	}
	e.w.Clock.Advance(time.Second)
	if r, _ := e.c["read"].ListPagesWithResponse(ctx, nil); r.StatusCode() != 200 {
		t.Errorf("a second later: %d", r.StatusCode())
	}
}

// TestBusy: past MaxConcurrent requests at once, a request waits up to
// MaxWait for one to finish, then answers 503 with Retry-After, having
// done nothing; the request being worked on finishes, and the next one is
// served.
func TestBusy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{maxConcurrent: 1, maxWait: 50 * time.Millisecond})
	ctx := context.Background()
	// A location whose body is still arriving holds the one slot once its
	// handler has begun (the pipe's first write returns when the client
	// has taken the bytes, not when the server has: reads are sent until
	// one is refused, which says the slot is held).
	body, send := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/api/v1/locations", body)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+e.keys["all"])
	req.Header.Set("Content-Type", "application/json")
	first := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	if _, err := send.Write([]byte(`{"name": "Busy `)); err != nil {
		t.Fatal(err)
	}

	var r *apiclient.ListLocationsResponse
	for range 1000 {
		if r, _ = e.c["read"].ListLocationsWithResponse(ctx, nil); r.StatusCode() != http.StatusOK {
			break
		}
	}
	if p := problemOf(t, r.Body); r.StatusCode() != 503 || p.Code != apiclient.Unavailable || r.HTTPResponse.Header.Get("Retry-After") != "1" {
		t.Errorf("with the one slot taken: %d %s %v", r.StatusCode(), r.Body, r.HTTPResponse.Header)
	}
	r2, _ := e.c["all"].CreateLocationWithResponse(ctx, nil, apiclient.LocationInput{Name: "Refused while busy", TimeZone: "UTC"})
	if r2.StatusCode() != 503 {
		t.Errorf("a change with the one slot taken: %d %s", r2.StatusCode(), r2.Body)
	}

	if _, err := send.Write([]byte(`street", "time_zone": "Europe/Paris"}`)); err != nil {
		t.Fatal(err)
	}
	send.Close()
	if code := <-first; code != http.StatusCreated {
		t.Errorf("the request that held the slot: %d, want 201", code)
	}
	r, _ = e.c["read"].ListLocationsWithResponse(ctx, nil)
	if r.StatusCode() != 200 {
		t.Fatalf("once the slot is free: %d %s", r.StatusCode(), r.Body)
	}
	var names []string
	for _, l := range r.JSON200.Items {
		names = append(names, l.Name)
	}
	if !slices.Contains(names, "Busy street") || slices.Contains(names, "Refused while busy") {
		t.Errorf("locations after the busy moment: %v; want Busy street and not the refused one", names)
	}
}
