package casework_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// enrol pairs a terminal to station and returns it.
func (f *fixture) enrol(t *testing.T, station string) *petitions.Terminal {
	t.Helper()
	ctx := context.Background()
	pr, err := f.svc.IssuePairing(ctx, f.actor(t, "admin.fuyu"), station)
	if err != nil {
		t.Fatal(err)
	}
	en, err := f.svc.Redeem(ctx, pr.Code, "村委会接访终端")
	if err != nil {
		t.Fatal(err)
	}
	term, err := f.svc.Terminal(ctx, en.Credential)
	if err != nil {
		t.Fatal(err)
	}
	return term
}

func TestCallQueue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	board := casework.NewCalls(f.svc)
	a := f.enrol(t, demo.StationID(demo.VillageID(0, 0)))
	b := f.enrol(t, demo.StationID(demo.VillageID(0, 1)))
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	officialName := f.ps.TownshipOfficials(0)[0].Name
	elsewhere := f.actor(t, f.ps.TownshipOfficials(1)[0].ID)
	dispatcher := f.actor(t, f.ps.Dispatchers[0].ID)

	// A township's leader receives at the township's hall today (we plan
	// one if the demo schedule has none): the villages' calls wait for him.
	hall := demo.StationID(demo.TownshipID(0))
	rs, err := f.svc.Today(ctx, hall)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		if _, err := f.svc.Plan(ctx, official, &petitions.Reception{Day: casework.Day(f.clock()),
			Station: hall, LeaderID: f.ps.TownshipLeaders(0)[0].ID}); err != nil {
			t.Fatal(err)
		}
	}
	if rs, err = board.Receivers(ctx, a.Station); err != nil || len(rs) == 0 {
		t.Fatalf("a village's receivers today: %v, %v", rs, err)
	}
	leader := rs[0].Reception.LeaderID

	if _, err := board.Call(ctx, a, "monitoring"); code(err) != petitions.EINVALID {
		t.Errorf("call of kind monitoring: %v", err)
	}
	ca, err := board.Call(ctx, a, petitions.SessionHearing)
	if err != nil {
		t.Fatal(err)
	}
	if ca.State != casework.CallWaiting || ca.Position != 1 || ca.Receiver == nil || ca.Receiver.ID != leader ||
		ca.Village == "" || ca.Township == "" || ca.StationName == "" || ca.AcceptedBy != nil {
		t.Errorf("first call %+v (receiver %+v)", ca, ca.Receiver)
	}
	if _, err := board.Call(ctx, a, petitions.SessionMediation); code(err) != petitions.ECONFLICT {
		t.Errorf("a second call from one terminal: %v", err)
	}
	f.set(f.clock().Add(time.Second))
	cb, err := board.Call(ctx, b, petitions.SessionMediation)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Position != 2 {
		t.Errorf("second call's position %d, want 2", cb.Position)
	}

	// Officials see the calls of the stations they may receive at, oldest first.
	cs, err := board.Waiting(ctx, official)
	if err != nil || len(cs) != 2 || cs[0].ID != ca.ID || cs[1].ID != cb.ID {
		t.Fatalf("waiting calls for the township's official = %v, %v", cs, err)
	}
	if cs, _ := board.Waiting(ctx, elsewhere); len(cs) != 0 {
		t.Errorf("another township's official sees %d calls", len(cs))
	}
	if _, err := board.TerminalCall(b, ca.ID); code(err) != petitions.ENOTFOUND {
		t.Errorf("a terminal reads another's call: %v", err)
	}

	// Accepting: one official wins, the other hears 409; the queue moves up.
	if _, _, err := board.Accept(ctx, elsewhere, "x", ca.ID); code(err) != petitions.EFORBIDDEN {
		t.Errorf("another township's official accepts: %v", err)
	}
	if _, _, err := board.Accept(ctx, official, "x", "no-such-call"); code(err) != petitions.ENOTFOUND {
		t.Errorf("accept of no call: %v", err)
	}
	got, seat, err := board.Accept(ctx, official, officialName, ca.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != casework.CallAccepted || got.AcceptedBy == nil || got.AcceptedBy.ID != official.ID || got.Position != 0 ||
		seat.Room != casework.StationRoom(a.Station) || seat.Kind != petitions.SessionHearing || seat.Identity != official.ID {
		t.Errorf("accepted %+v, seat %+v", got, seat)
	}
	if _, _, err := board.Accept(ctx, dispatcher, "d", ca.ID); code(err) != petitions.ECONFLICT {
		t.Errorf("second accept: %v", err)
	}
	if c, _ := board.TerminalCall(b, cb.ID); c.Position != 1 {
		t.Errorf("after the first was taken, the second's position is %d", c.Position)
	}
	if c, _ := board.TerminalCall(a, ca.ID); c.State != casework.CallAccepted || c.AcceptedBy.Name != officialName {
		t.Errorf("the terminal reads its accepted call as %+v", c)
	}

	// Cancelling.
	if err := board.Cancel(a, ca.ID); code(err) != petitions.ECONFLICT {
		t.Errorf("cancel of an accepted call: %v", err)
	}
	if err := board.Cancel(a, cb.ID); code(err) != petitions.ENOTFOUND {
		t.Errorf("cancel of another terminal's call: %v", err)
	}
	if err := board.Cancel(b, cb.ID); err != nil {
		t.Fatal(err)
	}
	if err := board.Cancel(b, cb.ID); err != nil {
		t.Errorf("cancel twice: %v", err)
	}
	if _, _, err := board.Accept(ctx, official, "x", cb.ID); code(err) != petitions.ECONFLICT {
		t.Errorf("accept of a cancelled call: %v", err)
	}

	// Expiry.
	cx, err := board.Call(ctx, b, petitions.SessionHearing)
	if err != nil {
		t.Fatal(err)
	}
	f.set(f.clock().Add(casework.CallTTL + time.Second))
	if c, _ := board.TerminalCall(b, cx.ID); c.State != casework.CallExpired {
		t.Errorf("after %v the call is %s", casework.CallTTL, c.State)
	}
	if cs, _ := board.Waiting(ctx, official); len(cs) != 0 {
		t.Errorf("expired calls listed: %v", cs)
	}
	if _, err := board.Call(ctx, b, petitions.SessionHearing); err != nil {
		t.Errorf("a new call after expiry: %v", err)
	}
}

