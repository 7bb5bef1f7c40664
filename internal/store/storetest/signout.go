package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// testSignOutEverywhere: ending every session of a user ends theirs on
// every browser, and nobody else's.
func testSignOutEverywhere(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{})
	f := Seed(t, s)
	var mine []tokenwatch.Secret
	for range 3 {
		tok, err := s.CreateSession(ctx, f.Member.ID, time.Hour)
		must(t, err)
		mine = append(mine, tok)
	}
	theirs, err := s.CreateSession(ctx, f.Owner.ID, time.Hour)
	must(t, err)
	n, err := s.DeleteUserSessions(ctx, f.Member.ID)
	if err != nil || n != 3 {
		t.Errorf("DeleteUserSessions = %d, %v; want the member's 3", n, err)
	}
	for i, tok := range mine {
		if _, err := s.GetSession(ctx, tok.Reveal()); !tokenwatch.IsNotFound(err) {
			t.Errorf("the member's session %d after signing out everywhere: %v", i, err)
		}
	}
	if _, err := s.GetSession(ctx, theirs.Reveal()); err != nil {
		t.Errorf("the owner's session after the member signed out everywhere: %v", err)
	}
}
