package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hearingroom/petitions"
	"hearingroom/petitions/groupcommit"
)

// The appender is the group commit of the history. A write that appends an
// event (CreatePetition, UpdatePetition, AppendEvent, LinkSession) is an
// appendItem queued to one goroutine per DB, which runs the items waiting
// together as one batch in one transaction:
//
//  1. each item's own writes, all of them first without savepoints (the
//     statements of the items that queue them in one round trip); if one
//     fails, the transaction is rolled back and the batch runs again with
//     each item under a SAVEPOINT: an item that fails is rolled back to it
//     and gets its own error, the others go on;
//  2. the statistics sums of the items' new facts, added up and written
//     once, rows in a fixed order;
//  3. appendLock, taken once and last (no row is locked after it, so it
//     cannot take part in a deadlock); the last event of the ledger and of
//     each case read inside the transaction, never remembered from an
//     earlier batch (other servers append too);
//  4. each item's event sealed on the one before, in item order, and all
//     inserted in one round trip;
//  5. one commit, whose outcome every item of the batch learns.
//
// The history is then exactly what the items appended one at a time would
// have made, and a reader sees all of a batch or none of it. One flush
// serves the whole batch: that is what lets many officials register at once.

// maxBatch bounds the items of a batch. Each item is a subtransaction, and
// PostgreSQL tracks up to 64 of those per transaction cheaply.
const maxBatch = 32

// appenders is how many batches run at once: while one holds appendLock
// to seal and commit, the next writes its cases (the writes are most of a
// batch's time, and need no lock but their rows'). Two batches thus
// contend as two servers would, and the history is sealed in commit order.
const appenders = 2

// appendItem is one write transaction of the history, run by the appender.
type appendItem struct {
	// write does the item's writes in tx and returns the event to append,
	// CaseID set and unsealed, or nil to append none. It may run more than
	// once (a batch that lost a race runs again) and must not keep state
	// between runs.
	write func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error)
	// newCase says that the event is the first of a case that write
	// created, so that it has no previous case event to look up.
	newCase bool
	// sums, if write sets it, is what its facts add to the statistics
	// sums: the batch writes those of its items together. Reset before
	// each run.
	sums *petitions.FactSums
	// queue and after, if set, are write in two halves: the statements,
	// queued, and what follows once they ran. A batch run without
	// savepoints sends the statements of all its items in one round trip.
	queue func(b *pgx.Batch)
	after func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error)

	sealed *petitions.Event // on success, the event as stored
}

// errRedo marks a batch to run again without the items that failed in it.
var errRedo = errors.New("postgres: run the batch again")

// errSavepoints marks a batch run without savepoints in which an item
// failed: it runs again with them, so that the item fails alone.
var errSavepoints = errors.New("postgres: run the batch again with savepoints")

// errClosed is what an append gets once the DB is closed.
var errClosed = petitions.Errorf(petitions.EINTERNAL, "The ledger database is closed.")

// item is an appendItem in the appender's queue.
type item = groupcommit.Item[*appendItem]

// newAppender starts the store's appender, which runs its batches.
func newAppender(db *DB) *groupcommit.Queue[*appendItem] {
	return groupcommit.NewParallel(maxBatch, appenders, func(batch []*item) { db.runBatch(context.Background(), batch) })
}

// append queues it to the appender and waits for its outcome (see
// groupcommit.Queue.Do).
func (db *DB) append(ctx context.Context, it *appendItem) error {
	err := db.app.Do(ctx, it)
	if errors.Is(err, groupcommit.ErrClosed) {
		return errClosed
	}
	if err != nil {
		return internal(err, "append")
	}
	return nil
}

// runBatch runs items as one transaction (or more: see errRedo and
// errRetry) and finishes each of them.
func (db *DB) runBatch(ctx context.Context, items []*item) {
	live := items[:0:0]
	for _, it := range items {
		if err := it.Ctx.Err(); err != nil {
			it.Finish(internal(err, "append"))
			continue
		}
		live = append(live, it)
	}
	retries, savepoints := 0, false
	for len(live) > 0 {
		var err error
		live, err = db.batch1(ctx, live, savepoints)
		switch {
		case err == nil:
			for _, it := range live {
				it.Finish(nil)
			}
			return
		case errors.Is(err, errSavepoints):
			savepoints = true
		case errors.Is(err, errRedo):
		case errors.Is(err, errRetry) && retries < maxRetries:
			retries++
		default:
			for _, it := range live {
				it.Finish(err)
			}
			return
		}
	}
}

