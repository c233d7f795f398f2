package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// deskCase registers, as the township official of 富裕镇, a claim from its
// first village heard at the township's station, and returns its body.
func deskCase(e *apiEnv) map[string]any {
	e.t.Helper()
	body := newPetition(demo.VillageID(0, 0))
	body["station_id"] = demo.StationID(demo.TownshipID(0))
	body["medium"] = "video"
	body["parties"] = []map[string]any{{"id": "p1", "side": "petitioner", "name": "欧阳秀芝",
		"contact": map[string]any{"phone": "139-1234-5678"}}}
	return e.asRole(petitions.RoleTownship).register(body)
}

// caseEvents returns the events of case id of kind, read as c.
func caseEvents(c *apiClient, id, kind string) []map[string]any {
	c.t.Helper()
	r := c.do("GET", "/api/v1/cases/"+id+"/history", nil)
	if r.Status != http.StatusOK {
		c.t.Fatalf("history of %s: %d %s", id, r.Status, r.Raw)
	}
	var out []map[string]any
	l, _ := r.Body["events"].([]any)
	for _, x := range l {
		ev := x.(map[string]any)
		if str(ev, "kind") == kind {
			out = append(out, ev)
		}
	}
	return out
}

// eventData decodes the data of a history event.
func eventData(t *testing.T, ev map[string]any) map[string]any {
	t.Helper()
	var d map[string]any
	switch v := ev["data"].(type) {
	case map[string]any:
		return v
	case string:
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			t.Fatalf("event data %q: %v", v, err)
		}
	}
	return d
}

func TestAPIMinutes(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	c := deskCase(e)
	id := str(c, "id")

	r := official.do("POST", "/api/v1/cases/"+id+"/minutes", map[string]any{"text": "  信访人称工程队拖欠三个月工资。 ", "session": "ss-1"})
	if r.Status != http.StatusCreated || version(r.Body) != version(c)+1 {
		t.Fatalf("minutes: %d %s", r.Status, r.Raw)
	}
	evs := caseEvents(official, id, casework.KindMinutes)
	if len(evs) != 1 {
		t.Fatalf("%d minutes events, want 1", len(evs))
	}
	if d := eventData(t, evs[0]); d["text"] != "信访人称工程队拖欠三个月工资。" || d["session"] != "ss-1" {
		t.Errorf("minutes event data %v", d)
	}
	if evs[0]["actor_role"] != string(petitions.RoleTownship) {
		t.Errorf("minutes event in role %v, want %s", evs[0]["actor_role"], petitions.RoleTownship)
	}

	for _, c := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"empty", map[string]any{"text": "  "}, http.StatusBadRequest, "text"},
		{"too long", map[string]any{"text": strings.Repeat("字", casework.MaxMinutes+1)}, http.StatusBadRequest, "text"},
		{"unknown field", map[string]any{"text": "x", "by": "someone"}, http.StatusBadRequest, ""},
		{"stale version", map[string]any{"text": "x", "version": 1}, http.StatusConflict, ""},
	} {
		r := official.do("POST", "/api/v1/cases/"+id+"/minutes", c.body)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Raw, c.status)
		}
		if fields, _ := r.Body["fields"].(map[string]any); c.field != "" && fields[c.field] == nil {
			t.Errorf("%s: no message for field %s: %s", c.name, c.field, r.Raw)
		}
	}

	// Nobody outside the case writes its minutes; nobody signed out does.
	if r := e.asRole(petitions.RoleAuditor).do("POST", "/api/v1/cases/"+id+"/minutes", map[string]any{"text": "x"}); r.Status != http.StatusForbidden {
		t.Errorf("auditor: %d %s, want 403", r.Status, r.Raw)
	}
	if r := e.anonymous().do("POST", "/api/v1/cases/"+id+"/minutes", map[string]any{"text": "x"}); r.Status != http.StatusUnauthorized {
		t.Errorf("signed out: %d, want 401", r.Status)
	}
	if r := official.do("POST", "/api/v1/cases/no-such-case/minutes", map[string]any{"text": "x"}); r.Status != http.StatusNotFound {
		t.Errorf("unknown case: %d, want 404", r.Status)
	}
	if n := len(caseEvents(official, id, casework.KindMinutes)); n != 1 {
		t.Errorf("refused requests wrote minutes: %d events", n)
	}
}

func TestAPIRiskGrade(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	c := deskCase(e)
	id := str(c, "id")

	r := official.do("POST", "/api/v1/cases/"+id+"/risk", map[string]any{"level": "red", "reason": "扬言集体上访"})
	if r.Status != http.StatusOK || str(r.Body, "risk_level") != "red" {
		t.Fatalf("grade: %d %s", r.Status, r.Raw)
	}
	evs := caseEvents(official, id, casework.KindRiskGraded)
	if len(evs) != 1 {
		t.Fatalf("%d risk events, want 1", len(evs))
	}
	if d := eventData(t, evs[0]); d["from"] != "green" || d["to"] != "red" || d["reason"] != "扬言集体上访" {
		t.Errorf("risk event data %v", d)
	}
	// The red worklist has it now.
	l := official.do("GET", "/api/v1/cases?view=red&limit=500", nil)
	found := false
	for _, x := range l.Body["cases"].([]any) {
		found = found || str(x.(map[string]any), "id") == id
	}
	if !found {
		t.Errorf("the red worklist lacks the case graded red")
	}

	if r := official.do("POST", "/api/v1/cases/"+id+"/risk", map[string]any{"level": "red"}); r.Status != http.StatusConflict {
		t.Errorf("same level again: %d %s, want 409", r.Status, r.Raw)
	}
	if r := official.do("POST", "/api/v1/cases/"+id+"/risk", map[string]any{"level": "orange"}); r.Status != http.StatusBadRequest {
		t.Errorf("unknown level: %d %s, want 400", r.Status, r.Raw)
	}
	if r := e.asRole(petitions.RoleAuditor).do("POST", "/api/v1/cases/"+id+"/risk", map[string]any{"level": "yellow"}); r.Status != http.StatusForbidden {
		t.Errorf("auditor: %d %s, want 403", r.Status, r.Raw)
	}
}

