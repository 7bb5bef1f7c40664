package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/api"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
)

var now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

type fixture struct {
	srv   *httptest.Server
	f     *storetest.Fixture
	key   string
	other int64 // a page of another account
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "tw.db"), store.Options{})
	f := storetest.Seed(t, st)
	// Harbor's page expires in 2 days; Downtown's is revoked.
	if _, err := st.SaveGrant(ctx, f.HarborPage.ID, store.Grant{Credentials: storetest.Creds("harbor-secret-access", ""),
		AccessExpiresAt: now.Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPageStatus(ctx, f.DowntownPage.ID, store.PageStatus{Problem: tokenwatch.ProblemRevoked, State: tokenwatch.StateRevoked,
		LastError: &tokenwatch.PageError{Class: tokenwatch.ClassMustReconnect, Message: "Error validating access token", At: now}}); err != nil {
		t.Fatal(err)
	}
	other := &tokenwatch.Account{Name: "Other"}
	if err := st.CreateAccount(ctx, other); err != nil {
		t.Fatal(err)
	}
	loc := &tokenwatch.Location{AccountID: other.ID, Name: "Else"}
	if err := st.CreateLocation(ctx, loc); err != nil {
		t.Fatal(err)
	}
	op := storetest.NewPage(loc.ID, tokenwatch.X, "x-other", "Other X")
	if err := st.CreatePage(ctx, op, storetest.Creds("o", "")); err != nil {
		t.Fatal(err)
	}
	_, secret, err := st.CreateAPIKey(ctx, f.Account.ID, "platform")
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(st, api.Options{Policy: lifecycle.Default(), Now: func() time.Time { return now }, BaseURL: "https://tw.example"})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, f: f, key: secret.Reveal(), other: op.ID}
}

func (fx *fixture) get(t *testing.T, path, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", fx.srv.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPagesWithStates(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	status, body := fx.get(t, "/api/v1/pages", fx.key)
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, body)
	}
	var got struct{ Pages []api.Page }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	states := map[string]tokenwatch.State{}
	for _, p := range got.Pages {
		states[p.Name] = p.State
	}
	if len(got.Pages) != 2 || states["Downtown Bakery"] != tokenwatch.StateRevoked || states["Harbor Bakery"] != tokenwatch.StateExpiring {
		t.Errorf("pages: %s", body)
	}
	if strings.Contains(body, "harbor-secret-access") || strings.Contains(body, "Other X") {
		t.Errorf("the response holds a token or another account's page: %s", body)
	}
	if !strings.Contains(body, `"reconnect_url": "https://tw.example/pages/`) || !strings.Contains(body, `"class": "must_reconnect"`) {
		t.Errorf("no reconnect link or last error: %s", body)
	}

	_, body = fx.get(t, "/api/v1/pages?state=expiring", fx.key)
	if !strings.Contains(body, "Harbor Bakery") || strings.Contains(body, "Downtown Bakery") {
		t.Errorf("state filter: %s", body)
	}
	_, body = fx.get(t, "/api/v1/pages?location="+strconv.FormatInt(fx.f.Downtown.ID, 10)+"&issues=true", fx.key)
	if !strings.Contains(body, "Downtown Bakery") || strings.Contains(body, "Harbor Bakery") {
		t.Errorf("location filter: %s", body)
	}
	_, body = fx.get(t, "/api/v1/locations", fx.key)
	if !strings.Contains(body, `"issues": 1`) {
		t.Errorf("locations: %s", body)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	fx := setup(t)
	tests := []struct {
		path, key string
		status    int
		code      string
	}{
		{"/api/v1/pages", "", 401, "unauthorized"},
		{"/api/v1/pages", "tw_forged", 401, "unauthorized"},
		{"/api/v1/pages/" + strconv.FormatInt(fx.other, 10), fx.key, 404, "not_found"},
		{"/api/v1/pages/nope", fx.key, 404, "not_found"},
		{"/api/v1/pages?state=sleepy", fx.key, 400, "invalid"},
		{"/api/v1/pages?provider=myspace", fx.key, 400, "invalid"},
		{"/api/v1/pages?location=abc", fx.key, 400, "invalid"},
		{"/api/v1/nothing", fx.key, 404, "not_found"},
	}
	for _, tt := range tests {
		status, body := fx.get(t, tt.path, tt.key)
		if status != tt.status || !strings.Contains(body, `"code": "`+tt.code+`"`) {
			t.Errorf("GET %s: %d %s, want %d %s", tt.path, status, body, tt.status, tt.code)
		}
	}
	status, body := fx.get(t, "/api/v1/pages/"+strconv.FormatInt(fx.f.HarborPage.ID, 10), fx.key)
	if status != 200 || !strings.Contains(body, `"state": "expiring"`) {
		t.Errorf("one page: %d %s", status, body)
	}
}
