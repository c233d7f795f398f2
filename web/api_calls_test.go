package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// enrolTerminal pairs a terminal to station and returns its Authorization header.
func (e *apiEnv) enrolTerminal(station string) []string {
	e.t.Helper()
	admin := e.asRole(petitions.RoleAdministrator)
	r := admin.do("POST", "/api/v1/stations/"+station+"/pairings", nil)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("pairing: %d %s", r.Status, r.Raw)
	}
	r = e.anonymous().do("POST", "/api/v1/terminals", map[string]string{"code": str(r.Body, "code"), "name": "村委会接访终端"})
	if r.Status != http.StatusCreated {
		e.t.Fatalf("enrol: %d %s", r.Status, r.Raw)
	}
	return []string{"Authorization", "Device " + str(r.Body, "credential")}
}

func callIDs(body map[string]any) []string {
	var ids []string
	for _, c := range body["calls"].([]any) {
		ids = append(ids, str(c.(map[string]any), "id"))
	}
	return ids
}

func TestAPICalls(t *testing.T) {
	e := newAPIEnv(t)
	station := demo.StationID(demo.VillageID(0, 0))
	a := e.enrolTerminal(station)
	b := e.enrolTerminal(demo.StationID(demo.VillageID(0, 1)))
	device := e.anonymous()
	official := e.as(petitions.NormalizeLogin(e.people.TownshipOfficials(0)[0].ID))
	elsewhere := e.as(petitions.NormalizeLogin(e.people.TownshipOfficials(1)[0].ID))
	dispatcher := e.asRole(petitions.RoleDispatcher)

	// The home screen.
	r := device.do("GET", "/api/v1/terminal/home", nil, a...)
	if r.Status != http.StatusOK || str(r.Body, "village") == "" || str(r.Body, "township") == "" ||
		r.Body["open"] != true || str(r.Body, "hours") != petitions.DefaultHours {
		t.Errorf("home: %d %s", r.Status, r.Raw)
	}
	if r := device.do("GET", "/api/v1/terminal/home", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("home without a credential: %d", r.Status)
	}
	r = device.do("POST", "/api/v1/terminal/presence", map[string]any{}, a...)
	if r.Status != http.StatusCreated || str(r.Body, "kind") != string(petitions.SessionMonitoring) || str(r.Body, "token") == "" {
		t.Errorf("presence while open: %d %s", r.Status, r.Raw)
	}

	// Calling in: bad input changes nothing.
	for _, bad := range []any{map[string]any{"kind": "caucus"}, map[string]any{}, map[string]any{"kind": "hearing", "x": 1}, "nonsense"} {
		if r := device.do("POST", "/api/v1/terminal/calls", bad, a...); r.Status != http.StatusBadRequest {
			t.Errorf("call %v: %d %s", bad, r.Status, r.Raw)
		}
	}
	if r := device.do("POST", "/api/v1/terminal/calls", map[string]string{"kind": "hearing"}); r.Status != http.StatusUnauthorized {
		t.Errorf("call without a credential: %d", r.Status)
	}
	if r := official.do("GET", "/api/v1/calls", nil); r.Status != http.StatusOK || len(callIDs(r.Body)) != 0 {
		t.Fatalf("calls before any: %d %s", r.Status, r.Raw)
	}
	r = device.do("POST", "/api/v1/terminal/calls", map[string]string{"kind": "hearing"}, a...)
	if r.Status != http.StatusCreated || str(r.Body, "state") != "waiting" || r.Body["position"] != 1.0 ||
		str(r.Body, "station") != station || str(r.Body, "village") == "" {
		t.Fatalf("call: %d %s", r.Status, r.Raw)
	}
	callA := str(r.Body, "id")
	if r := device.do("POST", "/api/v1/terminal/calls", map[string]string{"kind": "mediation"}, a...); r.Status != http.StatusConflict {
		t.Errorf("second call: %d %s", r.Status, r.Raw)
	}
	e.advance(time.Second)
	r = device.do("POST", "/api/v1/terminal/calls", map[string]string{"kind": "mediation"}, b...)
	if r.Status != http.StatusCreated {
		t.Fatalf("call from b: %d %s", r.Status, r.Raw)
	}
	callB := str(r.Body, "id")

	// The queue, as officials see it.
	if r := official.do("GET", "/api/v1/calls", nil); !slices.Equal(callIDs(r.Body), []string{callA, callB}) {
		t.Errorf("the township official's calls: %s", r.Raw)
	}
	if r := elsewhere.do("GET", "/api/v1/calls", nil); len(callIDs(r.Body)) != 0 {
		t.Errorf("another township's official sees calls: %s", r.Raw)
	}
	if r := e.anonymous().do("GET", "/api/v1/calls", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("calls without sign-in: %d", r.Status)
	}

	// Accepting.
	if r := elsewhere.do("POST", "/api/v1/calls/"+callA+"/accept", nil); r.Status != http.StatusForbidden {
		t.Errorf("accept by another township: %d %s", r.Status, r.Raw)
	}
	if r := official.do("POST", "/api/v1/calls/no-such/accept", nil); r.Status != http.StatusNotFound {
		t.Errorf("accept of no call: %d", r.Status)
	}
	r = official.do("POST", "/api/v1/calls/"+callA+"/accept", nil)
	seat, _ := r.Body["seat"].(map[string]any)
	call, _ := r.Body["call"].(map[string]any)
	if r.Status != http.StatusOK || str(call, "state") != "accepted" || str(seat, "token") == "" ||
		str(seat, "room") != casework.StationRoom(station) || str(seat, "join") == "" {
		t.Fatalf("accept: %d %s", r.Status, r.Raw)
	}
	if by, _ := call["accepted_by"].(map[string]any); str(by, "name") == "" {
		t.Errorf("accepted_by: %v", call["accepted_by"])
	}
	if r := dispatcher.do("POST", "/api/v1/calls/"+callA+"/accept", nil); r.Status != http.StatusConflict {
		t.Errorf("second accept: %d %s", r.Status, r.Raw)
	}
	if r := device.do("GET", "/api/v1/terminal/calls/"+callA, nil, a...); str(r.Body, "state") != "accepted" {
		t.Errorf("the terminal reads its call: %s", r.Raw)
	}
	if r := device.do("GET", "/api/v1/terminal/calls/"+callA, nil, b...); r.Status != http.StatusNotFound {
		t.Errorf("another terminal reads the call: %d", r.Status)
	}
	if r := device.do("DELETE", "/api/v1/terminal/calls/"+callA, nil, a...); r.Status != http.StatusConflict {
		t.Errorf("cancel of an accepted call: %d", r.Status)
	}
	if r := device.do("GET", "/api/v1/terminal/calls/"+callB, nil, b...); r.Body["position"] != 1.0 {
		t.Errorf("b's position after a was taken: %s", r.Raw)
	}
	if r := device.do("DELETE", "/api/v1/terminal/calls/"+callB, nil, b...); r.Status != http.StatusNoContent {
		t.Errorf("cancel: %d %s", r.Status, r.Raw)
	}
	if r := device.do("GET", "/api/v1/terminal/calls/"+callB, nil, b...); str(r.Body, "state") != "cancelled" {
		t.Errorf("cancelled call reads %s", r.Raw)
	}
	if r := official.do("POST", "/api/v1/calls/"+callB+"/accept", nil); r.Status != http.StatusConflict {
		t.Errorf("accept of a cancelled call: %d", r.Status)
	}

	// Expiry.
	r = device.do("POST", "/api/v1/terminal/calls", map[string]string{"kind": "hearing"}, b...)
	late := str(r.Body, "id")
	e.advance(casework.CallTTL + time.Second)
	if r := device.do("GET", "/api/v1/terminal/calls/"+late, nil, b...); str(r.Body, "state") != "expired" {
		t.Errorf("after %v: %s", casework.CallTTL, r.Raw)
	}
}

