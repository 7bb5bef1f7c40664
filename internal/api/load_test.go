package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/api"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/keyring"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/store"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
	"github.com/tokenwatch/tokenwatch/internal/tokens"
)

// BenchmarkAPI100k measures the closing figures of the API on each engine:
// a JSON Lines file of 100,000 pages (100 locations, 5% expired, 5%
// expiring) imported through POST /api/v1/imports (pages/s, peak heap of
// the process), then GET /api/v1/issues and POST /api/v1/pages/{id}/token
// (random healthy pages) each at a constant 500 requests a second for
// TOKENWATCH_BENCH_SECONDS (default 20) over loopback, open loop (a request
// leaves every 2 ms whether or not the earlier ones were answered), with
// p50 and p99 of their latencies. Run once:
//
//	go test -run '^$' -bench API100k -benchtime 1x ./internal/api/
//
// (PostgreSQL too with TOKENWATCH_TEST_POSTGRES_URL set.)
func BenchmarkAPI100k(b *testing.B) {
	const pages = 100_000
	file := writeLoadFile(b, pages)
	b.Run("sqlite", func(b *testing.B) {
		benchAPI(b, file, pages, func(b *testing.B) string { return filepath.Join(b.TempDir(), "bench.db") })
	})
	b.Run("postgres", func(b *testing.B) {
		benchAPI(b, file, pages, func(b *testing.B) string { return pgtest.NewDatabase(b) })
	})
}

func benchAPI(b *testing.B, file string, pages int, newDB func(*testing.B) string) {
	seconds := 20
	if s, err := strconv.Atoi(os.Getenv("TOKENWATCH_BENCH_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	for b.Loop() {
		b.StopTimer()
		ctx := context.Background()
		keys, _ := keyring.New(keyring.Generate())
		st, err := store.Open(ctx, newDB(b), store.Options{Keys: keys})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		acct := &tokenwatch.Account{Name: "Bench"}
		must(b, st.CreateAccount(ctx, acct))
		_, secret, err := st.CreateAPIKey(ctx, acct.ID, "bench", "read", "write", "tokens")
		must(b, err)
		// Facebook is configured (at an address that answers nothing): the
		// bench's tokens need no refresh, so no call leaves.
		providers := all.New(map[tokenwatch.Provider]provider.Config{tokenwatch.Facebook: {ClientID: "bench", ClientSecret: tokenwatch.NewSecret("bench"),
			BaseURL: "http://127.0.0.1:9"}})
		conn := connection.New(st, connection.Options{Providers: providers, Policy: lifecycle.Default()})
		keeper := tokens.New(st, tokens.Options{Providers: providers, Policy: lifecycle.Default()})
		h := api.New(st, api.Options{Policy: lifecycle.Default(), BaseURL: "http://127.0.0.1", Providers: providers, Connection: conn,
			Keeper: keeper, RateLimit: 1e6, RateBurst: 1e6})
		srv := httptest.NewServer(h)
		b.Cleanup(srv.Close)
		client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2000, MaxIdleConnsPerHost: 2000}, Timeout: time.Minute}
		auth := "Bearer " + secret.Reveal()

		// The import.
		f, err := os.Open(file)
		must(b, err)
		sampler := startHeapSampler()
		start := time.Now()
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/imports", f)
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := client.Do(req)
		must(b, err)
		var rep api.ImportReport
		json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		elapsed := time.Since(start)
		peakHeap := sampler.stop()
		f.Close()
		if resp.StatusCode != 200 || rep.Pages.Created != pages || rep.Bad != 0 {
			b.Fatalf("import: %d %+v", resp.StatusCode, rep)
		}
		b.ReportMetric(float64(pages)/elapsed.Seconds(), "import-pages/s")
		b.ReportMetric(float64(peakHeap)/(1<<20), "import-peak-heap-MiB")
		b.ReportMetric(float64(vmHWM())/(1<<10), "process-peak-rss-MiB")

		// The healthy pages, for the token requests.
		var ids []int64
		q := store.PageQuery{AccountID: acct.ID, States: []tokenwatch.State{tokenwatch.StateHealthy}, Limit: store.MaxListLimit}
		for {
			ps, next, err := st.QueryPages(ctx, q)
			must(b, err)
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			if next == "" {
				break
			}
			q.After = next
		}
		for _, path := range []string{"/api/v1/issues", "/api/v1/pages/" + strconv.FormatInt(ids[0], 10)} {
			for range 3 {
				t0 := time.Now()
				r, _ := http.NewRequest("GET", srv.URL+path, nil)
				r.Header.Set("Authorization", auth)
				resp, err := client.Do(r)
				must(b, err)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				b.Logf("%s alone: %v", path, time.Since(t0))
			}
		}
		issues := load(b, client, seconds, func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/api/v1/issues", nil)
			r.Header.Set("Authorization", auth)
			return r
		})
		issues.report(b, "issues")
		tokensRes := load(b, client, seconds, func() *http.Request {
			r, _ := http.NewRequest("POST", srv.URL+"/api/v1/pages/"+strconv.FormatInt(ids[rand.IntN(len(ids))], 10)+"/token", nil)
			r.Header.Set("Authorization", auth)
			return r
		})
		tokensRes.report(b, "token")
		keeper.Wait()
		b.StartTimer()
	}
}

