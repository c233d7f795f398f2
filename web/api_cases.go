package web

import (
	"cmp"
	"context"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/signaling"
)

// Minter signs media access tokens; signaling.Keys is one.
type Minter interface {
	Mint(g signaling.Grant, ttl time.Duration) (string, error)
}

// API serves the ledger under /api/v1: cases, their history and overlays,
// sessions, people, stations and terminals, the reception schedule and the
// auditor's tools. Every handler but the terminal's enrolment needs a
// signed-in person (Sessions) or an enrolled terminal (a device credential
// in "Authorization: Device <credential>"); the service decides the rest.
type API struct {
	Cases    *casework.Service
	Sessions *Sessions
	Tokens   Minter
	// Enrol limits pairing-code guesses per address.
	Enrol *petitions.SignInLimiter
	// Calls is the call board (in memory, per process); routes makes one
	// over Cases when it is nil.
	Calls *casework.Calls
	// Rooms, if set, tells the supervisor's wall which rooms are open.
	Rooms LiveRooms
	Log   *slog.Logger
	Now   func() time.Time
}

// routes mounts the API on r, the /api/v1 router.
func (api *API) routes(r chi.Router) {
	r.Get("/categories", api.categories)
	r.Get("/units", api.units)
	r.Get("/leaders", api.leaders)
	r.Route("/cases", func(r chi.Router) {
		r.Get("/", api.listCases)
		r.Post("/", api.registerCase)
		r.Get("/{id}", api.readCase)
		r.Get("/{id}/history", api.caseHistory)
		r.Get("/{id}/sessions", api.caseSessions)
		r.Get("/{id}/access-log", api.accessLog)
		r.Get("/{id}/transitions", api.caseTransitions)
		r.Post("/{id}/transitions", api.transition)
		r.Post("/{id}/supervisions", api.supervise)
		r.Post("/{id}/supervisions/{n}/feedback", api.feedback)
		r.Post("/{id}/summons", api.summon)
		r.Post("/{id}/summons/{n}/reports", api.reportIn)
	})
	r.Get("/sessions/today", api.sessionsToday)
	r.Get("/sessions/{id}", api.readSession)
	r.Post("/sessions/{id}/link", api.linkSession)
	r.Get("/sessions/{id}/manifest", api.manifest)
	r.Post("/sessions/{id}/recordings/{n}/playback", api.playback)
	r.Get("/sessions/{id}/export.mp4", api.exportSession)
	r.Get("/export", api.export)
	r.Post("/ledger/verify", api.verify)
	api.adminRoutes(r)
	api.scheduleRoutes(r)
	api.terminalRoutes(r)
	api.callRoutes(r)
	api.holdRoutes(r)
	api.inboxRoutes(r)
	api.ledgerRoutes(r)
	api.statsRoutes(r)
	api.mediatorRoutes(r)
	api.deskRoutes(r)
	api.liveRoutes(r)
}

// actor returns the signed-in person of r as the access rules see him.
func (api *API) actor(w http.ResponseWriter, r *http.Request) (petitions.Actor, bool) {
	p, err := api.Sessions.Person(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return petitions.Actor{}, false
	}
	return p.Actor(), true
}

// respond writes v with status, or the error.
func (api *API) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	if v == nil {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}

func (api *API) categories(w http.ResponseWriter, r *http.Request) {
	if _, ok := api.actor(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"categories": api.Cases.Categories()})
}

func (api *API) units(w http.ResponseWriter, r *http.Request) {
	if _, ok := api.actor(w, r); !ok {
		return
	}
	units, err := api.Cases.Store().Units(r.Context())
	api.respond(w, r, http.StatusOK, map[string]any{"units": units}, err)
}

// leaders serves the leaders' directory (casework.Service.Leaders).
func (api *API) leaders(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	ls, err := api.Cases.Leaders(r.Context(), a)
	api.respond(w, r, http.StatusOK, map[string]any{"leaders": ls}, err)
}

