package sqlite

import (
	"context"

	"hearingroom/petitions"
)

// scanBatch is how many events ScanEvents reads per query, so that no read
// transaction stays open over the whole history.
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

// ScanEventBatches streams the history from fromSeq in batches of up to
// db.batch events; see petitions.EventBatchScanner. A goroutine reads the
// next batch while fn runs over the current one, so that decoding the rows
// and what fn does overlap.
func (db *DB) ScanEventBatches(ctx context.Context, fromSeq int64, fn func([]petitions.Event) error) error {
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
			if len(b) < db.batch {
				read <- nil
				return
			}
			next = b[len(b)-1].Seq + 1
		}
	}()
	for b := range batches {
		if err := fn(b); err != nil {
			cancel()
			for range batches {
			}
			<-read
			return err
		}
	}
	return <-read
}

// scanBatch reads up to db.batch events from seq from on. Their Data share
// one allocation.
func (db *DB) scanBatch(ctx context.Context, from int64) ([]petitions.Event, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+eventColumns+` FROM ledger_events WHERE seq >= ? ORDER BY seq LIMIT ?`, from, db.batch)
	if err != nil {
		return nil, internal(err, "scan events from %d", from)
	}
	defer rows.Close()
	b := make([]petitions.Event, 0, min(db.batch, scanBatch))
	var data, scratch []byte
	for rows.Next() {
		e := petitions.Event{Data: scratch[:0]}
		if err := scanEvent(rows, &e); err != nil {
			return nil, internal(err, "scan events from %d", from)
		}
		scratch = e.Data
		if cap(data)-len(data) < len(e.Data) {
			data = make([]byte, 0, max(256<<10, len(e.Data)))
		}
		start := len(data)
		data = append(data, e.Data...)
		e.Data = data[start:len(data):len(data)]
		b = append(b, e)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "scan events from %d", from)
	}
	return b, nil
}
