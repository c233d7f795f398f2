package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

func TestAPITransitionErrors(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	dispatcher := e.asRole(petitions.RoleDispatcher)
	c := official.register(newPetition(demo.VillageID(0, 2)))
	id := str(c, "id")
	if str(c, "state") != "registered" {
		t.Fatalf("a case an official enters is %s, want registered", str(c, "state"))
	}

	// Not from this state: 409 with what may be done instead.
	r := official.transition(id, "reply", map[string]any{"outcome": "support"}, http.StatusConflict)
	if str(r.Body, "code") != petitions.ECONFLICT || len(strs(r.Body, "allowed")) == 0 || !slices.Contains(strs(r.Body, "allowed"), "accept") {
		t.Errorf("reply on a registered case: %s", r.Raw)
	}
	// No such transition: 400.
	r = official.transition(id, "teleport", nil, http.StatusBadRequest)
	if str(r.Body, "code") != petitions.EINVALID {
		t.Errorf("unknown transition: %s", r.Raw)
	}
	// A stale version: 409, nothing done.
	v := version(c)
	r = official.do("POST", "/api/v1/cases/"+id+"/transitions", map[string]any{"name": "accept", "version": v + 5})
	if r.Status != http.StatusConflict || str(r.Body, "code") != petitions.ECONFLICT {
		t.Errorf("stale version: %d %s", r.Status, r.Raw)
	}
	if p, _ := e.db.Petition(e.ctx, id); p.State != petitions.StateRegistered {
		t.Errorf("after refusals the case is %s", p.State)
	}

	// Walk it to replied, with the current version each time.
	r = official.do("POST", "/api/v1/cases/"+id+"/transitions", map[string]any{"name": "accept", "version": v})
	if r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Raw)
	}
	official.transition(id, "start", map[string]any{"owner": "leader." + demo.TownshipID(0) + ".1"}, http.StatusOK)
	official.transition(id, "reply", map[string]any{"outcome": "explain", "text": "已解释政策"}, http.StatusOK)

	// Closing before the review window lapsed (and not settled): 422.
	r = official.transition(id, "close", nil, http.StatusUnprocessableEntity)
	if str(r.Body, "code") != petitions.EDEADLINE {
		t.Errorf("early close: %s", r.Raw)
	}
	// 40 days on, the 30-day window for 复查 has passed: 422.
	e.advance(40 * 24 * time.Hour)
	r = dispatcher.transition(id, "request_review", nil, http.StatusUnprocessableEntity)
	if str(r.Body, "code") != petitions.EDEADLINE {
		t.Errorf("late request_review: %s", r.Raw)
	}
	// Now the case may be closed.
	official.transition(id, "close", nil, http.StatusOK)
	// And a role the transition is not for: 403 (the dispatcher may not accept).
	id2 := str(official.register(newPetition(demo.VillageID(0, 3))), "id")
	r = dispatcher.transition(id2, "accept", nil, http.StatusForbidden)
	if str(r.Body, "code") != petitions.EFORBIDDEN {
		t.Errorf("dispatcher accept: %s", r.Raw)
	}
}

