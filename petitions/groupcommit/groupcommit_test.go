package groupcommit_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"hearingroom/petitions/groupcommit"
)

// Jobs queued while a batch runs go into the next batch together, each
// caller gets his own job's outcome, and a closed queue refuses jobs.
func TestQueueBatchesAndAnswers(t *testing.T) {
	release := make(chan struct{})
	q := groupcommit.New(8, func(batch []*groupcommit.Item[int]) {
		if batch[0].Job == 0 {
			<-release // hold the first batch until the others wait
		}
		for _, it := range batch {
			var err error
			if it.Job%2 == 1 {
				err = errors.New("odd")
			}
			it.Finish(err)
		}
	})
	first := make(chan error, 1)
	go func() { first <- q.Do(context.Background(), 0) }()
	// The first job is taken when q.Batches counts it.
	for q.Batches.Load() == 0 {
		runtime.Gosched()
	}
	var wg sync.WaitGroup
	errs := make([]error, 9)
	for i := 1; i <= 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = q.Do(context.Background(), i) }()
	}
	// The eight wait on the unbuffered queue; let the first batch finish.
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Errorf("job 0: %v", err)
	}
	for i := 1; i <= 8; i++ {
		if odd := errs[i] != nil; odd != (i%2 == 1) {
			t.Errorf("job %d: %v", i, errs[i])
		}
	}
	if n := q.Items.Load(); n != 9 {
		t.Errorf("items = %d, want 9", n)
	}
	q.Close()
	if err := q.Do(context.Background(), 10); !errors.Is(err, groupcommit.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q2 := groupcommit.New(1, func(batch []*groupcommit.Item[int]) {})
	defer q2.Close()
	// A canceled caller is not queued (the runner above would never answer).
	if err := q2.Do(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// TestQueueParallel: with two workers, a second batch is gathered and run
// while the first still runs; Close waits for both.
func TestQueueParallel(t *testing.T) {
	started, both := make(chan int, 2), make(chan struct{})
	q := groupcommit.NewParallel(4, 2, func(batch []*groupcommit.Item[int]) {
		started <- batch[0].Job
		<-both // held until two batches run at once
		for _, it := range batch {
			it.Finish(nil)
		}
	})
	errs := make(chan error, 2)
	go func() { errs <- q.Do(context.Background(), 0) }()
	<-started // the first batch runs, and waits
	go func() { errs <- q.Do(context.Background(), 1) }()
	if job := <-started; job != 1 { // only a second worker could take it
		t.Fatalf("second batch of job %d", job)
	}
	close(both)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	if n := q.Batches.Load(); n != 2 {
		t.Errorf("batches = %d, want 2", n)
	}
}
