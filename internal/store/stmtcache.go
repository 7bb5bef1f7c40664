package store

import (
	"context"
	"database/sql"
	"sync"
)

// readStmtsMax bounds the statements a stmtCache keeps: the store's reads
// are a few hundred distinct queries (lists with their filters, byIDs'
// padded lengths), and past the bound a query simply runs unprepared.
const readStmtsMax = 512

// stmtCache keeps the statements run on the read pool prepared, by query,
// so that SQLite parses and plans each once per connection instead of on
// every request: parsing was a third of the CPU of GET
// /api/v1/issues?limit=100. (PostgreSQL needs none: pgx keeps a cache of
// prepared statements on each connection.)
type stmtCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// get returns query prepared on the pool, preparing it the first time;
// nil (without error) when the cache is full.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st, ok := c.stmts[query]
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	if len(c.stmts) >= readStmtsMax {
		return nil, nil
	}
	// The statement is prepared on a connection now, and on each other
	// connection the first time it runs there.
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

// close closes the statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}
