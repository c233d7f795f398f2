package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// matrixRoles are the columns of the permission matrix: each demo login's
// role, and a client that is not signed in.
var matrixRoles = []string{"leader", "township", "dispatcher", "department", "mediator", "proxy", "grid",
	"auditor", "administrator", "anonymous"}

var matrixRole = map[string]petitions.Role{
	"leader": petitions.RoleLeader, "township": petitions.RoleTownship, "dispatcher": petitions.RoleDispatcher,
	"department": petitions.RoleDepartment, "mediator": petitions.RoleMediator, "proxy": petitions.RoleProxy,
	"grid": petitions.RoleGridWorker, "auditor": petitions.RoleAuditor, "administrator": petitions.RoleAdministrator,
}

// pickCase returns a petition of the demo ledger in state, led by unit,
// that none of the demo logins filed, owns, is assigned to or was summoned
// to (so that only the role's jurisdiction decides), or "" if there is none.
func (e *apiEnv) pickCase(state petitions.State, unit string) string {
	e.t.Helper()
	logins := map[string]bool{}
	for _, l := range demo.Logins(e.people) {
		logins[l.Login] = true
	}
	ps, err := e.db.ListPetitions(e.ctx, petitions.PetitionFilter{State: state, LeadUnit: unit, Kind: petitions.KindPetition,
		Limit: petitions.MaxListLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range ps {
		if p.Confidential || p.Class == petitions.ClassAccusation || logins[p.FiledBy] || p.Owner != "" ||
			len(p.Assignments) > 0 || len(p.Summons) > 0 || len(p.CoUnits) > 0 {
			continue
		}
		return p.ID
	}
	return ""
}

// matrixCell is one endpoint's request, built per role.
type matrixCell struct {
	name   string
	method string
	path   string
	body   func(role string, i int) any
	want   map[string]int // by role; anything not named gets other
	other  int
}

func TestAPIPermissionMatrix(t *testing.T) {
	e := newAPIEnv(t)
	t0, t1 := demo.TownshipID(0), demo.TownshipID(1)
	official := e.asRole(petitions.RoleTownship)

	// Cases: two registered cases of the official's township (one to act
	// on, one to summon to) and one of another township.
	own := e.pickCase(petitions.StateRegistered, t0)
	if own == "" {
		own = str(official.register(newPetition(demo.VillageID(0, 6))), "id")
	}
	ownSummon := str(official.register(newPetition(demo.VillageID(0, 7))), "id")
	other := e.pickCase(petitions.StateRegistered, t1)
	if other == "" {
		other = e.pickCase(petitions.StateInProgress, t1)
	}
	if other == "" {
		other = str(e.as(petitions.NormalizeLogin("official."+t1+".1")).register(newPetition(demo.VillageID(1, 0))), "id")
	}
	t.Logf("own case %s, summons case %s, other township's case %s", own, ownSummon, other)

	// A terminal to revoke.
	adminActor := petitions.Actor{ID: e.login(petitions.RoleAdministrator),
		Roles: []petitions.RoleGrant{{Role: petitions.RoleAdministrator, Unit: demo.CountyID}}}
	pairing, err := e.svc.IssuePairing(e.ctx, adminActor, demo.StationID(t0))
	if err != nil {
		t.Fatal(err)
	}
	enrolled, err := e.svc.Redeem(e.ctx, pairing.Code, "matrix terminal")
	if err != nil {
		t.Fatal(err)
	}
	station := demo.StationID(t0)
	target := "proxy." + demo.VillageID(1, 0) // an account nobody here signs in as

	// Expectations, from domain.md §4 and petitions/access.go. An
	// administrator never reads case content: 403 on every case endpoint.
	// A case the caller may not read at all is 404 (its existence does not
	// leak).
	readers := map[string]int{"leader": 200, "township": 200, "dispatcher": 200, "auditor": 200,
		"department": 404, "mediator": 404, "proxy": 404, "grid": 404, "administrator": 403}
	outsider := map[string]int{"leader": 200, "dispatcher": 200, "auditor": 200,
		"township": 404, "department": 404, "mediator": 404, "proxy": 404, "grid": 404, "administrator": 403}
	// A write on the own case: readers who may not act get 403, others 404.
	caseWrite := func(ok map[string]int) map[string]int {
		m := map[string]int{"leader": 403, "township": 403, "dispatcher": 403, "auditor": 403,
			"department": 404, "mediator": 404, "proxy": 404, "grid": 404, "administrator": 403}
		for k, v := range ok {
			m[k] = v
		}
		return m
	}
	only := func(status int, roles ...string) map[string]int {
		m := map[string]int{}
		for _, r := range roles {
			m[r] = status
		}
		return m
	}
	noBody := func(string, int) any { return nil }
	cells := []matrixCell{
		{name: "list cases", method: "GET", path: "/api/v1/cases?limit=5", body: noBody,
			want: map[string]int{"administrator": 403}, other: 200},
		{name: "read own township's case", method: "GET", path: "/api/v1/cases/" + own, body: noBody, want: readers},
		{name: "read another township's case", method: "GET", path: "/api/v1/cases/" + other, body: noBody, want: outsider},
		{name: "transitions of own case", method: "GET", path: "/api/v1/cases/" + own + "/transitions", body: noBody, want: readers},
		{name: "history", method: "GET", path: "/api/v1/cases/" + own + "/history", body: noBody, want: readers},
		{name: "sessions", method: "GET", path: "/api/v1/cases/" + own + "/sessions", body: noBody, want: readers},
		{name: "register a case", method: "POST", path: "/api/v1/cases",
			body: func(string, int) any { return newPetition(demo.VillageID(0, 8)) },
			want: only(201, "township", "dispatcher", "department", "proxy", "grid"), other: 403},
		{name: "take a transition (accept)", method: "POST", path: "/api/v1/cases/" + own + "/transitions",
			body: func(string, int) any { return map[string]any{"name": "accept"} },
			want: caseWrite(only(200, "township"))},
		{name: "supervise", method: "POST", path: "/api/v1/cases/" + own + "/supervisions",
			body: func(string, int) any { return map[string]any{"reason": "群众反映办理缓慢"} },
			want: caseWrite(only(201, "leader", "dispatcher"))},
		{name: "summon", method: "POST", path: "/api/v1/cases/" + ownSummon + "/summons",
			body: func(string, int) any {
				return map[string]any{"level": "quick", "departments": []string{demo.DeptID("zhujian")}}
			},
			want: caseWrite(only(201, "township", "dispatcher"))},
		{name: "access log", method: "GET", path: "/api/v1/cases/" + own + "/access-log", body: noBody,
			want: only(200, "auditor"), other: 403},
		{name: "export", method: "GET", path: "/api/v1/export?state=registered", body: noBody,
			want: only(200, "dispatcher", "auditor"), other: 403},
		{name: "verify", method: "POST", path: "/api/v1/ledger/verify", body: noBody,
			want: only(200, "auditor"), other: 403},
		{name: "people list", method: "GET", path: "/api/v1/people?unit=" + t0, body: noBody,
			want: only(200, "administrator"), other: 403},
		{name: "people create", method: "POST", path: "/api/v1/people",
			body: func(role string, _ int) any {
				return map[string]any{"login": "matrix." + role, "name": "新干部", "password": "a-long-enough-password",
					"roles": []map[string]string{{"role": string(petitions.RoleTownship), "unit": t0}}}
			},
			want: only(201, "administrator"), other: 403},
		{name: "people update", method: "PATCH", path: "/api/v1/people/" + target,
			body: func(string, int) any { return map[string]any{"name": "改名"} },
			want: only(200, "administrator"), other: 403},
		{name: "stations create", method: "POST", path: "/api/v1/stations",
			body: func(role string, _ int) any {
				return map[string]any{"id": "station.matrix." + role, "unit": demo.VillageID(0, 0), "name": "测试接访点"}
			},
			want: only(201, "administrator"), other: 403},
		{name: "station hours", method: "PATCH", path: "/api/v1/stations/" + station,
			body: func(string, int) any { return map[string]any{"hours": "08:00-18:00"} },
			want: only(200, "administrator"), other: 403},
		{name: "pairing issue", method: "POST", path: "/api/v1/stations/" + station + "/pairings", body: noBody,
			want: only(201, "administrator"), other: 403},
		{name: "terminals list", method: "GET", path: "/api/v1/terminals", body: noBody,
			want: only(200, "administrator"), other: 403},
		{name: "terminal revoke", method: "DELETE", path: "/api/v1/terminals/" + enrolled.Terminal.ID, body: noBody,
			want: only(204, "administrator"), other: 403},
		{name: "schedule read", method: "GET", path: "/api/v1/schedule?station=" + station, body: noBody, other: 200},
		{name: "schedule plan", method: "POST", path: "/api/v1/schedule",
			body: func(_ string, i int) any {
				day := time.Date(2027, 3, 1+i, 0, 0, 0, 0, time.UTC).Format(petitions.DayLayout)
				return map[string]any{"day": day, "station": station, "leader_id": "leader." + t0 + ".1"}
			},
			want: only(201, "administrator", "dispatcher", "township"), other: 403},
		{name: "adherence", method: "GET", path: "/api/v1/schedule/adherence", body: noBody,
			want: only(200, "leader", "dispatcher", "auditor"), other: 403},
		// The dispatcher is county-wide (reads every case, plans every
		// station's schedule): a seat at a township's station is his too.
		{name: "official seat", method: "POST", path: "/api/v1/stations/" + station + "/seats",
			body: func(string, int) any { return map[string]any{} },
			want: only(201, "leader", "township", "dispatcher"), other: 403},
	}

	ownBefore, err := e.db.Events(e.ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, c := range cells {
		for i, role := range matrixRoles {
			want, ok := c.want[role]
			if !ok {
				want = c.other
			}
			if role == "anonymous" {
				want = http.StatusUnauthorized
			}
			var cl *apiClient
			if role == "anonymous" {
				cl = e.anonymous()
			} else {
				cl = e.asRole(matrixRole[role])
			}
			r := cl.do(c.method, c.path, c.body(role, i))
			if r.Status != want {
				failed = append(failed, fmt.Sprintf("%-28s × %-13s = %d, want %d  %.160s", c.name, role, r.Status, want,
					strings.TrimSpace(string(r.Raw))))
				continue
			}
			// A refusal says so in the shape every error has.
			if want >= 400 && (str(r.Body, "code") == "" || str(r.Body, "message") == "") {
				failed = append(failed, fmt.Sprintf("%-28s × %-13s: error body without code or message: %s", c.name, role, r.Raw))
			}
		}
	}
	for _, f := range failed {
		t.Error(f)
	}
	if len(failed) > 0 {
		t.Logf("%d of %d cells differ", len(failed), len(cells)*len(matrixRoles))
	}

	// What each reader saw is what Decide let him see.
	if r := e.asRole(petitions.RoleAuditor).do("GET", "/api/v1/cases/"+own, nil); r.Body["redacted"] != false {
		t.Errorf("the auditor reads the case redacted: %v", r.Body["redacted"])
	}

	// Anonymous callers reach only the petitioner's lookup and the
	// terminal's enrolment (which answer on their own terms, never 401).
	anon := e.anonymous()
	if r := anon.do("POST", "/api/v1/lookup", map[string]string{"case_no": "no-such-case", "query_code": "ABCD2345"}); r.Status != http.StatusNotFound {
		t.Errorf("anonymous lookup = %d %s", r.Status, r.Raw)
	}
	if r := anon.do("POST", "/api/v1/terminals", map[string]string{"code": "ABCD2345", "name": "kiosk"}); r.Status != http.StatusNotFound {
		t.Errorf("anonymous enrolment with an unknown code = %d %s", r.Status, r.Raw)
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/units", "/api/v1/leaders", "/api/v1/categories", "/api/v1/stations",
		"/api/v1/stations/" + station + "/today", "/api/v1/terminal"} {
		if r := anon.do("GET", path, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s = %d", path, r.Status)
		}
	}

	// The one who accepted did so in his own role, and the case moved once.
	p, err := e.db.Petition(e.ctx, own)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != petitions.StateAccepted || len(p.Supervisions) != 2 {
		t.Errorf("own case is %s with %d supervisions, want accepted with 2", p.State, len(p.Supervisions))
	}
	evs, _ := e.db.Events(e.ctx, own)
	kinds := map[string][]string{}
	for _, ev := range evs[len(ownBefore):] {
		if ev.Kind == casework.KindTransition || ev.Kind == casework.KindSupervised {
			kinds[ev.Kind] = append(kinds[ev.Kind], ev.Actor)
		}
	}
	if !slices.Equal(kinds[casework.KindTransition], []string{official.login}) {
		t.Errorf("transitions of the own case by %v", kinds[casework.KindTransition])
	}
}
