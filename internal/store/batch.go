package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Generic helpers for statements over many rows or ids: multi-row inserts
// in prepared batches, sets of rows as each engine takes them best, and id
// lists cut to a few lengths.

// bulk is a multi-row INSERT: into names the table and its columns
// ("INSERT INTO t (a, b)"), types are the columns' PostgreSQL types, and end
// follows the rows (ON CONFLICT …, RETURNING …).
type bulk struct {
	into  string
	types []string
	end   string
}

func (b bulk) query(values string) string { return b.into + " " + values + b.end }

// insertAll inserts rows (each a value per column of b) through b in as few
// statements as the engine allows (see engine.rowValues); each, if not
// nil, scans what they return.
func (s *Store) insertAll(ctx context.Context, tx *sql.Tx, b bulk, rows [][]any, each func(*sql.Rows) error) error {
	return s.withRows(ctx, tx, b.query, b.types, nil, rows, each)
}

// withRows runs query(values), where values is SQL for a set of the rows
// whose columns have the given types (engine.rowValues), with the lead
// arguments and then those of the rows: all rows at once on PostgreSQL,
// rowsPer of them per statement and the rest one by one on SQLite (two
// statements, prepared once). each, if not nil, scans what each statement
// returns.
func (s *Store) withRows(ctx context.Context, tx *sql.Tx, query func(values string) string, types []string, lead []any, rows [][]any, each func(*sql.Rows) error) error {
	per := s.eng.rowsPer()
	queries := map[int]string{}
	for len(rows) > 0 {
		n := len(rows)
		if per > 0 {
			n = per
			if len(rows) < n {
				n = 1
			}
		}
		q, ok := queries[n]
		if !ok {
			q = query(s.eng.rowValues(types, len(lead)+1, n))
			queries[n] = q
		}
		st, err := s.txStmt(ctx, tx, q)
		if err != nil {
			return err
		}
		// The rows' converted values share one backing array.
		conv, flat := make([][]any, n), make([]any, 0, n*len(types))
		for i, r := range rows[:n] {
			if len(r) != len(types) {
				return fmt.Errorf("store: a row of %d values for %d columns", len(r), len(types))
			}
			flat = s.appendArgs(flat, r)
			conv[i] = flat[i*len(types) : (i+1)*len(types) : (i+1)*len(types)]
		}
		rows = rows[n:]
		if err := run(ctx, st, append(s.args(lead), s.eng.rowArgs(len(types), conv)...), each); err != nil {
			return err
		}
	}
	return nil
}

// rowQueries returns the statements withRows runs for query: the ones to
// prepare.
func (s *Store) rowQueries(query func(values string) string, types []string, lead int) []string {
	if s.eng.rowsPer() == 0 {
		return []string{query(s.eng.rowValues(types, lead+1, 0))}
	}
	return []string{query(s.eng.rowValues(types, lead+1, 1)), query(s.eng.rowValues(types, lead+1, s.eng.rowsPer()))}
}

// insertMany runs insert (ending in VALUES) followed by suffix for each
// of the rows; see inBatches. each scans what the statement returns.
func (s *Store) insertMany(ctx context.Context, tx *sql.Tx, insert string, rows [][]any, suffix string, each func(*sql.Rows) error) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	return s.inBatches(ctx, tx, func(n int) string { return multiRow(insert, cols, n, suffix) }, nil, rows, each)
}

// inBatches runs query(n) with the lead arguments followed by those of n
// rows, insertRows rows per statement and the rest one by one: statements
// of these two sizes are prepared once and reused, which costs less than
// parsing a long list every time. each, if not nil, scans what each
// statement returns.
func (s *Store) inBatches(ctx context.Context, tx *sql.Tx, query func(n int) string, lead []any, rows [][]any, each func(*sql.Rows) error) error {
	for len(rows) > 0 {
		n := insertRows
		if len(rows) < n {
			n = 1
		}
		st, err := s.txStmt(ctx, tx, query(n))
		if err != nil {
			return err
		}
		args := s.args(lead)
		for _, r := range rows[:n] {
			args = append(args, s.args(r)...)
		}
		rows = rows[n:]
		if err := run(ctx, st, args, each); err != nil {
			return err
		}
	}
	return nil
}

