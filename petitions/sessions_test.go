package petitions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"hearingroom/media"
	"hearingroom/petitions"
	"hearingroom/petitions/sqlite"
)

func openLedger(t *testing.T) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

var (
	st0        = time.Date(2026, 5, 6, 9, 30, 0, 0, time.UTC)
	official   = media.Participant{Identity: "official", Name: "王明", Admin: true, Metadata: `{"role":"official","station":"st-county"}`}
	villager   = media.Participant{Identity: "villager", Name: "李秀兰", Metadata: `{"Role":"villager","station":"st-shiqiao"}`}
	supervisor = media.Participant{Identity: "supervisor", Hidden: true, Metadata: "not json"}
)

func at(seconds int) time.Time { return st0.Add(time.Duration(seconds) * time.Second) }

// onlySession returns the one session of room, failing t if there is not
// exactly one.
func onlySession(t *testing.T, s petitions.Store, room string) *petitions.Session {
	t.Helper()
	list, err := s.Sessions(context.Background(), petitions.SessionFilter{Room: room})
	if err != nil || len(list) != 1 {
		t.Fatalf("Sessions of %s = %d sessions, %v; want 1", room, len(list), err)
	}
	return list[0]
}

func ledgerEvents(t *testing.T, s petitions.Store) []petitions.Event {
	t.Helper()
	var events []petitions.Event
	err := s.ScanEvents(context.Background(), 1, func(e *petitions.Event) error {
		c := *e
		c.Data = append(json.RawMessage(nil), e.Data...)
		events = append(events, c)
		return nil
	})
	if err != nil {
		t.Fatalf("ScanEvents: %v", err)
	}
	return events
}

func TestSessionRecorder(t *testing.T) {
	db := openLedger(t)
	r := petitions.NewSessionRecorder(db, nil)
	r.ParticipantJoined("hearing-1", official, at(0))
	r.ParticipantJoined("hearing-1", villager, at(1))
	r.ParticipantJoined("hearing-1", supervisor, at(2))
	r.ParticipantLeft("hearing-1", "villager", "ice failed", at(3))
	r.ParticipantJoined("hearing-1", villager, at(4))
	r.ParticipantLeft("hearing-1", "supervisor", "leave", at(5))
	r.ParticipantLeft("hearing-1", "official", "leave", at(10))
	r.ParticipantLeft("hearing-1", "villager", "leave", at(11))
	// A mediation still going on at shutdown; a leave nobody joined.
	r.ParticipantJoined("mediation-7", villager, at(20))
	r.ParticipantLeft("caucus-1", "nobody", "leave", at(21))
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if r.Dropped() != 0 || r.Failed() != 0 {
		t.Errorf("dropped %d, failed %d; want none", r.Dropped(), r.Failed())
	}

	s := onlySession(t, db, "hearing-1")
	if s.Kind != petitions.SessionHearing || s.Status != petitions.SessionEnded || s.EndReason != "leave" ||
		!s.Start.Equal(at(0)) || !s.End.Equal(at(11)) || s.Duration() != 11*time.Second || s.Station != "st-county" {
		t.Errorf("session = %+v", s)
	}
	want := []struct {
		identity, role string
		hidden         bool
		joins          [][2]int
		reasons        []string
	}{
		{"official", "official", false, [][2]int{{0, 10}}, []string{"leave"}},
		{"villager", "villager", false, [][2]int{{1, 3}, {4, 11}}, []string{"ice failed", "leave"}},
		{"supervisor", "observer", true, [][2]int{{2, 5}}, []string{"leave"}},
	}
	if len(s.Participants) != len(want) {
		t.Fatalf("participants %+v, want %d", s.Participants, len(want))
	}
	for i, w := range want {
		p := s.Participants[i]
		if p.Identity != w.identity || p.Role != w.role || p.Hidden != w.hidden || len(p.Joins) != len(w.joins) {
			t.Errorf("participant %d = %+v, want %+v", i, p, w)
			continue
		}
		for j, jl := range w.joins {
			got := p.Joins[j]
			if !got.Joined.Equal(at(jl[0])) || !got.Left.Equal(at(jl[1])) || got.LeaveReason != w.reasons[j] {
				t.Errorf("%s presence %d = %+v, want %v %s", p.Identity, j, got, jl, w.reasons[j])
			}
		}
	}

	m := onlySession(t, db, "mediation-7")
	if m.Kind != petitions.SessionMediation || m.Status != petitions.SessionEnded || m.EndReason != "shutdown" ||
		m.Participants[0].Joins[0].LeaveReason != "shutdown" || m.End.Before(m.Start) || m.Station != "st-shiqiao" {
		t.Errorf("session at shutdown = %+v", m)
	}

	var kinds []string
	for _, e := range ledgerEvents(t, db) {
		if e.CaseID != "" || e.Actor != petitions.SessionActor {
			t.Errorf("event %d: case %q, actor %q", e.Seq, e.CaseID, e.Actor)
		}
		kinds = append(kinds, e.Kind)
	}
	wantKinds := []string{"session.started", "session.ended", "session.started", "session.ended"}
	if len(kinds) != len(wantKinds) {
		t.Fatalf("events %v, want %v", kinds, wantKinds)
	}
	for i := range kinds {
		if kinds[i] != wantKinds[i] {
			t.Fatalf("events %v, want %v", kinds, wantKinds)
		}
	}
	if r, err := petitions.VerifyStore(context.Background(), db, nil); err != nil || !r.OK() {
		t.Fatalf("VerifyStore: %+v, %v", r, err)
	}
}

