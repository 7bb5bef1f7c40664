package jobs

import (
	"context"
	"sync"
)

// sentMarks records deliveries as sent moments after they went out, for
// every worker at once: while one write runs, the deliveries sent
// meanwhile gather for the next, so that under load a write marks many (on
// SQLite every write queues for the one write connection, River's too),
// and a message sent but not yet marked when the process is killed, the
// one that goes out again with the same Message-ID, is rare.
type sentMarks struct {
	write func(ctx context.Context, ids []int64) error

	mu   sync.Mutex
	next *markGroup // gathering while a write runs
	busy bool       // a goroutine is writing
}

// markGroup is the deliveries one write marks.
type markGroup struct {
	ids  []int64
	done chan struct{}
	err  error
}

// add has id marked sent soon and returns the group it is written with.
func (m *sentMarks) add(id int64) *markGroup {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.next == nil {
		m.next = &markGroup{done: make(chan struct{})}
	}
	g := m.next
	g.ids = append(g.ids, id)
	if !m.busy {
		m.busy = true
		go m.flush()
	}
	return g
}

// flush writes the groups as they gather until none is left.
func (m *sentMarks) flush() {
	for {
		m.mu.Lock()
		g := m.next
		m.next = nil
		if g == nil {
			m.busy = false
			m.mu.Unlock()
			return
		}
		m.mu.Unlock()
		// No attempt's deadline applies: the messages went out.
		g.err = m.write(context.Background(), g.ids)
		close(g.done)
	}
}

// wait waits for the group's write and returns its error.
func (g *markGroup) wait() error {
	<-g.done
	return g.err
}
