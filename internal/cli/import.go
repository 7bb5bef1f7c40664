package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/config"
	"github.com/tokenwatch/tokenwatch/internal/lifecycle"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/provider"
	"github.com/tokenwatch/tokenwatch/internal/provider/all"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

// importFile is the JSON that `tokenwatch import` reads: the connections a
// platform already holds, moved into tokenwatch.
type importFile struct {
	Accounts []importAccount `json:"accounts"`
}

type importAccount struct {
	Name            string           `json:"name"`
	AlertThresholds string           `json:"alert_thresholds"`
	Locations       []importLocation `json:"locations"`
	Users           []importUser     `json:"users"`
	Pages           []importPage     `json:"pages"`
}

type importLocation struct {
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

type importUser struct {
	Email        string                     `json:"email"`
	Name         string                     `json:"name"`
	AccountOwner bool                       `json:"account_owner"`
	PasswordHash string                     `json:"password_hash"`
	Roles        map[string]tokenwatch.Role `json:"roles"`
}

type importPage struct {
	Location            string              `json:"location"`
	Provider            tokenwatch.Provider `json:"provider"`
	ProviderPageID      string              `json:"provider_page_id"`
	Name                string              `json:"name"`
	ConnectedBy         string              `json:"connected_by"`
	ProviderUserID      string              `json:"provider_user_id"`
	ProviderUserName    string              `json:"provider_user_name"`
	Scopes              []string            `json:"scopes"`
	AccessToken         string              `json:"access_token"`
	RefreshToken        string              `json:"refresh_token"`
	AccessExpiresAt     *time.Time          `json:"access_expires_at"`
	RefreshExpiresAt    *time.Time          `json:"refresh_expires_at"`
	DataAccessExpiresAt *time.Time          `json:"data_access_expires_at"`
}

const importAbout = `Imports accounts, locations, users and connected pages, with their tokens, from a
JSON file ("-" reads standard input). Everything is checked before anything is written;
accounts, locations, users and pages that exist already are kept as they are, so an
import can be run again. Users without a password_hash (bcrypt) get a random password,
printed once. Format:

  {"accounts": [{
    "name": "Acme", "alert_thresholds": "14d,3d",
    "locations": [{"name": "Downtown", "time_zone": "Europe/Paris"}],
    "users": [{"email": "ann@acme.test", "name": "Ann", "account_owner": true,
               "roles": {"Downtown": "manager"}}],
    "pages": [{"location": "Downtown", "provider": "facebook", "provider_page_id": "1234",
               "name": "Acme Downtown", "connected_by": "ann@acme.test",
               "provider_user_id": "9876", "provider_user_name": "Ann A.",
               "scopes": ["pages_manage_posts"], "access_token": "EAA…", "refresh_token": "",
               "access_expires_at": null, "refresh_expires_at": null,
               "data_access_expires_at": "2027-02-01T00:00:00Z"}]}]}`

func runImport(ctx context.Context, args []string, env Env) error {
	fs := flags(env, "import", "import FILE.json", importAbout)
	if err := parse(fs, args, env); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("import: name one JSON file (or - for standard input)")
	}
	var r io.Reader = env.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	var in importFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("import: %s is not valid: %w", fs.Arg(0), err)
	}
	providers := all.New(nil)
	if err := validateImport(&in, providers); err != nil {
		return fmt.Errorf("import: %w (nothing was imported)", err)
	}
	cfg, _, st, err := openConfiguredStore(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	cost := env.PasswordCost
	if cost == 0 {
		cost = password.DefaultCost
	}
	return importAll(ctx, st, cfg, &in, providers, cost, env.Stdout)
}

// validateImport checks the whole file, naming the first problem found.
func validateImport(in *importFile, providers provider.Registry) error {
	if len(in.Accounts) == 0 {
		return errors.New("the file has no accounts")
	}
	for ai, a := range in.Accounts {
		where := fmt.Sprintf("accounts[%d]", ai)
		if strings.TrimSpace(a.Name) == "" {
			return fmt.Errorf("%s: name is missing", where)
		}
		if a.AlertThresholds != "" {
			if _, err := config.ParseThresholds(a.AlertThresholds); err != nil {
				return fmt.Errorf("%s.alert_thresholds: %w", where, err)
			}
		}
		locs := map[string]bool{}
		for li, l := range a.Locations {
			if strings.TrimSpace(l.Name) == "" {
				return fmt.Errorf("%s.locations[%d]: name is missing", where, li)
			}
			if l.TimeZone != "" {
				if _, err := time.LoadLocation(l.TimeZone); err != nil {
					return fmt.Errorf("%s.locations[%d]: %q is not a time zone", where, li, l.TimeZone)
				}
			}
			locs[l.Name] = true
		}
		users := map[string]bool{}
		for ui, u := range a.Users {
			if !strings.Contains(u.Email, "@") {
				return fmt.Errorf("%s.users[%d]: %q is not an e-mail address", where, ui, u.Email)
			}
			for loc, role := range u.Roles {
				if !locs[loc] {
					return fmt.Errorf("%s.users[%d].roles: no location %q in this account", where, ui, loc)
				}
				if !role.Valid() {
					return fmt.Errorf("%s.users[%d].roles: %q is not owner, manager or member", where, ui, role)
				}
			}
			users[tokenwatch.NormalizeEmail(u.Email)] = true
		}
		for pi, p := range a.Pages {
			at := fmt.Sprintf("%s.pages[%d]", where, pi)
			switch {
			case !locs[p.Location]:
				return fmt.Errorf("%s: no location %q in this account", at, p.Location)
			case !p.Provider.Valid():
				return fmt.Errorf("%s: %q is not a network tokenwatch knows", at, p.Provider)
			case p.ProviderPageID == "" || p.Name == "" || p.ProviderUserID == "":
				return fmt.Errorf("%s: provider_page_id, name and provider_user_id are required", at)
			case p.AccessToken == "":
				return fmt.Errorf("%s: access_token is missing", at)
			case p.ConnectedBy != "" && !users[tokenwatch.NormalizeEmail(p.ConnectedBy)]:
				return fmt.Errorf("%s: connected_by %q is not a user of this account", at, p.ConnectedBy)
			}
			if _, err := providers.Get(p.Provider); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
		}
	}
	return nil
}