// A participant replaced by a newer join of the same identity keeps the
// session going, even alone.
func TestSessionRecorderReplaced(t *testing.T) {
	db := openLedger(t)
	r := petitions.NewSessionRecorder(db, nil)
	r.ParticipantJoined("hearing-2", villager, at(0))
	r.ParticipantLeft("hearing-2", "villager", "replaced", at(5))
	r.ParticipantJoined("hearing-2", villager, at(5))
	r.ParticipantLeft("hearing-2", "villager", "leave", at(9))
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s := onlySession(t, db, "hearing-2")
	if len(s.Participants) != 1 || len(s.Participants[0].Joins) != 2 || !s.End.Equal(at(9)) || s.Status != petitions.SessionEnded {
		t.Fatalf("session = %+v", s)
	}
}

// A mediation's caucus rooms (背对背) belong to its one session record:
// each presence says which room it was in, a move keeps the session going
// even when the moved party was alone, a leave reported after the rejoin
// it caused closes nothing, and the session ends when the last person of
// any room of the family leaves.
func TestSessionRecorderCaucus(t *testing.T) {
	db := openLedger(t)
	r := petitions.NewSessionRecorder(db, nil)
	main, caucus := "mediation-5", media.MainRoom("mediation-5")+"~caucus-1"
	if media.CaucusNumber(caucus) != 1 {
		t.Fatalf("%s is not a caucus room", caucus)
	}
	mediator := media.Participant{Identity: "mediator", Name: "调解员", Metadata: `{"role":"mediator","kind":"mediation"}`}
	r.ParticipantJoined(main, villager, at(0))
	r.ParticipantJoined(main, mediator, at(1))
	// The mediator takes the villager into the caucus room: the villager's
	// join there is reported before his leave of the main room.
	r.ParticipantJoined(caucus, villager, at(10))
	r.ParticipantLeft(main, "villager", "moved", at(10))
	r.ParticipantLeft(main, "mediator", "moved", at(11))
	r.ParticipantJoined(caucus, mediator, at(11))
	// The recorder takes facts in its own goroutine: wait for the session.
	for deadline := time.Now().Add(20 * time.Second); ; {
		if id, ok := r.LiveSession(caucus); ok && id != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("LiveSession(%s): no session: want the mediation's", caucus)
		}
		runtime.Gosched()
	}
	// Back to the joint session, then everyone leaves.
	r.ParticipantLeft(caucus, "villager", "moved", at(20))
	r.ParticipantJoined(main, villager, at(20))
	r.ParticipantLeft(caucus, "mediator", "moved", at(21))
	r.ParticipantJoined(main, mediator, at(21))
	r.ParticipantLeft(main, "villager", "leave", at(30))
	r.ParticipantLeft(main, "mediator", "leave", at(31))
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s := onlySession(t, db, main)
	if s.Kind != petitions.SessionMediation || s.Status != petitions.SessionEnded || !s.End.Equal(at(31)) {
		t.Fatalf("session = %+v", s)
	}
	rooms := func(identity string) []string {
		var out []string
		for _, p := range s.Participant(identity).Joins {
			out = append(out, fmt.Sprintf("%s %d-%d", p.Room, p.Joined.Sub(st0)/time.Second, p.Left.Sub(st0)/time.Second))
		}
		return out
	}
	if got, want := rooms("villager"), []string{" 0-10", caucus + " 10-20", " 20-30"}; !slices.Equal(got, want) {
		t.Errorf("villager's presences = %q, want %q", got, want)
	}
	if got, want := rooms("mediator"), []string{" 1-11", caucus + " 11-21", " 21-31"}; !slices.Equal(got, want) {
		t.Errorf("mediator's presences = %q, want %q", got, want)
	}
	if ss, err := db.Sessions(context.Background(), petitions.SessionFilter{Room: caucus}); err != nil || len(ss) != 0 {
		t.Errorf("the caucus room has sessions of its own: %v, %v", ss, err)
	}
	if k := petitions.SessionKindOf(caucus, mediator.Metadata); k != petitions.SessionCaucus {
		t.Errorf("SessionKindOf(%s) = %s, want caucus (the recording policy asks it)", caucus, k)
	}
}

