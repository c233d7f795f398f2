package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
)

// Open311 serves a read-only Open311 GeoReport v2 view of the public cases
// under /open311/v2, in JSON: the category catalogue (services.json), the
// cases (requests.json) and one case (requests/{case_no}.json). Only what
// casework.IsPublic lets out is shown — never an accusation (检举控告), a
// confidential or an anonymous case — and only as casework.PublicCase has
// it: the public summary, the lead unit, the village; never a person, a
// contact, a position finer than the village, or media. Nobody signs in;
// each address is limited to Limit requests per Window. See docs/api.md.
type Open311 struct {
	Cases *casework.Service
	// Limit requests per Window from one address; 60 a minute when zero.
	Limit  int
	Window time.Duration
	Log    *slog.Logger
	Now    func() time.Time

	mu   sync.Mutex
	hits map[string]*hitWindow
}

// Open311 limits and defaults.
const (
	open311Limit       = 60
	open311Window      = time.Minute
	open311MaxPageSize = 100
	open311PageSize    = 50
	open311MaxSpan     = 90 * 24 * time.Hour // GeoReport v2: a server may cap the date range
	open311Group       = "信访与矛盾纠纷"
)

// serviceNotice is what a requester is told to expect, per kind of case.
var serviceNotice = map[petitions.Kind]string{
	petitions.KindPetition:  "自受理之日起60日内办结",
	petitions.KindMediation: "一般一个月内调结",
}

// georeportService is one entry of services.json.
type georeportService struct {
	ServiceCode string `json:"service_code"`
	ServiceName string `json:"service_name"`
	Description string `json:"description"`
	Metadata    bool   `json:"metadata"`
	Type        string `json:"type"`
	Keywords    string `json:"keywords"`
	Group       string `json:"group"`
}

// georeportRequest is one entry of requests.json. Ids are strings, dates
// ISO 8601 with their offset; lat, long and media_url are never given.
type georeportRequest struct {
	ServiceRequestID  string `json:"service_request_id"`
	Status            string `json:"status"`
	StatusNotes       string `json:"status_notes"`
	ServiceName       string `json:"service_name"`
	ServiceCode       string `json:"service_code"`
	Description       string `json:"description"`
	AgencyResponsible string `json:"agency_responsible"`
	ServiceNotice     string `json:"service_notice"`
	RequestedDatetime string `json:"requested_datetime"`
	UpdatedDatetime   string `json:"updated_datetime"`
	ExpectedDatetime  string `json:"expected_datetime,omitempty"`
	Address           string `json:"address"`
}

// georeportError is one entry of a GeoReport v2 error answer.
type georeportError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// routes mounts the view on r, the /open311/v2 router.
func (o *Open311) routes(r chi.Router) {
	r.Use(o.limit)
	r.Get("/services.json", o.services)
	r.Get("/requests.json", o.requests)
	r.Get("/requests/{id}.json", o.request)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeGeoError(w, http.StatusNotFound, "There is no "+r.URL.Path+"; this server answers services.json, requests.json and requests/{id}.json.")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeGeoError(w, http.StatusMethodNotAllowed, "This view is read-only: only GET is served.")
	})
}

func (o *Open311) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Open311) services(w http.ResponseWriter, r *http.Request) {
	cats := o.Cases.Categories()
	out := make([]georeportService, 0, len(cats))
	for _, c := range cats {
		out = append(out, georeportService{
			ServiceCode: c.Code, ServiceName: c.Name, Description: c.Name + "类信访事项与矛盾纠纷",
			Type: "realtime", Keywords: strings.Join([]string{c.Name, "信访", "矛盾纠纷", "调解"}, ","), Group: open311Group,
		})
	}
	writeGeo(w, http.StatusOK, out)
}

func (o *Open311) requests(w http.ResponseWriter, r *http.Request) {
	f, page, size, problems := o.requestQuery(r)
	if len(problems) > 0 {
		writeGeoErrors(w, http.StatusBadRequest, problems)
		return
	}
	cs, err := o.Cases.PublicCases(r.Context(), f)
	if err != nil {
		o.fail(w, r, err)
		return
	}
	from := min((page-1)*size, len(cs))
	to := min(from+size, len(cs))
	out := make([]georeportRequest, 0, to-from)
	for _, c := range cs[from:to] {
		out = append(out, o.georeport(c))
	}
	writeGeo(w, http.StatusOK, out)
}

func (o *Open311) request(w http.ResponseWriter, r *http.Request) {
	c, err := o.Cases.PublicCaseByNumber(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		o.fail(w, r, err)
		return
	}
	writeGeo(w, http.StatusOK, []georeportRequest{o.georeport(c)})
}

