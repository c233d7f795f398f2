package web

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/signaling"
)

// callRoutes mounts the call board (casework.Calls): a station's terminal
// calls in and answers invitations; officials take calls and invite
// stations. It also serves the kiosk's home screen, its presence while the
// station is open, and its ratings.
func (api *API) callRoutes(r chi.Router) {
	if api.Calls == nil {
		api.Calls = casework.NewCalls(api.Cases)
	}
	r.Get("/terminal/home", api.terminalHome)
	r.Post("/terminal/presence", api.terminalPresence)
	r.Get("/terminal/session", api.terminalLiveSession)
	r.Post("/terminal/calls", api.terminalCall)
	r.Get("/terminal/calls/{id}", api.terminalReadCall)
	r.Delete("/terminal/calls/{id}", api.terminalCancelCall)
	r.Get("/terminal/invitations", api.terminalInvitations)
	r.Post("/terminal/invitations/{id}/answer", api.terminalAnswer)
	r.Post("/terminal/ratings", api.terminalRate)

	r.Get("/calls", api.waitingCalls)
	r.Post("/calls/{id}/accept", api.acceptCall)
	r.Post("/stations/{id}/invitations", api.invite)
	r.Get("/invitations/{id}", api.readInvitation)
}

// terminalHome answers what the kiosk's home screen shows: the station,
// its village and township, whether it is open now, and today's receivers.
func (api *API) terminalHome(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	place, err := api.Calls.PlaceOf(r.Context(), t.Station)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	rs, err := api.Calls.Receivers(r.Context(), t.Station)
	api.respond(w, r, http.StatusOK, map[string]any{
		"terminal": t, "station": place.Station, "village": place.Village, "township": place.Township,
		"county": place.County, "hours": place.Hours, "open": place.Open, "receivers": rs, "now": place.Now,
	}, err)
}

// terminalPresence gives the terminal its seat for publishing while the
// station is open: 409 when it is closed.
func (api *API) terminalPresence(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	seat, err := api.Calls.PresenceSeat(r.Context(), t)
	var ans *seatAnswer
	if err == nil {
		ans, err = api.mint(seat)
	}
	api.respond(w, r, http.StatusCreated, ans, err)
}

// terminalLiveSession answers the session live now in the terminal's
// room (the one its rating will name): 404 when there is none.
func (api *API) terminalLiveSession(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	ss, err := api.Calls.LiveSession(r.Context(), t)
	var v any
	if err == nil {
		v = map[string]any{"id": ss.ID, "kind": ss.Kind, "station": ss.Station, "start": ss.Start,
			"recorded": ss.Recorded, "case_id": ss.CaseID}
	}
	api.respond(w, r, http.StatusOK, v, err)
}

func (api *API) terminalCall(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	var in struct {
		Kind petitions.SessionKind `json:"kind"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	c, err := api.Calls.Call(r.Context(), t, in.Kind)
	api.respond(w, r, http.StatusCreated, c, err)
}

func (api *API) terminalReadCall(w http.ResponseWriter, r *http.Request) {
	if t, ok := api.terminal(w, r); ok {
		c, err := api.Calls.TerminalCall(t, chi.URLParam(r, "id"))
		api.respond(w, r, http.StatusOK, c, err)
	}
}

func (api *API) terminalCancelCall(w http.ResponseWriter, r *http.Request) {
	if t, ok := api.terminal(w, r); ok {
		api.respond(w, r, http.StatusNoContent, nil, api.Calls.Cancel(t, chi.URLParam(r, "id")))
	}
}

func (api *API) terminalInvitations(w http.ResponseWriter, r *http.Request) {
	if t, ok := api.terminal(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"invitations": api.Calls.Invitations(t)})
	}
}

func (api *API) terminalAnswer(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	var in struct {
		Accept *bool `json:"accept"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	if in.Accept == nil {
		writeError(w, r, api.Log, &petitions.Error{Code: petitions.EINVALID, Message: "The request is not complete or not valid.",
			Fields: map[string]string{"accept": "required: true or false"}})
		return
	}
	inv, err := api.Calls.Answer(t, chi.URLParam(r, "id"), *in.Accept)
	api.respond(w, r, http.StatusOK, inv, err)
}

func (api *API) terminalRate(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	var in struct {
		Session string `json:"session"`
		Score   string `json:"score"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	rating, err := api.Calls.Rate(r.Context(), t, in.Session, in.Score)
	api.respond(w, r, http.StatusCreated, rating, err)
}

func (api *API) waitingCalls(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	cs, err := api.Calls.Waiting(r.Context(), a)
	api.respond(w, r, http.StatusOK, map[string]any{"calls": cs}, err)
}

// acceptCall takes a waiting call: {call, seat}; 409 when someone else
// took it first.
func (api *API) acceptCall(w http.ResponseWriter, r *http.Request) {
	p, err := api.Sessions.Person(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	c, seat, err := api.Calls.Accept(r.Context(), p.Actor(), p.Name, chi.URLParam(r, "id"))
	var ans *seatAnswer
	if err == nil {
		ans, err = api.mintHost(seat)
	}
	api.respond(w, r, http.StatusOK, map[string]any{"call": c, "seat": ans}, err)
}

// invite invites a station: 201 {invitation, seat}.
func (api *API) invite(w http.ResponseWriter, r *http.Request) {
	p, err := api.Sessions.Person(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	var in struct {
		Kind petitions.SessionKind `json:"kind"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	inv, seat, err := api.Calls.Invite(r.Context(), p.Actor(), p.Name, chi.URLParam(r, "id"), in.Kind)
	var ans *seatAnswer
	if err == nil {
		ans, err = api.mintHost(seat)
	}
	api.respond(w, r, http.StatusCreated, map[string]any{"invitation": inv, "seat": ans}, err)
}

func (api *API) readInvitation(w http.ResponseWriter, r *http.Request) {
	idCall(api, w, r, func(ctx context.Context, a petitions.Actor, id string) (any, error) {
		return api.Calls.Invitation(ctx, a, id)
	})
}

// mintHost signs the media token of the official who takes a call or
// invites a station: he hosts the session (room admin), and asks for it to
// be recorded, so that a hearing is recorded even when the station's room
// was already open for the leaders' wall (a monitoring session, which is
// not).
func (api *API) mintHost(seat *casework.Seat) (*seatAnswer, error) {
	meta, err := json.Marshal(map[string]any{"role": seat.Role, "station": seat.Station, "kind": string(seat.Kind), "record": true})
	if err != nil {
		return nil, err
	}
	tok, err := api.Tokens.Mint(signaling.Grant{Room: seat.Room, Identity: seat.Identity, Name: seat.Name,
		Metadata: string(meta), CanPublish: true, CanSubscribe: true, Admin: true}, seatTTL)
	if err != nil {
		return nil, err
	}
	return &seatAnswer{Seat: seat, Token: tok, Join: "/join#token=" + tok}, nil
}
