package sqlite

import (
	"context"
	"database/sql"
	"time"

	"hearingroom/petitions"
)

// SaveFacts stores the statistics facts of a case; see petitions.Store.
func (db *DB) SaveFacts(ctx context.Context, f *petitions.CaseFacts) error {
	return db.inTx(ctx, func(tx *wtx) error {
		var stored sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT (SELECT version FROM case_facts WHERE case_id = ?1)
			FROM petitions WHERE id = ?1`, f.CaseID).Scan(&stored)
		if err == sql.ErrNoRows {
			return petitions.Errorf(petitions.ENOTFOUND, "Case %s not found.", f.CaseID)
		}
		if err != nil {
			return internal(err, "case %s: facts version", f.CaseID)
		}
		if stored.Valid && stored.Int64 > f.Version {
			return nil
		}
		return db.writeFacts(ctx, tx, f)
	})
}

// writeFacts replaces the facts of case f.CaseID by f, and the case's
// counts in the sums by f's, inside the caller's transaction.
func (db *DB) writeFacts(ctx context.Context, tx *wtx, f *petitions.CaseFacts) error {
	old, err := storedFacts(ctx, tx, f.CaseID)
	if err != nil {
		return err
	}
	sums, err := db.replaceFacts(ctx, tx, old, f)
	if err != nil {
		return err
	}
	if err := addSums(ctx, tx, sums); err != nil {
		return internal(err, "case %s: sums", f.CaseID)
	}
	return nil
}

// writeNewFacts writes the facts f of a case created in tx, which has none
// yet, and returns what they add to the sums, for the caller to write.
func (db *DB) writeNewFacts(ctx context.Context, tx *wtx, f *petitions.CaseFacts) (*petitions.FactSums, error) {
	return db.replaceFacts(ctx, tx, nil, f)
}

// replaceFacts replaces the facts old (nil for none) of case f.CaseID by f
// and returns the change to the sums.
func (db *DB) replaceFacts(ctx context.Context, tx *wtx, old, f *petitions.CaseFacts) (*petitions.FactSums, error) {
	station, village, err := resolveOrigin(ctx, tx, f.CaseID, f.Station, f.Village)
	if err != nil {
		return nil, err
	}
	sums := petitions.NewFactSums()
	if old != nil {
		if old.Within, err = db.within(ctx, tx, old.LeadUnit, old.StationUnit, old.VillageUnit); err != nil {
			return nil, err
		}
		sums.Add(old, -1)
	}
	nf := *f
	nf.StationUnit, nf.VillageUnit = station, village
	if nf.Within, err = db.within(ctx, tx, nf.LeadUnit, station, village); err != nil {
		return nil, err
	}
	sums.Add(&nf, 1)
	for _, t := range []string{"case_fact_mediators", "case_fact_supervisions", "case_fact_summons", "case_facts"} {
		if old == nil { // the facts' rows are written together: none without case_facts
			break
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE case_id = ?`, f.CaseID); err != nil {
			return nil, internal(err, "case %s: %s", f.CaseID, t)
		}
	}
	var days any
	if f.HasHandling {
		days = f.HandlingDays
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO case_facts (case_id, version, registered, kind, lead_unit,
		station_unit, village_unit, owner, received_at, repeat_links, headcount, accept_due_day, accept_decided,
		accept_on_time, accept_passed, replied_at, replied_on_time, accepted_at, resolved, effective_at, applied,
		perf_ended_at, performed, active, running_passed, running_day, closed_at, handling_days, ratings, satisfied)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.CaseID, f.Version, f.Registered, string(f.Kind), f.LeadUnit, station, village, f.Owner,
		micro(f.ReceivedAt), f.RepeatLinks, f.Headcount, micro(f.AcceptDueDay), f.AcceptDecided, f.AcceptOnTime,
		micro(f.AcceptPassed), micro(f.RepliedAt), f.RepliedOnTime, micro(f.AcceptedAt), f.Resolved,
		micro(f.EffectiveAt), f.Applied, micro(f.PerfEndedAt), f.Performed, f.Active, micro(f.RunningPassed),
		micro(f.RunningDay), micro(f.ClosedAt), days, f.Ratings, f.Satisfied)
	if err != nil {
		return nil, internal(err, "case %s: facts", f.CaseID)
	}
	for _, m := range f.Mediators {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_fact_mediators (case_id, mediator, ratings, satisfied)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, f.CaseID, m.ID, m.Ratings, m.Satisfied); err != nil {
			return nil, internal(err, "case %s: mediator facts", f.CaseID)
		}
	}
	for i, s := range f.Supervisions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_fact_supervisions (case_id, n, issued_at, passed, answered_at,
			on_time, adopted, registered, lead_unit, station_unit, village_unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.CaseID, i, s.IssuedAt.UnixMicro(), s.Passed.UnixMicro(), micro(s.AnsweredAt), s.OnTime, s.Adopted,
			f.Registered, f.LeadUnit, station, village); err != nil {
			return nil, internal(err, "case %s: supervision facts", f.CaseID)
		}
	}
	for i, s := range f.Summons {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_fact_summons (case_id, n, level, unit, issued_at, due,
			reported_at, on_time, minutes, registered, lead_unit, station_unit, village_unit)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.CaseID, i, string(s.Level), s.Unit, s.IssuedAt.UnixMicro(), micro(s.Due), micro(s.ReportedAt), s.OnTime,
			s.Minutes, f.Registered, f.LeadUnit, station, village); err != nil {
			return nil, internal(err, "case %s: summons facts", f.CaseID)
		}
	}
	return sums, nil
}

// micro returns t in Unix microseconds, nil for the zero time.
func micro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}
