package casework_test

import (
	"context"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// The leaders' directory lists every enabled leader, and only them, to
// staff; a case's 包案 leader must be one of them.
func TestLeadersAndTheOwnerOfACase(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	admin := f.actor(t, f.ps.Administrator.ID)

	// One leader leaves: disabled, he is no longer offered.
	gone := f.ps.TownshipLeaders(1)[1]
	disabled := true
	if _, err := f.svc.UpdatePerson(ctx, admin, gone.ID, casework.PersonChange{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	ls, err := f.svc.Leaders(ctx, official)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]casework.Leader{}
	for _, l := range ls {
		got[l.ID] = l
	}
	for _, p := range f.ps.Leaders {
		l, ok := got[p.ID]
		if p.ID == gone.ID {
			if ok {
				t.Errorf("the disabled leader %s is offered", p.ID)
			}
			continue
		}
		if !ok || l.Name != p.Name || len(l.Units) != 1 || l.Units[0] != p.UnitID {
			t.Errorf("leader %s: %+v, want %s of %s", p.ID, l, p.Name, p.UnitID)
		}
	}
	if len(ls) != len(f.ps.Leaders)-1 {
		t.Errorf("%d in the directory, want the %d enabled leaders", len(ls), len(f.ps.Leaders)-1)
	}
	for _, p := range []demo.Person{f.ps.Proxies[0], f.ps.GridWorkers[0]} {
		if _, err := f.svc.Leaders(ctx, f.actor(t, p.ID)); code(err) != petitions.EFORBIDDEN {
			t.Errorf("%s %s reads the directory: %v", p.Role, p.ID, err)
		}
	}

	// Starting the handling: an unknown person, an official and a disabled
	// leader are refused on the field, the case unchanged; a leader is taken.
	v, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	if v, err = f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "accept",
		Input: petitions.TransitionInput{Manner: petitions.MannerInPerson}}); err != nil {
		t.Fatal(err)
	}
	for _, owner := range []string{"nobody", official.ID, gone.ID} {
		_, err := f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "start", Version: v.Version,
			Input: petitions.TransitionInput{Unit: demo.TownshipID(0), Owner: owner}})
		var pe *petitions.Error
		if !errorsAs(err, &pe) || pe.Code != petitions.EINVALID || pe.Fields["owner"] == "" {
			t.Errorf("owner %s: %v", owner, err)
		}
	}
	if now, err := f.svc.Case(ctx, official, v.ID); err != nil || now.Version != v.Version || now.Owner != "" {
		t.Fatalf("after the refusals: %v, version %d, owner %q", err, now.Version, now.Owner)
	}
	leader := f.ps.TownshipLeaders(0)[0]
	s, err := f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "start", Version: v.Version,
		Input: petitions.TransitionInput{Unit: demo.TownshipID(0), Owner: leader.ID}})
	if err != nil || s.Owner != leader.ID {
		t.Fatalf("start with leader %s: %v", leader.ID, err)
	}
}

// The actors of a history are named: a person by his name, a kiosk by its
// terminal's; the system and the unknown by none.
func TestNamesOfActors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.actor(t, f.ps.Administrator.ID)
	pr, err := f.svc.IssuePairing(ctx, admin, demo.StationID(demo.VillageID(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	en, err := f.svc.Redeem(ctx, pr.Code, "村委会大屏")
	if err != nil {
		t.Fatal(err)
	}
	official := f.ps.TownshipOfficials(0)[0]
	kiosk := "terminal." + en.Terminal.ID
	names, err := f.svc.Names(ctx, []*petitions.Event{{Actor: official.ID}, {Actor: kiosk}, {Actor: "system"},
		{Actor: "terminal.gone"}, {Actor: official.ID}, {Actor: ""}})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[official.ID] != official.Name || names[kiosk] != "村委会大屏" {
		t.Errorf("names = %v, want %s = %s and %s = 村委会大屏", names, official.ID, official.Name, kiosk)
	}
}
