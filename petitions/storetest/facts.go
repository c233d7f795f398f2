package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/stats"
)

// foldFacts is the in-memory twin of AggregateFacts: stats.AddFacts over
// facts, grouped as q asks. units gives the units of each case.
func foldFacts(q petitions.FactsQuery, facts []*petitions.CaseFacts, units func(*petitions.CaseFacts) []string) map[string]*petitions.FactsTotals {
	out := map[string]*petitions.FactsTotals{}
	add := func(key string, f *petitions.CaseFacts) {
		if out[key] == nil {
			out[key] = petitions.NewFactsTotals()
		}
		stats.AddFacts(out[key], f, q, key)
	}
	for _, f := range facts {
		us := units(f)
		if !f.Registered || (q.Units != nil && !slices.ContainsFunc(us, func(u string) bool { return slices.Contains(q.Units, u) })) {
			continue
		}
		switch q.GroupBy {
		case petitions.GroupNone:
			add("", f)
		case petitions.GroupUnit:
			for g, gus := range q.Groups {
				if slices.ContainsFunc(us, func(u string) bool { return slices.Contains(gus, u) }) {
					add(g, f)
				}
			}
		case petitions.GroupOwner:
			if f.Owner != "" {
				add(f.Owner, f)
			}
		case petitions.GroupMediator:
			for _, m := range f.Mediators {
				add(m.ID, f)
			}
		}
	}
	return out
}

// sameTotals fails t unless got and want hold the same sums.
func sameTotals(t *testing.T, what string, got, want map[string]*petitions.FactsTotals) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// randomFacts returns facts for case id with every field drawn around t0,
// so that each lands inside or outside the test periods.
func randomFacts(r *rand.Rand, id string) *petitions.CaseFacts {
	at := func() time.Time {
		if r.IntN(4) == 0 {
			return time.Time{}
		}
		return t0.Add(time.Duration(r.IntN(120*24)-60*24) * time.Hour).Add(time.Duration(r.IntN(3600)) * time.Second)
	}
	// due returns a deadline's China day and the instant it passes, or none.
	due := func() (day, passed time.Time) {
		t := at()
		if t.IsZero() {
			return t, t
		}
		return petitions.ChinaDate(t), petitions.EndOfDay(t)
	}
	units := []string{"fuyu", "fuyu-town", "tangchi"}
	f := &petitions.CaseFacts{CaseID: id, Version: 1, Registered: r.IntN(8) != 0, Kind: petitions.KindPetition,
		LeadUnit: units[r.IntN(3)], Owner: []string{"", "o1", "o2"}[r.IntN(3)],
		ReceivedAt: at(), RepeatLinks: r.IntN(3), Headcount: r.IntN(8),
		AcceptDecided: r.IntN(2) == 0, AcceptOnTime: r.IntN(2) == 0,
		RepliedAt: at(), RepliedOnTime: r.IntN(2) == 0, AcceptedAt: at(), Resolved: r.IntN(2) == 0,
		EffectiveAt: at(), Applied: r.IntN(2) == 0, PerfEndedAt: at(), Performed: r.IntN(2) == 0,
		Active: r.IntN(2) == 0, ClosedAt: at(),
		HasHandling: r.IntN(3) != 0, HandlingDays: r.IntN(90), Ratings: r.IntN(3), Satisfied: r.IntN(2)}
	f.AcceptDueDay, f.AcceptPassed = due()
	f.RunningDay, f.RunningPassed = due()
	if r.IntN(3) == 0 {
		f.Village = []string{"tangchi", "富裕镇", "nowhere"}[r.IntN(3)]
	}
	if r.IntN(2) == 0 {
		f.Kind = petitions.KindMediation
		for _, m := range []string{"m1", "m2"}[:r.IntN(3)] {
			f.Mediators = append(f.Mediators, petitions.MediatorFacts{ID: m, Ratings: r.IntN(3), Satisfied: r.IntN(2)})
		}
	}
	for range r.IntN(3) {
		s := petitions.SupervisionFacts{IssuedAt: at(), Passed: at(), AnsweredAt: at(), OnTime: r.IntN(2) == 0, Adopted: r.IntN(2) == 0}
		if s.IssuedAt.IsZero() || s.Passed.IsZero() {
			s.IssuedAt, s.Passed = t0, t0.Add(48*time.Hour)
		}
		f.Supervisions = append(f.Supervisions, s)
	}
	for range r.IntN(4) {
		s := petitions.SummonFacts{Level: []petitions.SummonLevel{petitions.SummonQuick, petitions.SummonEmergency, petitions.SummonTough}[r.IntN(3)],
			Unit: units[r.IntN(3)], IssuedAt: at(), Due: at(), OnTime: r.IntN(2) == 0}
		if s.IssuedAt.IsZero() {
			s.IssuedAt = t0
		}
		if r.IntN(2) == 0 {
			s.ReportedAt = s.IssuedAt.Add(time.Duration(r.IntN(7200)) * time.Second)
			s.Minutes = s.ReportedAt.Sub(s.IssuedAt).Minutes()
		}
		f.Summons = append(f.Summons, s)
	}
	return f
}

