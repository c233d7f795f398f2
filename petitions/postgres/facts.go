package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/factsql"
)

// SaveFacts stores the statistics facts of a case; see petitions.Store.
func (db *DB) SaveFacts(ctx context.Context, f *petitions.CaseFacts) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// The case's row is locked: facts of one case are written one at a time.
		var stored *int64
		err := tx.QueryRow(ctx, `SELECT (SELECT version FROM case_facts WHERE case_id = $1)
			FROM petitions WHERE id = $1 FOR UPDATE`, f.CaseID).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return petitions.Errorf(petitions.ENOTFOUND, "Case %s not found.", f.CaseID)
		}
		if err != nil {
			return internal(err, "case %s: facts version", f.CaseID)
		}
		if stored != nil && *stored > f.Version {
			return nil
		}
		return db.writeFacts(ctx, tx, f)
	})
}

// writeFacts replaces the facts of case f.CaseID by f, and the case's
// counts in the sums by f's, inside the caller's transaction, in two round
// trips: one reads the origin's units and the stored facts, the other
// writes. (A new case's facts are written with it: see createItem.)
func (db *DB) writeFacts(ctx context.Context, tx pgx.Tx, f *petitions.CaseFacts) error {
	station, village, old, err := readFactsState(ctx, tx, f)
	if err != nil {
		return err
	}
	sums := petitions.NewFactSums()
	if old != nil {
		if old.Within, err = db.within(ctx, tx, old.LeadUnit, old.StationUnit, old.VillageUnit); err != nil {
			return err
		}
		sums.Add(old, -1)
	}
	nf := *f
	nf.StationUnit, nf.VillageUnit = station, village
	if nf.Within, err = db.within(ctx, tx, nf.LeadUnit, station, village); err != nil {
		return err
	}
	sums.Add(&nf, 1)
	b := &pgx.Batch{}
	if old != nil { // the facts' rows are written together: none without case_facts
		for _, t := range []string{"case_fact_mediators", "case_fact_supervisions", "case_fact_summons", "case_facts"} {
			b.Queue(`DELETE FROM `+t+` WHERE case_id = $1`, f.CaseID)
		}
	}
	var units [2]string
	queueFactsRows(b, f, &units)
	queueSums(b, sums)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return internal(err, "case %s: facts", f.CaseID)
	}
	return nil
}

