package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
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
// is fine. The deliveries' function runs on a goroutine of its own while
// the transaction writes the rest (see record): it must not use the store,
// nor change what it shares with the caller.
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
		pages, withAlerts, err := s.claimDue(ctx, tx, now, limit)
		if err != nil {
			return fmt.Errorf("store: claiming due pages: %w", err)
		}
		if len(pages) == 0 {
			return nil
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
		generations := make(map[int64]int64, len(pages))
		for _, p := range pages {
			prior[p.ID], generations[p.ID] = p.State, p.Generation
		}
		// The steps need no check of their pages' generations where the
		// transaction holds its pages, and only for the pages it read.
		held := s.eng.claimHoldsPages() && !slices.ContainsFunc(outcomes, func(o Outcome) bool {
			g, ok := generations[o.PageID]
			return !ok || g != o.Generation
		})
		out.Recorded, out.Deliveries, err = s.record(ctx, tx, now, outcomes, deliveries, prior, held)
		return err
	})
	return out, err
}

// sweptColumns are what a sweep reads of a due page p: what the lifecycle
// policy needs, and what an alert says about the page. Reading a third of
// the columns makes reading ten thousand pages markedly cheaper.
const sweptColumns = `p.id, p.account_id, p.location_id, p.provider, p.name, coalesce(p.connected_by, 0), p.access_expires_at, p.refresh_expires_at,
	p.data_access_expires_at, p.auto_refresh, p.refresh_before_expiry, p.refresh_lead_seconds, p.problem, p.last_checked_at,
	p.retry_at, p.generation, p.state`

// claimDue claims up to limit due pages (see engine.claimDue) and reads
// them (the sweptColumns of each, and whether it has alerts recorded for
// its current generation: most due pages have none, which spares looking
// them up), each once, most overdue first.
func (s *Store) claimDue(ctx context.Context, tx *sql.Tx, now time.Time, limit int) ([]*tokenwatch.Page, []int64, error) {
	var (
		pages      []*tokenwatch.Page
		withAlerts []int64
		seen       = map[int64]bool{}
	)
	cols := sweptColumns + `, (SELECT count(*) FROM page_alerts a WHERE a.page_id = p.id AND a.generation = p.generation)`
	err := s.eng.claimDue(ctx, tx, s.eng.timeArg(now), limit, cols, func(rows *sql.Rows, key ...any) error {
		var (
			p    tokenwatch.Page
			lead int64
			n    int
		)
		err := scan(rows, append(key, &p.ID, &p.AccountID, &p.LocationID, &p.Provider, &p.Name, &p.ConnectedBy, &p.AccessExpiresAt,
			&p.RefreshExpiresAt, &p.DataAccessExpiresAt, &p.AutoRefresh, &p.RefreshBeforeExpiry, &lead, &p.Problem, &p.LastCheckedAt,
			&p.RetryAt, &p.Generation, &p.State, &n)...)
		if err != nil || seen[p.ID] {
			return err
		}
		seen[p.ID] = true
		p.RefreshLead = time.Duration(lead) * time.Second
		pages = append(pages, &p)
		if n > 0 {
			withAlerts = append(withAlerts, p.ID)
		}
		return nil
	})
	return pages, withAlerts, err
}

// RecordSweep records, in one transaction, the outcome of a sweep over
// pages: each due alert once per page, generation and step and once per
// recipient (an alert recorded before, by an overlapping sweep, is
// skipped), an in-app notification per new alert, the deliveries that
// deliveries builds from what was newly recorded (an outbox row each,
// skipped if its key exists), and each page's state and next due time
// (unless the page moved to another generation meanwhile). deliveries runs
// inside the transaction, on a goroutine of its own while the transaction
// writes the rest, and must not use the store. On PostgreSQL, outcomes are
// sorted by page in place. It returns
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
		rec, out, err = s.record(ctx, tx, now, outcomes, deliveries, nil, false)
		return err
	})
	return rec, out, err
}

