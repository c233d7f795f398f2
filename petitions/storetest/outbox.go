package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
)

// newReminder returns a reminder n of case p for recipients, fired at t0
// plus n minutes.
func newReminder(n int, p *petitions.Petition, recipients ...string) petitions.Reminder {
	return petitions.Reminder{
		ID: fmt.Sprintf("rem-%03d", n), CaseID: p.ID, CaseNo: p.CaseNo,
		Step: petitions.StepHandling, Kind: petitions.ReminderDueSoon,
		Due:        time.Date(2026, 7, 6, 0, 0, 0, 0, time.UTC),
		Recipients: recipients, At: t0.Add(time.Duration(n) * time.Minute).UTC(),
		Text: fmt.Sprintf("案件 %s 办理期限将到期 (%d)", p.CaseNo, n),
	}
}

// deliveryIDs returns the reminder ids of ds, in order.
func deliveryIDs(ds []*petitions.Delivery) string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.Reminder.ID
	}
	return fmt.Sprint(ids)
}

// inboxIDs returns the reminder ids of items, in order.
func inboxIDs(items []*petitions.InboxItem) string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Reminder.ID
	}
	return fmt.Sprint(ids)
}

// pending returns the pending deliveries on channel at now, failing t on
// error.
func pending(t *testing.T, s petitions.Store, channel string, now time.Time) []*petitions.Delivery {
	t.Helper()
	ds, err := s.PendingDeliveries(context.Background(), channel, now, 0)
	if err != nil {
		t.Fatalf("PendingDeliveries(%s): %v", channel, err)
	}
	return ds
}

// sameReminder fails t unless got and want encode to the same JSON.
func sameReminder(t *testing.T, what string, got, want petitions.Reminder) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s: reminder differs:\n got %s\nwant %s", what, g, w)
	}
}

func testReminderEnqueue(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	channels := []string{"inbox", "webhook"}
	if ds := pending(t, s, "webhook", t0.Add(time.Hour)); ds == nil || len(ds) != 0 {
		t.Fatalf("PendingDeliveries(empty outbox) = %v; want an empty slice", ds)
	}

	r1, r2 := newReminder(1, p, "u1", "u2", "u1", ""), newReminder(2, p)
	added, err := s.EnqueueReminders(ctx, []petitions.Reminder{r1, r2}, channels)
	if err != nil || added != 2 {
		t.Fatalf("EnqueueReminders = %d, %v; want 2, nil", added, err)
	}
	added, err = s.EnqueueReminders(ctx, []petitions.Reminder{r2, newReminder(3, p, "u3"), r1}, append(channels, "wecom"))
	if err != nil || added != 1 {
		t.Fatalf("EnqueueReminders(two stored, one new) = %d, %v; want 1, nil", added, err)
	}
	// A stored reminder is skipped whole: no delivery on the channel added later.
	if got := deliveryIDs(pending(t, s, "wecom", t0.Add(time.Hour))); got != "[rem-003]" {
		t.Fatalf("pending on wecom = %s; want [rem-003]", got)
	}
	ds := pending(t, s, "webhook", t0.Add(time.Hour))
	if got := deliveryIDs(ds); got != "[rem-001 rem-002 rem-003]" {
		t.Fatalf("pending on webhook = %s", got)
	}
	want := r1
	want.Recipients = []string{"u1", "u2"}
	sameReminder(t, "rem-001", ds[0].Reminder, want)
	if d := ds[0]; d.Channel != "webhook" || d.Attempts != 0 || !d.NextAt.Equal(r1.At) || !d.DeliveredAt.IsZero() || d.LastError != "" {
		t.Fatalf("new delivery = %+v", d)
	}
	if ds[1].Reminder.Recipients == nil || len(ds[1].Reminder.Recipients) != 0 {
		t.Fatalf("reminder without recipients reads back as %#v; want an empty slice", ds[1].Reminder.Recipients)
	}
	// Not due yet: a delivery is pending from the reminder's At.
	if got := deliveryIDs(pending(t, s, "webhook", r2.At.Add(-time.Microsecond))); got != "[rem-001]" {
		t.Fatalf("pending on webhook before rem-002 fired = %s; want [rem-001]", got)
	}

	bad := newReminder(9, p)
	bad.Kind = ""
	_, err = s.EnqueueReminders(ctx, []petitions.Reminder{newReminder(8, p), bad}, channels)
	wantCode(t, "EnqueueReminders(no kind)", err, petitions.EINVALID)
	_, err = s.EnqueueReminders(ctx, []petitions.Reminder{newReminder(8, p)}, []string{""})
	wantCode(t, "EnqueueReminders(unnamed channel)", err, petitions.EINVALID)
	_, err = s.EnqueueReminders(ctx, []petitions.Reminder{newReminder(8, p), newReminder(9, newPetition(2, "x"))}, channels)
	wantCode(t, "EnqueueReminders(unknown case)", err, petitions.ENOTFOUND)
	if got := deliveryIDs(pending(t, s, "webhook", t0.Add(time.Hour))); got != "[rem-001 rem-002 rem-003]" {
		t.Fatalf("a refused enqueue added something: pending on webhook = %s", got)
	}
}

