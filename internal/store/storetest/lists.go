package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// testPageLists: lists of pages come a bounded page of results at a time,
// in a stable order, scoped to a user's locations or an account, and the
// counts agree with them.
func testPageLists(t *testing.T, e Engine) {
	ctx := context.Background()
	s := Open(t, e.NewDatabase(t), store.Options{Now: func() time.Time { return t0 }})
	f := Seed(t, s)
	// 23 more pages at Downtown, in every state, with deadlines spread
	// over the coming days (and some with none), and 5 at Harbor.
	states := tokenwatch.States
	var downtown []*tokenwatch.Page
	for i := range 23 {
		p := NewPage(f.Downtown.ID, tokenwatch.Facebook, fmt.Sprintf("fb-%02d", i), fmt.Sprintf("Page %02d", 22-i))
		p.State = states[i%len(states)]
		if i%4 != 0 {
			p.DataAccessExpiresAt = t0.Add(time.Duration(i%9) * 24 * time.Hour).Add(time.Hour)
		}
		must(t, s.CreatePage(ctx, p, Creds(fmt.Sprint("a", i), "")))
		downtown = append(downtown, p)
	}
	for i := range 5 {
		p := NewPage(f.Harbor.ID, tokenwatch.X, fmt.Sprintf("x-%d", i), fmt.Sprintf("Harbor %d", i))
		p.State = tokenwatch.StateRevoked
		must(t, s.CreatePage(ctx, p, Creds(fmt.Sprint("h", i), "")))
	}

	collect := func(q store.PageQuery) []*tokenwatch.Page {
		t.Helper()
		var all []*tokenwatch.Page
		for range 100 {
			ps, next, err := s.QueryPages(ctx, q)
			must(t, err)
			if len(ps) > q.Limit {
				t.Fatalf("%d pages in a page of %d", len(ps), q.Limit)
			}
			all = append(all, ps...)
			if next == "" {
				return all
			}
			q.After = next
		}
		t.Fatal("the cursor never ends")
		return nil
	}

	// Worst first, then the nearest deadline (none last), then the id:
	// paging by 4 gives every issue once, in that order.
	issues := collect(store.PageQuery{UserID: f.DowntownOnly.ID, Issues: true, Order: store.WorstFirst, Limit: 4})
	var want []*tokenwatch.Page
	for _, p := range append(downtown, f.DowntownPage) {
		if p.State.IsIssue() {
			want = append(want, p)
		}
	}
	deadline := func(p *tokenwatch.Page) time.Time {
		if p.DataAccessExpiresAt.IsZero() {
			return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return p.DataAccessExpiresAt
	}
	slices.SortStableFunc(want, func(a, b *tokenwatch.Page) int {
		if a.State.Severity() != b.State.Severity() {
			return b.State.Severity() - a.State.Severity()
		}
		if c := deadline(a).Compare(deadline(b)); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	if got, w := ids(issues), ids(want); !slices.Equal(got, w) {
		t.Errorf("worst first, paged by 4:\n got %v\nwant %v", got, w)
	}
	n, err := s.CountPages(ctx, store.PageQuery{UserID: f.DowntownOnly.ID, Issues: true})
	must(t, err)
	if n != len(want) {
		t.Errorf("count %d, list %d", n, len(want))
	}
	// A user's scope is their locations: the Harbor pages are not the
	// Downtown member's.
	if all := collect(store.PageQuery{UserID: f.DowntownOnly.ID, Limit: 7}); len(all) != 24 {
		t.Errorf("the Downtown member lists %d pages, want 24", len(all))
	}
	if all := collect(store.PageQuery{UserID: f.Manager.ID, Limit: 7}); len(all) != 30 {
		t.Errorf("the manager lists %d pages, want 30", len(all))
	}
	// By name, within a location.
	byName := collect(store.PageQuery{AccountID: f.Account.ID, LocationID: f.Harbor.ID, Order: store.ByName, Limit: 2})
	var names []string
	for _, p := range byName {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"Harbor 0", "Harbor 1", "Harbor 2", "Harbor 3", "Harbor 4", "Harbor Bakery"}) {
		t.Errorf("by name: %v", names)
	}
	// Filters: a network and a state.
	if xs := collect(store.PageQuery{AccountID: f.Account.ID, Provider: tokenwatch.X, States: []tokenwatch.State{tokenwatch.StateRevoked}, Limit: 50}); len(xs) != 5 {
		t.Errorf("revoked X pages: %d", len(xs))
	}
	// A cursor tokenwatch did not make is refused.
	if _, _, err := s.QueryPages(ctx, store.PageQuery{AccountID: f.Account.ID, After: "forged!", Limit: 5}); tokenwatch.ErrorCode(err) != tokenwatch.CodeInvalid {
		t.Errorf("a forged cursor: %v", err)
	}
	// Counts by location and state agree with the pages.
	counts, err := s.CountByLocation(ctx, store.PageQuery{UserID: f.Manager.ID})
	must(t, err)
	total := 0
	for _, c := range counts {
		total += c.N
		if c.LocationID == f.Harbor.ID && c.State == tokenwatch.StateRevoked && c.N != 5 {
			t.Errorf("Harbor revoked: %d", c.N)
		}
	}
	if total != 30 {
		t.Errorf("counted %d pages by location, want 30", total)
	}
	// Deadlines per day, from the start of t0's day for 7 days: a page
	// whose data access ends at t0+k days+1h counts on day k.
	days, err := s.DeadlinesPerDay(ctx, store.PageQuery{UserID: f.DowntownOnly.ID}, t0.Truncate(24*time.Hour), 7)
	must(t, err)
	perDay := map[int]int{}
	for _, d := range days {
		perDay[d.Day] += d.N
	}
	wantDays := map[int]int{}
	for _, p := range downtown {
		if !p.DataAccessExpiresAt.IsZero() {
			if d := int(p.DataAccessExpiresAt.Sub(t0.Truncate(24*time.Hour)) / (24 * time.Hour)); d < 7 {
				wantDays[d]++
			}
		}
	}
	if fmt.Sprint(perDay) != fmt.Sprint(wantDays) {
		t.Errorf("deadlines per day %v, want %v", perDay, wantDays)
	}
	// /metrics' counts: every page, the issues through their index and the
	// healthy ones from the kept total, also after a page goes.
	byState, err := s.PagesByState(ctx)
	must(t, err)
	sum := 0
	for _, n := range byState {
		sum += n
	}
	if sum != 30 || byState[tokenwatch.StateRevoked] != 5+countState(downtown, tokenwatch.StateRevoked) {
		t.Errorf("pages by state %v", byState)
	}
	must(t, s.DeletePage(ctx, downtown[0].ID))
	byState, _ = s.PagesByState(ctx)
	sum = 0
	for _, st := range tokenwatch.States {
		sum += byState[st]
	}
	if sum != 29 {
		t.Errorf("after deleting a page: %v", byState)
	}
}

func ids(ps []*tokenwatch.Page) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func countState(ps []*tokenwatch.Page, st tokenwatch.State) int {
	n := 0
	for _, p := range ps {
		if p.State == st {
			n++
		}
	}
	return n
}

// testPageStateCounts: /metrics' pages by state agree with a count of the
// pages by state after pages are created, swept into other states (by two
// sweeps at once), deleted one by one, and deleted with their location or
// their account (the foreign keys' cascades).
func testPageStateCounts(t *testing.T, e Engine) {
	ctx := context.Background()
	clock := NewClock(t0)
	s := Open(t, e.NewDatabase(t), store.Options{Now: clock.Now})
	f := Seed(t, s)
	other := &tokenwatch.Account{Name: "Other Brand"}
	must(t, s.CreateAccount(ctx, other))
	port := &tokenwatch.Location{AccountID: other.ID, Name: "Port", TimeZone: "Europe/Paris"}
	must(t, s.CreateLocation(ctx, port))
	check := func(when string) {
		t.Helper()
		rows, err := s.DB().QueryContext(ctx, `SELECT state, count(*) FROM pages GROUP BY state`)
		must(t, err)
		want := map[tokenwatch.State]int{}
		for rows.Next() {
			var (
				st tokenwatch.State
				n  int
			)
			must(t, rows.Scan(&st, &n))
			want[st] = n
		}
		must(t, rows.Err())
		got, err := s.PagesByState(ctx)
		must(t, err)
		maps.DeleteFunc(got, func(_ tokenwatch.State, n int) bool { return n == 0 })
		if !maps.Equal(got, want) {
			t.Errorf("%s: pages by state %v, want %v", when, got, want)
		}
	}
	check("seeded")
	var pages []store.NewPage
	for i := range 30 {
		loc := []int64{f.Downtown.ID, f.Harbor.ID, port.ID}[i%3]
		pages = append(pages, store.NewPage{Page: NewPage(loc, tokenwatch.LinkedIn, fmt.Sprintf("li-count-%d", i), fmt.Sprintf("Page %d", i)),
			Credentials: Creds("a", "")})
	}
	n, err := s.CreatePages(ctx, pages)
	must(t, err)
	if n != 30 {
		t.Fatalf("created %d pages, want 30", n)
	}
	check("30 pages created")
	// Two sweeps at once, each moving its pages to one of three states.
	states := []tokenwatch.State{tokenwatch.StateExpiring, tokenwatch.StateExpired, tokenwatch.StateRevoked}
	sweep := func() error {
		_, err := s.SweepDue(ctx, 8, func(ps []*tokenwatch.Page, _ map[int64][]store.PageAlert) ([]store.Outcome, func(store.Recorded) ([]store.Delivery, error), error) {
			var out []store.Outcome
			for _, p := range ps {
				out = append(out, store.Outcome{PageID: p.ID, Generation: p.Generation, State: states[p.ID%3], NextDueAt: t0.Add(time.Hour)})
			}
			return out, func(store.Recorded) ([]store.Delivery, error) { return nil, nil }, nil
		})
		return err
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- sweep() }()
	}
	must(t, <-errs)
	must(t, <-errs)
	check("swept twice at once")
	must(t, sweep())
	check("swept again")
	must(t, s.DeletePage(ctx, pages[0].Page.ID))
	check("a page deleted")
	// DeleteLocation refuses a location that has pages; the schema
	// cascades all the same, for an operator's DELETE.
	_, err = s.DB().ExecContext(ctx, `DELETE FROM locations WHERE id = $1`, f.Harbor.ID)
	must(t, err)
	check("a location deleted with its pages")
	must(t, s.DeleteAccount(ctx, other.ID))
	check("an account deleted")
}