// record records outcomes (sorting them by page on PostgreSQL) in tx, one
// table after the other, then the deliveries that deliveries builds from
// what was newly recorded. prior, when known, is each page's state as read
// in tx: pages whose state stays are not written at all. held says that the pages were read in tx and
// nothing else can have changed them since (see engine.claimHoldsPages):
// their generations need no checking again.
func (s *Store) record(ctx context.Context, tx *sql.Tx, now time.Time, outcomes []Outcome, deliveries func(Recorded) ([]Delivery, error), prior map[int64]tokenwatch.State, held bool) (Recorded, []Delivery, error) {
	var rec Recorded
	if !s.eng.claimHoldsPages() {
		// Other transactions may record the same pages at once (a page
		// with two rows in the due queue, claimed by two workers or
		// replicas): rows inserted in the order of their pages wait for
		// each other's keys in one order, which makes a deadlock (which
		// PostgreSQL ends by failing one batch, taken again by the next
		// sweep) unlikely; the state update locks its rows in the order
		// of its plan's join.
		slices.SortStableFunc(outcomes, func(a, b Outcome) int { return cmp.Compare(a.PageID, b.PageID) })
	}
	if err := s.lockAlerted(ctx, tx, outcomes); err != nil {
		return rec, nil, err
	}
	stepped, err := s.recordSteps(ctx, tx, now, outcomes, held)
	if err != nil {
		return rec, nil, err
	}
	alerts, err := s.recordAlerts(ctx, tx, now, stepped)
	if err != nil {
		return rec, nil, err
	}
	for _, o := range stepped {
		rec.Steps = append(rec.Steps, o.step())
	}
	for _, a := range alerts {
		rec.Alerts = append(rec.Alerts, a.key)
	}
	// What is newly recorded is known: the deliveries (e-mails rendered
	// as JSON, mostly) are built on another core while the database
	// writes the rest, which does not change them.
	var (
		ds      []Delivery
		dsErr   error
		dsBuilt = make(chan struct{})
	)
	go func() {
		defer close(dsBuilt)
		defer func() {
			// On a goroutine of its own, a panic would end the process.
			if p := recover(); p != nil {
				dsErr = fmt.Errorf("store: building a sweep's deliveries: %v", p)
			}
		}()
		ds, dsErr = deliveries(rec)
	}()
	err = s.recordRest(ctx, tx, now, outcomes, alerts, prior)
	<-dsBuilt
	if err != nil {
		return rec, nil, err
	}
	if dsErr != nil {
		return rec, nil, dsErr
	}
	out, err := s.recordDeliveries(ctx, tx, now, ds)
	return rec, out, err
}

// recordRest records, once the steps and alerts are, the notifications of
// the new alerts and the pages' next due times and states.
func (s *Store) recordRest(ctx context.Context, tx *sql.Tx, now time.Time, outcomes []Outcome, alerts []newAlert, prior map[int64]tokenwatch.State) error {
	if err := s.recordNotifications(ctx, tx, now, alerts); err != nil {
		return err
	}
	if err := s.recordDueTimes(ctx, tx, outcomes); err != nil {
		return err
	}
	return s.recordStates(ctx, tx, now, outcomes, prior)
}

// lockAlerted locks the pages with a step due and their recipients (see
// engine.lockAlerted), and takes out of the outcomes the recipients deleted
// since they were read.
func (s *Store) lockAlerted(ctx context.Context, tx *sql.Tx, outcomes []Outcome) error {
	var pages, users []int64
	for _, o := range outcomes {
		if o.Step != "" {
			pages = append(pages, o.PageID)
			users = append(users, o.Recipients...)
		}
	}
	slices.Sort(users)
	gone, err := s.eng.lockAlerted(ctx, tx, pages, slices.Compact(users))
	if err != nil {
		return fmt.Errorf("store: locking alerted pages: %w", err)
	}
	if len(gone) > 0 {
		for i := range outcomes {
			outcomes[i].Recipients = slices.DeleteFunc(slices.Clone(outcomes[i].Recipients), func(u int64) bool { return gone[u] })
		}
	}
	return nil
}

