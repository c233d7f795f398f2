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

// scanFacts reads the facts of factsSumsColumns, the units as stored.
func scanFacts(row pgx.Row) (*petitions.CaseFacts, error) {
	f := &petitions.CaseFacts{}
	var kind string
	var at [7]*int64
	var days *int
	err := row.Scan(&f.CaseID, &f.Registered, &kind, &f.LeadUnit, &f.StationUnit, &f.VillageUnit, &f.Owner,
		&at[0], &f.RepeatLinks, &f.Headcount, &at[1], &f.AcceptDecided, &f.AcceptOnTime, &at[2],
		&f.RepliedOnTime, &at[3], &f.Resolved, &at[4], &f.Applied, &at[5], &f.Performed,
		&at[6], &days, &f.Ratings, &f.Satisfied)
	if err != nil {
		return nil, err
	}
	f.Kind = petitions.Kind(kind)
	for i, t := range []*time.Time{&f.ReceivedAt, &f.AcceptDueDay, &f.RepliedAt, &f.AcceptedAt, &f.EffectiveAt,
		&f.PerfEndedAt, &f.ClosedAt} {
		if at[i] != nil {
			*t = time.UnixMicro(*at[i])
		}
	}
	if days != nil {
		f.HasHandling, f.HandlingDays = true, *days
	}
	return f, nil
}

// upsertSums adds the counts of one row of sums ($7…) to its row
// ($1…$6), making it if need be.
var upsertSums = func() string {
	cols := petitions.SumsColumns
	params := make([]string, len(cols))
	set := make([]string, len(cols))
	for i, c := range cols {
		params[i] = "$" + strconv.Itoa(7+i)
		set[i] = c + " = case_fact_sums." + c + " + EXCLUDED." + c
	}
	return `INSERT INTO case_fact_sums (scope, bucket, grp, lead_unit, station_unit, village_unit, ` +
		strings.Join(cols, ", ") + `) VALUES ($1, $2, $3, $4, $5, $6, ` + strings.Join(params, ", ") + `)
		ON CONFLICT (scope, bucket, grp, lead_unit, station_unit, village_unit) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// queueSums queues in b the upserts that add s to the sums, rows in
// s.Changed's order (a fixed one: writers never deadlock on them).
func queueSums(b *pgx.Batch, s *petitions.FactSums) {
	rows, days := s.Changed()
	for _, k := range rows {
		args := []any{k.Scope, k.Bucket, k.Group, k.Lead, k.Station, k.Village}
		for _, n := range s.Rows[k] {
			args = append(args, n)
		}
		b.Queue(upsertSums, args...)
	}
	for _, k := range days {
		b.Queue(`INSERT INTO case_fact_handling_sums (scope, bucket, lead_unit, station_unit, village_unit, days, n)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (scope, bucket, lead_unit, station_unit, village_unit, days)
			DO UPDATE SET n = case_fact_handling_sums.n + EXCLUDED.n`,
			k.Scope, k.Bucket, k.Lead, k.Station, k.Village, k.Days, s.Handling[k])
	}
}

// RebuildFactSums recomputes the sums of the facts (case_fact_sums,
// case_fact_handling_sums) from the facts of every case: after facts were
// loaded without SaveFacts (COPY), or to repair them. The facts tables are
// locked against writes meanwhile; reads go on.
func (db *DB) RebuildFactSums(ctx context.Context) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE case_facts, case_fact_mediators IN SHARE MODE`); err != nil {
			return internal(err, "fact sums: lock")
		}
		mediators := map[string][]petitions.MediatorFacts{}
		rows, err := tx.Query(ctx, `SELECT case_id, mediator, ratings, satisfied FROM case_fact_mediators`)
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
			mediators[id] = append(mediators[id], m)
		}
		if err := rows.Err(); err != nil {
			return internal(err, "fact sums: mediators")
		}
		sums := petitions.NewFactSums()
		rows, err = tx.Query(ctx, `SELECT `+factsSumsColumns+` FROM case_facts f`)
		if err != nil {
			return internal(err, "fact sums: facts")
		}
		for rows.Next() {
			f, err := scanFacts(rows)
			if err != nil {
				rows.Close()
				return internal(err, "fact sums: facts")
			}
			f.Mediators = mediators[f.CaseID]
			sums.Add(f, 1)
		}
		if err := rows.Err(); err != nil {
			return internal(err, "fact sums: facts")
		}
		for _, t := range []string{"case_fact_sums", "case_fact_handling_sums"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t); err != nil {
				return internal(err, "fact sums: clear %s", t)
			}
		}
		keys, days := sums.Changed()
		var sumRows, dayRows [][]any
		for _, k := range keys {
			r := []any{k.Scope, k.Bucket, k.Group, k.Lead, k.Station, k.Village}
			for _, n := range sums.Rows[k] {
				r = append(r, n)
			}
			sumRows = append(sumRows, r)
		}
		for _, k := range days {
			dayRows = append(dayRows, []any{k.Scope, k.Bucket, k.Lead, k.Station, k.Village, int32(k.Days), sums.Handling[k]})
		}
		cols := append([]string{"scope", "bucket", "grp", "lead_unit", "station_unit", "village_unit"}, petitions.SumsColumns...)
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"case_fact_sums"}, cols, pgx.CopyFromRows(sumRows)); err != nil {
			return internal(err, "fact sums: write")
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"case_fact_handling_sums"},
			[]string{"scope", "bucket", "lead_unit", "station_unit", "village_unit", "days", "n"}, pgx.CopyFromRows(dayRows))
		if err != nil {
			return internal(err, "fact sums: write handling days")
		}
		return nil
	})
}