// run runs st with args (already converted by Store.args); each, if not
// nil, scans every row it returns.
func run(ctx context.Context, st statement, args []any, each func(*sql.Rows) error) error {
	if each == nil {
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	return scanAll(rows, each)
}

// scanAll has each scan every row of rows, and closes them.
func scanAll(rows *sql.Rows, each func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// multiRow returns insert with n rows of cols placeholders, then suffix.
func multiRow(insert string, cols, n int, suffix string) string {
	var b strings.Builder
	b.WriteString(insert)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + placeholders(i*cols+1, cols) + ")")
	}
	b.WriteString(suffix)
	return b.String()
}

// insertRows is how many rows insertMany writes per statement.
const insertRows = 32

func idArgs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// idListLengths are the lengths of the id lists of IN clauses on SQLite
// (see engine.idListLengths): padded to one of these, a few prepared
// statements serve every number of ids, where SQLite would otherwise parse
// a statement for each.
// 128 is there for the lists of a hundred (an API page): padded to 256,
// they cost SQLite's driver twice the binding, whose look-up of each
// parameter's name walks all of them.
var idListLengths = []int{1, 4, 16, 64, 128, 256}

// idLists cuts ids into lists of the engine's idListLengths, repeating the
// last id to fill each (an id twice in an IN list is harmless).
func (s *Store) idLists(ids []int64) [][]int64 {
	lengths := s.eng.idListLengths()
	var out [][]int64
	for len(ids) > 0 {
		n := lengths[len(lengths)-1]
		for _, l := range lengths {
			if l >= len(ids) {
				n = l
				break
			}
		}
		list := ids[:min(n, len(ids))]
		ids = ids[len(list):]
		if len(list) < n {
			// Padded in a copy of its own, made once (growing a copy one
			// id at a time made 100 ids cost 450 KB of garbage).
			padded := make([]int64, n)
			copy(padded, list)
			for i := len(list); i < n; i++ {
				padded[i] = list[len(list)-1]
			}
			list = padded
		}
		out = append(out, list)
	}
	return out
}

// byIDs runs query(n), with the lead arguments and then a list of n ids,
// on q over each of the lists idLists cuts ids into. In a transaction or
// on the write pool the statement is the one prepared for it (see prepare;
// a transaction runs best with statements prepared before it begins); on
// the read pool the query runs as it is. each, if not nil, scans every row
// a statement returns.
func (s *Store) byIDs(ctx context.Context, q querier, query func(n int) string, lead []any, ids []int64, each func(*sql.Rows) error) error {
	for _, list := range s.idLists(ids) {
		st, err := s.statement(ctx, q, query(len(list)))
		if err != nil {
			return err
		}
		args := s.args(append(append(make([]any, 0, len(lead)+len(list)), lead...), idArgs(list)...))
		if err := run(ctx, st, args, each); err != nil {
			return err
		}
	}
	return nil
}

// byIDMap reads on the read pool, through byIDs, the rows that query
// selects for the ids into a map: scanRow returns a row's key and value.
func byIDMap[T any](ctx context.Context, s *Store, query func(n int) string, ids []int64, scanRow func(*sql.Rows) (int64, T, error)) (map[int64]T, error) {
	out := map[int64]T{}
	err := s.byIDs(ctx, s.rdb, query, nil, ids, func(rows *sql.Rows) error {
		k, v, err := scanRow(rows)
		if err != nil {
			return err
		}
		out[k] = v
		return nil
	})
	return out, err
}

// idListQueries returns query(n) for each of the engine's idListLengths:
// the statements to prepare for byIDs.
func (s *Store) idListQueries(query func(n int) string) []string {
	lengths := s.eng.idListLengths()
	out := make([]string, len(lengths))
	for i, n := range lengths {
		out[i] = query(n)
	}
	return out
}
