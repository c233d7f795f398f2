package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/signaling"
)

// seatTTL is how long a media token minted for a seat may be used to join.
const seatTTL = 6 * time.Hour

// terminalRoutes mounts what enrolled terminals and officials use to take
// a seat in a station's room, and the schedule.
func (api *API) terminalRoutes(r chi.Router) {
	r.Post("/terminals", api.enrol) // public: the pairing code is the credential
	r.Get("/terminal", api.terminalSelf)
	r.Get("/terminal/today", api.terminalToday)
	r.Post("/terminal/sessions", api.terminalSession)
	r.Post("/stations/{id}/seats", api.officialSeat)
}

// scheduleRoutes mounts the reception schedule (接访排班).
func (api *API) scheduleRoutes(r chi.Router) {
	r.Get("/schedule", api.schedule)
	r.Post("/schedule", api.plan)
	r.Delete("/schedule/{id}", api.unplan)
	r.Get("/schedule/adherence", api.adherence)
	r.Get("/stations/{id}/today", api.stationToday)
}

// enrol redeems a pairing code: 201 {terminal, credential}. Failed codes
// count against the address like failed sign-ins (429 with Retry-After).
func (api *API) enrol(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	ip, now := clientIP(r), api.Now()
	if ok, wait := api.Enrol.Allow("pairing", ip, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeJSON(w, http.StatusTooManyRequests, apiError{Code: petitions.EUNAUTHORIZED,
			Message: "Too many wrong pairing codes; try again later."})
		return
	}
	e, err := api.Cases.Redeem(r.Context(), in.Code, in.Name)
	switch petitions.ErrorCode(err) {
	case "":
		api.Enrol.Succeeded("pairing", ip, now)
	case petitions.ENOTFOUND, petitions.ECONFLICT, petitions.EDEADLINE, petitions.EINVALID:
		api.Enrol.Failed("pairing", ip, now)
	}
	api.respond(w, r, http.StatusCreated, e, err)
}

// terminal returns the enrolled terminal whose credential r carries in
// "Authorization: Device <credential>".
func (api *API) terminal(w http.ResponseWriter, r *http.Request) (*petitions.Terminal, bool) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Device") {
		cred = ""
	}
	t, err := api.Cases.Terminal(r.Context(), strings.TrimSpace(cred))
	if err != nil {
		writeError(w, r, api.Log, err)
		return nil, false
	}
	return t, true
}

func (api *API) terminalSelf(w http.ResponseWriter, r *http.Request) {
	if t, ok := api.terminal(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"terminal": t})
	}
}

func (api *API) terminalToday(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	rs, err := api.Cases.Today(r.Context(), t.Station)
	api.respond(w, r, http.StatusOK, map[string]any{"station": t.Station, "receivers": rs}, err)
}

// stationToday answers "who receives today" at a station for anyone signed
// in (the published schedule).
func (api *API) stationToday(w http.ResponseWriter, r *http.Request) {
	if _, ok := api.actor(w, r); !ok {
		return
	}
	station := chi.URLParam(r, "id")
	rs, err := api.Cases.Today(r.Context(), station)
	api.respond(w, r, http.StatusOK, map[string]any{"station": station, "receivers": rs}, err)
}

// seatAnswer is a seat with the token that takes it and the link that
// opens the join page on it.
type seatAnswer struct {
	*casework.Seat
	Token string `json:"token"`
	Join  string `json:"join"`
}

// mint signs the media token of seat.
func (api *API) mint(seat *casework.Seat) (*seatAnswer, error) {
	meta, err := json.Marshal(map[string]string{"role": seat.Role, "station": seat.Station, "kind": string(seat.Kind)})
	if err != nil {
		return nil, err
	}
	tok, err := api.Tokens.Mint(signaling.Grant{Room: seat.Room, Identity: seat.Identity, Name: seat.Name,
		Metadata: string(meta), CanPublish: !seat.Hidden, CanSubscribe: true, Hidden: seat.Hidden}, seatTTL)
	if err != nil {
		return nil, err
	}
	return &seatAnswer{Seat: seat, Token: tok, Join: "/join#token=" + tok}, nil
}

// terminalSession gives the terminal a seat in its own station's room:
// 403 for another station.
func (api *API) terminalSession(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	var in casework.SessionStart
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	seat, err := api.Cases.StartSession(t, in)
	var ans *seatAnswer
	if err == nil {
		ans, err = api.mint(seat)
	}
	api.respond(w, r, http.StatusCreated, ans, err)
}

// officialSeat gives a signed-in official a seat in a station's room.
func (api *API) officialSeat(w http.ResponseWriter, r *http.Request) {
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
	seat, err := api.Cases.OfficialSeat(r.Context(), p.Actor(), chi.URLParam(r, "id"), p.Name, in)
	var ans *seatAnswer
	if err == nil {
		ans, err = api.mint(seat)
	}
	api.respond(w, r, http.StatusCreated, ans, err)
}

func (api *API) schedule(w http.ResponseWriter, r *http.Request) {
	if _, ok := api.actor(w, r); !ok {
		return
	}
	q := r.URL.Query()
	f := petitions.ReceptionFilter{Station: q.Get("station"), LeaderID: q.Get("leader"), From: q.Get("from"), To: q.Get("to")}
	if err := checkDays(f.From, f.To); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	rs, err := api.Cases.Schedule(r.Context(), f)
	api.respond(w, r, http.StatusOK, map[string]any{"receptions": rs}, err)
}

// checkDays refuses from and to that are not "" or DayLayout days.
func checkDays(from, to string) error {
	fields := map[string]string{}
	for name, v := range map[string]string{"from": from, "to": to} {
		if _, err := time.Parse(petitions.DayLayout, v); v != "" && err != nil {
			fields[name] = "must be a date written YYYY-MM-DD"
		}
	}
	if len(fields) > 0 {
		return &petitions.Error{Code: petitions.EINVALID, Message: "The query is not valid.", Fields: fields}
	}
	return nil
}

func (api *API) plan(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	var in petitions.Reception
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	in.ID = "pending" // the service assigns it; Validate needs one
	if err := in.Validate(); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	rec, err := api.Cases.Plan(r.Context(), a, &in)
	api.respond(w, r, http.StatusCreated, rec, err)
}

func (api *API) unplan(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	err := api.Cases.Unplan(r.Context(), a, chi.URLParam(r, "id"))
	api.respond(w, r, http.StatusNoContent, nil, err)
}

func (api *API) adherence(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if err := checkDays(from, to); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	if from == "" {
		from, _ = casework.Month(api.Now())
	}
	ad, err := api.Cases.Adherence(r.Context(), a, from, to)
	api.respond(w, r, http.StatusOK, map[string]any{"from": from, "leaders": ad}, err)
}
