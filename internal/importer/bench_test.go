package importer_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/tokenwatch/tokenwatch/internal/importer"
	"github.com/tokenwatch/tokenwatch/internal/store/pgtest"
)

// BenchmarkImport100k imports JSON Lines of 100,000 pages (one account, 10
// locations, 10 users; the file is generated on the fly) into a fresh
// database per iteration, on SQLite and, with TOKENWATCH_TEST_POSTGRES_URL
// set, on PostgreSQL:
//
//	go test -run '^$' -bench Import100k -benchtime 1x ./internal/importer/
//
// It reports pages/s (the import alone) and the heap, sampled every
// millisecond through runtime/metrics: peak-heap-MiB is the most the heap
// held (garbage not yet collected included), live-MiB the most live heap
// after a collection, and live-at-10k-MiB that after the first 10,000
// lines: flat memory means live-MiB stays close to it.
func BenchmarkImport100k(b *testing.B) {
	const pages = 100_000
	file := writeBenchFile(b, pages)
	b.Run("sqlite", func(b *testing.B) {
		benchImport(b, file, pages, func(b *testing.B) string { return filepath.Join(b.TempDir(), "bench.db") })
	})
	b.Run("postgres", func(b *testing.B) {
		benchImport(b, file, pages, func(b *testing.B) string { return pgtest.NewDatabase(b) })
	})
}

func benchImport(b *testing.B, file string, pages int, newDB func(*testing.B) string) {
	var (
		elapsed                      time.Duration
		peakHeap, peakLive, liveAt10 uint64
	)
	for b.Loop() {
		b.StopTimer()
		w := newWorld(b, newDB(b))
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		opts := w.opts
		sampler := startHeapSampler()
		opts.Progress = func(p importer.Progress) {
			if p.Records == 10_000 {
				_, live := sampler.peaks()
				liveAt10 = max(liveAt10, live)
			}
		}
		b.StartTimer()
		start := time.Now()
		rep, err := importer.Import(context.Background(), f, opts)
		elapsed += time.Since(start)
		b.StopTimer()
		heap, live := sampler.stop()
		peakHeap, peakLive = max(peakHeap, heap), max(peakLive, live)
		f.Close()
		if err != nil || rep.Pages.Created != pages || rep.Bad != 0 {
			b.Fatalf("import: %v, %+v", err, rep)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(pages*b.N)/elapsed.Seconds(), "pages/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peakLive)/(1<<20), "live-MiB")
	b.ReportMetric(float64(liveAt10)/(1<<20), "live-at-10k-MiB")
}

// writeBenchFile writes JSON Lines with an account, 10 locations, 10 users
// and n pages, with tokens as long as Meta's.
func writeBenchFile(b *testing.B, n int) string {
	name := filepath.Join(b.TempDir(), "pages.jsonl")
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	hash, _ := bcrypt.GenerateFromPassword([]byte("bench password"), bcrypt.MinCost)
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(enc.Encode(account("Bench", "alert_thresholds", "14d,3d")))
	for i := range 10 {
		must(enc.Encode(location("Bench", fmt.Sprintf("Location %d", i), "Europe/Paris")))
		must(enc.Encode(user("Bench", fmt.Sprintf("user%d@bench.test", i), "password_hash", string(hash),
			"roles", rec{fmt.Sprintf("Location %d", i): "manager"})))
	}
	token := strings.Repeat("EAAGm0PX4ZCpsBA", 12)
	expires := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		must(enc.Encode(page("Bench", fmt.Sprintf("Location %d", i%10), fmt.Sprintf("1%014d", i),
			"name", fmt.Sprintf("Bench page %d", i), "connected_by", fmt.Sprintf("user%d@bench.test", i%10),
			"access_token", fmt.Sprintf("%s%d", token, i), "scopes", []string{"pages_manage_posts", "pages_read_engagement"},
			"data_access_expires_at", expires)))
	}
	must(w.Flush())
	return name
}

// heapSampler records the peak of the heap while it runs.
type heapSampler struct {
	mu         sync.Mutex
	heap, live uint64
	done       chan struct{}
	stopped    sync.WaitGroup
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	s := &heapSampler{done: make(chan struct{})}
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	s.stopped.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			s.mu.Lock()
			s.heap, s.live = max(s.heap, samples[0].Value.Uint64()), max(s.live, samples[1].Value.Uint64())
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

func (s *heapSampler) peaks() (heap, live uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heap, s.live
}

func (s *heapSampler) stop() (heap, live uint64) {
	close(s.done)
	s.stopped.Wait()
	return s.peaks()
}
