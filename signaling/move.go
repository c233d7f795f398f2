package signaling

import (
	"time"

	"github.com/coder/websocket"

	"hearingroom/media"
	"hearingroom/media/sfu"
)

// CloseMoved closes the socket of a participant moved to another room of
// its family, after the "moved" frame: the client joins that room on a new
// socket with the token the frame carries.
const CloseMoved websocket.StatusCode = 4011

// minRejoin is the least time a token minted for a move or an admission is
// valid, even when the token it replaces is about to expire: the client
// needs it to rejoin at once.
const minRejoin = time.Minute

// grantOf returns the grant c joined with, as admissions since changed it.
func (c *conn) grantOf() Grant {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.grant
}

// familyMember returns the participant of identity in c's family of rooms
// (its main room and the caucus rooms, see media.FamilyRooms), and its
// connection.
func (c *conn) familyMember(identity string) (*sfu.Participant, *conn, error) {
	p := c.h.sfu.Family(media.MainRoom(c.p.Room().Name()), identity)
	if p == nil {
		return nil, nil, protoErr(CodeNotFound, "no participant %q in this room or its caucus rooms", truncate(identity, 64))
	}
	other, ok := p.Listener().(*conn)
	if !ok {
		return nil, nil, protoErr(CodeNotFound, "participant %q cannot be moderated", truncate(identity, 64))
	}
	return p, other, nil
}

// move handles "move": a room admin sends a participant of the family
// (himself included) to room, its main room or one of its caucus rooms.
// The participant is told "moved" with a token for room and leaves; its
// client joins room with that token on a new socket.
func (c *conn) move(m Message) error {
	if !c.grantOf().Admin {
		return protoErr(CodeForbidden, "moving needs the room admin grant")
	}
	here := c.p.Room().Name()
	if !media.SameFamily(m.Room, here) || (m.Room != media.MainRoom(here) && media.CaucusNumber(m.Room) == 0) {
		return protoErr(CodeBadRoom, "%q is neither this room nor one of its caucus rooms", truncate(m.Room, 80))
	}
	who, _ := m.participantRef()
	p, target, err := c.familyMember(who)
	if err != nil {
		return err
	}
	from := p.Room().Name()
	if from == m.Room {
		return protoErr(CodeBadRoom, "%s is in %s already", who, m.Room)
	}
	g := target.grantOf()
	g.Room = m.Room
	tok, err := c.h.keys.Mint(g, rejoinTTL(g.Expires))
	if err != nil {
		return err
	}
	by := c.grantOf().Identity
	// Held back, like room events, until the target's "joined" is queued.
	target.event(Message{Type: "moved", Room: m.Room, Token: tok, By: by})
	c.h.log.Info("signaling: moved", "identity", who, "from", from, "to", m.Room, "by", by)
	p.Close("moved")
	return nil
}

// admit handles "admit": a room admin lets a waiting participant of the
// family publish. The participant is told "admitted", with a token that
// no longer makes it wait (for a rejoin or a move); the others in its room
// get "participant-updated".
func (c *conn) admit(m Message) error {
	if !c.grantOf().Admin {
		return protoErr(CodeForbidden, "admitting needs the room admin grant")
	}
	who, _ := m.participantRef()
	p, target, err := c.familyMember(who)
	if err != nil {
		return err
	}
	if !p.Waiting() {
		return protoErr(CodeNotWaiting, "%s is not waiting", who)
	}
	target.mu.Lock()
	g := target.grant
	g.Waiting, g.CanPublish = false, true
	target.mu.Unlock()
	tok, err := c.h.keys.Mint(g, rejoinTTL(g.Expires))
	if err != nil {
		return err
	}
	by := c.grantOf().Identity
	if !p.Admit(by) {
		return protoErr(CodeNotWaiting, "%s is not waiting", who)
	}
	target.mu.Lock()
	target.grant = g
	target.mu.Unlock()
	target.event(Message{Type: "admitted", Room: p.Room().Name(), Token: tok, By: by})
	c.h.log.Info("signaling: admitted", "identity", who, "room", p.Room().Name(), "by", by)
	return nil
}

// rejoinTTL is how long a token replacing one that expires at exp is valid.
func rejoinTTL(exp time.Time) time.Duration {
	return max(time.Until(exp), minRejoin)
}

var _ sfu.Listener = (*conn)(nil)
