package web

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
	"hearingroom/signaling"
)

// openRooms is a LiveRooms with a fixed answer.
type openRooms []string

func (o openRooms) Rooms() []string { return o }

// TestAPILive: the wall's view lists the stations a caller may watch
// unannounced, which rooms are open and who is in them (the hidden leader
// not counted), and the running sessions; a session the media server no
// longer has is left out, and those who may not watch are refused.
func TestAPILive(t *testing.T) {
	e := newAPIEnv(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	village := demo.TownshipID(0) + ".v01"
	station, other := demo.StationID(village), demo.StationID(demo.TownshipID(1)+".v01")
	room, stale := casework.StationRoom(station), casework.StationRoom(other)

	liveServer(e, log, openRooms{room, "hearing-elsewhere"})

	now := e.Now()
	present := func(id, role string, hidden bool, left time.Time) petitions.SessionParticipant {
		return petitions.SessionParticipant{Identity: id, Role: role, Hidden: hidden,
			Joins: []petitions.Presence{{Joined: now.Add(-time.Minute), Left: left}}}
	}
	for _, s := range []*petitions.Session{
		{ID: "ss-live-1", Kind: petitions.SessionHearing, Room: room, Station: station, Start: now.Add(-time.Minute),
			Status: petitions.SessionLive, Participants: []petitions.SessionParticipant{
				present("kiosk", "villager", false, time.Time{}),
				present("official", "official", false, time.Time{}),
				present("leader", "leader", true, time.Time{}),
				present("gone", "villager", false, now),
			}},
		// Live in the ledger, but the media server has no such room.
		{ID: "ss-live-2", Kind: petitions.SessionHearing, Room: stale, Station: other, Start: now.Add(-time.Minute),
			Status: petitions.SessionLive, Participants: []petitions.SessionParticipant{present("kiosk", "villager", false, time.Time{})}},
	} {
		if err := e.db.SaveSession(e.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	all, err := e.svc.Stations(e.ctx)
	if err != nil {
		t.Fatal(err)
	}

	type liveAnswer struct {
		Stations []liveStation `json:"stations"`
		Sessions []liveSession `json:"sessions"`
	}
	get := func(c *apiClient) liveAnswer {
		t.Helper()
		r := c.do("GET", "/api/v1/live", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("live as %s: %d %s", c.login, r.Status, r.Raw)
		}
		var a liveAnswer
		if err := json.Unmarshal(r.Raw, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	find := func(a liveAnswer, id string) *liveStation {
		i := slices.IndexFunc(a.Stations, func(s liveStation) bool { return s.ID == id })
		if i < 0 {
			return nil
		}
		return &a.Stations[i]
	}

	county := get(e.as(e.people.CountyLeaders()[0].ID))
	if len(county.Stations) != len(all) {
		t.Errorf("county leader: %d stations, want every one (%d)", len(county.Stations), len(all))
	}
	st := find(county, station)
	if st == nil || !st.Live || st.Present != 2 || st.Session != "ss-live-1" || st.Room != room {
		t.Errorf("county leader: station %s = %+v, want live, 2 present, session ss-live-1", station, st)
	}
	if o := find(county, other); o == nil || o.Live || o.Present != 0 || o.Session != "" {
		t.Errorf("county leader: station %s with no open room = %+v", other, o)
	}
	if len(county.Sessions) != 1 || county.Sessions[0].ID != "ss-live-1" || county.Sessions[0].Present != 2 ||
		!slices.Equal(county.Sessions[0].Roles, []string{"villager", "official"}) {
		t.Errorf("county leader: sessions %+v, want ss-live-1 with a villager and an official", county.Sessions)
	}

	// A township's leader watches his township's stations only.
	own := get(e.as(e.people.TownshipLeaders(0)[0].ID))
	if find(own, station) == nil || find(own, other) != nil || len(own.Sessions) != 1 {
		t.Errorf("township leader: stations %d (own %v, other %v), sessions %d", len(own.Stations),
			find(own, station) != nil, find(own, other) != nil, len(own.Sessions))
	}
	for _, s := range own.Stations {
		if !strings.HasPrefix(s.Unit, demo.TownshipID(0)) {
			t.Errorf("township leader sees station %s of unit %s", s.ID, s.Unit)
		}
	}
	if n := len(get(e.asRole(petitions.RoleDispatcher)).Stations); n != len(all) {
		t.Errorf("dispatcher: %d stations, want %d", n, len(all))
	}

	for _, role := range []petitions.Role{petitions.RoleMediator, petitions.RoleTownship, petitions.RoleAdministrator} {
		if r := e.asRole(role).do("GET", "/api/v1/live", nil); r.Status != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", role, r.Status, r.Raw)
		}
	}
	if r := e.anonymous().do("GET", "/api/v1/live", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
}

// liveServer serves the API over e's ledger with rooms open in "the SFU",
// in place of e's own server (before any client of e is made).
func liveServer(e *apiEnv, log *slog.Logger, rooms LiveRooms) {
	sessions := &Sessions{People: e.db, Key: bytes.Repeat([]byte("k"), 32), TTL: time.Hour,
		Limiter: petitions.NewSignInLimiter(), Log: log, Now: time.Now}
	srv := httptest.NewServer(New(Options{Sessions: sessions, Log: log,
		API: &API{Cases: e.svc, Sessions: sessions, Tokens: signaling.Keys{APIKey: "k", Secret: strings.Repeat("s", 32)},
			Enrol: petitions.NewSignInLimiter(), Rooms: rooms, Log: log, Now: e.Now}}))
	e.t.Cleanup(srv.Close)
	e.srv = srv
}

// TestAPILiveSessions: the wall's view lists every running session a
// caller may watch, not only the station rooms: the stations' sessions
// first, then a mediation room at no station with the case it is linked
// to (for those with jurisdiction over the case) and a room of neither
// station nor case (for county-wide watchers only). The wall takes a
// hidden seat in such a room; a seat that is not hidden, a session ended
// or unknown, and a caller without jurisdiction are refused.
func TestAPILiveSessions(t *testing.T) {
	e := newAPIEnv(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	village := demo.TownshipID(0) + ".v01"
	station := demo.StationID(village)
	room := casework.StationRoom(station)
	liveServer(e, log, openRooms{room, "mediation-desk-1", "hearing-elsewhere", "mediation-ended"})
	c := e.asRole(petitions.RoleDispatcher).register(newPetition(village))
	caseID, caseNo := str(c, "id"), str(c, "case_no")

	now := e.Now()
	here := func(id, role string, hidden bool) petitions.SessionParticipant {
		return petitions.SessionParticipant{Identity: id, Role: role, Hidden: hidden,
			Joins: []petitions.Presence{{Joined: now.Add(-time.Minute)}}}
	}
	for _, s := range []*petitions.Session{
		{ID: "ss-station", Kind: petitions.SessionHearing, Room: room, Station: station, Start: now.Add(-3 * time.Minute),
			Status: petitions.SessionLive, Participants: []petitions.SessionParticipant{here("kiosk", "villager", false)}},
		// A mediation room at no station, linked to the case.
		{ID: "ss-mediation", Kind: petitions.SessionMediation, Room: "mediation-desk-1", CaseID: caseID,
			Start: now.Add(-2 * time.Minute), Status: petitions.SessionLive, Participants: []petitions.SessionParticipant{
				here("mediator", "mediator", false), here("party-a", "party", false), here("leader", "leader", true)}},
		// Neither a station nor a case.
		{ID: "ss-loose", Kind: petitions.SessionHearing, Room: "hearing-elsewhere", Start: now.Add(-time.Minute),
			Status: petitions.SessionLive, Participants: []petitions.SessionParticipant{here("someone", "participant", false)}},
		{ID: "ss-ended", Kind: petitions.SessionMediation, Room: "mediation-ended", CaseID: caseID, Start: now.Add(-time.Hour),
			End: now.Add(-time.Minute), Status: petitions.SessionEnded},
	} {
		if err := e.db.SaveSession(e.ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	type answer struct {
		Sessions []struct {
			ID        string `json:"id"`
			Room      string `json:"room"`
			Station   string `json:"station"`
			AtStation bool   `json:"at_station"`
			Present   int    `json:"present"`
			CaseID    string `json:"case_id"`
			CaseNo    string `json:"case_no"`
			CaseKind  string `json:"case_kind"`
			Title     string `json:"title"`
		} `json:"sessions"`
	}
	get := func(c *apiClient) answer {
		t.Helper()
		r := c.do("GET", "/api/v1/live", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("live as %s: %d %s", c.login, r.Status, r.Raw)
		}
		var a answer
		if err := json.Unmarshal(r.Raw, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	ids := func(a answer) (out []string) {
		for _, s := range a.Sessions {
			out = append(out, s.ID)
		}
		return out
	}

	countyLeader := e.as(e.people.CountyLeaders()[0].ID)
	county := get(countyLeader)
	if got := ids(county); !slices.Equal(got, []string{"ss-station", "ss-mediation", "ss-loose"}) {
		t.Fatalf("county leader: sessions %v, want the station's first, then the mediation room and the loose room", got)
	}
	if s := county.Sessions[0]; !s.AtStation || s.Station != station || s.CaseNo != "" {
		t.Errorf("county leader: the station's session %+v", s)
	}
	if s := county.Sessions[1]; s.AtStation || s.Station != "" || s.Present != 2 || s.CaseID != caseID ||
		s.CaseNo != caseNo || s.CaseKind != "petition" || s.Title == "" {
		t.Errorf("county leader: the mediation room %+v, want case %s (%s) with a title, 2 present", s, caseNo, caseID)
	}
	if s := county.Sessions[2]; s.AtStation || s.CaseID != "" {
		t.Errorf("county leader: the loose room %+v", s)
	}
	if got := ids(get(e.asRole(petitions.RoleDispatcher))); len(got) != 3 {
		t.Errorf("dispatcher: sessions %v, want all three", got)
	}
	// The township's leader: its station and its case, not the loose room.
	if got := ids(get(e.as(e.people.TownshipLeaders(0)[0].ID))); !slices.Equal(got, []string{"ss-station", "ss-mediation"}) {
		t.Errorf("township 0 leader: sessions %v", got)
	}
	// Another township's leader: neither.
	if got := ids(get(e.as(e.people.TownshipLeaders(1)[0].ID))); len(got) != 0 {
		t.Errorf("township 1 leader: sessions %v, want none", got)
	}

	// A hidden seat in the mediation room.
	r := countyLeader.do("POST", "/api/v1/sessions/ss-mediation/seats", map[string]any{"hidden": true})
	if r.Status != http.StatusCreated || str(r.Body, "token") == "" || str(r.Body, "room") != "mediation-desk-1" ||
		r.Body["hidden"] != true || str(r.Body, "kind") != "monitoring" {
		t.Errorf("county leader's seat: %d %s", r.Status, r.Raw)
	}
	for _, tc := range []struct {
		who  *apiClient
		path string
		body any
		want int
	}{
		{countyLeader, "/api/v1/sessions/ss-mediation/seats", map[string]any{}, http.StatusBadRequest},
		{countyLeader, "/api/v1/sessions/ss-mediation/seats", map[string]any{"hidden": true, "kind": "hearing"}, http.StatusBadRequest},
		{countyLeader, "/api/v1/sessions/ss-mediation/seats", `{"hidden": true, "extra": 1}`, http.StatusBadRequest},
		{countyLeader, "/api/v1/sessions/ss-ended/seats", map[string]any{"hidden": true}, http.StatusConflict},
		{countyLeader, "/api/v1/sessions/no-such/seats", map[string]any{"hidden": true}, http.StatusNotFound},
		{e.as(e.people.TownshipLeaders(1)[0].ID), "/api/v1/sessions/ss-mediation/seats", map[string]any{"hidden": true}, http.StatusForbidden},
		{e.as(e.people.TownshipLeaders(0)[0].ID), "/api/v1/sessions/ss-loose/seats", map[string]any{"hidden": true}, http.StatusForbidden},
		{e.asRole(petitions.RoleMediator), "/api/v1/sessions/ss-mediation/seats", map[string]any{"hidden": true}, http.StatusForbidden},
		{e.asRole(petitions.RoleTownship), "/api/v1/sessions/ss-station/seats", map[string]any{"hidden": true}, http.StatusForbidden},
		{e.anonymous(), "/api/v1/sessions/ss-mediation/seats", map[string]any{"hidden": true}, http.StatusUnauthorized},
	} {
		r := tc.who.do("POST", tc.path, tc.body)
		if r.Status != tc.want || str(r.Body, "message") == "" {
			t.Errorf("%s POST %s %v: %d %s, want %d with a message", tc.who.login, tc.path, tc.body, r.Status, r.Raw, tc.want)
		}
	}
	for _, role := range []petitions.Role{petitions.RoleMediator, petitions.RoleTownship} {
		if r := e.asRole(role).do("GET", "/api/v1/live", nil); r.Status != http.StatusForbidden {
			t.Errorf("%s: live %d, want 403", role, r.Status)
		}
	}
}

// TestSupervisorPages: the supervisor's pages are served in Chinese by
// default, and load nothing but this server's own files.
func TestSupervisorPages(t *testing.T) {
	srv := httptest.NewServer(New(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	ref := regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	for _, path := range []string{"/wall", "/dashboard", "/case"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `<html lang="zh-CN">`) {
			t.Errorf("GET %s: %d, lang zh-CN %v", path, resp.StatusCode, strings.Contains(string(body), `lang="zh-CN"`))
		}
		for _, m := range ref.FindAllStringSubmatch(string(body), -1) {
			u := m[1]
			if strings.Contains(u, "//") {
				t.Errorf("%s loads %s from elsewhere", path, u)
				continue
			}
			if !strings.HasPrefix(u, "/static/") {
				continue
			}
			r, err := http.Get(srv.URL + u)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s: %s is %d", path, u, r.StatusCode)
			}
		}
	}
}
