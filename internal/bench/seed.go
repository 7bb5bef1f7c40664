package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// spec is what one database is seeded with.
type spec struct {
	pages, locations int
	// userPages: the measured user is a manager of the first locations,
	// enough of them to hold userPages pages.
	userPages int
	// dueEvery: the pages whose offset in their location is a multiple of
	// it are the sweep's (1: all of them).
	dueEvery int
	// posts scheduled per location (on three of its pages, one of which
	// needs reconnecting).
	posts int
	// t0 is the seed's moment; deadline the due pages' deadline; quietUntil
	// when the other pages are next due (after every measured sweep).
	t0, deadline, quietUntil time.Time
	policy                   lifecycle.Policy
}

// seeded is what the measures need of a seeded database.
type seeded struct {
	account  *tokenwatch.Account
	email    string
	password string
	// userLocations is how many locations the user takes part in.
	userLocations int
	// pageIDs is every tenth page's id (for the API's page requests).
	pageIDs []int64
	took    time.Duration
}

const pageBatch = 5000

// seed fills an empty database: one account with an owner, the locations
// (each with a manager), the measured user (a manager of the first
// locations), the pages through the store's bulk path, and scheduled
// posts. The pages are a mix, by their offset j in their location
// (j mod 100): 1 revoked, 2 expired, 3 permission missing, 4 account
// blocked, 5–7 expiring in 4 to 6 days, the others healthy (half renewed
// by tokenwatch with no deadline, half with a deadline 40 to 99 days
// away); the due pages (j a multiple of dueEvery) are healthy with a
// deadline at sp.deadline, and come due at once.
func seed(ctx context.Context, st *store.Store, sp spec, name string, progress io.Writer) (*seeded, error) {
	start := time.Now()
	if accts, err := st.ListAccounts(ctx); err != nil {
		return nil, err
	} else if len(accts) > 0 {
		return nil, fmt.Errorf("bench: the %s database holds accounts already; the bench seeds an empty one", name)
	}
	out := &seeded{account: &tokenwatch.Account{Name: "Bench " + name}, email: "bench-user@bench.test"}
	if err := st.CreateAccount(ctx, out.account); err != nil {
		return nil, err
	}
	acct := out.account.ID
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	out.password = hex.EncodeToString(b)
	hash, err := password.Hash(out.password, bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	owner := &tokenwatch.User{AccountID: acct, Email: "owner@bench.test", Name: "Bench Owner", AccountOwner: true}
	if err := st.CreateUser(ctx, owner, ""); err != nil {
		return nil, err
	}
	user := &tokenwatch.User{AccountID: acct, Email: out.email, Name: "Bench User"}
	if err := st.CreateUser(ctx, user, hash); err != nil {
		return nil, err
	}

	perLocation := sp.pages / sp.locations
	out.userLocations = min(sp.locations, (sp.userPages+perLocation-1)/perLocation)
	zones := []string{"Europe/Paris", "America/New_York", "Asia/Tokyo", "Europe/London", "America/Los_Angeles"}
	bar := newBar(progress, int64(sp.locations+sp.pages+sp.locations*sp.posts), "seeding "+name)
	defer bar.finish()
	locations := make([]int64, sp.locations)
	managers := make([]int64, sp.locations)
	for l := range sp.locations {
		loc := &tokenwatch.Location{AccountID: acct, Name: fmt.Sprintf("Location %04d", l+1), TimeZone: zones[l%len(zones)]}
		if err := st.CreateLocation(ctx, loc); err != nil {
			return nil, err
		}
		m := &tokenwatch.User{AccountID: acct, Email: fmt.Sprintf("manager-%04d@bench.test", l+1), Name: fmt.Sprintf("Manager %04d", l+1)}
		if err := st.CreateUser(ctx, m, ""); err != nil {
			return nil, err
		}
		if err := st.SetMembership(ctx, tokenwatch.Membership{LocationID: loc.ID, UserID: m.ID, Role: tokenwatch.RoleManager}); err != nil {
			return nil, err
		}
		if l < out.userLocations {
			if err := st.SetMembership(ctx, tokenwatch.Membership{LocationID: loc.ID, UserID: user.ID, Role: tokenwatch.RoleManager}); err != nil {
				return nil, err
			}
		}
		locations[l], managers[l] = loc.ID, m.ID
		bar.add(1)
	}

	// The pages, pageBatch at a time; postPages keeps, per location, the
	// pages its posts go to.
	postPages := make([][]int64, sp.locations)
	batch := make([]store.NewPage, 0, pageBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := st.CreatePages(ctx, batch)
		if err != nil {
			return err
		}
		if n != len(batch) {
			return fmt.Errorf("bench: %d of %d pages created", n, len(batch))
		}
		for _, np := range batch {
			p := np.Page
			l, j := sp.index(p)
			if j%10 == 0 {
				out.pageIDs = append(out.pageIDs, p.ID)
			}
			if sp.posts > 0 && (j == 1 || j == 10 || j == 11 || (perLocation < 12 && j < 3)) {
				postPages[l] = append(postPages[l], p.ID)
			}
		}
		bar.add(len(batch))
		batch = batch[:0]
		return nil
	}
	for l := range sp.locations {
		for j := range perLocation {
			batch = append(batch, sp.page(l, j, locations[l], managers[l]))
			if len(batch) == pageBatch {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}

	for l := range sp.locations {
		for k := range sp.posts {
			if len(postPages[l]) == 0 {
				break
			}
			p := &tokenwatch.Post{LocationID: locations[l], AuthorID: managers[l], Text: fmt.Sprintf("Bench post %d of location %d", k+1, l+1),
				ScheduledAt: time.Now().Add(time.Duration(k+1)*26*time.Hour + time.Duration(l%24)*time.Hour), PageIDs: postPages[l]}
			if err := st.CreatePost(ctx, p); err != nil {
				return nil, err
			}
			bar.add(1)
		}
	}
	out.took = time.Since(start)
	return out, nil
}

// page is page j of location l.
func (sp spec) page(l, j int, locationID, manager int64) store.NewPage {
	n := l*(sp.pages/sp.locations) + j
	p := &tokenwatch.Page{
		LocationID:       locationID,
		Provider:         tokenwatch.Providers[n%len(tokenwatch.Providers)],
		ProviderPageID:   fmt.Sprintf("bench-%d-%d", l, j),
		Name:             fmt.Sprintf("Page %d of location %d", j+1, l+1),
		ConnectedBy:      manager,
		ProviderUserID:   fmt.Sprintf("bench-admin-%d", l),
		ProviderUserName: fmt.Sprintf("Admin %d", l+1),
		Scopes:           []string{"pages_manage_posts", "pages_read_engagement"},
		LastCheckedAt:    sp.t0.Add(-time.Duration(n%20) * time.Hour),
		Generation:       1,
		// Quiet until every measured sweep is over.
		NextDueAt: sp.quietUntil.Add(time.Duration(n%1440) * time.Minute),
	}
	day := 24 * time.Hour
	switch k := j % 100; {
	case j%sp.dueEvery == 0:
		// Checked "now" at every measured sweep (its last check is dated
		// at the deadline), so that each sweep records alerts and nothing
		// else: the alert sweep of issue 14.
		p.AccessExpiresAt, p.LastCheckedAt, p.NextDueAt = sp.deadline, sp.deadline, sp.t0
	case k == 1:
		p.AccessExpiresAt, p.Problem = sp.t0.Add(40*day), tokenwatch.ProblemRevoked
	case k == 2:
		p.AccessExpiresAt = sp.t0.Add(-2 * day)
	case k == 3:
		p.AccessExpiresAt, p.Problem = sp.t0.Add(50*day), tokenwatch.ProblemPermissionMissing
	case k == 4:
		p.AccessExpiresAt, p.Problem = sp.t0.Add(50*day), tokenwatch.ProblemAccountBlocked
	case k >= 5 && k <= 7:
		p.AccessExpiresAt = sp.t0.Add(time.Duration(k-1) * day)
	case n%2 == 0:
		p.AccessExpiresAt, p.AutoRefresh = sp.t0.Add(time.Hour), true // renewed by tokenwatch: no deadline
	default:
		p.AccessExpiresAt = sp.t0.Add(time.Duration(40+n%60) * day)
	}
	p.State = sp.policy.Evaluate(lifecycle.FactsOf(p), nil, sp.t0).State
	return store.NewPage{Page: p, Credentials: tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(fmt.Sprintf("bench-token-%d", n))}}
}

// index returns a seeded page's location (0-based) and offset in it.
func (sp spec) index(p *tokenwatch.Page) (l, j int) {
	_, _ = fmt.Sscanf(p.ProviderPageID, "bench-%d-%d", &l, &j)
	return l, j
}

// bar shows progress: a progress bar on a terminal, a line at every
// tenth otherwise.
type bar struct {
	w           io.Writer
	pb          *progressbar.ProgressBar
	desc        string
	total, done int64
	next        int64
}

func newBar(w io.Writer, total int64, desc string) *bar {
	b := &bar{w: w, desc: desc, total: total, next: total / 10}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b.pb = progressbar.NewOptions64(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(desc),
			progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
	}
	return b
}

func (b *bar) add(n int) {
	b.done += int64(n)
	if b.pb != nil {
		_ = b.pb.Add(n)
		return
	}
	if b.done >= b.next && b.total > 0 {
		fmt.Fprintf(b.w, "%s: %d%% (%d of %d)\n", b.desc, b.done*100/b.total, b.done, b.total)
		for b.next <= b.done {
			b.next += max(1, b.total/10)
		}
	}
}

func (b *bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}
