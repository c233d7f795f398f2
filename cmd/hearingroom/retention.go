package main

import (
	"context"
	"time"

	"hearingroom/petitions/casework"
)

// purgeEvery is how often expired recordings are purged.
const purgeEvery = 6 * time.Hour

// startPurger deletes expired recordings now and every purgeEvery until
// the returned stop is called (which waits for a purge in progress).
func (m *Main) startPurger(ret casework.Retention) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(purgeEvery)
		defer t.Stop()
		for {
			n, err := m.cases.PurgeRecordings(ctx, ret, m.objects)
			switch {
			case err != nil && ctx.Err() == nil:
				m.Log.Error("recordings: purge", "purged", n, "err", err)
			case n > 0:
				m.Log.Info("recordings: purged after their retention", "files", n)
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
