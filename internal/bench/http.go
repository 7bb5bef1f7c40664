package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// measureHTTP starts serve as a process of its own on the seeded
// database and measures, over real HTTP: the user's first page of / and
// /issues (signed in through the sign-in form), then the API under a
// constant load, and serve's peak RSS and CPU while it answers.
func measureHTTP(ctx context.Context, rep *Report, w Wiring, st *store.Store, url string, s *seeded, o Options, perLocation int) (err error) {
	keys := make([]string, o.APIKeys)
	for i := range keys {
		_, secret, err := st.CreateAPIKey(ctx, s.account.ID, fmt.Sprintf("bench %d", i+1), "read")
		if err != nil {
			return err
		}
		keys[i] = "Bearer " + secret.Reveal()
	}
	srv, err := startServer(ctx, w, url)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, srv.stop()) }()
	pid, base := srv.cmd.Process.Pid, srv.base
	if rss, err := procStatus(pid, "VmRSS"); err == nil {
		rep.info("serve's RSS once ready (before any request)", mb(rss))
	}
	// What serve does on its own (its first sweep, the queue's jobs)
	// while nobody asks it anything, since the load comes on top.
	if c0, err := cpuTime(pid); err == nil {
		time.Sleep(time.Second)
		if c1, err := cpuTime(pid); err == nil {
			rep.info("serve's CPU use in the second after /readyz, with no request", fmt.Sprintf("%.0f%% of one CPU", 100*(c1-c0).Seconds()))
		}
	}
	// serve's peak from here on: VmHWM reset now, and VmRSS sampled.
	hwmReset := resetPeakRSS(pid) == nil
	stopRSS := rssPeak(pid)

	// The HTML pages, for the user, one request after the other.
	browser, err := signIn(ctx, base, s.email, s.password)
	if err != nil {
		return err
	}
	userPages := count(s.userLocations * perLocation)
	bad := 0
	for _, path := range []string{"/", "/issues"} {
		var took []time.Duration
		var size int64
		for range o.HTMLRequests {
			start := time.Now()
			n, status, err := fetch(ctx, browser, base+path)
			if err != nil {
				return err
			}
			took = append(took, time.Since(start))
			size = max(size, n)
			if status != http.StatusOK {
				bad++
			}
		}
		p99 := quantile(took, 0.99)
		rep.add(fmt.Sprintf("GET %s, signed in, %s-page user", path, userPages),
			fmt.Sprintf("p50 %s, p99 %s (%d requests)", ms(quantile(took, 0.5)), ms(p99), len(took)), "p99 < "+ms(htmlP99Target), p99 < htmlP99Target)
		rep.add(fmt.Sprintf("GET %s body", path), kb(size), "< "+kb(htmlSizeTarget), size < htmlSizeTarget)
	}
	rep.add("HTML answers other than 200", strconv.Itoa(bad), "0", bad == 0)

	// The API, open loop: a request leaves every 1/Rate s whether or not
	// the earlier ones were answered.
	var next atomic.Uint64
	key := func() string { return keys[next.Add(1)%uint64(len(keys))] }
	issues := func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header = "GET", base+"/api/v1/issues?limit=100", http.Header{"Authorization": {key()}}
		return nil
	}
	page := func(t *vegeta.Target) error {
		id := s.pageIDs[rand.IntN(len(s.pageIDs))]
		t.Method, t.URL, t.Header = "GET", base+"/api/v1/pages/"+strconv.FormatInt(id, 10), http.Header{"Authorization": {key()}}
		return nil
	}
	for _, route := range []struct {
		name string
		tr   vegeta.Targeter
	}{{"GET /api/v1/issues?limit=100", issues}, {"GET /api/v1/pages/{id}", page}} {
		// Alone first: what one request costs, without a queue.
		alone, err := oneByOne(ctx, route.tr, 50)
		if err != nil {
			return err
		}
		rep.info(route.name+", one at a time", fmt.Sprintf("p50 %s, p99 %s (%d requests)", ms(quantile(alone, 0.5)), ms(quantile(alone, 0.99)), len(alone)))
		cpu0, cpuErr := cpuTime(pid)
		res := attack(route.tr, o.Rate, o.Load)
		cpu1, cpuErr1 := cpuTime(pid)
		if cpuErr == nil && cpuErr1 == nil && len(res.latencies) > 0 {
			rep.info(route.name+": serve's CPU per request under the load",
				fmt.Sprintf("%s (user + system, all of serve's threads, over %d requests)", ms((cpu1-cpu0)/time.Duration(len(res.latencies))), len(res.latencies)))
		}
		p99 := quantile(res.latencies, 0.99)
		rep.add(fmt.Sprintf("%s at %d/s for %v", route.name, o.Rate, o.Load),
			fmt.Sprintf("p50 %s, p99 %s (%d requests, %.0f/s sent)", ms(quantile(res.latencies, 0.5)), ms(p99), len(res.latencies), res.rate),
			"p99 < "+ms(apiP99Target), p99 < apiP99Target)
		value := strconv.Itoa(res.bad)
		if res.bad > 0 {
			value += " (" + res.first + ")"
		}
		rep.add(route.name+": answers other than 2xx", value, "0", res.bad == 0)
	}

	sampled := stopRSS()
	peak, err := procStatus(pid, "VmHWM")
	if err != nil {
		return err
	}
	name := "serve's peak RSS during the HTTP part (VmHWM)"
	if !hwmReset {
		// VmHWM counts serve's start too: the samples are the part's.
		name, peak = "serve's peak RSS during the HTTP part (VmRSS every 10 ms)", sampled
	}
	rep.add(name, mb(peak), "< "+mb(rssTarget), peak < rssTarget)
	rep.About = append(rep.About, fmt.Sprintf("HTTP over loopback to `tokenwatch serve`, a process of its own on the full database; each HTML page fetched %d times; the API at %d requests/s spread over %d keys (each key may make 50/s)",
		o.HTMLRequests, o.Rate, o.APIKeys))
	return nil
}

