package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// TestAPIMediatorBoard walks the mediator board (点单式调解): a terminal and
// an official read the board of a station, village staff register a
// mediation and pick a mediator from it, the mediator declines, they pick
// another, who accepts with a date for the first session.
func TestAPIMediatorBoard(t *testing.T) {
	e := newAPIEnv(t)
	station := demo.StationID(demo.TownshipID(0))

	// An enrolled terminal reads its own station's board.
	admin := e.asRole(petitions.RoleAdministrator)
	code := str(admin.do("POST", "/api/v1/stations/"+station+"/pairings", nil).Body, "code")
	device := e.anonymous()
	r := device.do("POST", "/api/v1/terminals", map[string]string{"code": code, "name": "富裕镇接访室终端"})
	if r.Status != http.StatusCreated {
		t.Fatalf("enrol: %d %s", r.Status, r.Raw)
	}
	auth := []string{"Authorization", "Device " + str(r.Body, "credential")}
	r = device.do("GET", "/api/v1/terminal/mediators", nil, auth...)
	board, _ := r.Body["mediators"].([]any)
	if r.Status != http.StatusOK || len(board) == 0 {
		t.Fatalf("terminal's board: %d %s", r.Status, r.Raw)
	}
	first, _ := board[0].(map[string]any)
	if str(first, "unit") != demo.TownshipID(0) || len(strs(first, "specialties")) == 0 || str(first, "name") == "" {
		t.Errorf("the township's own mediators come first, with specialties: %v", first)
	}
	county := 0
	for _, x := range board {
		m, _ := x.(map[string]any)
		if str(m, "unit") == demo.DeptID("xinfang") {
			county++
		}
		if _, ok := m["phone"]; ok {
			t.Errorf("the board shows a phone number: %v", m)
		}
	}
	if county == 0 {
		t.Errorf("no mediator of the county's mediation centre on the board: %s", r.Raw)
	}
	if r := device.do("GET", "/api/v1/terminal/mediators", nil, "Authorization", "Device nonsense"); r.Status != http.StatusUnauthorized {
		t.Errorf("wrong credential: %d", r.Status)
	}

	// Officials read any unit's or station's board; bad queries are refused.
	proxy := e.asRole(petitions.RoleProxy)
	if r := proxy.do("GET", "/api/v1/mediators?station="+station, nil); r.Status != http.StatusOK || len(r.Body["mediators"].([]any)) != len(board) {
		t.Errorf("the station's board for an official: %d %s", r.Status, r.Raw)
	}
	if r := proxy.do("GET", "/api/v1/mediators", nil); r.Status != http.StatusBadRequest {
		t.Errorf("no unit: %d %s", r.Status, r.Raw)
	}
	if r := proxy.do("GET", "/api/v1/mediators?unit=no-such-unit", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown unit: %d %s", r.Status, r.Raw)
	}
	if r := e.anonymous().do("GET", "/api/v1/mediators?unit="+demo.TownshipID(0), nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", r.Status)
	}

	// Village staff register a mediation for two villagers and pick the
	// first mediator; he declines, they pick the second, who accepts.
	village := demo.VillageID(0, 1)
	r = proxy.do("GET", "/api/v1/mediators?unit="+village, nil)
	vb, _ := r.Body["mediators"].([]any)
	if len(vb) < 2 {
		t.Fatalf("the village's board: %s", r.Raw)
	}
	m1, m2 := str(vb[0].(map[string]any), "id"), str(vb[1].(map[string]any), "id")
	c := proxy.register(map[string]any{
		"kind": "mediation", "category": "neighbours", "channel": "visit", "village": village,
		"request": "相邻通行纠纷", "facts": "两户因院墙通道发生争执",
		"parties": []map[string]any{
			{"id": "a", "side": "petitioner", "name": "张三"},
			{"id": "b", "side": "respondent", "name": "李四"},
		},
	})
	id := str(c, "id")
	pick := func(mediator string) {
		t.Helper()
		r := proxy.do("POST", "/api/v1/cases/"+id+"/transitions",
			map[string]any{"name": "pick", "input": map[string]any{"mediator_id": mediator}})
		if r.Status != http.StatusOK {
			t.Fatalf("pick %s: %d %s", mediator, r.Status, r.Raw)
		}
	}
	pick(m1)
	first1 := e.as(m1)
	if r := first1.do("POST", "/api/v1/cases/"+id+"/transitions",
		map[string]any{"name": "decline", "input": map[string]any{"reason": "与当事人有亲属关系"}}); r.Status != http.StatusOK {
		t.Fatalf("decline: %d %s", r.Status, r.Raw)
	}
	pick(m2)
	second := e.as(m2)
	pending := second.do("GET", "/api/v1/cases?state=mediator_pending&limit=500", nil)
	found := false
	for _, x := range pending.Body["cases"].([]any) {
		found = found || str(x.(map[string]any), "id") == id
	}
	if !found {
		t.Errorf("the picked mediator's list of picks lacks the case: %s", pending.Raw)
	}
	past := e.Now().Add(-time.Hour).Format(time.RFC3339)
	if r := second.do("POST", "/api/v1/cases/"+id+"/transitions",
		map[string]any{"name": "accept", "input": map[string]any{"scheduled_at": past}}); r.Status != http.StatusBadRequest {
		t.Errorf("a first session in the past: %d %s", r.Status, r.Raw)
	}
	when := e.Now().Add(50 * time.Hour).Truncate(time.Minute)
	r = second.do("POST", "/api/v1/cases/"+id+"/transitions",
		map[string]any{"name": "accept", "input": map[string]any{"scheduled_at": when.Format(time.RFC3339)}})
	if r.Status != http.StatusOK {
		t.Fatalf("accept: %d %s", r.Status, r.Raw)
	}
	r = proxy.do("GET", "/api/v1/cases/"+id, nil)
	med, _ := r.Body["mediation"].(map[string]any)
	at, _ := time.Parse(time.RFC3339, str(med, "scheduled_at"))
	if str(r.Body, "state") != "accepted" || !at.Equal(when) || len(med["declines"].([]any)) != 1 {
		t.Errorf("after the answers the staff see %s", r.Raw)
	}

	// The administrator gives a mediator a photo, kept with the account
	// and shown on the board; a picture from elsewhere is refused.
	photo := "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
	if r := admin.do("PATCH", "/api/v1/people/"+m1, map[string]any{"profile": map[string]any{
		"specialties": []string{"邻里纠纷"}, "photo": "https://example.invalid/a.png"}}); r.Status != http.StatusBadRequest {
		t.Errorf("a photo from elsewhere: %d %s", r.Status, r.Raw)
	}
	if r := admin.do("PATCH", "/api/v1/people/"+m1, map[string]any{"profile": map[string]any{
		"specialties": []string{"邻里纠纷"}, "intro": "调解邻里纠纷十年", "photo": photo}}); r.Status != http.StatusOK {
		t.Fatalf("set a photo: %d %s", r.Status, r.Raw)
	}
	// The administrator changes a station's opening hours; hours that
	// close before they open are refused, and change nothing.
	villageStation := demo.StationID(village)
	if r := admin.do("PATCH", "/api/v1/stations/"+villageStation, map[string]any{"hours": "18:00-08:00"}); r.Status != http.StatusBadRequest {
		t.Errorf("hours closing before they open: %d %s", r.Status, r.Raw)
	}
	if r := admin.do("PATCH", "/api/v1/stations/"+villageStation, map[string]any{"hours": "07:30-19:00"}); r.Status != http.StatusOK ||
		str(r.Body, "hours") != "07:30-19:00" {
		t.Errorf("station hours: %d %s", r.Status, r.Raw)
	}
	r = proxy.do("GET", "/api/v1/mediators?unit="+village, nil)
	for _, x := range r.Body["mediators"].([]any) {
		if m := x.(map[string]any); str(m, "id") == m1 && (str(m, "photo") != photo || str(m, "intro") != "调解邻里纠纷十年") {
			t.Errorf("the board shows %v", m)
		}
	}
}

