package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// pageAll reads every page of the list query q (limit cases a page) and
// returns the cases in the order read, failing on a case read twice.
func pageAll(t *testing.T, c *apiClient, q url.Values, limit int) []map[string]any {
	t.Helper()
	q.Set("limit", strconv.Itoa(limit))
	var all []map[string]any
	seen := map[string]bool{}
	for range 1000 {
		r := c.do("GET", "/api/v1/cases?"+q.Encode(), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("cases?%s: %d %s", q.Encode(), r.Status, r.Raw)
		}
		cases, _ := r.Body["cases"].([]any)
		for _, x := range cases {
			m, _ := x.(map[string]any)
			if seen[str(m, "id")] {
				t.Fatalf("cases?%s: %s read twice", q.Encode(), str(m, "id"))
			}
			seen[str(m, "id")] = true
			all = append(all, m)
		}
		next := str(r.Body, "next")
		if next == "" {
			return all
		}
		q.Set("after", next)
	}
	t.Fatalf("cases?%s: no end", q.Encode())
	return nil
}

func ids(cases []map[string]any) []string {
	out := make([]string, len(cases))
	for i, m := range cases {
		out[i] = str(m, "id")
	}
	return out
}

// TestAPIWorklistViews reads each leaders' list over HTTP in small pages
// and checks that the pages join into the one long page, and that every
// case belongs on the list.
func TestAPIWorklistViews(t *testing.T) {
	e := newAPIEnv(t)
	disp := e.asRole(petitions.RoleDispatcher)
	// The demo county has no repeat visit and nothing due within the week
	// on its last day: a township registers a case and its repeat, and
	// nine days pass, which brings their acceptance deadline within 7 days.
	town := e.asRole(petitions.RoleTownship)
	first := town.register(newPetition(demo.VillageID(0, 1)))
	again := newPetition(demo.VillageID(0, 1))
	again["links"] = []map[string]any{{"kind": "repeat", "case_id": str(first, "id")}}
	town.register(again)
	e.advance(9 * 24 * time.Hour)
	now := e.Now()
	for _, view := range []string{"overdue", "due_this_week", "supervised", "red", "repeat"} {
		small := pageAll(t, disp, url.Values{"view": {view}}, 7)
		whole := pageAll(t, disp, url.Values{"view": {view}}, 500)
		if !slices.Equal(ids(small), ids(whole)) {
			t.Errorf("%s: pages of 7 give %d cases, one page %d, or another order", view, len(small), len(whole))
		}
		if len(whole) == 0 {
			t.Errorf("%s: the demo county's list is empty", view)
			continue
		}
		sawPlain := false
		for _, c := range whole {
			due, _ := c["due"].(map[string]any)
			var at time.Time
			if due != nil {
				at, _ = time.Parse(time.RFC3339Nano, str(due, "adjusted"))
			}
			ok := true
			switch view {
			case "overdue":
				ok = c["overdue"] == true
			case "due_this_week":
				ok = c["overdue"] == false && !at.IsZero() && at.Before(now.AddDate(0, 0, 8))
			case "supervised":
				// Supervised cases first, then the others by due.
				sup := c["supervised"] == true
				ok = !(sup && sawPlain)
				sawPlain = sawPlain || !sup
			case "red":
				ok = str(c, "risk_level") == string(petitions.RiskRed)
			}
			if !ok {
				t.Errorf("%s: case %s does not belong: %v", view, str(c, "case_no"), c)
				break
			}
		}
	}

	// Filtered by category and by a township's subtree: subsets of the view.
	all := pageAll(t, disp, url.Values{"view": {"overdue"}}, 500)
	cat := str(all[0], "category")
	byCat := pageAll(t, disp, url.Values{"view": {"overdue"}, "category": {cat}}, 5)
	if len(byCat) == 0 {
		t.Errorf("category %s: empty", cat)
	}
	for _, c := range byCat {
		if str(c, "category") != cat {
			t.Errorf("category %s: case %s has %s", cat, str(c, "case_no"), str(c, "category"))
		}
	}
	inTown := pageAll(t, disp, url.Values{"view": {"overdue"}, "unit": {demo.TownshipID(0)}, "sort": {"oldest"}}, 5)
	if len(inTown) == 0 || len(inTown) >= len(all) {
		t.Errorf("township 0: %d overdue cases of the county's %d", len(inTown), len(all))
	}
	for i := 1; i < len(inTown); i++ {
		if str(inTown[i], "received_at") < str(inTown[i-1], "received_at") {
			t.Errorf("sort=oldest: %s before %s", str(inTown[i-1], "received_at"), str(inTown[i], "received_at"))
		}
	}

	for _, q := range []struct{ query, field string }{
		{"view=bogus", "view"},
		{"sort=sideways", "sort"},
		{"view=red&risk=green", "risk"},
		{"unit=no-such-unit", "unit"},
		{"sort=due&after=not-a-cursor", "after"},
		{"limit=100000", "limit"},
	} {
		r := disp.do("GET", "/api/v1/cases?"+q.query, nil)
		fields, _ := r.Body["fields"].(map[string]any)
		if r.Status != http.StatusBadRequest || fields[q.field] == nil {
			t.Errorf("%s: %d %s, want 400 on %s", q.query, r.Status, r.Raw, q.field)
		}
	}
	if r := e.anonymous().do("GET", "/api/v1/cases?view=overdue", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
}

// TestAPISessionsToday reads the sessions of the day over HTTP: the
// county's, a township's, and refusals.
func TestAPISessionsToday(t *testing.T) {
	e := newAPIEnv(t)
	disp := e.asRole(petitions.RoleDispatcher)
	r := disp.do("GET", "/api/v1/sessions/today", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("sessions today: %d %s", r.Status, r.Raw)
	}
	if _, ok := r.Body["sessions"].([]any); !ok {
		t.Fatalf("no sessions list: %s", r.Raw)
	}
	if r := disp.do("GET", "/api/v1/sessions/today?unit="+demo.TownshipID(0), nil); r.Status != http.StatusOK {
		t.Errorf("a township's: %d %s", r.Status, r.Raw)
	}
	if r := disp.do("GET", "/api/v1/sessions/today?unit=no-such-unit", nil); r.Status != http.StatusBadRequest {
		t.Errorf("unknown unit: %d %s, want 400", r.Status, r.Raw)
	}
	if r := e.anonymous().do("GET", "/api/v1/sessions/today", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
}
