package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// On a full disk, sign-in says the service is unavailable (503, in words),
// not "Internal error", and /readyz takes the process out of the load
// balancer. The disk is made full by forbidding SQLite to grow the file
// and filling the pages it has.
func TestFullDiskSignInAndReadiness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var pages int64
	if err := e.st.DB().QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := e.st.DB().QueryRowContext(ctx, `PRAGMA max_page_count = `+strconv.FormatInt(pages, 10)).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	full := false
	for range 10000 {
		if _, err := e.st.CreateSession(ctx, e.fixture.Member.ID, time.Hour); err != nil {
			full = true
			break
		}
	}
	if !full {
		t.Fatal("the database did not fill up")
	}
	status, body, _ := post(t, e.browser(t), e.srv.URL+"/login", url.Values{"email": {"member@demo.test"}, "password": {"right password"}})
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "no space left") || !strings.Contains(body, "<title>Service unavailable") {
		t.Errorf("sign-in on a full disk: %d, want 503 saying the service is unavailable\n%s", status, body)
	}
	status, body, _ = get(t, http.DefaultClient, e.srv.URL+"/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "disk is full") {
		t.Errorf("/readyz on a full disk: %d %q, want 503", status, body)
	}
}
