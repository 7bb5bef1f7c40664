package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// logBuffer is a log destination tests can read while the server writes.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newLoggedEnv is newEnv with the server's log kept.
func newLoggedEnv(t *testing.T) (*env, *logBuffer) {
	t.Helper()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "tw.db"), store.Options{})
	f := storetest.Seed(t, st)
	hash, _ := password.Hash("right password", bcrypt.MinCost)
	if err := st.SetPassword(t.Context(), f.Member.ID, hash); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	w, err := web.New(st, web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return &env{srv: srv, fixture: f, st: st}, logs
}

// postBody posts a raw form body.
func postBody(t *testing.T, c *http.Client, u string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// An e-mail address of megabytes is neither kept (by the sign-in limiter)
// nor written to the log nor shown back: each field has a length, and a
// form body a size, that nobody filling in a form reaches.
func TestSignInFieldsHaveALength(t *testing.T) {
	t.Parallel()
	e, logs := newLoggedEnv(t)
	c := e.browser(t)
	huge := strings.Repeat("a", 100_000) + "@demo.test"
	for _, form := range []url.Values{
		{"email": {huge}, "password": {"guess"}},
		{"email": {"member@demo.test"}, "password": {strings.Repeat("p", 100_000)}},
		{"email": {"member@demo.test"}, "password": {"guess"}, "next": {"/" + strings.Repeat("n", 100_000)}},
	} {
		status, body, _ := post(t, c, e.srv.URL+"/login", form)
		if status != http.StatusBadRequest && status != http.StatusUnauthorized {
			t.Errorf("a field of 100 kB: %d, want 400 or 401", status)
		}
		if len(body) > 50_000 {
			t.Errorf("a field of 100 kB: a page of %d bytes, which shows the field back", len(body))
		}
	}
	if n := len(logs.String()); n > 10_000 {
		t.Errorf("three sign-ins with a field of 100 kB logged %d bytes:\n%.2000s", n, logs.String())
	}
	// The person can still sign in: the long fields were not counted
	// against their address.
	e.signIn(t, "member@demo.test")
}

// A form larger than any real one is refused as such (413, on a page that
// says so), before it is read into memory, on every form: the sign-in and
// those of signed-in people, where it used to read as an expired form.
func TestOversizedFormsAre413(t *testing.T) {
	t.Parallel()
	e := newDemo(t)
	c, csrf := e.signIn(t, "manager@demo.test")
	big := func(field string) io.Reader {
		return io.MultiReader(strings.NewReader("csrf="+csrf+"&location="+e.locID("Downtown")+"&"+field+"="),
			strings.NewReader(strings.Repeat("a", 11<<20)))
	}
	for _, tt := range []struct{ path, field string }{{"/login", "email"}, {"/posts", "text"}, {"/logout", "x"}, {"/connect", "provider"}} {
		status, body := postBody(t, c, e.srv.URL+tt.path, big(tt.field))
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "too large") || !strings.Contains(body, "<html") {
			t.Errorf("POST %s of 11 MB: %d, want 413 with a page saying the form is too large\n%.500s", tt.path, status, body)
		}
		if strings.Contains(body, "This form has expired") {
			t.Errorf("POST %s of 11 MB says the form has expired", tt.path)
		}
	}
	// The limit leaves room for the largest real form: a post of 5,000
	// characters, each of them escaped.
	form := url.Values{"csrf": {csrf}, "location": {e.locID("Downtown")}, "page": {e.pageID("fb-downtown")},
		"text": {strings.Repeat("€", 5000)}, "at": {"2026-03-20T09:00"}}
	if status, _, _ := post(t, c, e.srv.URL+"/posts", form); status != http.StatusSeeOther {
		t.Errorf("a post of 5,000 characters: %d, want it scheduled", status)
	}
}
