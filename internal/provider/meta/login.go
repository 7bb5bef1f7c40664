package meta

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Facebook Login's real endpoints, at a Graph API version ("v25.0"): the
// version comes from the configuration (provider.APIMetaGraph, overridden by
// TOKENWATCH_META_GRAPH_VERSION), never from a constant here.
// https://developers.facebook.com/docs/graph-api/guides/versioning
func dialogURL(version string) string { return "https://www.facebook.com/" + version + "/dialog/oauth" }

// GraphURL is the Graph API's root at version.
func GraphURL(version string) string { return "https://graph.facebook.com/" + version }

// Facebook Login lifetimes, used when a response carries none.
const (
	LongLivedLifetime  = 60 * 24 * time.Hour
	DataAccessLifetime = 90 * 24 * time.Hour
	// RefreshLead is how long before expiry a Meta long-lived token is
	// prolonged: an expired one cannot be, so well before the first alert.
	RefreshLead = 15 * 24 * time.Hour
)

// Login is Facebook Login with the Graph API calls Facebook Pages and
// Instagram through Facebook Login share.
type Login struct {
	*oauthx.Client
	cfg    provider.Config
	scopes []string
	// graph is the Graph API root at the configured version.
	graph string
}

// NewLogin returns Facebook Login for network name asking for scopes, at
// the Graph API version cfg names.
func NewLogin(name tokenwatch.Provider, cfg provider.Config, scopes []string) *Login {
	return &Login{Client: newClient(name, cfg), cfg: cfg, scopes: scopes, graph: GraphURL(cfg.Version(provider.APIMetaGraph))}
}

// Graph is the Graph API root (real host, configured version) that the
// network's own calls build on.
func (l *Login) Graph() string { return l.graph }

// AuthCodeURL is the Login dialog. Facebook Login's PKCE exists only for
// its OIDC flow (in testing), so none is sent.
func (l *Login) AuthCodeURL(state, redirectURI string) string {
	return dialog(l.URL(dialogURL(l.cfg.Version(provider.APIMetaGraph))), l.cfg.ClientID, redirectURI, state, l.scopes)
}

// dialog is a Meta consent URL: scopes comma-separated, no PKCE.
func dialog(endpoint, clientID, redirectURI, state string, scopes []string) string {
	q := url.Values{
		"client_id":     {clientID},
		"redirect_uri":  {redirectURI},
		"state":         {state},
		"response_type": {"code"},
		"scope":         {strings.Join(scopes, ",")},
	}
	return endpoint + "?" + q.Encode()
}

// Exchange trades the code for a short-lived user token, that for a
// long-lived one, and asks who the user is and what they granted.
func (l *Login) Exchange(ctx context.Context, code, redirectURI string) (*provider.Grant, error) {
	var short TokenResponse
	form := url.Values{
		"client_id":     {l.cfg.ClientID},
		"client_secret": {l.cfg.ClientSecret.Reveal()},
		"redirect_uri":  {redirectURI},
		"code":          {code},
	}
	if err := l.PostForm(ctx, l.graph+"/oauth/access_token", form, tokenwatch.Secret{}, &short); err != nil {
		return nil, err
	}
	long, err := l.Prolong(ctx, tokenwatch.NewSecret(short.AccessToken))
	if err != nil {
		return nil, err
	}
	me, err := Me(ctx, l.Client, l.graph+"/me", "id,name", long.AccessToken)
	if err != nil {
		return nil, err
	}
	d, err := DebugToken(ctx, l.Client, l.graph+"/debug_token", long.AccessToken, l.appToken())
	if err != nil {
		return nil, err
	}
	long.Scopes = d.Scopes
	long.DataAccessExpiresAt = unix(d.DataAccessExpiresAt)
	if long.AccessExpiresAt.IsZero() {
		long.AccessExpiresAt = unix(d.ExpiresAt)
	}
	return &provider.Grant{Token: *long, UserID: string(me.ID), UserName: me.Name}, nil
}

