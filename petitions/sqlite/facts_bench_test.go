package sqlite

import (
	"context"
	"testing"

	"hearingroom/petitions/storetest"
)

// BenchmarkStatisticsFacts loads the facts of storetest.BenchFactsCases
// cases (HEARINGROOM_BENCH_FACTS, default 100,000) directly, a transaction
// per 5,000, without the cases themselves (foreign keys off), and measures
// the county statistics (storetest.BenchStatistics):
//
//	go test ./petitions/sqlite -run '^$' -bench StatisticsFacts -benchtime 100x
func BenchmarkStatisticsFacts(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	for _, u := range storetest.BenchFactsUnits() {
		if err := db.CreateUnit(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.write.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		b.Fatal(err)
	}
	n := storetest.BenchFactsCases()
	for lo := 1; lo <= n; lo += 5000 {
		err := db.inTx(ctx, func(tx *wtx) error {
			for i := lo; i < lo+5000 && i <= n; i++ {
				if err := db.writeFacts(ctx, tx, storetest.BenchFacts(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("load: %v", err)
		}
	}
	if _, err := db.write.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	storetest.BenchStatistics(b, db)
}
