package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Delivery channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
	// ChannelSlack and ChannelTeams are messages to a location's chat
	// channels (Slack and Microsoft Teams incoming webhooks); they are also
	// the kinds of those channels.
	ChannelSlack = "slack"
	ChannelTeams = "teams"
)

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// Delivery is a message in the outbox: an e-mail digest for one user, a
// webhook event for one endpoint, or a chat message for one channel.
type Delivery struct {
	ID      int64
	Channel string
	// Key identifies the message whatever the attempt: the e-mail's
	// Message-ID, the webhook's event and endpoint. A second delivery with
	// the same key is not stored.
	Key        string
	AccountID  int64
	UserID     int64 // e-mail
	EndpointID int64 // webhook
	ChannelID  int64 // slack, teams
	PageIDs    []int64
	// Payload is what the channel needs to build the message (JSON).
	Payload    string
	Status     string
	Attempts   int
	LastError  string
	CreatedAt  time.Time
	EnqueuedAt time.Time
	DoneAt     time.Time
}

// QueueDeliveries stores deliveries outside a sweep (a page.reconnected
// event, say); one whose key exists already is skipped. It returns the
// new ones with their ids.
func (s *Store) QueueDeliveries(ctx context.Context, ds []Delivery) ([]Delivery, error) {
	var out []Delivery
	if err := s.prepareRecord(ctx); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.recordDeliveries(ctx, tx, s.now().UTC().Truncate(time.Millisecond), ds)
		return err
	})
	return out, err
}

// StaleDeliveries returns up to limit pending deliveries last handed to
// the job queue more than olderThan ago (or never, after a crash between
// the commit and the hand-over), and marks them handed over now: the jobs
// they were handed to before no longer claim them (see ClaimDeliveries).
func (s *Store) StaleDeliveries(ctx context.Context, olderThan time.Duration, limit int) ([]*Delivery, error) {
	now := s.now().UTC()
	// The outer condition is checked again on a row that a job claimed
	// meanwhile (PostgreSQL re-reads it; the subquery keeps its snapshot).
	rows, err := s.query(ctx, s.db, `UPDATE deliveries SET enqueued_at = $1
		WHERE id IN (SELECT id FROM deliveries WHERE status = $2 AND enqueued_at <= $3 ORDER BY enqueued_at LIMIT $4)
			AND status = $2 AND enqueued_at <= $3
		RETURNING `+deliveryColumns, now, DeliveryPending, now.Add(-olderThan), limit)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows)
}

// A delivery's enqueued_at says when it was last handed to the job queue,
// and so also to which job: the job given it at that moment. The methods
// below let a job deliver many at once and never send one that was handed
// to another job meanwhile (the sweep hands over again what looks stuck),
// whichever process works it.

