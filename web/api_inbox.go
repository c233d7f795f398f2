package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
)

// inboxRoutes mounts the signed-in person's reminders.
func (api *API) inboxRoutes(r chi.Router) {
	r.Get("/inbox", api.inbox)
	r.Post("/inbox/{id}/read", api.markRead)
}

func (api *API) inbox(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > petitions.MaxListLimit {
			writeError(w, r, api.Log, &petitions.Error{Code: petitions.EINVALID, Message: "The query is not valid.",
				Fields: map[string]string{"limit": "must be a number from 1 to " + strconv.Itoa(petitions.MaxListLimit)}})
			return
		}
		limit = n
	}
	items, err := api.Cases.Inbox(r.Context(), a, r.URL.Query().Get("after"), limit)
	api.respond(w, r, http.StatusOK, map[string]any{"reminders": items}, err)
}

func (api *API) markRead(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	err := api.Cases.MarkRead(r.Context(), a, chi.URLParam(r, "id"))
	api.respond(w, r, http.StatusNoContent, nil, err)
}
