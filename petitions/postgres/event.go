package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// AppendEvent seals ev and appends it to the history; see petitions.Store.
// It is committed in a batch of the appender.
func (db *DB) AppendEvent(ctx context.Context, ev *petitions.Event) error {
	if ev == nil {
		return petitions.Errorf(petitions.EINVALID, "No event given.")
	}
	it := &appendItem{write: func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error) {
		if ev.CaseID != "" {
			var exists bool
			// FOR KEY SHARE: the case cannot vanish before the event is in.
			err := tx.QueryRow(ctx, `SELECT true FROM petitions WHERE id = $1 FOR KEY SHARE`, ev.CaseID).Scan(&exists)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", ev.CaseID)
			}
			if err != nil {
				return nil, internal(err, "event: find case %s", ev.CaseID)
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

// appendLock serialises appends to the history of the current schema: the
// next event is sealed on the last one, so two appends cannot overlap. It is
// a transaction-level lock, released at commit, taken last in every write
// transaction (in a batch of the appender, after every item's writes) so
// that it cannot take part in a deadlock. Several servers on one database
// serialise on it too.
const appendLock = `SELECT pg_advisory_xact_lock(hashtextextended('hearingroom.ledger:' || coalesce(current_schema(), ''), 0))`

// appendEvent seals ev after the last event of the ledger and of its case, as
// tx sees them once it holds appendLock, and inserts it: the append of a
// write transaction of its own, outside the appender (MarkDelivered). On any error ev is
// left unchanged. A lost race for a sequence number (a writer that does not
// take the lock) fails the transaction with errRetry, and inTx runs it again.
func appendEvent(ctx context.Context, tx pgx.Tx, ev *petitions.Event) error {
	if _, err := tx.Exec(ctx, appendLock); err != nil {
		return internal(err, "event: lock the history")
	}
	prev, err := lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return internal(err, "event: read the last event")
	}
	var casePrev *petitions.Event
	if ev.CaseID != "" {
		casePrev, err = lastEvent(ctx, tx, lastCaseEventQuery, ev.CaseID)
		if err != nil {
			return internal(err, "event: read the last event of case %s", ev.CaseID)
		}
	}
	sealed := *ev
	if err := petitions.Seal(prev, casePrev, &sealed); err != nil {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The event cannot be recorded: %v.", err), err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO ledger_events
		(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		sealed.Seq, sealed.CaseID, sealed.CaseSeq, sealed.Kind, sealed.Actor, sealed.ActorRole,
		sealed.At, string(sealed.Data), sealed.PrevHash, sealed.CasePrevHash, sealed.Hash, sealed.CaseHash)
	if c := uniqueViolation(err); c == "ledger_events_pkey" || c == "ledger_events_case" {
		return fmt.Errorf("event %d: %w: %w", sealed.Seq, errRetry, err)
	}
	if badText(err) {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The event holds text the database cannot keep."), err)
	}
	if err != nil {
		return internal(err, "event %d: insert", sealed.Seq)
	}
	*ev = sealed
	return nil
}

const eventColumns = `seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash`

// scanEvent reads one row of eventColumns into e, reusing e.Data's storage.
func scanEvent(row pgx.Row, e *petitions.Event) error {
	var data []byte
	if err := row.Scan(&e.Seq, &e.CaseID, &e.CaseSeq, &e.Kind, &e.Actor, &e.ActorRole, &e.At, &data,
		&e.PrevHash, &e.CasePrevHash, &e.Hash, &e.CaseHash); err != nil {
		return err
	}
	e.At = e.At.UTC()
	e.Data = append(e.Data[:0], data...)
	return nil
}

func lastEvent(ctx context.Context, tx pgx.Tx, query string, args ...any) (*petitions.Event, error) {
	var e petitions.Event
	err := scanEvent(tx.QueryRow(ctx, query, args...), &e)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Events returns the history of one case; see petitions.Store.
func (db *DB) Events(ctx context.Context, caseID string) ([]*petitions.Event, error) {
	var events []*petitions.Event
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return internal(err, "events of %s", caseID)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		var exists bool
		err = tx.QueryRow(ctx, `SELECT true FROM petitions WHERE id = $1`, caseID).Scan(&exists)
		if errors.Is(err, pgx.ErrNoRows) {
			return petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", caseID)
		}
		if err != nil {
			return internal(err, "events of %s", caseID)
		}
		rows, err := tx.Query(ctx, caseEventsQuery, caseID)
		if err != nil {
			return internal(err, "events of %s", caseID)
		}
		events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Event, error) {
			e := new(petitions.Event)
			return e, scanEvent(r, e)
		})
		if err != nil {
			return internal(err, "events of %s", caseID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []*petitions.Event{}
	}
	return events, nil
}
