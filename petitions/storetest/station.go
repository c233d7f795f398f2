package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hearingroom/petitions"
)

// createUnits stores a county and two of its townships, failing t on error.
func createUnits(t *testing.T, s petitions.Store) {
	t.Helper()
	for _, u := range []*petitions.Unit{
		{ID: "fuyu", Name: "富裕县", Level: petitions.UnitCounty, Code: "230227"},
		{ID: "fuyu-town", Name: "富裕镇", Level: petitions.UnitTownship, ParentID: "fuyu"},
		{ID: "tangchi", Name: "塘池乡", Level: petitions.UnitTownship, ParentID: "fuyu"},
	} {
		if err := s.CreateUnit(context.Background(), u); err != nil {
			t.Fatalf("CreateUnit %s: %v", u.ID, err)
		}
	}
}

// stationIDs returns the ids of stations, in order.
func stationIDs(stations []*petitions.Station) string {
	ids := make([]string, len(stations))
	for i, st := range stations {
		ids[i] = st.ID
	}
	return fmt.Sprint(ids)
}

func testStations(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	if got, err := s.Stations(ctx); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Stations(empty store) = %v (nil %v), %v; want an empty slice", got, got == nil, err)
	}
	createUnits(t, s)
	want := []*petitions.Station{
		{ID: "st-tangchi", Unit: "tangchi", Name: "塘池乡接访室"},
		{ID: "st-county", Unit: "fuyu", Name: "县信访接待中心"},
		{ID: "st-fuyu-town", Unit: "fuyu-town", Name: "富裕镇接访大厅"},
	}
	for _, st := range want {
		if err := s.CreateStation(ctx, st); err != nil {
			t.Fatalf("CreateStation %s: %v", st.ID, err)
		}
	}

	wantCode(t, "CreateStation(nil)", s.CreateStation(ctx, nil), petitions.EINVALID)
	wantCode(t, "CreateStation(no name)", s.CreateStation(ctx,
		&petitions.Station{ID: "st-x", Unit: "fuyu"}), petitions.EINVALID)
	wantCode(t, "CreateStation(no unit)", s.CreateStation(ctx,
		&petitions.Station{ID: "st-x", Name: "x"}), petitions.EINVALID)
	wantCode(t, "CreateStation(unknown unit)", s.CreateStation(ctx,
		&petitions.Station{ID: "st-x", Unit: "nowhere", Name: "x"}), petitions.EINVALID)
	wantCode(t, "CreateStation(same id)", s.CreateStation(ctx,
		&petitions.Station{ID: "st-county", Unit: "tangchi", Name: "另一个"}), petitions.ECONFLICT)

	// A station's name and hours change; its unit does not.
	changed := &petitions.Station{ID: "st-tangchi", Unit: "fuyu", Name: "塘池乡接访室（新）", Hours: "00:00-24:00"}
	if err := s.UpdateStation(ctx, changed); err != nil || changed.Unit != "tangchi" {
		t.Fatalf("UpdateStation: %v, unit %q", err, changed.Unit)
	}
	want[0] = changed
	wantCode(t, "UpdateStation(unknown)", s.UpdateStation(ctx,
		&petitions.Station{ID: "st-nowhere", Unit: "fuyu", Name: "x"}), petitions.ENOTFOUND)
	wantCode(t, "UpdateStation(bad hours)", s.UpdateStation(ctx,
		&petitions.Station{ID: "st-county", Unit: "fuyu", Name: "x", Hours: "18:00-08:00"}), petitions.EINVALID)
	wantCode(t, "UpdateStation(nil)", s.UpdateStation(ctx, nil), petitions.EINVALID)

	got, err := s.Stations(ctx)
	if err != nil {
		t.Fatalf("Stations: %v", err)
	}
	if ids := stationIDs(got); ids != "[st-county st-fuyu-town st-tangchi]" {
		t.Fatalf("Stations = %s, want [st-county st-fuyu-town st-tangchi] (refused ones not stored)", ids)
	}
	for _, g := range got {
		for _, w := range want {
			if g.ID == w.ID && *g != *w {
				t.Errorf("Stations: %+v, want %+v", g, w)
			}
		}
	}
}