// ClaimDeliveries claims, for one attempt, those of the deliveries that are
// still pending and still handed over at handedAt: their enqueued_at moves
// on to now + lease, so that no other job claims them meanwhile and the
// sweep hands them over again only if the attempt is lost (its process
// killed). It returns them by id; the others were sent, failed for good,
// or handed to another job.
func (s *Store) ClaimDeliveries(ctx context.Context, ids []int64, handedAt time.Time, lease time.Duration) ([]*Delivery, error) {
	until := s.now().UTC().Add(lease)
	var out []*Delivery
	err := s.byIDs(ctx, s.db, func(n int) string {
		return `UPDATE deliveries SET enqueued_at = $1 WHERE status = $2 AND enqueued_at = $3 AND id IN (` + placeholders(4, n) + `)
			RETURNING ` + deliveryColumns
	}, []any{until, DeliveryPending, handedAt}, ids, func(rows *sql.Rows) error {
		d, err := scanDelivery(rows)
		out = append(out, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeliveriesSent marks deliveries sent. A delivery that is no longer
// pending is left as it is.
func (s *Store) DeliveriesSent(ctx context.Context, ids []int64) error {
	return s.byIDs(ctx, s.db, func(n int) string {
		return `UPDATE deliveries SET status = $1, attempts = attempts + 1, last_error = '', done_at = $2
			WHERE status = $3 AND id IN (` + placeholders(4, n) + `)`
	}, []any{DeliverySent, s.now().UTC(), DeliveryPending}, ids, nil)
}

// DeliveryRetry is a claimed delivery that its job tries again later.
type DeliveryRetry struct {
	ID int64
	// Reason is why the attempt failed; "" if the delivery was not
	// attempted (the job ran out of time first).
	Reason string
}

// RetryDeliveries records the failed attempts of the deliveries (a
// delivery that is no longer pending is left as it is) and hands those
// still claimed at claimedAt (see ClaimDeliveries) over again, to the same
// job, at now + after: when the job means to try again. The sweep hands
// them to another job only if that moment passes by its margin (the job was
// lost). It returns the new hand-over time, which the job claims them by.
func (s *Store) RetryDeliveries(ctx context.Context, claimedAt time.Time, rs []DeliveryRetry, after time.Duration) (time.Time, error) {
	next := s.now().UTC().Add(after).Truncate(time.Millisecond)
	byReason := map[string][]int64{}
	var reasons []string
	for _, r := range rs {
		if _, ok := byReason[r.Reason]; !ok {
			reasons = append(reasons, r.Reason)
		}
		byReason[r.Reason] = append(byReason[r.Reason], r.ID)
	}
	if err := s.prepare(ctx, s.idListQueries(retryDeliveriesQuery)...); err != nil {
		return next, err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, reason := range reasons {
			attempted := 0
			if reason != "" {
				attempted = 1
			}
			lead := []any{attempted, reason, claimedAt, next, DeliveryPending}
			if err := s.byIDs(ctx, tx, retryDeliveriesQuery, lead, byReason[reason], nil); err != nil {
				return err
			}
		}
		return nil
	})
	return next, err
}

// retryDeliveriesQuery records an attempt of n deliveries (none if $1 is
// 0) and hands them over again at $4 if still claimed at $3.
func retryDeliveriesQuery(n int) string {
	return `UPDATE deliveries SET attempts = attempts + $1,
		last_error = CASE WHEN $1 = 0 THEN last_error ELSE $2 END,
		enqueued_at = CASE WHEN enqueued_at = $3 THEN $4 ELSE enqueued_at END
		WHERE status = $5 AND id IN (` + placeholders(6, n) + `)`
}

// DeliveryFailed records that a delivery failed for good (it will not be
// retried) and notes why on the pages it was about.
func (s *Store) DeliveryFailed(ctx context.Context, id int64, reason string) error {
	now := s.now().UTC()
	if err := s.prepare(ctx, s.idListQueries(deliveryErrorQuery)...); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var ids string
		err := s.queryRow(ctx, tx, `UPDATE deliveries SET status = $2, attempts = attempts + 1, last_error = $3, done_at = $4
			WHERE id = $1 RETURNING page_ids`, id, DeliveryFailed, reason, now).Scan(&ids)
		if err != nil {
			return notFound(err, "delivery")
		}
		return s.byIDs(ctx, tx, deliveryErrorQuery, []any{reason, now}, parseIDs(ids), nil)
	})
}

// deliveryErrorQuery notes on n pages why a delivery about them failed.
func deliveryErrorQuery(n int) string {
	return `UPDATE pages SET delivery_error = $1, delivery_error_at = $2 WHERE id IN (` + placeholders(3, n) + `)`
}

// recordDeliveries stores deliveries in tx, each unless its key exists,
// and returns the new ones with their ids.
func (s *Store) recordDeliveries(ctx context.Context, tx *sql.Tx, now time.Time, ds []Delivery) ([]Delivery, error) {
	rows := make([][]any, len(ds))
	for i := range ds {
		rows[i] = ds[i].insertArgs(now)
	}
	ids := map[string]int64{}
	err := s.insertAll(ctx, tx, deliveryRows, rows, func(r *sql.Rows) error {
		var (
			id  int64
			key string
		)
		err := r.Scan(&id, &key)
		ids[key] = id
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: queueing deliveries: %w", err)
	}
	var out []Delivery
	for _, d := range ds {
		if id, ok := ids[d.Key]; ok {
			delete(ids, d.Key) // a key given twice is stored once
			d.ID, d.Status, d.CreatedAt, d.EnqueuedAt = id, DeliveryPending, now, now
			out = append(out, d)
		}
	}
	return out, nil
}

// deliveryRows inserts deliveries; insertArgs are the values of one.
var deliveryRows = bulk{`INSERT INTO deliveries (channel, key, account_id, user_id, endpoint_id, channel_id, page_ids, payload, created_at, enqueued_at)`,
	[]string{"text", "text", "bigint", "bigint", "bigint", "bigint", "text", "text", "timestamptz", "timestamptz"}, ` ON CONFLICT (key) DO NOTHING RETURNING id, key`}

// insertArgs are the values of a delivery for deliveryRows.
func (d *Delivery) insertArgs(now time.Time) []any {
	var userID, endpointID, channelID any
	if d.UserID != 0 {
		userID = d.UserID
	}
	if d.EndpointID != 0 {
		endpointID = d.EndpointID
	}
	if d.ChannelID != 0 {
		channelID = d.ChannelID
	}
	return []any{d.Channel, d.Key, d.AccountID, userID, endpointID, channelID, formatIDs(d.PageIDs), d.Payload, now, now}
}

const deliveryColumns = `id, channel, key, account_id, coalesce(user_id, 0), coalesce(endpoint_id, 0), coalesce(channel_id, 0), page_ids, payload,
	status, attempts, last_error, created_at, enqueued_at, done_at`

func scanDelivery(sc scanner) (*Delivery, error) {
	var (
		d   Delivery
		ids string
	)
	err := scan(sc, &d.ID, &d.Channel, &d.Key, &d.AccountID, &d.UserID, &d.EndpointID, &d.ChannelID, &ids, &d.Payload,
		&d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.EnqueuedAt, &d.DoneAt)
	d.PageIDs = parseIDs(ids)
	return &d, err
}

func scanDeliveries(rows *sql.Rows) ([]*Delivery, error) {
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func formatIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, " ")
}

func parseIDs(s string) []int64 {
	var out []int64
	for _, f := range strings.Fields(s) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}