// listFilter reads a ListFilter from the query string.
func listFilter(r *http.Request) (casework.ListFilter, error) {
	q := r.URL.Query()
	f := casework.ListFilter{State: petitions.State(q.Get("state")), Kind: petitions.Kind(q.Get("kind")),
		LeadUnit: q.Get("lead_unit"), After: q.Get("after")}
	fields := map[string]string{}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > petitions.MaxListLimit {
			fields["limit"] = "must be a number from 1 to " + strconv.Itoa(petitions.MaxListLimit)
		}
		f.Limit = n
	}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		fields["overdue"] = "must be true or false"
	}
	if f.Kind != "" && f.Kind != petitions.KindPetition && f.Kind != petitions.KindMediation {
		fields["kind"] = "must be petition or mediation"
	}
	f.View, f.Category, f.Unit, f.Sort = q.Get("view"), q.Get("category"), q.Get("unit"), q.Get("sort")
	f.Risk = petitions.RiskLevel(q.Get("risk"))
	if f.View != "" && !slices.Contains(casework.Views(), f.View) {
		fields["view"] = "must be one of " + strings.Join(casework.Views(), ", ")
	}
	if f.Sort != "" && !slices.Contains(petitions.Sorts(), f.Sort) {
		fields["sort"] = "must be one of " + strings.Join(petitions.Sorts(), ", ")
	}
	switch f.Risk {
	case "", petitions.RiskGreen, petitions.RiskYellow, petitions.RiskRed:
	default:
		fields["risk"] = "must be green, yellow or red"
	}
	if len(f.Category) > 64 {
		fields["category"] = "must be a category code"
	}
	if f.After != "" {
		if _, err := petitions.ParseCursor(cmp.Or(f.Sort, casework.ViewSort(f.View)), f.After); err != nil {
			fields["after"] = "is not the next of a page of this view and sort"
		}
	}
	if len(fields) > 0 {
		return f, &petitions.Error{Code: petitions.EINVALID, Message: "The query is not valid.", Fields: fields}
	}
	return f, nil
}

func (api *API) listCases(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	f, err := listFilter(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	page, err := api.Cases.List(r.Context(), a, f)
	api.respond(w, r, http.StatusOK, page, err)
}

func (api *API) registerCase(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	var p petitions.Petition
	if err := decodeJSON(w, r, &p); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	v, err := api.Cases.Register(r.Context(), a, &p)
	if err == nil {
		w.Header().Set("Location", "/api/v1/cases/"+v.ID)
	}
	api.respond(w, r, http.StatusCreated, v, err)
}

func (api *API) readCase(w http.ResponseWriter, r *http.Request) {
	idCall(api, w, r, func(ctx context.Context, a petitions.Actor, id string) (any, error) {
		return api.Cases.Case(ctx, a, id)
	})
}

func (api *API) caseHistory(w http.ResponseWriter, r *http.Request) {
	idCall(api, w, r, func(ctx context.Context, a petitions.Actor, id string) (any, error) {
		evs, err := api.Cases.History(ctx, a, id)
		if err != nil {
			return nil, err
		}
		names, err := api.Cases.Names(ctx, evs)
		return map[string]any{"events": evs, "names": names}, err
	})
}

func (api *API) caseSessions(w http.ResponseWriter, r *http.Request) {
	idCall(api, w, r, func(ctx context.Context, a petitions.Actor, id string) (any, error) {
		ss, err := api.Cases.CaseSessions(ctx, a, id)
		return map[string]any{"sessions": ss}, err
	})
}

func (api *API) accessLog(w http.ResponseWriter, r *http.Request) {
	idCall(api, w, r, func(ctx context.Context, a petitions.Actor, id string) (any, error) {
		evs, err := api.Cases.AccessLog(ctx, a, id)
		if err != nil {
			return nil, err
		}
		names, err := api.Cases.Names(ctx, evs)
		return map[string]any{"reads": evs, "names": names}, err
	})
}

// caseTransitions lists the transitions the reader may take now, with
// what each means. Reading them reads the case, so it is logged as such.
func (api *API) caseTransitions(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	v, err := api.Cases.Case(r.Context(), a, chi.URLParam(r, "id"))
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	type described struct {
		Name string          `json:"name"`
		To   petitions.State `json:"to"`
		Doc  string          `json:"doc"`
	}
	out := []described{}
	lc := api.Cases.Lifecycle(v.Kind)
	for _, n := range v.Allowed {
		t, _ := lc.Transition(n)
		out = append(out, described{Name: n, To: t.To, Doc: t.Doc})
	}
	writeJSON(w, http.StatusOK, map[string]any{"state": v.State, "version": v.Version, "transitions": out})
}

func (api *API) transition(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusOK, func(ctx context.Context, a petitions.Actor, in casework.TransitionRequest) (any, error) {
		return api.Cases.Transition(ctx, a, chi.URLParam(r, "id"), in)
	})
}

func (api *API) supervise(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusCreated, func(ctx context.Context, a petitions.Actor, in casework.SuperviseRequest) (any, error) {
		return api.Cases.Supervise(ctx, a, chi.URLParam(r, "id"), in)
	})
}