// A station's room keeps a monitoring session while its kiosk watches; a
// hearing held there is a session record of its own, and the watch goes on
// after it in a new monitoring session, with a leader on the wall carried
// through all three.
func TestSessionRecorderTurns(t *testing.T) {
	db := openLedger(t)
	r := petitions.NewSessionRecorder(db, nil)
	room := "reception.st-shiqiao"
	watch := media.Participant{Identity: "terminal.k1", Name: "石桥村终端", Metadata: `{"role":"villager","station":"st-shiqiao","kind":"monitoring"}`}
	kiosk := media.Participant{Identity: "terminal.k1", Name: "石桥村终端", Metadata: `{"role":"villager","station":"st-shiqiao","kind":"hearing"}`}
	leader := media.Participant{Identity: "leader", Name: "县长", Hidden: true, Metadata: `{"role":"leader","kind":"monitoring"}`}
	official := media.Participant{Identity: "official", Name: "王明", Admin: true, Metadata: `{"role":"township","kind":"hearing","record":true}`}
	r.ParticipantJoined(room, watch, at(0))
	r.ParticipantJoined(room, leader, at(5))
	r.ParticipantLeft(room, "terminal.k1", "left", at(60)) // the kiosk takes its hearing seat
	r.ParticipantJoined(room, kiosk, at(60))
	r.ParticipantJoined(room, official, at(61))
	r.ParticipantLeft(room, "official", "left", at(300))
	r.ParticipantLeft(room, "terminal.k1", "left", at(310)) // back to its watch
	r.ParticipantJoined(room, watch, at(311))
	r.ParticipantLeft(room, "terminal.k1", "left", at(400))
	r.ParticipantLeft(room, "leader", "left", at(401))
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ss, err := db.Sessions(context.Background(), petitions.SessionFilter{Room: room})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ss, func(a, b *petitions.Session) int { return a.Start.Compare(b.Start) })
	var got []string
	for _, s := range ss {
		var who []string
		for _, p := range s.Participants {
			who = append(who, p.Identity)
		}
		got = append(got, fmt.Sprintf("%s %d-%d %s %v", s.Kind, s.Start.Sub(st0)/time.Second, s.End.Sub(st0)/time.Second, s.Status, who))
	}
	want := []string{
		"monitoring 0-60 ended [terminal.k1 leader]",
		"hearing 60-310 ended [leader terminal.k1 official]",
		"monitoring 310-401 ended [leader terminal.k1]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sessions:\n got %q\nwant %q", got, want)
	}
}

