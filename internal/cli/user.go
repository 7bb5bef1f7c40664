package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/tokenwatch/tokenwatch"
	"github.com/tokenwatch/tokenwatch/internal/admin"
	"github.com/tokenwatch/tokenwatch/internal/password"
	"github.com/tokenwatch/tokenwatch/internal/store"
)

type namedRole struct {
	name string
	role tokenwatch.Role
}

type roleFlag []namedRole

func (f *roleFlag) String() string { return "" }

func (f *roleFlag) Set(v string) error {
	name, role, ok := strings.Cut(v, "=")
	if !ok {
		role = string(tokenwatch.RoleMember)
	}
	name = strings.TrimSpace(name)
	if name == "" || !tokenwatch.Role(role).Valid() {
		return fmt.Errorf("%q is not LOCATION=ROLE with a role of owner, manager or member", v)
	}
	*f = append(*f, namedRole{name, tokenwatch.Role(role)})
	return nil
}

func runUser(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(env.Stdout, "Usage: tokenwatch user add --account NAME --email ADDRESS [flags]")
			return nil
		}
		return errors.New("user: say add (tokenwatch user add --help)")
	}
	fs := flags(env, "user add", "user add --account NAME --email ADDRESS [--name NAME] [--owner] [--location NAME=ROLE]... [--password-stdin]",
		"Adds a user. The account and the locations are created if they do not exist yet.\n"+
			"Without --password-stdin a random password is generated and printed once.")
	account := fs.String("account", "", "account (tenant) name")
	email := fs.String("email", "", "e-mail address, used to sign in")
	name := fs.String("name", "", "full name (default: the e-mail address)")
	owner := fs.Bool("owner", false, "make the user an owner of the account, who owns every location")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	var roles roleFlag
	fs.Var(&roles, "location", "`LOCATION=ROLE` the user takes part in (role owner, manager or member); repeatable")
	if err := parse(fs, args[1:], env); err != nil {
		return err
	}
	if *account == "" || *email == "" {
		return errors.New("user add: --account and --email are required")
	}
	pw := rand.Text()
	if *stdin {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("user add: no password on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if err := password.Check(pw); err != nil {
		return fmt.Errorf("user add: %s", reason(err))
	}
	cost := env.PasswordCost
	if cost == 0 {
		cost = password.DefaultCost
	}
	_, _, st, err := openConfiguredStore(ctx, env)
	if err != nil {
		return err
	}
	defer st.Close()
	acct, err := ensureAccount(ctx, st, *account)
	if err != nil {
		return err
	}
	in := admin.NewUser{Email: *email, Name: *name, Password: pw, Owner: *owner, Roles: map[int64]tokenwatch.Role{}}
	for _, r := range roles {
		loc, err := ensureLocation(ctx, st, acct.ID, r.name)
		if err != nil {
			return err
		}
		in.Roles[loc.ID] = r.role
	}
	u, err := admin.New(st, admin.Options{PasswordCost: cost}).AddUser(ctx, admin.Operator(acct.ID), in)
	if err != nil {
		return fmt.Errorf("user add: %s", reason(err))
	}
	fmt.Fprintf(env.Stdout, "added %s (user %d) to account %q\n", u.Email, u.ID, acct.Name)
	if !*stdin {
		fmt.Fprintf(env.Stdout, "password: %s\n", pw)
	}
	return nil
}

func findAccount(ctx context.Context, st *store.Store, name string) (*tokenwatch.Account, error) {
	accts, err := st.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range accts {
		if a.Name == name {
			return a, nil
		}
	}
	return nil, tokenwatch.Errorf(tokenwatch.CodeNotFound, "no account named %q", name)
}

func ensureAccount(ctx context.Context, st *store.Store, name string) (*tokenwatch.Account, error) {
	a, err := findAccount(ctx, st, name)
	if tokenwatch.IsNotFound(err) {
		a = &tokenwatch.Account{Name: name}
		err = st.CreateAccount(ctx, a)
	}
	return a, err
}

func ensureLocation(ctx context.Context, st *store.Store, accountID int64, name string) (*tokenwatch.Location, error) {
	locs, err := st.ListLocations(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, l := range locs {
		if l.Name == name {
			return l, nil
		}
	}
	l := &tokenwatch.Location{AccountID: accountID, Name: name}
	return l, st.CreateLocation(ctx, l)
}