func TestAPIConcurrentTransitions(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	c := official.register(newPetition(demo.VillageID(0, 4)))
	id, v := str(c, "id"), version(c)
	before, err := e.db.Events(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	statuses := make([]int, n)
	bodies := make([]string, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			raw, _ := json.Marshal(map[string]any{"name": "accept", "version": v})
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/cases/"+id+"/transitions", bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			resp, err := official.http.Do(req)
			if err != nil {
				bodies[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			statuses[i], bodies[i] = resp.StatusCode, string(b)
		}()
	}
	start.Done()
	done.Wait()
	ok, conflict := 0, 0
	for i, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			conflict++
		default:
			t.Errorf("request %d: %d %s", i, s, bodies[i])
		}
	}
	if ok != 1 || conflict != n-1 {
		t.Errorf("%d × 200 and %d × 409, want 1 and %d", ok, conflict, n-1)
	}
	after, err := e.db.Events(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	transitions := 0
	for _, ev := range after[len(before):] {
		if ev.Kind == casework.KindTransition {
			transitions++
		}
	}
	if transitions != 1 {
		t.Errorf("%d new transition events, want 1", transitions)
	}
	if p, _ := e.db.Petition(e.ctx, id); p.State != petitions.StateAccepted || p.Version != v+1 {
		t.Errorf("the case is %s at version %d, want accepted at %d", p.State, p.Version, v+1)
	}
}

func TestAPIBadInput(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	id := str(official.register(newPetition(demo.VillageID(0, 5))), "id")
	cases0, events0 := e.caseCount(), len(e.allEvents())

	huge := `{"kind":"petition","request":"` + strings.Repeat("x", 1<<20+10) + `"}`
	for _, tc := range []struct {
		name, method, path, body string
	}{
		{"malformed case", "POST", "/api/v1/cases", `{"kind":"petition",`},
		{"not an object", "POST", "/api/v1/cases", `[1,2]`},
		{"unknown field", "POST", "/api/v1/cases", `{"kind":"petition","colour":"red"}`},
		{"two values", "POST", "/api/v1/cases", `{} {}`},
		{"oversized case", "POST", "/api/v1/cases", huge},
		{"malformed transition", "POST", "/api/v1/cases/" + id + "/transitions", `{"name":`},
		{"unknown transition field", "POST", "/api/v1/cases/" + id + "/transitions", `{"name":"accept","force":true}`},
		{"unknown input field", "POST", "/api/v1/cases/" + id + "/transitions", `{"name":"accept","input":{"magic":1}}`},
		{"oversized transition", "POST", "/api/v1/cases/" + id + "/transitions", `{"name":"accept","input":{"reason":"` + strings.Repeat("y", 1<<20) + `"}}`},
		{"malformed summons", "POST", "/api/v1/cases/" + id + "/summons", `{"level":}`},
		{"empty body", "POST", "/api/v1/cases", ``},
	} {
		r := official.do(tc.method, tc.path, tc.body)
		if r.Status != http.StatusBadRequest || str(r.Body, "code") != petitions.EINVALID {
			t.Errorf("%s: %d %.200s", tc.name, r.Status, r.Raw)
		}
	}
	if n := e.caseCount(); n != cases0 {
		t.Errorf("bad requests changed the case count: %d → %d", cases0, n)
	}
	if n := len(e.allEvents()); n != events0 {
		t.Errorf("bad requests appended %d events", n-events0)
	}

	for _, tc := range []struct {
		query, field string
	}{
		{"limit=abc", "limit"},
		{"limit=0", "limit"},
		{"limit=100000", "limit"},
		{"overdue=maybe", "overdue"},
		{"kind=spaceship", "kind"},
	} {
		for _, path := range []string{"/api/v1/cases?", "/api/v1/export?"} {
			c := official
			if strings.Contains(path, "export") {
				c = e.asRole(petitions.RoleDispatcher)
			}
			r := c.do("GET", path+tc.query, nil)
			fields, _ := r.Body["fields"].(map[string]any)
			if r.Status != http.StatusBadRequest || str(r.Body, "code") != petitions.EINVALID || fields[tc.field] == nil {
				t.Errorf("GET %s%s: %d %s", path, tc.query, r.Status, r.Raw)
			}
		}
	}
	if r := official.do("GET", "/api/v1/schedule?from=yesterday", nil); r.Status != http.StatusBadRequest {
		t.Errorf("schedule from=yesterday: %d", r.Status)
	}
	if r := official.do("POST", "/api/v1/cases/"+id+"/supervisions/x/feedback", `{"text":"a"}`); r.Status != http.StatusBadRequest {
		t.Errorf("feedback index x: %d", r.Status)
	}
}