func importAll(ctx context.Context, st *store.Store, cfg *config.Config, in *importFile, providers provider.Registry, cost int, out io.Writer) error {
	policy, err := policyFrom(cfg)
	if err != nil {
		return err
	}
	var created, kept int
	for _, a := range in.Accounts {
		acct, err := ensureAccount(ctx, st, a.Name)
		if err != nil {
			return err
		}
		if a.AlertThresholds != "" {
			ts, _ := config.ParseThresholds(a.AlertThresholds)
			if err := st.SetAlertThresholds(ctx, acct.ID, ts); err != nil {
				return err
			}
			acct.AlertThresholds = ts
		}
		locs := map[string]*tokenwatch.Location{}
		for _, l := range a.Locations {
			loc, err := ensureLocation(ctx, st, acct.ID, l.Name)
			if err != nil {
				return err
			}
			locs[l.Name] = loc
		}
		users := map[string]*tokenwatch.User{}
		for _, iu := range a.Users {
			u, _, err := st.UserLogin(ctx, iu.Email)
			switch {
			case tokenwatch.IsNotFound(err):
				hash, pw := iu.PasswordHash, ""
				if hash == "" {
					pw = rand.Text()
					if hash, err = password.Hash(pw, cost); err != nil {
						return err
					}
				}
				u = &tokenwatch.User{AccountID: acct.ID, Email: iu.Email, Name: iu.Name, AccountOwner: iu.AccountOwner}
				if err := st.CreateUser(ctx, u, hash); err != nil {
					return fmt.Errorf("import: user %s: %s", iu.Email, tokenwatch.ErrorMessage(err))
				}
				if pw != "" {
					fmt.Fprintf(out, "user %s: password %s\n", u.Email, pw)
				}
			case err != nil:
				return err
			case u.AccountID != acct.ID:
				return fmt.Errorf("import: user %s belongs to another account", iu.Email)
			}
			users[u.Email] = u
			for loc, role := range iu.Roles {
				if err := st.SetMembership(ctx, tokenwatch.Membership{LocationID: locs[loc].ID, UserID: u.ID, Role: role}); err != nil {
					return err
				}
			}
		}
		for _, ip := range a.Pages {
			info := providers[ip.Provider].Info()
			p := &tokenwatch.Page{LocationID: locs[ip.Location].ID, Provider: ip.Provider, ProviderPageID: ip.ProviderPageID, Name: ip.Name,
				ProviderUserID: ip.ProviderUserID, ProviderUserName: ip.ProviderUserName, Scopes: ip.Scopes,
				AccessExpiresAt: timeOf(ip.AccessExpiresAt), RefreshExpiresAt: timeOf(ip.RefreshExpiresAt), DataAccessExpiresAt: timeOf(ip.DataAccessExpiresAt),
				AutoRefresh:         info.AutoRefresh && (ip.RefreshToken != "" || info.RefreshBeforeExpiry),
				RefreshBeforeExpiry: info.RefreshBeforeExpiry, RefreshLead: info.RefreshLead, NextDueAt: time.Now()}
			if u := users[tokenwatch.NormalizeEmail(ip.ConnectedBy)]; u != nil {
				p.ConnectedBy = u.ID
			}
			p.State = policy.WithThresholds(acct.AlertThresholds).Evaluate(lifecycle.FactsOf(p), nil, time.Now()).State
			err := st.CreatePage(ctx, p, tokenwatch.Credentials{AccessToken: tokenwatch.NewSecret(ip.AccessToken), RefreshToken: tokenwatch.NewSecret(ip.RefreshToken)})
			switch {
			case tokenwatch.ErrorCode(err) == tokenwatch.CodeConflict:
				kept++
			case err != nil:
				return fmt.Errorf("import: page %s: %s", ip.Name, tokenwatch.ErrorMessage(err))
			default:
				created++
			}
		}
	}
	fmt.Fprintf(out, "imported %d pages (%d were there already)\n", created, kept)
	return nil
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
