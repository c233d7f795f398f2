package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
)

// holdRoutes mounts the legal hold of a case: while set, its recordings
// outlive their retention.
func (api *API) holdRoutes(r chi.Router) {
	r.Put("/cases/{id}/legal-hold", api.hold)
	r.Delete("/cases/{id}/legal-hold", api.release)
}

func (api *API) hold(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusOK, func(ctx context.Context, a petitions.Actor, in casework.HoldRequest) (any, error) {
		return api.Cases.Hold(ctx, a, chi.URLParam(r, "id"), in)
	})
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
