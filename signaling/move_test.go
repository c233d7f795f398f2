package signaling_test

import (
	"context"
	"testing"
	"time"

	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

const (
	mainRoom   = "mediation-7"
	caucusRoom = "mediation-7~caucus-1"
)

func mediator(room string) signaling.Grant {
	return signaling.Grant{Room: room, Identity: "mediator", Name: "调解员", Metadata: `{"role":"mediator"}`,
		CanPublish: true, CanSubscribe: true, Admin: true}
}

// dialToken joins with tok, publishing specs, starts media and closes at
// cleanup.
func (s *server) dialToken(t *testing.T, tok string, specs ...client.TrackSpec) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{URL: s.url, Token: tok, Publish: specs})
	if err != nil {
		t.Fatalf("join with a fresh token: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	c.StartMedia()
	return c
}

// moved waits for c's "moved" frame, checks that its session then ends with
// 4011 and that the token is c's grant for room, and rejoins with it.
func (s *server) moved(t *testing.T, c *client.Client, want signaling.Grant, room string) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	m, err := c.WaitEvent(ctx, client.IsType(client.TypeMoved))
	if err != nil {
		t.Fatal(err)
	}
	if m.Room != room || m.By != "mediator" {
		t.Errorf("%s: moved to %q by %q, want %q by mediator", c.Identity(), m.Room, m.By, room)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatalf("%s: the session did not end after moved", c.Identity())
	}
	if c.CloseStatus() != int(signaling.CloseMoved) {
		t.Errorf("%s: closed with %d, want %d", c.Identity(), c.CloseStatus(), signaling.CloseMoved)
	}
	g, err := keys.Verify(m.Token)
	if err != nil {
		t.Fatal(err)
	}
	want.Room = room
	g.Expires = time.Time{}
	if g != want {
		t.Errorf("moved token grant = %+v, want %+v", g, want)
	}
	return s.dialToken(t, m.Token, av...)
}

func peers(c *client.Client) []string {
	var ids []string
	for _, p := range c.Participants() {
		ids = append(ids, p.Identity)
	}
	return ids
}

// TestCaucus: the mediator takes party A into a caucus room and follows;
// party B, left in the main room, neither sees nor hears them, and they
// do not see or hear B; then everyone comes back to the joint session.
func TestCaucus(t *testing.T) {
	s := newServer(t)
	ga, gb := publisher(mainRoom, "party-a"), publisher(mainRoom, "party-b")
	med := s.join(t, mediator(mainRoom), av...)
	a := s.join(t, ga, av...)
	b := s.join(t, gb, av...)
	for _, c := range []*client.Client{med, a, b} {
		for _, from := range []string{"mediator", "party-a", "party-b"} {
			if from != c.Identity() {
				waitFor(t, c, "media from "+from, receiving(from, 20, "cam", "mic"))
			}
		}
	}

	ctx := t.Context()
	if err := med.Move(ctx, "party-a", caucusRoom); err != nil {
		t.Fatal(err)
	}
	a = s.moved(t, a, ga, caucusRoom)
	if a.Room() != caucusRoom || len(a.Participants()) != 0 {
		t.Errorf("party-a in %q with %v, want alone in %q", a.Room(), peers(a), caucusRoom)
	}
	if err := med.Move(ctx, "mediator", caucusRoom); err != nil {
		t.Fatal(err)
	}
	med = s.moved(t, med, mediator(mainRoom), caucusRoom)
	waitFor(t, b, "both gone from the main room", func(c *client.Client) bool { return len(c.Participants()) == 0 && len(c.Tracks()) == 0 })
	for _, m := range b.EventLog() {
		if m.Type == client.TypeLeftPeer && m.Reason != "moved" {
			t.Errorf("party-b told %s left for %q, want moved", m.ParticipantID, m.Reason)
		}
	}

	// In the caucus the two see and hear each other, and only each other.
	waitFor(t, a, "the mediator's media in the caucus", receiving("mediator", 50, "cam", "mic"))
	waitFor(t, med, "party-a's media in the caucus", receiving("party-a", 50, "cam", "mic"))
	if got := peers(med); len(got) != 1 || got[0] != "party-a" {
		t.Errorf("the mediator sees %v in the caucus, want party-a", got)
	}
	// B gets nothing of theirs while they talk, and they get nothing of B.
	bFromA, bFromMed := totalFrom(b, "party-a"), totalFrom(b, "mediator")
	if n := totalFrom(a, "party-b") + totalFrom(med, "party-b"); n != 0 {
		t.Errorf("the caucus received %d packets of party-b", n)
	}
	in := s.sfu.Stats().PacketsIn
	waitFor(t, a, "the caucus to go on", func(c *client.Client) bool {
		return s.sfu.Stats().PacketsIn > in+400 && totalFrom(c, "mediator") > 200
	})
	if n := totalFrom(b, "party-a") - bFromA + totalFrom(b, "mediator") - bFromMed; n > 0 {
		t.Errorf("party-b received %d packets of the caucus", n)
	}
	if n := totalFrom(a, "party-b") + totalFrom(med, "party-b"); n != 0 {
		t.Errorf("the caucus received %d packets of party-b", n)
	}

	// Back to the joint session: the mediator brings A back from the
	// caucus, then goes back himself.
	if err := med.Move(ctx, "party-a", mainRoom); err != nil {
		t.Fatal(err)
	}
	a = s.moved(t, a, ga, mainRoom)
	if err := med.Move(ctx, "mediator", mainRoom); err != nil {
		t.Fatal(err)
	}
	med = s.moved(t, med, mediator(mainRoom), mainRoom)
	for _, c := range []*client.Client{med, a, b} {
		for _, from := range []string{"mediator", "party-a", "party-b"} {
			if from != c.Identity() {
				waitFor(t, c, "media from "+from+" in the joint session", receiving(from, 20, "cam", "mic"))
			}
		}
	}
}

