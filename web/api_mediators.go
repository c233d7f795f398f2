package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
)

// mediatorRoutes mounts the mediator board (点单式调解): for anyone signed
// in, and for an enrolled terminal, its own station's board.
func (api *API) mediatorRoutes(r chi.Router) {
	r.Get("/mediators", api.mediatorBoard)
	r.Get("/terminal/mediators", api.terminalMediatorBoard)
}

// mediatorBoard answers GET /mediators?unit=U (or station=S): the board
// of that unit or station. 400 without either.
func (api *API) mediatorBoard(w http.ResponseWriter, r *http.Request) {
	if _, ok := api.actor(w, r); !ok {
		return
	}
	q := r.URL.Query()
	at := q.Get("station")
	if at == "" {
		at = q.Get("unit")
	}
	if at == "" {
		writeError(w, r, api.Log, &petitions.Error{Code: petitions.EINVALID, Message: "Say whose board.",
			Fields: map[string]string{"unit": "required: a unit or a station"}})
		return
	}
	board, err := api.Cases.MediatorBoard(r.Context(), at)
	api.respond(w, r, http.StatusOK, map[string]any{"mediators": board}, err)
}

// terminalMediatorBoard answers GET /terminal/mediators: the board of the
// terminal's own station.
func (api *API) terminalMediatorBoard(w http.ResponseWriter, r *http.Request) {
	t, ok := api.terminal(w, r)
	if !ok {
		return
	}
	board, err := api.Cases.MediatorBoard(r.Context(), t.Station)
	api.respond(w, r, http.StatusOK, map[string]any{"mediators": board}, err)
}
