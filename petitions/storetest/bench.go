package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"hearingroom/petitions"
)

// BenchCases returns the number of cases a worklist benchmark loads:
// HEARINGROOM_BENCH_CASES, or 100,000.
func BenchCases() int {
	if n, err := strconv.Atoi(os.Getenv("HEARINGROOM_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchUnit returns the township id i (0–19) of the benchmark's cases.
func BenchUnit(i int) string { return fmt.Sprintf("bench-t%02d", i%20) }

// BenchCase returns case n of the benchmark's ledger, the same for the same
// n: one of 20 townships leads it, a fifth are active with a deadline
// spread over a year, a tenth supervised, some red, some repeats. Adapters
// bulk-load these (with the columns petitions.ListingOf gives) and then run
// BenchWorklists.
func BenchCase(n int) *petitions.Petition {
	r := rand.New(rand.NewPCG(uint64(n), 99))
	p := newPetition(n, BenchUnit(r.IntN(20)))
	p.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	p.CaseNo = fmt.Sprintf("230722-B-%08d", n)
	p.ReceivedAt = t0.Add(-time.Duration(r.IntN(3*365*24)) * time.Hour)
	p.Category = petitions.DefaultCategories()[r.IntN(10)].Code
	p.RiskLevel = []petitions.RiskLevel{petitions.RiskGreen, petitions.RiskGreen, petitions.RiskYellow, petitions.RiskRed}[r.IntN(4)]
	p.State = petitions.StateArchived
	if r.IntN(5) == 0 {
		p.State = petitions.StateInProgress
		day := t0.AddDate(0, 0, r.IntN(365)-180)
		p.Deadlines = map[petitions.Step]petitions.Deadline{petitions.StepHandling: {Step: petitions.StepHandling, Adjusted: day, Nominal: day}}
	}
	if r.IntN(10) == 0 {
		p.Supervisions = []petitions.Supervision{{By: "leader", Reason: "督办", IssuedAt: t0}}
	}
	if r.IntN(20) == 0 {
		p.Links = []petitions.Link{{Kind: petitions.LinkRepeat, CaseID: "x"}}
	}
	if r.IntN(3) == 0 {
		p.Assignments = []petitions.Assignment{{PersonID: fmt.Sprintf("person-%d", r.IntN(500)), UnitID: BenchUnit(r.IntN(20)), AssignedAt: t0}}
	}
	return p
}

// BenchWorklists measures one worklist page (50 cases, a township's
// scope or the county's, nine worklists in turn, the first or the second
// page) on a store
// loaded with BenchCase cases, and reports its p95 as "p95-ms".
func BenchWorklists(b *testing.B, s petitions.Store) {
	ctx := context.Background()
	active := true
	views := []petitions.PetitionFilter{
		{Active: &active, Sort: petitions.SortDue},                                          // due
		{Active: &active, DueBefore: t0, Sort: petitions.SortDue},                           // overdue
		{Active: &active, Sort: petitions.SortSupervised},                                   // supervised first
		{Active: &active, Risk: petitions.RiskRed, Sort: petitions.SortReceived},            // red
		{Repeat: true, Sort: petitions.SortReceived},                                        // repeat
		{Active: &active, Category: "wage_arrears", Sort: petitions.SortRisk},               // a category
		{Sort: petitions.SortReceived, ReceivedFrom: t0.AddDate(0, -1, 0)},                  // received this month
		{Active: &active, Units: []string{BenchUnit(3)}, Sort: petitions.SortDue},           // a unit
		{Active: &active, Scope: &petitions.Scope{AllUnits: true}, Sort: petitions.SortDue}, // the county
	}
	var times []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		f := views[i%len(views)]
		if f.Scope == nil {
			f.Scope = &petitions.Scope{Units: []string{BenchUnit(i)}, PersonID: "person-1"}
		}
		f.Limit = 50
		if i%2 == 1 { // every other time, the second page
			b.StopTimer()
			page, err := s.ListPetitions(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 50 {
				f.After = petitions.CursorOf(page[49], f.Sort)
			}
			b.StartTimer()
		}
		start := time.Now()
		if _, err := s.ListPetitions(ctx, f); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
	}
}