// batch1 runs items in one transaction, each under a savepoint if
// savepoints. It finishes the items that fail on their own and returns the
// others: committed if err is nil, to run again if err wraps errRedo,
// errRetry or errSavepoints, failed with err otherwise.
func (db *DB) batch1(ctx context.Context, items []*item, savepoints bool) ([]*item, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return items, internal(err, "begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	// 1. Each item's writes, under a savepoint if asked (never for a batch
	// of one, whose failure is the transaction's).
	live := items[:0:0]
	var events []*petitions.Event
	savepoints = savepoints && len(items) > 1
	together := !savepoints && len(items) > 1
	if together {
		// The statements of the items that queue theirs, in one round
		// trip; any failure is found again item by item, with savepoints.
		b := &pgx.Batch{}
		for _, it := range items {
			if it.Job.queue != nil {
				it.Job.queue(b)
			}
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			if retryable(err) {
				return items, fmt.Errorf("%w: %w", errRetry, err)
			}
			return items, fmt.Errorf("%w: %w", errSavepoints, err)
		}
	}
	for i, it := range items {
		it.Job.sums = nil
		if savepoints {
			sp := `SAVEPOINT item`
			if i > 0 {
				sp = `RELEASE SAVEPOINT item; SAVEPOINT item`
			}
			if _, err := tx.Exec(ctx, sp); err != nil {
				return append(live, items[i:]...), internal(err, "savepoint")
			}
		}
		write := it.Job.write
		if together && it.Job.queue != nil {
			write = it.Job.after
		}
		ev, err := write(ctx, tx)
		if err == nil && ev != nil {
			err = checkSealable(ev)
		}
		if retryable(err) {
			return append(live, items[i:]...), fmt.Errorf("%w: %w", errRetry, err)
		}
		if err != nil && !savepoints && len(items) > 1 {
			return items, fmt.Errorf("%w: %w", errSavepoints, err)
		}
		if err != nil {
			it.Finish(err)
			if !savepoints {
				continue
			}
			if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT item`); rerr != nil {
				return append(live, items[i+1:]...), internal(rerr, "roll back to savepoint")
			}
			continue
		}
		live, events = append(live, it), append(events, ev)
	}
	if len(live) == 0 {
		return nil, nil
	}

	// 2. The sums of the live items' facts, together.
	sums := petitions.NewFactSums()
	for _, it := range live {
		if it.Job.sums != nil {
			sums.Merge(it.Job.sums)
		}
	}
	if b := (&pgx.Batch{}); queueSums(b, sums) > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			if retryable(err) {
				return live, fmt.Errorf("%w: %w", errRetry, err)
			}
			return live, internal(err, "facts: sums")
		}
	}

	// 3. The lock, then the last events as the transaction sees them.
	if _, err := tx.Exec(ctx, appendLock); err != nil {
		return live, internal(err, "event: lock the history")
	}
	prev, err := lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return live, internal(err, "event: read the last event")
	}
	caseTip, err := lastCaseEvents(ctx, tx, live, events)
	if err != nil {
		return live, err
	}

	// 4. Seal in item order and insert.
	sealed := make([]*petitions.Event, len(live))
	b := &pgx.Batch{}
	for i, ev := range events {
		if ev == nil {
			continue
		}
		s := *ev
		if err := petitions.Seal(prev, caseTip[s.CaseID], &s); err != nil {
			return live, internal(err, "event: seal") // checkSealable let it through: a bug
		}
		sealed[i], prev = &s, &s
		if s.CaseID != "" {
			caseTip[s.CaseID] = &s
		}
		b.Queue(`INSERT INTO ledger_events
			(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			s.Seq, s.CaseID, s.CaseSeq, s.Kind, s.Actor, s.ActorRole, s.At, string(s.Data),
			s.PrevHash, s.CasePrevHash, s.Hash, s.CaseHash)
	}
	if b.Len() > 0 {
		if err := insertEvents(ctx, tx, b, live, sealed); err != nil {
			return dropFailed(live), err
		}
	}

	// 5. One commit for all.
	if err := tx.Commit(ctx); err != nil {
		return live, internal(err, "commit")
	}
	for i, it := range live {
		it.Job.sealed = sealed[i]
	}
	return live, nil
}

// checkSealable returns the error Seal would give ev whatever came before
// it: an event Seal refuses fails its item before the lock is taken.
func checkSealable(ev *petitions.Event) error {
	s := *ev
	if err := petitions.Seal(nil, nil, &s); err != nil {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The event cannot be recorded: %v.", err), err)
	}
	return nil
}

// The queries of a case's events. "case_id <> ”" lets PostgreSQL use the
// partial index on case events (ledger_events_case) whatever the plan:
// without it a generic plan scans the whole history (seconds at 10 M).
const (
	lastCaseEventsQuery = `SELECT ` + eventColumns + ` FROM unnest($1::text[]) AS c(id)
		CROSS JOIN LATERAL (SELECT * FROM ledger_events WHERE case_id = c.id AND case_id <> ''
			ORDER BY case_seq DESC LIMIT 1) e`
	lastCaseEventQuery = `SELECT ` + eventColumns + ` FROM ledger_events WHERE case_id = $1 AND case_id <> ''
		ORDER BY case_seq DESC LIMIT 1`
	caseEventsQuery = `SELECT ` + eventColumns + ` FROM ledger_events WHERE case_id = $1 AND case_id <> ''
		ORDER BY case_seq`
)

// lastCaseEvents returns the last stored event of each case the events
// append to, but for the cases created in this batch, in one query.
func lastCaseEvents(ctx context.Context, tx pgx.Tx, items []*item, events []*petitions.Event) (map[string]*petitions.Event, error) {
	tip := map[string]*petitions.Event{}
	var ids []string
	for i, ev := range events {
		if ev != nil && ev.CaseID != "" && !items[i].Job.newCase {
			ids = append(ids, ev.CaseID)
		}
	}
	if len(ids) == 0 {
		return tip, nil
	}
	rows, err := tx.Query(ctx, lastCaseEventsQuery, ids)
	if err != nil {
		return nil, internal(err, "event: read the last events of %d cases", len(ids))
	}
	defer rows.Close()
	for rows.Next() {
		e := new(petitions.Event)
		if err := scanEvent(rows, e); err != nil {
			return nil, internal(err, "event: read the last events of %d cases", len(ids))
		}
		tip[e.CaseID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "event: read the last events of %d cases", len(ids))
	}
	return tip, nil
}

// insertEvents sends the inserts of b, one per sealed event. An event the
// database refuses (text it cannot keep) fails its item, and the batch runs
// again without it (errRedo); a lost race for a sequence number runs it
// again whole (errRetry).
func insertEvents(ctx context.Context, tx pgx.Tx, b *pgx.Batch, items []*item, sealed []*petitions.Event) error {
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	for i, s := range sealed {
		if s == nil {
			continue
		}
		_, err := br.Exec()
		if c := uniqueViolation(err); c == "ledger_events_pkey" || c == "ledger_events_case" {
			return fmt.Errorf("event %d: %w: %w", s.Seq, errRetry, err)
		}
		if badText(err) {
			items[i].Finish(fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The event holds text the database cannot keep."), err))
			items[i] = nil
			return errRedo
		}
		if err != nil {
			return internal(err, "event %d: insert", s.Seq)
		}
	}
	return nil
}

// dropFailed returns items without the nil ones insertEvents finished.
func dropFailed(items []*item) []*item {
	out := items[:0:0]
	for _, it := range items {
		if it != nil {
			out = append(out, it)
		}
	}
	return out
}

// retryable reports whether err is a deadlock or serialisation failure:
// two batches of different servers may lock the same rows in different
// orders, and PostgreSQL then aborts one of them.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
