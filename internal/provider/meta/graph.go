package meta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// newClient is the HTTP client of one of Meta's networks: Graph errors
// triaged by Triage, the delay of a Business Use Case rate limit read from
// its header.
func newClient(name tokenwatch.Provider, cfg provider.Config) *oauthx.Client {
	c := oauthx.NewClient(name, cfg, Triage)
	c.SetRetryAfter(RetryAfter)
	return c
}

// TokenResponse is what Meta's token endpoints answer.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	// UserID is a number at Instagram (too long for a float), a string
	// elsewhere.
	UserID json.RawMessage `json:"user_id"`
	// Data wraps the answer in Instagram's newer token responses.
	Data []TokenResponse `json:"data"`
}

// Token converts the response; lifetimes are counted from now.
func (t TokenResponse) Token(now time.Time) provider.Token {
	if len(t.Data) > 0 {
		return t.Data[0].Token(now)
	}
	return provider.Token{AccessToken: tokenwatch.NewSecret(t.AccessToken), AccessExpiresAt: oauthx.ExpiresAt(now, t.ExpiresIn)}
}

// User is the id of the user the token response names, if any.
func (t TokenResponse) User() string {
	if len(t.Data) > 0 {
		return t.Data[0].User()
	}
	return strings.Trim(string(t.UserID), `"`)
}

// LongLived trades a token for a long-lived one, or prolongs a long-lived
// one, with one of Meta's GET grants (ig_exchange_token, ig_refresh_token,
// th_exchange_token, th_refresh_token). Meta documents the token as a query
// parameter here: it is the grant's subject, and the client scrubs it from
// any error.
func LongLived(ctx context.Context, c *oauthx.Client, endpoint, grantType string, clientSecret, token tokenwatch.Secret) (provider.Token, error) {
	q := url.Values{"grant_type": {grantType}, "access_token": {token.Reveal()}}
	if !clientSecret.IsZero() {
		q.Set("client_secret", clientSecret.Reveal())
	}
	var r TokenResponse
	if _, err := c.Do(ctx, oauthx.Request{Method: http.MethodGet, URL: endpoint, Query: q}, &r); err != nil {
		return provider.Token{}, err
	}
	return r.Token(time.Now()), nil
}

// ID is a Graph object id, which Meta's answers give as a string or, in
// older samples and some endpoints, as a number ("user_id": 1207059 in
// debug_token's documented sample).
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens/debugging
type ID string

// UnmarshalJSON reads a string or a number.
func (id *ID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = ID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*id = ID(n.String())
	return nil
}

// DebugData is the data of a debug_token answer.
type DebugData struct {
	IsValid             bool     `json:"is_valid"`
	UserID              ID       `json:"user_id"`
	ProfileID           ID       `json:"profile_id"`
	ExpiresAt           int64    `json:"expires_at"`
	DataAccessExpiresAt int64    `json:"data_access_expires_at"`
	Scopes              []string `json:"scopes"`
	// Error says why a token is invalid; debug_token names the subcode
	// "subcode", not "error_subcode".
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Subcode int    `json:"subcode"`
	} `json:"error"`
}

// DebugToken asks debug_token about input, authenticating with auth (the
// app token, or the token itself where Meta allows it). An invalid token
// comes back as the triaged error debug_token gives for it.
func DebugToken(ctx context.Context, c *oauthx.Client, endpoint string, input, auth tokenwatch.Secret) (*DebugData, error) {
	var r struct {
		Data DebugData `json:"data"`
	}
	q := url.Values{"input_token": {input.Reveal()}}
	if _, err := c.Do(ctx, oauthx.Request{Method: http.MethodGet, URL: endpoint, Query: q, Token: auth}, &r); err != nil {
		return nil, err
	}
	if !r.Data.IsValid {
		ge := GraphError{Code: r.Data.Error.Code, Message: r.Data.Error.Message, Subcode: r.Data.Error.Subcode}
		if ge.Code == 0 {
			ge = GraphError{Code: CodeOAuth, Message: "the token is no longer valid"}
		}
		e := Classify(ge)
		e.Provider, e.Status = c.Name(), http.StatusOK
		e.Message = oauthx.Scrub(e.Message, input.Reveal(), auth.Reveal())
		return nil, e
	}
	return &r.Data, nil
}

// Inspection converts debug data.
func (d *DebugData) Inspection() *provider.Inspection {
	return &provider.Inspection{
		UserID:              string(d.UserID),
		AccessExpiresAt:     unix(d.ExpiresAt),
		DataAccessExpiresAt: unix(d.DataAccessExpiresAt),
		Scopes:              d.Scopes,
	}
}

// Identity is the id and name a /me call returns.
type Identity struct {
	ID       ID     `json:"id"`
	UserID   ID     `json:"user_id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// Me calls a /me endpoint with fields. The name is the name, else the
// username. Instagram Login's get-started page prints the answer wrapped
// in {"data": [ … ]}, its reference unwrapped: both are read.
// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started
func Me(ctx context.Context, c *oauthx.Client, endpoint, fields string, token tokenwatch.Secret) (Identity, error) {
	var r struct {
		Identity
		Data []Identity `json:"data"`
	}
	err := c.Get(ctx, endpoint, url.Values{"fields": {fields}}, token, &r)
	id := r.Identity
	if len(r.Data) > 0 {
		id = r.Data[0]
	}
	if id.Name == "" {
		id.Name = id.Username
	}
	return id, err
}

func unix(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}
