package reminders_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/reminders"
	"hearingroom/petitions/reminders/webhook"
	"hearingroom/petitions/sqlite"
)

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// endpoint is a test webhook that counts requests and fails while down.
type endpoint struct {
	srv      *httptest.Server
	requests atomic.Int32
	down     atomic.Bool
	ids      sync.Map // reminder id → deliveries
}

func newEndpoint(t *testing.T, answer string) *endpoint {
	e := &endpoint{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		if e.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var p struct{ ID string }
		if json.Unmarshal(body, &p) == nil && p.ID != "" {
			n, _ := e.ids.LoadOrStore(p.ID, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
		}
		io.WriteString(w, answer)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// repeats returns the number of reminder ids the endpoint received more
// than once.
func (e *endpoint) repeats() int {
	n := 0
	e.ids.Range(func(_, v any) bool {
		if v.(*atomic.Int32).Load() > 1 {
			n++
		}
		return true
	})
	return n
}

// fixture is a ledger with one case in progress, due on Thursday 9 July
// 2026, led by unit town-1, whose official official-1 is reminded too.
type fixture struct {
	store *sqlite.DB
	clock *clock
	lc    *petitions.Lifecycle
	p     *petitions.Petition
}

func newFixture(t *testing.T) *fixture {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	cal := petitions.DefaultCalendar()
	start := time.Date(2026, 5, 10, 10, 0, 0, 0, petitions.ChinaTime)
	d := petitions.Deadline{Step: petitions.StepHandling, Start: start, Days: 60}
	d.Nominal, d.Adjusted = cal.AddDays(start, 60)
	p := &petitions.Petition{
		ID: "00000000-0000-4000-8000-000000000001", CaseNo: "230722-2026-00001", QueryCode: "Q0000001",
		Kind: petitions.KindPetition, Class: petitions.ClassClaim, Category: "wage_arrears",
		Channel: petitions.ChannelVisit, Request: "追讨拖欠工资", LeadUnit: "town-1", State: "in_progress",
		Owner: "leader-1", Assignments: []petitions.Assignment{{PersonID: "clerk-1", UnitID: "town-1"}},
		Parties:   []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "王芳"}},
		Deadlines: map[petitions.Step]petitions.Deadline{petitions.StepHandling: d},
	}
	p.Normalize()
	ev := &petitions.Event{Kind: "registered", Actor: "clerk-1", ActorRole: "township_official", At: start,
		Data: json.RawMessage(`{}`)}
	if err := db.CreatePetition(ctx, p, ev); err != nil {
		t.Fatalf("CreatePetition: %v", err)
	}
	for _, person := range []*petitions.Person{
		{ID: "official-1", Login: "official1", Name: "李强",
			Roles: []petitions.RoleGrant{{Role: petitions.RoleTownship, Unit: "town-1"}}},
		{ID: "official-2", Login: "official2", Name: "赵敏", Disabled: true,
			Roles: []petitions.RoleGrant{{Role: petitions.RoleTownship, Unit: "town-1"}}},
	} {
		if err := db.CreatePerson(ctx, person); err != nil {
			t.Fatalf("CreatePerson: %v", err)
		}
	}
	return &fixture{store: db, clock: &clock{now: time.Date(2026, 7, 6, 8, 0, 0, 0, petitions.ChinaTime)},
		lc: petitions.PetitionLifecycle(cal, nil), p: p}
}

// dispatcher returns a new Dispatcher over the fixture's store: what a
// restarted server builds.
func (f *fixture) dispatcher(t *testing.T, channels ...reminders.Channel) *reminders.Dispatcher {
	t.Helper()
	d, err := reminders.New(reminders.Config{
		Outbox:   f.store,
		Cases:    reminders.StoreCases(f.store, func(petitions.Kind) *petitions.Lifecycle { return f.lc }),
		People:   reminders.StorePeople(f.store),
		Channels: channels,
		Log:      slog.New(slog.DiscardHandler),
		Now:      f.clock.Now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// tick runs one tick, failing t on error.
func tick(t *testing.T, d *reminders.Dispatcher) {
	t.Helper()
	if err := d.Tick(context.Background()); err != nil {
		t.Fatalf("Tick: %v", err)
	}
}

// sent returns the number of reminder.sent events of the fixture's case.
func (f *fixture) sent(t *testing.T) int {
	t.Helper()
	evs, err := f.store.Events(context.Background(), f.p.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind == petitions.KindReminderSent {
			n++
		}
	}
	return n
}

func TestDispatcherDelivers(t *testing.T) {
	f := newFixture(t)
	generic := newEndpoint(t, "")
	wecom := newEndpoint(t, `{"errcode":0,"errmsg":"ok"}`)
	ding := newEndpoint(t, `{"errcode":0,"errmsg":"ok"}`)
	channels := []reminders.Channel{
		&webhook.Generic{URL: generic.srv.URL, Secret: []byte("k")},
		&webhook.WeCom{URL: wecom.srv.URL},
		&webhook.DingTalk{URL: ding.srv.URL, Secret: "s"},
	}
	d := f.dispatcher(t, channels...)
	if got := d.Channels(); len(got) != 4 || got[0] != reminders.InboxChannel {
		t.Fatalf("Channels = %v; want the inbox and three more", got)
	}
	tick(t, d) // Monday 6 July: three days before
	for name, e := range map[string]*endpoint{"generic": generic, "wecom": wecom, "dingtalk": ding} {
		if n := e.requests.Load(); n != 1 {
			t.Fatalf("%s got %d requests; want 1", name, n)
		}
	}
	if n := f.sent(t); n != 4 {
		t.Fatalf("%d reminder.sent events; want 4 (inbox and three channels)", n)
	}
	for _, who := range []string{"leader-1", "clerk-1", "official-1"} {
		items, err := f.store.Inbox(context.Background(), who, "", 0)
		if err != nil || len(items) != 1 || items[0].Reminder.Kind != petitions.ReminderDueSoon {
			t.Fatalf("Inbox(%s) = %v, %v; want the due_soon reminder", who, items, err)
		}
	}
	if items, _ := f.store.Inbox(context.Background(), "official-2", "", 0); len(items) != 0 {
		t.Fatal("a disabled official was reminded")
	}

	// Later the same day, and after a restart: nothing new, nothing twice.
	f.clock.Set(f.clock.Now().Add(6 * time.Hour))
	tick(t, d)
	tick(t, f.dispatcher(t, channels...))
	if n := generic.requests.Load() + wecom.requests.Load() + ding.requests.Load(); n != 3 {
		t.Fatalf("%d requests after two more ticks; want still 3", n)
	}
	// The next reminder, one day before, is sent once by the new dispatcher.
	f.clock.Set(time.Date(2026, 7, 8, 0, 0, 1, 0, petitions.ChinaTime))
	d2 := f.dispatcher(t, channels...)
	tick(t, d2)
	tick(t, d2)
	if n := generic.requests.Load(); n != 2 || generic.repeats() != 0 {
		t.Fatalf("generic got %d requests (%d repeated); want 2, none repeated", n, generic.repeats())
	}
	if n := f.sent(t); n != 8 {
		t.Fatalf("%d reminder.sent events; want 8", n)
	}
	if r, err := petitions.VerifyStore(context.Background(), f.store, nil); err != nil || !r.OK() {
		t.Fatalf("VerifyStore: %+v, %v", r, err)
	}
}

func TestDispatcherRetries(t *testing.T) {
	f := newFixture(t)
	e := newEndpoint(t, "")
	e.down.Store(true)
	d := f.dispatcher(t, &webhook.Generic{URL: e.srv.URL})
	start := f.clock.Now()

	tick(t, d) // attempt 1 fails; next in a minute
	f.clock.Set(start.Add(30 * time.Second))
	tick(t, d) // not due yet
	if n := e.requests.Load(); n != 1 {
		t.Fatalf("%d requests before the retry was due; want 1", n)
	}
	f.clock.Set(start.Add(time.Minute))
	tick(t, d) // attempt 2 fails; next in two minutes
	f.clock.Set(start.Add(2 * time.Minute))
	tick(t, d)
	if n := e.requests.Load(); n != 2 {
		t.Fatalf("%d requests; want 2 (the second retry waits two minutes)", n)
	}
	e.down.Store(false)
	f.clock.Set(start.Add(3 * time.Minute))
	tick(t, d) // attempt 3 succeeds
	f.clock.Set(start.Add(time.Hour))
	tick(t, d)
	if n := e.requests.Load(); n != 3 {
		t.Fatalf("%d requests; want 3", n)
	}
	if n := f.sent(t); n != 2 {
		t.Fatalf("%d reminder.sent events; want 2 (inbox and webhook, once each)", n)
	}
	for attempts, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 4: 8 * time.Minute,
		7: time.Hour, 50: time.Hour} {
		if got := d.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v; want %v", attempts, got, want)
		}
	}
}

func TestDispatcherRestartWhileDown(t *testing.T) {
	f := newFixture(t)
	e := newEndpoint(t, "")
	e.down.Store(true)
	tick(t, f.dispatcher(t, &webhook.Generic{URL: e.srv.URL})) // enqueued, the send fails

	// The server restarts; the endpoint comes back. Nothing was lost.
	e.down.Store(false)
	f.clock.Set(f.clock.Now().Add(2 * time.Minute))
	tick(t, f.dispatcher(t, &webhook.Generic{URL: e.srv.URL}))
	tick(t, f.dispatcher(t, &webhook.Generic{URL: e.srv.URL}))
	if n := e.requests.Load(); n != 2 {
		t.Fatalf("%d requests; want 2 (one failed, one delivered)", n)
	}
	n := 0
	e.ids.Range(func(any, any) bool { n++; return true })
	if n != 1 || e.repeats() != 0 {
		t.Fatalf("%d reminders delivered, %d repeated; want 1, none", n, e.repeats())
	}

	// A dispatcher that has the channel no more leaves its deliveries
	// pending; the inbox was delivered all along.
	pending, err := f.store.PendingDeliveries(context.Background(), reminders.InboxChannel, f.clock.Now(), 0)
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending on the inbox = %v, %v; want none", pending, err)
	}
}

func TestDispatcherRun(t *testing.T) {
	f := newFixture(t)
	e := newEndpoint(t, "")
	d, err := reminders.New(reminders.Config{
		Outbox: f.store, Cases: reminders.StoreCases(f.store, func(petitions.Kind) *petitions.Lifecycle { return f.lc }),
		Channels: []reminders.Channel{&webhook.Generic{URL: e.srv.URL}},
		Interval: 10 * time.Millisecond, Log: slog.New(slog.DiscardHandler), Now: f.clock.Now,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for e.requests.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a few more ticks
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := e.requests.Load(); n != 1 {
		t.Fatalf("%d requests over several ticks; want 1", n)
	}
}

func TestNewRefuses(t *testing.T) {
	f := newFixture(t)
	cases := reminders.StoreCases(f.store, func(petitions.Kind) *petitions.Lifecycle { return f.lc })
	for name, c := range map[string]reminders.Config{
		"no outbox":     {Cases: cases},
		"no cases":      {Outbox: f.store},
		"repeated name": {Outbox: f.store, Cases: cases, Channels: []reminders.Channel{&webhook.WeCom{}, &webhook.WeCom{}}},
		"inbox name":    {Outbox: f.store, Cases: cases, Channels: []reminders.Channel{&webhook.Generic{ChannelName: "inbox"}}},
	} {
		if _, err := reminders.New(c); err == nil {
			t.Errorf("New(%s) succeeded", name)
		}
	}
}

func TestParseOffsets(t *testing.T) {
	got, err := reminders.ParseOffsets(" 3d, 1d,36h,")
	if err != nil || len(got) != 3 || got[0] != 72*time.Hour || got[1] != 24*time.Hour || got[2] != 36*time.Hour {
		t.Fatalf("ParseOffsets = %v, %v", got, err)
	}
	for _, bad := range []string{"0d", "-1d", "x", "3days", "-2h"} {
		if _, err := reminders.ParseOffsets(bad); err == nil {
			t.Errorf("ParseOffsets(%q) succeeded", bad)
		}
	}
	if got, err := reminders.ParseOffsets(""); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("ParseOffsets(\"\") = %v, %v; want none", got, err)
	}
}
