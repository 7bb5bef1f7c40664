package store

import (
	"context"
	"database/sql"
	"net/url"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// webhookSecretContext binds each sealed webhook secret to its column.
const webhookSecretContext = "tokenwatch webhook_endpoints secret"

// WebhookEndpoint is a URL of an account that receives its page events.
type WebhookEndpoint struct {
	ID        int64
	AccountID int64
	URL       string
	Active    bool
	CreatedAt time.Time
}

// CreateWebhookEndpoint registers an endpoint for an account's events. The
// secret signs every event sent to it; it is stored encrypted.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, accountID int64, rawURL string, secret tokenwatch.Secret) (*WebhookEndpoint, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "%q is not an http(s) URL.", rawURL)
	}
	if len(secret.Reveal()) < 16 {
		return nil, tokenwatch.Errorf(tokenwatch.CodeInvalid, "A webhook secret needs at least 16 characters.")
	}
	e := &WebhookEndpoint{AccountID: accountID, URL: rawURL, Active: true, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	keyID, sealed := s.keys.Seal([]byte(secret.Reveal()), webhookSecretContext)
	err = s.queryRow(ctx, s.db, `INSERT INTO webhook_endpoints (account_id, url, key_id, secret, active, created_at)
		SELECT id, $2, $3, $4, $5, $6 FROM accounts WHERE id = $1 RETURNING id`,
		accountID, rawURL, keyID, sealed, true, e.CreatedAt).Scan(&e.ID)
	if err != nil {
		return nil, notFound(err, "account")
	}
	return e, nil
}

// WebhookEndpoint returns an endpoint with its signing secret.
func (s *Store) WebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, tokenwatch.Secret, error) {
	var (
		e      WebhookEndpoint
		keyID  string
		sealed []byte
	)
	err := scan(s.queryRow(ctx, s.rdb, `SELECT id, account_id, url, active, created_at, key_id, secret FROM webhook_endpoints WHERE id = $1`, id),
		&e.ID, &e.AccountID, &e.URL, &e.Active, &e.CreatedAt, &keyID, &sealed)
	if err != nil {
		return nil, tokenwatch.Secret{}, notFound(err, "webhook endpoint")
	}
	pt, err := s.keys.Open(keyID, sealed, webhookSecretContext)
	if err != nil {
		return nil, tokenwatch.Secret{}, err
	}
	return &e, tokenwatch.NewSecret(string(pt)), nil
}

// WebhookEndpoints returns the endpoints of the accounts, active ones
// only if activeOnly, by account and id.
func (s *Store) WebhookEndpoints(ctx context.Context, accountIDs []int64, activeOnly bool) (map[int64][]*WebhookEndpoint, error) {
	var (
		where = `account_id IN (`
		lead  []any
	)
	if activeOnly {
		// A parameter, not a literal: the column is a boolean on
		// PostgreSQL, an integer on SQLite.
		where, lead = `active = $1 AND `+where, []any{true}
	}
	out := map[int64][]*WebhookEndpoint{}
	err := s.byIDs(ctx, s.rdb, func(n int) string {
		return `SELECT id, account_id, url, active, created_at FROM webhook_endpoints
			WHERE ` + where + placeholders(len(lead)+1, n) + `) ORDER BY account_id, id`
	}, lead, accountIDs, func(rows *sql.Rows) error {
		var e WebhookEndpoint
		if err := scan(rows, &e.ID, &e.AccountID, &e.URL, &e.Active, &e.CreatedAt); err != nil {
			return err
		}
		out[e.AccountID] = append(out[e.AccountID], &e)
		return nil
	})
	return out, err
}

// SetWebhookEndpointActive turns an endpoint on or off.
func (s *Store) SetWebhookEndpointActive(ctx context.Context, id int64, active bool) error {
	res, err := s.exec(ctx, s.db, `UPDATE webhook_endpoints SET active = $2 WHERE id = $1`, id, active)
	return affectedOne(res, err, "webhook endpoint")
}

// EndpointDelivery is one event sent, or being sent, to a webhook endpoint.
type EndpointDelivery struct {
	ID        int64
	Key       string
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	DoneAt    time.Time
}

// EndpointDeliveries returns the latest limit deliveries to an endpoint,
// newest first.
func (s *Store) EndpointDeliveries(ctx context.Context, endpointID int64, limit int) ([]EndpointDelivery, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, key, status, attempts, last_error, created_at, done_at FROM deliveries
		WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2`, endpointID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []EndpointDelivery
	for rows.Next() {
		var d EndpointDelivery
		if err := scan(rows, &d.ID, &d.Key, &d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.DoneAt); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
