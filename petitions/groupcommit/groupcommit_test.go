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
