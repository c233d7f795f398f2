package sqlite

import (
	"context"
	"errors"
	"fmt"

	"hearingroom/petitions"
	"hearingroom/petitions/groupcommit"
)

// The appender is the group commit of the history. A write that appends an
// event (CreatePetition, UpdatePetition, AppendEvent, LinkSession) is an
// appendItem queued to one goroutine per DB, which runs the items waiting
// together as one batch in one transaction on the write connection: each
// item's writes under a SAVEPOINT (an item that fails is rolled back to it
// and gets its own error, the others go on); then the statistics sums of
// the items' new facts, added up and written once; then the last event of
// the ledger and of each case read inside the transaction, each item's event
// sealed on the one before in item order and inserted; then one commit,
// whose outcome every item learns. The history is exactly what the items
// appended one at a time would have made, a reader sees all of a batch or
// none of it, and one flush of the WAL serves the whole batch.

// maxBatch bounds the items of a batch.
const maxBatch = 64

// appendItem is one write transaction of the history, run by the appender.
type appendItem struct {
	// write does the item's writes in tx and returns the event to append,
	// CaseID set and unsealed, or nil to append none. It may run more than
	// once (a batch that lost a race runs again) and must not keep state
	// between runs.
	write func(ctx context.Context, tx *wtx) (*petitions.Event, error)
	// newCase says that the event is the first of a case that write
	// created, so that it has no previous case event to look up.
	newCase bool
	// sums, if write sets it, is what its facts add to the statistics
	// sums: the batch writes those of its items together. Reset before
	// each run.
	sums *petitions.FactSums

	sealed *petitions.Event // on success, the event as stored
}

// errClosed is what an append gets once the DB is closed.
var errClosed = petitions.Errorf(petitions.EINTERNAL, "The ledger database is closed.")

// item is an appendItem in the appender's queue.
type item = groupcommit.Item[*appendItem]

// newAppender starts the store's appender, which runs its batches.
func newAppender(db *DB) *groupcommit.Queue[*appendItem] {
	return groupcommit.New(maxBatch, func(batch []*item) { db.runBatch(context.Background(), batch) })
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

// runBatch runs items as one transaction (again, up to maxRetries times,
// if it lost a race for a sequence number to another process) and finishes
// each of them.
func (db *DB) runBatch(ctx context.Context, items []*item) {
	live := items[:0:0]
	for _, it := range items {
		if err := it.Ctx.Err(); err != nil {
			it.Finish(internal(err, "append"))
			continue
		}
		live = append(live, it)
	}
	for retries := 0; len(live) > 0; retries++ {
		var err error
		live, err = db.batch1(ctx, live)
		if err == nil || !errors.Is(err, errRetry) || retries+1 >= maxRetries {
			for _, it := range live {
				it.Finish(err)
			}
			return
		}
	}
}

// batch1 runs items in one transaction. It finishes the items that fail
// on their own and returns the others: committed if err is nil, to run
// again if err wraps errRetry, failed with err otherwise.
func (db *DB) batch1(ctx context.Context, items []*item) ([]*item, error) {
	db.prepareNoted(ctx)
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return items, internal(err, "connect")
	}
	defer conn.Close()
	tx, err := db.begin(ctx, conn)
	if err != nil {
		return items, internal(err, "begin")
	}
	defer tx.Rollback()

	// Each item's writes, under a savepoint (but for a batch of one, whose
	// failure is the transaction's).
	live := items[:0:0]
	var events []*petitions.Event
	savepoints := len(items) > 1
	for i, it := range items {
		it.Job.sums = nil
		if savepoints {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT item`); err != nil {
				return append(live, items[i:]...), internal(err, "savepoint")
			}
		}
		ev, err := it.Job.write(ctx, tx)
		if err == nil && ev != nil {
			err = checkSealable(ev)
		}
		if err != nil {
			it.Finish(err)
			if savepoints {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO item`); rerr != nil {
					return append(live, items[i+1:]...), internal(rerr, "roll back to savepoint")
				}
			}
		} else {
			live, events = append(live, it), append(events, ev)
		}
		if savepoints {
			if _, err := tx.ExecContext(ctx, `RELEASE item`); err != nil {
				return append(live, items[i+1:]...), internal(err, "release savepoint")
			}
		}
	}
	if len(live) == 0 {
		return nil, nil
	}

	// The sums of the live items' facts, together.
	sums := petitions.NewFactSums()
	for _, it := range live {
		if it.Job.sums != nil {
			sums.Merge(it.Job.sums)
		}
	}
	if err := addSums(ctx, tx, sums); err != nil {
		return live, internal(err, "facts: sums")
	}

	// The last events as the transaction sees them; the events sealed in
	// item order and inserted.
	prev, err := lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return live, internal(err, "event: read the last event")
	}
	caseTip := map[string]*petitions.Event{}
	sealed := make([]*petitions.Event, len(live))
	for i, ev := range events {
		if ev == nil {
			continue
		}
		casePrev, ok := caseTip[ev.CaseID]
		if !ok && ev.CaseID != "" && !live[i].Job.newCase {
			// "case_id <> ''" lets SQLite use the partial index on case events.
			casePrev, err = lastEvent(ctx, tx, `SELECT `+eventColumns+` FROM ledger_events
				WHERE case_id = ? AND case_id <> '' ORDER BY case_seq DESC LIMIT 1`, ev.CaseID)
			if err != nil {
				return live, internal(err, "event: read the last event of case %s", ev.CaseID)
			}
		}
		s := *ev
		if err := petitions.Seal(prev, casePrev, &s); err != nil {
			return live, internal(err, "event: seal") // checkSealable let it through: a bug
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO ledger_events
			(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.Seq, s.CaseID, s.CaseSeq, s.Kind, s.Actor, s.ActorRole,
			s.At.UnixMicro(), string(s.Data), s.PrevHash, s.CasePrevHash, s.Hash, s.CaseHash)
		if isUnique(err) {
			return live, fmt.Errorf("event %d: %w: %w", s.Seq, errRetry, err)
		}
		if err != nil {
			return live, internal(err, "event %d: insert", s.Seq)
		}
		sealed[i], prev = &s, &s
		if s.CaseID != "" {
			caseTip[s.CaseID] = &s
		}
	}

	// One commit for all. SQLite keeps a transaction whose COMMIT failed
	// (a deferred constraint) open: it is rolled back before the
	// connection goes back to the pool.
	if err := tx.Commit(); err != nil {
		conn.ExecContext(ctx, `ROLLBACK`)
		return live, internal(err, "commit")
	}
	for i, it := range live {
		it.Job.sealed = sealed[i]
	}
	return live, nil
}

// checkSealable returns the error Seal would give ev whatever came before
// it: an event Seal refuses fails its item alone.
func checkSealable(ev *petitions.Event) error {
	s := *ev
	if err := petitions.Seal(nil, nil, &s); err != nil {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The event cannot be recorded: %v.", err), err)
	}
	return nil
}
