package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/tokenwatch/tokenwatch"
)

// PageAlert is a step of the alert ladder reached by a page's generation.
type PageAlert struct {
	PageID     int64
	Generation int64
	Step       string
	// At is when the step was recorded (not set in Recorded.Steps, which
	// are recorded at the sweep's moment).
	At time.Time
}

// PageAlerts returns, for each of the pages, the steps recorded for it,
// of every generation (the lifecycle policy looks at the current one).
func (s *Store) PageAlerts(ctx context.Context, pageIDs []int64) (map[int64][]PageAlert, error) {
	return s.pageAlerts(ctx, s.rdb, pageIDs)
}

func (s *Store) pageAlerts(ctx context.Context, q querier, pageIDs []int64) (map[int64][]PageAlert, error) {
	out := map[int64][]PageAlert{}
	err := s.byIDs(ctx, q, pageAlertsQuery, nil, pageIDs, func(rows *sql.Rows) error {
		var a PageAlert
		if err := scan(rows, &a.PageID, &a.Generation, &a.Step, &a.At); err != nil {
			return err
		}
		out[a.PageID] = append(out[a.PageID], a)
		return nil
	})
	return out, err
}

// pageAlertsQuery reads the steps recorded for n pages.
func pageAlertsQuery(n int) string {
	return `SELECT page_id, generation, step, created_at FROM page_alerts WHERE page_id IN (` + placeholders(1, n) + `)`
}

// Outcome is what a sweep decided for one claimed page.
type Outcome struct {
	PageID int64
	// Generation is the page's generation as evaluated; nothing is
	// recorded if the page has moved on to another (it was reconnected
	// meanwhile).
	Generation int64
	State      tokenwatch.State
	NextDueAt  time.Time
	// Step is the alert due, "" if none; Recipients receive it.
	Step       string
	Recipients []int64
	// Notification is the in-app notification each recipient gets (UserID
	// and PageID are set by the store).
	Notification tokenwatch.Notification
}

// AlertKey names one alert: a step of a page's generation for a recipient.
type AlertKey struct {
	PageID     int64
	Generation int64
	Step       string
	UserID     int64
}

// Recorded is what a sweep transaction recorded for the first time: an
// alert already recorded (by an overlapping sweep) is in neither list.
type Recorded struct {
	// Steps are the page-level steps reached (one per page and step).
	Steps []PageAlert
	// Alerts are the per-recipient alerts.
	Alerts []AlertKey
}

// Decide is what a sweep does with the pages it claimed (and the alerts
// already recorded for their current generations), inside the
// transaction: it returns an outcome per page and a function that builds
// the deliveries of what the transaction newly recorded. Neither may write
// through the store (the transaction holds its write connection); reading
// is fine.
type Decide func(pages []*tokenwatch.Page, sent map[int64][]PageAlert) ([]Outcome, func(Recorded) ([]Delivery, error), error)

// Swept is what one sweep transaction did.
type Swept struct {
	Claimed    int
	Recorded   Recorded
	Deliveries []Delivery // the new ones, with their ids
}

// SweepDue claims up to limit pages that need attention now (their rows
// at the head of the due queue), most overdue first, and records what
// decide makes of them, all in one transaction: no other sweep, in this
// process or another, gets these pages meanwhile, and a sweep that dies
// mid-way leaves them due. See RecordSweep for what is recorded.
func (s *Store) SweepDue(ctx context.Context, limit int, decide Decide) (Swept, error) {
	var out Swept
	if err := s.prepareRecord(ctx); err != nil {
		return out, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		out = Swept{}
		ids, err := s.eng.claimDue(ctx, tx, s.eng.timeArg(now), limit)
		if err != nil {
			return fmt.Errorf("store: claiming due pages: %w", err)
		}
		pages, withAlerts, err := s.duePages(ctx, tx, ids)
		if err != nil || len(pages) == 0 {
			return err
		}
		out.Claimed = len(pages)
		sent, err := s.pageAlerts(ctx, tx, withAlerts)
		if err != nil {
			return err
		}
		outcomes, deliveries, err := decide(pages, sent)
		if err != nil {
			return err
		}
		prior := make(map[int64]tokenwatch.State, len(pages))
		for _, p := range pages {
			prior[p.ID] = p.State
		}
		out.Recorded, out.Deliveries, err = s.record(ctx, tx, now, outcomes, deliveries, prior)
		return err
	})
	return out, err
}

