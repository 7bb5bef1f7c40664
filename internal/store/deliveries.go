package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"
)

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
	for _, chunk := range idLists(ids) {
		st, err := s.stmt(ctx, `UPDATE deliveries SET enqueued_at = $1
			WHERE status = $2 AND enqueued_at = $3 AND id IN (`+placeholders(4, len(chunk))+`)
			RETURNING `+deliveryColumns)
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryContext(ctx, s.args(append([]any{until, DeliveryPending, handedAt}, idArgs(chunk)...))...)
		if err != nil {
			return nil, err
		}
		ds, err := scanDeliveries(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	slices.SortFunc(out, func(a, b *Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeliveriesSent marks deliveries sent, as DeliverySent does one. A
// delivery that is no longer pending is left as it is.
func (s *Store) DeliveriesSent(ctx context.Context, ids []int64) error {
	now := s.now().UTC()
	for _, chunk := range idLists(ids) {
		st, err := s.stmt(ctx, `UPDATE deliveries SET status = $1, attempts = attempts + 1, last_error = '', done_at = $2
			WHERE status = $3 AND id IN (`+placeholders(4, len(chunk))+`)`)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, s.args(append([]any{DeliverySent, now, DeliveryPending}, idArgs(chunk)...))...); err != nil {
			return err
		}
	}
	return nil
}

// stmt returns query prepared on the write pool, preparing it once.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := s.prepare(ctx, query); err != nil {
		return nil, err
	}
	st, _ := s.stmts.Load(query)
	return st.(*sql.Stmt), nil
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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, reason := range reasons {
			attempted := 0
			if reason != "" {
				attempted = 1
			}
			err := inChunks(byReason[reason], func(chunk []int64) error {
				args := append([]any{attempted, reason, claimedAt, next, DeliveryPending}, idArgs(chunk)...)
				_, err := s.exec(ctx, tx, `UPDATE deliveries SET attempts = attempts + $1,
					last_error = CASE WHEN $1 = 0 THEN last_error ELSE $2 END,
					enqueued_at = CASE WHEN enqueued_at = $3 THEN $4 ELSE enqueued_at END
					WHERE status = $5 AND id IN (`+placeholders(6, len(chunk))+`)`, args...)
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return next, err
}