// requestQuery reads requests.json's query: service_request_id (a comma
// list, overriding the rest), service_code (a comma list), start_date and
// end_date (ISO 8601 with an offset, or a day; at most 90 days apart; the
// last 90 days when both are absent), status (open, closed or both), page
// and page_size (limit is the same) up to 100.
func (o *Open311) requestQuery(r *http.Request) (f casework.PublicFilter, page, size int, problems []string) {
	q := r.URL.Query()
	list := func(name string) []string {
		var out []string
		for _, v := range strings.Split(q.Get(name), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	page, size = 1, open311PageSize
	number := func(name string, lo, hi int, into *int) {
		v := q.Get(name)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			problems = append(problems, name+": must be a number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
			return
		}
		*into = n
	}
	number("page", 1, 1<<20, &page)
	number("limit", 1, open311MaxPageSize, &size)
	number("page_size", 1, open311MaxPageSize, &size)
	if f.CaseNos = list("service_request_id"); len(f.CaseNos) > 0 {
		return f, page, size, problems
	}
	f.Categories = list("service_code")
	known := o.Cases.Categories()
	for _, c := range f.Categories {
		if !slices.ContainsFunc(known, func(k petitions.Category) bool { return k.Code == c }) {
			problems = append(problems, "service_code: "+c+" is no service (see services.json)")
		}
	}
	date := func(name string) time.Time {
		v := q.Get(name)
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		if t, err := time.ParseInLocation(petitions.DayLayout, v, chinaTime); err == nil {
			return t
		}
		problems = append(problems, name+": must be ISO 8601 with an offset (2026-11-01T00:00:00+08:00) or a day (2026-11-01)")
		return time.Time{}
	}
	f.From, f.To = date("start_date"), date("end_date")
	switch {
	case f.From.IsZero() && f.To.IsZero():
		f.To = o.now()
		f.From = f.To.Add(-open311MaxSpan)
	case f.From.IsZero():
		f.From = f.To.Add(-open311MaxSpan)
	case f.To.IsZero():
		f.To = f.From.Add(open311MaxSpan)
	case !f.From.Before(f.To):
		problems = append(problems, "end_date: must be after start_date")
	case f.To.Sub(f.From) > open311MaxSpan:
		problems = append(problems, "end_date: at most 90 days after start_date")
	}
	switch st := list("status"); {
	case len(st) == 0:
	case !allIn(st, "open", "closed"):
		problems = append(problems, "status: must be open, closed or open,closed")
	case len(st) == 1:
		f.Status = st[0]
	}
	return f, page, size, problems
}

func allIn(xs []string, allowed ...string) bool {
	for _, x := range xs {
		if !slices.Contains(allowed, x) {
			return false
		}
	}
	return true
}

// georeport returns c in GeoReport v2's shape.
func (o *Open311) georeport(c casework.PublicCase) georeportRequest {
	g := georeportRequest{
		ServiceRequestID: c.CaseNo, Status: "closed", StatusNotes: c.StateName, ServiceCode: c.Category,
		ServiceName: c.Category, Description: c.Summary, AgencyResponsible: c.Agency, ServiceNotice: serviceNotice[c.Kind],
		RequestedDatetime: isoTime(c.ReceivedAt), UpdatedDatetime: isoTime(c.UpdatedAt), Address: c.Address,
	}
	if c.Active {
		g.Status = "open"
	}
	if c.Result != "" {
		g.StatusNotes += "：" + c.Result
	}
	for _, cat := range o.Cases.Categories() {
		if cat.Code == c.Category {
			g.ServiceName = cat.Name
		}
	}
	if !c.Due.IsZero() {
		d := c.Due.In(chinaTime)
		g.ExpectedDatetime = isoTime(time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, chinaTime))
	}
	return g
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format(time.RFC3339)
}

// fail answers err as a GeoReport v2 error: 404 for an unknown case, 500
// (logged) for the rest.
func (o *Open311) fail(w http.ResponseWriter, r *http.Request, err error) {
	if petitions.ErrorCode(err) == petitions.ENOTFOUND {
		writeGeoError(w, http.StatusNotFound, petitions.ErrorMessage(err))
		return
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	log.Error("web: open311 request failed", "path", r.URL.Path, "err", err)
	writeGeoError(w, http.StatusInternalServerError, "The server failed; the error is logged.")
}

func writeGeo(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*") // public, read-only data
	h.Set("Cache-Control", "public, max-age=60")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeGeoError(w http.ResponseWriter, status int, description string) {
	writeGeoErrors(w, status, []string{description})
}

func writeGeoErrors(w http.ResponseWriter, status int, descriptions []string) {
	out := make([]georeportError, len(descriptions))
	for i, d := range descriptions {
		out[i] = georeportError{Code: status, Description: d}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeGeo(w, status, out)
}

// hitWindow counts one address's requests in a fixed window.
type hitWindow struct {
	start time.Time
	n     int
}

// limit refuses, with 429 and Retry-After, an address's requests beyond
// Limit per Window (a fixed window, counted in memory).
func (o *Open311) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, retry := o.allow(clientIP(r), o.now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds()+0.999)))
			writeGeoError(w, http.StatusTooManyRequests, "Too many requests from this address; try again later.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allow counts a request from ip at now and reports whether it is within
// the limit, and if not how long until the window ends.
func (o *Open311) allow(ip string, now time.Time) (bool, time.Duration) {
	limit, window := o.Limit, o.Window
	if limit <= 0 {
		limit = open311Limit
	}
	if window <= 0 {
		window = open311Window
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.hits == nil {
		o.hits = map[string]*hitWindow{}
	}
	if len(o.hits) > 10000 { // forget the windows that ended
		for k, h := range o.hits {
			if now.Sub(h.start) >= window {
				delete(o.hits, k)
			}
		}
	}
	h, ok := o.hits[ip]
	if !ok || now.Sub(h.start) >= window {
		h = &hitWindow{start: now}
		o.hits[ip] = h
	}
	h.n++
	if h.n > limit {
		return false, h.start.Add(window).Sub(now)
	}
	return true, 0
}