func TestInvitations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	board := casework.NewCalls(f.svc)
	station := demo.StationID(demo.VillageID(0, 0))
	a := f.enrol(t, station)
	b := f.enrol(t, demo.StationID(demo.VillageID(0, 1)))
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	elsewhere := f.actor(t, f.ps.TownshipOfficials(1)[0].ID)

	if _, _, err := board.Invite(ctx, official, "王", station, "caucus"); code(err) != petitions.EINVALID {
		t.Errorf("invite to a caucus: %v", err)
	}
	if _, _, err := board.Invite(ctx, elsewhere, "王", station, petitions.SessionHearing); code(err) != petitions.EFORBIDDEN {
		t.Errorf("another township's official invites: %v", err)
	}
	if _, _, err := board.Invite(ctx, official, "王", "station.nowhere", petitions.SessionHearing); code(err) != petitions.ENOTFOUND {
		t.Errorf("invite to no station: %v", err)
	}
	inv, seat, err := board.Invite(ctx, official, "王", station, petitions.SessionMediation)
	if err != nil {
		t.Fatal(err)
	}
	if inv.State != casework.InvitationPending || inv.From.ID != official.ID || seat.Kind != petitions.SessionMediation {
		t.Errorf("invitation %+v, seat %+v", inv, seat)
	}
	if _, _, err := board.Invite(ctx, official, "王", station, petitions.SessionHearing); code(err) != petitions.ECONFLICT {
		t.Errorf("second invitation while one is pending: %v", err)
	}
	if got := board.Invitations(b); len(got) != 0 {
		t.Errorf("another station's terminal sees %d invitations", len(got))
	}
	if got := board.Invitations(a); len(got) != 1 || got[0].ID != inv.ID {
		t.Fatalf("the station's terminal sees %v", got)
	}
	if _, err := board.Answer(b, inv.ID, true); code(err) != petitions.ENOTFOUND {
		t.Errorf("another terminal answers: %v", err)
	}
	ans, err := board.Answer(a, inv.ID, true)
	if err != nil || ans.State != casework.InvitationAccepted {
		t.Fatalf("answer = %+v, %v", ans, err)
	}
	if _, err := board.Answer(a, inv.ID, false); code(err) != petitions.ECONFLICT {
		t.Errorf("answer twice: %v", err)
	}
	if got, err := board.Invitation(ctx, official, inv.ID); err != nil || got.State != casework.InvitationAccepted {
		t.Errorf("the official reads %+v, %v", got, err)
	}
	if _, err := board.Invitation(ctx, elsewhere, inv.ID); code(err) != petitions.ENOTFOUND {
		t.Errorf("another township's official reads the invitation: %v", err)
	}
	if got := board.Invitations(a); len(got) != 0 {
		t.Errorf("answered invitations still pending: %v", got)
	}

	// Expiry.
	late, _, err := board.Invite(ctx, official, "王", station, petitions.SessionHearing)
	if err != nil {
		t.Fatal(err)
	}
	f.set(f.clock().Add(casework.InvitationTTL + time.Second))
	if got := board.Invitations(a); len(got) != 0 {
		t.Errorf("expired invitation pending: %v", got)
	}
	if _, err := board.Answer(a, late.ID, true); code(err) != petitions.ECONFLICT {
		t.Errorf("answer to an expired invitation: %v", err)
	}
	if got, _ := board.Invitation(ctx, official, late.ID); got.State != casework.InvitationExpired {
		t.Errorf("expired invitation reads %s", got.State)
	}
}

