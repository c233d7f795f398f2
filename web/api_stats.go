package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// statsRoutes mounts the oversight statistics.
func (api *API) statsRoutes(r chi.Router) {
	r.Get("/statistics", api.statistics)
}

// china is the county's time zone: the days of a statistics query are
// China days.
var china = time.FixedZone("CST", 8*3600)

// statsQuery reads from and to (YYYY-MM-DD, both inclusive, China days) and
// unit into a half-open stats.Query: From is the first day's midnight, To
// the midnight after the last day. Both days are required; to may not be
// before from, and the period is at most five years.
func statsQuery(r *http.Request) (stats.Query, error) {
	v := r.URL.Query()
	fields := map[string]string{}
	day := func(name string) time.Time {
		s := v.Get(name)
		if s == "" {
			fields[name] = "required: a day, YYYY-MM-DD"
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, s, china)
		if err != nil {
			fields[name] = "must be a day, YYYY-MM-DD"
		}
		return t
	}
	q := stats.Query{From: day("from"), Unit: v.Get("unit")}
	last := day("to")
	switch {
	case q.From.IsZero() || last.IsZero():
	case last.Before(q.From):
		fields["to"] = "must not be before from"
	case last.AddDate(0, 0, 1).After(q.From.AddDate(5, 0, 0)):
		fields["to"] = "the period is at most five years"
	}
	if len(fields) > 0 {
		return q, &petitions.Error{Code: petitions.EINVALID, Message: "The query is not valid.", Fields: fields}
	}
	q.To = last.AddDate(0, 0, 1)
	return q, nil
}

// statistics answers GET /statistics?from=…&to=…&unit=….
func (api *API) statistics(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	q, err := statsQuery(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	rep, err := api.Cases.Statistics(r.Context(), a, q)
	api.respond(w, r, http.StatusOK, rep, err)
}