// factsScopes are the units the facts tests query: none, the county's and
// the township's subtrees (their roots first) given as units only and with
// their root, which lets a store read its sums by unit.
func factsScopes(county, town []string) []petitions.FactsQuery {
	return []petitions.FactsQuery{{}, {Units: county}, {Units: county, Unit: county[0]}, {Units: town},
		{Units: town, Unit: town[0]}}
}

// factsQueries are the queries of the facts tests: two periods, the
// county and one township, each grouping.
func factsQueries(county, town []string, groups map[string][]string) []petitions.FactsQuery {
	var qs []petitions.FactsQuery
	for _, from := range []time.Time{t0.AddDate(0, 0, -30), t0.AddDate(0, -6, 0)} {
		for _, sc := range factsScopes(county, town) {
			for _, g := range []string{petitions.GroupNone, petitions.GroupUnit, petitions.GroupOwner, petitions.GroupMediator} {
				q := petitions.FactsQuery{From: from, To: t0.AddDate(0, 0, 20), Now: t0,
					SoonDay: petitions.ChinaDate(t0).AddDate(0, 0, 3), Units: sc.Units, Unit: sc.Unit, GroupBy: g}
				if g == petitions.GroupUnit {
					q.Groups = groups
				}
				qs = append(qs, q)
			}
		}
	}
	return qs
}