// loadResult is what a constant-rate load met.
type loadResult struct {
	latencies []time.Duration
	failed    int
	first     string
	took      time.Duration
}

func (r loadResult) report(b *testing.B, name string) {
	slices.Sort(r.latencies)
	q := func(p float64) float64 {
		if len(r.latencies) == 0 {
			return 0
		}
		return float64(r.latencies[int(p*float64(len(r.latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), name+"-p50-ms")
	b.ReportMetric(q(0.99), name+"-p99-ms")
	b.ReportMetric(q(1), name+"-max-ms")
	b.ReportMetric(float64(len(r.latencies)+r.failed)/r.took.Seconds(), name+"-sent/s")
	b.ReportMetric(float64(r.failed), name+"-failed")
	if r.failed > 0 {
		b.Logf("%s: %d failed, the first: %s", name, r.failed, r.first)
	}
}

// load sends a request every 2 ms (500 a second) for seconds, open loop,
// and returns the latencies of the answered ones.
func load(b *testing.B, client *http.Client, seconds int, newRequest func() *http.Request) loadResult {
	const rate = 500
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	tick := time.NewTicker(time.Second / rate)
	defer tick.Stop()
	start := time.Now()
	for range rate * seconds {
		<-tick.C
		wg.Go(func() {
			req := newRequest()
			t0 := time.Now()
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				res.failed++
				res.first = err.Error()
			case resp.StatusCode != http.StatusOK:
				res.failed++
				res.first = resp.Status
			default:
				res.latencies = append(res.latencies, d)
			}
		})
	}
	res.took = time.Since(start)
	wg.Wait()
	return res
}

// writeLoadFile writes JSON Lines: an account, 100 locations and n
// Facebook pages with Meta-length tokens, 5% past their data-access
// expiry and 5% within 10 days of it.
func writeLoadFile(b *testing.B, n int) string {
	name := filepath.Join(b.TempDir(), "pages.jsonl")
	f, err := os.Create(name)
	must(b, err)
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	must(b, enc.Encode(map[string]any{"type": "account", "name": "Bench"}))
	for i := range 100 {
		must(b, enc.Encode(map[string]any{"type": "location", "account": "Bench", "name": fmt.Sprintf("Location %d", i), "time_zone": "Europe/Paris"}))
	}
	token := strings.Repeat("EAAGm0PX4ZCpsBA", 12)
	now := time.Now().UTC()
	for i := range n {
		expires := now.Add(90 * 24 * time.Hour)
		switch i % 20 {
		case 0:
			expires = now.Add(-time.Duration(1+i%7) * 24 * time.Hour)
		case 1:
			expires = now.Add(time.Duration(1+i%9) * 24 * time.Hour)
		}
		must(b, enc.Encode(map[string]any{"type": "page", "account": "Bench", "location": fmt.Sprintf("Location %d", i%100),
			"provider": "facebook", "provider_page_id": fmt.Sprintf("1%014d", i), "name": fmt.Sprintf("Bench page %d", i),
			"provider_user_id": fmt.Sprintf("fb-user-%d", i%500), "access_token": fmt.Sprintf("%s%d", token, i),
			"scopes": []string{"pages_manage_posts", "pages_read_engagement"}, "data_access_expires_at": expires}))
	}
	must(b, w.Flush())
	return name
}

// heapSampler records the peak of the heap's objects while it runs.
type heapSampler struct {
	mu      sync.Mutex
	peak    uint64
	done    chan struct{}
	stopped sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	s := &heapSampler{done: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	s.stopped.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			s.mu.Lock()
			s.peak = max(s.peak, samples[0].Value.Uint64())
			s.mu.Unlock()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *heapSampler) stop() uint64 {
	close(s.done)
	s.stopped.Wait()
	return s.peak
}

// vmHWM is the process's peak resident memory in KiB (Linux), 0 elsewhere.
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