// signIn signs in through the sign-in form and returns the browser.
func signIn(ctx context.Context, base, email, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		return nil, fmt.Errorf("bench: signing in as %s: %s, to %q", email, resp.Status, resp.Header.Get("Location"))
	}
	return c, nil
}

// fetch GETs u and reads the whole body.
func fetch(ctx context.Context, c *http.Client, u string) (size int64, status int, err error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	size, err = io.Copy(io.Discard, resp.Body)
	return size, resp.StatusCode, err
}

// oneByOne sends n requests of tr one after the other and returns their
// latencies; an answer other than 2xx is an error.
func oneByOne(ctx context.Context, tr vegeta.Targeter, n int) ([]time.Duration, error) {
	var took []time.Duration
	for range n {
		var t vegeta.Target
		if err := tr(&t); err != nil {
			return nil, err
		}
		req, err := t.Request()
		if err != nil {
			return nil, err
		}
		start := time.Now()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took = append(took, time.Since(start))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, fmt.Errorf("bench: %s %s: %s", t.Method, t.URL, resp.Status)
		}
	}
	return took, nil
}

// attackResult is a load's latencies, how many answers were not 2xx (or
// no answer), the first such, and the rate actually sent.
type attackResult struct {
	latencies []time.Duration
	bad       int
	first     string
	rate      float64
}

func attack(tr vegeta.Targeter, rate int, d time.Duration) attackResult {
	a := vegeta.NewAttacker(vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second), vegeta.Connections(1000), vegeta.MaxBody(512))
	var (
		res         attackResult
		first, last time.Time
	)
	for r := range a.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, "bench") {
		res.latencies = append(res.latencies, r.Latency)
		if first.IsZero() || r.Timestamp.Before(first) {
			first = r.Timestamp
		}
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		if r.Code < 200 || r.Code > 299 {
			res.bad++
			if res.first == "" {
				res.first = fmt.Sprintf("%d %s %s", r.Code, r.Error, truncate(string(r.Body), 200))
			}
		}
	}
	if n := len(res.latencies); n > 1 && last.After(first) {
		res.rate = float64(n-1) / last.Sub(first).Seconds()
	}
	return res
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