func TestAPIInvitations(t *testing.T) {
	e := newAPIEnv(t)
	station := demo.StationID(demo.VillageID(0, 0))
	a := e.enrolTerminal(station)
	b := e.enrolTerminal(demo.StationID(demo.VillageID(0, 1)))
	device := e.anonymous()
	official := e.as(petitions.NormalizeLogin(e.people.TownshipOfficials(0)[0].ID))
	elsewhere := e.as(petitions.NormalizeLogin(e.people.TownshipOfficials(1)[0].ID))

	for _, c := range []struct {
		client  *apiClient
		station string
		body    any
		want    int
	}{
		{official, station, map[string]string{"kind": "caucus"}, http.StatusBadRequest},
		{official, station, map[string]string{"kind": "hearing", "extra": "x"}, http.StatusBadRequest},
		{elsewhere, station, map[string]string{"kind": "hearing"}, http.StatusForbidden},
		{official, "no-such-station", map[string]string{"kind": "hearing"}, http.StatusNotFound},
		{e.anonymous(), station, map[string]string{"kind": "hearing"}, http.StatusUnauthorized},
	} {
		if r := c.client.do("POST", "/api/v1/stations/"+c.station+"/invitations", c.body); r.Status != c.want {
			t.Errorf("invite %s %v: %d, want %d: %s", c.station, c.body, r.Status, c.want, r.Raw)
		}
	}
	if r := device.do("GET", "/api/v1/terminal/invitations", nil, a...); len(r.Body["invitations"].([]any)) != 0 {
		t.Fatalf("refused invitations are pending: %s", r.Raw)
	}
	r := official.do("POST", "/api/v1/stations/"+station+"/invitations", map[string]string{"kind": "mediation"})
	inv, _ := r.Body["invitation"].(map[string]any)
	seat, _ := r.Body["seat"].(map[string]any)
	if r.Status != http.StatusCreated || str(inv, "state") != "pending" || str(seat, "token") == "" || str(seat, "kind") != "mediation" {
		t.Fatalf("invite: %d %s", r.Status, r.Raw)
	}
	id := str(inv, "id")
	if r := official.do("POST", "/api/v1/stations/"+station+"/invitations", map[string]string{"kind": "hearing"}); r.Status != http.StatusConflict {
		t.Errorf("second invitation: %d", r.Status)
	}
	if r := device.do("GET", "/api/v1/terminal/invitations", nil, b...); len(r.Body["invitations"].([]any)) != 0 {
		t.Errorf("another station sees the invitation: %s", r.Raw)
	}
	r = device.do("GET", "/api/v1/terminal/invitations", nil, a...)
	if got := r.Body["invitations"].([]any); len(got) != 1 || str(got[0].(map[string]any), "id") != id {
		t.Fatalf("pending invitations: %s", r.Raw)
	}
	if r := device.do("POST", "/api/v1/terminal/invitations/"+id+"/answer", map[string]any{}, a...); r.Status != http.StatusBadRequest {
		t.Errorf("answer without accept: %d", r.Status)
	}
	if r := device.do("POST", "/api/v1/terminal/invitations/"+id+"/answer", map[string]any{"accept": true}, b...); r.Status != http.StatusNotFound {
		t.Errorf("another terminal answers: %d", r.Status)
	}
	if r := device.do("POST", "/api/v1/terminal/invitations/"+id+"/answer", map[string]any{"accept": true}, a...); r.Status != http.StatusOK || str(r.Body, "state") != "accepted" {
		t.Errorf("answer: %d %s", r.Status, r.Raw)
	}
	if r := device.do("POST", "/api/v1/terminal/invitations/"+id+"/answer", map[string]any{"accept": false}, a...); r.Status != http.StatusConflict {
		t.Errorf("answer twice: %d", r.Status)
	}
	if r := official.do("GET", "/api/v1/invitations/"+id, nil); str(r.Body, "state") != "accepted" {
		t.Errorf("the official reads the answer: %d %s", r.Status, r.Raw)
	}
	if r := elsewhere.do("GET", "/api/v1/invitations/"+id, nil); r.Status != http.StatusNotFound {
		t.Errorf("another township reads the invitation: %d", r.Status)
	}

	r = official.do("POST", "/api/v1/stations/"+station+"/invitations", map[string]string{"kind": "hearing"})
	late := str(r.Body["invitation"].(map[string]any), "id")
	e.advance(casework.InvitationTTL + time.Second)
	if r := official.do("GET", "/api/v1/invitations/"+late, nil); str(r.Body, "state") != "expired" {
		t.Errorf("after %v: %s", casework.InvitationTTL, r.Raw)
	}
	if r := device.do("POST", "/api/v1/terminal/invitations/"+late+"/answer", map[string]any{"accept": true}, a...); r.Status != http.StatusConflict {
		t.Errorf("answer to an expired invitation: %d", r.Status)
	}
}

