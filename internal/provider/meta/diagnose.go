package meta

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/oauthx"
)

// Diagnose checks Facebook Login's app without any user's token: the app
// credentials, by asking for the app access token (client_credentials);
// the Graph API version, by reading the app with that token: Meta serves a
// call at a version it no longer supports at the oldest one it does and
// says which in facebook-api-version; and the redirect URI's shape.
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens#apptokens,
// https://developers.facebook.com/docs/graph-api/guides/versioning
func (l *Login) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	version := l.cfg.Version(provider.APIMetaGraph)
	creds := provider.Finding{Check: "app credentials"}
	var r struct {
		AccessToken string `json:"access_token"`
	}
	form := url.Values{"client_id": {l.cfg.ClientID}, "client_secret": {l.cfg.ClientSecret.Reveal()}, "grant_type": {"client_credentials"}}
	err := l.PostForm(ctx, l.graph+"/oauth/access_token", form, tokenwatch.Secret{}, &r)
	if err == nil && r.AccessToken == "" {
		err = &provider.Error{Provider: l.Name(), Class: tokenwatch.ClassTransient, Code: "bad_response", Message: "no app access token in the answer"}
	}
	creds = oauthx.CredentialsFinding(creds, err)
	if err == nil {
		creds.Detail = "accepted: Meta issued the app access token"
	}
	findings := []provider.Finding{creds}
	if err == nil {
		findings = append(findings, l.versionFinding(ctx, version, tokenwatch.NewSecret(r.AccessToken)))
	}
	return append(findings, oauthx.RedirectFinding(redirectURI, "the app's Valid OAuth Redirect URIs (Facebook Login strict mode takes only those, exactly)"))
}

// versionFinding reads the app node at version with the app token and
// compares the version that served it.
func (l *Login) versionFinding(ctx context.Context, version string, appToken tokenwatch.Secret) provider.Finding {
	f := provider.Finding{Check: "Graph API version " + version}
	setting := provider.LookupAPI(provider.APIMetaGraph).Setting
	h, err := l.Do(ctx, oauthx.Request{Method: http.MethodGet, URL: l.graph + "/" + url.PathEscape(l.cfg.ClientID),
		Query: url.Values{"fields": {"id,name"}}, Token: appToken}, nil)
	var pe *provider.Error
	switch served := h.Get("facebook-api-version"); {
	case errors.As(err, &pe) && pe.Class == tokenwatch.ClassService:
		f.Detail = "refused: " + pe.Message
	case err != nil:
		f.Detail = "could not be checked: " + err.Error()
	case served != "" && served != version:
		f.Detail = "Meta no longer serves " + version + " and answered at " + served + "; set " + setting + " to a version Meta serves"
	default:
		f.OK, f.Detail = true, "served"
		if end, ok := provider.LookupAPI(provider.APIMetaGraph).EndOfSupport(version); ok {
			f.Detail += "; Meta ends it on " + end.Format("2 January 2006")
		}
	}
	return f
}

// Diagnose checks the app of Instagram Login or Threads without any
// user's token: its credentials, by redeeming a made-up authorization
// code (a known app gets the code refused, "Matching code was not found or
// was already used"; a wrong one "Error validating client secret"), and
// the redirect URI's shape. Neither network offers a call without a
// user's token that would tell whether the API version is served.
// https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login,
// https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions
func (a *AccountLogin) Diagnose(ctx context.Context, redirectURI string) []provider.Finding {
	form := url.Values{
		"client_id":     {a.cfg.ClientID},
		"client_secret": {a.cfg.ClientSecret.Reveal()},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {redirectURI},
		"code":          {"tokenwatch-doctor-made-up-code"},
	}
	err := a.PostForm(ctx, a.ep.Token, form, tokenwatch.Secret{}, nil)
	if err == nil {
		err = &provider.Error{Provider: a.Name(), Class: tokenwatch.ClassTransient, Code: "bad_response",
			Message: "a made-up authorization code was accepted"}
	}
	return []provider.Finding{oauthx.CredentialsFinding(provider.Finding{Check: "app credentials"}, err), oauthx.RedirectFinding(redirectURI, "the app's redirect URIs")}
}
