package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"hearingroom/petitions"
)

// scanBatch is how many events ScanEvents reads per query: the history is
// read in runs of seq (from <= seq < to) and keyset pages (seq >= next, by
// seq), so no query or transaction stays open over the whole of it, and the
// history is append-only, so they join without a gap.
const scanBatch = 10000

// ScanEvents streams the history from fromSeq; see petitions.Store. It
// reads as ScanEventBatches does.
func (db *DB) ScanEvents(ctx context.Context, fromSeq int64, fn func(*petitions.Event) error) error {
	return db.ScanEventBatches(ctx, fromSeq, func(b []petitions.Event) error {
		for i := range b {
			if err := fn(&b[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// scanReaders is how many connections ScanEventBatches reads on at once:
// on a machine with few cores the server's backend, encoding the rows, is
// as busy as the verifier decoding and hashing them, so one backend alone
// would leave a core idle.
const scanReaders = 2

// ScanEventBatches streams the history from fromSeq in batches of up to
// scanBatch events; see petitions.EventBatchScanner. One goroutine cuts the
// history into runs of scanBatch events (the seq that starts the next run
// is an index-only scan away), scanReaders goroutines read the runs on
// connections of their own, and fn gets them in order, while the next ones
// are read. The last run, and whatever was appended meanwhile, is read in
// keyset pages after the others.
func (db *DB) ScanEventBatches(ctx context.Context, fromSeq int64, fn func([]petitions.Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type run struct {
		from, to int64 // seq from <= s < to
		read     chan scanned
	}
	inOrder := make(chan *run, scanReaders)
	todo := make(chan *run)
	tail := max(fromSeq, 1) // where the keyset pages take over
	var cutErr error
	go func() {
		defer close(todo)
		defer close(inOrder)
		for {
			to, ok, err := db.runEnd(ctx, tail)
			if err != nil || !ok {
				cutErr = err
				return
			}
			r := &run{from: tail, to: to, read: make(chan scanned, 1)}
			select {
			case inOrder <- r:
			case <-ctx.Done():
				return
			}
			todo <- r
			tail = to
		}
	}()
	var wg sync.WaitGroup
	for range scanReaders {
		wg.Go(func() {
			d := new(eventDecoder)
			for r := range todo {
				b, err := db.scanRange(ctx, d, r.from, r.to)
				r.read <- scanned{b, err}
			}
		})
	}
	defer wg.Wait()
	for r := range inOrder {
		s := <-r.read
		err := s.err
		if err == nil && len(s.events) > 0 {
			err = fn(s.events)
		}
		if err != nil {
			cancel()
			for range inOrder {
			}
			return err
		}
	}
	if cutErr != nil {
		return cutErr
	}
	return db.scanPages(ctx, new(eventDecoder), tail, fn)
}

// scanned is a batch read, or the error reading it.
type scanned struct {
	events []petitions.Event
	err    error
}

// runEnd returns the seq of the event scanBatch events after the first
// with seq >= from, which ends the run from from; ok is false if there are
// not that many events.
func (db *DB) runEnd(ctx context.Context, from int64) (to int64, ok bool, err error) {
	err = db.withConn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT seq FROM ledger_events WHERE seq >= $1 ORDER BY seq OFFSET $2 LIMIT 1`,
			from, scanBatch).Scan(&to)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, internal(err, "scan events from %d", from)
	}
	return to, true, nil
}

// scanPages calls fn with keyset pages of up to scanBatch events from seq
// from on, until a page is short.
func (db *DB) scanPages(ctx context.Context, d *eventDecoder, from int64, fn func([]petitions.Event) error) error {
	for {
		b, err := db.scanBatch(ctx, d, from)
		if err != nil {
			return err
		}
		if len(b) > 0 {
			if err := fn(b); err != nil {
				return err
			}
		}
		if len(b) < scanBatch {
			return nil
		}
		from = b[len(b)-1].Seq + 1
	}
}

// scanRange reads the events with from <= seq < to.
func (db *DB) scanRange(ctx context.Context, d *eventDecoder, from, to int64) ([]petitions.Event, error) {
	b, err := db.scanQuery(ctx, d, `SELECT `+eventColumns+` FROM ledger_events WHERE seq >= $1 AND seq < $2 ORDER BY seq`, from, to)
	if err != nil {
		return nil, internal(err, "scan events from %d to %d", from, to)
	}
	return b, nil
}

// scanBatch reads up to scanBatch events from seq from on.
func (db *DB) scanBatch(ctx context.Context, d *eventDecoder, from int64) ([]petitions.Event, error) {
	b, err := db.scanQuery(ctx, d, `SELECT `+eventColumns+` FROM ledger_events WHERE seq >= $1 ORDER BY seq LIMIT $2`, from, scanBatch)
	if err != nil {
		return nil, internal(err, "scan events from %d", from)
	}
	return b, nil
}

// scanQuery runs query, which selects eventColumns, and decodes its rows
// with d.
// It takes them in binary and decodes them itself (see eventDecoder):
// through Scan, the twelve columns of each row cost more than verifying
// the event.
func (db *DB) scanQuery(ctx context.Context, d *eventDecoder, query string, args ...any) ([]petitions.Event, error) {
	var b []petitions.Event
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := checkEventFields(rows.FieldDescriptions()); err != nil {
			return err
		}
		d.reset(scanBatch)
		for rows.Next() {
			if err := d.add(rows.RawValues()); err != nil {
				return err
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		b = d.events()
		return nil
	})
	return b, err
}

// eventOIDs are the types of eventColumns, in order, as eventDecoder reads them.
var eventOIDs = [...]uint32{pgtype.Int8OID, pgtype.TextOID, pgtype.Int8OID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID,
	pgtype.TimestamptzOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TextOID}

// checkEventFields checks that the result has the columns eventDecoder reads.
func checkEventFields(fields []pgconn.FieldDescription) error {
	if len(fields) != len(eventOIDs) {
		return fmt.Errorf("ledger_events: %d columns, want %d", len(fields), len(eventOIDs))
	}
	for i, f := range fields {
		if f.DataTypeOID != eventOIDs[i] || f.Format != pgx.BinaryFormatCode {
			return fmt.Errorf("ledger_events: column %s is of type %d in format %d, want type %d in binary", f.Name, f.DataTypeOID, f.Format, eventOIDs[i])
		}
	}
	return nil
}

// eventDecoder decodes rows of eventColumns in binary into a batch of
// events. The batch's strings are cut from one string, and its Data from one
// byte slice, so that a batch costs a handful of allocations, not a dozen
// per event; whoever keeps one of its strings beyond the batch keeps the
// batch's text with it.
type eventDecoder struct {
	batch []petitions.Event
	text  []byte // the text columns of every row, one after the other (scratch: events copies it)
	ends  []int  // where each of them ends in text: eventTexts per row (scratch)
	data  []byte // the Data of every row
}

// eventTexts is the number of text columns of an event other than data.
const eventTexts = 8

// reset readies d for a batch of about n events. The batch and its Data
// are new (the last batch is its caller's); the scratch space is reused.
func (d *eventDecoder) reset(n int) {
	d.batch = make([]petitions.Event, 0, n)
	d.data = make([]byte, 0, max(cap(d.data), n*128)) // what the last batch needed
	d.text, d.ends = d.text[:0], d.ends[:0]
}

// add decodes one row.
func (d *eventDecoder) add(v [][]byte) error {
	if len(v) != len(eventOIDs) {
		return fmt.Errorf("ledger_events: row of %d columns", len(v))
	}
	for _, i := range [...]int{0, 2, 6} {
		if len(v[i]) != 8 {
			return fmt.Errorf("ledger_events: column %d of %d bytes, want 8", i, len(v[i]))
		}
	}
	at, err := timestamptz(int64(binary.BigEndian.Uint64(v[6])))
	if err != nil {
		return err
	}
	for _, i := range [...]int{1, 3, 4, 5, 8, 9, 10, 11} {
		d.text = append(d.text, v[i]...)
		d.ends = append(d.ends, len(d.text))
	}
	start := len(d.data)
	d.data = append(d.data, v[7]...)
	d.batch = append(d.batch, petitions.Event{
		Seq:     int64(binary.BigEndian.Uint64(v[0])),
		CaseSeq: int64(binary.BigEndian.Uint64(v[2])),
		At:      at,
		Data:    d.data[start:len(d.data):len(d.data)],
	})
	return nil
}

// events returns the batch decoded. When data grew past its first
// allocation, the Data of the earlier events stay in the old one, which is
// just as good.
func (d *eventDecoder) events() []petitions.Event {
	text := string(d.text)
	start := 0
	cut := func(end int) string {
		s := text[start:end]
		start = end
		return s
	}
	for i := range d.batch {
		e, ends := &d.batch[i], d.ends[i*eventTexts:]
		e.CaseID, e.Kind, e.Actor, e.ActorRole = cut(ends[0]), cut(ends[1]), cut(ends[2]), cut(ends[3])
		e.PrevHash, e.CasePrevHash, e.Hash, e.CaseHash = cut(ends[4]), cut(ends[5]), cut(ends[6]), cut(ends[7])
	}
	return d.batch
}

// y2k is where PostgreSQL counts timestamps from.
var y2k = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// timestamptz decodes a timestamptz in binary: microseconds since y2k; the
// two extremes are infinity, which no event has.
func timestamptz(us int64) (time.Time, error) {
	const infinity = 1<<63 - 1
	if us == infinity || us == -infinity-1 {
		return time.Time{}, fmt.Errorf("ledger_events: an infinite timestamp")
	}
	sec, frac := us/1_000_000, us%1_000_000
	return time.Unix(y2k.Unix()+sec, frac*1000).UTC(), nil
}