// Prolong trades a still-valid token for a long-lived one
// (fb_exchange_token). Meta's guide shows a GET with the secret and the
// token in the query; the endpoint takes the same parameters as a form
// POST (golang.org/x/oauth2's Facebook endpoint posts the code exchange
// there), which keeps both out of URLs and the logs that record them.
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
func (l *Login) Prolong(ctx context.Context, token tokenwatch.Secret) (*provider.Token, error) {
	form := url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {l.cfg.ClientID},
		"client_secret":     {l.cfg.ClientSecret.Reveal()},
		"fb_exchange_token": {token.Reveal()},
	}
	var r TokenResponse
	if err := l.PostForm(ctx, l.graph+"/oauth/access_token", form, tokenwatch.Secret{}, &r); err != nil {
		return nil, err
	}
	t := r.Token(time.Now())
	return &t, nil
}

// Debug inspects a token with the app token.
func (l *Login) Debug(ctx context.Context, token tokenwatch.Secret) (*DebugData, error) {
	return DebugToken(ctx, l.Client, l.graph+"/debug_token", token, l.appToken())
}

// appToken is Meta's app access token in the form Meta takes in place of
// one from client_credentials, "app-id|app-secret".
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens#apptokens
func (l *Login) appToken() tokenwatch.Secret {
	return tokenwatch.NewSecret(l.cfg.ClientID + "|" + l.cfg.ClientSecret.Reveal())
}

// Account is a Page in /me/accounts: the user's tasks on it, its page
// token, and its Instagram account when one is linked.
type Account struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	AccessToken string   `json:"access_token"`
	Tasks       []string `json:"tasks"`
	Instagram   *struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"instagram_business_account"`
}

// HasTask reports whether the user holds one of tasks on the Page.
func (a Account) HasTask(tasks ...string) bool {
	for _, have := range a.Tasks {
		for _, want := range tasks {
			if strings.EqualFold(have, want) {
				return true
			}
		}
	}
	return false
}

// maxPages bounds paging through /me/accounts.
const maxPages = 50

// Accounts lists the Pages the user has a role on, following paging.
func (l *Login) Accounts(ctx context.Context, userToken tokenwatch.Secret, fields string) ([]Account, error) {
	var all []Account
	q := url.Values{"fields": {fields}, "limit": {"100"}}
	for range maxPages {
		var r struct {
			Data   []Account `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if _, err := l.Do(ctx, oauthx.Request{Method: http.MethodGet, URL: l.graph + "/me/accounts", Query: q, Token: userToken}, &r); err != nil {
			return nil, err
		}
		all = append(all, r.Data...)
		if r.Paging.Next == "" || r.Paging.Cursors.After == "" {
			return all, nil
		}
		// Follow the cursor rather than the next URL, which carries the
		// token in its query.
		q.Set("after", r.Paging.Cursors.After)
	}
	return all, nil
}

// PageProbe reads a Page with its page token: Meta answers 492 when the
// user who issued the token no longer has a role on it.
func (l *Login) PageProbe(ctx context.Context, pageID string, token tokenwatch.Secret) error {
	return l.Get(ctx, l.graph+"/"+url.PathEscape(pageID), url.Values{"fields": {"id"}}, token, nil)
}

// Inspect checks a page token: debug_token for validity, expiry and scopes
// (a missing required scope is reported), then a read of the page for the
// user's role on it.
func (l *Login) Inspect(ctx context.Context, pageID string, token tokenwatch.Secret, required []string) (*provider.Inspection, error) {
	d, err := l.Debug(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := l.MissingScopes(required, d.Scopes); err != nil {
		return nil, err
	}
	if err := l.PageProbe(ctx, pageID, token); err != nil {
		return nil, err
	}
	return d.Inspection(), nil
}

// Info describes a Meta network: no PKCE, and long-lived tokens that only
// a still-valid token can prolong, so well ahead of expiry.
func Info(name tokenwatch.Provider, scopes, required []string, role string, troubleshooting []string) provider.Info {
	return provider.Info{
		Name:                name,
		Scopes:              scopes,
		RequiredScopes:      required,
		PKCE:                false,
		AutoRefresh:         true,
		RefreshBeforeExpiry: true,
		RefreshLead:         RefreshLead,
		RequiredRole:        role,
		Troubleshooting:     troubleshooting,
	}
}
