package store

import (
	"context"
	"database/sql"
	"fmt"
)

// RotateKeys re-encrypts, under the keyring's current key, the tokens of
// every page sealed under another key (and drops the OAuth flows in
// progress sealed under one), batch pages at a time, and returns
// how many it re-encrypted. It runs beside a live service: each page is
// rewritten only if its ciphertext is still the one read, so a refresh that
// lands meanwhile is neither lost nor overwritten (the page is read again in
// the next pass).
func (s *Store) RotateKeys(ctx context.Context, batch int) (int, error) {
	// OAuth flows in progress live ten minutes: those sealed under an old
	// key are dropped rather than re-encrypted (the person starts again).
	for _, table := range []string{"oauth_states", "oauth_pending"} {
		if _, err := s.exec(ctx, s.db, `DELETE FROM `+table+` WHERE key_id <> $1`, s.keys.CurrentID()); err != nil {
			return 0, err
		}
	}
	if err := s.rotateWebhookSecrets(ctx); err != nil {
		return 0, err
	}
	for _, c := range sealedColumns {
		if err := s.rotateColumn(ctx, c, batch); err != nil {
			return 0, err
		}
	}
	total := 0
	for {
		n, remaining, err := s.rotateBatch(ctx, batch)
		total += n
		if err != nil || remaining == 0 {
			return total, err
		}
	}
}

// rotateWebhookSecrets re-encrypts the webhook endpoints' signing secrets
// sealed under another key (there are few: one pass, compare-and-swap).
func (s *Store) rotateWebhookSecrets(ctx context.Context) error {
	type row struct {
		id     int64
		keyID  string
		secret []byte
	}
	rows, err := s.query(ctx, s.rdb, `SELECT id, key_id, secret FROM webhook_endpoints WHERE key_id <> $1`, s.keys.CurrentID())
	if err != nil {
		return err
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.keyID, &r.secret); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range todo {
		pt, err := s.keys.Open(r.keyID, r.secret, webhookSecretContext)
		if err != nil {
			return fmt.Errorf("store: webhook endpoint %d: %w", r.id, err)
		}
		keyID, sealed := s.keys.Seal(pt, webhookSecretContext)
		if _, err := s.exec(ctx, s.db, `UPDATE webhook_endpoints SET key_id = $2, secret = $3 WHERE id = $1 AND key_id = $4 AND secret = $5`,
			r.id, keyID, sealed, r.keyID, r.secret); err != nil {
			return err
		}
	}
	return nil
}

// sealedColumn is a column of secrets sealed under the key its keyCol
// names; rows without one have a NULL secret.
type sealedColumn struct {
	table, keyCol, col, context string
}

// sealedColumns are the sealed secrets besides tokens and webhook secrets.
var sealedColumns = []sealedColumn{
	{"location_channels", "key_id", "url", channelURLContext},
	{"users", "unsubscribe_key_id", "unsubscribe_token", unsubscribeContext},
}

// rotateColumn re-encrypts, batch rows at a time, the secrets of a sealed
// column that another key sealed, each only if it is still the one read.
func (s *Store) rotateColumn(ctx context.Context, c sealedColumn, batch int) error {
	type row struct {
		id     int64
		keyID  string
		secret []byte
	}
	for after := int64(0); ; {
		rows, err := s.query(ctx, s.rdb, `SELECT id, `+c.keyCol+`, `+c.col+` FROM `+c.table+`
			WHERE `+c.col+` IS NOT NULL AND `+c.keyCol+` <> $1 AND id > $2 ORDER BY id LIMIT $3`, s.keys.CurrentID(), after, batch)
		if err != nil {
			return err
		}
		var todo []row
		err = scanAll(rows, func(rows *sql.Rows) error {
			var r row
			err := rows.Scan(&r.id, &r.keyID, &r.secret)
			todo = append(todo, r)
			return err
		})
		if err != nil || len(todo) == 0 {
			return err
		}
		for _, r := range todo {
			pt, err := s.keys.Open(r.keyID, r.secret, c.context)
			if err != nil {
				return fmt.Errorf("store: %s %d: %w", c.table, r.id, err)
			}
			keyID, sealed := s.keys.Seal(pt, c.context)
			if _, err := s.exec(ctx, s.db, `UPDATE `+c.table+` SET `+c.keyCol+` = $2, `+c.col+` = $3
				WHERE id = $1 AND `+c.keyCol+` = $4 AND `+c.col+` = $5`, r.id, keyID, sealed, r.keyID, r.secret); err != nil {
				return err
			}
			after = r.id
		}
	}
}

// rotateBatch re-encrypts up to batch pages and returns how many it did and
// how many it found still under another key.
func (s *Store) rotateBatch(ctx context.Context, batch int) (done, found int, err error) {
	type row struct {
		id              int64
		keyID           string
		access, refresh []byte
	}
	rows, err := s.query(ctx, s.rdb, `SELECT id, key_id, access_token, refresh_token FROM pages WHERE key_id <> $1 ORDER BY id LIMIT $2`,
		s.keys.CurrentID(), batch)
	if err != nil {
		return 0, 0, err
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.keyID, &r.access, &r.refresh); err != nil {
			rows.Close()
			return 0, 0, err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	for _, r := range todo {
		creds, err := s.open(r.keyID, r.access, r.refresh)
		if err != nil {
			return done, len(todo), fmt.Errorf("store: page %d: %w", r.id, err)
		}
		keyID, access, refresh := s.seal(creds)
		res, err := s.exec(ctx, s.db, `UPDATE pages SET key_id = $2, access_token = $3, refresh_token = $4
			WHERE id = $1 AND key_id = $5 AND access_token = $6`, r.id, keyID, access, refresh, r.keyID, r.access)
		if err != nil {
			return done, len(todo), err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			done++
		}
	}
	return done, len(todo), nil
}

// KeyUsage counts pages by the id of the key their tokens are sealed under.
func (s *Store) KeyUsage(ctx context.Context) (map[string]int, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT key_id, count(*) FROM pages GROUP BY key_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			id string
			n  int
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