// testFactsAggregate saves random facts and checks that every aggregate
// equals stats.AddFacts over the same facts.
func testFactsAggregate(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	createUnits(t, s)
	r := rand.New(rand.NewPCG(7, 11))
	var facts []*petitions.CaseFacts
	for n := 1; n <= 60; n++ {
		p := newPetition(n, "fuyu-town")
		create(t, s, p)
		f := randomFacts(r, p.ID)
		if err := s.SaveFacts(ctx, f); err != nil {
			t.Fatalf("SaveFacts %s: %v", p.ID, err)
		}
		facts = append(facts, f)
	}
	// The village resolves by id, else by name; an unknown one to nothing.
	units := func(f *petitions.CaseFacts) []string {
		us := []string{f.LeadUnit}
		switch f.Village {
		case "tangchi":
			us = append(us, "tangchi")
		case "富裕镇":
			us = append(us, "fuyu-town")
		}
		return us
	}
	groups := map[string][]string{"fuyu-town": {"fuyu-town"}, "tangchi": {"tangchi"}, "fuyu": {"fuyu", "fuyu-town", "tangchi"}}
	for _, q := range factsQueries([]string{"fuyu", "fuyu-town", "tangchi"}, []string{"tangchi"}, groups) {
		got, err := s.AggregateFacts(ctx, q)
		if err != nil {
			t.Fatalf("AggregateFacts %+v: %v", q, err)
		}
		sameTotals(t, fmt.Sprintf("from %s, units %v, by %q", q.From.Format(time.DateOnly), q.Units, q.GroupBy),
			got, foldFacts(q, facts, units))
	}

	// Older facts never replace newer ones; newer ones do.
	f := *facts[0]
	f.Version, f.Registered, f.ReceivedAt = 0, true, t0
	if err := s.SaveFacts(ctx, &f); err != nil {
		t.Fatalf("SaveFacts, older: %v", err)
	}
	q := petitions.FactsQuery{From: t0.AddDate(-1, 0, 0), To: t0.AddDate(1, 0, 0), Now: t0}
	before, err := s.AggregateFacts(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	sameTotals(t, "after older facts", before, foldFacts(q, facts, units))
	f.Version = 2
	if err := s.SaveFacts(ctx, &f); err != nil {
		t.Fatalf("SaveFacts, newer: %v", err)
	}
	facts[0] = &f
	after, err := s.AggregateFacts(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	sameTotals(t, "after newer facts", after, foldFacts(q, facts, units))

	testFactsUpdates(t, s, r, facts, units, groups)

	wantCode(t, "SaveFacts of no case", s.SaveFacts(ctx, &petitions.CaseFacts{CaseID: "nowhere", Version: 1}), petitions.ENOTFOUND)
	_, err = s.AggregateFacts(ctx, petitions.FactsQuery{From: t0, To: t0.AddDate(0, 0, 1), Now: t0, GroupBy: "colour"})
	wantCode(t, "AggregateFacts by colour", err, petitions.EINVALID)
}

// testFactsDemo loads the demo ledger (which saves the facts of its cases)
// and checks the aggregates against the facts replayed from the stored
// histories, for the county and by township and department.
func testFactsDemo(t *testing.T, s petitions.Store) {
	if testing.Short() {
		t.Skip("loads the demo ledger")
	}
	ctx := context.Background()
	if _, err := demo.Load(ctx, s, demo.Config{Seed: 5, Cases: 160}); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	cal := petitions.DefaultCalendar()
	lcs := map[petitions.Kind]*petitions.Lifecycle{
		petitions.KindPetition:  petitions.PetitionLifecycle(cal, nil),
		petitions.KindMediation: petitions.MediationLifecycle(cal, nil),
	}
	tree := storeTree(t, s)
	var facts []*petitions.CaseFacts
	for _, p := range allCases(t, s) {
		evs, err := s.Events(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		f, err := stats.FactsOf(p, evs, lcs)
		if err != nil {
			t.Fatal(err)
		}
		facts = append(facts, f)
	}
	units := func(f *petitions.CaseFacts) []string {
		us := []string{f.LeadUnit}
		if u, ok := tree.StationUnit(f.Station); ok {
			us = append(us, u)
		}
		if u, ok := tree.Resolve(f.Village); ok {
			us = append(us, u)
		}
		return us
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, unit := range []string{"", demo.TownshipID(0)} {
		for _, g := range []string{petitions.GroupNone, petitions.GroupUnit, petitions.GroupOwner, petitions.GroupMediator} {
			q := stats.FactsQuery(stats.Query{From: now.AddDate(-2, 0, 0), To: now, Now: now, Unit: unit}, tree, g)
			got, err := s.AggregateFacts(ctx, q)
			if err != nil {
				t.Fatalf("AggregateFacts: %v", err)
			}
			sameTotals(t, fmt.Sprintf("demo, unit %q, by %q", unit, g), got, foldFacts(q, facts, units))
		}
	}
}

// monthQueries are the queries of the pre-summed facts: periods that
// start and end on China month boundaries, that split months at either
// end, that fall inside one month, and that span a year, for the county,
// one township and no units, each grouping.
func monthQueries(county, town []string, groups map[string][]string) []petitions.FactsQuery {
	periods := [][2]time.Time{
		{month(3), month(5)}, // two whole months
		{month(4).Add(-time.Microsecond), month(5).Add(time.Microsecond)}, // a month and an instant each side
		{month(3).AddDate(0, 0, 14), month(5)},                            // split at the start
		{month(4), t0},                                                    // split at the end
		{month(5).AddDate(0, 0, 2), month(5).AddDate(0, 0, 9)},            // inside one month
		{t0.AddDate(-1, 0, 0), t0.AddDate(0, 1, 0)},                       // a year, split at both ends
	}
	var qs []petitions.FactsQuery
	for _, p := range periods {
		for _, sc := range factsScopes(county, town) {
			for _, g := range []string{petitions.GroupNone, petitions.GroupUnit, petitions.GroupOwner, petitions.GroupMediator} {
				q := petitions.FactsQuery{From: p[0], To: p[1], Now: t0,
					SoonDay: petitions.ChinaDate(t0).AddDate(0, 0, 3), Units: sc.Units, Unit: sc.Unit, GroupBy: g}
				if g == petitions.GroupUnit {
					q.Groups = groups
				}
				qs = append(qs, q)
			}
		}
	}
	return qs
}

// testFactsUpdates replaces the facts of the cases, round after round, by
// others that move them between months, units, owners and mediators, and
// in and out of the ledger (registered), and checks every aggregate
// against stats.AddFacts after each round: the sums kept on write
// subtract the old facts and add the new ones. Then it rebuilds the sums
// from the facts and checks again.
func testFactsUpdates(t *testing.T, s petitions.Store, r *rand.Rand, facts []*petitions.CaseFacts,
	units func(*petitions.CaseFacts) []string, groups map[string][]string) {
	t.Helper()
	ctx := context.Background()
	qs := append(monthQueries([]string{"fuyu", "fuyu-town", "tangchi"}, []string{"tangchi"}, groups),
		factsQueries([]string{"fuyu", "fuyu-town", "tangchi"}, []string{"tangchi"}, groups)...)
	check := func(what string) {
		t.Helper()
		for _, q := range qs {
			got, err := s.AggregateFacts(ctx, q)
			if err != nil {
				t.Fatalf("%s: AggregateFacts %+v: %v", what, q, err)
			}
			sameTotals(t, fmt.Sprintf("%s: %s–%s, units %v, by %q", what, q.From.Format(time.DateTime),
				q.To.Format(time.DateTime), q.Units, q.GroupBy), got, foldFacts(q, facts, units))
		}
	}
	check("saved once")
	for round := 2; round <= 3; round++ {
		for i, f := range facts {
			if r.IntN(3) == 0 {
				continue // some cases keep their facts
			}
			nf := randomFacts(r, f.CaseID)
			nf.Version = f.Version + 1
			if err := s.SaveFacts(ctx, nf); err != nil {
				t.Fatalf("SaveFacts %s, round %d: %v", f.CaseID, round, err)
			}
			facts[i] = nf
		}
		check(fmt.Sprintf("round %d", round))
	}
	// One case moved, field by field, across a month boundary and between
	// units and owners: each save subtracts exactly what the last added.
	f := *facts[1]
	f.Registered, f.Version = true, facts[1].Version
	for _, change := range []func(){
		func() { f.ReceivedAt = time.Date(2026, 4, 30, 23, 59, 59, 0, petitions.ChinaTime) },
		func() { f.ReceivedAt = time.Date(2026, 5, 1, 0, 0, 0, 0, petitions.ChinaTime) },
		func() { f.ClosedAt, f.HasHandling, f.HandlingDays = f.ReceivedAt.AddDate(0, -1, 0), true, 12 },
		func() { f.LeadUnit, f.Village, f.Owner = "tangchi", "富裕镇", "o2" },
		func() { f.Mediators = []petitions.MediatorFacts{{ID: "m2", Ratings: 2, Satisfied: 1}} },
		func() { f.Registered = false },
		func() { f.Registered, f.AcceptDueDay, f.AcceptDecided = true, month(4), true },
	} {
		change()
		f.Version++
		g := f
		if err := s.SaveFacts(ctx, &g); err != nil {
			t.Fatalf("SaveFacts %s: %v", g.CaseID, err)
		}
		facts[1] = &g
	}
	check("one case moved")
	// Cases saved at once update the same rows of sums: none is lost, and
	// no two saves deadlock.
	next := make([]*petitions.CaseFacts, len(facts))
	for i, f := range facts {
		next[i] = randomFacts(r, f.CaseID)
		next[i].Version = f.Version + 1
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(facts))
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(next); i += 4 {
				if err := s.SaveFacts(ctx, next[i]); err != nil {
					errs <- fmt.Errorf("SaveFacts %s: %w", next[i].CaseID, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("saving at once: %v", err)
	}
	copy(facts, next)
	check("saved at once")
	rb, ok := s.(stats.SumsRebuilder)
	if !ok {
		return
	}
	if err := rb.RebuildFactSums(ctx); err != nil {
		t.Fatalf("RebuildFactSums: %v", err)
	}
	check("rebuilt")
}

// month returns the start of month m of 2026, China time.
func month(m int) time.Time {
	return time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, petitions.ChinaTime)
}