func TestAPIFindCases(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	c := deskCase(e)
	id := str(c, "id")

	find := func(cl *apiClient, q string) []string {
		t.Helper()
		r := cl.do("GET", "/api/v1/cases/search?q="+url.QueryEscape(q), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("search %q as %s: %d %s", q, cl.login, r.Status, r.Raw)
		}
		var ids []string
		for _, x := range r.Body["cases"].([]any) {
			line := x.(map[string]any)
			if strings.Contains(string(mustJSON(t, line)), "欧阳") {
				t.Errorf("a search result names a party: %v", line)
			}
			ids = append(ids, str(line, "id"))
		}
		return ids
	}
	for _, q := range []string{str(c, "case_no"), str(c, "query_code"), "欧阳秀"} {
		if ids := find(official, q); len(ids) == 0 || ids[0] != id {
			t.Errorf("search %q: %v, want %s first", q, ids, id)
		}
	}
	// Another township's official finds nothing of it.
	other := e.people.TownshipOfficials(1)[0]
	cl := e.as(petitions.NormalizeLogin(other.ID))
	for _, q := range []string{str(c, "case_no"), "欧阳秀"} {
		if ids := find(cl, q); len(ids) != 0 {
			t.Errorf("official of another township found %v for %q", ids, q)
		}
	}
	if r := official.do("GET", "/api/v1/cases/search?q=x", nil); r.Status != http.StatusBadRequest {
		t.Errorf("one-character query: %d, want 400", r.Status)
	}
	if r := e.asRole(petitions.RoleAdministrator).do("GET", "/api/v1/cases/search?q=abc", nil); r.Status != http.StatusForbidden {
		t.Errorf("administrator: %d, want 403", r.Status)
	}
}

func TestAPISummonedSeat(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	staff := e.asRole(petitions.RoleDepartment)
	c := deskCase(e)
	id := str(c, "id")
	renshe, station := demo.DeptID("renshe"), demo.StationID(demo.TownshipID(0))

	r := official.do("POST", "/api/v1/cases/"+id+"/summons", map[string]any{"level": "quick", "departments": []string{renshe}})
	if r.Status != http.StatusCreated {
		t.Fatalf("summon: %d %s", r.Status, r.Raw)
	}
	path := "/api/v1/cases/" + id + "/summons/0/seats"

	// Not at the case's station; not the summoned department.
	if r := staff.do("POST", path, map[string]any{"unit": renshe, "station": demo.StationID(demo.TownshipID(1))}); r.Status != http.StatusConflict {
		t.Errorf("another station: %d %s, want 409", r.Status, r.Raw)
	}
	if r := official.do("POST", path, map[string]any{"unit": renshe, "station": station}); r.Status != http.StatusForbidden {
		t.Errorf("the township official: %d %s, want 403", r.Status, r.Raw)
	}
	if r := staff.do("POST", path, map[string]any{"unit": renshe, "station": "station.nowhere"}); r.Status != http.StatusBadRequest {
		t.Errorf("unknown station: %d %s, want 400", r.Status, r.Raw)
	}

	r = staff.do("POST", path, map[string]any{"unit": renshe, "station": station})
	if r.Status != http.StatusCreated {
		t.Fatalf("seat: %d %s", r.Status, r.Raw)
	}
	seat, _ := r.Body["seat"].(map[string]any)
	if str(seat, "room") != casework.StationRoom(station) || str(seat, "role") != string(petitions.RoleDepartment) ||
		str(seat, "token") == "" || !strings.HasPrefix(str(seat, "join"), "/join#token=") {
		t.Errorf("seat %v", seat)
	}
	v, _ := r.Body["case"].(map[string]any)
	sm := v["summons"].([]any)[0].(map[string]any)
	dep := sm["departments"].([]any)[0].(map[string]any)
	if str(dep, "reported_at") == "" {
		t.Errorf("the case after the seat shows no report-in: %v", sm)
	}
	if n := len(caseEvents(official, id, casework.KindReportedIn)); n != 1 {
		t.Errorf("%d report-in events, want 1", n)
	}
	// Joining again (a dropped line) seats again without a second report-in.
	if r := staff.do("POST", path, map[string]any{"unit": renshe, "station": station}); r.Status != http.StatusCreated {
		t.Errorf("second seat: %d %s", r.Status, r.Raw)
	}
	if n := len(caseEvents(official, id, casework.KindReportedIn)); n != 1 {
		t.Errorf("after joining twice: %d report-in events, want 1", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
