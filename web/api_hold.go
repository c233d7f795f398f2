package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions/casework"
)

// holdRoutes mounts the legal hold of a case: while set, its recordings
// outlive their retention.
func (api *API) holdRoutes(r chi.Router) {
	r.Put("/cases/{id}/legal-hold", api.hold)
	r.Delete("/cases/{id}/legal-hold", api.release)
}

func (api *API) hold(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	var in casework.HoldRequest
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	v, err := api.Cases.Hold(r.Context(), a, chi.URLParam(r, "id"), in)
	api.respond(w, r, http.StatusOK, v, err)
}

// release takes the reason from the query (?reason=…): a DELETE has no
// body.
func (api *API) release(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	v, err := api.Cases.Release(r.Context(), a, chi.URLParam(r, "id"), casework.HoldRequest{Reason: r.URL.Query().Get("reason")})
	api.respond(w, r, http.StatusOK, v, err)
}
