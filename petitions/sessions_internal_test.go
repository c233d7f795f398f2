package petitions

import (
	"context"
	"regexp"
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
	id := newSessionID(time.Now())
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("newSessionID = %q, not a UUIDv7", id)
	}
	if a, b := newSessionID(time.Unix(1, 0)), newSessionID(time.Unix(2, 0)); a >= b {
		t.Errorf("ids do not sort by time: %s, %s", a, b)
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
