package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
)

// newSession returns an ended hearing in room, numbered n, without a case.
func newSession(n int, room string) *petitions.Session {
	start := t0.Add(time.Duration(n) * time.Hour)
	return &petitions.Session{
		ID:             "ses-" + string(rune('a'+n)),
		Kind:           petitions.SessionHearing,
		Room:           room,
		Station:        "st-shiqiao",
		ScheduledStart: start.Add(-5 * time.Minute),
		ScheduledEnd:   start.Add(time.Hour),
		Start:          start,
		End:            start.Add(20*time.Minute + 123456*time.Microsecond),
		Status:         petitions.SessionEnded,
		EndReason:      "leave",
		Participants: []petitions.SessionParticipant{
			{Identity: "official", Name: "王明（县信访局）", Role: "official", Joins: []petitions.Presence{
				{Joined: start, Left: start.Add(20 * time.Minute), LeaveReason: "leave"}}},
			{Identity: "villager", Name: "李秀兰（石桥村）", Role: "villager", Joins: []petitions.Presence{
				{Joined: start.Add(time.Minute), Left: start.Add(5 * time.Minute), LeaveReason: "ice failed"},
				{Joined: start.Add(6 * time.Minute), Left: start.Add(20*time.Minute + 123456*time.Microsecond), LeaveReason: "leave"}}},
			{Identity: "supervisor", Role: "supervisor", Hidden: true, Joins: []petitions.Presence{
				{Joined: start.Add(2 * time.Minute), Left: start.Add(3 * time.Minute), LeaveReason: "leave"}}},
		},
		Recordings: []petitions.RecordingRef{{Object: "rec/" + room + ".webm",
			SHA256: strings.Repeat("ab", 32), Size: 1 << 20}},
	}
}

// sameSession fails t unless got and want encode to the same JSON.
func sameSession(t *testing.T, got, want *petitions.Session) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("session differs:\n got %s\nwant %s", g, w)
	}
}

func sessionIDs(list []*petitions.Session) []string {
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids
}

