package web

import (
	"net/http"
	"strings"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

func TestAPITerminal(t *testing.T) {
	e := newAPIEnv(t)
	admin := e.asRole(petitions.RoleAdministrator)
	station, other := demo.StationID(demo.TownshipID(0)), demo.StationID(demo.TownshipID(1))

	r := admin.do("POST", "/api/v1/stations/"+station+"/pairings", nil)
	if r.Status != http.StatusCreated || str(r.Body, "code") == "" {
		t.Fatalf("pairing: %d %s", r.Status, r.Raw)
	}
	code := str(r.Body, "code")
	if r := admin.do("POST", "/api/v1/stations/no-such-station/pairings", nil); r.Status != http.StatusNotFound {
		t.Errorf("pairing for an unknown station: %d", r.Status)
	}

	device := e.anonymous()
	r = device.do("POST", "/api/v1/terminals", map[string]string{"code": code, "name": "富裕镇接访室终端"})
	if r.Status != http.StatusCreated || str(r.Body, "credential") == "" {
		t.Fatalf("enrol: %d %s", r.Status, r.Raw)
	}
	cred := str(r.Body, "credential")
	term, _ := r.Body["terminal"].(map[string]any)
	termID := str(term, "id")
	if str(term, "station") != station || termID == "" {
		t.Errorf("enrolled terminal = %v", term)
	}
	if r := device.do("POST", "/api/v1/terminals", map[string]string{"code": code, "name": "again"}); r.Status != http.StatusConflict {
		t.Errorf("reused code: %d %s", r.Status, r.Raw)
	}
	wrong := "ABCDEFGH"
	if wrong == code {
		wrong = "HGFEDCBA"
	}
	if r := device.do("POST", "/api/v1/terminals", map[string]string{"code": wrong, "name": "guess"}); r.Status != http.StatusNotFound {
		t.Errorf("wrong code: %d %s", r.Status, r.Raw)
	}

	auth := []string{"Authorization", "Device " + cred}
	if r := device.do("GET", "/api/v1/terminal", nil, auth...); r.Status != http.StatusOK {
		t.Errorf("terminal self: %d %s", r.Status, r.Raw)
	}
	if r := device.do("GET", "/api/v1/terminal", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("terminal self without credential: %d", r.Status)
	}
	if r := device.do("GET", "/api/v1/terminal", nil, "Authorization", "Device nonsense"); r.Status != http.StatusUnauthorized {
		t.Errorf("terminal self with a wrong credential: %d", r.Status)
	}
	r = device.do("POST", "/api/v1/terminal/sessions", map[string]string{"station": station}, auth...)
	if r.Status != http.StatusCreated || str(r.Body, "token") == "" || str(r.Body, "room") != casework.StationRoom(station) {
		t.Errorf("terminal session at its station: %d %s", r.Status, r.Raw)
	}
	if r := device.do("POST", "/api/v1/terminal/sessions", map[string]string{"station": other}, auth...); r.Status != http.StatusForbidden {
		t.Errorf("terminal session at another station: %d %s", r.Status, r.Raw)
	}

	// Who receives today: plan a leader of the township for the service's today.
	today := casework.Day(e.Now())
	leaderID := "leader." + demo.TownshipID(0) + ".2"
	r = admin.do("POST", "/api/v1/schedule", map[string]string{"day": today, "station": station, "leader_id": leaderID, "note": "测试"})
	if r.Status != http.StatusCreated {
		t.Fatalf("plan: %d %s", r.Status, r.Raw)
	}
	r = device.do("GET", "/api/v1/terminal/today", nil, auth...)
	if r.Status != http.StatusOK {
		t.Fatalf("today: %d %s", r.Status, r.Raw)
	}
	found := false
	for _, x := range r.Body["receivers"].([]any) {
		rec, _ := x.(map[string]any)["reception"].(map[string]any)
		if str(rec, "leader_id") == leaderID && str(rec, "day") == today && str(x.(map[string]any), "name") != "" {
			found = true
		}
	}
	if !found || str(r.Body, "station") != station {
		t.Errorf("today at %s does not list %s: %s", station, leaderID, r.Raw)
	}

	r = admin.do("GET", "/api/v1/terminals?station="+station, nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Raw), termID) {
		t.Errorf("terminals: %d %s", r.Status, r.Raw)
	}
	if strings.Contains(string(r.Raw), cred) {
		t.Error("the terminal list shows the device credential")
	}
	if r := admin.do("DELETE", "/api/v1/terminals/"+termID, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	for _, path := range []string{"/api/v1/terminal", "/api/v1/terminal/today"} {
		if r := device.do("GET", path, nil, auth...); r.Status != http.StatusUnauthorized {
			t.Errorf("GET %s after revocation: %d", path, r.Status)
		}
	}
	if r := device.do("POST", "/api/v1/terminal/sessions", map[string]string{"station": station}, auth...); r.Status != http.StatusUnauthorized {
		t.Errorf("session after revocation: %d", r.Status)
	}
}
