// Package demo seeds the data of `tokenwatch demo`: the account "Demo
// Brand" with three locations, a dozen pages over every network in every
// state, scheduled posts, and the four demo users of DESIGN.md. All times
// are relative to the moment it runs, so the states are right whenever the
// demo starts.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// AccountName is the demo account's name; Seed replaces any account so
// named.
const AccountName = "Demo Brand"

// Password is every demo user's password.
const Password = "demo"

// User is a demo login.
type User struct {
	Email, Name, Description string
	AccountOwner             bool
	// Role at every location, or only at OnlyAt when set.
	Role   tokenwatch.Role
	OnlyAt string
}

// Users are the demo logins.
var Users = []User{
	{Email: "owner@demo.test", Name: "Olivia Owner", Description: "owner of every location", AccountOwner: true, Role: tokenwatch.RoleOwner},
	{Email: "manager@demo.test", Name: "Marco Manager", Description: "manager of every location", Role: tokenwatch.RoleManager},
	{Email: "member@demo.test", Name: "Mia Member", Description: "member of every location (cannot reconnect)", Role: tokenwatch.RoleMember},
	{Email: "downtown@demo.test", Name: "Dan Downtown", Description: "member of Downtown only", Role: tokenwatch.RoleMember, OnlyAt: "Downtown"},
}

// Locations of the demo account and their time zones.
var Locations = []tokenwatch.Location{
	{Name: "Downtown", TimeZone: "America/New_York"},
	{Name: "Riverside", TimeZone: "America/Chicago"},
	{Name: "Airport", TimeZone: "America/Los_Angeles"},
}

// Page describes a demo page: where it is and what shape its token is in.
type Page struct {
	Location       string
	Provider       tokenwatch.Provider
	ProviderPageID string
	Name           string
	// ConnectedBy is the e-mail address of the page admin.
	ConnectedBy string
	// Want is the state the page is seeded into.
	Want tokenwatch.State
	// Token facts, relative to the seeding moment (zero: none).
	AccessIn, RefreshIn, DataAccessIn time.Duration
	Problem                           tokenwatch.Problem
}

const day = 24 * time.Hour

// Pages are the demo pages: a dozen and one over every network, in every
// state.
var Pages = []Page{
	{Location: "Downtown", Provider: tokenwatch.Facebook, ProviderPageID: "fb-downtown", Name: "Demo Bakery Downtown",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateHealthy, DataAccessIn: 75 * day},
	{Location: "Downtown", Provider: tokenwatch.InstagramFacebook, ProviderPageID: "ig-downtown", Name: "@demobakery.downtown",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateExpiring, DataAccessIn: 2*day + 5*time.Hour},
	{Location: "Downtown", Provider: tokenwatch.GoogleBusiness, ProviderPageID: "gbp-downtown", Name: "Demo Bakery – Downtown",
		ConnectedBy: "owner@demo.test", Want: tokenwatch.StateRevoked, AccessIn: 40 * time.Minute, Problem: tokenwatch.ProblemRevoked},
	{Location: "Downtown", Provider: tokenwatch.X, ProviderPageID: "x-downtown", Name: "@DemoBakeryDT",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateHealthy, AccessIn: 90 * time.Minute},
	{Location: "Riverside", Provider: tokenwatch.LinkedIn, ProviderPageID: "li-riverside", Name: "Demo Bakery Riverside",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateExpiring, AccessIn: 8*day + 3*time.Hour, RefreshIn: 200 * day},
	{Location: "Riverside", Provider: tokenwatch.Facebook, ProviderPageID: "fb-riverside", Name: "Demo Bakery Riverside",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateExpired, DataAccessIn: -2 * day},
	{Location: "Riverside", Provider: tokenwatch.TikTok, ProviderPageID: "tt-riverside", Name: "@demobakery.riverside",
		ConnectedBy: "owner@demo.test", Want: tokenwatch.StateHealthy, AccessIn: 100 * time.Minute, RefreshIn: 170 * day},
	{Location: "Riverside", Provider: tokenwatch.Pinterest, ProviderPageID: "pin-riverside", Name: "Demo Bakery Riverside",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StatePermissionMissing, AccessIn: 25 * day, RefreshIn: 50 * day,
		Problem: tokenwatch.ProblemPermissionMissing},
	{Location: "Airport", Provider: tokenwatch.YouTube, ProviderPageID: "yt-airport", Name: "Demo Bakery TV",
		ConnectedBy: "owner@demo.test", Want: tokenwatch.StateHealthy, AccessIn: 50 * time.Minute},
	{Location: "Airport", Provider: tokenwatch.Threads, ProviderPageID: "th-airport", Name: "@demobakery.airport",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateHealthy, AccessIn: 45 * day},
	{Location: "Airport", Provider: tokenwatch.Instagram, ProviderPageID: "igl-airport", Name: "@demobakery.airport",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateHealthy, AccessIn: 40 * day},
	{Location: "Airport", Provider: tokenwatch.Facebook, ProviderPageID: "fb-airport", Name: "Demo Bakery Airport",
		ConnectedBy: "manager@demo.test", Want: tokenwatch.StateExpiring, DataAccessIn: 9*day + 4*time.Hour},
	{Location: "Airport", Provider: tokenwatch.LinkedIn, ProviderPageID: "li-airport", Name: "Demo Bakery Airport",
		ConnectedBy: "owner@demo.test", Want: tokenwatch.StateExpiring, AccessIn: 2*day + 20*time.Hour, RefreshIn: 120 * day},
}

