package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/postgres"
)

// These tests run the appender's batches directly (CreateInOneBatch), so
// that what shares a batch is certain rather than a matter of timing.

func batchCase(id string) (*petitions.Petition, *petitions.Event) {
	return &petitions.Petition{ID: id, CaseNo: "CN-" + id, Kind: petitions.KindPetition, State: "registered",
		LeadUnit: "county"}, newEvent("registered")
}

// TestBatchItemFailsAlone puts items that fail in each way into one batch
// with items that succeed: a taken case number and an event Seal refuses
// (before the lock), and an event holding text PostgreSQL cannot keep
// (at the insert, after the lock). Each fails with its own error and
// leaves nothing behind; the others are committed, sealed one after the
// other.
func TestBatchItemFailsAlone(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	createCase(t, db, "a")
	var ps []*petitions.Petition
	var evs []*petitions.Event
	for _, id := range []string{"b", "dup", "unsealable", "nul", "e"} {
		p, ev := batchCase(id)
		ps, evs = append(ps, p), append(evs, ev)
	}
	ps[1].CaseNo = "CN-a"
	evs[2].Actor = ""
	evs[3].Actor = "te\x00ster"
	received := func() int {
		q := petitions.FactsQuery{From: postgres.BatchFactsDay.AddDate(0, -1, 0), To: postgres.BatchFactsDay.AddDate(0, 1, 0),
			Now: postgres.BatchFactsDay, SoonDay: postgres.BatchFactsDay}
		sums, err := db.AggregateFacts(ctx, q)
		if err != nil {
			t.Fatalf("AggregateFacts: %v", err)
		}
		if sums[""] == nil {
			return 0
		}
		return sums[""].Received
	}
	before := received()
	errs := db.CreateInOneBatch(ctx, ps, evs, "")
	if n := received() - before; n != 2 {
		t.Errorf("the batch added %d cases to the statistics, want 2: the failed items' sums are not kept", n)
	}
	for i, want := range []string{"", petitions.ECONFLICT, petitions.EINVALID, petitions.EINVALID, ""} {
		if got := petitions.ErrorCode(errs[i]); got != want {
			t.Errorf("item %s: error %v (code %q), want code %q", ps[i].ID, errs[i], got, want)
		}
		if want == "" {
			continue
		}
		if _, err := db.Petition(ctx, ps[i].ID); petitions.ErrorCode(err) != petitions.ENOTFOUND {
			t.Errorf("case %s of a failed item: %v, want ENOTFOUND", ps[i].ID, err)
		}
	}
	if evs[0].Seq != 2 || evs[4].Seq != 3 || evs[4].PrevHash != evs[0].Hash || evs[4].CaseSeq != 1 {
		t.Errorf("events sealed as seq %d and %d; want 2 and 3, the second on the first", evs[0].Seq, evs[4].Seq)
	}
	if r, err := petitions.VerifyStore(ctx, db, nil); err != nil || !r.OK() || r.LastSeq != 3 {
		t.Errorf("VerifyStore = %+v, %v; want 3 events verifying clean", r, err)
	}
}

// TestBatchCommitFailureFailsAll makes a batch's commit fail (a deferred
// foreign key one of its items breaks): every item of the batch learns it,
// none of their cases or events is stored, and the next append goes on
// from the last committed event.
func TestBatchCommitFailureFailsAll(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	db := openDSN(t, dsn, true)
	if _, err := connect(t, dsn).Exec(ctx, `CREATE TABLE parent (id int PRIMARY KEY);
		CREATE TABLE child (id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	createCase(t, db, "a")
	b, evB := batchCase("b")
	c, evC := batchCase("c")
	errs := db.CreateInOneBatch(ctx, []*petitions.Petition{b, c}, []*petitions.Event{evB, evC}, `INSERT INTO child VALUES (1)`)
	for i, err := range errs {
		if petitions.ErrorCode(err) != petitions.EINTERNAL {
			t.Errorf("item %d: error %v, want the commit's EINTERNAL", i, err)
		}
	}
	for _, p := range []*petitions.Petition{b, c} {
		if _, err := db.Petition(ctx, p.ID); petitions.ErrorCode(err) != petitions.ENOTFOUND {
			t.Errorf("case %s of a failed batch: %v, want ENOTFOUND", p.ID, err)
		}
	}
	createCase(t, db, "after")
	if r, err := petitions.VerifyStore(ctx, db, nil); err != nil || !r.OK() || r.LastSeq != 2 {
		t.Errorf("VerifyStore = %+v, %v; want 2 events verifying clean", r, err)
	}
}

// TestCaseEventQueriesUseTheIndex checks that each query of a case's events
// can use the partial index on case events in a generic plan (as a
// prepared statement's becomes): with sequential scans off, the plan names
// the index. Without "case_id <> ”" it could not, and a case's events
// were a scan of the whole history.
func TestCaseEventQueriesUseTheIndex(t *testing.T) {
	ctx := context.Background()
	c := connect(t, schemaDSN(t))
	if _, err := openDSN(t, c.Config().ConnString(), true).Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{`SET enable_seqscan = off`, `SET plan_cache_mode = force_generic_plan`} {
		if _, err := c.Exec(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	for what, q := range postgres.CaseEventQueries {
		rows, err := c.Query(ctx, `EXPLAIN `+q[0].(string), q[1])
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if all := strings.Join(lines, "\n"); !strings.Contains(all, "ledger_events_case") {
			t.Errorf("%s: the plan does not use ledger_events_case:\n%s", what, all)
		}
	}
}
