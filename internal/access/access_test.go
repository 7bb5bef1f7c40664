package access

import (
	"strings"
	"testing"

	"github.com/tokenwatch/tokenwatch"
)

// The account of the cases: locations 10 (Downtown) and 20 (Riverside),
// page 100 at Downtown and page 200 at Riverside; account 2 is another.
var (
	owner     = Actor{Kind: KindUser, AccountID: 1, UserID: 1, Owner: true, Roles: map[int64]tokenwatch.Role{10: tokenwatch.RoleOwner}}
	manager   = Actor{Kind: KindUser, AccountID: 1, UserID: 2, Roles: map[int64]tokenwatch.Role{10: tokenwatch.RoleManager, 20: tokenwatch.RoleManager}}
	member    = Actor{Kind: KindUser, AccountID: 1, UserID: 3, Roles: map[int64]tokenwatch.Role{10: tokenwatch.RoleMember, 20: tokenwatch.RoleMember}}
	downtown  = Actor{Kind: KindUser, AccountID: 1, UserID: 4, Roles: map[int64]tokenwatch.Role{10: tokenwatch.RoleMember}}
	readKey   = Actor{Kind: KindAPIKey, AccountID: 1, Scopes: []Scope{ScopeRead}}
	writeKey  = Actor{Kind: KindAPIKey, AccountID: 1, Scopes: []Scope{ScopeWrite}}
	tokenKey  = Actor{Kind: KindAPIKey, AccountID: 1, Scopes: []Scope{ScopeTokens}}
	request   = Actor{Kind: KindRequest, AccountID: 1, PageIDs: []int64{100}}
	session   = Actor{Kind: KindSession, AccountID: 1, PageIDs: []int64{200}}
	connectAt = Actor{Kind: KindSession, AccountID: 1, LocationID: 20}

	page100  = Target{AccountID: 1, LocationID: 10, PageID: 100}
	page200  = Target{AccountID: 1, LocationID: 20, PageID: 200}
	loc20    = Target{AccountID: 1, LocationID: 20}
	account  = Target{AccountID: 1}
	other    = Target{AccountID: 2, LocationID: 30, PageID: 300}
	anOwner  = Target{AccountID: 1, LocationID: 10, OwnerRole: true}
	aPerson  = Target{AccountID: 1, LocationID: 10}
	nobody   = Actor{}
	stranger = Actor{Kind: KindUser, AccountID: 2, UserID: 9, Owner: true, Roles: map[int64]tokenwatch.Role{30: tokenwatch.RoleOwner}}
)

