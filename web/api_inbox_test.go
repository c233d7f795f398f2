package web

import (
	"log/slog"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/reminders"
)

// TestAPIInbox: the reminders the dispatcher puts in a person's inbox are
// his alone to list and mark read.
func TestAPIInbox(t *testing.T) {
	e := newAPIEnv(t)
	official := e.asRole(petitions.RoleTownship)
	v := official.register(newPetition(""))
	if e.anonymous().do("GET", "/api/v1/inbox", nil).Status != 401 {
		t.Fatal("an anonymous inbox")
	}
	// Two days before the acceptance deadline (15 days), with a 3-day
	// offset, the due-soon reminder has fired.
	e.advance(13 * 24 * time.Hour)
	d, err := reminders.New(reminders.Config{Outbox: e.db, Cases: reminders.StoreCases(e.db, e.svc.Lifecycle),
		People: reminders.StorePeople(e.db), Now: e.Now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Tick(e.ctx); err != nil {
		t.Fatal(err)
	}
	r := official.do("GET", "/api/v1/inbox", nil)
	items, _ := r.Body["reminders"].([]any)
	var id string
	for _, it := range items {
		rem := it.(map[string]any)["reminder"].(map[string]any)
		if rem["case_id"] == str(v, "id") {
			id = rem["id"].(string)
		}
	}
	if r.Status != 200 || id == "" {
		t.Fatalf("inbox %d: %s", r.Status, r.Raw)
	}
	if got := official.do("GET", "/api/v1/inbox?limit=0", nil); got.Status != 400 {
		t.Errorf("limit 0: %d", got.Status)
	}
	if got := e.asRole(petitions.RoleAuditor).do("POST", "/api/v1/inbox/"+id+"/read", nil); got.Status != 404 {
		t.Errorf("another person marks it read: %d %s", got.Status, got.Raw)
	}
	if got := official.do("POST", "/api/v1/inbox/"+id+"/read", nil); got.Status != 204 {
		t.Fatalf("mark read: %d %s", got.Status, got.Raw)
	}
	for _, it := range official.do("GET", "/api/v1/inbox", nil).Body["reminders"].([]any) {
		m := it.(map[string]any)
		if m["reminder"].(map[string]any)["id"] == id && m["read_at"] == nil {
			t.Errorf("still unread: %v", m)
		}
	}
}
