package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
)

// mediatorRoutes mounts the mediator board (点单式调解), for anyone signed
// in and for an enrolled terminal (its own station's board), and the
// parties' confirmation of a mediation agreement on their own screens.
func (api *API) mediatorRoutes(r chi.Router) {
	r.Get("/mediators", api.mediatorBoard)
	r.Get("/terminal/mediators", api.terminalMediatorBoard)
	r.Post("/agreement", api.agreement(false))        // public: the query code is the credential
	r.Post("/agreement/confirm", api.agreement(true)) // public: the query code is the credential
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

// agreementRequest names a mediation agreement by the case number and the
// query code on a party's receipt, and the party confirming.
type agreementRequest struct {
	CaseNo    string `json:"case_no"`
	QueryCode string `json:"query_code"`
	Party     string `json:"party,omitempty"`
}

// agreement answers POST /agreement (read) and POST /agreement/confirm
// for a party on his own screen, without an account: 404 for a wrong
// number or code (one answer for both), counted against guessing like the
// public lookup (429 with Retry-After).
func (api *API) agreement(confirm bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in agreementRequest
		if err := decodeJSON(w, r, &in); err != nil {
			writeError(w, r, api.Log, err)
			return
		}
		fields := map[string]string{}
		if strings.TrimSpace(in.CaseNo) == "" {
			fields["case_no"] = "required"
		}
		if strings.TrimSpace(in.QueryCode) == "" {
			fields["query_code"] = "required"
		}
		if confirm && in.Party == "" {
			fields["party"] = "required"
		}
		if len(fields) > 0 {
			writeError(w, r, api.Log, &petitions.Error{Code: petitions.EINVALID, Message: "Give the case number, the query code and who confirms.", Fields: fields})
			return
		}
		key, ip, now := "agreement:"+strings.TrimSpace(in.CaseNo), clientIP(r), api.Now()
		if ok, wait := api.Enrol.Allow(key, ip, now); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
			writeJSON(w, http.StatusTooManyRequests, apiError{Code: petitions.EFORBIDDEN, Message: "Too many tries; try again later."})
			return
		}
		var v *casework.AgreementView
		var err error
		if confirm {
			v, err = api.Cases.PartyConfirm(r.Context(), in.CaseNo, in.QueryCode, in.Party)
		} else {
			v, err = api.Cases.PartyAgreement(r.Context(), in.CaseNo, in.QueryCode)
		}
		if petitions.ErrorCode(err) == petitions.ENOTFOUND {
			api.Enrol.Failed(key, ip, now)
		} else if err == nil {
			api.Enrol.Succeeded(key, ip, now)
		}
		api.respond(w, r, http.StatusOK, map[string]any{"agreement": v}, err)
	}
}
