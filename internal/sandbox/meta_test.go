package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// startMeta is a sandbox with Meta app "app", Alice (1) and her Page 501.
func startMeta(t *testing.T, p tokenwatch.Provider, scopes ...string) (*Server, string) {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddApp(p, App{ClientID: "app", ClientSecret: "secret"})
	s.AddAccount(p, Account{ID: "1", Name: "Alice"})
	s.AddPage(p, Page{ID: "501", Name: "Bakery", LinkedPageID: "9501", LinkedPageName: "Bakery (Facebook)"})
	s.SetRole(p, "501", "1", "MANAGE")
	issued, err := s.IssueGrant(p, GrantRequest{ClientID: "app", UserID: "1", PageID: "501", Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return s, issued.AccessToken
}

// graphErr is a Graph API error answer.
type graphErr struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		Subcode   int    `json:"error_subcode"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}

// metaCall sends method to the network's path with token as a bearer and
// returns the status, headers and body.
func metaCall(t *testing.T, method, rawURL, token string, form url.Values) (int, http.Header, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, rawURL, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func decodeGraphErr(t *testing.T, b []byte) graphErr {
	t.Helper()
	var e graphErr
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == 0 {
		t.Fatalf("not a Graph error: %s", b)
	}
	if e.Error.Type != "OAuthException" || e.Error.FBTraceID == "" || e.Error.Message == "" {
		t.Errorf("Graph errors carry message, type and fbtrace_id: %s", b)
	}
	return e
}

// A page token whose user lost their role answers 190 with subcode 492,
// as Meta documents it.
// https://developers.facebook.com/docs/graph-api/guides/error-handling
func TestMetaPageTokenOfAUserWithoutRole(t *testing.T) {
	t.Parallel()
	s, token := startMeta(t, tokenwatch.Facebook, "pages_show_list", "pages_manage_posts")
	s.SetRole(tokenwatch.Facebook, "501", "1", "")
	status, _, b := metaCall(t, http.MethodGet, s.BaseURL(tokenwatch.Facebook)+"/v25.0/501?fields=id", token, nil)
	e := decodeGraphErr(t, b)
	if status != http.StatusBadRequest || e.Error.Code != 190 || e.Error.Subcode != 492 || !strings.Contains(e.Error.Message, "role on the Page") {
		t.Errorf("role lost: %d %s, want 400 190/492", status, b)
	}
}

// A fault can carry the headers Meta sends with a Business Use Case limit.
func TestMetaFaultWithBusinessUseCaseHeader(t *testing.T) {
	t.Parallel()
	s, token := startMeta(t, tokenwatch.Facebook, "pages_show_list")
	usage := `{"501":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}`
	s.Fail(Fault{Provider: tokenwatch.Facebook, Status: 400, Count: 1, Headers: map[string]string{"X-Business-Use-Case-Usage": usage},
		Body: `{"error":{"message":"(#80001) There have been too many calls to this Page account. Wait a bit and try again.","type":"OAuthException","code":80001,"fbtrace_id":"AmFGcW_3hwDB7qFbl_QdebZ"}}`})
	status, h, b := metaCall(t, http.MethodGet, s.BaseURL(tokenwatch.Facebook)+"/v25.0/501?fields=id", token, nil)
	if e := decodeGraphErr(t, b); status != 400 || e.Error.Code != 80001 || h.Get("X-Business-Use-Case-Usage") != usage {
		t.Errorf("fault: %d %v %s", status, h, b)
	}
}

// Threads' debug_token takes only a token of one of the app's testers;
// the token inspected may be anyone's of the same app.
// https://developers.facebook.com/docs/threads/troubleshooting/debug-access-token
func TestMetaThreadsDebugTokenOnlyForTesters(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddApp(tokenwatch.Threads, App{ClientID: "app", ClientSecret: "secret", Testers: []string{"9"}})
	s.AddAccount(tokenwatch.Threads, Account{ID: "1", Name: "Alice"})
	s.AddAccount(tokenwatch.Threads, Account{ID: "9", Name: "Tess Tester"})
	scopes := []string{"threads_basic", "threads_content_publish"}
	alice, _ := s.IssueGrant(tokenwatch.Threads, GrantRequest{ClientID: "app", UserID: "1", Scopes: scopes})
	tester, _ := s.IssueGrant(tokenwatch.Threads, GrantRequest{ClientID: "app", UserID: "9", Scopes: scopes})
	debug := s.BaseURL(tokenwatch.Threads) + "/v1.0/debug_token?input_token=" + url.QueryEscape(alice.AccessToken)
	status, _, b := metaCall(t, http.MethodGet, debug, alice.AccessToken, nil)
	if e := decodeGraphErr(t, b); status != 400 || e.Error.Code != 10 {
		t.Errorf("debug_token with a profile's own token: %d %s, want refused", status, b)
	}
	status, _, b = metaCall(t, http.MethodGet, debug, tester.AccessToken, nil)
	var r struct {
		Data struct {
			IsValid bool   `json:"is_valid"`
			UserID  string `json:"user_id"`
		} `json:"data"`
	}
	if json.Unmarshal(b, &r); status != 200 || !r.Data.IsValid || r.Data.UserID != "1" {
		t.Errorf("debug_token with a tester's token: %d %s", status, b)
	}
	// /me is the health check any profile can make (threads_basic).
	if status, _, b := metaCall(t, http.MethodGet, s.BaseURL(tokenwatch.Threads)+"/v1.0/me?fields=id,username", alice.AccessToken, nil); status != 200 ||
		!strings.Contains(string(b), `"id":"1"`) {
		t.Errorf("/me: %d %s", status, b)
	}
}

// Instagram Login's /me: user_id is the professional account's id (what
// publishing and webhooks use), id is app-scoped and differs.
// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started
func TestMetaInstagramLoginIDsDiffer(t *testing.T) {
	t.Parallel()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.AddApp(tokenwatch.Instagram, App{ClientID: "app", ClientSecret: "secret"})
	s.AddAccount(tokenwatch.Instagram, Account{ID: "17841405822304914", Name: "bakery"})
	issued, _ := s.IssueGrant(tokenwatch.Instagram, GrantRequest{ClientID: "app", UserID: "17841405822304914",
		Scopes: []string{"instagram_business_basic", "instagram_business_content_publish"}})
	status, h, b := metaCall(t, http.MethodGet, s.BaseURL(tokenwatch.Instagram)+"/v25.0/me?fields=user_id,username", issued.AccessToken, nil)
	var me struct{ ID, UserID, Username string }
	if err := json.Unmarshal(b, &struct {
		ID       *string `json:"id"`
		UserID   *string `json:"user_id"`
		Username *string `json:"username"`
	}{&me.ID, &me.UserID, &me.Username}); err != nil || status != 200 {
		t.Fatalf("/me: %d %s", status, b)
	}
	if me.UserID != "17841405822304914" || me.ID == "" || me.ID == me.UserID || me.Username != "bakery" {
		t.Errorf("/me = %+v, want user_id the account and a different app-scoped id", me)
	}
	if h.Get("facebook-api-version") != "v25.0" {
		t.Errorf("facebook-api-version = %q", h.Get("facebook-api-version"))
	}
}

// Containers answer IN_PROGRESS to their first ContainerReads status
// reads, then FINISHED; publishing before that is refused in each
// network's words, and an unpublished container expires after 24 hours.
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container,
// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes,
// https://developers.facebook.com/docs/threads/troubleshooting
func TestMetaContainers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p                    tokenwatch.Provider
		version, create, pub string
		statusField          string
		notReadyCode, notSub int
		scopes               []string
		form                 url.Values
	}{
		{tokenwatch.Instagram, "v25.0", "/media", "/media_publish", "status_code", 9007, 2207027,
			[]string{"instagram_business_basic", "instagram_business_content_publish"}, url.Values{"image_url": {"https://cdn.example/a.jpg"}, "caption": {"hi"}}},
		{tokenwatch.Threads, "v1.0", "/threads", "/threads_publish", "status", 24, 4279009,
			[]string{"threads_basic", "threads_content_publish"}, url.Values{"media_type": {"TEXT"}, "text": {"hi"}}},
	} {
		s, err := Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		s.AddApp(tc.p, App{ClientID: "app", ClientSecret: "secret"})
		s.AddAccount(tc.p, Account{ID: "1", Name: "Alice"})
		s.Configure(tc.p, func(o *Options) { o.ContainerReads = 2 })
		issued, _ := s.IssueGrant(tc.p, GrantRequest{ClientID: "app", UserID: "1", Scopes: tc.scopes})
		base := s.BaseURL(tc.p) + "/" + tc.version
		_, _, b := metaCall(t, http.MethodPost, base+"/1"+tc.create, issued.AccessToken, tc.form)
		var created struct{ ID string }
		if err := json.Unmarshal(b, &created); err != nil || created.ID == "" {
			t.Fatalf("%s: create: %s", tc.p, b)
		}
		publish := func() (int, []byte) {
			status, _, b := metaCall(t, http.MethodPost, base+"/1"+tc.pub, issued.AccessToken, url.Values{"creation_id": {created.ID}})
			return status, b
		}
		if status, b := publish(); status != 400 || decodeGraphErr(t, b).Error.Code != tc.notReadyCode || decodeGraphErr(t, b).Error.Subcode != tc.notSub {
			t.Errorf("%s: publish in progress: %d %s", tc.p, status, b)
		}
		for i, want := range []string{"IN_PROGRESS", "IN_PROGRESS", "FINISHED"} {
			_, _, b := metaCall(t, http.MethodGet, base+"/"+created.ID+"?fields="+tc.statusField, issued.AccessToken, nil)
			var st map[string]string
			json.Unmarshal(b, &st)
			if st[tc.statusField] != want || st["id"] != created.ID {
				t.Errorf("%s: status read %d = %s, want %s", tc.p, i+1, b, want)
			}
		}
		if status, b := publish(); status != 200 {
			t.Errorf("%s: publish once finished: %d %s", tc.p, status, b)
		}
		_, _, b = metaCall(t, http.MethodGet, base+"/"+created.ID+"?fields="+tc.statusField, issued.AccessToken, nil)
		if !strings.Contains(string(b), "PUBLISHED") {
			t.Errorf("%s: after publishing: %s", tc.p, b)
		}
		if tc.p == tokenwatch.Threads {
			form := url.Values{"media_type": {"TEXT"}, "text": {strings.Repeat("a", 497) + "🍞"}}
			if status, _, b := metaCall(t, http.MethodPost, base+"/1"+tc.create, issued.AccessToken, form); status != 400 || decodeGraphErr(t, b).Error.Code != 100 {
				t.Errorf("threads: a 501-character text: %d %s", status, b)
			}
			continue
		}
		// Instagram: a container not published within 24 hours expires.
		_, _, b = metaCall(t, http.MethodPost, base+"/1"+tc.create, issued.AccessToken, tc.form)
		json.Unmarshal(b, &created)
		later := time.Now().Add(25 * time.Hour)
		s.SetClock(func() time.Time { return later })
		if status, b := publish(); status != 400 || decodeGraphErr(t, b).Error.Subcode != 2207020 {
			t.Errorf("instagram: publish of an expired container: %d %s", status, b)
		}
	}
}

// The app access token (client_credentials): refused with 101 for an
// unknown app and code 1 "Error validating client secret." for a wrong
// secret; with it, the app node answers, and facebook-api-version names
// the version that served the call: the oldest one served when the one
// asked for is no longer.
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens#apptokens,
// https://developers.facebook.com/docs/graph-api/guides/versioning
func TestMetaAppTokenAndVersion(t *testing.T) {
	t.Parallel()
	s, _ := startMeta(t, tokenwatch.Facebook)
	base := s.BaseURL(tokenwatch.Facebook)
	token := func(id, secret string) (int, []byte) {
		status, _, b := metaCall(t, http.MethodPost, base+"/v25.0/oauth/access_token", "",
			url.Values{"client_id": {id}, "client_secret": {secret}, "grant_type": {"client_credentials"}})
		return status, b
	}
	if status, b := token("nope", "secret"); status != 400 || decodeGraphErr(t, b).Error.Code != 101 {
		t.Errorf("unknown app: %d %s", status, b)
	}
	if status, b := token("app", "wrong"); status != 400 || decodeGraphErr(t, b).Error.Code != 1 ||
		decodeGraphErr(t, b).Error.Message != "Error validating client secret." {
		t.Errorf("wrong secret: %d %s", status, b)
	}
	status, b := token("app", "secret")
	var r struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if json.Unmarshal(b, &r); status != 200 || !strings.HasPrefix(r.AccessToken, "app|") || r.TokenType != "bearer" {
		t.Fatalf("app token: %d %s", status, b)
	}
	status, h, b := metaCall(t, http.MethodGet, base+"/v23.0/app?fields=id,name", r.AccessToken, nil)
	if status != 200 || !strings.Contains(string(b), `"id":"app"`) || h.Get("facebook-api-version") != "v23.0" {
		t.Errorf("app node: %d %v %s", status, h.Get("facebook-api-version"), b)
	}
	s.Configure(tokenwatch.Facebook, func(o *Options) { o.OldestGraphVersion = "v24.0" })
	if _, h, _ := metaCall(t, http.MethodGet, base+"/v23.0/app?fields=id,name", r.AccessToken, nil); h.Get("facebook-api-version") != "v24.0" {
		t.Errorf("a version no longer served is served at the oldest one: %s", h.Get("facebook-api-version"))
	}
}

// TestMetaPermalinks: a published Page post answers permalink_url and a
// published Instagram media its permalink, links that open the post; a
// field the node does not have, or someone else's token, is refused.
// https://developers.facebook.com/docs/graph-api/reference/pagepost,
// https://developers.facebook.com/docs/instagram-platform/reference/instagram-media
func TestMetaPermalinks(t *testing.T) {
	t.Parallel()
	s, tok := startMeta(t, tokenwatch.Facebook, "pages_manage_posts", "pages_read_engagement")
	s.AddAccount(tokenwatch.Facebook, Account{ID: "2", Name: "Mallory"})
	other, err := s.IssueGrant(tokenwatch.Facebook, GrantRequest{ClientID: "app", UserID: "2", Scopes: []string{"pages_read_engagement"}})
	if err != nil {
		t.Fatal(err)
	}
	base := s.BaseURL(tokenwatch.Facebook) + "/v25.0/"
	status, _, body := metaCall(t, http.MethodPost, base+"501/feed", tok, url.Values{"message": {"Rye on Friday"}})
	var created struct{ ID string }
	if err := json.Unmarshal(body, &created); status != 200 || err != nil {
		t.Fatalf("feed: %d %s", status, body)
	}
	status, _, body = metaCall(t, http.MethodGet, base+created.ID+"?fields=permalink_url", tok, nil)
	var read struct {
		ID           string `json:"id"`
		PermalinkURL string `json:"permalink_url"`
	}
	if err := json.Unmarshal(body, &read); status != 200 || err != nil || read.ID != created.ID ||
		!strings.HasPrefix(read.PermalinkURL, s.URL+"/facebook/501/posts/") {
		t.Fatalf("permalink_url: %d %s", status, body)
	}
	resp, err := client.Get(read.PermalinkURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Rye on Friday") {
		t.Errorf("the permalink answers %d: %s", resp.StatusCode, page)
	}
	status, _, body = metaCall(t, http.MethodGet, base+created.ID+"?fields=permalink", tok, nil)
	if e := decodeGraphErr(t, body); status != 400 || e.Error.Code != 100 || !strings.Contains(e.Error.Message, "nonexisting field (permalink)") {
		t.Errorf("a field the Post lacks: %d %s", status, body)
	}
	if status, _, body = metaCall(t, http.MethodGet, base+created.ID+"?fields=permalink_url", other.AccessToken, nil); status == 200 {
		t.Errorf("someone else's token read the post: %s", body)
	}
	resp, err = client.Get(s.URL + "/facebook/501/posts/999")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown post's page answers %d", resp.StatusCode)
	}
}
