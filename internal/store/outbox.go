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
	// Headers are the message's other header fields, one "Name: value" a
	// line (List-Unsubscribe, ...).
	Headers   string
	Text      string
	HTML      string
	CreatedAt time.Time
}

// SaveOutboxMail keeps an e-mail in the outbox; a second copy with the
// same Message-ID is dropped, as a receiving server would.
func (s *Store) SaveOutboxMail(ctx context.Context, m *OutboxMail) error {
	m.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	_, err := s.exec(ctx, s.db, `INSERT INTO mail_outbox (message_id, to_addr, subject, headers, text_body, html_body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`, m.MessageID, m.To, m.Subject, m.Headers, m.Text, m.HTML, m.CreatedAt)
	return err
}

const outboxColumns = `m.id, m.message_id, m.to_addr, m.subject, m.headers, m.text_body, m.html_body, m.created_at`

func scanOutboxMail(sc scanner) (*OutboxMail, error) {
	var m OutboxMail
	err := scan(sc, &m.ID, &m.MessageID, &m.To, &m.Subject, &m.Headers, &m.Text, &m.HTML, &m.CreatedAt)
	return &m, err
}

// outboxScope selects the e-mails sent to the address $1 or, when $2 is
// not zero, to any user of that account.
const outboxScope = `(m.to_addr = $1 OR ($2 <> 0 AND m.to_addr IN (SELECT email FROM users WHERE account_id = $2)))`

// ListOutboxMail returns the newest e-mails of the outbox sent to the
// address to, or, when accountID is set, to any user of that account; at
// most limit.
func (s *Store) ListOutboxMail(ctx context.Context, to string, accountID int64, limit int) ([]*OutboxMail, error) {
	rows, err := s.query(ctx, s.rdb, `SELECT `+outboxColumns+` FROM mail_outbox m WHERE `+outboxScope+`
		ORDER BY m.id DESC LIMIT $3`, tokenwatch.NormalizeEmail(to), accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*OutboxMail
	for rows.Next() {
		m, err := scanOutboxMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// GetOutboxMail returns one e-mail of the outbox, if it was sent to the
// address to or (accountID set) to a user of that account; not found
// otherwise.
func (s *Store) GetOutboxMail(ctx context.Context, id int64, to string, accountID int64) (*OutboxMail, error) {
	m, err := scanOutboxMail(s.queryRow(ctx, s.rdb, `SELECT `+outboxColumns+` FROM mail_outbox m WHERE `+outboxScope+` AND m.id = $3`,
		tokenwatch.NormalizeEmail(to), accountID, id))
	if err != nil {
		return nil, notFound(err, "e-mail")
	}
	return m, nil
}
