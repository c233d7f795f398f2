package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
)

// jsonCall answers a signed-in person's request whose body is the JSON In:
// it decodes the body (400 when it is not an In), calls call, and answers
// status with what call returns, or its error.
func jsonCall[In any](api *API, w http.ResponseWriter, r *http.Request, status int,
	call func(ctx context.Context, a petitions.Actor, in In) (any, error)) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	var in In
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	v, err := call(r.Context(), a, in)
	api.respond(w, r, status, v, err)
}

// idCall answers a signed-in person's request about the object the path's
// {id} names, with 200 and what call returns, or its error.
func idCall(api *API, w http.ResponseWriter, r *http.Request,
	call func(ctx context.Context, a petitions.Actor, id string) (any, error)) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	v, err := call(r.Context(), a, chi.URLParam(r, "id"))
	api.respond(w, r, http.StatusOK, v, err)
}
