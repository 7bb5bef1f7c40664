package connect

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/access"
	"github.com/tokenwatch/tokenwatch/internal/connection"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/status"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// pending is a grant waiting for the person to pick pages. It holds
// tokens, so the store keeps it sealed.
type pending struct {
	Provider   tokenwatch.Provider `json:"provider"`
	LocationID int64               `json:"location_id"`
	UserID     string              `json:"user_id"`
	UserName   string              `json:"user_name"`
	Candidates []pendingCandidate  `json:"candidates"`
}

type pendingCandidate struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	Role                string    `json:"role"`
	Eligible            bool      `json:"eligible"`
	Refusal             string    `json:"refusal"`
	AccessToken         string    `json:"access_token"`
	RefreshToken        string    `json:"refresh_token"`
	AccessExpiresAt     time.Time `json:"access_expires_at"`
	RefreshExpiresAt    time.Time `json:"refresh_expires_at"`
	DataAccessExpiresAt time.Time `json:"data_access_expires_at"`
	Scopes              []string  `json:"scopes"`
}

func (c pendingCandidate) token() provider.Token {
	return provider.Token{AccessToken: tokenwatch.NewSecret(c.AccessToken), RefreshToken: tokenwatch.NewSecret(c.RefreshToken),
		AccessExpiresAt: c.AccessExpiresAt, RefreshExpiresAt: c.RefreshExpiresAt, DataAccessExpiresAt: c.DataAccessExpiresAt, Scopes: c.Scopes}
}

func (f *Flow) savePending(ctx context.Context, browserToken string, a Actor, prov provider.Provider, st *store.OAuthState, grant *provider.Grant) (string, error) {
	info := prov.Info()
	cands, err := prov.Pages(ctx, grant)
	f.observe(ctx, info.Name, status.ScopeAPI, err)
	if err != nil {
		return "", f.failure(info.Name, st, err, "tokenwatch could not list what the %s account %q manages: %s",
			info.Name.DisplayName(), grant.UserName, providerMessage(err))
	}
	p := pending{Provider: info.Name, LocationID: st.LocationID, UserID: grant.UserID, UserName: grant.UserName}
	for _, c := range cands {
		p.Candidates = append(p.Candidates, pendingCandidate{ID: c.ID, Name: c.Name, Role: c.Role, Eligible: c.Eligible, Refusal: c.Refusal,
			AccessToken: c.Token.AccessToken.Reveal(), RefreshToken: c.Token.RefreshToken.Reveal(),
			AccessExpiresAt: c.Token.AccessExpiresAt, RefreshExpiresAt: c.Token.RefreshExpiresAt,
			DataAccessExpiresAt: c.Token.DataAccessExpiresAt, Scopes: c.Token.Scopes})
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return f.store.SavePending(ctx, f.pendingOwner(browserToken, st.AccountID, a), b, f.opts.Now().Add(stateTTL))
}

func (f *Flow) pendingOwner(browserToken string, accountID int64, a Actor) store.PendingOwner {
	return store.PendingOwner{BrowserToken: browserToken, AccountID: accountID, ActorKind: string(a.Kind), ActorID: a.ID}
}

// loadPending reads a pending grant of the actor in this browser, and what
// the actor may do now.
func (f *Flow) loadPending(ctx context.Context, a Actor, browserToken, id string) (*pending, access.Actor, error) {
	aa, _, err := f.resolve(ctx, a)
	if err != nil {
		return nil, aa, err
	}
	b, err := f.store.Pending(ctx, id, f.pendingOwner(browserToken, aa.AccountID, a))
	if err != nil {
		if tokenwatch.IsNotFound(err) {
			return nil, aa, tokenwatch.Errorf(tokenwatch.CodeNotFound, "This choice of pages has expired (10 minutes). Start connecting again.")
		}
		return nil, aa, err
	}
	var p pending
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, aa, err
	}
	return &p, aa, nil
}

// Choice is a page the person may pick after consenting.
type Choice struct {
	ID, Name, Role string
	Eligible       bool
	// Refusal says which role is needed when not Eligible.
	Refusal string
	// Connected says the page is connected in this account already.
	Connected bool
}

// Choices describes a pending grant: the network, the location the pages
// would join, the account that consented, and the pages it may connect.
type Choices struct {
	Provider    tokenwatch.Provider
	LocationID  int64
	AccountName string
	Pages       []Choice
}

// Choices returns the pages a pending grant may connect.
func (f *Flow) Choices(ctx context.Context, a Actor, browserToken, pendingID string) (*Choices, error) {
	p, aa, err := f.loadPending(ctx, a, browserToken, pendingID)
	if err != nil {
		return nil, err
	}
	existing, err := f.store.ListPages(ctx, store.PageFilter{AccountID: aa.AccountID, Provider: p.Provider})
	if err != nil {
		return nil, err
	}
	out := &Choices{Provider: p.Provider, LocationID: p.LocationID, AccountName: p.UserName}
	for _, c := range p.Candidates {
		connected := slices.ContainsFunc(existing, func(e *tokenwatch.Page) bool { return e.ProviderPageID == c.ID })
		out.Pages = append(out.Pages, Choice{ID: c.ID, Name: c.Name, Role: c.Role, Eligible: c.Eligible, Refusal: c.Refusal, Connected: connected})
	}
	return out, nil
}

// Finish connects the chosen pages of a pending grant to its location and
// returns them.
func (f *Flow) Finish(ctx context.Context, a Actor, browserToken, pendingID string, chosen []string) ([]*tokenwatch.Page, error) {
	p, aa, err := f.loadPending(ctx, a, browserToken, pendingID)
	if err != nil {
		return nil, err
	}
	if err := decide(aa, access.Connect, access.Target{AccountID: aa.AccountID, LocationID: p.LocationID}, "location"); err != nil {
		return nil, err
	}
	if len(chosen) == 0 {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "Pick at least one page to connect.")
	}
	prov, err := f.opts.Providers.Get(p.Provider)
	if err != nil {
		return nil, err
	}
	info := prov.Info()
	var pages []*tokenwatch.Page
	for _, id := range chosen {
		i := slices.IndexFunc(p.Candidates, func(c pendingCandidate) bool { return c.ID == id })
		if i < 0 {
			return pages, tokenwatch.Errorf(tokenwatch.CodeInvalid, "That page is not one the %s account %q may connect.", p.Provider.DisplayName(), p.UserName)
		}
		c := p.Candidates[i]
		if !c.Eligible {
			return pages, tokenwatch.Errorf(tokenwatch.CodeForbidden, "%s", c.Refusal)
		}
		page, creds := connection.NewPage(info, connection.Grant{Token: c.token(), UserID: p.UserID, UserName: p.UserName},
			aa.AccountID, p.LocationID, c.ID, c.Name, aa.UserID)
		if err := f.opts.Connection.Create(ctx, page, creds); err != nil {
			return pages, err
		}
		f.opts.Logger.Info("page connected", "page", page.ID, "provider", page.Provider, "actor", a.Kind, "actor_id", a.ID)
		pages = append(pages, page)
	}
	if err := f.store.DeletePending(ctx, pendingID); err != nil {
		return pages, err
	}
	return pages, nil
}
