package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
)

// Recorded is one call of a provider method played against answers copied
// from the network's public documentation: the network answers each request
// the call makes with the recorded answer for its method and path, and the
// outcome must be Want. Each file under a network package's
// testdata/recorded/ holds one, as JSON.
type Recorded struct {
	// Source is the public page the answers were copied from.
	Source string `json:"source"`
	// Note says what the recording shows, for the reader.
	Note string `json:"note,omitempty"`
	// Call is the provider method: Exchange, Refresh, Inspect, Pages or
	// Publish.
	Call string `json:"call"`
	// Page is the page the call is made for (Refresh, Inspect, Publish).
	Page RecordedPage `json:"page"`
	// Post is what Publish sends (default: a short text with a link).
	Post *provider.Post `json:"post,omitempty"`
	// Config adjusts the provider's configuration (LinkedIn's refresh).
	RefreshEnabled bool `json:"refresh_enabled,omitempty"`
	// Answers are the network's answers, in the order the call meets them.
	Answers []Answer `json:"answers"`
	Want    Want     `json:"want"`
}

// RecordedPage is the stored page a recorded call is made for.
type RecordedPage struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	// UserName is the account's name at the network (X's username).
	UserName string   `json:"user_name,omitempty"`
	Scopes   []string `json:"scopes"`
}

