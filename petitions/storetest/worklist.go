package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// worklistCase returns case n of a generated set for the worklist tests:
// few distinct values per field, so that every sort has ties across page
// boundaries.
func worklistCase(r *rand.Rand, n int) *petitions.Petition {
	p := newPetition(n, "")
	p.LeadUnit = []string{"", "fuyu-town", "tangchi"}[r.IntN(3)]
	p.Category = []string{"wage_arrears", "neighbours", "labour"}[r.IntN(3)]
	p.RiskLevel = []petitions.RiskLevel{petitions.RiskGreen, petitions.RiskYellow, petitions.RiskRed}[r.IntN(3)]
	p.ReceivedAt = t0.Add(time.Duration(r.IntN(4)) * 24 * time.Hour)
	p.State = []petitions.State{"registered", "accepted", "in_progress", "closed"}[r.IntN(4)]
	day := t0.AddDate(0, 0, 10+r.IntN(4))
	dl := func(step petitions.Step) petitions.Deadline {
		return petitions.Deadline{Step: step, Start: t0, Days: 15, Nominal: day, Adjusted: day}
	}
	p.Deadlines = map[petitions.Step]petitions.Deadline{}
	if r.IntN(5) > 0 {
		p.Deadlines[petitions.StepAcceptance] = dl(petitions.StepAcceptance)
		p.Deadlines[petitions.StepHandling] = dl(petitions.StepHandling)
	}
	if r.IntN(6) == 0 {
		p.Deadlines[petitions.StepHandlingExtended] = dl(petitions.StepHandlingExtended)
	}
	if r.IntN(3) == 0 {
		s := petitions.Supervision{By: "leader-1", Reason: "督办", IssuedAt: t0}
		if r.IntN(3) == 0 {
			s.FeedbackAt = t0.Add(time.Hour)
		}
		p.Supervisions = append(p.Supervisions, s)
	}
	if r.IntN(4) == 0 {
		p.Links = append(p.Links, petitions.Link{Kind: petitions.LinkRepeat, CaseID: newPetition(1, "").ID})
	}
	if r.IntN(3) == 0 {
		p.Assignments = append(p.Assignments, petitions.Assignment{PersonID: fmt.Sprintf("person-%d", r.IntN(3)),
			UnitID: "fuyu-dept", Role: petitions.RoleDepartment, AssignedAt: t0, Recused: r.IntN(3) == 0})
	}
	if r.IntN(4) == 0 {
		p.Summons = append(p.Summons, petitions.Summons{Level: "yellow", By: "leader-1", IssuedAt: t0,
			Departments: []petitions.SummonedUnit{{UnitID: "fuyu-police"}}})
	}
	switch r.IntN(4) {
	case 0:
		p.StationID = "station-tangchi"
	case 1:
		p.Village = "富裕镇" // by name
	case 2:
		p.Village = "230227" // by code: the county
	}
	p.Owner = []string{"", "", "leader-1"}[r.IntN(3)]
	p.FiledBy = []string{"", "proxy-1"}[r.IntN(2)]
	return p
}

// worklistSetup creates the unit tree, a station and n generated cases,
// and returns the cases as stored and the tree.
func worklistSetup(t *testing.T, s petitions.Store, n int) ([]*petitions.Petition, *petitions.UnitTree) {
	t.Helper()
	ctx := context.Background()
	createUnits(t, s)
	for _, u := range []*petitions.Unit{
		{ID: "fuyu-dept", Name: "县人社局", Level: petitions.UnitDepartment, ParentID: "fuyu"},
		{ID: "fuyu-police", Name: "县公安局", Level: petitions.UnitDepartment, ParentID: "fuyu"},
	} {
		if err := s.CreateUnit(ctx, u); err != nil {
			t.Fatalf("CreateUnit %s: %v", u.ID, err)
		}
	}
	if err := s.CreateStation(ctx, &petitions.Station{ID: "station-tangchi", Unit: "tangchi", Name: "塘池乡接访室"}); err != nil {
		t.Fatalf("CreateStation: %v", err)
	}
	r := rand.New(rand.NewPCG(7, 11))
	for i := range n {
		create(t, s, worklistCase(r, i+1))
	}
	return allCases(t, s), storeTree(t, s)
}