// Post is a demo post: to pages of a location, some days from now at an
// hour of the location's day.
type Post struct {
	Location string
	Pages    []string // provider page ids
	InDays   int
	Hour     int
	Text     string
	// Media names a sample image or video, for networks that need one.
	Media string
}

// Posts are the demo posts, many of them on pages that need reconnecting.
var Posts = []Post{
	{"Downtown", []string{"fb-downtown", "ig-downtown"}, 1, 8, "Croissants are out of the oven!", "croissants.jpg"},
	{"Downtown", []string{"ig-downtown"}, 3, 12, "Lunch special: soup and sourdough.", "soup.jpg"},
	{"Downtown", []string{"gbp-downtown"}, 2, 9, "New opening hours for the holidays.", ""},
	{"Downtown", []string{"x-downtown", "fb-downtown"}, 6, 17, "Weekend cake tasting, come by!", ""},
	{"Riverside", []string{"fb-riverside", "li-riverside"}, 1, 10, "We are hiring bakers at Riverside.", ""},
	{"Riverside", []string{"pin-riverside"}, 4, 15, "Our favourite rye bread recipe.", "rye.jpg"},
	{"Riverside", []string{"tt-riverside"}, 9, 18, "Behind the scenes: 4 a.m. at the bakery.", "night-shift.mp4"},
	{"Riverside", []string{"fb-riverside"}, 12, 9, "Riverside turns five this month.", ""},
	{"Airport", []string{"th-airport", "igl-airport", "fb-airport"}, 2, 7, "Grab a coffee before your flight.", "coffee.jpg"},
	{"Airport", []string{"li-airport"}, 5, 11, "Catering for airline crews, now available.", ""},
	{"Airport", []string{"yt-airport"}, 8, 16, "Video: how we laminate dough.", "laminating.mp4"},
}

// Connection is how a demo page is connected at its network: the tokens
// and the network's ids for the account that granted access and for the
// page.
type Connection struct {
	Credentials      tokenwatch.Credentials
	ProviderUserID   string
	ProviderUserName string
	ProviderPageID   string
}

// Expiries are the expiries a demo page's grant is given.
type Expiries struct {
	Access, Refresh, DataAccess time.Time
}

// Connector connects a demo page at its network. The sandbox network
// (SandboxConnector) gives real tokens; RandomConnector made-up ones.
type Connector func(ctx context.Context, p Page, admin User, e Expiries) (Connection, error)

// RandomConnector makes up tokens that no network knows.
func RandomConnector(_ context.Context, p Page, admin User, e Expiries) (Connection, error) {
	c := Connection{ProviderUserID: "demo-" + admin.Email, ProviderUserName: admin.Name, ProviderPageID: p.ProviderPageID,
		Credentials: tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret("demo-" + rand.Text())}}
	if !e.Refresh.IsZero() || !e.Access.IsZero() {
		c.Credentials.RefreshToken = tokenwatch.NewSecret("demo-refresh-" + rand.Text())
	}
	return c, nil
}

// Options say how to seed.
type Options struct {
	// Now is the moment the demo's times are relative to.
	Now time.Time
	// PasswordHash is the hash of Password, for every demo user.
	PasswordHash string
	// Providers tell how each network refreshes.
	Providers provider.Registry
	// Connect connects each page (RandomConnector if nil).
	Connect Connector
	// MediaBase is the URL the posts' sample media are under ("" for
	// none), e.g. the sandbox's /_sandbox/media.
	MediaBase string
}

