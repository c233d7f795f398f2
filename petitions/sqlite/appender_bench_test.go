package sqlite

import (
	"testing"

	"hearingroom/petitions/storetest"
)

// BenchmarkCreate: go test -run '^$' -bench Create -cpu 2 (-benchtime 5s)
// ./petitions/sqlite, with b.SetParallelism 16 (32 goroutines on 2 CPUs).
func BenchmarkCreate(b *testing.B) {
	b.SetParallelism(16)
	db := MustOpenDB(b)
	storetest.BenchCreate(b, db)
	b.ReportMetric(float64(db.app.Items.Load())/float64(max(db.app.Batches.Load(), 1)), "items/batch")
}
