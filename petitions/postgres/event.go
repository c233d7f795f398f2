package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// AppendEvent seals ev and appends it to the history; see petitions.Store.
func (db *DB) AppendEvent(ctx context.Context, ev *petitions.Event) error {
	if ev == nil {
		return petitions.Errorf(petitions.EINVALID, "No event given.")
	}
	var e petitions.Event
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if ev.CaseID != "" {
			var exists bool
			// FOR KEY SHARE: the case cannot vanish before the event is in.
			err := tx.QueryRow(ctx, `SELECT true FROM petitions WHERE id = $1 FOR KEY SHARE`, ev.CaseID).Scan(&exists)
			if errors.Is(err, pgx.ErrNoRows) {
				return petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", ev.CaseID)
			}
			if err != nil {
				return internal(err, "event: find case %s", ev.CaseID)
			}
		}
		e = *ev
		return appendEvent(ctx, tx, &e)
	})
	if err != nil {
		return err
	}
	*ev = e
	return nil
}

// appendLock serialises appends to the history of the current schema: the
// next event is sealed on the last one, so two appends cannot overlap. It is
// a transaction-level lock, released at commit, taken last in every write
// transaction so that it cannot take part in a deadlock.
const appendLock = `SELECT pg_advisory_xact_lock(hashtextextended('hearingroom.ledger:' || coalesce(current_schema(), ''), 0))`

// appendEvent seals ev after the last event of the ledger and of its case, as
// tx sees them once it holds appendLock, and inserts it. On any error ev is
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
		casePrev, err = lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events WHERE case_id = $1 ORDER BY case_seq DESC LIMIT 1`, ev.CaseID)
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
		rows, err := tx.Query(ctx, `SELECT `+eventColumns+` FROM ledger_events WHERE case_id = $1 ORDER BY case_seq`, caseID)
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

// scanBatch is how many events ScanEvents reads per query: the history is
// read in keyset pages (seq >= next, by seq), so no query or transaction
// stays open over the whole of it, and the history is append-only, so the
// pages join without a gap.
const scanBatch = 10000

// ScanEvents streams the history from fromSeq; see petitions.Store. A
// goroutine reads the next batch while fn runs over the current one, so
// that decoding the rows and what fn does (verifying the chain) overlap.
func (db *DB) ScanEvents(ctx context.Context, fromSeq int64, fn func(*petitions.Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []petitions.Event, 1)
	read := make(chan error, 1)
	go func() {
		defer close(batches)
		next := max(fromSeq, 1)
		for {
			b, err := db.scanBatch(ctx, next)
			if err != nil {
				read <- err
				return
			}
			if len(b) > 0 {
				select {
				case batches <- b:
				case <-ctx.Done():
					read <- nil // the reader stopped
					return
				}
			}
			if len(b) < scanBatch {
				read <- nil
				return
			}
			next = b[len(b)-1].Seq + 1
		}
	}()
	var stop error
	for b := range batches {
		for i := 0; i < len(b) && stop == nil; i++ {
			stop = fn(&b[i])
		}
		if stop != nil {
			cancel()
			for range batches {
			}
			<-read
			return stop
		}
	}
	return <-read
}

// scanBatch reads up to scanBatch events from seq from on.
func (db *DB) scanBatch(ctx context.Context, from int64) ([]petitions.Event, error) {
	b := make([]petitions.Event, 0, scanBatch)
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+eventColumns+` FROM ledger_events WHERE seq >= $1 ORDER BY seq LIMIT $2`, from, scanBatch)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b = append(b, petitions.Event{})
			if err := scanEvent(rows, &b[len(b)-1]); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, internal(err, "scan events from %d", from)
	}
	return b, nil
}
