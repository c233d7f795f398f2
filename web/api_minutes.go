package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
)

// deskRoutes mounts what the official's desk (/desk) needs besides the
// case API: the minutes of a hearing, the risk level, finding a case, and
// the seat a summoned department takes in the live room.
func (api *API) deskRoutes(r chi.Router) {
	r.Get("/cases/search", api.findCases)
	r.Post("/cases/{id}/minutes", api.minutes)
	r.Post("/cases/{id}/risk", api.grade)
	r.Post("/cases/{id}/agreement", api.draftAgreement)
	r.Post("/cases/{id}/summons/{n}/seats", api.summonedSeat)
}

// minutes appends an entry to the minutes of a case: 201 with the case.
func (api *API) minutes(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusCreated, func(ctx context.Context, a petitions.Actor, in casework.MinutesRequest) (any, error) {
		return api.Cases.Minutes(ctx, a, chi.URLParam(r, "id"), in)
	})
}

// grade sets the risk level of a case: 200 with the case.
func (api *API) grade(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusOK, func(ctx context.Context, a petitions.Actor, in casework.GradeRequest) (any, error) {
		return api.Cases.Grade(ctx, a, chi.URLParam(r, "id"), in)
	})
}

// findCases answers GET /cases/search?q=…&limit=…: {cases: [CaseSummary]}.
func (api *API) findCases(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	limit := 20
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			writeError(w, r, api.Log, &petitions.Error{Code: petitions.EINVALID, Message: "The query is not valid.",
				Fields: map[string]string{"limit": "must be a number from 1 to 50"}})
			return
		}
		limit = n
	}
	cs, err := api.Cases.Find(r.Context(), a, r.URL.Query().Get("q"), limit)
	api.respond(w, r, http.StatusOK, map[string]any{"cases": cs}, err)
}

// summonedSeat reports a summoned department in and seats its staff in the
// case's live room: 201 {seat (with token and join), case}.
func (api *API) summonedSeat(w http.ResponseWriter, r *http.Request) {
	p, err := api.Sessions.Person(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	n, err := index(r)
	var in casework.SummonedSeatRequest
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	seat, v, err := api.Cases.SummonedSeat(r.Context(), p.Actor(), chi.URLParam(r, "id"), n, p.Name, in)
	var ans *seatAnswer
	if err == nil {
		ans, err = api.mint(seat)
	}
	api.respond(w, r, http.StatusCreated, map[string]any{"seat": ans, "case": v}, err)
}

// framedBySelf lets pages of this origin frame h's page (the desk shows
// the join page beside the case panel); every other origin still may not.
func framedBySelf(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		csp := w.Header().Get("Content-Security-Policy")
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "frame-ancestors 'none'", "frame-ancestors 'self'", 1))
		h.ServeHTTP(w, r)
	})
}
