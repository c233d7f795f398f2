package stats_test

import (
	"context"
	"iter"
	"path/filepath"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/sqlite"
	"hearingroom/petitions/stats"
)

var china = time.FixedZone("CST", 8*3600)

// ledger is a demo county in a SQLite ledger, read back whole.
type ledger struct {
	store *sqlite.DB
	tree  *petitions.UnitTree
	lcs   map[petitions.Kind]*petitions.Lifecycle
	cases []*petitions.Petition
	evs   map[string][]*petitions.Event
}

// newLedger loads a demo ledger of n cases, adds supervisions and summons
// through the service (the demo makes none), and reads everything back.
func newLedger(tb testing.TB, n int) *ledger {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "ledger.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := demo.Load(ctx, db, demo.Config{Seed: 7, Cases: n}); err != nil {
		tb.Fatal(err)
	}
	l := &ledger{store: db, lcs: map[petitions.Kind]*petitions.Lifecycle{
		petitions.KindPetition:  petitions.PetitionLifecycle(petitions.DefaultCalendar(), nil),
		petitions.KindMediation: petitions.MediationLifecycle(petitions.DefaultCalendar(), nil),
	}}
	overlays(tb, l)
	l.read(tb)
	return l
}

// overlays supervises and summons some active cases in November 2026 and
// answers some of them, on time or late, through casework.
func overlays(tb testing.TB, l *ledger) {
	tb.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, china)
	svc := casework.New(l.store, casework.Config{Now: func() time.Time { return now }})
	disp := petitions.Actor{ID: "dispatcher.01", Roles: []petitions.RoleGrant{{Role: petitions.RoleDispatcher, Unit: demo.DeptID("xinfang")}}}
	ps, err := l.store.ListPetitions(ctx, petitions.PetitionFilter{Limit: petitions.MaxListLimit})
	if err != nil {
		tb.Fatal(err)
	}
	levels := []petitions.SummonLevel{petitions.SummonEmergency, petitions.SummonQuick, petitions.SummonTough}
	k := 0
	for _, p := range ps {
		if !l.lcs[p.Kind].Active(p.State) || p.State == petitions.StateDraft || k >= 12 {
			continue
		}
		now = time.Date(2026, 11, 2, 9, k, 0, 0, china)
		if _, err := svc.Supervise(ctx, disp, p.ID, casework.SuperviseRequest{Reason: "超期未办"}); err != nil {
			tb.Fatalf("supervise %s: %v", p.ID, err)
		}
		if k%3 != 2 {
			now = now.Add(time.Duration(k) * 24 * time.Hour * 3) // k*3 days: late once past 30
			if _, err := svc.Feedback(ctx, disp, p.ID, 0, casework.FeedbackRequest{Text: "已整改", Adopted: k%2 == 0}); err != nil {
				tb.Fatalf("feedback %s: %v", p.ID, err)
			}
		}
		now = time.Date(2026, 11, 3, 10, k, 0, 0, china)
		depts := []string{demo.DeptID("sifa"), demo.DeptID("xinfang")}
		if _, err := svc.Summon(ctx, disp, p.ID, casework.SummonRequest{Level: levels[k%3], Departments: depts}); err != nil {
			tb.Fatalf("summon %s: %v", p.ID, err)
		}
		if k%4 != 3 {
			now = now.Add(time.Duration(10+k*20) * time.Minute)
			if _, err := svc.ReportIn(ctx, disp, p.ID, 0, depts[0], 0); err != nil {
				tb.Fatalf("report in %s: %v", p.ID, err)
			}
		}
		k++
	}
	if k < 12 {
		tb.Fatalf("only %d active cases to supervise", k)
	}
}