// Answer is one recorded answer: to the first unused request with this
// method and path (the real endpoint's path), the network answers Status,
// Headers and Body (a JSON value) or BodyText (anything else).
type Answer struct {
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Status   int               `json:"status"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     json.RawMessage   `json:"body,omitempty"`
	BodyText string            `json:"body_text,omitempty"`
	// Require lists request headers (or form and query parameters, as
	// "param:name") the request must carry, e.g. "LinkedIn-Version".
	Require []string `json:"require,omitempty"`
}

// Want is the outcome a recorded call must have: an error of Class (with
// Code, Rejected, RefreshMayFix, RetryAfter as set), or success (OK) with
// the fields that are set.
type Want struct {
	Class           tokenwatch.ErrorClass `json:"class,omitempty"`
	Code            string                `json:"code,omitempty"`
	Rejected        bool                  `json:"rejected,omitempty"`
	RefreshMayFix   bool                  `json:"refresh_may_fix,omitempty"`
	RetryAfter      int                   `json:"retry_after,omitempty"` // seconds
	MessageContains string                `json:"message_contains,omitempty"`
	// ActionContains must appear in what the operator is told to do (a
	// ClassService error's Action).
	ActionContains string `json:"action_contains,omitempty"`

	OK       bool   `json:"ok,omitempty"`
	UserID   string `json:"user_id,omitempty"`
	UserName string `json:"user_name,omitempty"`
	// Lifetimes counted from the call (seconds), or absolute (Unix).
	AccessExpiresIn     int64    `json:"access_expires_in,omitempty"`
	RefreshExpiresIn    int64    `json:"refresh_expires_in,omitempty"`
	AccessExpiresAt     int64    `json:"access_expires_at,omitempty"`
	DataAccessExpiresAt int64    `json:"data_access_expires_at,omitempty"`
	RefreshToken        *bool    `json:"refresh_token,omitempty"` // whether a new refresh token came back
	Scopes              []string `json:"scopes,omitempty"`
	Candidates          []struct {
		ID       string `json:"id"`
		Name     string `json:"name,omitempty"`
		Role     string `json:"role,omitempty"`
		Eligible bool   `json:"eligible"`
		// RefusalContains must appear in the refusal of an ineligible one.
		RefusalContains string `json:"refusal_contains,omitempty"`
	} `json:"candidates,omitempty"`
	PostID string `json:"post_id,omitempty"`
	// PostURL is the link the published post must get ("" for none, as
	// at LinkedIn and TikTok); a recorded success of Publish must say it.
	// "{base}" stands for the network's address (the test server's here)
	// in a link tokenwatch builds itself.
	PostURL *string `json:"post_url,omitempty"`
	// PostNote must appear in the note on the published post
	// (provider.Published.Note), when set.
	PostNote string `json:"post_note,omitempty"`
}

// The credentials a recorded call carries; none may come back in an error.
const (
	recordedAccess  = "recorded-access-token-0123456789"
	recordedRefresh = "recorded-refresh-token-0123456789"
	recordedSecret  = "recorded-app-secret-0123456789"
	recordedCode    = "recorded-authorization-code-0123"
)

// RunRecorded plays every recording in dir (a network package's
// testdata/recorded) against the provider New builds. Every file must name
// its public source, every answer must be asked for, and no request may go
// unanswered. The recordings must include at least one success and one
// error.
func RunRecorded(t *testing.T, newProvider func(provider.Config) provider.Provider, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings in %s", dir)
	}
	var ok, failed int
	for _, f := range files {
		var rec Recorded
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if rec.Want.OK {
			ok++
		} else {
			failed++
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			t.Parallel()
			playRecorded(t, newProvider, rec)
		})
	}
	if ok == 0 || failed == 0 {
		t.Errorf("%s holds %d successes and %d errors; record at least one of each", dir, ok, failed)
	}
}

func playRecorded(t *testing.T, newProvider func(provider.Config) provider.Provider, rec Recorded) {
	if !strings.HasPrefix(rec.Source, "https://") {
		t.Fatalf("the recording names no public source: %q", rec.Source)
	}
	var mu sync.Mutex
	used := make([]bool, len(rec.Answers))
	var unexpected []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if strings.HasPrefix(r.URL.Path, "/_media/") {
			w.Header().Set("Content-Type", "video/mp4")
			_, _ = w.Write([]byte("recorded media bytes"))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for i, a := range rec.Answers {
			if used[i] || !strings.EqualFold(a.Method, r.Method) || a.Path != r.URL.Path {
				continue
			}
			used[i] = true
			for _, req := range a.Require {
				if name, ok := strings.CutPrefix(req, "param:"); ok {
					if r.Form.Get(name) == "" {
						unexpected = append(unexpected, fmt.Sprintf("%s %s without the parameter %s", r.Method, r.URL.Path, name))
					}
				} else if r.Header.Get(req) == "" {
					unexpected = append(unexpected, fmt.Sprintf("%s %s without the header %s", r.Method, r.URL.Path, req))
				}
			}
			for k, v := range a.Headers {
				w.Header().Set(k, v)
			}
			body := []byte(a.BodyText)
			if len(a.Body) > 0 {
				body = a.Body
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
			}
			w.WriteHeader(a.Status)
			_, _ = w.Write(body)
			return
		}
		unexpected = append(unexpected, r.Method+" "+r.URL.Path)
		http.Error(w, "no recorded answer for this request", http.StatusTeapot)
	}))
	defer srv.Close()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	defer transport.CloseIdleConnections()
	cfg := provider.Config{ClientID: "recorded-app", ClientSecret: tokenwatch.NewSecret(recordedSecret), BaseURL: srv.URL,
		RefreshEnabled: rec.RefreshEnabled, HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: transport}}
	p := newProvider(cfg)
	info := p.Info()
	page := &tokenwatch.Page{Provider: info.Name, ProviderPageID: rec.Page.ID, ProviderUserID: rec.Page.UserID,
		ProviderUserName: rec.Page.UserName, Scopes: rec.Page.Scopes, AutoRefresh: info.AutoRefresh}
	creds := tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(recordedAccess), RefreshToken: tokenwatch.NewSecret(recordedRefresh)}
	post := provider.Post{Text: "Fresh bread at 7", Link: "https://bakery.example/today", MediaURL: srv.URL + "/_media/bread.mp4"}
	if rec.Post != nil {
		post = *rec.Post
		if post.MediaURL != "" && !strings.HasPrefix(post.MediaURL, "http") {
			post.MediaURL = srv.URL + "/_media/" + post.MediaURL
		}
	}
	ctx := context.Background()
	now := time.Now()
	var got outcome
	var err error
	switch rec.Call {
	case "Exchange":
		var g *provider.Grant
		if g, err = p.Exchange(ctx, recordedCode, "recorded-verifier-0123456789-0123456789-0123", "https://tokenwatch.test/callback"); err == nil {
			got = outcome{user: g.UserID, userName: g.UserName, token: &g.Token}
		}
	case "Refresh":
		var tok *provider.Token
		if tok, err = p.Refresh(ctx, page, creds); err == nil {
			got = outcome{token: tok}
		}
	case "Inspect":
		var in *provider.Inspection
		if in, err = p.Inspect(ctx, page, creds); err == nil {
			got = outcome{user: in.UserID, token: &provider.Token{AccessExpiresAt: in.AccessExpiresAt,
				DataAccessExpiresAt: in.DataAccessExpiresAt, Scopes: in.Scopes}}
		}
	case "Pages":
		g := &provider.Grant{Token: provider.Token{AccessToken: creds.AccessToken}, UserID: rec.Page.UserID}
		got.candidates, err = p.Pages(ctx, g)
	case "Publish":
		var pub provider.Published
		pub, err = p.Publish(ctx, page, creds, post)
		got.postID, got.postNote, got.postURL = pub.ID, pub.Note, pub.URL
		if rec.Want.OK && rec.Want.PostURL == nil {
			t.Error(`the recording does not say which link the post gets: set want.post_url ("" for none)`)
		}
	default:
		t.Fatalf("unknown call %q", rec.Call)
	}
	mu.Lock()
	for _, u := range unexpected {
		t.Errorf("the call sent %s, which the recording does not answer as required", u)
	}
	for i, u := range used {
		if !u {
			t.Errorf("answer %d (%s %s) was never asked for", i, rec.Answers[i].Method, rec.Answers[i].Path)
		}
	}
	mu.Unlock()
	if err != nil {
		for _, s := range []string{recordedAccess, recordedRefresh, recordedSecret, recordedCode} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("the error quotes a credential: %v", err)
			}
		}
	}
	if rec.Want.PostURL != nil {
		u := strings.ReplaceAll(*rec.Want.PostURL, "{base}", srv.URL)
		rec.Want.PostURL = &u
	}
	checkOutcome(t, rec.Want, got, err, now)
}

type outcome struct {
	user, userName string
	token          *provider.Token
	candidates     []provider.Candidate
	postID         string
	postNote       string
	postURL        string
}

func checkOutcome(t *testing.T, w Want, got outcome, err error, now time.Time) {
	t.Helper()
	if !w.OK {
		var pe *provider.Error
		if !errors.As(err, &pe) {
			t.Fatalf("got %v, want a provider error of class %s", err, w.Class)
		}
		if pe.Class != w.Class || (w.Code != "" && pe.Code != w.Code) || pe.Rejected != w.Rejected || pe.RefreshMayFix != w.RefreshMayFix {
			t.Errorf("got class %s code %q rejected %v refresh_may_fix %v (%s)\nwant class %s code %q rejected %v refresh_may_fix %v",
				pe.Class, pe.Code, pe.Rejected, pe.RefreshMayFix, pe.Message, w.Class, w.Code, w.Rejected, w.RefreshMayFix)
		}
		if w.RetryAfter != 0 && pe.RetryAfter != time.Duration(w.RetryAfter)*time.Second {
			t.Errorf("RetryAfter = %v, want %ds", pe.RetryAfter, w.RetryAfter)
		}
		if w.MessageContains != "" && !strings.Contains(pe.Message, w.MessageContains) {
			t.Errorf("message %q lacks %q", pe.Message, w.MessageContains)
		}
		if w.ActionContains != "" && !strings.Contains(pe.Action, w.ActionContains) {
			t.Errorf("action %q lacks %q", pe.Action, w.ActionContains)
		}
		if pe.Message == "" {
			t.Error("the error has no message")
		}
		return
	}
	if err != nil {
		t.Fatalf("got %v, want success", err)
	}
	if w.UserID != "" && got.user != w.UserID {
		t.Errorf("user id = %q, want %q", got.user, w.UserID)
	}
	if w.UserName != "" && got.userName != w.UserName {
		t.Errorf("user name = %q, want %q", got.userName, w.UserName)
	}
	if tok := got.token; tok != nil {
		checkIn(t, "access token expiry", tok.AccessExpiresAt, w.AccessExpiresIn, now)
		checkIn(t, "refresh token expiry", tok.RefreshExpiresAt, w.RefreshExpiresIn, now)
		checkAt(t, "access token expiry", tok.AccessExpiresAt, w.AccessExpiresAt)
		checkAt(t, "data access expiry", tok.DataAccessExpiresAt, w.DataAccessExpiresAt)
		if w.RefreshToken != nil && *w.RefreshToken == tok.RefreshToken.IsZero() {
			t.Errorf("refresh token returned = %v, want %v", !tok.RefreshToken.IsZero(), *w.RefreshToken)
		}
		if w.Scopes != nil && !slices.Equal(tok.Scopes, w.Scopes) {
			t.Errorf("scopes = %v, want %v", tok.Scopes, w.Scopes)
		}
	}
	if w.Candidates != nil {
		if len(got.candidates) != len(w.Candidates) {
			t.Fatalf("candidates = %+v, want %d", got.candidates, len(w.Candidates))
		}
		for i, wc := range w.Candidates {
			c := got.candidates[i]
			if c.ID != wc.ID || c.Eligible != wc.Eligible || (wc.Name != "" && c.Name != wc.Name) || (wc.Role != "" && c.Role != wc.Role) {
				t.Errorf("candidate %d = %s %q %q eligible %v, want %s %q %q eligible %v", i, c.ID, c.Name, c.Role, c.Eligible, wc.ID, wc.Name, wc.Role, wc.Eligible)
			}
			if !wc.Eligible && !strings.Contains(c.Refusal, wc.RefusalContains) {
				t.Errorf("candidate %d refusal %q lacks %q", i, c.Refusal, wc.RefusalContains)
			}
		}
	}
	if w.PostID != "" && got.postID != w.PostID {
		t.Errorf("post id = %q, want %q", got.postID, w.PostID)
	}
	if w.PostURL != nil && got.postURL != *w.PostURL {
		t.Errorf("link to the post = %q, want %q", got.postURL, *w.PostURL)
	}
	if w.PostNote != "" && !strings.Contains(got.postNote, w.PostNote) {
		t.Errorf("note on the post = %q, want it to say %q", got.postNote, w.PostNote)
	}
}

func checkIn(t *testing.T, what string, got time.Time, seconds int64, now time.Time) {
	t.Helper()
	if seconds == 0 {
		return
	}
	if want := now.Add(time.Duration(seconds) * time.Second); !near(got, want) {
		t.Errorf("%s = %v, want about %v (%ds from the call)", what, got, want, seconds)
	}
}

func checkAt(t *testing.T, what string, got time.Time, unix int64) {
	t.Helper()
	if unix != 0 && !got.Equal(time.Unix(unix, 0)) {
		t.Errorf("%s = %v, want %v", what, got, time.Unix(unix, 0))
	}
}
