package postgres_test

import (
	"testing"

	"hearingroom/petitions/storetest"
)

// BenchmarkCreate: go test -run '^$' -bench Create -cpu 2 (-benchtime 5s)
// ./petitions/postgres, with b.SetParallelism 16 (32 goroutines on 2 CPUs).
func BenchmarkCreate(b *testing.B) {
	b.SetParallelism(16)
	db := openDB(b)
	storetest.BenchCreate(b, db)
	batches, items := db.AppendBatches()
	b.ReportMetric(float64(items)/float64(max(batches, 1)), "items/batch")
}
