package web

import (
	"net/http"
	"testing"

	"hearingroom/petitions"
)

func TestAPIStatistics(t *testing.T) {
	e := newAPIEnv(t)
	disp := e.asRole(petitions.RoleDispatcher)
	r := disp.do("GET", "/api/v1/statistics?from=2025-01-01&to=2026-10-31", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("statistics: %d %s", r.Status, r.Raw)
	}
	figs, _ := r.Body["figures"].([]any)
	if len(figs) == 0 || r.Body["by_unit"] == nil {
		t.Fatalf("no figures: %s", r.Raw)
	}
	first, _ := figs[0].(map[string]any)
	for _, k := range []string{"key", "name", "name_en", "formula", "numerator", "denominator", "value", "unit", "basis"} {
		if _, ok := first[k]; !ok {
			t.Errorf("a figure lacks %s: %v", k, first)
		}
	}
	for _, tc := range []struct{ query, field string }{
		{"to=2026-10-31", "from"},
		{"from=2025-01-01", "to"},
		{"from=2025-13-01&to=2026-10-31", "from"},
		{"from=2025-01-01&to=31.10.2026", "to"},
		{"from=2026-01-02&to=2026-01-01", "to"},
		{"from=2020-01-01&to=2025-01-01", "to"},
	} {
		r := disp.do("GET", "/api/v1/statistics?"+tc.query, nil)
		fields, _ := r.Body["fields"].(map[string]any)
		if r.Status != http.StatusBadRequest || fields[tc.field] == nil {
			t.Errorf("%s: %d %s, want 400 on %s", tc.query, r.Status, r.Raw, tc.field)
		}
	}
	if r := disp.do("GET", "/api/v1/statistics?from=2021-01-01&to=2025-12-31", nil); r.Status != http.StatusOK {
		t.Errorf("five years: %d %s", r.Status, r.Raw)
	}
	if r := e.asRole(petitions.RoleMediator).do("GET", "/api/v1/statistics?from=2025-01-01&to=2025-12-31", nil); r.Status != http.StatusForbidden {
		t.Errorf("mediator: %d, want 403", r.Status)
	}
	if r := e.anonymous().do("GET", "/api/v1/statistics?from=2025-01-01&to=2025-12-31", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", r.Status)
	}
}
