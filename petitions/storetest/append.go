package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"hearingroom/petitions"
)

// registeredFacts returns the facts of p as registered at t0.
func registeredFacts(p *petitions.Petition) *petitions.CaseFacts {
	return &petitions.CaseFacts{CaseID: p.ID, Version: 1, Registered: true, Kind: p.Kind, LeadUnit: p.LeadUnit,
		ReceivedAt: t0, Active: true}
}

// registeredCases returns how many registered cases the stored facts count
// around t0.
func registeredCases(t *testing.T, s petitions.Store) int {
	t.Helper()
	q := petitions.FactsQuery{From: t0.AddDate(0, 0, -1), To: t0.AddDate(0, 0, 1), Now: t0, SoonDay: t0,
		GroupBy: petitions.GroupNone}
	sums, err := s.AggregateFacts(context.Background(), q)
	if err != nil {
		t.Fatalf("AggregateFacts: %v", err)
	}
	if sums[""] == nil {
		return 0
	}
	return sums[""].Cases
}

// testCreateWithFacts stores a case with its facts in one go; facts of
// another case, or a case that cannot be created, store nothing.
func testCreateWithFacts(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "town-1")
	ev := newEvent("registered", 0, `{"to":"registered"}`)
	if err := s.CreatePetitionWithFacts(ctx, p, ev, registeredFacts(p)); err != nil {
		t.Fatalf("CreatePetitionWithFacts: %v", err)
	}
	if p.Version != 1 || ev.Seq != 1 || ev.CaseID != p.ID || ev.Hash == "" {
		t.Fatalf("after CreatePetitionWithFacts: version %d, event %+v", p.Version, ev)
	}
	if n := registeredCases(t, s); n != 1 {
		t.Fatalf("facts count %d registered cases, want 1", n)
	}

	q := newPetition(2, "town-1")
	err := s.CreatePetitionWithFacts(ctx, q, newEvent("registered", 0, `{}`), registeredFacts(p))
	wantCode(t, "facts of another case", err, petitions.EINVALID)
	dup := newPetition(3, "town-1")
	dup.CaseNo = p.CaseNo
	err = s.CreatePetitionWithFacts(ctx, dup, newEvent("registered", 0, `{}`), registeredFacts(dup))
	wantCode(t, "a taken case number", err, petitions.ECONFLICT)
	for _, id := range []string{q.ID, dup.ID} {
		_, err := s.Petition(ctx, id)
		wantCode(t, "a case not created", err, petitions.ENOTFOUND)
	}
	if n := registeredCases(t, s); n != 1 {
		t.Fatalf("facts count %d registered cases after refused creations, want 1", n)
	}
	if r := verifyOK(t, s); r.LastSeq != 1 {
		t.Fatalf("history ends at %d, want 1", r.LastSeq)
	}
}

// testCreateConcurrent has 64 writers each create a case (half of them with
// facts) and append two events to it, all at once: the appends are
// committed in batches, and the history must verify with every event once
// and each case's chain 1, 2, 3.
func testCreateConcurrent(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	const writers = 64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := newPetition(100+i, "town-1")
			var f *petitions.CaseFacts
			if i%2 == 0 {
				f = registeredFacts(p)
			}
			if err := s.CreatePetitionWithFacts(ctx, p, newEvent("registered", 0, `{}`), f); err != nil {
				errs <- fmt.Errorf("case %d: create: %w", i, err)
				return
			}
			for k := range 2 {
				ev := newEvent("note", k+1, fmt.Sprintf(`{"writer":%d,"k":%d}`, i, k))
				ev.CaseID = p.ID
				if err := s.AppendEvent(ctx, ev); err != nil {
					errs <- fmt.Errorf("case %d: append %d: %w", i, k, err)
					return
				}
				if ev.CaseSeq != int64(k+2) {
					errs <- fmt.Errorf("case %d: append %d sealed as case seq %d", i, k, ev.CaseSeq)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if r := verifyOK(t, s); r.LastSeq != 3*writers {
		t.Fatalf("history ends at %d, want %d", r.LastSeq, 3*writers)
	}
	for i := range writers {
		evs, err := s.Events(ctx, newPetition(100+i, "").ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 || evs[0].Kind != "registered" || evs[2].CaseSeq != 3 {
			t.Fatalf("case %d has %d events, want registered and two notes", i, len(evs))
		}
	}
	if n := registeredCases(t, s); n != writers/2 {
		t.Fatalf("facts count %d registered cases, want %d", n, writers/2)
	}
}

// BenchCreate measures creating cases with their facts from b's parallel
// goroutines (b.SetParallelism scales them), as officials registering at
// once do: the appends share the store's batches. It reports cases/s.
func BenchCreate(b *testing.B, s petitions.Store) {
	ctx := context.Background()
	var mu sync.Mutex
	next := 0
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			next++
			n := next
			mu.Unlock()
			p := newPetition(n, "town-1")
			ev := newEvent("registered", 0, `{"to":"registered"}`)
			if err := s.CreatePetitionWithFacts(ctx, p, ev, registeredFacts(p)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
