package casework_test

import (
	"context"
	"testing"
	"time"

	"hearingroom/media"
	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

func TestTerminalEnrolment(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.actor(t, "admin.fuyu")
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	station := demo.StationID(demo.VillageID(0, 0))

	if _, err := f.svc.IssuePairing(ctx, official, station); code(err) != petitions.EFORBIDDEN {
		t.Errorf("an official issues a pairing code: %v", err)
	}
	if _, err := f.svc.IssuePairing(ctx, admin, "station.nowhere"); code(err) != petitions.ENOTFOUND {
		t.Errorf("pairing for no station: %v", err)
	}
	pr, err := f.svc.IssuePairing(ctx, admin, station)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Redeem(ctx, "nope", "村委会大屏"); code(err) != petitions.EINVALID {
		t.Errorf("malformed code: %v", err)
	}
	if _, err := f.svc.Redeem(ctx, "ABCDEFGH", "村委会大屏"); code(err) != petitions.ENOTFOUND {
		t.Errorf("unknown code: %v", err)
	}
	en, err := f.svc.Redeem(ctx, pr.Code, "村委会大屏")
	if err != nil {
		t.Fatal(err)
	}
	if en.Terminal.Station != station || en.Credential == "" {
		t.Errorf("enrolment %+v", en)
	}
	if _, err := f.svc.Redeem(ctx, pr.Code, "another"); code(err) != petitions.ECONFLICT {
		t.Errorf("code used twice: %v", err)
	}
	late, err := f.svc.IssuePairing(ctx, admin, station)
	if err != nil {
		t.Fatal(err)
	}
	f.set(f.clock().Add(petitions.PairingTTL + time.Second))
	if _, err := f.svc.Redeem(ctx, late.Code, "late"); code(err) != petitions.EDEADLINE {
		t.Errorf("expired code: %v", err)
	}

	term, err := f.svc.Terminal(ctx, en.Credential)
	if err != nil {
		t.Fatal(err)
	}
	seat, err := f.svc.StartSession(term, casework.SessionStart{})
	if err != nil {
		t.Fatal(err)
	}
	if seat.Room != casework.StationRoom(station) || seat.Role != "villager" || seat.Kind != petitions.SessionHearing {
		t.Errorf("seat %+v", seat)
	}
	if _, err := f.svc.StartSession(term, casework.SessionStart{Station: demo.StationID(demo.VillageID(1, 0))}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("a terminal starts another station's session: %v", err)
	}
	if _, err := f.svc.StartSession(term, casework.SessionStart{Kind: petitions.SessionMonitoring}); code(err) != petitions.EINVALID {
		t.Errorf("a terminal monitors: %v", err)
	}
	ts, err := f.svc.Terminals(ctx, admin, station)
	if err != nil || len(ts) != 1 {
		t.Fatalf("terminals = %v, %v", ts, err)
	}
	if err := f.svc.Revoke(ctx, admin, term.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Terminal(ctx, en.Credential); code(err) != petitions.EUNAUTHORIZED {
		t.Errorf("revoked credential: %v", err)
	}
}

func TestOfficialSeats(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	village := demo.StationID(demo.VillageID(0, 0))
	cases := []struct {
		who    string
		hidden bool
		want   string // error code, "" for a seat
	}{
		{f.ps.TownshipOfficials(0)[0].ID, false, ""},
		{f.ps.TownshipOfficials(1)[0].ID, false, petitions.EFORBIDDEN}, // another township
		{f.ps.TownshipOfficials(0)[0].ID, true, petitions.EFORBIDDEN},  // officials do not watch unannounced
		{f.ps.CountyLeaders()[0].ID, true, ""},
		{f.ps.Dispatchers[0].ID, false, ""},
		{"auditor.fuyu", true, ""},
		{"auditor.fuyu", false, petitions.EFORBIDDEN},
		{"admin.fuyu", false, petitions.EFORBIDDEN},
		{f.ps.Proxies[0].ID, false, petitions.EFORBIDDEN},
	}
	for _, c := range cases {
		seat, err := f.svc.OfficialSeat(ctx, f.actor(t, c.who), village, "name", casework.SeatRequest{Hidden: c.hidden})
		if code(err) != c.want {
			t.Errorf("%s hidden=%v: %v, want %q", c.who, c.hidden, err, c.want)
			continue
		}
		if err == nil && (seat.Identity != c.who || seat.Hidden != c.hidden ||
			(c.hidden && seat.Kind != petitions.SessionMonitoring)) {
			t.Errorf("%s: seat %+v", c.who, seat)
		}
	}
	if _, err := f.svc.OfficialSeat(ctx, f.actor(t, f.ps.Dispatchers[0].ID), "station.nowhere", "n", casework.SeatRequest{}); code(err) != petitions.ENOTFOUND {
		t.Errorf("no station: %v", err)
	}
}

func TestScheduleAndAdherence(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.actor(t, "admin.fuyu")
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	leader := f.ps.TownshipLeaders(0)[0]
	station := demo.StationID(demo.TownshipID(0))
	f.set(time.Date(2026, 11, 20, 9, 0, 0, 0, china))

	// Two receptions this month: one held, one not; one planned later.
	var planned []*petitions.Reception
	for _, day := range []string{"2026-11-16", "2026-11-18", "2026-11-25"} {
		r, err := f.svc.Plan(ctx, official, &petitions.Reception{Day: day, Station: station, LeaderID: leader.ID})
		if err != nil {
			t.Fatalf("plan %s: %v", day, err)
		}
		planned = append(planned, r)
	}
	other := f.actor(t, f.ps.TownshipOfficials(1)[0].ID)
	if _, err := f.svc.Plan(ctx, other, &petitions.Reception{Day: "2026-11-19", Station: station, LeaderID: leader.ID}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("another township plans: %v", err)
	}
	if _, err := f.svc.Plan(ctx, admin, &petitions.Reception{Day: "2026-11-19", Station: station, LeaderID: f.ps.Proxies[0].ID}); code(err) != petitions.EINVALID {
		t.Errorf("a proxy scheduled to receive: %v", err)
	}
	if _, err := f.svc.Plan(ctx, admin, &petitions.Reception{Day: "2026-11-16", Station: station, LeaderID: leader.ID}); code(err) != petitions.ECONFLICT {
		t.Errorf("planned twice: %v", err)
	}

	// The session of the 16th: the recorder writes it as the SFU reports.
	rec := petitions.NewSessionRecorder(f.store, nil)
	meta := `{"role":"leader","station":"` + station + `","kind":"hearing"}`
	joined := time.Date(2026, 11, 16, 9, 30, 0, 0, china)
	rec.ParticipantJoined(casework.StationRoom(station), media.Participant{Identity: leader.ID, Metadata: meta}, joined)
	rec.ParticipantLeft(casework.StationRoom(station), leader.ID, "left", joined.Add(time.Hour))
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}

	f.set(time.Date(2026, 11, 18, 8, 0, 0, 0, china))
	today, err := f.svc.Today(ctx, station)
	if err != nil {
		t.Fatal(err)
	}
	if len(today) != 1 || today[0].Reception.LeaderID != leader.ID || today[0].Name != leader.Name {
		t.Errorf("today at %s = %+v", station, today)
	}

	f.set(time.Date(2026, 11, 20, 9, 0, 0, 0, china))
	county := f.actor(t, f.ps.CountyLeaders()[0].ID)
	ads, err := f.svc.Adherence(ctx, county, "2026-11-16", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	var got *casework.Adherence
	for i := range ads {
		if ads[i].LeaderID == leader.ID {
			got = &ads[i]
		}
	}
	if got == nil || got.Scheduled != 2 || got.Held != 1 || got.Rate != 0.5 || len(got.Missed) != 1 || got.Missed[0] != "2026-11-18" {
		t.Errorf("adherence of %s = %+v (all: %+v)", leader.ID, got, ads)
	}
	if _, err := f.svc.Adherence(ctx, admin, "", ""); code(err) != petitions.EFORBIDDEN {
		t.Errorf("administrator reads adherence: %v", err)
	}

	if err := f.svc.Unplan(ctx, other, planned[2].ID); code(err) != petitions.EFORBIDDEN {
		t.Errorf("another township cancels: %v", err)
	}
	if err := f.svc.Unplan(ctx, official, planned[2].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Unplan(ctx, official, planned[2].ID); code(err) != petitions.ENOTFOUND {
		t.Errorf("cancelled twice: %v", err)
	}
}
