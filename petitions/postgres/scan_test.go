package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/postgres"
)

// TestScanEventBatchesDecodesEveryColumn: the batches, decoded from the
// rows in binary, hold exactly the events Events returns through Scan:
// text that is not ASCII, times before 2000 and after, Data with escapes.
func TestScanEventBatchesDecodesEveryColumn(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	createCase(t, db, "case-ü")
	times := []time.Time{
		time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 1000, time.FixedZone("CST", 8*3600)),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond),
		time.Date(2026, 11, 27, 14, 0, 0, 123456000, time.UTC),
	}
	for i, at := range times {
		e := &petitions.Event{CaseID: "case-ü", Kind: "note", Actor: "张三", ActorRole: "auditor", At: at,
			Data: json.RawMessage(fmt.Sprintf(`{"i":%d,"text":"línea\n\"dos\"","x":1.50}`, i))}
		if err := db.AppendEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := db.AppendEvent(ctx, &petitions.Event{Kind: "ledger", Actor: "system", ActorRole: "system", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	want, err := db.Events(ctx, "case-ü")
	if err != nil {
		t.Fatal(err)
	}
	var got []petitions.Event
	var batches int
	if err := db.ScanEventBatches(ctx, 1, func(b []petitions.Event) error {
		batches++
		got = append(got, b...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var gotCase []*petitions.Event
	for i := range got {
		if got[i].Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, got[i].Seq)
		}
		if got[i].CaseID == "case-ü" {
			gotCase = append(gotCase, &got[i])
		}
	}
	if batches != 1 || len(gotCase) != len(want) {
		t.Fatalf("%d batches, %d events of the case; want 1 batch, %d", batches, len(gotCase), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(gotCase[i], want[i]) {
			t.Errorf("scanned %+v\nwant    %+v", gotCase[i], want[i])
		}
	}
	if r, err := petitions.VerifyStore(ctx, db, nil); err != nil || !r.OK() || r.Events != int64(len(got)) {
		t.Errorf("VerifyStore = %+v, %v", r, err)
	}
}

// TestScanEventBatchesAcrossGaps: a history with gaps in seq (which Verify
// reports, so the scan must deliver every event around them) is read whole,
// in order, in runs and pages that never overlap.
func TestScanEventBatchesAcrossGaps(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	db := openDSN(t, dsn, true)
	c := connect(t, dsn)
	// 30,000 events, seq 3, 6, 9, …, then one far away.
	if _, err := c.Exec(ctx, `INSERT INTO ledger_events
		(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
		SELECT s, '', 0, 'bulk', 'tester', 'auditor', now(), '{}', '', '', 'h', ''
		FROM (SELECT 3 * g AS s FROM generate_series(1, 30000) g UNION ALL SELECT 1::bigint << 40) s`); err != nil {
		t.Fatal(err)
	}
	for _, from := range []int64{1, 4, 30_001, 90_000, 90_001} {
		var seqs []int64
		err := db.ScanEventBatches(ctx, from, func(b []petitions.Event) error {
			for i := range b {
				seqs = append(seqs, b[i].Seq)
			}
			return nil
		})
		var want []int64
		for s := int64(3); s <= 90_000; s += 3 {
			if s >= from {
				want = append(want, s)
			}
		}
		want = append(want, 1<<40)
		if err != nil || !reflect.DeepEqual(seqs, want) {
			t.Errorf("from %d: %d events, %v; want %d", from, len(seqs), err, len(want))
		}
	}
}

// BenchmarkVerifyStore verifies an existing ledger, HEARINGROOM_BENCH_LEDGER
// (a database hearingroom-bench loaded), as `hearingroom ledger verify`
// does, and reports events/s:
//
//	HEARINGROOM_BENCH_LEDGER='postgres://…/hr1m' go test ./petitions/postgres -run '^$' -bench VerifyStore -benchtime 1x -cpuprofile /tmp/cpu.out
func BenchmarkVerifyStore(b *testing.B) {
	dsn := os.Getenv("HEARINGROOM_BENCH_LEDGER")
	if dsn == "" {
		b.Skip("HEARINGROOM_BENCH_LEDGER is not set: no loaded ledger to verify")
	}
	db := openDSN(b, dsn, false)
	var events int64
	for b.Loop() {
		r, err := petitions.VerifyStore(context.Background(), db, nil)
		if err != nil || !r.OK() {
			b.Fatalf("VerifyStore = %+v, %v", r, err)
		}
		events += r.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkScanEventBatches only reads the ledger VerifyStore would verify
// (HEARINGROOM_BENCH_LEDGER), to tell reading from verifying.
func BenchmarkScanEventBatches(b *testing.B) {
	dsn := os.Getenv("HEARINGROOM_BENCH_LEDGER")
	if dsn == "" {
		b.Skip("HEARINGROOM_BENCH_LEDGER is not set: no loaded ledger to read")
	}
	db := openDSN(b, dsn, false)
	var events int64
	for b.Loop() {
		err := db.ScanEventBatches(context.Background(), 1, func(batch []petitions.Event) error {
			events += int64(len(batch))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

var _ petitions.EventBatchScanner = (*postgres.DB)(nil)
