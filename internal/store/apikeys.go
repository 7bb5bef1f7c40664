package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// APIKey is a key for the JSON API of one account. The key itself is shown
// once, at creation; only its hash is stored.
type APIKey struct {
	ID         int64
	AccountID  int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	RevokedAt  time.Time
	LastUsedAt time.Time
	// Scopes are what the key may do: "read", "write", "tokens".
	Scopes []string
}

// APIKeyScopes are the scopes a key may have.
var APIKeyScopes = []string{"read", "write", "tokens"}

// apiKeyPrefix starts every key, so that a leaked key is recognisable.
const apiKeyPrefix = "tw_"

// CreateAPIKey creates an API key for an account with scopes (read alone
// if none) and returns it with the secret key, which is not stored and
// cannot be shown again.
func (s *Store) CreateAPIKey(ctx context.Context, accountID int64, name string, scopes ...string) (*APIKey, tokenwatch.Secret, error) {
	if strings.TrimSpace(name) == "" {
		return nil, tokenwatch.Secret{}, tokenwatch.Errorf(tokenwatch.CodeInvalid, "An API key needs a name.")
	}
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	for _, sc := range scopes {
		if !slices.Contains(APIKeyScopes, sc) {
			return nil, tokenwatch.Secret{}, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not a scope (read, write or tokens).", sc)
		}
	}
	scopes = slices.Compact(slices.Sorted(slices.Values(scopes)))
	secret := apiKeyPrefix + randomToken()
	k := &APIKey{AccountID: accountID, Name: name, Prefix: secret[:len(apiKeyPrefix)+6], CreatedAt: s.now().UTC().Truncate(time.Millisecond),
		Scopes: scopes}
	err := s.queryRow(ctx, s.db, `INSERT INTO api_keys (account_id, name, prefix, hash, created_at, scopes) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		accountID, name, k.Prefix, hashToken(secret), k.CreatedAt, strings.Join(scopes, " ")).Scan(&k.ID)
	if err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	return k, tokenwatch.NewSecret(secret), nil
}

// RevokeAPIKey revokes a key of an account.
func (s *Store) RevokeAPIKey(ctx context.Context, accountID, id int64) error {
	res, err := s.exec(ctx, s.db, `UPDATE api_keys SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL`,
		id, accountID, s.now().UTC())
	return affectedOne(res, err, "API key")
}

// ListAPIKeys returns an account's keys, newest first.
func (s *Store) ListAPIKeys(ctx context.Context, accountID int64) ([]*APIKey, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, account_id, name, prefix, created_at, revoked_at, last_used_at, scopes
		FROM api_keys WHERE account_id = $1 ORDER BY id DESC`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIKey
	for rows.Next() {
		var k APIKey
		var scopes string
		if err := scan(rows, &k.ID, &k.AccountID, &k.Name, &k.Prefix, &k.CreatedAt, &k.RevokedAt, &k.LastUsedAt, &scopes); err != nil {
			return nil, err
		}
		k.Scopes = strings.Fields(scopes)
		out = append(out, &k)
	}
	return out, rows.Err()
}

// AuthenticateAPIKey returns the key a request presented, if it exists and
// is not revoked, and records its use.
func (s *Store) AuthenticateAPIKey(ctx context.Context, secret string) (*APIKey, error) {
	var (
		k      APIKey
		scopes string
	)
	// A read: when a key was last used is written apart, at most once a
	// minute (KeysUsed), so that requests do not queue for the writer.
	err := scan(s.queryRow(ctx, s.rdb, `SELECT id, account_id, name, prefix, created_at, revoked_at, last_used_at, scopes
		FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`, hashToken(secret)),
		&k.ID, &k.AccountID, &k.Name, &k.Prefix, &k.CreatedAt, &k.RevokedAt, &k.LastUsedAt, &scopes)
	k.Scopes = strings.Fields(scopes)
	if err != nil {
		if tokenwatch.IsNotFound(notFound(err, "")) {
			return nil, tokenwatch.Errorf(tokenwatch.CodeUnauthorized, "The API key is unknown or revoked.")
		}
		return nil, err
	}
	return &k, nil
}

// KeysUsed records when keys were last used, by key id; a later use already
// recorded is kept.
func (s *Store) KeysUsed(ctx context.Context, used map[int64]time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for id, at := range used {
			if _, err := s.exec(ctx, tx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
				id, at.UTC()); err != nil {
				return err
			}
		}
		return nil
	})
}
