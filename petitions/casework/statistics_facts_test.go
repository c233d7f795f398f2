package casework_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/stats"
)

// TestStatisticsFacts checks that the statistics the store sums from the
// facts of each case equal stats.Compute over a replay of every history,
// figure by figure, for the county and each township — on the demo
// ledger, and again after cases were registered and moved through the
// service, which keeps the facts current.
func TestStatisticsFacts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	disp := f.actor(t, f.ps.Dispatchers[0].ID)
	tree, err := f.svc.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	units := []string{""}
	for _, u := range stats.BreakdownUnits(tree, "") {
		if v, _ := tree.Unit(u); v.Level == petitions.UnitTownship {
			units = append(units, u)
		}
	}
	check := func(when string) {
		t.Helper()
		for _, unit := range units {
			q := stats.Query{From: time.Date(2025, 1, 1, 0, 0, 0, 0, china), To: time.Date(2026, 11, 3, 0, 0, 0, 0, china), Unit: unit}
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
			what := fmt.Sprintf("%s, unit %q", when, unit)
			if got.Cases != want.Cases || got.Cases == 0 {
				t.Errorf("%s: %d cases, replay %d", what, got.Cases, want.Cases)
			}
			sameFigures(t, what, got.Figures, want.Figures)
			for _, by := range []struct {
				name      string
				got, want map[string][]stats.Figure
			}{{"unit", got.ByUnit, want.ByUnit}, {"mediator", got.ByMediator, want.ByMediator}, {"owner", got.ByOwner, want.ByOwner}} {
				if len(by.got) != len(by.want) {
					t.Errorf("%s: %d %ss, replay %d", what, len(by.got), by.name, len(by.want))
				}
				for k, w := range by.want {
					sameFigures(t, what+", "+by.name+" "+k, by.got[k], w)
				}
			}
		}
	}
	check("demo ledger")

	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	for i := range 3 {
		v, err := f.svc.Register(ctx, official, claim())
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			continue
		}
		if _, err := f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "accept",
			Input: petitions.TransitionInput{Manner: petitions.MannerInPerson}}); err != nil {
			t.Fatal(err)
		}
	}
	check("after registering and accepting")
}

// sameFigures fails t unless got has want's figures with the same
// numerator, denominator and value.
func sameFigures(t *testing.T, what string, got, want []stats.Figure) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d figures, replay %d", what, len(got), len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.Key || g.Numerator != w.Numerator || g.Denominator != w.Denominator || g.Value != w.Value {
			t.Errorf("%s: %s = %v/%v (%v), replay %s = %v/%v (%v)", what, g.Key, g.Numerator, g.Denominator, g.Value,
				w.Key, w.Numerator, w.Denominator, w.Value)
		}
	}
}

// replayAll streams every case of the fixture's store with its history.
func replayAll(t *testing.T, f *fixture) func(func(*petitions.Petition, []*petitions.Event) bool) {
	return func(yield func(*petitions.Petition, []*petitions.Event) bool) {
		ctx := context.Background()
		lf := petitions.PetitionFilter{Limit: petitions.MaxListLimit}
		for {
			page, err := f.store.ListPetitions(ctx, lf)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				lf.After = p.ID
				evs, err := f.store.Events(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !yield(p, evs) {
					return
				}
			}
			if len(page) < lf.Limit {
				return
			}
		}
	}
}
