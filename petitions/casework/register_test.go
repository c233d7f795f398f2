package casework_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// TestRegisterConcurrent has 64 officials' requests register cases at once:
// their writes share the store's batches, and still every case gets its own
// number, the numbers run on without a gap, the history verifies, and the
// statistics facts stored with each case count it as a replay of the
// history does.
func TestRegisterConcurrent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	const n = 64
	numbers := make([]string, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := f.svc.Register(ctx, official, claim())
			if err == nil {
				numbers[i] = v.CaseNo
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Register %d: %v", i, err)
		}
	}
	slices.Sort(numbers)
	serial := func(no string) int {
		s, err := strconv.Atoi(no[strings.LastIndex(no, "-")+1:])
		if err != nil {
			t.Fatalf("case number %q: %v", no, err)
		}
		return s
	}
	for i := 1; i < n; i++ {
		if serial(numbers[i]) != serial(numbers[i-1])+1 {
			t.Fatalf("case numbers %s then %s: not one after the other", numbers[i-1], numbers[i])
		}
	}
	if r, err := petitions.VerifyStore(ctx, f.store, nil); err != nil || !r.OK() {
		t.Fatalf("VerifyStore = %+v, %v", r, err)
	}

	disp := f.actor(t, f.ps.Dispatchers[0].ID)
	tree, err := f.svc.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := stats.Query{From: time.Date(2025, 1, 1, 0, 0, 0, 0, china), To: time.Date(2026, 11, 3, 0, 0, 0, 0, china)}
	got, err := f.svc.Statistics(ctx, disp, q)
	if err != nil {
		t.Fatal(err)
	}
	q.Now = f.clock()
	want, err := stats.Compute(q, tree, replayAll(t, f), map[petitions.Kind]*petitions.Lifecycle{
		petitions.KindPetition: f.svc.Lifecycle(petitions.KindPetition), petitions.KindMediation: f.svc.Lifecycle(petitions.KindMediation)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Cases != want.Cases {
		t.Errorf("statistics count %d cases, a replay of the history %d", got.Cases, want.Cases)
	}
	sameFigures(t, "after concurrent registrations", got.Figures, want.Figures)
}

// TestRegisterReportsStoreFailure: a case the store does not keep (here, a
// closed store) is an error for the caller, never a view of a case that
// does not exist.
func TestRegisterReportsStoreFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	if _, err := f.svc.Register(ctx, official, claim()); err != nil {
		t.Fatal(err)
	}
	f.store.Close()
	if v, err := f.svc.Register(ctx, official, claim()); err == nil {
		t.Fatalf("Register on a closed store returned case %s and no error", v.CaseNo)
	}
}
