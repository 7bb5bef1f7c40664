package api

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch/internal/store"
)

// Cursors of the lists that page by id (or by a time and an id): opaque to
// the caller, they say where the previous page of results ended.

const defaultLimit = 50

// limitOf reads a page size: 50 by default, at most store.MaxListLimit.
func limitOf(l *Limit) (int, error) {
	if l == nil {
		return defaultLimit, nil
	}
	if *l < 1 || *l > store.MaxListLimit {
		return 0, invalid("limit", "limit must be between 1 and "+strconv.Itoa(store.MaxListLimit)+".")
	}
	return *l, nil
}

func encodeCursor(parts ...int64) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.FormatInt(p, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(s, ".")))
}

// decodeCursor reads a cursor of n numbers (zeros for none).
func decodeCursor(c *Cursor, n int) ([]int64, error) {
	out := make([]int64, n)
	if c == nil || *c == "" {
		return out, nil
	}
	bad := invalid("cursor", "The cursor is not one tokenwatch gave: start again from the first page.")
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != n {
		return nil, bad
	}
	for i, p := range parts {
		if out[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return nil, bad
		}
	}
	return out, nil
}

// next is the cursor after a page of results when there is more.
func next(more bool, parts ...int64) *string {
	if !more {
		return nil
	}
	c := encodeCursor(parts...)
	return &c
}

func millis(t time.Time) int64 { return t.UTC().UnixMilli() }

// paging reads a list request's page size and its cursor of n parts.
func paging(l *Limit, c *Cursor, n int) (limit int, cursor []int64, err error) {
	if limit, err = limitOf(l); err != nil {
		return 0, nil, err
	}
	cursor, err = decodeCursor(c, n)
	return limit, cursor, err
}

// firstOf keeps the first limit of rows (read as limit+1, to know whether
// more follow) and returns the cursor of the next page, made of the last
// kept row's key, or nil on the last page.
func firstOf[T any](rows []T, limit int, key func(T) []int64) ([]T, *string) {
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	return rows, next(true, key(rows[limit-1])...)
}

// viewsOf maps rows to their views (an empty list, never null, in JSON).
func viewsOf[T, V any](rows []T, view func(T) V) []V {
	out := make([]V, 0, len(rows))
	for _, r := range rows {
		out = append(out, view(r))
	}
	return out
}