// TestAPIPartyConfirmsAgreement: each party of a written mediation
// agreement reads it and confirms it on his own screen with the case
// number and query code of his receipt; the ledger holds his electronic
// signature, and once both and the mediator signed, the agreement takes
// effect.
func TestAPIPartyConfirmsAgreement(t *testing.T) {
	e := newAPIEnv(t)
	proxy := e.asRole(petitions.RoleProxy)
	village := demo.VillageID(0, 1)
	r := proxy.do("GET", "/api/v1/mediators?unit="+village, nil)
	mediator := str(r.Body["mediators"].([]any)[0].(map[string]any), "id")
	c := proxy.register(map[string]any{
		"kind": "mediation", "category": "neighbours", "channel": "visit", "village": village,
		"request": "相邻通行纠纷", "facts": "两户因院墙通道发生争执",
		"parties": []map[string]any{{"id": "a", "side": "petitioner", "name": "张三"}, {"id": "b", "side": "respondent", "name": "李四"}},
	})
	id, caseNo, code := str(c, "id"), str(c, "case_no"), str(c, "query_code")
	m := e.as(mediator)
	step := func(who *apiClient, name string, input map[string]any) {
		t.Helper()
		if r := who.do("POST", "/api/v1/cases/"+id+"/transitions", map[string]any{"name": name, "input": input}); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, r.Status, r.Raw)
		}
	}
	step(proxy, "pick", map[string]any{"mediator_id": mediator})
	step(m, "accept", nil)
	step(m, "start_mediation", nil)
	step(m, "reach_agreement", map[string]any{"agreement": map[string]any{
		"form": "written", "parties": []string{"a", "b"}, "facts": "院墙通道属两户共用", "issues": "通道能否堆放杂物",
		"terms": "李四于十日内清理通道杂物，今后不再堆放", "performance_manner": "自行清理"}})

	party := e.anonymous()
	read := party.do("POST", "/api/v1/agreement", map[string]string{"case_no": caseNo, "query_code": code})
	ag, _ := read.Body["agreement"].(map[string]any)
	if read.Status != http.StatusOK || str(ag, "terms") == "" || ag["open"] != true || len(ag["parties"].([]any)) != 2 {
		t.Fatalf("read: %d %s", read.Status, read.Raw)
	}
	for _, bad := range []struct {
		body map[string]string
		want int
	}{
		{map[string]string{"case_no": caseNo, "query_code": "WRONG123"}, http.StatusNotFound},
		{map[string]string{"case_no": caseNo}, http.StatusBadRequest},
		{map[string]string{"case_no": caseNo, "query_code": code, "party": "x"}, http.StatusBadRequest},
	} {
		path := "/api/v1/agreement"
		if bad.body["party"] != "" {
			path += "/confirm"
		}
		if r := party.do("POST", path, bad.body); r.Status != bad.want {
			t.Errorf("%v: %d %s, want %d", bad.body, r.Status, r.Raw, bad.want)
		}
	}
	confirm := func(who string, want int) map[string]any {
		t.Helper()
		r := party.do("POST", "/api/v1/agreement/confirm", map[string]string{"case_no": caseNo, "query_code": code, "party": who})
		if r.Status != want {
			t.Fatalf("confirm %s: %d %s, want %d", who, r.Status, r.Raw, want)
		}
		ag, _ := r.Body["agreement"].(map[string]any)
		return ag
	}
	ag = confirm("a", http.StatusOK)
	if p := ag["parties"].([]any)[0].(map[string]any); p["confirmed"] != true {
		t.Errorf("after a confirmed: %v", ag)
	}
	confirm("a", http.StatusConflict)
	confirm("b", http.StatusOK)
	step(m, "countersign", map[string]any{"sign_manner": "electronic"})
	step(m, "make_effective", nil)

	var signed int
	for _, ev := range e.allEvents() {
		if ev.CaseID == id && strings.HasPrefix(ev.Actor, "party:") && ev.ActorRole == string(petitions.RolePetitioner) {
			signed++
		}
	}
	if signed != 2 {
		t.Errorf("%d signatures by the parties in the history, want 2", signed)
	}
	r = proxy.do("GET", "/api/v1/cases/"+id, nil)
	if str(r.Body, "state") != "agreement_effective" {
		t.Errorf("state %s", str(r.Body, "state"))
	}
	if r := party.do("POST", "/api/v1/agreement/confirm", map[string]string{"case_no": caseNo, "query_code": code, "party": "b"}); r.Status != http.StatusConflict {
		t.Errorf("confirm after it took effect: %d %s", r.Status, r.Raw)
	}
}
