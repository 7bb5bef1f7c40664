package store

import (
	"context"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// OutboxMail is an e-mail the demo would have sent, kept for its /outbox
// page instead.
type OutboxMail struct {
	ID        int64
	MessageID string
	To        string
	Subject   string
	Text      string
	HTML      string
	CreatedAt time.Time
}

// SaveOutboxMail keeps an e-mail in the outbox; a second copy with the
// same Message-ID is dropped, as a receiving server would.
func (s *Store) SaveOutboxMail(ctx context.Context, m *OutboxMail) error {
	m.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	_, err := s.exec(ctx, s.db, `INSERT INTO mail_outbox (message_id, to_addr, subject, text_body, html_body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING`, m.MessageID, m.To, m.Subject, m.Text, m.HTML, m.CreatedAt)
	return err
}

// ListOutboxMail returns the newest e-mails of the outbox sent to the
// address to, or, when accountID is set, to any user of that account; at
// most limit.
func (s *Store) ListOutboxMail(ctx context.Context, to string, accountID int64, limit int) ([]*OutboxMail, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT id, message_id, to_addr, subject, text_body, html_body, created_at
		FROM mail_outbox m WHERE m.to_addr = $1 OR ($2 <> 0 AND m.to_addr IN (SELECT email FROM users WHERE account_id = $2))
		ORDER BY id DESC LIMIT $3`, tokenwatch.NormalizeEmail(to), accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*OutboxMail
	for rows.Next() {
		var m OutboxMail
		if err := scan(rows, &m.ID, &m.MessageID, &m.To, &m.Subject, &m.Text, &m.HTML, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}