// index reads the path parameter n, an index into a case's list.
func index(r *http.Request) (int, error) {
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 0 {
		return 0, &petitions.Error{Code: petitions.EINVALID, Message: "The path names no valid index.",
			Fields: map[string]string{"n": "must be a number from 0"}}
	}
	return n, nil
}

func (api *API) feedback(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	n, err := index(r)
	var in casework.FeedbackRequest
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	v, err := api.Cases.Feedback(r.Context(), a, chi.URLParam(r, "id"), n, in)
	api.respond(w, r, http.StatusOK, v, err)
}

func (api *API) summon(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusCreated, func(ctx context.Context, a petitions.Actor, in casework.SummonRequest) (any, error) {
		return api.Cases.Summon(ctx, a, chi.URLParam(r, "id"), in)
	})
}

func (api *API) reportIn(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	n, err := index(r)
	var in struct {
		Unit    string `json:"unit"`
		Version int64  `json:"version,omitempty"`
	}
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	v, err := api.Cases.ReportIn(r.Context(), a, chi.URLParam(r, "id"), n, in.Unit, in.Version)
	api.respond(w, r, http.StatusOK, v, err)
}

func (api *API) readSession(w http.ResponseWriter, r *http.Request) {
	idCall(api, w, r, func(ctx context.Context, a petitions.Actor, id string) (any, error) {
		return api.Cases.Session(ctx, a, id)
	})
}

func (api *API) linkSession(w http.ResponseWriter, r *http.Request) {
	jsonCall(api, w, r, http.StatusOK, func(ctx context.Context, a petitions.Actor, in struct {
		CaseID string `json:"case_id"`
	}) (any, error) {
		return api.Cases.LinkSession(ctx, a, chi.URLParam(r, "id"), in.CaseID)
	})
}

// export streams the ledger as JSON lines (application/x-ndjson). Refusals
// come before the first byte, so they are ordinary errors.
func (api *API) export(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	f, err := listFilter(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	if err := petitions.Decide(a, petitions.ActExportLedger, nil, nil).Err(); err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="ledger.ndjson"`)
	w.Header().Set("Cache-Control", "no-store")
	if _, err := api.Cases.Export(r.Context(), a, f, w); err != nil {
		api.Log.Error("web: export failed midway", "actor", a.ID, "err", err)
	}
}

func (api *API) verify(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	rep, err := api.Cases.Verify(r.Context(), a, nil)
	api.respond(w, r, http.StatusOK, map[string]any{"ok": rep.OK(), "report": rep}, err)
}

// manifest returns a session's recordings on one timeline.
func (api *API) manifest(w http.ResponseWriter, r *http.Request) {
	idCall(api, w, r, func(ctx context.Context, a petitions.Actor, id string) (any, error) {
		return api.Cases.SessionManifest(ctx, a, id)
	})
}

// playback returns a short-lived URL of one recording; the play is logged.
func (api *API) playback(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	n, err := index(r)
	if err != nil {
		writeError(w, r, api.Log, err)
		return
	}
	u, exp, err := api.Cases.PlaybackURL(r.Context(), a, chi.URLParam(r, "id"), n)
	api.respond(w, r, http.StatusCreated, map[string]any{"url": u, "expires": exp}, err)
}

// exportSession answers with one composite MP4 of a session's recordings.
// The service renders it completely before the first byte, so a failure
// is a JSON error; one while streaming can only be logged.
func (api *API) exportSession(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "id")
	aw := &attachment{w: w, filename: "session-" + id + ".mp4", contentType: "video/mp4"}
	err := api.Cases.ExportSession(r.Context(), a, id, aw)
	switch {
	case err != nil && !aw.started:
		writeError(w, r, api.Log, err)
	case err != nil:
		api.Log.Error("web: session export failed midway", "actor", a.ID, "session", id, "err", err)
	}
}

// attachment sends its headers with the first byte written to it.
type attachment struct {
	w                     http.ResponseWriter
	filename, contentType string
	started               bool
}

func (at *attachment) Write(p []byte) (int, error) {
	if !at.started {
		at.started = true
		h := at.w.Header()
		h.Set("Content-Type", at.contentType)
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": at.filename}))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		at.w.WriteHeader(http.StatusOK)
	}
	return at.w.Write(p)
}

func (api *API) sessionsToday(w http.ResponseWriter, r *http.Request) {
	a, ok := api.actor(w, r)
	if !ok {
		return
	}
	ss, err := api.Cases.SessionsToday(r.Context(), a, r.URL.Query().Get("unit"))
	api.respond(w, r, http.StatusOK, map[string]any{"sessions": ss}, err)
}
