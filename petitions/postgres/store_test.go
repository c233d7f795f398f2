package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/postgres"
)

// These tests cover what the shared conformance suite cannot see from the
// contract alone: many pooled connections racing on one server, and a
// history longer than one ScanEvents batch.

func newEvent(kind string) *petitions.Event {
	return &petitions.Event{Kind: kind, Actor: "tester", ActorRole: "auditor", At: time.Now(), Data: []byte(`{"n":1.0}`)}
}

func createCase(t *testing.T, db *postgres.DB, id string) *petitions.Petition {
	t.Helper()
	p := &petitions.Petition{ID: id, CaseNo: "CN-" + id, Kind: petitions.KindPetition, State: "registered", LeadUnit: "county"}
	if err := db.CreatePetition(context.Background(), p, newEvent("registered")); err != nil {
		t.Fatalf("CreatePetition %s: %v", id, err)
	}
	return p
}

func TestConcurrentAppendsKeepTheChain(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	cases := []string{"case-a", "case-b", "case-c"}
	for _, id := range cases {
		createCase(t, db, id)
	}
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ev := newEvent("note")
				if (w+i)%4 != 0 {
					ev.CaseID = cases[(w+i)%len(cases)]
				}
				if err := db.AppendEvent(ctx, ev); err != nil {
					errs <- fmt.Errorf("writer %d, event %d: %w", w, i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	r, err := petitions.VerifyStore(ctx, db, nil)
	if err != nil || !r.OK() {
		t.Fatalf("VerifyStore = %+v, %v; want a clean chain", r, err)
	}
	if want := int64(len(cases) + writers*each); r.Events != want || r.LastSeq != want {
		t.Errorf("history holds %d events up to seq %d, want %d", r.Events, r.LastSeq, want)
	}
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	p := createCase(t, db, "case-race")
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		c := p.Clone()
		c.State = petitions.State(fmt.Sprintf("state-%d", i))
		wg.Go(func() { errs[i] = db.UpdatePetition(ctx, c, 1, newEvent("transition")) })
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch petitions.ErrorCode(err) {
		case "":
			wins++
		case petitions.ECONFLICT:
		default:
			t.Errorf("racer %d: %v, want success or %s", i, err, petitions.ECONFLICT)
		}
	}
	if wins != 1 {
		t.Fatalf("%d updates won, want exactly 1", wins)
	}
	got, err := db.Petition(ctx, p.ID)
	if err != nil || got.Version != 2 {
		t.Fatalf("Petition = version %v, %v; want version 2", got, err)
	}
	evs, err := db.Events(ctx, p.ID)
	if err != nil || len(evs) != 2 {
		t.Fatalf("Events = %d events, %v; want the registration and the one winning transition", len(evs), err)
	}
}

func TestScanEventsReadsPastOneBatch(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	db := openDSN(t, dsn, true)
	const n = 25_000 // more than two batches
	c := connect(t, dsn)
	if _, err := c.Exec(ctx, `INSERT INTO ledger_events
		(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
		SELECT s, '', 0, 'bulk', 'tester', 'auditor', now(), '{}', '', '', 'h', '' FROM generate_series(1, $1) s`, n); err != nil {
		t.Fatal(err)
	}
	for _, from := range []int64{0, 1, 12_345, n, n + 1} {
		var count, last int64
		err := db.ScanEvents(ctx, from, func(e *petitions.Event) error {
			if want := max(from, 1) + count; e.Seq != want {
				return fmt.Errorf("got seq %d, want %d", e.Seq, want)
			}
			count, last = count+1, e.Seq
			return nil
		})
		want := n - max(from, 1) + 1
		if err != nil || count != want || (count > 0 && last != n) {
			t.Errorf("ScanEvents from %d: %d events up to %d, %v; want %d up to %d", from, count, last, err, want, n)
		}
	}
	stop := errors.New("stop here")
	var seen int
	if err := db.ScanEvents(ctx, 1, func(*petitions.Event) error {
		if seen++; seen == 10_001 {
			return stop
		}
		return nil
	}); err != stop || seen != 10_001 {
		t.Errorf("ScanEvents stopped after %d events with %v, want %v unchanged after 10001", seen, err, stop)
	}
}

// TestAppendRetriesAfterLosingTheRace has another writer, one that does not
// take the store's lock, insert the next event while AppendEvent is sealing
// the same seq: AppendEvent must lose the insert, start over on the new
// last event, and leave a chain that verifies.
func TestAppendRetriesAfterLosingTheRace(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	db := openDSN(t, dsn, true)
	createCase(t, db, "case-r")
	var last petitions.Event
	if err := db.ScanEvents(ctx, 1, func(e *petitions.Event) error { last = *e; return nil }); err != nil {
		t.Fatal(err)
	}
	rival := newEvent("rival")
	if err := petitions.Seal(&last, nil, rival); err != nil {
		t.Fatal(err)
	}
	other := connect(t, dsn)
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_events
		(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
		VALUES ($1, '', 0, $2, $3, $4, $5, $6, $7, '', $8, '')`,
		rival.Seq, rival.Kind, rival.Actor, rival.ActorRole, rival.At, string(rival.Data), rival.PrevHash, rival.Hash); err != nil {
		t.Fatal(err)
	}

	ev := newEvent("note")
	ev.CaseID = "case-r"
	done := make(chan error, 1)
	go func() { done <- db.AppendEvent(ctx, ev) }()
	// Wait until AppendEvent waits on the rival's uncommitted row.
	watch := connect(t, dsn)
	for deadline := time.Now().Add(10 * time.Second); ; {
		var waiting int
		if err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO ledger_events%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("AppendEvent never waited on the rival's row")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("AppendEvent after losing the race: %v", err)
	}
	if ev.Seq != rival.Seq+1 || ev.PrevHash != rival.Hash || ev.CaseSeq != 2 {
		t.Errorf("event sealed as seq %d, case seq %d after %q; want seq %d, case seq 2 after the rival",
			ev.Seq, ev.CaseSeq, ev.PrevHash, rival.Seq+1)
	}
	if r, err := petitions.VerifyStore(ctx, db, nil); err != nil || !r.OK() || r.LastSeq != 3 {
		t.Errorf("VerifyStore = %+v, %v; want 3 events verifying clean", r, err)
	}
}
