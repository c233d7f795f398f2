package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
)

// adminRoutes mounts people, stations and terminal management: the
// administrator's work, which never reads case content.
func (api *API) adminRoutes(r chi.Router) {
	r.Get("/people", api.listPeople)
	r.Post("/people", api.createPerson)
	r.Patch("/people/{id}", api.updatePerson)
	r.Put("/people/{id}/password", api.setPassword)
	r.Get("/stations", api.listStations)
	r.Post("/stations", api.createStation)
	r.Patch("/stations/{id}", api.updateStation)
	r.Post("/stations/{id}/pairings", api.issuePairing)
	r.Get("/terminals", api.listTerminals)
	r.Delete("/terminals/{id}", api.revokeTerminal)
}

func (api *API) listPeople(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	ps, err := api.Cases.People(r.Context(), a, r.URL.Query().Get("unit"))
	api.respond(w, r, http.StatusOK, map[string]any{"people": ps}, err)
}

func (api *API) createPerson(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusCreated, func(ctx context.Context, a petitions.Actor, in casework.NewPerson) (any, error) {
		return api.Cases.CreatePerson(ctx, a, in)
	})
}

func (api *API) updatePerson(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusOK, func(ctx context.Context, a petitions.Actor, in casework.PersonChange) (any, error) {
		return api.Cases.UpdatePerson(ctx, a, chi.URLParam(r, "id"), in)
	})
}

func (api *API) setPassword(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusNoContent, func(ctx context.Context, a petitions.Actor, in casework.PasswordChange) (any, error) {
		return nil, api.Cases.SetPassword(ctx, a, chi.URLParam(r, "id"), in)
	})
}

func (api *API) listStations(w http.ResponseWriter, r *http.Request) {
	if _, ok := api.actor(w, r); !ok {
		return
	}
	ss, err := api.Cases.Stations(r.Context())
	api.respond(w, r, http.StatusOK, map[string]any{"stations": ss}, err)
}

func (api *API) createStation(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusCreated, func(ctx context.Context, a petitions.Actor, in petitions.Station) (any, error) {
		return &in, api.Cases.CreateStation(ctx, a, &in)
	})
}

func (api *API) updateStation(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusOK, func(ctx context.Context, a petitions.Actor, in casework.StationChange) (any, error) {
		return api.Cases.UpdateStation(ctx, a, chi.URLParam(r, "id"), in)
	})
}

func (api *API) issuePairing(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	p, err := api.Cases.IssuePairing(r.Context(), a, chi.URLParam(r, "id"))
	api.respond(w, r, http.StatusCreated, p, err)
}

func (api *API) listTerminals(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	ts, err := api.Cases.Terminals(r.Context(), a, r.URL.Query().Get("station"))
	api.respond(w, r, http.StatusOK, map[string]any{"terminals": ts}, err)
}

func (api *API) revokeTerminal(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	err := api.Cases.Revoke(r.Context(), a, chi.URLParam(r, "id"))
	api.respond(w, r, http.StatusNoContent, nil, err)
}
