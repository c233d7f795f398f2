package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"hearingroom/petitions"
)

// AppendEvent seals ev and appends it to the history; see petitions.Store.
// It is committed in a batch of the appender.
func (db *DB) AppendEvent(ctx context.Context, ev *petitions.Event) error {
	if ev == nil {
		return petitions.Errorf(petitions.EINVALID, "No event given.")
	}
	it := &appendItem{write: func(ctx context.Context, tx *wtx) (*petitions.Event, error) {
		if ev.CaseID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM petitions WHERE id = ?`, ev.CaseID).Scan(&n); err != nil {
				return nil, internal(err, "event: find case %s", ev.CaseID)
			}
			if n == 0 {
				return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", ev.CaseID)
			}
		}
		e := *ev
		return &e, nil
	}}
	if err := db.append(ctx, it); err != nil {
		return err
	}
	*ev = *it.sealed
	return nil
}

// appendEvent seals ev after the last event of the ledger and of its case, as
// tx sees them, and inserts it: the append of a write transaction of its
// own, outside the appender (MarkDelivered). On any error ev is left unchanged. A lost race
// for a sequence number (another writer on the file) wraps errRetry.
func appendEvent(ctx context.Context, tx *wtx, ev *petitions.Event) error {
	prev, err := lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return internal(err, "event: read the last event")
	}
	var casePrev *petitions.Event
	if ev.CaseID != "" {
		// "case_id <> ''" lets SQLite use the partial index on case events.
		casePrev, err = lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events WHERE case_id = ? AND case_id <> '' ORDER BY case_seq DESC LIMIT 1`, ev.CaseID)
		if err != nil {
			return internal(err, "event: read the last event of case %s", ev.CaseID)
		}
	}
	sealed := *ev
	if err := petitions.Seal(prev, casePrev, &sealed); err != nil {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The event cannot be recorded: %v.", err), err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ledger_events
		(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sealed.Seq, sealed.CaseID, sealed.CaseSeq, sealed.Kind, sealed.Actor, sealed.ActorRole,
		sealed.At.UnixMicro(), string(sealed.Data), sealed.PrevHash, sealed.CasePrevHash, sealed.Hash, sealed.CaseHash)
	if isUnique(err) {
		return fmt.Errorf("event %d: %w: %w", sealed.Seq, errRetry, err)
	}
	if err != nil {
		return internal(err, "event %d: insert", sealed.Seq)
	}
	*ev = sealed
	return nil
}

const eventColumns = `seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash`

// scanEvent reads one row of eventColumns into e, reusing e.Data's storage.
func scanEvent(row interface{ Scan(...any) error }, e *petitions.Event) error {
	var at int64
	var data sql.RawBytes
	if err := row.Scan(&e.Seq, &e.CaseID, &e.CaseSeq, &e.Kind, &e.Actor, &e.ActorRole, &at, &data,
		&e.PrevHash, &e.CasePrevHash, &e.Hash, &e.CaseHash); err != nil {
		return err
	}
	e.At = time.UnixMicro(at).UTC()
	e.Data = append(e.Data[:0], data...)
	return nil
}

func lastEvent(ctx context.Context, tx *wtx, query string, args ...any) (*petitions.Event, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var e petitions.Event
	if err := scanEvent(rows, &e); err != nil {
		return nil, err
	}
	return &e, rows.Close()
}

// Events returns the history of one case; see petitions.Store.
func (db *DB) Events(ctx context.Context, caseID string) ([]*petitions.Event, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, internal(err, "events of %s", caseID)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM petitions WHERE id = ?`, caseID).Scan(&n); err != nil {
		return nil, internal(err, "events of %s", caseID)
	}
	if n == 0 {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", caseID)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM ledger_events WHERE case_id = ? AND case_id <> '' ORDER BY case_seq`, caseID)
	if err != nil {
		return nil, internal(err, "events of %s", caseID)
	}
	defer rows.Close()
	events := []*petitions.Event{}
	for rows.Next() {
		e := new(petitions.Event)
		if err := scanEvent(rows, e); err != nil {
			return nil, internal(err, "events of %s", caseID)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "events of %s", caseID)
	}
	return events, nil
}