// Seed replaces the demo account with fresh demo data.
func Seed(ctx context.Context, st *store.Store, o Options) error {
	now, passwordHash, providers, connect := o.Now, o.PasswordHash, o.Providers, o.Connect
	if connect == nil {
		connect = RandomConnector
	}
	if providers == nil {
		providers = all.New(nil)
	}
	if err := Reset(ctx, st); err != nil {
		return err
	}
	acct := &tokenwatch.Account{Name: AccountName}
	if err := st.CreateAccount(ctx, acct); err != nil {
		return err
	}
	locs := map[string]*tokenwatch.Location{}
	for _, l := range Locations {
		loc := l
		loc.AccountID = acct.ID
		if err := st.CreateLocation(ctx, &loc); err != nil {
			return err
		}
		locs[loc.Name] = &loc
	}
	users := map[string]*tokenwatch.User{}
	demoUsers := map[string]User{}
	for _, du := range Users {
		demoUsers[du.Email] = du
		u := &tokenwatch.User{AccountID: acct.ID, Email: du.Email, Name: du.Name, AccountOwner: du.AccountOwner}
		if err := st.CreateUser(ctx, u, passwordHash); err != nil {
			return err
		}
		users[du.Email] = u
		for _, l := range Locations {
			if du.OnlyAt != "" && du.OnlyAt != l.Name {
				continue
			}
			if err := st.SetMembership(ctx, tokenwatch.Membership{LocationID: locs[l.Name].ID, UserID: u.ID, Role: du.Role}); err != nil {
				return err
			}
		}
	}
	policy := lifecycle.Default()
	pageIDs := map[string]int64{}
	for _, dp := range Pages {
		prov, err := providers.Get(dp.Provider)
		if err != nil {
			return err
		}
		info := prov.Info()
		e := Expiries{Access: at(now, dp.AccessIn), Refresh: at(now, dp.RefreshIn), DataAccess: at(now, dp.DataAccessIn)}
		conn, err := connect(ctx, dp, demoUsers[dp.ConnectedBy], e)
		if err != nil {
			return fmt.Errorf("demo: connecting %s: %w", dp.ProviderPageID, err)
		}
		p, creds := connection.NewPage(info, connection.Grant{
			Token: provider.Token{AccessToken: conn.Credentials.AccessToken, RefreshToken: conn.Credentials.RefreshToken,
				AccessExpiresAt: e.Access, RefreshExpiresAt: e.Refresh, DataAccessExpiresAt: e.DataAccess, Scopes: info.Scopes},
			UserID: conn.ProviderUserID, UserName: conn.ProviderUserName,
		}, acct.ID, locs[dp.Location].ID, conn.ProviderPageID, dp.Name, users[dp.ConnectedBy].ID)
		p.Problem, p.LastCheckedAt = dp.Problem, now.Add(-2*time.Hour)
		d := policy.Evaluate(lifecycle.FactsOf(p), nil, now)
		if d.State != dp.Want {
			return fmt.Errorf("demo: page %s would be %s, not %s", dp.ProviderPageID, d.State, dp.Want)
		}
		p.State, p.NextDueAt = d.State, d.NextAt
		if err := st.CreatePage(ctx, p, creds); err != nil {
			return err
		}
		// When it was last checked, and what the network said then of a
		// page it refused.
		status := store.PageStatus{Problem: p.Problem, State: p.State, LastCheckedAt: p.LastCheckedAt, NextDueAt: p.NextDueAt}
		if dp.Problem != "" {
			status.LastError = &tokenwatch.PageError{Class: problemClass[dp.Problem], Message: problemWords[dp.Problem], At: p.LastCheckedAt}
		}
		if err := st.SetPageStatus(ctx, p.ID, status); err != nil {
			return err
		}
		pageIDs[dp.ProviderPageID] = p.ID
	}
	for _, dp := range Posts {
		loc := locs[dp.Location]
		y, m, d := now.In(loc.Loc()).Date()
		post := &tokenwatch.Post{LocationID: loc.ID, AuthorID: users["manager@demo.test"].ID, Text: dp.Text,
			ScheduledAt: time.Date(y, m, d+dp.InDays, dp.Hour, 0, 0, 0, loc.Loc())}
		if dp.Media != "" && o.MediaBase != "" {
			post.MediaURL = o.MediaBase + "/" + dp.Media
		}
		for _, id := range dp.Pages {
			post.PageIDs = append(post.PageIDs, pageIDs[id])
		}
		if err := st.CreatePost(ctx, post); err != nil {
			return err
		}
	}
	return nil
}

// What the demo's networks said of the pages they refused.
var (
	problemClass = map[tokenwatch.Problem]tokenwatch.ErrorClass{
		tokenwatch.ProblemRevoked:           tokenwatch.ClassMustReconnect,
		tokenwatch.ProblemPermissionMissing: tokenwatch.ClassPermissionMissing,
	}
	problemWords = map[tokenwatch.Problem]string{
		tokenwatch.ProblemRevoked:           "Token has been expired or revoked.",
		tokenwatch.ProblemPermissionMissing: "the grant lacks the permission pins:write; reconnect and allow it",
	}
)

// at returns now+d, or zero for a zero d (no expiry).
func at(now time.Time, d time.Duration) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return now.Add(d)
}

// Reset deletes the demo account and everything in it.
func Reset(ctx context.Context, st *store.Store) error {
	accts, err := st.ListAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accts {
		if a.Name == AccountName {
			if err := st.DeleteAccount(ctx, a.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
