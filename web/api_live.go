package web

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
)

// LiveRooms reports which media rooms are open now: those with someone in
// them (hidden observers included) or being recorded. *sfu.SFU is one.
type LiveRooms interface {
	Rooms() []string
}

// liveRoutes mounts what the supervisor's video wall polls.
func (api *API) liveRoutes(r chi.Router) {
	r.Get("/live", api.live)
}

// liveStation is a station as the wall sees it.
type liveStation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Unit string `json:"unit"`
	Room string `json:"room"`
	// Live reports whether the station's media room is open.
	Live bool `json:"live"`
	// Present counts the participants the running session records as in
	// the room now, hidden observers (and so the wall itself) not counted.
	Present int `json:"present"`
	// Session is the id of the running session in the room, if any.
	Session string `json:"session,omitempty"`
}

// liveSession is a running session at a station the caller may watch.
type liveSession struct {
	ID       string                `json:"id"`
	Kind     petitions.SessionKind `json:"kind"`
	Room     string                `json:"room"`
	Station  string                `json:"station"`
	Start    time.Time             `json:"start"`
	Recorded bool                  `json:"recorded,omitempty"`
	Present  int                   `json:"present"`
	// Roles are the roles of those present (official, villager, …), once
	// each, hidden observers left out.
	Roles []string `json:"roles"`
}

// live answers GET /live: every station the caller may watch unannounced
// (a hidden seat: leaders of the station's unit or above, the dispatcher,
// the auditor), whether its room is open and who is in it, and the running
// sessions at those stations. 403 when the caller may watch no station.
func (api *API) live(w http.ResponseWriter, r *http.Request) {
	p, err := api.Sessions.Person(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	stations, sessions, err := api.liveState(r.Context(), p.Actor())
	api.respond(w, r, http.StatusOK, map[string]any{"stations": stations, "sessions": sessions}, err)
}

func (api *API) liveState(ctx context.Context, a petitions.Actor) ([]liveStation, []liveSession, error) {
	all, err := api.Cases.Stations(ctx)
	if err != nil {
		return nil, nil, err
	}
	open := map[string]bool{}
	if api.Rooms != nil {
		for _, room := range api.Rooms.Rooms() {
			open[room] = true
		}
	}
	stations := []liveStation{}
	byRoom := map[string]int{} // room → index in stations
	for _, st := range all {
		if _, err := api.Cases.OfficialSeat(ctx, a, st.ID, "", casework.SeatRequest{Hidden: true}); err != nil {
			if petitions.ErrorCode(err) == petitions.EFORBIDDEN {
				continue
			}
			return nil, nil, err
		}
		room := casework.StationRoom(st.ID)
		byRoom[room] = len(stations)
		stations = append(stations, liveStation{ID: st.ID, Name: st.Name, Unit: st.Unit, Room: room, Live: open[room]})
	}
	if len(stations) == 0 {
		return nil, nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: you may watch no station.")
	}
	sessions := []liveSession{}
	f := petitions.SessionFilter{Live: true, Limit: petitions.MaxListLimit}
	for {
		ss, err := api.Cases.Store().Sessions(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range ss {
			f.After = s.ID
			i, ok := byRoom[s.Room]
			if !ok || !open[s.Room] {
				continue // not at a station of the caller's, or left behind by a crash
			}
			ls := liveSession{ID: s.ID, Kind: s.Kind, Room: s.Room, Station: stations[i].ID, Start: s.Start,
				Recorded: s.Recorded, Roles: []string{}}
			for _, sp := range s.Participants {
				if sp.Hidden || len(sp.Joins) == 0 || !sp.Joins[len(sp.Joins)-1].Left.IsZero() {
					continue
				}
				ls.Present++
				if !slices.Contains(ls.Roles, sp.Role) {
					ls.Roles = append(ls.Roles, sp.Role)
				}
			}
			stations[i].Present, stations[i].Session = ls.Present, ls.ID
			sessions = append(sessions, ls)
		}
		if len(ss) < f.ListLimit() {
			break
		}
	}
	return stations, sessions, nil
}
