package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/factsql"
)

// upsertSums adds the counts of one row of sums ($4…) to its row
// ($1…$3), making it if need be.
var upsertSums = func() string {
	cols := petitions.SumsColumns
	params := make([]string, len(cols))
	set := make([]string, len(cols))
	for i, c := range cols {
		params[i] = "$" + strconv.Itoa(4+i)
		set[i] = c + " = case_fact_sums." + c + " + EXCLUDED." + c
	}
	return `INSERT INTO case_fact_sums (scope, bucket, grp, ` + strings.Join(cols, ", ") + `)
		VALUES ($1, $2, $3, ` + strings.Join(params, ", ") + `)
		ON CONFLICT (scope, grp, bucket) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// queueSums queues in b the upserts that add s to the sums, rows in
// s.Changed's order (a fixed one: writers never deadlock on them), and
// returns how many it queued.
func queueSums(b *pgx.Batch, s *petitions.FactSums) int {
	n := b.Len()
	rows, days, running := s.Changed()
	for _, k := range rows {
		args := []any{k.Scope, k.Bucket, k.Group}
		for _, n := range s.Rows[k] {
			args = append(args, n)
		}
		b.Queue(upsertSums, args...)
	}
	for _, k := range days {
		b.Queue(`INSERT INTO case_fact_handling_sums (scope, bucket, grp, days, n) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (scope, grp, bucket, days) DO UPDATE SET n = case_fact_handling_sums.n + EXCLUDED.n`,
			k.Scope, k.Bucket, k.Group, k.Days, s.Handling[k])
	}
	for _, k := range running {
		b.Queue(`INSERT INTO case_fact_running_sums (scope, grp, day, passed, n) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (scope, grp, day, passed) DO UPDATE SET n = case_fact_running_sums.n + EXCLUDED.n`,
			k.Scope, k.Group, k.Day, k.Passed, s.Running[k])
	}
	return b.Len() - n
}

// within returns the units a case with these units counts in for the sums
// by unit (petitions.Within), from the store's copy of the units' parents,
// read with q when it lacks one of them.
func (db *DB) within(ctx context.Context, q querier, units ...string) ([]string, error) {
	return db.parents.Within(func() (map[string]string, error) { return unitParents(ctx, q) }, units...)
}

// unitParents reads the parent of every unit ("" for a root).
func unitParents(ctx context.Context, q querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT id, coalesce(parent_id, '') FROM units`)
	if err != nil {
		return nil, internal(err, "units' parents")
	}
	parents := map[string]string{}
	var id, parent string
	_, err = pgx.ForEachRow(rows, []any{&id, &parent}, func() error {
		parents[id] = parent
		return nil
	})
	if err != nil {
		return nil, internal(err, "units' parents")
	}
	return parents, nil
}

// unitSumsMigration rolls the sums up by unit; Migrate rebuilds them after it.
const unitSumsMigration = "0012_unit_sums.sql"

// RebuildFactSums recomputes the sums of the facts (case_fact_sums,
// case_fact_handling_sums, case_fact_running_sums) from the facts of every
// case: after facts were loaded without SaveFacts (COPY), or to repair them.
// The facts tables are locked against writes meanwhile; reads go on.
func (db *DB) RebuildFactSums(ctx context.Context) error {
	return db.inTx(ctx, func(tx pgx.Tx) error { return rebuildFactSums(ctx, tx) })
}

func rebuildFactSums(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `LOCK TABLE case_facts, case_fact_mediators IN SHARE MODE`); err != nil {
		return internal(err, "fact sums: lock")
	}
	parents, err := unitParents(ctx, tx)
	if err != nil {
		return err
	}
	rb := factsql.NewRebuild(parents)
	rows, err := tx.Query(ctx, `SELECT case_id, mediator, ratings, satisfied FROM case_fact_mediators`)
	if err != nil {
		return internal(err, "fact sums: mediators")
	}
	var id string
	var m petitions.MediatorFacts
	_, err = pgx.ForEachRow(rows, []any{&id, &m.ID, &m.Ratings, &m.Satisfied}, func() error {
		rb.Mediator(id, m)
		return nil
	})
	if err != nil {
		return internal(err, "fact sums: mediators")
	}
	rows, err = tx.Query(ctx, `SELECT `+factsql.FactsColumns+` FROM case_facts f`)
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
	if err := rows.Err(); err != nil {
		return internal(err, "fact sums: facts")
	}
	for _, t := range []string{"case_fact_sums", "case_fact_handling_sums", "case_fact_running_sums"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t); err != nil {
			return internal(err, "fact sums: clear %s", t)
		}
	}
	sums := rb.Sums()
	keys, days, running := sums.Changed()
	var sumRows, dayRows, runRows [][]any
	for _, k := range keys {
		r := []any{k.Scope, k.Bucket, k.Group}
		for _, n := range sums.Rows[k] {
			r = append(r, n)
		}
		sumRows = append(sumRows, r)
	}
	for _, k := range days {
		dayRows = append(dayRows, []any{k.Scope, k.Bucket, k.Group, int32(k.Days), sums.Handling[k]})
	}
	for _, k := range running {
		runRows = append(runRows, []any{k.Scope, k.Group, k.Day, k.Passed, sums.Running[k]})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"case_fact_sums", append([]string{"scope", "bucket", "grp"}, petitions.SumsColumns...), sumRows},
		{"case_fact_handling_sums", []string{"scope", "bucket", "grp", "days", "n"}, dayRows},
		{"case_fact_running_sums", []string{"scope", "grp", "day", "passed", "n"}, runRows},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return internal(err, "fact sums: write %s", c.table)
		}
	}
	return nil
}
