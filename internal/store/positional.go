package store

import (
	"strings"
	"sync"
	"sync/atomic"
)

// The store's SQL numbers its parameters ($1, $2, …), as PostgreSQL wants.
// SQLite takes that text too, but as named parameters: the SQLite driver
// asks for each parameter's name when it binds it, and SQLite finds the
// name by walking the statement's list of all of them, so binding costs
// the square of the number of parameters. Creating pages 32 rows of 25
// columns (800 parameters) at a time spent more time binding than running
// the statements. Where the numbers run 1, 2, 3 … in order, each once,
// SQLite gets anonymous parameters (?) instead, which it binds by position
// alone. Any other statement is left as written.

// positional returns query with $1 … $n replaced by ?, when they appear in
// that order, each once, outside quotes and -- comments (a query with /* is
// left alone), and no ? comes before them (SQLite numbers a ? after the
// largest number before it, so ?s after the $s keep their places);
// otherwise query.
func positional(query string) string {
	if !strings.Contains(query, "$") || strings.Contains(query, "/*") {
		return query // no parameters, or comments it does not read
	}
	var b strings.Builder
	b.Grow(len(query))
	next, question := 1, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '?':
			question = true
			b.WriteByte(c)
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				return query
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case c == '$':
			j := i + 1
			n := 0
			for j < len(query) && query[j] >= '0' && query[j] <= '9' && n < 1e6 {
				n = n*10 + int(query[j]-'0')
				j++
			}
			if j == i+1 || n != next || question || j < len(query) && isWordByte(query[j]) {
				return query // not a parameter number, out of order, or after a ?
			}
			next++
			b.WriteByte('?')
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// positionalCache remembers positional's answers for the first
// positionalMax statements: the store runs the same few hundred over and
// over.
type positionalCache struct {
	m sync.Map
	n atomic.Int64
}

const positionalMax = 4096

func (c *positionalCache) get(query string) string {
	if v, ok := c.m.Load(query); ok {
		return v.(string)
	}
	out := positional(query)
	if c.n.Add(1) <= positionalMax {
		c.m.Store(query, out)
	}
	return out
}

// text is query as the engine runs it best: with positional parameters on
// SQLite, as written on PostgreSQL.
func (s *Store) text(query string) string {
	if s.positional == nil {
		return query
	}
	return s.positional.get(query)
}
