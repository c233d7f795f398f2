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

// liveRoutes mounts what the supervisor's video wall polls, and the
// hidden seat it takes in a running session that is at no station.
func (api *API) liveRoutes(r chi.Router) {
	r.Get("/live", api.live)
	r.Post("/sessions/{id}/seats", api.watchSeat)
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

// liveSession is a running session the caller may watch: those in
// station rooms first, then the others (a mediation room at no station, a
// caucus, a summoned department's session).
type liveSession struct {
	ID   string                `json:"id"`
	Kind petitions.SessionKind `json:"kind"`
	Room string                `json:"room"`
	// Station is the station whose room it is in, or the station it came
	// from; "" for a session at no station.
	Station string `json:"station"`
	// AtStation reports whether the session is in its station's room (the
	// wall's station tile shows it); the others get tiles of their own.
	AtStation bool `json:"at_station"`
	// The case the session is linked to, if any: case_id, case_no,
	// case_kind and title (its public summary).
	*casework.LiveCase
	Start    time.Time `json:"start"`
	Recorded bool      `json:"recorded,omitempty"`
	Present  int       `json:"present"`
	// Roles are the roles of those present (official, villager, …), once
	// each, hidden observers left out.
	Roles []string `json:"roles"`
}

// live answers GET /live: every station the caller may watch unannounced
// (a hidden seat: leaders of the station's unit or above, the dispatcher,
// the auditor), whether its room is open and who is in it, and every
// running session the caller may watch (casework.Service.Watchable): those
// at the stations first, then the others, with the case each is linked
// to. 403 when the caller may watch nothing.
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
	sessions, others := []liveSession{}, []liveSession{}
	f := petitions.SessionFilter{Live: true, Limit: petitions.MaxListLimit}
	for {
		ss, err := api.Cases.Store().Sessions(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range ss {
			f.After = s.ID
			if !open[s.Room] {
				continue // left behind by a crash
			}
			i, atStation := byRoom[s.Room]
			ls := liveSession{ID: s.ID, Kind: s.Kind, Room: s.Room, Station: s.Station, AtStation: atStation,
				Start: s.Start, Recorded: s.Recorded, Roles: []string{}}
			c, err := api.Cases.Watchable(ctx, a, s)
			switch {
			case petitions.ErrorCode(err) == petitions.EFORBIDDEN:
				continue
			case err != nil:
				return nil, nil, err
			}
			ls.LiveCase = c
			if atStation {
				ls.Station = stations[i].ID
			}
			for _, sp := range s.Participants {
				if sp.Hidden || len(sp.Joins) == 0 || !sp.Joins[len(sp.Joins)-1].Left.IsZero() {
					continue
				}
				ls.Present++
				if !slices.Contains(ls.Roles, sp.Role) {
					ls.Roles = append(ls.Roles, sp.Role)
				}
			}
			if !atStation {
				others = append(others, ls)
				continue
			}
			stations[i].Present, stations[i].Session = ls.Present, ls.ID
			sessions = append(sessions, ls)
		}
		if len(ss) < f.ListLimit() {
			break
		}
	}
	if len(stations) == 0 && len(others) == 0 {
		return nil, nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: you may watch no station and no session.")
	}
	slices.SortStableFunc(others, func(x, y liveSession) int { return x.Start.Compare(y.Start) })
	return stations, append(sessions, others...), nil
}

// watchSeat answers POST /sessions/{id}/seats {"hidden": true}: a hidden,
// subscribe-only seat in the room of a running session the caller may
// watch (the wall's tile of a session at no station). 201 with the seat's
// token; 400 for a seat that is not hidden; 403 when the caller may not
// watch it; 404 for no such session; 409 for one that has ended.
func (api *API) watchSeat(w http.ResponseWriter, r *http.Request) {
	p, err := api.Sessions.Person(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	var in casework.SeatRequest
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	if !in.Hidden || (in.Kind != "" && in.Kind != petitions.SessionMonitoring) {
		writeError(w, r, api.Log, &petitions.Error{Code: petitions.EINVALID, Message: "A running session is only watched unannounced.",
			Fields: map[string]string{"hidden": "must be true"}})
		return
	}
	seat, err := api.Cases.WatchSeat(r.Context(), p.Actor(), chi.URLParam(r, "id"), p.Name)
	var ans *seatAnswer
	if err == nil {
		ans, err = api.mint(seat)
	}
	api.respond(w, r, http.StatusCreated, ans, err)
}