// read reads the tree, every case and every history back from the store.
func (l *ledger) read(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	units, err := l.store.Units(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	l.tree = petitions.NewUnitTree(units)
	sts, err := l.store.Stations(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range sts {
		l.tree.SetStation(s.ID, s.Unit)
	}
	l.evs = map[string][]*petitions.Event{}
	f := petitions.PetitionFilter{Limit: petitions.MaxListLimit}
	for {
		ps, err := l.store.ListPetitions(ctx, f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range ps {
			evs, err := l.store.Events(ctx, p.ID)
			if err != nil {
				tb.Fatal(err)
			}
			l.cases, l.evs[p.ID] = append(l.cases, p), evs
			f.After = p.ID
		}
		if len(ps) < f.Limit {
			return
		}
	}
}

func (l *ledger) seq() iter.Seq2[*petitions.Petition, []*petitions.Event] {
	return func(yield func(*petitions.Petition, []*petitions.Event) bool) {
		for _, p := range l.cases {
			if !yield(p, l.evs[p.ID]) {
				return
			}
		}
	}
}

// demoQuery is the period of the tests: most of the demo ledger, so that
// cases straddle both ends, and the November overlays.
func demoQuery() stats.Query {
	return stats.Query{
		From: time.Date(2025, 3, 1, 0, 0, 0, 0, china),
		To:   time.Date(2026, 11, 4, 0, 0, 0, 0, china),
		Now:  time.Date(2026, 12, 20, 12, 0, 0, 0, china), // after every event

	}
}

// TestComputeMatchesNaive recomputes every figure of the county, of each
// township and department, of each mediator and of each owner from the case
// records with naive loops, and compares numerators and denominators exactly.
func TestComputeMatchesNaive(t *testing.T) {
	l := newLedger(t, 300)
	q := demoQuery()
	rep, err := stats.Compute(q, l.tree, l.seq(), l.lcs)
	if err != nil {
		t.Fatal(err)
	}
	want := naive(l, q, func(*petitions.Petition) bool { return true })
	compare(t, "county", rep.Figures, want)
	for _, key := range []string{"received_cases", "accepted", "on_time_acceptance", "on_time_completion", "resolution_rate",
		"overdue_now", "handling_days_mean", "mediation_success", "judicial_confirmation", "performance",
		"supervisions_on_time", "summons_emergency_on_time"} {
		if f, _ := stats.Find(rep.Figures, key); f.Numerator == 0 && f.Denominator == 0 {
			t.Errorf("%s is empty in the demo ledger: the comparison proves nothing", key)
		}
	}
	if len(rep.ByUnit) == 0 {
		t.Fatal("no per-unit figures")
	}
	for unit, fs := range rep.ByUnit {
		compare(t, unit, fs, naive(l, q, naiveWithin(l.tree, unit)))
	}
	compareMediators(t, l, q, rep.ByMediator)
	compareOwners(t, l, q, rep.ByOwner)

	// The figures of one township equal its ByUnit entry in the county report.
	town := demo.TownshipID(0)
	q.Unit = town
	one, err := stats.Compute(q, l.tree, l.seq(), l.lcs)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "query "+town, one.Figures, toMap(rep.ByUnit[town]))
	if len(one.ByUnit) != 1 {
		t.Errorf("a township's report breaks down into %d units, want 1", len(one.ByUnit))
	}
}

func toMap(fs []stats.Figure) map[string][2]float64 {
	m := map[string][2]float64{}
	for _, f := range fs {
		m[f.Key] = [2]float64{f.Numerator, f.Denominator}
	}
	return m
}

func compare(t *testing.T, scope string, got []stats.Figure, want map[string][2]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d figures, want %d", scope, len(got), len(want))
	}
	for _, f := range got {
		w, ok := want[f.Key]
		if !ok {
			t.Errorf("%s: unexpected figure %s", scope, f.Key)
			continue
		}
		if f.Numerator != w[0] || f.Denominator != w[1] {
			t.Errorf("%s: %s = %v ÷ %v, naive %v ÷ %v", scope, f.Key, f.Numerator, f.Denominator, w[0], w[1])
		}
		if f.Name == "" || f.NameEN == "" || f.Formula == "" || f.Basis == "" || f.Unit == "" {
			t.Errorf("%s: %s is not fully described: %+v", scope, f.Key, f)
		}
	}
}

func compareMediators(t *testing.T, l *ledger, q stats.Query, got map[string][]stats.Figure) {
	t.Helper()
	want := map[string]map[string][2]float64{}
	for _, p := range l.cases {
		if p.Mediation == nil {
			continue
		}
		for _, m := range p.Mediation.MediatorIDs {
			w := want[m]
			if w == nil {
				w = map[string][2]float64{"mediations_accepted": {}, "mediation_success": {}, "participation": {}, "satisfaction": {}}
				want[m] = w
			}
			if inPeriod(q, p.AcceptedAt) {
				w["mediations_accepted"] = add(w["mediations_accepted"], 1, 0)
				eff := 0.0
				if p.Mediation.Agreement != nil && !p.Mediation.Agreement.EffectiveAt.IsZero() {
					eff = 1
				}
				w["mediation_success"] = add(w["mediation_success"], eff, 1)
			}
			if inPeriod(q, p.ClosedAt) {
				w["participation"] = add(w["participation"], 0, 1) // the demo rates nobody
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d mediators, naive %d", len(got), len(want))
	}
	for m, fs := range got {
		compare(t, "mediator "+m, fs, want[m])
	}
}

func compareOwners(t *testing.T, l *ledger, q stats.Query, got map[string][]stats.Figure) {
	t.Helper()
	want := map[string]map[string][2]float64{}
	for _, p := range l.cases {
		if p.Owner == "" {
			continue
		}
		w := want[p.Owner]
		if w == nil {
			w = map[string][2]float64{"owner_cases": {}, "owner_closed": {}, "owner_overdue": {}}
			want[p.Owner] = w
		}
		w["owner_cases"] = add(w["owner_cases"], 1, 0)
		if !p.ClosedAt.IsZero() {
			w["owner_closed"] = add(w["owner_closed"], 1, 0)
		}
		if l.lcs[p.Kind].Overdue(p, q.Now) {
			w["owner_overdue"] = add(w["owner_overdue"], 1, 0)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d owners, naive %d", len(got), len(want))
	}
	for o, fs := range got {
		compare(t, "owner "+o, fs, want[o])
	}
}

func add(v [2]float64, num, den float64) [2]float64 { return [2]float64{v[0] + num, v[1] + den} }

// naiveWithin selects the cases of a township or department by walking up
// the parents of the case's lead unit, station unit and village by hand.
func naiveWithin(tree *petitions.UnitTree, unit string) func(*petitions.Petition) bool {
	return func(p *petitions.Petition) bool {
		refs := []string{p.LeadUnit, p.Village}
		if u, ok := tree.StationUnit(p.StationID); ok {
			refs = append(refs, u)
		}
		for _, ref := range refs {
			for u, ok := tree.Unit(ref); ok; u, ok = tree.Unit(u.ParentID) {
				if u.ID == unit {
					return true
				}
			}
		}
		return false
	}
}

func inPeriod(q stats.Query, t time.Time) bool {
	return !t.IsZero() && t.Compare(q.From) >= 0 && t.Compare(q.To) < 0
}

// BenchmarkCompute computes the county report of a 300-case demo ledger
// held in memory.
func BenchmarkCompute(b *testing.B) {
	l := newLedger(b, 300)
	q := demoQuery()
	b.ResetTimer()
	for b.Loop() {
		if _, err := stats.Compute(q, l.tree, l.seq(), l.lcs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(l.cases))*float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
