package api_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch"
	apidoc "github.com/tokenwatch/tokenwatch/api"
	"github.com/tokenwatch/tokenwatch/internal/api"
	"github.com/tokenwatch/tokenwatch/internal/api/apiclient"
	"github.com/tokenwatch/tokenwatch/internal/connect"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/demo/demotest"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/store/storetest"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
	"github.com/tokenwatch/tokenwatch/internal/web"
)

// The API's tests run against the demo world (its account "Demo Brand"
// with pages in every state, connected at the sandbox network) and a
// second account, "Other", whose ids must not exist for Demo Brand's keys.
// Every request goes through the client generated from api/openapi.yaml,
// and every response is checked against the document (validating below);
// TestMain fails the run if an operation of the document was never called.

type env struct {
	t   *testing.T
	w   *demotest.World
	url string
	// Clients by key: read, write, tokens, all (the three scopes), revoked,
	// wrong (an unknown key), none (no key); other is Other's all-scopes key.
	c map[string]*apiclient.ClientWithResponses
	// noRedirect does not follow redirects (a session's landing).
	noRedirect *apiclient.ClientWithResponses
	keys       map[string]string
	// Other's ids.
	other  struct{ location, page, user, post, webhook, session int64 }
	keeper *tokens.Keeper
}

type envOptions struct {
	rateLimit float64
	rateBurst int
	maxBody   int64
	// maxConcurrent and maxWait bound the requests worked on at once.
	maxConcurrent int
	maxWait       time.Duration
	// postgres seeds the world in a PostgreSQL schema of its own (the test
	// skips without TOKENWATCH_TEST_POSTGRES_URL).
	postgres bool
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	wo := demotest.Options{BaseURL: base}
	if o.postgres {
		wo.DatabaseURL = pgtest.NewDatabase(t)
	}
	w := demotest.New(t, wo)
	conn := connection.New(w.Store, connection.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	flow := connect.New(w.Store, connect.Options{Providers: w.Providers, Connection: conn, BaseURL: base, Now: w.Clock.Now})
	keeper := tokens.New(w.Store, tokens.Options{Providers: w.Providers, Policy: lifecycle.Default(), Now: w.Clock.Now})
	if o.rateLimit == 0 {
		o.rateLimit, o.rateBurst = 1e6, 1e6
	}
	h := api.New(w.Store, api.Options{Policy: lifecycle.Default(), Now: w.Clock.Now, BaseURL: base, Providers: w.Providers,
		Connection: conn, Keeper: keeper, Flow: flow, RateLimit: o.rateLimit, RateBurst: o.rateBurst, MaxBody: o.maxBody,
		PasswordCost: bcrypt.MinCost, MaxConcurrent: o.maxConcurrent, MaxWait: o.maxWait})
	ui, err := web.New(w.Store, web.Options{Policy: lifecycle.Default(), PasswordCost: bcrypt.MinCost, Now: w.Clock.Now, Flow: flow})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", h)
	mux.Handle("/", ui)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(keeper.Wait)

	e := &env{t: t, w: w, url: base, c: map[string]*apiclient.ClientWithResponses{}, keys: map[string]string{}, keeper: keeper}
	ctx := context.Background()
	acct, err := w.Store.AccountByName(ctx, "Demo Brand")
	if err != nil {
		t.Fatal(err)
	}
	for name, scopes := range map[string][]string{"read": {"read"}, "write": {"write"}, "tokens": {"tokens"},
		"all": {"read", "write", "tokens"}, "revoked": {"read", "write", "tokens"}} {
		k, secret, err := w.Store.CreateAPIKey(ctx, acct.ID, name, scopes...)
		if err != nil {
			t.Fatal(err)
		}
		if name == "revoked" {
			if err := w.Store.RevokeAPIKey(ctx, acct.ID, k.ID); err != nil {
				t.Fatal(err)
			}
		}
		e.keys[name] = secret.Reveal()
	}
	e.keys["wrong"] = "tw_" + strings.Repeat("x", 43)
	e.keys["none"] = ""

	// Another account, with one of everything.
	other := &tokenwatch.Account{Name: "Other"}
	must(t, w.Store.CreateAccount(ctx, other))
	loc := &tokenwatch.Location{AccountID: other.ID, Name: "Elsewhere", TimeZone: "Europe/Paris"}
	must(t, w.Store.CreateLocation(ctx, loc))
	u := &tokenwatch.User{AccountID: other.ID, Email: "someone@other.test", Name: "Someone"}
	must(t, w.Store.CreateUser(ctx, u, "x"))
	p := storetest.NewPage(loc.ID, tokenwatch.X, "x-other", "Other X")
	p.AccessExpiresAt = w.Clock.Now().Add(time.Hour)
	must(t, w.Store.CreatePage(ctx, p, storetest.Creds("other-access", "other-refresh")))
	post := &tokenwatch.Post{LocationID: loc.ID, Text: "Other's", ScheduledAt: w.Clock.Now().Add(24 * time.Hour), PageIDs: []int64{p.ID}}
	must(t, w.Store.CreatePost(ctx, post))
	_, otherKey, err := w.Store.CreateAPIKey(ctx, other.ID, "other", "read", "write", "tokens")
	must(t, err)
	e.keys["other"] = otherKey.Reveal()
	e.other.location, e.other.page, e.other.user, e.other.post = loc.ID, p.ID, u.ID, post.ID
	for name, key := range e.keys {
		e.c[name] = e.client(key, true)
	}
	e.noRedirect = e.client(e.keys["all"], false)
	// Other's webhook and session, made through its own key.
	oc := e.c["other"]
	wh, err := oc.CreateWebhookWithResponse(ctx, nil, apiclient.WebhookInput{Url: "https://93.184.216.34/hook"})
	if err != nil || wh.JSON201 == nil {
		t.Fatalf("other's webhook: %v %s", err, wh.Body)
	}
	e.other.webhook = wh.JSON201.Id
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is a generated client with a key ("" sends none), through the
// validating transport.
func (e *env) client(key string, follow bool) *apiclient.ClientWithResponses {
	hc := &http.Client{Transport: validating{t: e.t, next: http.DefaultTransport}}
	if !follow {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	opts := []apiclient.ClientOption{apiclient.WithHTTPClient(hc)}
	if key != "" {
		opts = append(opts, apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	}
	c, err := apiclient.NewClientWithResponses(e.url+"/api/v1", opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// idem sets an Idempotency-Key.
func idem(key string) apiclient.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Idempotency-Key", key)
		return nil
	}
}

// The validator of responses, and the operations the run called.
var (
	docValidator validator.Validator
	validateMu   sync.Mutex
	called       = map[string]bool{}
)

func TestMain(m *testing.M) {
	doc, err := libopenapi.NewDocument(apidoc.YAML)
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi.yaml:", err)
		os.Exit(1)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		fmt.Fprintln(os.Stderr, "openapi.yaml:", errs)
		os.Exit(1)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			fmt.Fprintln(os.Stderr, "openapi.yaml:", e.Message, e.Reason)
		}
		os.Exit(1)
	}
	docValidator = v
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		if missing := uncalled(); len(missing) > 0 {
			fmt.Fprintln(os.Stderr, "operations of api/openapi.yaml that no test called:\n  "+strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// operations lists the document's operations as "METHOD /path/{param}".
func operations() []string {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(apidoc.YAML, &doc); err != nil {
		panic(err)
	}
	var out []string
	for path, item := range doc.Paths {
		for method := range item {
			if method != "parameters" {
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

var paramRE = regexp.MustCompile(`\{[^}]+\}`)

// routes are the document's operations with a pattern of their paths.
var routes = sync.OnceValue(func() map[string]*regexp.Regexp {
	out := map[string]*regexp.Regexp{}
	for _, op := range operations() {
		_, tmpl, _ := strings.Cut(op, " ")
		out[op] = regexp.MustCompile("^" + paramRE.ReplaceAllString(tmpl, `[^/]+`) + "$")
	}
	return out
})

// operationOf finds the document's operation of a request, if any.
func operationOf(method, path string) string {
	path = strings.TrimPrefix(path, "/api/v1")
	for op, re := range routes() {
		if strings.HasPrefix(op, method+" ") && re.MatchString(path) {
			return op
		}
	}
	return ""
}

func uncalled() []string {
	validateMu.Lock()
	defer validateMu.Unlock()
	var out []string
	for _, op := range operations() {
		if !called[op] {
			out = append(out, op)
		}
	}
	return out
}

// validating checks every response against the document.
type validating struct {
	t    *testing.T
	next http.RoundTripper
}

func (v validating) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	op := operationOf(req.Method, req.URL.Path)
	if op == "" {
		return resp, nil // a route the document does not have: the test says what it expects
	}
	check := *resp
	check.Body = io.NopCloser(bytes.NewReader(b))
	validateMu.Lock()
	called[op] = true
	ok, errs := docValidator.ValidateHttpResponse(req, &check)
	validateMu.Unlock()
	if !ok {
		var msgs []string
		for _, e := range errs {
			msg := e.Message + ": " + e.Reason
			for _, s := range e.SchemaValidationErrors {
				msg += "; " + s.Reason + " at " + s.FieldPath
			}
			msgs = append(msgs, msg)
		}
		v.t.Errorf("%s %s answered %d, which the document does not allow: %s\n%s", req.Method, req.URL.Path, resp.StatusCode,
			strings.Join(slices.Compact(msgs), " | "), b)
	}
	return resp, nil
}