// TestMoveRefused: moving needs the admin grant, a known participant and a
// room of the family; a refusal changes nothing.
func TestMoveRefused(t *testing.T) {
	s := newServer(t)
	med := s.join(t, mediator(mainRoom))
	a := s.join(t, publisher(mainRoom, "party-a"))
	elsewhere := s.join(t, publisher("mediation-8", "party-c"))
	ctx := t.Context()

	if err := a.Move(ctx, "party-a", caucusRoom); err != nil {
		t.Fatal(err)
	}
	waitFor(t, a, "forbidden", lastError(signaling.CodeForbidden))
	for _, tc := range []struct{ who, room, code string }{
		{"nobody", caucusRoom, signaling.CodeNotFound},
		{"party-c", "mediation-8~caucus-1", signaling.CodeBadRoom}, // another mediation's family
		{"party-c", caucusRoom, signaling.CodeNotFound},            // not in this family
		{"party-a", "mediation-8", signaling.CodeBadRoom},
		{"party-a", "mediation-7~caucus-10", signaling.CodeBadRoom},
		{"party-a", "mediation-7~caucus-x", signaling.CodeBadRoom},
		{"party-a", "mediation-7~caucus-01", signaling.CodeBadRoom},
		{"party-a", "mediation-7~caucus-1~caucus-1", signaling.CodeBadRoom},
		{"party-a", mainRoom, signaling.CodeBadRoom}, // already there
		{"party-a", "", signaling.CodeMissingField},
	} {
		if err := med.Move(ctx, tc.who, tc.room); err != nil {
			t.Fatal(err)
		}
		if _, err := med.WaitEvent(ctx, client.IsType(client.TypeError)); err != nil {
			t.Fatal(err)
		}
		if got := lastErrorCode(med); got != tc.code {
			t.Errorf("move %s to %q: error %q, want %q", tc.who, tc.room, got, tc.code)
		}
	}
	// Nothing changed: everyone is where they were, and still connected.
	for _, c := range []*client.Client{med, a, elsewhere} {
		select {
		case <-c.Done():
			t.Errorf("%s's session ended", c.Identity())
		default:
		}
		for _, m := range c.EventLog() {
			if m.Type == client.TypeMoved {
				t.Errorf("%s was moved", c.Identity())
			}
		}
	}
	if got := peers(med); len(got) != 1 || got[0] != "party-a" {
		t.Errorf("the mediator sees %v, want party-a", got)
	}
}