// recordSteps records the step due of each outcome, once per page,
// generation and step, and only for pages still at the generation
// evaluated (an alert about a grant replaced meanwhile is moot): the insert
// itself checks the generation, unless held (the generations were read in
// tx, and nothing can have changed them). It returns the outcomes whose
// step it recorded for the first time.
func (s *Store) recordSteps(ctx context.Context, tx *sql.Tx, now time.Time, outcomes []Outcome, held bool) ([]Outcome, error) {
	// The outcomes are large: they are indexed, not copied, until the
	// few returned (copying 10,000 of them took a tenth of the step).
	var (
		due  []int
		rows [][]any
	)
	for i, o := range outcomes {
		if o.Step != "" {
			due = append(due, i)
			rows = append(rows, []any{o.PageID, o.Generation, o.Step, now})
		}
	}
	recorded := make(map[PageAlert]bool, len(rows))
	insert := insertPageAlerts
	if held {
		insert = insertHeldPageAlerts
	}
	err := s.withRows(ctx, tx, insert, pageAlertTypes, nil, rows, func(r *sql.Rows) error {
		var a PageAlert
		err := r.Scan(&a.PageID, &a.Generation, &a.Step)
		recorded[a] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: recording alerts: %w", err)
	}
	stepped := make([]Outcome, 0, len(recorded))
	for _, i := range due {
		if recorded[outcomes[i].step()] {
			stepped = append(stepped, outcomes[i])
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
	err := s.insertAll(ctx, tx, alertRows, rows, func(r *sql.Rows) error {
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

// recordNotifications stores the in-app notification of each new alert:
// once per alert, since the alert was recorded for the first time in this
// transaction (so the notification needs no key of its own).
func (s *Store) recordNotifications(ctx context.Context, tx *sql.Tx, now time.Time, alerts []newAlert) error {
	rows := make([][]any, len(alerts))
	for i, a := range alerts {
		n := a.outcome.Notification
		rows[i] = []any{a.key.UserID, a.key.PageID, n.Kind, n.Title, n.Body, a.key.Generation, now}
	}
	if err := s.insertAll(ctx, tx, notificationRows, rows, nil); err != nil {
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
	if err := s.insertAll(ctx, tx, dueRows, rows, nil); err != nil {
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
	if err := s.withRows(ctx, tx, advancePages, advanceTypes, []any{now}, rows, nil); err != nil {
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

// The inserts of record, and the types of their columns.
var (
	alertRows = bulk{`INSERT INTO alerts (page_id, generation, step, user_id, created_at)`,
		[]string{"bigint", "bigint", "text", "bigint", "timestamptz"}, ` ON CONFLICT DO NOTHING RETURNING page_id, generation, step, user_id`}
	notificationRows = bulk{`INSERT INTO notifications (user_id, page_id, kind, title, body, generation, created_at)`,
		[]string{"bigint", "bigint", "text", "text", "text", "bigint", "timestamptz"}, ``}
	dueRows        = bulk{`INSERT INTO page_due (due_at, page_id)`, []string{"timestamptz", "bigint"}, ` ON CONFLICT DO NOTHING`}
	pageAlertTypes = []string{"bigint", "bigint", "text", "timestamptz"}
	advanceTypes   = []string{"bigint", "text", "bigint"}
)

// insertPageAlerts records steps (page, generation, step, time), each only
// if the page is still at that generation. (The WHERE also tells SQLite
// that ON CONFLICT is the upsert clause.)
func insertPageAlerts(values string) string {
	return `INSERT INTO page_alerts (page_id, generation, step, created_at)
		SELECT v.column1, v.column2, v.column3, v.column4 FROM (` + values + `) AS v
		WHERE EXISTS (SELECT 1 FROM pages p WHERE p.id = v.column1 AND p.generation = v.column2)
		ON CONFLICT DO NOTHING RETURNING page_id, generation, step`
}

// insertHeldPageAlerts records steps (page, generation, step, time) of
// pages whose generations were read in the transaction, which holds them:
// insertPageAlerts without the check, which cost a look-up of each page.
func insertHeldPageAlerts(values string) string {
	return `INSERT INTO page_alerts (page_id, generation, step, created_at)
		SELECT v.column1, v.column2, v.column3, v.column4 FROM (` + values + `) AS v
		WHERE true ON CONFLICT DO NOTHING RETURNING page_id, generation, step`
}

// advancePages sets the state of pages, each only if the page is still at
// the generation evaluated and its state changes: $1 is the time, then the
// rows are each page's id, state and generation.
func advancePages(values string) string {
	return `UPDATE pages SET state = v.column2, updated_at = $1 FROM (` + values + `) AS v
		WHERE pages.id = v.column1 AND pages.generation = v.column3 AND pages.state <> v.column2`
}

// prepareRecord prepares the statements of a sweep's transaction (the
// reads of SweepDue, the writes of record) before it begins.
func (s *Store) prepareRecord(ctx context.Context) error {
	var qs []string
	for _, q := range []func(n int) string{pageAlertsQuery, resolveQuery} {
		qs = append(qs, s.idListQueries(q)...)
	}
	qs = append(qs, s.rowQueries(insertPageAlerts, pageAlertTypes, 0)...)
	if s.eng.claimHoldsPages() {
		qs = append(qs, s.rowQueries(insertHeldPageAlerts, pageAlertTypes, 0)...)
	}
	qs = append(qs, s.rowQueries(advancePages, advanceTypes, 1)...)
	for _, b := range []bulk{alertRows, notificationRows, dueRows, deliveryRows} {
		qs = append(qs, s.rowQueries(b.query, b.types, 0)...)
	}
	return s.prepare(ctx, qs...)
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
