package connect

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/tokenwatch/tokenwatch"
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

func (f *Flow) savePending(ctx context.Context, u *tokenwatch.User, sessionToken string, prov provider.Provider, st *store.OAuthState, grant *provider.Grant) (string, error) {
	info := prov.Info()
	cands, err := prov.Pages(ctx, grant)
	f.observe(ctx, info.Name, status.ScopeAPI, err)
	if err != nil {
		return "", f.failure(info.Name, 0, err, "tokenwatch could not list what the %s account %q manages: %s",
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
	return f.store.SavePending(ctx, sessionToken, u.ID, b, f.opts.Now().Add(stateTTL))
}

func (f *Flow) loadPending(ctx context.Context, u *tokenwatch.User, sessionToken, id string) (*pending, error) {
	b, err := f.store.Pending(ctx, id, sessionToken, u.ID)
	if err != nil {
		if tokenwatch.IsNotFound(err) {
			return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "This choice of pages has expired (10 minutes). Start connecting again.")
		}
		return nil, err
	}
	var p pending
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	return &p, nil
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
func (f *Flow) Choices(ctx context.Context, u *tokenwatch.User, sessionToken, pendingID string) (*Choices, error) {
	p, err := f.loadPending(ctx, u, sessionToken, pendingID)
	if err != nil {
		return nil, err
	}
	existing, err := f.store.ListPages(ctx, store.PageFilter{AccountID: u.AccountID, Provider: p.Provider})
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
func (f *Flow) Finish(ctx context.Context, u *tokenwatch.User, sessionToken, pendingID string, chosen []string) ([]*tokenwatch.Page, error) {
	p, err := f.loadPending(ctx, u, sessionToken, pendingID)
	if err != nil {
		return nil, err
	}
	if err := f.mayConnect(ctx, u, p.LocationID); err != nil {
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
		tok := c.token()
		page := &tokenwatch.Page{LocationID: p.LocationID, Provider: p.Provider, ProviderPageID: c.ID, Name: c.Name,
			ConnectedBy: u.ID, ProviderUserID: p.UserID, ProviderUserName: p.UserName, Scopes: c.Scopes,
			AccessExpiresAt: c.AccessExpiresAt, RefreshExpiresAt: c.RefreshExpiresAt, DataAccessExpiresAt: c.DataAccessExpiresAt,
			AutoRefresh: autoRefresh(info, tok), RefreshBeforeExpiry: info.RefreshBeforeExpiry, RefreshLead: info.RefreshLead,
			LastCheckedAt: f.opts.Now(), NextDueAt: f.opts.Now()}
		page.AccountID = u.AccountID
		d, err := f.evaluate(ctx, page)
		if err != nil {
			return pages, err
		}
		page.State = d.State
		if err := f.store.CreatePage(ctx, page, tokenwatch.Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}); err != nil {
			return pages, err
		}
		f.opts.Logger.Info("page connected", "page", page.ID, "provider", page.Provider, "user", u.ID)
		pages = append(pages, page)
	}
	if err := f.store.DeletePending(ctx, pendingID); err != nil {
		return pages, err
	}
	return pages, nil
}
