// Package groupcommit hands the jobs of many goroutines to one goroutine
// (or a few) that runs them in batches: a group commit. The ledger's stores queue
// every write that appends to the history here, and run a batch as one
// transaction with one lock and one flush (see petitions/postgres and
// petitions/sqlite, appender.go).
package groupcommit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrClosed is what Do returns once the queue is closed.
var ErrClosed = errors.New("groupcommit: closed")

// Item is one job in a batch, with the context of the caller who queued it.
// The runner calls Finish exactly once for each item of its batch.
type Item[J any] struct {
	Ctx  context.Context
	Job  J
	err  error
	done chan struct{}
}

// NewItem returns an item for job, to run by hand (tests) or to Do.
func NewItem[J any](ctx context.Context, job J) *Item[J] {
	return &Item[J]{Ctx: ctx, Job: job, done: make(chan struct{})}
}

// Finish reports the outcome of it to the goroutine waiting for it.
func (it *Item[J]) Finish(err error) {
	it.err = err
	close(it.done)
}

// Wait waits for Finish and returns its error.
func (it *Item[J]) Wait() error {
	<-it.done
	return it.err
}

// Queue runs the jobs queued with Do in batches of at most max, one batch
// at a time, on one goroutine: the jobs waiting when a batch starts go into
// it together.
type Queue[J any] struct {
	max     int
	run     func([]*Item[J])
	once    sync.Once
	queue   chan *Item[J] // unbuffered: an item is taken only by a running loop
	quit    chan struct{}
	stopped chan struct{}

	// Batches and Items count what ran so far, for the benchmarks.
	Batches, Items atomic.Int64
}

// New starts a queue that runs batches of at most max items with run,
// which must Finish every item it is given, one batch at a time.
func New[J any](max int, run func([]*Item[J])) *Queue[J] {
	return NewParallel(max, 1, run)
}

// NewParallel is New (batches of at most size) with up to workers batches
// running at once, each
// gathered while the others run: for a runner whose batches can overlap
// in part (PostgreSQL's: one batch's writes while another commits).
func NewParallel[J any](size, workers int, run func([]*Item[J])) *Queue[J] {
	q := &Queue[J]{max: size, run: run, queue: make(chan *Item[J]), quit: make(chan struct{}), stopped: make(chan struct{})}
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(q.loop)
	}
	go func() {
		wg.Wait()
		close(q.stopped)
	}()
	return q
}

// Close stops the queue once its batches are done; later jobs get
// ErrClosed.
func (q *Queue[J]) Close() {
	q.once.Do(func() { close(q.quit) })
	<-q.stopped
}

// Do queues job and waits for its outcome. Once queued, it is waited for
// even if ctx ends, so that the caller learns whether its job was done;
// before that, ctx's end returns ctx's error.
func (q *Queue[J]) Do(ctx context.Context, job J) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	it := NewItem(ctx, job)
	select {
	case q.queue <- it:
	case <-ctx.Done():
		return ctx.Err()
	case <-q.quit:
		return ErrClosed
	}
	return it.Wait()
}

func (q *Queue[J]) loop() {
	for {
		var batch []*Item[J]
		select {
		case it := <-q.queue:
			batch = append(batch, it)
		case <-q.quit:
			return
		}
	more:
		for len(batch) < q.max {
			select {
			case it := <-q.queue:
				batch = append(batch, it)
			default:
				break more
			}
		}
		q.Batches.Add(1)
		q.Items.Add(int64(len(batch)))
		q.run(batch)
	}
}
