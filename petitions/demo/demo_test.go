package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/sqlite"
)

// nop is an Emitter that keeps nothing.
type nop struct {
	cases  []string
	states map[string]petitions.State
}

func (n *nop) CreateUnit(context.Context, *petitions.Unit) error { return nil }
func (n *nop) CreatePetition(_ context.Context, p *petitions.Petition, _ *petitions.Event) error {
	if n.states != nil {
		n.cases = append(n.cases, p.CaseNo)
		n.states[p.CaseNo] = p.State
	}
	return nil
}
func (n *nop) UpdatePetition(_ context.Context, p *petitions.Petition, _ int64, _ *petitions.Event) error {
	if n.states != nil {
		n.states[p.CaseNo] = p.State
	}
	return nil
}
func (n *nop) SaveSession(context.Context, *petitions.Session) error       { return nil }
func (n *nop) CreateStation(context.Context, *petitions.Station) error     { return nil }
func (n *nop) CreatePerson(context.Context, *petitions.Person) error       { return nil }
func (n *nop) CreateReception(context.Context, *petitions.Reception) error { return nil }

func TestUnits(t *testing.T) {
	levels := map[petitions.UnitLevel]int{}
	var units []petitions.Unit
	for _, u := range demo.Units() {
		levels[u.Level]++
		units = append(units, *u)
	}
	if err := petitions.ValidateUnits(units); err != nil {
		t.Fatal(err)
	}
	if levels[petitions.UnitCounty] != 1 || levels[petitions.UnitTownship] != 10 || levels[petitions.UnitVillage] != 90 || levels[petitions.UnitDepartment] < 10 {
		t.Fatalf("levels = %v", levels)
	}
}

func TestSchedule(t *testing.T) {
	ps := demo.NewPeople(1)
	s := demo.NewSchedule(ps, petitions.DefaultCalendar(), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	if len(s) < 20 {
		t.Fatalf("%d receptions in March", len(s))
	}
	if got := s.On(s[0].Date); len(got) == 0 {
		t.Fatalf("no reception on %v", s[0].Date)
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := demo.Config{Seed: 7, Cases: 300}
	sum, err := demo.Load(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("units %d, stations %d, people %d, receptions %d, cases %d, events %d, sessions %d, overdue %d",
		sum.Units, sum.Stations, sum.People, sum.Receptions, sum.Cases, sum.Events, sum.Sessions, sum.Overdue)
	for kind, lc := range map[petitions.Kind]*petitions.Lifecycle{
		petitions.KindPetition:  petitions.PetitionLifecycle(nil, nil),
		petitions.KindMediation: petitions.MediationLifecycle(nil, nil),
	} {
		for _, st := range lc.States {
			if st == petitions.StateDraft {
				continue
			}
			if sum.States[kind][st] == 0 {
				t.Errorf("no %s case is %s", kind, st)
			}
		}
		t.Logf("%s: %v", kind, sum.States[kind])
	}

	units, err := db.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[petitions.UnitLevel]int{}
	for _, u := range units {
		levels[u.Level]++
	}
	if levels[petitions.UnitCounty] != 1 || levels[petitions.UnitTownship] != 10 || levels[petitions.UnitVillage] != 90 {
		t.Errorf("stored levels = %v", levels)
	}

	stations := checkDirectory(t, db, cfg.Seed, sum)

	n := 0
	states := map[petitions.State]int{}
	for after := ""; ; {
		ps, err := db.ListPetitions(ctx, petitions.PetitionFilter{After: after, Limit: petitions.MaxListLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			break
		}
		for _, p := range ps {
			if err := p.Validate(); err != nil {
				t.Errorf("%s: %v", p.CaseNo, err)
			}
			if p.StationID != "" && !stations[p.StationID] {
				t.Errorf("%s: station %s is not stored", p.CaseNo, p.StationID)
			}
			states[p.State]++
			n++
		}
		after = ps[len(ps)-1].ID
	}
	if n != cfg.Cases {
		t.Errorf("stored %d cases, want %d", n, cfg.Cases)
	}
	sessions := 0
	for after := ""; ; {
		ss, err := db.Sessions(ctx, petitions.SessionFilter{After: after, Limit: petitions.MaxListLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) == 0 {
			break
		}
		for _, s := range ss {
			if !stations[s.Station] {
				t.Errorf("session %s: station %q is not stored", s.ID, s.Station)
			}
			sessions++
		}
		after = ss[len(ss)-1].ID
	}
	if sessions != sum.Sessions || sessions == 0 {
		t.Errorf("stored %d sessions, summary says %d", sessions, sum.Sessions)
	}

	rep, err := petitions.VerifyStore(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep)
	}
}

func TestDeterministic(t *testing.T) {
	var runs [2]*nop
	for i := range runs {
		runs[i] = &nop{states: map[string]petitions.State{}}
		if err := demo.Generate(demo.Config{Seed: 12345, Cases: 200}, runs[i]); err != nil {
			t.Fatal(err)
		}
	}
	a, b := runs[0], runs[1]
	if len(a.cases) != 200 || len(b.cases) != 200 {
		t.Fatalf("cases %d and %d", len(a.cases), len(b.cases))
	}
	for i, no := range a.cases {
		if b.cases[i] != no || a.states[no] != b.states[no] {
			t.Fatalf("case %d: %s %s and %s %s", i, no, a.states[no], b.cases[i], b.states[b.cases[i]])
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	if err := demo.Generate(demo.Config{Seed: 1, Cases: b.N}, &nop{}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
