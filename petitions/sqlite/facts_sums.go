package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"hearingroom/petitions"
)

// factsSumsColumns are the columns of case_facts the sums count
// (scanFacts), as selected from f.
const factsSumsColumns = `f.case_id, f.registered, f.kind, f.lead_unit, f.station_unit, f.village_unit, f.owner,
	f.received_at, f.repeat_links, f.headcount, f.accept_due_day, f.accept_decided, f.accept_on_time, f.replied_at,
	f.replied_on_time, f.accepted_at, f.resolved, f.effective_at, f.applied, f.perf_ended_at, f.performed,
	f.closed_at, f.handling_days, f.ratings, f.satisfied`

// scanFacts reads the facts of factsSumsColumns, the units as stored.
func scanFacts(scan func(dest ...any) error) (*petitions.CaseFacts, error) {
	f := &petitions.CaseFacts{}
	var kind string
	var at [7]*int64
	var days *int
	err := scan(&f.CaseID, &f.Registered, &kind, &f.LeadUnit, &f.StationUnit, &f.VillageUnit, &f.Owner,
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

// storedFacts returns what the sums count of the stored facts of case id,
// with its mediators, or nil if it has none.
func storedFacts(ctx context.Context, tx *sql.Tx, id string) (*petitions.CaseFacts, error) {
	f, err := scanFacts(tx.QueryRowContext(ctx, `SELECT `+factsSumsColumns+` FROM case_facts f WHERE f.case_id = ?`, id).Scan)
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

// upsertSums adds the counts of one row of sums (?7…) to its row (?1…?6),
// making it if need be.
var upsertSums = func() string {
	cols := petitions.SumsColumns
	params := make([]string, len(cols))
	set := make([]string, len(cols))
	for i, c := range cols {
		params[i] = "?"
		set[i] = c + " = " + c + " + excluded." + c
	}
	return `INSERT INTO case_fact_sums (scope, bucket, grp, lead_unit, station_unit, village_unit, ` +
		strings.Join(cols, ", ") + `) VALUES (?, ?, ?, ?, ?, ?, ` + strings.Join(params, ", ") + `)
		ON CONFLICT (scope, bucket, grp, lead_unit, station_unit, village_unit) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// addSums adds s to the sums tables, a statement per changed row. SQLite
// has one writer at a time: the order of the rows does not matter here.
func addSums(ctx context.Context, tx *sql.Tx, s *petitions.FactSums) error {
	rows, days := s.Changed()
	for _, k := range rows {
		args := []any{k.Scope, k.Bucket, k.Group, k.Lead, k.Station, k.Village}
		for _, n := range s.Rows[k] {
			args = append(args, n)
		}
		if _, err := tx.ExecContext(ctx, upsertSums, args...); err != nil {
			return err
		}
	}
	for _, k := range days {
		_, err := tx.ExecContext(ctx, `INSERT INTO case_fact_handling_sums
			(scope, bucket, lead_unit, station_unit, village_unit, days, n) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (scope, bucket, lead_unit, station_unit, village_unit, days) DO UPDATE SET n = n + excluded.n`,
			k.Scope, k.Bucket, k.Lead, k.Station, k.Village, k.Days, s.Handling[k])
		if err != nil {
			return err
		}
	}
	return nil
}

// RebuildFactSums recomputes the sums of the facts (case_fact_sums,
// case_fact_handling_sums) from the facts of every case, in one
// transaction: after facts were loaded without SaveFacts, or to repair
// them.
func (db *DB) RebuildFactSums(ctx context.Context) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		mediators := map[string][]petitions.MediatorFacts{}
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
			mediators[id] = append(mediators[id], m)
		}
		if err := rows.Close(); err != nil {
			return internal(err, "fact sums: mediators")
		}
		sums := petitions.NewFactSums()
		rows, err = tx.QueryContext(ctx, `SELECT `+factsSumsColumns+` FROM case_facts f`)
		if err != nil {
			return internal(err, "fact sums: facts")
		}
		for rows.Next() {
			f, err := scanFacts(rows.Scan)
			if err != nil {
				rows.Close()
				return internal(err, "fact sums: facts")
			}
			f.Mediators = mediators[f.CaseID]
			sums.Add(f, 1)
		}
		if err := rows.Close(); err != nil {
			return internal(err, "fact sums: facts")
		}
		for _, t := range []string{"case_fact_sums", "case_fact_handling_sums"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return internal(err, "fact sums: clear %s", t)
			}
		}
		if err := addSums(ctx, tx, sums); err != nil {
			return internal(err, "fact sums: write")
		}
		return nil
	})
}