func TestKioskRating(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	board := casework.NewCalls(f.svc)
	station := demo.StationID(demo.VillageID(0, 0))
	a := f.enrol(t, station)
	b := f.enrol(t, demo.StationID(demo.VillageID(0, 1)))

	// A session of the terminal, linked to a case.
	page, err := f.store.ListPetitions(ctx, petitions.PetitionFilter{Limit: 1})
	if err != nil || len(page) == 0 {
		t.Fatalf("no demo case: %v", err)
	}
	caseID := page[0].ID
	at := f.clock()
	ss := &petitions.Session{ID: "ss-kiosk-1", Kind: petitions.SessionHearing, Room: casework.StationRoom(station),
		Station: station, CaseID: caseID, Start: at, End: at.Add(10 * time.Minute), Status: petitions.SessionEnded,
		Participants: []petitions.SessionParticipant{
			{Identity: "terminal." + a.ID, Role: "villager", Joins: []petitions.Presence{{Joined: at, Left: at.Add(10 * time.Minute)}}},
		}}
	if err := f.store.SaveSession(ctx, ss); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		term           *petitions.Terminal
		session, score string
		want           string
	}{
		{a, ss.ID, "great", petitions.EINVALID},
		{a, "", "satisfied", petitions.EINVALID},
		{a, "ss-none", "satisfied", petitions.ENOTFOUND},
		{b, ss.ID, "satisfied", petitions.ENOTFOUND}, // another station's terminal
	} {
		if _, err := board.Rate(ctx, c.term, c.session, c.score); code(err) != c.want {
			t.Errorf("rate %q %q: %v, want %s", c.session, c.score, err, c.want)
		}
	}
	r, err := board.Rate(ctx, a, ss.ID, "basic")
	if err != nil {
		t.Fatal(err)
	}
	if r.Score != petitions.ScoreBasicSatisfied || r.Case != caseID || r.Session != ss.ID {
		t.Errorf("rating %+v", r)
	}
	if _, err := board.Rate(ctx, a, ss.ID, "satisfied"); code(err) != petitions.ECONFLICT {
		t.Errorf("second rating: %v", err)
	}
	evs, err := f.store.Events(ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Kind != casework.KindRated {
			continue
		}
		n++
		var got casework.Rating
		if err := json.Unmarshal(ev.Data, &got); err != nil || got.Score != petitions.ScoreBasicSatisfied || got.Session != ss.ID ||
			ev.Actor != "terminal."+a.ID {
			t.Errorf("rating event %s by %s: %+v, %v", ev.Data, ev.Actor, got, err)
		}
	}
	if n != 1 {
		t.Errorf("%d rating events in the case's history, want 1", n)
	}
	// The rating is in the case record, where the satisfaction figures
	// count it, and in the case's statistics facts.
	p, err := f.store.Petition(ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if k := len(p.Ratings); k == 0 || p.Ratings[k-1].Score != petitions.ScoreBasicSatisfied || p.Ratings[k-1].Target == "" {
		t.Errorf("case ratings %+v", p.Ratings)
	}
}

