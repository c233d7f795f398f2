package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"hearingroom/petitions"
	"hearingroom/petitions/factsql"
)

// storedFacts returns what the sums count of the stored facts of case id,
// with its mediators, or nil if it has none.
func storedFacts(ctx context.Context, tx *wtx, id string) (*petitions.CaseFacts, error) {
	f, err := factsql.ScanFacts(tx.QueryRowContext(ctx, `SELECT `+factsql.FactsColumns+` FROM case_facts f WHERE f.case_id = ?`, id).Scan)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, internal(err, "case %s: stored facts", id)
	}
	rows, err := tx.QueryContext(ctx, `SELECT mediator, ratings, satisfied FROM case_fact_mediators WHERE case_id = ?`, id)
	if err != nil {
		return nil, internal(err, "case %s: stored mediator facts", id)
	}
	defer rows.Close()
	for rows.Next() {
		var m petitions.MediatorFacts
		if err := rows.Scan(&m.ID, &m.Ratings, &m.Satisfied); err != nil {
			return nil, internal(err, "case %s: stored mediator facts", id)
		}
		f.Mediators = append(f.Mediators, m)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "case %s: stored mediator facts", id)
	}
	return f, nil
}

// upsertSums adds the counts of one row of sums (?4…) to its row (?1…?3),
// making it if need be.
var upsertSums = func() string {
	cols := petitions.SumsColumns
	params := make([]string, len(cols))
	set := make([]string, len(cols))
	for i, c := range cols {
		params[i] = "?"
		set[i] = c + " = " + c + " + excluded." + c
	}
	return `INSERT INTO case_fact_sums (scope, bucket, grp, ` + strings.Join(cols, ", ") + `)
		VALUES (?, ?, ?, ` + strings.Join(params, ", ") + `)
		ON CONFLICT (scope, grp, bucket) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// addSums adds s to the sums tables, a statement per changed row (prepared:
// see wtx). SQLite has one writer at a time: the order of the rows
// does not matter here.
func addSums(ctx context.Context, tx *wtx, s *petitions.FactSums) error {
	rows, days, running := s.Changed()
	if err := upsertEach(ctx, tx, upsertSums, len(rows), func(i int) []any {
		k := rows[i]
		args := []any{k.Scope, k.Bucket, k.Group}
		for _, n := range s.Rows[k] {
			args = append(args, n)
		}
		return args
	}); err != nil {
		return err
	}
	if err := upsertEach(ctx, tx, `INSERT INTO case_fact_handling_sums (scope, bucket, grp, days, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (scope, grp, bucket, days) DO UPDATE SET n = n + excluded.n`, len(days), func(i int) []any {
		k := days[i]
		return []any{k.Scope, k.Bucket, k.Group, k.Days, s.Handling[k]}
	}); err != nil {
		return err
	}
	return upsertEach(ctx, tx, `INSERT INTO case_fact_running_sums (scope, grp, day, passed, n) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (scope, grp, day, passed) DO UPDATE SET n = n + excluded.n`, len(running), func(i int) []any {
		k := running[i]
		return []any{k.Scope, k.Group, k.Day, k.Passed, s.Running[k]}
	})
}

// upsertEach runs query with the arguments of each of n rows.
func upsertEach(ctx context.Context, tx *wtx, query string, n int, args func(i int) []any) error {
	for i := range n {
		if _, err := tx.ExecContext(ctx, query, args(i)...); err != nil {
			return err
		}
	}
	return nil
}

// within returns the units a case with these units counts in for the sums
// by unit (petitions.Within), from the store's copy of the units' parents,
// read with tx when it lacks one of them.
func (db *DB) within(ctx context.Context, tx *wtx, units ...string) ([]string, error) {
	return db.parents.Within(func() (map[string]string, error) { return unitParents(ctx, tx) }, units...)
}

// unitParents reads the parent of every unit ("" for a root).
func unitParents(ctx context.Context, tx *wtx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, coalesce(parent_id, '') FROM units`)
	if err != nil {
		return nil, internal(err, "units' parents")
	}
	defer rows.Close()
	parents := map[string]string{}
	for rows.Next() {
		var id, parent string
		if err := rows.Scan(&id, &parent); err != nil {
			return nil, internal(err, "units' parents")
		}
		parents[id] = parent
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "units' parents")
	}
	return parents, nil
}

// unitSumsMigration rolls the sums up by unit; Migrate rebuilds them after it.
const unitSumsMigration = "0012_unit_sums.sql"

// RebuildFactSums recomputes the sums of the facts (case_fact_sums,
// case_fact_handling_sums, case_fact_running_sums) from the facts of every
// case, in one transaction: after facts were loaded without SaveFacts, or
// to repair them.
func (db *DB) RebuildFactSums(ctx context.Context) error {
	return db.inTx(ctx, func(tx *wtx) error { return rebuildFactSums(ctx, tx) })
}

func rebuildFactSums(ctx context.Context, tx *wtx) error {
	parents, err := unitParents(ctx, tx)
	if err != nil {
		return err
	}
	rb := factsql.NewRebuild(parents)
	rows, err := tx.QueryContext(ctx, `SELECT case_id, mediator, ratings, satisfied FROM case_fact_mediators`)
	if err != nil {
		return internal(err, "fact sums: mediators")
	}
	for rows.Next() {
		var id string
		var m petitions.MediatorFacts
		if err := rows.Scan(&id, &m.ID, &m.Ratings, &m.Satisfied); err != nil {
			rows.Close()
			return internal(err, "fact sums: mediators")
		}
		rb.Mediator(id, m)
	}
	if err := rows.Close(); err != nil {
		return internal(err, "fact sums: mediators")
	}
	rows, err = tx.QueryContext(ctx, `SELECT `+factsql.FactsColumns+` FROM case_facts f`)
	if err != nil {
		return internal(err, "fact sums: facts")
	}
	for rows.Next() {
		f, err := factsql.ScanFacts(rows.Scan)
		if err != nil {
			rows.Close()
			return internal(err, "fact sums: facts")
		}
		rb.Case(f)
	}
	if err := rows.Close(); err != nil {
		return internal(err, "fact sums: facts")
	}
	for _, t := range []string{"case_fact_sums", "case_fact_handling_sums", "case_fact_running_sums"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return internal(err, "fact sums: clear %s", t)
		}
	}
	if err := addSums(ctx, tx, rb.Sums()); err != nil {
		return internal(err, "fact sums: write")
	}
	return nil
}