// Sessions a crashed server left live are marked interrupted at the next
// start, ending at their last recorded fact.
func TestSessionRecorderRecoverInterrupted(t *testing.T) {
	ctx := context.Background()
	db := openLedger(t)
	crashed := &petitions.Session{
		ID: "ses-crashed", Kind: petitions.SessionHearing, Room: "hearing-3", Start: at(0), Status: petitions.SessionLive,
		Participants: []petitions.SessionParticipant{
			{Identity: "official", Joins: []petitions.Presence{{Joined: at(0)}}},
			{Identity: "villager", Joins: []petitions.Presence{{Joined: at(2), Left: at(7), LeaveReason: "leave"}}},
		},
	}
	if err := db.SaveSession(ctx, crashed); err != nil {
		t.Fatal(err)
	}
	r := petitions.NewSessionRecorder(db, nil)
	defer r.Close(ctx)
	n, err := r.RecoverInterrupted(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RecoverInterrupted = %d, %v; want 1", n, err)
	}
	s, err := db.Session(ctx, "ses-crashed")
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != petitions.SessionInterrupted || !s.End.Equal(at(7)) ||
		!s.Participants[0].Joins[0].Left.Equal(at(7)) || s.Participants[0].Joins[0].LeaveReason != "interrupted" {
		t.Errorf("recovered session = %+v", s)
	}
	events := ledgerEvents(t, db)
	if len(events) != 1 || events[0].Kind != petitions.KindSessionEnded {
		t.Fatalf("events = %+v, want one %s", events, petitions.KindSessionEnded)
	}
	if n, err := r.RecoverInterrupted(ctx); err != nil || n != 0 {
		t.Errorf("second RecoverInterrupted = %d, %v; want 0", n, err)
	}
}

// A session linked to a case while live has its end recorded in the case.
func TestSessionRecorderLinkedWhileLive(t *testing.T) {
	ctx := context.Background()
	db := openLedger(t)
	p := &petitions.Petition{ID: "case-1", CaseNo: "230227-2026-00001", Kind: petitions.KindPetition, State: "registered", LeadUnit: "shiqiao"}
	reg := &petitions.Event{Kind: "registered", Actor: "张伟", ActorRole: "township_official", At: at(0)}
	if err := db.CreatePetition(ctx, p, reg); err != nil {
		t.Fatal(err)
	}
	r := petitions.NewSessionRecorder(db, nil)
	r.ParticipantJoined("hearing-4", villager, at(1))
	var s *petitions.Session
	deadline := time.Now().Add(10 * time.Second)
	for s == nil {
		list, _ := db.Sessions(ctx, petitions.SessionFilter{Room: "hearing-4"})
		if len(list) == 1 {
			s = list[0]
		} else if time.Now().After(deadline) {
			t.Fatal("the session was not saved")
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	link := &petitions.Event{Kind: petitions.KindSessionLinked, Actor: "张伟", ActorRole: "township_official", At: at(2),
		Data: json.RawMessage(`{"session":"` + s.ID + `"}`)}
	if err := db.LinkSession(ctx, s.ID, p.ID, link); err != nil {
		t.Fatalf("LinkSession: %v", err)
	}
	r.ParticipantLeft("hearing-4", "villager", "leave", at(3))
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Session(ctx, s.ID); err != nil || got.CaseID != p.ID || got.Status != petitions.SessionEnded {
		t.Fatalf("session = %+v, %v", got, err)
	}
	events, err := db.Events(ctx, p.ID)
	if err != nil || len(events) != 3 || events[2].Kind != petitions.KindSessionEnded {
		t.Fatalf("case events = %d, %v; want registered, linked, ended", len(events), err)
	}
}
