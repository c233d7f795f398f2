package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
)

// BenchFactsCases returns the number of cases whose facts a statistics
// benchmark loads: HEARINGROOM_BENCH_FACTS, or 100,000.
func BenchFactsCases() int {
	if n, err := strconv.Atoi(os.Getenv("HEARINGROOM_BENCH_FACTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// The benchmark county: 20 townships of 10 villages each, 30 departments.
const (
	benchTownships   = 20
	benchVillages    = 10
	benchDepartments = 30
)

func benchTownship(i int) string   { return fmt.Sprintf("bf-t%02d", i) }
func benchVillage(t, v int) string { return fmt.Sprintf("bf-t%02d-v%02d", t, v) }
func benchDepartment(i int) string { return fmt.Sprintf("bf-d%02d", i) }

// benchNow is the statistics benchmark's "now"; its cases were received
// over the ten years before it.
var benchNow = time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// BenchFacts returns the facts of case n of the statistics benchmark, the
// same for the same n, with StationUnit and VillageUnit already resolved
// (adapters bulk-load them as they are): received over ten years, a lead
// township or department and a village, four in five accepted, most
// closed with ratings, a third mediations, one in twenty active, some
// supervised or summoned.
func BenchFacts(n int) *petitions.CaseFacts {
	r := rand.New(rand.NewPCG(uint64(n), 5))
	t := r.IntN(benchTownships)
	f := &petitions.CaseFacts{CaseID: fmt.Sprintf("00000000-0000-4000-9000-%012d", n), Version: 1, Registered: true,
		Kind: petitions.KindPetition, LeadUnit: benchTownship(t), Village: benchVillage(t, r.IntN(benchVillages)),
		RepeatLinks: r.IntN(10) / 8, Headcount: 1 + r.IntN(10)/7*r.IntN(8)}
	if r.IntN(4) == 0 {
		f.LeadUnit = benchDepartment(r.IntN(benchDepartments))
	}
	f.VillageUnit = f.Village
	if r.IntN(4) > 0 {
		f.Owner = fmt.Sprintf("bf-leader-%03d", r.IntN(200))
	}
	f.ReceivedAt = benchNow.Add(-time.Duration(r.Int64N(int64(10 * 365 * 24 * time.Hour))))
	due := func(from time.Time, days int) (time.Time, time.Time) {
		d := from.AddDate(0, 0, days)
		return petitions.ChinaDate(d), petitions.EndOfDay(d)
	}
	f.AcceptDueDay, f.AcceptPassed = due(f.ReceivedAt, 15)
	decided := f.ReceivedAt.Add(time.Duration(r.IntN(20*24)) * time.Hour)
	f.Active = decided.After(benchNow) || r.IntN(20) == 0 && benchNow.Sub(f.ReceivedAt) < 120*24*time.Hour
	if decided.After(benchNow) {
		f.RunningDay, f.RunningPassed = f.AcceptDueDay, f.AcceptPassed
		return f
	}
	f.AcceptDecided, f.AcceptOnTime = true, decided.Before(f.AcceptPassed)
	if r.IntN(5) == 0 { // not accepted
		return f
	}
	f.AcceptedAt = decided
	if r.IntN(3) == 0 {
		f.Kind = petitions.KindMediation
		f.Mediators = []petitions.MediatorFacts{{ID: fmt.Sprintf("bf-mediator-%03d", r.IntN(100))}}
	}
	handling := r.IntN(90)
	day, passed := due(decided, 60)
	if f.Active {
		f.RunningDay, f.RunningPassed = day, passed
	} else {
		f.RepliedAt = decided.AddDate(0, 0, handling)
		f.RepliedOnTime = f.RepliedAt.Before(passed)
		f.ClosedAt = f.RepliedAt.AddDate(0, 0, r.IntN(10))
		f.HasHandling, f.HandlingDays = true, int(petitions.ChinaDate(f.ClosedAt).Sub(petitions.ChinaDate(decided)).Hours()/24)
		f.Resolved = r.IntN(10) < 8
		if r.IntN(3) > 0 {
			f.Ratings = 1 + r.IntN(2)
			f.Satisfied = r.IntN(f.Ratings + 1)
		}
		if f.Kind == petitions.KindMediation {
			f.EffectiveAt = decided.AddDate(0, 0, handling/2)
			f.Applied = r.IntN(4) == 0
			f.PerfEndedAt, f.Performed = f.ClosedAt, r.IntN(10) < 9
			f.Mediators[0].Ratings, f.Mediators[0].Satisfied = f.Ratings, f.Satisfied
		}
	}
	if r.IntN(20) == 0 {
		issued := decided.AddDate(0, 0, 5)
		s := petitions.SupervisionFacts{IssuedAt: issued, Passed: petitions.EndOfDay(issued.AddDate(0, 0, 30))}
		if r.IntN(4) > 0 {
			s.AnsweredAt = issued.AddDate(0, 0, r.IntN(40))
			s.OnTime, s.Adopted = s.AnsweredAt.Before(s.Passed), r.IntN(2) == 0
		}
		f.Supervisions = append(f.Supervisions, s)
	}
	if r.IntN(30) == 0 {
		issued := decided.Add(time.Hour)
		level := []petitions.SummonLevel{petitions.SummonQuick, petitions.SummonEmergency, petitions.SummonTough}[r.IntN(3)]
		for d := range 1 + r.IntN(3) {
			s := petitions.SummonFacts{Level: level, Unit: benchDepartment(d), IssuedAt: issued, Due: issued.Add(2 * time.Hour)}
			if r.IntN(5) > 0 {
				s.ReportedAt = issued.Add(time.Duration(r.IntN(180)) * time.Minute)
				s.Minutes, s.OnTime = s.ReportedAt.Sub(issued).Minutes(), !s.ReportedAt.After(s.Due)
			}
			f.Summons = append(f.Summons, s)
		}
	}
	return f
}

// BenchStatistics measures the county statistics over the facts an
// adapter bulk-loaded (BenchFacts 1…n): the four AggregateFacts queries
// casework.Statistics makes for this year to date — the county, its 50
// townships and departments, the mediators and the 包案 leaders — one
// after the other (p50-ms, p95-ms), the county's own query alone
// (county-…), and the four at once as the statistics page makes them
// (page-…). It reports the p50 and p95 of each in milliseconds.
func BenchStatistics(b *testing.B, s petitions.Store) {
	ctx := context.Background()
	groups := map[string][]string{}
	county := []string{"bf-county"}
	for t := range benchTownships {
		g := []string{benchTownship(t)}
		for v := range benchVillages {
			g = append(g, benchVillage(t, v))
		}
		groups[benchTownship(t)] = g
		county = append(county, g...)
	}
	for d := range benchDepartments {
		groups[benchDepartment(d)] = []string{benchDepartment(d)}
		county = append(county, benchDepartment(d))
	}
	slices.Sort(county)
	query := func(g string) petitions.FactsQuery {
		q := petitions.FactsQuery{From: time.Date(2026, 1, 1, 0, 0, 0, 0, benchNow.Location()),
			To: time.Date(2026, 11, 3, 0, 0, 0, 0, benchNow.Location()), Now: benchNow,
			SoonDay: petitions.ChinaDate(benchNow).AddDate(0, 0, 3), GroupBy: g}
		if g == petitions.GroupUnit {
			q.Groups = groups
		}
		return q
	}
	run := func(gs ...string) time.Duration {
		start := time.Now()
		for _, g := range gs {
			if _, err := s.AggregateFacts(ctx, query(g)); err != nil {
				b.Fatalf("AggregateFacts by %q: %v", g, err)
			}
		}
		return time.Since(start)
	}
	total, err := s.AggregateFacts(ctx, query(petitions.GroupNone))
	if err != nil || total[""] == nil {
		b.Fatalf("county: %v", err)
	}
	b.Logf("%d cases: %d received, %d closed, %d active this period", total[""].Cases, total[""].Received,
		total[""].Closed, total[""].Active)
	for _, g := range []string{petitions.GroupNone, petitions.GroupUnit, petitions.GroupMediator, petitions.GroupOwner} {
		b.Logf("by %q: %v", g, run(g))
	}
	// page runs the four at once, as casework.Statistics does for the page.
	page := func() time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for _, g := range []string{petitions.GroupNone, petitions.GroupUnit, petitions.GroupMediator, petitions.GroupOwner} {
			wg.Go(func() { run(g) })
		}
		wg.Wait()
		return time.Since(start)
	}
	var all, one, pages []time.Duration
	b.ResetTimer()
	for b.Loop() {
		all = append(all, run(petitions.GroupNone, petitions.GroupUnit, petitions.GroupMediator, petitions.GroupOwner))
		one = append(one, run(petitions.GroupNone))
		pages = append(pages, page())
	}
	b.StopTimer()
	pct := func(ds []time.Duration, p float64) float64 {
		s := slices.Sorted(slices.Values(ds))
		k := min(max(int(float64(len(s))*p/100+0.999999), 1), len(s)) - 1
		return float64(s[k].Microseconds()) / 1000
	}
	b.ReportMetric(pct(all, 50), "p50-ms")
	b.ReportMetric(pct(all, 95), "p95-ms")
	b.ReportMetric(pct(one, 50), "county-p50-ms")
	b.ReportMetric(pct(one, 95), "county-p95-ms")
	b.ReportMetric(pct(pages, 50), "page-p50-ms")
	b.ReportMetric(pct(pages, 95), "page-p95-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchFactsUnits returns the benchmark county's units, parents first.
func BenchFactsUnits() []*petitions.Unit {
	us := []*petitions.Unit{{ID: "bf-county", Name: "bench county", Level: petitions.UnitCounty}}
	for t := range benchTownships {
		us = append(us, &petitions.Unit{ID: benchTownship(t), Name: benchTownship(t), Level: petitions.UnitTownship, ParentID: "bf-county"})
		for v := range benchVillages {
			us = append(us, &petitions.Unit{ID: benchVillage(t, v), Name: benchVillage(t, v), Level: petitions.UnitVillage,
				ParentID: benchTownship(t)})
		}
	}
	for d := range benchDepartments {
		us = append(us, &petitions.Unit{ID: benchDepartment(d), Name: benchDepartment(d), Level: petitions.UnitDepartment,
			ParentID: "bf-county"})
	}
	return us
}