// sweptColumns are what a sweep reads of a due page: what the lifecycle
// policy needs, and what an alert says about the page. Reading a third of
// the columns makes reading ten thousand pages markedly cheaper.
const sweptColumns = `p.id, p.account_id, p.location_id, p.provider, p.name, coalesce(p.connected_by, 0), p.access_expires_at, p.refresh_expires_at,
	p.data_access_expires_at, p.auto_refresh, p.refresh_before_expiry, p.refresh_lead_seconds, p.problem, p.last_checked_at,
	p.retry_at, p.generation, p.state`

// duePagesQuery reads n pages by id, each with a count of the alerts
// recorded for its current generation (most due pages have none, which
// spares looking them up).
func duePagesQuery(n int) string {
	return `SELECT ` + sweptColumns + `,
			(SELECT count(*) FROM page_alerts a WHERE a.page_id = p.id AND a.generation = p.generation)
		FROM pages p WHERE p.id IN (` + placeholders(1, n) + `)`
}

// duePages reads the claimed pages (the sweptColumns of them), in the
// order of ids, each once (a page deleted meanwhile is skipped), and says
// which have alerts recorded for their current generation.
func (s *Store) duePages(ctx context.Context, tx *sql.Tx, ids []int64) ([]*tokenwatch.Page, []int64, error) {
	byID := map[int64]*tokenwatch.Page{}
	alerted := map[int64]bool{}
	err := s.byIDs(ctx, tx, duePagesQuery, nil, ids, func(rows *sql.Rows) error {
		var (
			p    tokenwatch.Page
			lead int64
			n    int
		)
		err := scan(rows, &p.ID, &p.AccountID, &p.LocationID, &p.Provider, &p.Name, &p.ConnectedBy, &p.AccessExpiresAt, &p.RefreshExpiresAt,
			&p.DataAccessExpiresAt, &p.AutoRefresh, &p.RefreshBeforeExpiry, &lead, &p.Problem, &p.LastCheckedAt, &p.RetryAt,
			&p.Generation, &p.State, &n)
		if err != nil {
			return err
		}
		p.RefreshLead = time.Duration(lead) * time.Second
		byID[p.ID], alerted[p.ID] = &p, n > 0
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var (
		pages      []*tokenwatch.Page
		withAlerts []int64
	)
	for _, id := range ids {
		if p := byID[id]; p != nil {
			pages = append(pages, p)
			if alerted[id] {
				withAlerts = append(withAlerts, id)
			}
			delete(byID, id)
		}
	}
	return pages, withAlerts, nil
}

// RecordSweep records, in one transaction, the outcome of a sweep over
// pages: each due alert once per page, generation and step and once per
// recipient (an alert recorded before, by an overlapping sweep, is
// skipped), an in-app notification per new alert, the deliveries that
// deliveries builds from what was newly recorded (an outbox row each,
// skipped if its key exists), and each page's state and next due time
// (unless the page moved to another generation meanwhile). deliveries runs
// inside the transaction and must not write through the store. It returns
// what was recorded and the new deliveries with their ids.
func (s *Store) RecordSweep(ctx context.Context, outcomes []Outcome, deliveries func(Recorded) ([]Delivery, error)) (Recorded, []Delivery, error) {
	var (
		rec Recorded
		out []Delivery
	)
	if err := s.prepareRecord(ctx); err != nil {
		return rec, out, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		rec, out, err = s.record(ctx, tx, now, outcomes, deliveries, nil)
		return err
	})
	return rec, out, err
}

// record records outcomes in tx, one table after the other, then the
// deliveries that deliveries builds from what was newly recorded. prior,
// when known, is each page's state as read in tx: pages whose state stays
// are not written at all.
func (s *Store) record(ctx context.Context, tx *sql.Tx, now time.Time, outcomes []Outcome, deliveries func(Recorded) ([]Delivery, error), prior map[int64]tokenwatch.State) (Recorded, []Delivery, error) {
	var rec Recorded
	stepped, err := s.recordSteps(ctx, tx, now, outcomes)
	if err != nil {
		return rec, nil, err
	}
	alerts, err := s.recordAlerts(ctx, tx, now, stepped)
	if err != nil {
		return rec, nil, err
	}
	if err := s.recordNotifications(ctx, tx, now, alerts); err != nil {
		return rec, nil, err
	}
	if err := s.recordDueTimes(ctx, tx, outcomes); err != nil {
		return rec, nil, err
	}
	if err := s.recordStates(ctx, tx, now, outcomes, prior); err != nil {
		return rec, nil, err
	}
	for _, o := range stepped {
		rec.Steps = append(rec.Steps, o.step())
	}
	for _, a := range alerts {
		rec.Alerts = append(rec.Alerts, a.key)
	}
	ds, err := deliveries(rec)
	if err != nil {
		return rec, nil, err
	}
	out, err := s.recordDeliveries(ctx, tx, now, ds)
	return rec, out, err
}

// recordSteps records the step due of each outcome, once per page,
// generation and step, and only for pages still at the generation
// evaluated (an alert about a grant replaced meanwhile is moot). It
// returns the outcomes whose step it recorded for the first time.
func (s *Store) recordSteps(ctx context.Context, tx *sql.Tx, now time.Time, outcomes []Outcome) ([]Outcome, error) {
	var due []Outcome
	for _, o := range outcomes {
		if o.Step != "" {
			due = append(due, o)
		}
	}
	gens, err := s.generations(ctx, tx, due)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, o := range due {
		if gens[o.PageID] == o.Generation {
			rows = append(rows, []any{o.PageID, o.Generation, o.Step, now})
		}
	}
	recorded := map[PageAlert]bool{}
	err = s.insertMany(ctx, tx, insertPageAlerts, rows, insertPageAlertsEnd, func(r *sql.Rows) error {
		var a PageAlert
		err := r.Scan(&a.PageID, &a.Generation, &a.Step)
		recorded[a] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: recording alerts: %w", err)
	}
	var stepped []Outcome
	for _, o := range due {
		if recorded[o.step()] {
			stepped = append(stepped, o)
		}
	}
	return stepped, nil
}

// newAlert is an alert recorded for the first time, and the outcome whose
// step it is.
type newAlert struct {
	key     AlertKey
	outcome *Outcome
}

// recordAlerts records the alert of each of the outcomes' steps for each
// of its recipients, once per recipient, and returns those recorded for
// the first time.
func (s *Store) recordAlerts(ctx context.Context, tx *sql.Tx, now time.Time, stepped []Outcome) ([]newAlert, error) {
	var rows [][]any
	for _, o := range stepped {
		for _, u := range o.Recipients {
			rows = append(rows, []any{o.PageID, o.Generation, o.Step, u, now})
		}
	}
	recorded := map[AlertKey]bool{}
	err := s.insertMany(ctx, tx, insertAlerts, rows, insertAlertsEnd, func(r *sql.Rows) error {
		var k AlertKey
		err := r.Scan(&k.PageID, &k.Generation, &k.Step, &k.UserID)
		recorded[k] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: recording alerts per recipient: %w", err)
	}
	var out []newAlert
	for i := range stepped {
		o := &stepped[i]
		for _, u := range o.Recipients {
			if k := o.alert(u); recorded[k] {
				out = append(out, newAlert{key: k, outcome: o})
			}
		}
	}
	return out, nil
}

// recordNotifications stores the in-app notification of each new alert.
func (s *Store) recordNotifications(ctx context.Context, tx *sql.Tx, now time.Time, alerts []newAlert) error {
	rows := make([][]any, len(alerts))
	for i, a := range alerts {
		n := a.outcome.Notification
		rows[i] = []any{a.key.UserID, a.key.PageID, n.Kind, n.Title, n.Body, a.key.notificationKey(), a.key.Generation, now}
	}
	if err := s.insertMany(ctx, tx, insertNotifications, rows, insertNotifsEnd, nil); err != nil {
		return fmt.Errorf("store: notifications: %w", err)
	}
	return nil
}

// recordDueTimes puts each page's next moment in the due queue.
func (s *Store) recordDueTimes(ctx context.Context, tx *sql.Tx, outcomes []Outcome) error {
	var rows [][]any
	for _, o := range outcomes {
		if !o.NextDueAt.IsZero() {
			rows = append(rows, []any{o.NextDueAt.UTC(), o.PageID})
		}
	}
	if err := s.insertMany(ctx, tx, insertDue, rows, insertDueEnd, nil); err != nil {
		return fmt.Errorf("store: scheduling pages: %w", err)
	}
	return nil
}

// recordStates writes each page's state, only where it changed (per prior,
// and per the page's row), so that most pages' rows are not touched. The
// notifications of a page that became healthy are resolved.
func (s *Store) recordStates(ctx context.Context, tx *sql.Tx, now time.Time, outcomes []Outcome, prior map[int64]tokenwatch.State) error {
	var (
		rows    [][]any
		healthy []int64
	)
	for _, o := range outcomes {
		if st, known := prior[o.PageID]; known && st == o.State {
			continue
		}
		rows = append(rows, []any{o.PageID, o.State, o.Generation})
		if o.State == tokenwatch.StateHealthy {
			healthy = append(healthy, o.PageID)
		}
	}
	if err := s.inBatches(ctx, tx, advancePages, []any{now}, rows, nil); err != nil {
		return fmt.Errorf("store: advancing pages: %w", err)
	}
	return s.resolveNotifications(ctx, tx, now, healthy)
}

// step is the page-level step of an outcome.
func (o *Outcome) step() PageAlert {
	return PageAlert{PageID: o.PageID, Generation: o.Generation, Step: o.Step}
}

// alert is the alert of an outcome's step for one recipient.
func (o *Outcome) alert(userID int64) AlertKey {
	return AlertKey{PageID: o.PageID, Generation: o.Generation, Step: o.Step, UserID: userID}
}

// generations returns the current generation of the outcomes' pages.
func (s *Store) generations(ctx context.Context, tx *sql.Tx, os []Outcome) (map[int64]int64, error) {
	out := map[int64]int64{}
	ids := make([]int64, len(os))
	for i, o := range os {
		ids[i] = o.PageID
	}
	err := s.byIDs(ctx, tx, generationsQuery, nil, ids, func(rows *sql.Rows) error {
		var id, gen int64
		if err := rows.Scan(&id, &gen); err != nil {
			return err
		}
		out[id] = gen
		return nil
	})
	return out, err
}

// generationsQuery reads the generation of n pages by id.
func generationsQuery(n int) string {
	return `SELECT id, generation FROM pages WHERE id IN (` + placeholders(1, n) + `)`
}

// The inserts of record.
const (
	insertPageAlerts    = `INSERT INTO page_alerts (page_id, generation, step, created_at) VALUES `
	insertPageAlertsEnd = ` ON CONFLICT DO NOTHING RETURNING page_id, generation, step`
	insertAlerts        = `INSERT INTO alerts (page_id, generation, step, user_id, created_at) VALUES `
	insertAlertsEnd     = ` ON CONFLICT DO NOTHING RETURNING page_id, generation, step, user_id`
	insertNotifications = `INSERT INTO notifications (user_id, page_id, kind, title, body, dedup_key, generation, created_at) VALUES `
	insertNotifsEnd     = ` ON CONFLICT (dedup_key) DO NOTHING`
	insertDue           = `INSERT INTO page_due (due_at, page_id) VALUES `
	insertDueEnd        = ` ON CONFLICT DO NOTHING`
)

// advancePages sets the state of n pages, each only if the page is still at
// the generation evaluated and its state changes: $1 is the time, then each
// page is its id, state and generation. (The casts type the VALUES columns
// on PostgreSQL, which would otherwise take them for text.)
func advancePages(n int) string {
	var b strings.Builder
	b.WriteString(`UPDATE pages SET state = v.column2, updated_at = $1 FROM (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		p := 2 + 3*i
		fmt.Fprintf(&b, "(CAST($%d AS bigint), CAST($%d AS text), CAST($%d AS bigint))", p, p+1, p+2)
	}
	b.WriteString(`) AS v WHERE pages.id = v.column1 AND pages.generation = v.column3 AND pages.state <> v.column2`)
	return b.String()
}

// prepareRecord prepares the statements of a sweep's transaction (the
// reads of SweepDue, the writes of record) before it begins.
func (s *Store) prepareRecord(ctx context.Context) error {
	qs := []string{advancePages(1), advancePages(insertRows)}
	for _, q := range []func(n int) string{duePagesQuery, pageAlertsQuery, generationsQuery, resolveQuery} {
		qs = append(qs, idListQueries(q)...)
	}
	for _, n := range []int{1, insertRows} {
		qs = append(qs, multiRow(insertDue, 2, n, insertDueEnd))
		qs = append(qs, multiRow(insertPageAlerts, 4, n, insertPageAlertsEnd), multiRow(insertAlerts, 5, n, insertAlertsEnd),
			multiRow(insertNotifications, 8, n, insertNotifsEnd), multiRow(insertDeliveries, 10, n, insertDeliveriesEnd))
	}
	return s.prepare(ctx, qs...)
}

// notificationKey is the dedup key of the in-app notification of an alert.
func (k AlertKey) notificationKey() string {
	return fmt.Sprintf("alert:%d:%d:%s:%d", k.PageID, k.Generation, k.Step, k.UserID)
}

// StepRecipient is a person an alert was recorded for, and when.
type StepRecipient struct {
	User *tokenwatch.User
	At   time.Time
}

// maxStepRecipients bounds StepRecipients: an escalation names the first
// people told (a location with more lists them on the page).
const maxStepRecipients = 50

// StepRecipients returns who received the alerts of a page's generation
// at the given steps, and when, the earliest first (at most 50): whom an
// escalation says were told.
func (s *Store) StepRecipients(ctx context.Context, pageID, generation int64, steps []string) ([]StepRecipient, error) {
	if len(steps) == 0 {
		return nil, nil
	}
	args := []any{pageID, generation, maxStepRecipients}
	ph := make([]string, len(steps))
	for i, st := range steps {
		args = append(args, st)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := s.query(ctx, s.rdb, `SELECT `+userColumns+`, a.created_at FROM alerts a JOIN users u ON u.id = a.user_id
		WHERE a.page_id = $1 AND a.generation = $2 AND a.step IN (`+strings.Join(ph, ", ")+`) ORDER BY a.created_at, u.email LIMIT $3`, args...)
	if err != nil {
		return nil, err
	}
	var out []StepRecipient
	err = scanAll(rows, func(rows *sql.Rows) error {
		var r StepRecipient
		u, err := scanUser(rows, &r.At)
		r.User = u
		out = append(out, r)
		return err
	})
	return out, err
}
