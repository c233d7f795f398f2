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

	// Its own server over the env's ledger, with rooms open in "the SFU".
	sessions := &Sessions{People: e.db, Key: bytes.Repeat([]byte("k"), 32), TTL: time.Hour,
		Limiter: petitions.NewSignInLimiter(), Log: log, Now: time.Now}
	srv := httptest.NewServer(New(Options{Sessions: sessions, Log: log,
		API: &API{Cases: e.svc, Sessions: sessions, Tokens: signaling.Keys{APIKey: "k", Secret: strings.Repeat("s", 32)},
			Enrol: petitions.NewSignInLimiter(), Rooms: openRooms{room, "hearing-elsewhere"}, Log: log, Now: e.Now}}))
	t.Cleanup(srv.Close)
	e.srv = srv

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
