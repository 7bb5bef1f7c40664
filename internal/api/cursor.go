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
