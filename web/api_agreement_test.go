package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// TestAPIDraftAgreement: the mediator of a mediation drafts its written
// agreement from fields (POST /cases/{id}/agreement): the terms carry the
// obligations, the amount and the deadline written out, and the parties
// can then read it on their own screens. An incomplete or invalid draft is
// 400 naming each field, and the case is unchanged; anyone but the case's
// mediator is refused.
func TestAPIDraftAgreement(t *testing.T) {
	e := newAPIEnv(t)
	proxy := e.asRole(petitions.RoleProxy)
	village := demo.VillageID(0, 1)
	board := proxy.do("GET", "/api/v1/mediators?unit="+village, nil).Body["mediators"].([]any)
	mediator := str(board[0].(map[string]any), "id")
	c := proxy.register(map[string]any{
		"kind": "mediation", "category": "neighbours", "channel": "visit", "village": village,
		"request": "赔偿修缮院墙费用", "facts": "李四拆旧房时碰倒张三院墙",
		"parties": []map[string]any{{"id": "a", "side": "petitioner", "name": "张三"}, {"id": "b", "side": "respondent", "name": "李四"}},
	})
	id, caseNo, code := str(c, "id"), str(c, "case_no"), str(c, "query_code")
	m := e.as(mediator)
	for _, s := range []struct {
		who  *apiClient
		name string
		in   map[string]any
	}{{proxy, "pick", map[string]any{"mediator_id": mediator}}, {m, "accept", nil}, {m, "start_mediation", nil}} {
		if r := s.who.do("POST", "/api/v1/cases/"+id+"/transitions", map[string]any{"name": s.name, "input": s.in}); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", s.name, r.Status, r.Raw)
		}
	}
	before := m.do("GET", "/api/v1/cases/"+id, nil).Body
	due := e.Now().In(petitions.ChinaTime).AddDate(0, 0, 15)
	draft := func(change func(map[string]any)) map[string]any {
		d := map[string]any{"parties": []string{"a", "b"}, "facts": "李四拆旧房时碰倒张三院墙约五米",
			"issues": "修缮费用由谁承担", "obligations": "李四赔偿张三院墙修缮费用。", "amount": "3500",
			"performance_deadline": due.Format(petitions.DayLayout), "performance_manner": "银行转账，村委会见证",
			"version": version(before)}
		if change != nil {
			change(d)
		}
		return d
	}
	path := "/api/v1/cases/" + id + "/agreement"

	for _, bad := range []struct {
		name   string
		change func(map[string]any)
		fields []string
	}{
		{"empty obligations and manner", func(d map[string]any) { d["obligations"], d["performance_manner"] = " ", "" },
			[]string{"obligations", "performance_manner"}},
		{"one party", func(d map[string]any) { d["parties"] = []string{"a"} }, []string{"parties"}},
		{"an amount in words", func(d map[string]any) { d["amount"] = "三千五" }, []string{"amount"}},
		{"a negative amount", func(d map[string]any) { d["amount"] = "-5" }, []string{"amount"}},
		{"a deadline past", func(d map[string]any) {
			d["performance_deadline"] = e.Now().In(petitions.ChinaTime).AddDate(0, 0, -1).Format(petitions.DayLayout)
		}, []string{"performance_deadline"}},
		{"a deadline not a day", func(d map[string]any) { d["performance_deadline"] = "15天内" }, []string{"performance_deadline"}},
		{"facts too long", func(d map[string]any) { d["facts"] = strings.Repeat("字", 8001) }, []string{"facts"}},
		{"a party not of the case", func(d map[string]any) { d["parties"] = []string{"a", "z"} }, []string{"agreement.parties[1]"}},
	} {
		r := m.do("POST", path, draft(bad.change))
		fields, _ := r.Body["fields"].(map[string]any)
		if r.Status != http.StatusBadRequest || str(r.Body, "message") == "" {
			t.Errorf("%s: %d %s, want 400 with a message", bad.name, r.Status, r.Raw)
		}
		for _, f := range bad.fields {
			if _, ok := fields[f]; !ok {
				t.Errorf("%s: fields %v lack %s", bad.name, fields, f)
			}
		}
	}
	if r := m.do("POST", path, `{"obligations": "x", "unknown": 1}`); r.Status != http.StatusBadRequest {
		t.Errorf("an unknown field: %d, want 400", r.Status)
	}
	if r := m.do("POST", path, "[1, 2"); r.Status != http.StatusBadRequest {
		t.Errorf("not JSON: %d, want 400", r.Status)
	}
	// Who reads the case but is not its mediator is refused (403): the
	// auditor, the dispatcher, the township's official. Another mediator
	// does not even learn that the case exists (404, as for every case
	// outside one's jurisdiction).
	for _, who := range []*apiClient{e.asRole(petitions.RoleAuditor), e.asRole(petitions.RoleDispatcher), e.asRole(petitions.RoleTownship)} {
		if r := who.do("POST", path, draft(nil)); r.Status != http.StatusForbidden || str(r.Body, "message") == "" {
			t.Errorf("%s: %d %s, want 403", who.login, r.Status, r.Raw)
		}
	}
	if r := e.as(str(board[1].(map[string]any), "id")).do("POST", path, draft(nil)); r.Status != http.StatusNotFound {
		t.Errorf("another mediator: %d %s, want 404", r.Status, r.Raw)
	}
	if r := e.anonymous().do("POST", path, draft(nil)); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
	if after := m.do("GET", "/api/v1/cases/"+id, nil).Body; version(after) != version(before) || str(after, "state") != "in_mediation" {
		t.Fatalf("refused drafts changed the case: version %d → %d, state %s", version(before), version(after), str(after, "state"))
	}

	// The mediator's draft.
	r := m.do("POST", path, draft(nil))
	if r.Status != http.StatusCreated || str(r.Body, "state") != "agreement_reached" {
		t.Fatalf("draft: %d %s", r.Status, r.Raw)
	}
	ag := r.Body["mediation"].(map[string]any)["agreement"].(map[string]any)
	terms := str(ag, "terms")
	want := "李四赔偿张三院墙修缮费用。\n涉及金额：人民币 3500 元。\n履行期限：" +
		due.Format("2006") + "年" + strings.TrimLeft(due.Format("01"), "0") + "月" + strings.TrimLeft(due.Format("02"), "0") + "日前履行完毕。"
	if terms != want || str(ag, "form") != "written" || str(ag, "performance_manner") != "银行转账，村委会见证" {
		t.Errorf("agreement %v, want terms %q", ag, want)
	}
	if d, err := time.Parse(time.RFC3339, str(ag, "performance_deadline")); err != nil ||
		d.In(petitions.ChinaTime).Format(petitions.DayLayout) != due.Format(petitions.DayLayout) {
		t.Errorf("performance deadline %v, want %s", ag["performance_deadline"], due.Format(petitions.DayLayout))
	}
	read := e.anonymous().do("POST", "/api/v1/agreement", map[string]string{"case_no": caseNo, "query_code": code})
	if pag, _ := read.Body["agreement"].(map[string]any); read.Status != http.StatusOK || str(pag, "terms") != want || pag["open"] != true {
		t.Errorf("the parties read: %d %s", read.Status, read.Raw)
	}
	// Once reached, a second draft is a conflict.
	if r := m.do("POST", path, draft(func(d map[string]any) { delete(d, "version") })); r.Status != http.StatusConflict {
		t.Errorf("a second draft: %d %s, want 409", r.Status, r.Raw)
	}
}
