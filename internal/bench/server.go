package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is `tokenwatch serve` running as a process of its own on the
// seeded database: what the HTTP part measures, apart from the seeder and
// the load sender, which stay in the bench's process.
type server struct {
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
	log  *tail
	done chan error
}

// startServer starts serve through w.Serve on a free loopback port and
// waits until its /readyz answers 200 (at most two minutes).
func startServer(ctx context.Context, w Wiring, url string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd, err := w.Serve(ctx, url, addr)
	if err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: &tail{max: 16 << 10}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting serve: %w", err)
	}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("bench: serve ended before it was ready (%v):\n%s", err, s.log)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("bench: serve was not ready after two minutes:\n%s", s.log)
		}
	}
}

// stop ends serve as an operator would (SIGTERM: it shuts down
// gracefully), killing it after 20 s; an exit other than a clean one is
// an error, with serve's last output.
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("bench: serve: %w:\n%s", err, s.log)
		}
		return nil
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("bench: serve did not stop within 20 s of SIGTERM:\n%s", s.log)
	}
}

// freePort returns a loopback address no one listens on (the kernel's
// choice of a port, released for serve to take).
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// tail keeps the last max bytes written to it (serve's output, for the
// error when it fails).
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.b))
}

// procStatus reads a field in kB of /proc/<pid>/status (VmRSS, VmHWM) as
// bytes.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				n, err := strconv.ParseInt(f[0], 10, 64)
				return n * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("bench: no %s in /proc/%d/status", field, pid)
}

// resetPeakRSS resets a process's peak resident set size (VmHWM), so
// that what follows is measured from its present size (Linux: writing 5
// to clear_refs).
func resetPeakRSS(pid int) error {
	return os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0)
}

// userHZ is the unit of the CPU times in /proc/<pid>/stat: 100 a second
// on every Linux (USER_HZ, which the kernel's ABI fixes).
const userHZ = 100

// cpuTime is the CPU time a process has used, user and system, all its
// threads (fields 14 and 15 of /proc/<pid>/stat).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command's name, in parentheses, may hold spaces: the fields
	// are counted from the last ')'; after it come field 3 and on.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("bench: /proc/<pid>/stat without a name")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("bench: /proc/<pid>/stat is too short")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// rssPeak samples a process's resident set (VmRSS) every 10 ms until
// stop, which returns the largest sample: the peak of the measured part
// alone, even where VmHWM cannot be reset.
func rssPeak(pid int) (stop func() int64) {
	done := make(chan struct{})
	peak := make(chan int64)
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var most int64
		for {
			if n, err := procStatus(pid, "VmRSS"); err == nil {
				most = max(most, n)
			}
			select {
			case <-done:
				peak <- most
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(done); return <-peak }
}