func TestAPIKioskRatingAndHours(t *testing.T) {
	e := newAPIEnv(t)
	station := demo.StationID(demo.VillageID(0, 0))
	a := e.enrolTerminal(station)
	device := e.anonymous()
	r := device.do("GET", "/api/v1/terminal", nil, a...)
	termID := str(r.Body["terminal"].(map[string]any), "id")

	if r := device.do("GET", "/api/v1/terminal/session", nil, a...); r.Status != http.StatusNotFound {
		t.Errorf("live session when there is none: %d %s", r.Status, r.Raw)
	}
	at := e.Now()
	ss := &petitions.Session{ID: "ss-kiosk", Kind: petitions.SessionHearing, Room: casework.StationRoom(station),
		Station: station, Start: at, Status: petitions.SessionLive,
		Participants: []petitions.SessionParticipant{{Identity: "terminal." + termID, Joins: []petitions.Presence{{Joined: at}}}}}
	if err := e.db.SaveSession(e.ctx, ss); err != nil {
		t.Fatal(err)
	}
	if r := device.do("GET", "/api/v1/terminal/session", nil, a...); r.Status != http.StatusOK || str(r.Body, "id") != ss.ID {
		t.Errorf("live session: %d %s", r.Status, r.Raw)
	}

	before := len(e.allEvents())
	for _, c := range []struct {
		body any
		want int
	}{
		{map[string]string{"session": ss.ID, "score": "great"}, http.StatusBadRequest},
		{map[string]string{"score": "satisfied"}, http.StatusBadRequest},
		{map[string]string{"session": "ss-none", "score": "satisfied"}, http.StatusNotFound},
		{map[string]any{"session": ss.ID, "score": "satisfied", "comment": "x"}, http.StatusBadRequest},
	} {
		if r := device.do("POST", "/api/v1/terminal/ratings", c.body, a...); r.Status != c.want {
			t.Errorf("rate %v: %d, want %d: %s", c.body, r.Status, c.want, r.Raw)
		}
	}
	if n := len(e.allEvents()); n != before {
		t.Errorf("refused ratings appended %d events", n-before)
	}
	if r := device.do("POST", "/api/v1/terminal/ratings", map[string]string{"session": ss.ID, "score": "satisfied"}, a...); r.Status != http.StatusCreated {
		t.Fatalf("rate: %d %s", r.Status, r.Raw)
	}
	if r := device.do("POST", "/api/v1/terminal/ratings", map[string]string{"session": ss.ID, "score": "unsatisfied"}, a...); r.Status != http.StatusConflict {
		t.Errorf("rate twice: %d", r.Status)
	}
	var rated []casework.Rating
	for _, ev := range e.allEvents() {
		if ev.Kind == casework.KindRated {
			var x casework.Rating
			if err := json.Unmarshal(ev.Data, &x); err != nil {
				t.Fatal(err)
			}
			rated = append(rated, x)
		}
	}
	if len(rated) != 1 || rated[0].Session != ss.ID || rated[0].Score != petitions.ScoreSatisfied || rated[0].Terminal != termID {
		t.Errorf("rating events: %+v", rated)
	}

	// After hours the station is closed: no presence.
	now := e.Now().In(petitions.ChinaTime)
	e.advance(time.Date(now.Year(), now.Month(), now.Day(), 20, 0, 0, 0, petitions.ChinaTime).Sub(now))
	if r := device.do("GET", "/api/v1/terminal/home", nil, a...); r.Body["open"] != false {
		t.Errorf("home at 20:00: %s", r.Raw)
	}
	if r := device.do("POST", "/api/v1/terminal/presence", map[string]any{}, a...); r.Status != http.StatusConflict {
		t.Errorf("presence at 20:00: %d %s", r.Status, r.Raw)
	}
}
