package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hearingroom/petitions"
)

// Cases is what the public lookup needs of the ledger's store.
type Cases interface {
	PetitionByNumber(ctx context.Context, caseNo string) (*petitions.Petition, error)
	AppendEvent(ctx context.Context, ev *petitions.Event) error
}

// Lookup serves the petitioner's receipt: the case's public progress for its
// number and query code. Guesses are limited per case number and per
// address like sign-ins, and every successful lookup is a "read" event in
// the case's history.
type Lookup struct {
	Cases   Cases
	Limiter *petitions.SignInLimiter
	Log     *slog.Logger
	Now     func() time.Time
}

type lookupRequest struct {
	CaseNo    string `json:"case_no"`
	QueryCode string `json:"query_code"`
}

// ServeHTTP handles POST /api/v1/lookup: 200 {"receipt"}; 400 for a
// malformed body; 404 for an unknown number or a wrong code (one answer for
// both); 429 with Retry-After after too many misses.
func (l *Lookup) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in lookupRequest
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, l.Log, err)
		return
	}
	caseNo, code := strings.TrimSpace(in.CaseNo), strings.ToUpper(strings.TrimSpace(in.QueryCode))
	if caseNo == "" || code == "" {
		writeError(w, r, l.Log, &petitions.Error{Code: petitions.EINVALID, Message: "Give the case number and the query code.",
			Fields: map[string]string{"case_no": "required", "query_code": "required"}})
		return
	}
	ip, now := clientIP(r), l.Now()
	if ok, wait := l.Limiter.Allow(caseNo, ip, now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeJSON(w, http.StatusTooManyRequests, apiError{Code: petitions.EFORBIDDEN, Message: "Too many tries; try again later."})
		return
	}
	p, err := l.Cases.PetitionByNumber(r.Context(), caseNo)
	if err != nil && petitions.ErrorCode(err) != petitions.ENOTFOUND {
		writeError(w, r, l.Log, err)
		return
	}
	if err != nil || !p.QueryCodeMatches(code) {
		l.Limiter.Failed(caseNo, ip, now)
		writeError(w, r, l.Log, petitions.Errorf(petitions.ENOTFOUND, "No case has that number and query code."))
		return
	}
	l.Limiter.Succeeded(caseNo, ip, now)
	data, _ := json.Marshal(map[string]string{"via": "public lookup", "address": ip})
	ev := &petitions.Event{CaseID: p.ID, Kind: "read", Actor: "petitioner", ActorRole: string(petitions.RolePetitioner), At: now, Data: data}
	if err := l.Cases.AppendEvent(r.Context(), ev); err != nil {
		writeError(w, r, l.Log, err) // an unlogged read is no read
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"receipt": p.Receipt()})
}