// newReception returns a schedule entry of leader at station on day.
func newReception(id, day, station, leader string) *petitions.Reception {
	return &petitions.Reception{ID: id, Day: day, Station: station, LeaderID: leader,
		Note: "劳资纠纷专题接访", CreatedBy: "person-900", CreatedAt: t0}
}

// receptionIDs returns the ids of receptions, in order.
func receptionIDs(rs []*petitions.Reception) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return fmt.Sprint(ids)
}

// sameReception fails t unless got and want agree field by field.
func sameReception(t *testing.T, what string, got, want *petitions.Reception) {
	t.Helper()
	if got.ID != want.ID || got.Day != want.Day || got.Station != want.Station || got.LeaderID != want.LeaderID ||
		got.Note != want.Note || got.CreatedBy != want.CreatedBy || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testReceptions(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	createUnits(t, s)
	for _, st := range []*petitions.Station{
		{ID: "st-a", Unit: "fuyu", Name: "县信访接待中心"},
		{ID: "st-b", Unit: "tangchi", Name: "塘池乡接访室"},
	} {
		if err := s.CreateStation(ctx, st); err != nil {
			t.Fatalf("CreateStation %s: %v", st.ID, err)
		}
	}
	if got, err := s.Receptions(ctx, petitions.ReceptionFilter{}); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Receptions(empty) = %v (nil %v), %v; want an empty slice", got, got == nil, err)
	}

	// Stored out of order: the schedule comes back by day, station, leader.
	all := []*petitions.Reception{
		newReception("r7", "2026-05-07", "st-a", "leader-1"),
		newReception("r1", "2026-05-06", "st-b", "leader-1"),
		newReception("r2", "2026-05-06", "st-a", "leader-2"),
		newReception("r3", "2026-05-06", "st-a", "leader-1"),
		newReception("r9", "2026-05-31", "st-b", "leader-2"),
		newReception("r0", "2026-04-30", "st-b", "leader-1"),
	}
	for _, r := range all {
		if err := s.CreateReception(ctx, r); err != nil {
			t.Fatalf("CreateReception %s: %v", r.ID, err)
		}
	}
	// Without CreatedAt the store's clock is used.
	bare := &petitions.Reception{ID: "r5", Day: "2026-05-07", Station: "st-b", LeaderID: "leader-2"}
	if err := s.CreateReception(ctx, bare); err != nil {
		t.Fatalf("CreateReception(bare): %v", err)
	}
	if bare.CreatedAt.IsZero() {
		t.Fatalf("CreateReception(bare) left CreatedAt zero")
	}
	all = append(all, bare)

	for _, c := range []struct {
		f    petitions.ReceptionFilter
		want string
	}{
		{petitions.ReceptionFilter{}, "[r0 r3 r2 r1 r7 r5 r9]"},
		{petitions.ReceptionFilter{Station: "st-a"}, "[r3 r2 r7]"},
		{petitions.ReceptionFilter{LeaderID: "leader-2"}, "[r2 r5 r9]"},
		{petitions.ReceptionFilter{Station: "st-b", LeaderID: "leader-1"}, "[r0 r1]"},
		{petitions.ReceptionFilter{From: "2026-05-07"}, "[r7 r5 r9]"},
		{petitions.ReceptionFilter{To: "2026-05-06"}, "[r0 r3 r2 r1]"},
		{petitions.ReceptionFilter{From: "2026-05-06", To: "2026-05-07"}, "[r3 r2 r1 r7 r5]"},
		{petitions.ReceptionFilter{From: "2026-05-06", To: "2026-05-06"}, "[r3 r2 r1]"},
		{petitions.ReceptionFilter{Station: "st-b", From: "2026-05-01", To: "2026-05-31"}, "[r1 r5 r9]"},
		{petitions.ReceptionFilter{Station: "st-a", LeaderID: "leader-1", From: "2026-05-07"}, "[r7]"},
		{petitions.ReceptionFilter{From: "2026-06-01"}, "[]"},
		{petitions.ReceptionFilter{Station: "nowhere"}, "[]"},
	} {
		got, err := s.Receptions(ctx, c.f)
		if err != nil {
			t.Fatalf("Receptions(%+v): %v", c.f, err)
		}
		if ids := receptionIDs(got); ids != c.want || got == nil {
			t.Errorf("Receptions(%+v) = %s (nil %v), want %s", c.f, ids, got == nil, c.want)
		}
		// The store agrees with the filter's in-memory twin.
		n := 0
		for _, r := range all {
			if c.f.Matches(r) {
				n++
			}
		}
		if n != len(got) {
			t.Errorf("Receptions(%+v): %d entries, Matches selects %d", c.f, len(got), n)
		}
	}
	got, err := s.Receptions(ctx, petitions.ReceptionFilter{Station: "st-b", LeaderID: "leader-2", To: "2026-05-07"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Receptions(r5) = %v, %v", got, err)
	}
	sameReception(t, "Receptions(r5)", got[0], bare)
	got, err = s.Receptions(ctx, petitions.ReceptionFilter{Station: "st-a", From: "2026-05-07"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Receptions(r7) = %v, %v", got, err)
	}
	sameReception(t, "Receptions(r7)", got[0], all[0])

	wantCode(t, "CreateReception(nil)", s.CreateReception(ctx, nil), petitions.EINVALID)
	for what, r := range map[string]*petitions.Reception{
		"no id":           newReception("", "2026-05-08", "st-a", "leader-1"),
		"no leader":       newReception("rx", "2026-05-08", "st-a", ""),
		"no station":      newReception("rx", "2026-05-08", "", "leader-1"),
		"no day":          newReception("rx", "", "st-a", "leader-1"),
		"day not padded":  newReception("rx", "2026-5-8", "st-a", "leader-1"),
		"no such day":     newReception("rx", "2026-02-30", "st-a", "leader-1"),
		"unknown station": newReception("rx", "2026-05-08", "nowhere", "leader-1"),
	} {
		wantCode(t, "CreateReception("+what+")", s.CreateReception(ctx, r), petitions.EINVALID)
	}
	wantCode(t, "CreateReception(same id)", s.CreateReception(ctx,
		newReception("r7", "2026-06-01", "st-b", "leader-3")), petitions.ECONFLICT)
	wantCode(t, "CreateReception(same day, station and leader)", s.CreateReception(ctx,
		newReception("r8", "2026-05-06", "st-a", "leader-1")), petitions.ECONFLICT)
	if got, err := s.Receptions(ctx, petitions.ReceptionFilter{}); err != nil || len(got) != len(all) {
		t.Fatalf("after refused entries: %d entries, %v; want %d", len(got), err, len(all))
	}

	// Deleting frees the leader's slot on that day.
	if err := s.DeleteReception(ctx, "r3"); err != nil {
		t.Fatalf("DeleteReception: %v", err)
	}
	wantCode(t, "DeleteReception(deleted)", s.DeleteReception(ctx, "r3"), petitions.ENOTFOUND)
	wantCode(t, "DeleteReception(missing)", s.DeleteReception(ctx, "nothing"), petitions.ENOTFOUND)
	if got, err := s.Receptions(ctx, petitions.ReceptionFilter{Station: "st-a"}); err != nil || receptionIDs(got) != "[r2 r7]" {
		t.Fatalf("after DeleteReception: %s, %v; want [r2 r7]", receptionIDs(got), err)
	}
	if err := s.CreateReception(ctx, newReception("r8", "2026-05-06", "st-a", "leader-1")); err != nil {
		t.Fatalf("CreateReception in a freed slot: %v", err)
	}
}

func testTerminalsList(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	if got, err := s.Terminals(ctx, ""); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("Terminals(empty store) = %v (nil %v), %v; want an empty slice", got, got == nil, err)
	}
	at := t0.Add(5 * time.Minute)
	for _, e := range []struct{ id, station string }{
		{"kiosk-3", "st-a"}, {"kiosk-1", "st-b"}, {"kiosk-2", "st-a"},
	} {
		code, hash := petitions.NewPairingCode()
		if err := s.CreatePairing(ctx, hash, e.station, t0.Add(petitions.PairingTTL)); err != nil {
			t.Fatalf("CreatePairing: %v", err)
		}
		_, secretHash := petitions.NewDeviceSecret()
		term := &petitions.Terminal{ID: e.id, Unit: "tangchi", Name: "接访终端 " + e.id}
		if err := s.RedeemPairing(ctx, petitions.HashPairingCode(code), term, secretHash, at); err != nil {
			t.Fatalf("RedeemPairing %s: %v", e.id, err)
		}
	}
	if err := s.RevokeTerminal(ctx, "kiosk-2"); err != nil {
		t.Fatalf("RevokeTerminal: %v", err)
	}
	ids := func(ts []*petitions.Terminal) string {
		out := make([]string, len(ts))
		for i, term := range ts {
			out[i] = term.ID
		}
		return fmt.Sprint(out)
	}
	for station, want := range map[string]string{
		"":        "[kiosk-1 kiosk-2 kiosk-3]",
		"st-a":    "[kiosk-2 kiosk-3]",
		"st-b":    "[kiosk-1]",
		"nowhere": "[]",
	} {
		got, err := s.Terminals(ctx, station)
		if err != nil {
			t.Fatalf("Terminals(%q): %v", station, err)
		}
		if ids(got) != want || got == nil {
			t.Errorf("Terminals(%q) = %s (nil %v), want %s", station, ids(got), got == nil, want)
		}
	}

	got, err := s.Terminals(ctx, "st-a")
	if err != nil || len(got) != 2 {
		t.Fatalf("Terminals(st-a) = %v, %v", got, err)
	}
	revoked, live := got[0], got[1]
	if !revoked.Revoked() || revoked.Station != "st-a" || revoked.Unit != "tangchi" || revoked.Name != "接访终端 kiosk-2" ||
		!revoked.EnrolledAt.Equal(at) {
		t.Errorf("revoked terminal = %+v; want kiosk-2 at st-a, enrolled at %v, RevokedAt set", revoked, at)
	}
	if live.Revoked() || !live.EnrolledAt.Equal(at) {
		t.Errorf("live terminal = %+v; want no RevokedAt, enrolled at %v", live, at)
	}

	// Revoking again keeps the first time.
	if err := s.RevokeTerminal(ctx, "kiosk-2"); err != nil {
		t.Fatalf("RevokeTerminal(twice): %v", err)
	}
	again, err := s.Terminals(ctx, "st-a")
	if err != nil || len(again) != 2 || !again[0].RevokedAt.Equal(revoked.RevokedAt) {
		t.Fatalf("after a second revoke: %v, %v; want RevokedAt still %v", again, err, revoked.RevokedAt)
	}
}

func testUpdatePerson(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	const hash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$a2V5"
	orig := newPerson(1, "fuyu-town")
	orig.PasswordHash = hash
	other := newPerson(2, "fuyu-town")
	for _, p := range []*petitions.Person{orig, other} {
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatalf("CreatePerson %s: %v", p.ID, err)
		}
	}

	// Login, password hash and CreatedAt are kept whatever p says, even a
	// login another person holds.
	p := &petitions.Person{
		ID: orig.ID, Login: other.Login, Name: "王明（调任）", Phone: "13700000000",
		Roles:    []petitions.RoleGrant{{Role: petitions.RoleMediator, Unit: "tangchi"}},
		Disabled: true, PasswordHash: "other", CreatedAt: t0.Add(time.Hour),
	}
	if err := s.UpdatePerson(ctx, p); err != nil {
		t.Fatalf("UpdatePerson: %v", err)
	}
	want := &petitions.Person{
		ID: orig.ID, Login: orig.Login, Name: "王明（调任）", Phone: "13700000000",
		Roles: p.Roles, Disabled: true, PasswordHash: hash, CreatedAt: t0,
	}
	samePerson(t, "UpdatePerson's p", p, want)
	got, err := s.Person(ctx, orig.ID)
	if err != nil {
		t.Fatalf("Person: %v", err)
	}
	samePerson(t, "Person after UpdatePerson", got, want)

	// The roles index follows.
	for unit, wantIDs := range map[string]string{
		"fuyu-town": "[person-002]",
		"tangchi":   "[person-001]",
	} {
		people, err := s.People(ctx, unit)
		if err != nil {
			t.Fatalf("People(%s): %v", unit, err)
		}
		ids := make([]string, len(people))
		for i, q := range people {
			ids[i] = q.ID
		}
		if fmt.Sprint(ids) != wantIDs {
			t.Errorf("People(%s) after UpdatePerson = %v, want %s", unit, ids, wantIDs)
		}
	}

	// Without roles he is nobody's.
	p.Roles = nil
	if err := s.UpdatePerson(ctx, p); err != nil {
		t.Fatalf("UpdatePerson(no roles): %v", err)
	}
	if len(p.Roles) != 0 {
		t.Errorf("UpdatePerson(no roles): roles %v", p.Roles)
	}
	if people, err := s.People(ctx, "tangchi"); err != nil || len(people) != 0 {
		t.Errorf("People(tangchi) after roles removed = %d people, %v; want none", len(people), err)
	}

	missing := newPerson(9, "tangchi")
	wantCode(t, "UpdatePerson(missing)", s.UpdatePerson(ctx, missing), petitions.ENOTFOUND)
	wantCode(t, "UpdatePerson(nil)", s.UpdatePerson(ctx, nil), petitions.EINVALID)
	bad := newPerson(2, "tangchi")
	bad.Name = " "
	wantCode(t, "UpdatePerson(no name)", s.UpdatePerson(ctx, bad), petitions.EINVALID)
	bad = newPerson(2, "tangchi")
	bad.Roles = append(bad.Roles, petitions.RoleGrant{Role: petitions.RoleMediator})
	wantCode(t, "UpdatePerson(role without unit)", s.UpdatePerson(ctx, bad), petitions.EINVALID)
	if got, err := s.Person(ctx, other.ID); err != nil {
		t.Fatalf("Person: %v", err)
	} else {
		samePerson(t, "Person after refused updates", got, other)
	}
}

func testPeopleAll(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	if got, err := s.People(ctx, ""); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("People(\"\") of an empty store = %v (nil %v), %v; want an empty slice", got, got == nil, err)
	}
	bare := &petitions.Person{ID: "person-005", Login: "clerk", Name: "李秀兰", CreatedAt: t0}
	for _, p := range []*petitions.Person{newPerson(3, "tangchi"), bare, newPerson(1, "fuyu-town")} {
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatalf("CreatePerson %s: %v", p.ID, err)
		}
	}
	got, err := s.People(ctx, "")
	if err != nil {
		t.Fatalf("People(\"\"): %v", err)
	}
	ids := make([]string, len(got))
	for i, p := range got {
		ids[i] = p.ID
	}
	if fmt.Sprint(ids) != "[person-001 person-003 person-005]" {
		t.Fatalf("People(\"\") = %v, want everyone, with or without roles, in id order", ids)
	}
	samePerson(t, "People(\"\")[2]", got[2], bare)
}