// allCases reads every case of s in id order.
func allCases(t *testing.T, s petitions.Store) []*petitions.Petition {
	t.Helper()
	var all []*petitions.Petition
	f := petitions.PetitionFilter{Limit: petitions.MaxListLimit}
	for {
		page, err := s.ListPetitions(context.Background(), f)
		if err != nil {
			t.Fatalf("ListPetitions: %v", err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all
		}
		f.After = page[len(page)-1].ID
	}
}

// storeTree builds the unit tree of s with its stations.
func storeTree(t *testing.T, s petitions.Store) *petitions.UnitTree {
	t.Helper()
	units, err := s.Units(context.Background())
	if err != nil {
		t.Fatalf("Units: %v", err)
	}
	tree := petitions.NewUnitTree(units)
	stations, err := s.Stations(context.Background())
	if err != nil {
		t.Fatalf("Stations: %v", err)
	}
	for _, st := range stations {
		tree.SetStation(st.ID, st.Unit)
	}
	return tree
}

// matches is the in-memory twin of the filter f: what ListPetitions must
// return, before sorting.
func matches(f petitions.PetitionFilter, p *petitions.Petition, tree *petitions.UnitTree) bool {
	l := petitions.ListingOf(p)
	due, running := petitions.RunningDue(p)
	switch {
	case f.LeadUnit != "" && p.LeadUnit != f.LeadUnit, f.State != "" && p.State != f.State, f.Kind != "" && p.Kind != f.Kind,
		f.Category != "" && p.Category != f.Category, f.Risk != "" && p.RiskLevel != f.Risk,
		len(f.Units) > 0 && !(petitions.Scope{Units: f.Units}).Matches(p, tree),
		f.Active != nil && l.Active != *f.Active, f.Supervised && !l.Supervised, f.Repeat && !l.Repeat,
		!f.DueFrom.IsZero() && (!running || due.Before(f.DueFrom)),
		!f.DueBefore.IsZero() && (!running || !due.Before(f.DueBefore)),
		!f.ReceivedFrom.IsZero() && p.ReceivedAt.Before(f.ReceivedFrom),
		!f.ReceivedTo.IsZero() && !p.ReceivedAt.Before(f.ReceivedTo),
		f.Scope != nil && !f.Scope.Matches(p, tree):
		return false
	}
	return true
}

// sortedIDs returns the ids of cases in sort order, as the store must.
func sortedIDs(cases []*petitions.Petition, sort string) []string {
	cs := slices.Clone(cases)
	slices.SortStableFunc(cs, func(a, b *petitions.Petition) int {
		c := slices.Compare(petitions.SortKeys(a, sort), petitions.SortKeys(b, sort))
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if sort == petitions.SortReceived {
			c = -c
		}
		return c
	})
	ids := make([]string, len(cs))
	for i, p := range cs {
		ids[i] = p.ID
	}
	return ids
}

// walk reads every page of f (limit cases each) and returns the ids in the
// order read, failing t on a case read twice.
func walk(t *testing.T, s petitions.Store, f petitions.PetitionFilter, limit int) []string {
	t.Helper()
	f.Limit, f.After = limit, ""
	var ids []string
	seen := map[string]bool{}
	for range 1000 {
		page, err := s.ListPetitions(context.Background(), f)
		if err != nil {
			t.Fatalf("ListPetitions %+v: %v", f, err)
		}
		for _, p := range page {
			if seen[p.ID] {
				t.Fatalf("ListPetitions %+v: case %s read twice", f, p.ID)
			}
			seen[p.ID] = true
			ids = append(ids, p.ID)
		}
		if len(page) < limit {
			return ids
		}
		f.After = petitions.CursorOf(page[len(page)-1], f.Sort)
	}
	t.Fatalf("ListPetitions %+v: no end", f)
	return nil
}

// checkList compares every sort of f, read in pages of 3, with the
// in-memory filter and sort over cases.
func checkList(t *testing.T, s petitions.Store, name string, f petitions.PetitionFilter, cases []*petitions.Petition, tree *petitions.UnitTree) int {
	t.Helper()
	var want []*petitions.Petition
	for _, p := range cases {
		if matches(f, p, tree) {
			want = append(want, p)
		}
	}
	for _, sort := range petitions.Sorts() {
		f.Sort = sort
		got := walk(t, s, f, 3)
		if w := sortedIDs(want, sort); !slices.Equal(got, w) {
			t.Errorf("%s, sort %s: got %d cases %v,\nwant %d %v", name, sort, len(got), got, len(w), w)
		}
	}
	return len(want)
}

func testWorklistFilters(t *testing.T, s petitions.Store) {
	cases, tree := worklistSetup(t, s, 60)
	yes, no := true, false
	due := t0.AddDate(0, 0, 12)
	for _, c := range []struct {
		name string
		f    petitions.PetitionFilter
	}{
		{"all", petitions.PetitionFilter{}},
		{"lead unit", petitions.PetitionFilter{LeadUnit: "tangchi"}},
		{"state and kind", petitions.PetitionFilter{State: "accepted", Kind: petitions.KindPetition}},
		{"units", petitions.PetitionFilter{Units: []string{"tangchi"}}},
		{"units, several", petitions.PetitionFilter{Units: []string{"fuyu-police", "fuyu-town", "nowhere"}}},
		{"units, village by code", petitions.PetitionFilter{Units: []string{"fuyu"}}},
		{"units, assignment", petitions.PetitionFilter{Units: []string{"fuyu-dept"}}},
		{"category", petitions.PetitionFilter{Category: "labour"}},
		{"risk", petitions.PetitionFilter{Risk: petitions.RiskRed}},
		{"active", petitions.PetitionFilter{Active: &yes}},
		{"inactive", petitions.PetitionFilter{Active: &no}},
		{"supervised", petitions.PetitionFilter{Supervised: true}},
		{"repeat", petitions.PetitionFilter{Repeat: true}},
		{"due before", petitions.PetitionFilter{DueBefore: due}},
		{"due from", petitions.PetitionFilter{DueFrom: due}},
		{"due in a window", petitions.PetitionFilter{DueFrom: due, DueBefore: due.AddDate(0, 0, 2)}},
		{"received", petitions.PetitionFilter{ReceivedFrom: t0.AddDate(0, 0, 1), ReceivedTo: t0.AddDate(0, 0, 3)}},
		{"scope all", petitions.PetitionFilter{Scope: &petitions.Scope{AllUnits: true}}},
		{"scope empty", petitions.PetitionFilter{Scope: &petitions.Scope{}}},
		{"scope units", petitions.PetitionFilter{Scope: &petitions.Scope{Units: tree.Subtree("tangchi")}}},
		{"scope owner", petitions.PetitionFilter{Scope: &petitions.Scope{OwnerID: "leader-1"}}},
		{"scope filer", petitions.PetitionFilter{Scope: &petitions.Scope{FiledBy: "proxy-1"}}},
		{"scope person", petitions.PetitionFilter{Scope: &petitions.Scope{PersonID: "person-1"}}},
		{"scope mixed", petitions.PetitionFilter{Scope: &petitions.Scope{Units: []string{"fuyu-town"}, PersonID: "person-2", OwnerID: "leader-1"}}},
		{"worklist", petitions.PetitionFilter{Active: &yes, DueBefore: due.AddDate(0, 0, 1), Category: "wage_arrears",
			Scope: &petitions.Scope{Units: tree.Subtree("fuyu")}}},
	} {
		n := checkList(t, s, c.name, c.f, cases, tree)
		if c.name != "scope empty" && n == 0 {
			t.Errorf("%s: the generated set has no case for the filter", c.name)
		}
	}
}

func testWorklistCursor(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	cases, _ := worklistSetup(t, s, 8)
	// An id cursor keeps working, plain or encoded.
	for _, after := range []string{cases[2].ID, petitions.CursorOf(cases[2], petitions.SortID)} {
		page, err := s.ListPetitions(ctx, petitions.PetitionFilter{After: after, Limit: 2})
		if err != nil || len(page) != 2 || page[0].ID != cases[3].ID {
			t.Fatalf("ListPetitions after %q: %v %v", after, page, err)
		}
	}
	for _, f := range []petitions.PetitionFilter{
		{Sort: "urgency"},
		{Sort: petitions.SortDue, After: cases[2].ID},
		{Sort: petitions.SortDue, After: petitions.CursorOf(cases[2], petitions.SortRisk)},
		{Sort: petitions.SortDue, After: "c1.!!"},
	} {
		_, err := s.ListPetitions(ctx, f)
		wantCode(t, fmt.Sprintf("ListPetitions %+v", f), err, petitions.EINVALID)
	}
}

func testWorklistScopeDemo(t *testing.T, s petitions.Store) {
	if testing.Short() {
		t.Skip("loads the demo ledger")
	}
	ctx := context.Background()
	if _, err := demo.Load(ctx, s, demo.Config{Seed: 3, Cases: 240}); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	cases, tree := allCases(t, s), storeTree(t, s)
	scopes := []petitions.Scope{{AllUnits: true}, {}}
	for _, p := range demo.NewPeople(3).All() {
		a := petitions.Actor{ID: p.ID, Roles: []petitions.RoleGrant{{Role: p.Role, Unit: p.UnitID}}}
		scopes = append(scopes, petitions.ListScope(a, tree))
	}
	for i, sc := range scopes {
		var want []string
		for _, p := range cases {
			if sc.Matches(p, tree) {
				want = append(want, p.ID)
			}
		}
		got := walk(t, s, petitions.PetitionFilter{Scope: &sc}, petitions.MaxListLimit)
		if !slices.Equal(got, want) {
			t.Errorf("scope %d %+v: got %d cases, want %d", i, sc, len(got), len(want))
		}
	}
}

func testWorklistUpdates(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	createUnits(t, s)
	p := newPetition(1, "tangchi")
	create(t, s, p)
	ids := func(f petitions.PetitionFilter) []string {
		var out []string
		for _, id := range walk(t, s, f, 10) {
			out = append(out, id[len(id)-1:])
		}
		return out
	}
	update := func(change func(p *petitions.Petition)) {
		t.Helper()
		change(p)
		if err := s.UpdatePetition(ctx, p, p.Version, newEvent("changed", 1, `{}`)); err != nil {
			t.Fatalf("UpdatePetition: %v", err)
		}
	}
	yes := true
	due := t0.AddDate(0, 0, 15)
	lists := func() string {
		return fmt.Sprint(ids(petitions.PetitionFilter{Units: []string{"tangchi"}}), ids(petitions.PetitionFilter{Units: []string{"fuyu-town"}}),
			ids(petitions.PetitionFilter{Supervised: true}), ids(petitions.PetitionFilter{Active: &yes, DueBefore: due.AddDate(0, 0, 1)}),
			ids(petitions.PetitionFilter{Scope: &petitions.Scope{PersonID: "m-1"}}))
	}
	if got := lists(); got != "[1] [] [] [] []" {
		t.Fatalf("new case: lists %s", got)
	}
	update(func(p *petitions.Petition) {
		p.LeadUnit = "fuyu-town"
		p.Supervisions = []petitions.Supervision{{By: "l", Reason: "督办", IssuedAt: t0}}
		p.Deadlines = map[petitions.Step]petitions.Deadline{petitions.StepAcceptance: {Step: petitions.StepAcceptance, Adjusted: due}}
		p.Assignments = []petitions.Assignment{{PersonID: "m-1", UnitID: "tangchi", AssignedAt: t0}}
	})
	if got := lists(); got != "[1] [1] [1] [1] [1]" {
		t.Fatalf("moved, supervised, due, assigned: lists %s", got)
	}
	update(func(p *petitions.Petition) {
		p.Supervisions[0].FeedbackAt = t0.Add(time.Hour)
		p.Assignments = nil
		p.State = petitions.StateClosed
	})
	if got := lists(); got != "[] [1] [] [] []" {
		t.Fatalf("feedback, unassigned, closed: lists %s", got)
	}
}