func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		actor  Actor
		action Action
		target Target
		want   Decision
	}{
		// Participants, as DESIGN.md says.
		{"owners reconnect any page of the account", owner, Reconnect, page200, Allowed},
		{"owners see locations they take no part in", owner, See, loc20, Allowed},
		{"owners change the account's settings", owner, Settings, account, Allowed},
		{"managers reconnect their locations' pages", manager, Reconnect, page100, Allowed},
		{"managers disconnect their locations' pages", manager, Disconnect, page200, Allowed},
		{"managers check pages now", manager, Check, page100, Allowed},
		{"managers connect pages to their locations", manager, Connect, loc20, Allowed},
		{"managers manage their locations' people", manager, People, aPerson, Allowed},
		{"managers do not act on owners", manager, People, anOwner, Forbidden},
		{"managers do not change account settings", manager, Settings, account, Forbidden},
		{"members see their locations' pages", member, See, page200, Allowed},
		{"members may not reconnect", member, Reconnect, page100, Forbidden},
		{"members may not check", member, Check, page100, Forbidden},
		{"members may not disconnect", member, Disconnect, page100, Forbidden},
		{"members ask someone to reconnect", member, Ask, page100, Allowed},
		{"members schedule posts", member, Post, page100, Allowed},
		{"members do not manage people", member, People, aPerson, Forbidden},
		{"managers manage their locations' chat channels", manager, Channels, loc20, Allowed},
		{"owners manage the chat channels of every location", owner, Channels, loc20, Allowed},
		{"members do not manage chat channels", member, Channels, loc20, Forbidden},
		{"another location's channels do not exist", downtown, Channels, loc20, NotFound},
		{"another account's channels do not exist", stranger, Channels, loc20, NotFound},
		{"a read key does not manage chat channels", readKey, Channels, loc20, Forbidden},
		{"another location's page does not exist", downtown, See, page200, NotFound},
		{"nor can it be reconnected", downtown, Reconnect, page200, NotFound},
		{"another account's page does not exist, even for its owner", stranger, See, page100, NotFound},
		{"an owner's own account's ids only", owner, See, other, NotFound},
		{"nobody sees nothing", nobody, See, page100, NotFound},
		{"a user is never handed tokens", owner, Token, page100, Forbidden},

		// API keys: the whole account, as far as the scopes go.
		{"a read key reads", readKey, See, page200, Allowed},
		{"a read key does not reconnect", readKey, Reconnect, page200, Forbidden},
		{"a read key is not handed tokens", readKey, Token, page200, Forbidden},
		{"a write key changes the account", writeKey, Disconnect, page200, Allowed},
		{"a write key reads", writeKey, See, page200, Allowed},
		{"a write key is not handed tokens", writeKey, Token, page200, Forbidden},
		{"a tokens key is handed tokens", tokenKey, Token, page100, Allowed},
		{"a tokens key does not change the account", tokenKey, Disconnect, page100, Forbidden},
		{"a tokens key does not read", tokenKey, See, page100, Forbidden},
		{"a write key changes the account's settings", writeKey, Settings, account, Allowed},
		{"a read key does not change the account's settings", readKey, Settings, account, Forbidden},
		{"a write key manages people, owners too", writeKey, People, anOwner, Allowed},
		{"a write key schedules posts", writeKey, Post, loc20, Allowed},
		{"a read key does not schedule posts", readKey, Post, loc20, Forbidden},
		{"a write key connects pages", writeKey, Connect, loc20, Allowed},
		{"a key of another account cannot be handed its tokens", tokenKey, Token, other, NotFound},
		{"a key of another account finds nothing", readKey, See, other, NotFound},

		// Reconnect links and sessions: their page, to reconnect it.
		{"a reconnect link reconnects its page", request, Reconnect, page100, Allowed},
		{"a reconnect link shows its page", request, See, page100, Allowed},
		{"a reconnect link does not disconnect", request, Disconnect, page100, Forbidden},
		{"a reconnect link knows no other page", request, Reconnect, page200, NotFound},
		{"a reconnect link knows no location", request, See, loc20, NotFound},
		{"a reconnect session reconnects its page", session, Reconnect, page200, Allowed},
		{"a reconnect session knows no other page", session, Reconnect, page100, NotFound},
		{"a connect session connects to its location", connectAt, Connect, loc20, Allowed},
		{"a connect session does not reconnect", connectAt, Reconnect, page200, NotFound},
		{"a connect session knows no other location", connectAt, Connect, Target{AccountID: 1, LocationID: 10}, NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.actor, tc.action, tc.target); got != tc.want {
				t.Errorf("Decide = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMayRenew(t *testing.T) {
	t.Parallel()
	page := &tokenwatch.Page{Provider: tokenwatch.LinkedIn, Name: "Demo Bakery Riverside", ProviderUserID: "li-ann", ProviderUserName: "Ann"}
	const role = "Super Admin of the LinkedIn page"
	ann := Account{UserID: "li-ann", UserName: "Ann", Listed: true, Eligible: true}
	bob := Account{UserID: "li-bob", UserName: "Bob", Listed: true, Eligible: true}
	tests := []struct {
		name       string
		acct       Account
		anyAccount bool
		wantOK     bool
		wantWords  string
	}{
		{"the same account with its role renews", ann, false, true, ""},
		{"another account is refused, naming the expected one", bob, false, false, `Sign in to LinkedIn as "Ann"`},
		{"another account with the role renews when the requester allowed any", bob, true, true, ""},
		{"the same account without a role any more is refused, naming the role", Account{UserID: "li-ann", UserName: "Ann"}, false, false,
			"has no role on \"Demo Bakery Riverside\". Reconnecting needs " + role},
		{"a role that is not enough is refused with the network's words", Account{UserID: "li-ann", UserName: "Ann", Listed: true,
			Refusal: "You are a Content Admin of this page; LinkedIn lets only a Super Admin connect it."}, false, false, "Content Admin"},
		{"any account must still hold the role", Account{UserID: "li-bob", UserName: "Bob", Listed: true}, true, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := MayRenew(page, tc.acct, tc.anyAccount, role)
			if v.OK != tc.wantOK || !strings.Contains(v.Reason, tc.wantWords) || (!v.OK && tc.wantWords != "" && v.Reason == "") {
				t.Errorf("MayRenew = %+v, want ok %v with %q", v, tc.wantOK, tc.wantWords)
			}
		})
	}
}