func testSessionSaveGet(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	want := newSession(1, "hearing-1")
	if err := s.SaveSession(ctx, want); err != nil {
		t.Fatalf("SaveSession: %v", err)
	}
	got, err := s.Session(ctx, want.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	sameSession(t, got, want)
	if d := got.Duration(); d != 20*time.Minute+123456*time.Microsecond {
		t.Errorf("Duration = %v", d)
	}

	// Replace: a live session ends.
	live := newSession(2, "hearing-2")
	live.Status, live.End, live.EndReason = petitions.SessionLive, time.Time{}, ""
	if err := s.SaveSession(ctx, live); err != nil {
		t.Fatalf("SaveSession live: %v", err)
	}
	if got, err := s.Session(ctx, live.ID); err != nil || got.Duration() != 0 || got.Status != petitions.SessionLive {
		t.Fatalf("Session live = %+v, %v", got, err)
	}
	ended := newSession(2, "hearing-2")
	if err := s.SaveSession(ctx, ended); err != nil {
		t.Fatalf("SaveSession replace: %v", err)
	}
	got, err = s.Session(ctx, ended.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	sameSession(t, got, ended)
	if n := countEvents(t, s); n != 0 {
		t.Errorf("SaveSession appended %d events, want none", n)
	}
}

func testSessionErrors(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	_, err := s.Session(ctx, "ses-missing")
	wantCode(t, "Session of a missing id", err, petitions.ENOTFOUND)
	bad := newSession(1, "")
	bad.Kind = "party"
	err = s.SaveSession(ctx, bad)
	wantCode(t, "SaveSession without room and with a bad kind", err, petitions.EINVALID)
	if f := petitions.ErrorFields(err); f["room"] == "" || f["kind"] == "" {
		t.Errorf("fields = %v, want room and kind", f)
	}
	wantCode(t, "SaveSession(nil)", s.SaveSession(ctx, nil), petitions.EINVALID)
	if list, err := s.Sessions(ctx, petitions.SessionFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("Sessions after refusals = %v, %v; want none", sessionIDs(list), err)
	}
}

func testSessionList(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	for i, room := range []string{"hearing-1", "hearing-2", "hearing-1", "mediation-7", "hearing-1"} {
		ses := newSession(i, room)
		if i >= 3 {
			ses.Status, ses.End, ses.EndReason = petitions.SessionLive, time.Time{}, ""
		}
		if err := s.SaveSession(ctx, ses); err != nil {
			t.Fatalf("SaveSession %d: %v", i, err)
		}
	}
	for _, c := range []struct {
		f    petitions.SessionFilter
		want string
	}{
		{petitions.SessionFilter{}, "ses-a ses-b ses-c ses-d ses-e"},
		{petitions.SessionFilter{Room: "hearing-1"}, "ses-a ses-c ses-e"},
		{petitions.SessionFilter{Live: true}, "ses-d ses-e"},
		{petitions.SessionFilter{Room: "hearing-1", Live: true}, "ses-e"},
		{petitions.SessionFilter{Room: "hearing-1", After: "ses-a", Limit: 1}, "ses-c"},
		{petitions.SessionFilter{Room: "nowhere"}, ""},
		{petitions.SessionFilter{CaseID: "no-case"}, ""},
	} {
		list, err := s.Sessions(ctx, c.f)
		if err != nil {
			t.Fatalf("Sessions(%+v): %v", c.f, err)
		}
		if got := strings.Join(sessionIDs(list), " "); got != c.want {
			t.Errorf("Sessions(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func testSessionLink(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "shiqiao")
	create(t, s, p)
	ses := newSession(1, "hearing-1")
	if err := s.SaveSession(ctx, ses); err != nil {
		t.Fatalf("SaveSession: %v", err)
	}
	link := func(sid, cid string) (*petitions.Event, error) {
		ev := newEvent(petitions.KindSessionLinked, 30, `{"session":"`+sid+`"}`)
		return ev, s.LinkSession(ctx, sid, cid, ev)
	}
	_, err := link(ses.ID, "00000000-0000-4000-8000-999999999999")
	wantCode(t, "LinkSession to a missing case", err, petitions.ENOTFOUND)
	_, err = link("ses-missing", p.ID)
	wantCode(t, "LinkSession of a missing session", err, petitions.ENOTFOUND)
	err = s.LinkSession(ctx, ses.ID, p.ID, nil)
	wantCode(t, "LinkSession without an event", err, petitions.EINVALID)
	if got, _ := s.Session(ctx, ses.ID); got == nil || got.CaseID != "" {
		t.Fatalf("a refused link changed the session: %+v", got)
	}

	ev, err := link(ses.ID, p.ID)
	if err != nil {
		t.Fatalf("LinkSession: %v", err)
	}
	if ev.CaseID != p.ID || ev.CaseSeq != 2 || ev.Hash == "" {
		t.Errorf("link event = %+v, want sealed as the case's second event", ev)
	}
	events, err := s.Events(ctx, p.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(events) != 2 || events[1].Kind != petitions.KindSessionLinked {
		t.Fatalf("case history has %d events, want registered then %s", len(events), petitions.KindSessionLinked)
	}
	got, err := s.Session(ctx, ses.ID)
	if err != nil || got.CaseID != p.ID {
		t.Fatalf("Session after link = %+v, %v; want case %s", got, err, p.ID)
	}
	if list, err := s.Sessions(ctx, petitions.SessionFilter{CaseID: p.ID}); err != nil || len(list) != 1 || list[0].ID != ses.ID {
		t.Errorf("Sessions of the case = %v, %v", sessionIDs(list), err)
	}

	// A later save without a case keeps the link; another case is refused.
	again := newSession(1, "hearing-1")
	if err := s.SaveSession(ctx, again); err != nil || again.CaseID != p.ID {
		t.Fatalf("SaveSession without case after link: %v, case %q; want it kept", err, again.CaseID)
	}
	other := newPetition(2, "shiqiao")
	create(t, s, other)
	again.CaseID = other.ID
	wantCode(t, "SaveSession into another case", s.SaveSession(ctx, again), petitions.ECONFLICT)
	_, err = link(ses.ID, other.ID)
	wantCode(t, "LinkSession to another case", err, petitions.ECONFLICT)
	verifyOK(t, s)
}