func testReminderDelivery(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	r := newReminder(1, p, "u1")
	if _, err := s.EnqueueReminders(ctx, []petitions.Reminder{r}, []string{"webhook", "wecom"}); err != nil {
		t.Fatalf("EnqueueReminders: %v", err)
	}
	events := countEvents(t, s)
	ev := newEvent(petitions.KindReminderSent, 5, `{"id":"rem-001","channel":"webhook","case":"230722-2026-00001"}`)
	if err := s.MarkDelivered(ctx, r.ID, "webhook", t0.Add(5*time.Minute), ev); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if ev.Seq == 0 || ev.CaseID != p.ID {
		t.Fatalf("MarkDelivered left its event unsealed or on case %q", ev.CaseID)
	}
	if got := deliveryIDs(pending(t, s, "webhook", t0.Add(time.Hour))); got != "[]" {
		t.Fatalf("pending on webhook after delivery = %s; want []", got)
	}
	if got := deliveryIDs(pending(t, s, "wecom", t0.Add(time.Hour))); got != "[rem-001]" {
		t.Fatalf("pending on wecom = %s; want [rem-001]: channels are delivered apart", got)
	}

	// Marking it again changes nothing and records nothing.
	again := newEvent(petitions.KindReminderSent, 6, `{"id":"rem-001","channel":"webhook"}`)
	if err := s.MarkDelivered(ctx, r.ID, "webhook", t0.Add(6*time.Minute), again); err != nil {
		t.Fatalf("MarkDelivered again: %v", err)
	}
	if again.Seq != 0 || countEvents(t, s) != events+1 {
		t.Fatalf("MarkDelivered of a delivered reminder appended its event (seq %d)", again.Seq)
	}
	// A failure reported late does not undo the delivery.
	if err := s.MarkFailed(ctx, r.ID, "webhook", 1, t0, "late"); err != nil {
		t.Fatalf("MarkFailed after delivery: %v", err)
	}
	if got := deliveryIDs(pending(t, s, "webhook", t0.Add(time.Hour))); got != "[]" {
		t.Fatalf("pending on webhook after a late failure = %s; want []", got)
	}
	if err := s.MarkDelivered(ctx, r.ID, "wecom", t0.Add(7*time.Minute), nil); err != nil {
		t.Fatalf("MarkDelivered without event: %v", err)
	}
	if countEvents(t, s) != events+1 {
		t.Fatal("MarkDelivered without an event appended one")
	}
	wantCode(t, "MarkDelivered(unknown channel)", s.MarkDelivered(ctx, r.ID, "sms", t0, nil), petitions.ENOTFOUND)
	wantCode(t, "MarkDelivered(unknown reminder)", s.MarkDelivered(ctx, "rem-x", "webhook", t0, nil), petitions.ENOTFOUND)
	wantCode(t, "MarkFailed(unknown)", s.MarkFailed(ctx, "rem-x", "webhook", 1, t0, "x"), petitions.ENOTFOUND)

	hist, err := s.Events(ctx, p.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if last := hist[len(hist)-1]; last.Kind != petitions.KindReminderSent {
		t.Fatalf("last event of the case is %s; want %s", last.Kind, petitions.KindReminderSent)
	}
	verifyOK(t, s)
}

func testReminderRetry(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	rs := []petitions.Reminder{newReminder(1, p), newReminder(2, p)}
	if _, err := s.EnqueueReminders(ctx, rs, []string{"webhook"}); err != nil {
		t.Fatalf("EnqueueReminders: %v", err)
	}
	next := t0.Add(30 * time.Minute)
	if err := s.MarkFailed(ctx, "rem-001", "webhook", 1, next, "HTTP 502"); err != nil {
		t.Fatalf("MarkFailed: %v", err)
	}
	if got := deliveryIDs(pending(t, s, "webhook", next.Add(-time.Second))); got != "[rem-002]" {
		t.Fatalf("pending before the retry is due = %s; want [rem-002]", got)
	}
	ds := pending(t, s, "webhook", next)
	if got := deliveryIDs(ds); got != "[rem-002 rem-001]" {
		t.Fatalf("pending when the retry is due = %s; want [rem-002 rem-001] (by next attempt)", got)
	}
	if d := ds[1]; d.Attempts != 1 || !d.NextAt.Equal(next) || d.LastError != "HTTP 502" {
		t.Fatalf("failed delivery = attempts %d, next %v, error %q", d.Attempts, d.NextAt, d.LastError)
	}
	later := next.Add(time.Hour)
	if err := s.MarkFailed(ctx, "rem-001", "webhook", 2, later, "timeout"); err != nil {
		t.Fatalf("MarkFailed again: %v", err)
	}
	ds = pending(t, s, "webhook", later)
	if d := ds[1]; d.Reminder.ID != "rem-001" || d.Attempts != 2 || d.LastError != "timeout" {
		t.Fatalf("twice failed delivery = %s, attempts %d, error %q", d.Reminder.ID, d.Attempts, d.LastError)
	}
	if err := s.MarkDelivered(ctx, "rem-001", "webhook", later, nil); err != nil {
		t.Fatalf("MarkDelivered: %v", err)
	}
	if got := deliveryIDs(pending(t, s, "webhook", later)); got != "[rem-002]" {
		t.Fatalf("pending after the retry succeeded = %s; want [rem-002]", got)
	}
	// The limit bounds a page.
	if ds, err := s.PendingDeliveries(ctx, "webhook", later, 1); err != nil || len(ds) != 1 {
		t.Fatalf("PendingDeliveries(limit 1) = %d, %v", len(ds), err)
	}
}

func testReminderInbox(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	var rs []petitions.Reminder
	for n := 1; n <= 5; n++ {
		who := []string{"u1"}
		if n%2 == 0 {
			who = append(who, "u2")
		}
		rs = append(rs, newReminder(n, p, who...))
	}
	rs[4].At = rs[3].At // two at once: the id breaks the tie
	if _, err := s.EnqueueReminders(ctx, rs, []string{"inbox"}); err != nil {
		t.Fatalf("EnqueueReminders: %v", err)
	}
	var pages []string
	after := ""
	for {
		items, err := s.Inbox(ctx, "u1", after, 2)
		if err != nil {
			t.Fatalf("Inbox(u1, %q): %v", after, err)
		}
		if len(items) == 0 {
			break
		}
		pages = append(pages, inboxIDs(items))
		after = items[len(items)-1].Reminder.ID
	}
	if got := fmt.Sprint(pages); got != "[[rem-005 rem-004] [rem-003 rem-002] [rem-001]]" {
		t.Fatalf("pages of u1's inbox = %s", got)
	}
	items, err := s.Inbox(ctx, "u2", "", 0)
	if err != nil || inboxIDs(items) != "[rem-004 rem-002]" {
		t.Fatalf("Inbox(u2) = %s, %v; want [rem-004 rem-002]", inboxIDs(items), err)
	}
	if items[0].Reminder.Text != rs[3].Text || !items[0].ReadAt.IsZero() {
		t.Fatalf("inbox item = %+v", items[0])
	}
	if items, err := s.Inbox(ctx, "nobody", "", 0); err != nil || items == nil || len(items) != 0 {
		t.Fatalf("Inbox(nobody) = %v, %v; want an empty slice", items, err)
	}
	if items, err := s.Inbox(ctx, "u2", "rem-003", 0); err != nil || len(items) != 0 {
		t.Fatalf("Inbox(u2, after a reminder not in it) = %s, %v; want none", inboxIDs(items), err)
	}

	if err := s.MarkRead(ctx, "u2", "rem-004"); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	read := func(who, id string) time.Time {
		t.Helper()
		items, err := s.Inbox(ctx, who, "", 0)
		if err != nil {
			t.Fatalf("Inbox(%s): %v", who, err)
		}
		i := slices.IndexFunc(items, func(it *petitions.InboxItem) bool { return it.Reminder.ID == id })
		return items[i].ReadAt
	}
	first := read("u2", "rem-004")
	if first.IsZero() || !read("u1", "rem-004").IsZero() || !read("u2", "rem-002").IsZero() {
		t.Fatal("MarkRead marked the wrong inbox entries")
	}
	time.Sleep(2 * time.Millisecond)
	if err := s.MarkRead(ctx, "u2", "rem-004"); err != nil {
		t.Fatalf("MarkRead again: %v", err)
	}
	if again := read("u2", "rem-004"); !again.Equal(first) {
		t.Fatalf("MarkRead again moved the read time from %v to %v", first, again)
	}
	wantCode(t, "MarkRead(not in the inbox)", s.MarkRead(ctx, "u2", "rem-003"), petitions.ENOTFOUND)
	wantCode(t, "MarkRead(unknown reminder)", s.MarkRead(ctx, "u1", "rem-x"), petitions.ENOTFOUND)
}

func testReminderConcurrent(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	const n = 8
	var wg sync.WaitGroup
	added := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer enqueues the same two, in its own order.
			rs := []petitions.Reminder{newReminder(1, p, "u1"), newReminder(2, p, "u1")}
			if i%2 == 1 {
				rs[0], rs[1] = rs[1], rs[0]
			}
			added[i], errs[i] = s.EnqueueReminders(ctx, rs, []string{"inbox", "webhook"})
		}()
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("EnqueueReminders %d: %v", i, errs[i])
		}
		total += added[i]
	}
	if total != 2 {
		t.Fatalf("concurrent enqueues added %d reminders in all; want 2", total)
	}
	if got := deliveryIDs(pending(t, s, "webhook", t0.Add(time.Hour))); got != "[rem-001 rem-002]" {
		t.Fatalf("pending on webhook = %s; want each reminder once", got)
	}
	if items, err := s.Inbox(ctx, "u1", "", 0); err != nil || inboxIDs(items) != "[rem-002 rem-001]" {
		t.Fatalf("Inbox(u1) = %s, %v; want each reminder once", inboxIDs(items), err)
	}
}
