package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// factsSumsColumns are the columns of case_facts the sums count
// (scanFacts), as selected from f.
const factsSumsColumns = `f.case_id, f.registered, f.kind, f.lead_unit, f.station_unit, f.village_unit, f.owner,
	f.received_at, f.repeat_links, f.headcount, f.accept_due_day, f.accept_decided, f.accept_on_time, f.replied_at,
	f.replied_on_time, f.accepted_at, f.resolved, f.effective_at, f.applied, f.perf_ended_at, f.performed,
	f.closed_at, f.handling_days, f.ratings, f.satisfied`

// factsRunningColumns follow factsSumsColumns when the running deadline
// is read too (scanFacts with running).
const factsRunningColumns = `, f.active, f.running_day, f.running_passed`

// scanFacts reads the facts of factsSumsColumns, and of
// factsRunningColumns if running, the units as stored.
func scanFacts(row pgx.Row, running bool) (*petitions.CaseFacts, error) {
	f := &petitions.CaseFacts{}
	var kind string
	var at [9]*int64
	var days *int
	dst := []any{&f.CaseID, &f.Registered, &kind, &f.LeadUnit, &f.StationUnit, &f.VillageUnit, &f.Owner,
		&at[0], &f.RepeatLinks, &f.Headcount, &at[1], &f.AcceptDecided, &f.AcceptOnTime, &at[2],
		&f.RepliedOnTime, &at[3], &f.Resolved, &at[4], &f.Applied, &at[5], &f.Performed,
		&at[6], &days, &f.Ratings, &f.Satisfied}
	if running {
		dst = append(dst, &f.Active, &at[7], &at[8])
	}
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	f.Kind = petitions.Kind(kind)
	for i, t := range []*time.Time{&f.ReceivedAt, &f.AcceptDueDay, &f.RepliedAt, &f.AcceptedAt, &f.EffectiveAt,
		&f.PerfEndedAt, &f.ClosedAt, &f.RunningDay, &f.RunningPassed} {
		if at[i] != nil {
			*t = time.UnixMicro(*at[i])
		}
	}
	if days != nil {
		f.HasHandling, f.HandlingDays = true, *days
	}
	return f, nil
}

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
	mediators := map[string][]petitions.MediatorFacts{}
	rows, err := tx.Query(ctx, `SELECT case_id, mediator, ratings, satisfied FROM case_fact_mediators`)
	if err != nil {
		return internal(err, "fact sums: mediators")
	}
	var id string
	var m petitions.MediatorFacts
	_, err = pgx.ForEachRow(rows, []any{&id, &m.ID, &m.Ratings, &m.Satisfied}, func() error {
		mediators[id] = append(mediators[id], m)
		return nil
	})
	if err != nil {
		return internal(err, "fact sums: mediators")
	}
	sums := petitions.NewFactSums()
	rows, err = tx.Query(ctx, `SELECT `+factsSumsColumns+factsRunningColumns+` FROM case_facts f`)
	if err != nil {
		return internal(err, "fact sums: facts")
	}
	for rows.Next() {
		f, err := scanFacts(rows, true)
		if err != nil {
			rows.Close()
			return internal(err, "fact sums: facts")
		}
		f.Mediators = mediators[f.CaseID]
		f.Within = petitions.Within(parents, f.LeadUnit, f.StationUnit, f.VillageUnit)
		sums.Add(f, 1)
	}
	if err := rows.Err(); err != nil {
		return internal(err, "fact sums: facts")
	}
	for _, t := range []string{"case_fact_sums", "case_fact_handling_sums", "case_fact_running_sums"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t); err != nil {
			return internal(err, "fact sums: clear %s", t)
		}
	}
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