func TestPresenceAndHours(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	board := casework.NewCalls(f.svc)
	a := f.enrol(t, demo.StationID(demo.VillageID(0, 0)))

	f.set(time.Date(2026, 11, 2, 9, 0, 0, 0, china)) // default hours 08:30-17:30
	seat, err := board.PresenceSeat(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if seat.Kind != petitions.SessionMonitoring || seat.Room != casework.StationRoom(a.Station) || seat.Hidden {
		t.Errorf("presence seat %+v", seat)
	}
	f.set(time.Date(2026, 11, 2, 20, 0, 0, 0, china))
	if _, err := board.PresenceSeat(ctx, a); code(err) != petitions.ECONFLICT {
		t.Errorf("presence after hours: %v", err)
	}

	// A station's own hours, stored with it.
	admin := f.actor(t, "admin.fuyu")
	st := &petitions.Station{ID: "st-night", Unit: demo.VillageID(0, 0), Name: "夜间接访点", Hours: "00:00-24:00"}
	if err := f.svc.CreateStation(ctx, admin, st); err != nil {
		t.Fatal(err)
	}
	p, err := board.PlaceOf(ctx, "st-night")
	if err != nil || p.Station.Hours != "00:00-24:00" || !p.Station.OpenAt(f.clock()) || p.Village == "" || p.Township == "" {
		t.Errorf("place %+v (station %+v), %v", p, p.Station, err)
	}
	bad := &petitions.Station{ID: "st-bad", Unit: demo.VillageID(0, 0), Name: "x", Hours: "18:00-08:00"}
	if err := f.svc.CreateStation(ctx, admin, bad); code(err) != petitions.EINVALID {
		t.Errorf("hours closing before they open: %v", err)
	}

	// Its hours changed by the administrator: the place follows at once;
	// bad hours, another role or an unknown station change nothing.
	if _, err := f.svc.UpdateStation(ctx, admin, "st-night", casework.StationChange{Hours: "18:00-20:00"}); err != nil {
		t.Fatal(err)
	}
	if p, err := board.PlaceOf(ctx, "st-night"); err != nil || p.Station.Hours != "18:00-20:00" || p.Station.OpenAt(f.clock()) ||
		p.Station.Name != "夜间接访点" {
		t.Errorf("place after the change %+v, %v", p.Station, err)
	}
	if _, err := f.svc.UpdateStation(ctx, admin, "st-night", casework.StationChange{Hours: "25:00-26:00"}); code(err) != petitions.EINVALID {
		t.Errorf("bad hours: %v", err)
	}
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	if _, err := f.svc.UpdateStation(ctx, official, "st-night", casework.StationChange{Hours: "00:00-24:00"}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("an official changes a station: %v", err)
	}
	if _, err := f.svc.UpdateStation(ctx, admin, "st-nowhere", casework.StationChange{Name: "x"}); code(err) != petitions.ENOTFOUND {
		t.Errorf("unknown station: %v", err)
	}
	if p, _ := board.PlaceOf(ctx, "st-night"); p.Station.Hours != "18:00-20:00" {
		t.Errorf("refused changes changed the hours to %q", p.Station.Hours)
	}
}

func TestStationHours(t *testing.T) {
	for _, c := range []struct {
		hours string
		at    string // HH:MM China time
		open  bool
		bad   bool
	}{
		{"", "08:29", false, false},
		{"", "08:30", true, false},
		{"", "17:29", true, false},
		{"", "17:30", false, false},
		{"00:00-24:00", "23:59", true, false},
		{"00:00-24:00", "00:00", true, false},
		{"09:00-12:00", "12:00", false, false},
		{"9:00-12:00", "10:00", false, true},
		{"12:00-09:00", "10:00", false, true},
		{"08:00-24:30", "10:00", false, true},
		{"08:60-12:00", "10:00", false, true},
		{"always", "10:00", false, true},
	} {
		st := &petitions.Station{ID: "s", Unit: "u", Name: "n", Hours: c.hours}
		if err := st.Validate(); (err != nil) != c.bad {
			t.Errorf("%q: Validate = %v", c.hours, err)
		}
		at, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-02 "+c.at, china)
		if got := st.OpenAt(at.UTC()); got != c.open {
			t.Errorf("%q at %s: open %v, want %v", c.hours, c.at, got, c.open)
		}
	}
}