func lastErrorCode(c *client.Client) string {
	log := c.EventLog()
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Type == client.TypeError {
			return log[i].Code
		}
	}
	return ""
}

// TestWaitingRoom: a waiting party joins subscribe-only and is announced as
// waiting; it may not publish; only an admin may admit it; once admitted
// it publishes and the others receive it.
func TestWaitingRoom(t *testing.T) {
	s := newServer(t)
	med := s.join(t, mediator(mainRoom), av...)
	b := s.join(t, publisher(mainRoom, "party-b"), av...)
	gw := signaling.Grant{Room: mainRoom, Identity: "party-w", Name: "等候", CanSubscribe: true, Waiting: true}
	w := s.join(t, gw)
	if !w.You().Waiting || w.You().Publisher {
		t.Errorf("the waiting party joined as %+v", w.You())
	}
	waitFor(t, med, "party-w announced as waiting", func(c *client.Client) bool {
		for _, p := range c.Participants() {
			if p.Identity == "party-w" {
				return p.Waiting && !p.Publisher
			}
		}
		return false
	})
	// It hears the room while it waits.
	waitFor(t, w, "the mediator's media", receiving("mediator", 20, "cam", "mic"))

	// Publishing before admission is refused.
	ctx := t.Context()
	early, err := client.Dial(ctx, client.Options{URL: s.url, Token: token(t, signaling.Grant{
		Room: mainRoom, Identity: "party-x", CanSubscribe: true, CanPublish: true, Waiting: true}), Publish: av})
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	if _, err := early.WaitEvent(ctx, client.IsError(signaling.CodePublishNotAllowed)); err != nil {
		t.Fatal(err)
	}
	early.Close()

	// Refusals: not an admin, nobody, not waiting.
	if err := w.Admit(ctx, "party-w"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, w, "forbidden", lastError(signaling.CodeForbidden))
	if err := b.Admit(ctx, "party-w"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, "forbidden", lastError(signaling.CodeForbidden))
	if err := med.Admit(ctx, "nobody"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, med, "not-found", lastError(signaling.CodeNotFound))
	if err := med.Admit(ctx, "party-b"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, med, "not-waiting", lastError(signaling.CodeNotWaiting))
	for _, m := range w.EventLog() {
		if m.Type == client.TypeAdmitted {
			t.Fatal("admitted by a refused request")
		}
	}

	if err := med.Admit(ctx, "party-w"); err != nil {
		t.Fatal(err)
	}
	m, err := w.WaitEvent(ctx, client.IsType(client.TypeAdmitted))
	if err != nil {
		t.Fatal(err)
	}
	if m.By != "mediator" || m.Room != mainRoom {
		t.Errorf("admitted by %q in %q", m.By, m.Room)
	}
	g, err := keys.Verify(m.Token)
	if err != nil {
		t.Fatal(err)
	}
	if g.Waiting || !g.CanPublish || g.Identity != "party-w" || g.Room != mainRoom || g.Name != gw.Name {
		t.Errorf("admitted token grant = %+v", g)
	}
	waitFor(t, b, "party-w shown admitted", func(c *client.Client) bool {
		for _, p := range c.Participants() {
			if p.Identity == "party-w" {
				return !p.Waiting && p.Publisher
			}
		}
		return false
	})
	// Admitting twice is refused.
	if err := med.Admit(ctx, "party-w"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, med, "not-waiting", lastError(signaling.CodeNotWaiting))

	// Its session may now publish: it offers its tracks on the same session.
	waitFor(t, w, "party-b's media", receiving("party-b", 20, "cam", "mic"))
	if err := w.Publish(ctx, av...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, med, "party-w's media", receiving("party-w", 20, "cam", "mic"))
	waitFor(t, b, "party-w's media", receiving("party-w", 20, "cam", "mic"))
}
