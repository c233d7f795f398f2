package sqlite

import (
	"context"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/groupcommit"
)

// These tests run the appender's batches directly (createInOneBatch), so
// that what shares a batch is certain rather than a matter of timing.

// createInOneBatch runs as one batch of the appender the creation of each
// case of ps with its event evs[i] and then, if stmt is not "", an item
// that executes stmt and appends no event. It returns each item's error;
// where a case was created, evs[i] is sealed.
func (db *DB) createInOneBatch(ctx context.Context, ps []*petitions.Petition, evs []*petitions.Event, stmt string) []error {
	var items []*appendItem
	for i, p := range ps {
		it, err := db.createItem(p, evs[i], nil)
		if err != nil {
			panic(err)
		}
		items = append(items, it)
	}
	if stmt != "" {
		items = append(items, &appendItem{write: func(ctx context.Context, tx *wtx) (*petitions.Event, error) {
			_, err := tx.ExecContext(ctx, stmt)
			return nil, err
		}})
	}
	batch := make([]*item, len(items))
	for i, it := range items {
		batch[i] = groupcommit.NewItem(ctx, it)
	}
	db.runBatch(ctx, batch)
	errs := make([]error, len(items))
	for i, it := range batch {
		errs[i] = it.Wait()
		if i < len(ps) && errs[i] == nil {
			ps[i].Version, *evs[i] = 1, *it.Job.sealed
		}
	}
	return errs
}

func batchCase(id string) (*petitions.Petition, *petitions.Event) {
	return &petitions.Petition{ID: id, CaseNo: "CN-" + id, Kind: petitions.KindPetition, State: "registered",
			LeadUnit: "county"},
		&petitions.Event{Kind: "registered", Actor: "tester", ActorRole: "auditor", At: time.Now(), Data: []byte(`{}`)}
}

func createOne(t *testing.T, db *DB, id string) {
	t.Helper()
	p, ev := batchCase(id)
	if err := db.CreatePetition(context.Background(), p, ev); err != nil {
		t.Fatalf("CreatePetition %s: %v", id, err)
	}
}

// TestBatchItemFailsAlone puts items that fail (a taken case number, an
// event Seal refuses) into one batch with items that succeed: each fails
// with its own error and leaves nothing behind; the others are committed,
// sealed one after the other.
func TestBatchItemFailsAlone(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	createOne(t, db, "a")
	var ps []*petitions.Petition
	var evs []*petitions.Event
	for _, id := range []string{"b", "dup", "unsealable", "e"} {
		p, ev := batchCase(id)
		ps, evs = append(ps, p), append(evs, ev)
	}
	ps[1].CaseNo = "CN-a"
	evs[2].Actor = ""
	errs := db.createInOneBatch(ctx, ps, evs, "")
	for i, want := range []string{"", petitions.ECONFLICT, petitions.EINVALID, ""} {
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
	if evs[0].Seq != 2 || evs[3].Seq != 3 || evs[3].PrevHash != evs[0].Hash || evs[3].CaseSeq != 1 {
		t.Errorf("events sealed as seq %d and %d; want 2 and 3, the second on the first", evs[0].Seq, evs[3].Seq)
	}
	if r, err := petitions.VerifyStore(ctx, db, nil); err != nil || !r.OK() || r.LastSeq != 3 {
		t.Errorf("VerifyStore = %+v, %v; want 3 events verifying clean", r, err)
	}
}

// TestBatchCommitFailureFailsAll makes a batch's commit fail (a deferred
// foreign key one of its items breaks): every item of the batch learns it,
// none of their cases or events is stored, and the write connection goes
// on from the last committed event.
func TestBatchCommitFailureFailsAll(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE parent (id INTEGER PRIMARY KEY);
		CREATE TABLE child (id INTEGER REFERENCES parent DEFERRABLE INITIALLY DEFERRED)`); err != nil {
		t.Fatal(err)
	}
	createOne(t, db, "a")
	b, evB := batchCase("b")
	c, evC := batchCase("c")
	errs := db.createInOneBatch(ctx, []*petitions.Petition{b, c}, []*petitions.Event{evB, evC}, `INSERT INTO child VALUES (1)`)
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
	createOne(t, db, "after")
	if r, err := petitions.VerifyStore(ctx, db, nil); err != nil || !r.OK() || r.LastSeq != 2 {
		t.Errorf("VerifyStore = %+v, %v; want 2 events verifying clean", r, err)
	}
}
