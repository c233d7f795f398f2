package petitions

import (
	"context"
	"sync"
	"testing"
	"time"

	"hearingroom/media"
)

// stuckStore blocks every session write until released, as a ledger
// database that hangs would.
type stuckStore struct {
	Store
	release chan struct{}
}

func (s stuckStore) SaveSession(ctx context.Context, _ *Session) error {
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	return nil
}

func (s stuckStore) AppendEvent(context.Context, *Event) error { return nil }

func TestSessionRecorderNeverBlocks(t *testing.T) {
	store := stuckStore{release: make(chan struct{})}
	r := newSessionRecorder(store, nil, 2)
	begin := time.Now()
	for i := range 50 {
		r.ParticipantJoined("hearing-1", media.Participant{Identity: "p"}, time.Now())
		r.ParticipantLeft("hearing-1", "p", "leave", time.Now())
		_ = i
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("100 facts took %v with the store stuck", d)
	}
	// One fact in the goroutine, two queued: the rest are dropped.
	if got := r.Dropped(); got < 97 || got > 98 {
		t.Errorf("Dropped = %d, want 97 or 98", got)
	}
	close(store.release)
	if err := r.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	r.ParticipantJoined("hearing-1", media.Participant{Identity: "late"}, time.Now())
	if got := r.Dropped(); got < 98 {
		t.Errorf("a fact after Close was not dropped: Dropped = %d", got)
	}
}

func TestSessionKindAndMetadata(t *testing.T) {
	for room, want := range map[string]SessionKind{
		"hearing-1": SessionHearing, "mediation-7": SessionMediation, "Caucus-7a": SessionCaucus,
		"monitor-st-shiqiao": SessionMonitoring, "monitoring-1": SessionMonitoring, "st-shiqiao": SessionHearing,
	} {
		if got := sessionKind(room, ""); got != want {
			t.Errorf("sessionKind(%q) = %s, want %s", room, got, want)
		}
	}
	if got := sessionKind("hearing-1", "caucus"); got != SessionCaucus {
		t.Errorf("metadata kind ignored: %s", got)
	}
	if got := sessionKind("hearing-1", "party"); got != SessionHearing {
		t.Errorf("an unknown metadata kind chose %s", got)
	}
	for md, want := range map[string]participantMetadata{
		`{"role":"official","station":"st-shiqiao"}`:         {role: "official", station: "st-shiqiao"},
		`{"ROLE":" mediator ","kind":"Mediation","x":[1,2]}`: {role: "mediator", kind: "mediation"},
		`{"role":3}`: {}, `official`: {}, ``: {}, `[1]`: {},
	} {
		if got := parseParticipantMetadata(md); got != want {
			t.Errorf("parseParticipantMetadata(%q) = %+v, want %+v", md, got, want)
		}
	}
}

// Close gives up on a stuck store when its context ends.
func TestSessionRecorderCloseTimeout(t *testing.T) {
	r := newSessionRecorder(stuckStore{release: make(chan struct{})}, nil, 4)
	r.ParticipantJoined("hearing-1", media.Participant{Identity: "p"}, time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	begin := time.Now()
	if err := r.Close(ctx); err != context.DeadlineExceeded {
		t.Errorf("Close = %v, want %v", err, context.DeadlineExceeded)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
}

// savedStore keeps the last saved copy of each session.
type savedStore struct {
	Store
	mu       sync.Mutex
	sessions map[string]Session
}

func (s *savedStore) SaveSession(_ context.Context, ss *Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[ss.ID] = *ss.Clone()
	return nil
}

func (s *savedStore) AppendEvent(context.Context, *Event) error { return nil }

// TestSessionRecorderMoveNobodyArrives: both parties are moved out of the
// mediation room and neither screen arrives in the caucus room. After the
// grace the session ends, as of the last move, instead of staying live.
func TestSessionRecorderMoveNobodyArrives(t *testing.T) {
	store := &savedStore{sessions: map[string]Session{}}
	r := newSessionRecorder(store, nil, 16)
	r.moveGrace = 50 * time.Millisecond
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	r.ParticipantJoined("mediation-9", media.Participant{Identity: "villager", Metadata: `{"kind":"mediation"}`}, t0)
	r.ParticipantJoined("mediation-9", media.Participant{Identity: "mediator", Metadata: `{"kind":"mediation"}`}, t0.Add(time.Second))
	r.ParticipantLeft("mediation-9", "villager", "moved", t0.Add(10*time.Second))
	r.ParticipantLeft("mediation-9", "mediator", "moved", t0.Add(11*time.Second))
	ended := func() (Session, bool) {
		store.mu.Lock()
		defer store.mu.Unlock()
		for _, s := range store.sessions {
			return s, s.Status == SessionEnded
		}
		return Session{}, false
	}
	var s Session
	for deadline, done := time.Now().Add(20*time.Second), false; !done; {
		if s, done = ended(); !done && time.Now().After(deadline) {
			t.Fatalf("the session stayed live after the grace: %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !s.End.Equal(t0.Add(11*time.Second)) || s.EndReason != "moved" {
		t.Errorf("session %+v: want ended at the last move", s)
	}
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