// queueFactsRows queues in b the inserts of the facts f: case_facts, with
// its station's and village's units resolved in SQL as writeListing
// resolves them and returned into units, then its mediators, supervisions
// and summons, which carry the case's units.
func queueFactsRows(b *pgx.Batch, f *petitions.CaseFacts, units *[2]string) {
	var days any
	if f.HasHandling {
		days = f.HandlingDays
	}
	b.Queue(`INSERT INTO case_facts (case_id, version, registered, kind, lead_unit,
		station_unit, village_unit, owner, received_at, repeat_links, headcount, accept_due_day, accept_decided,
		accept_on_time, accept_passed, replied_at, replied_on_time, accepted_at, resolved, effective_at, applied,
		perf_ended_at, performed, active, running_passed, running_day, closed_at, handling_days, ratings, satisfied)
		VALUES ($1, $2, $3, $4, $5,
			coalesce((SELECT unit FROM stations WHERE id = $6 AND $6 <> ''), ''),
			coalesce((SELECT id FROM units WHERE $7 <> '' AND (id = $7 OR code = $7 OR name = $7)
				ORDER BY id <> $7, code <> $7, id LIMIT 1), ''),
			$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)
		RETURNING station_unit, village_unit`,
		f.CaseID, f.Version, f.Registered, string(f.Kind), f.LeadUnit, f.Station, f.Village, f.Owner,
		micro(f.ReceivedAt), f.RepeatLinks, f.Headcount, micro(f.AcceptDueDay), f.AcceptDecided, f.AcceptOnTime,
		micro(f.AcceptPassed), micro(f.RepliedAt), f.RepliedOnTime, micro(f.AcceptedAt), f.Resolved,
		micro(f.EffectiveAt), f.Applied, micro(f.PerfEndedAt), f.Performed, f.Active, micro(f.RunningPassed),
		micro(f.RunningDay), micro(f.ClosedAt), days, f.Ratings, f.Satisfied).QueryRow(func(row pgx.Row) error {
		return row.Scan(&units[0], &units[1])
	})
	for _, m := range f.Mediators {
		b.Queue(`INSERT INTO case_fact_mediators (case_id, mediator, ratings, satisfied)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, f.CaseID, m.ID, m.Ratings, m.Satisfied)
	}
	for i, s := range f.Supervisions {
		b.Queue(`INSERT INTO case_fact_supervisions (case_id, n, issued_at, passed, answered_at, on_time, adopted,
			registered, lead_unit, station_unit, village_unit)
			SELECT $1, $2, $3, $4, $5, $6, $7, f.registered, f.lead_unit, f.station_unit, f.village_unit
			FROM case_facts f WHERE f.case_id = $1`,
			f.CaseID, i, s.IssuedAt.UnixMicro(), s.Passed.UnixMicro(), micro(s.AnsweredAt), s.OnTime, s.Adopted)
	}
	for i, s := range f.Summons {
		b.Queue(`INSERT INTO case_fact_summons (case_id, n, level, unit, issued_at, due, reported_at, on_time, minutes,
			registered, lead_unit, station_unit, village_unit)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, f.registered, f.lead_unit, f.station_unit, f.village_unit
			FROM case_facts f WHERE f.case_id = $1`,
			f.CaseID, i, string(s.Level), s.Unit, s.IssuedAt.UnixMicro(), micro(s.Due), micro(s.ReportedAt), s.OnTime,
			s.Minutes)
	}
}

// newFactsSums returns what the facts f of a new case, whose station and
// village resolved to units, add to the sums.
func (db *DB) newFactsSums(ctx context.Context, tx pgx.Tx, f *petitions.CaseFacts, units [2]string) (*petitions.FactSums, error) {
	nf := *f
	nf.StationUnit, nf.VillageUnit = units[0], units[1]
	var err error
	if nf.Within, err = db.within(ctx, tx, nf.LeadUnit, units[0], units[1]); err != nil {
		return nil, err
	}
	sums := petitions.NewFactSums()
	sums.Add(&nf, 1)
	return sums, nil
}

// readFactsState reads, in one round trip, what writeFacts needs: the
// units f's station and village resolve to (as writeListing resolves them)
// and the case's stored facts, nil if none.
func readFactsState(ctx context.Context, tx pgx.Tx, f *petitions.CaseFacts) (station, village string, old *petitions.CaseFacts, err error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT coalesce((SELECT unit FROM stations WHERE id = $1 AND $1 <> ''), ''),
		coalesce((SELECT id FROM units WHERE $2 <> '' AND (id = $2 OR code = $2 OR name = $2)
			ORDER BY id <> $2, code <> $2, id LIMIT 1), '')`, f.Station, f.Village).QueryRow(func(row pgx.Row) error {
		return row.Scan(&station, &village)
	})
	b.Queue(`SELECT `+factsql.FactsColumns+` FROM case_facts f WHERE f.case_id = $1`, f.CaseID).QueryRow(func(row pgx.Row) error {
		o, err := factsql.ScanFacts(row.Scan)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		old = o
		return err
	})
	var mediators []petitions.MediatorFacts
	b.Queue(`SELECT mediator, ratings, satisfied FROM case_fact_mediators WHERE case_id = $1`, f.CaseID).Query(func(rows pgx.Rows) error {
		var err error
		mediators, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (petitions.MediatorFacts, error) {
			var m petitions.MediatorFacts
			err := row.Scan(&m.ID, &m.Ratings, &m.Satisfied)
			return m, err
		})
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return "", "", nil, internal(err, "case %s: facts' units and stored facts", f.CaseID)
	}
	if old != nil {
		old.Mediators = mediators
	}
	return station, village, old, nil
}

// micro returns t in Unix microseconds, nil for the zero time.
func micro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}
