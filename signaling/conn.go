package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"hearingroom/media"
	"hearingroom/media/sfu"
)

// Timers and limits of a connection; see docs/signaling.md.
const (
	writeTimeout  = 10 * time.Second
	maxBadFrames  = 20
	outQueueDepth = 256
)

// Close codes of the protocol.
const (
	CloseUnauthorized  websocket.StatusCode = 4001
	CloseRoomForbidden websocket.StatusCode = 4003
	CloseTimeout       websocket.StatusCode = 4008
	CloseRemoved       websocket.StatusCode = 4009
	CloseTooManyErrors websocket.StatusCode = 4010
)

// conn is one client's session. Its run loop owns all state but the
// outgoing queue, which the SFU fills through the sfu.Listener methods.
type conn struct {
	h      *Handler
	ws     *websocket.Conn
	remote string
	p      *sfu.Participant

	mu       sync.Mutex
	out      chan []byte // marshaled frames, in order
	outDone  bool
	overflow chan struct{}
	joined   bool      // the "joined" frame has been queued
	early    []Message // events that came before it
	grant    Grant     // of the join; an admission lifts Waiting
}

func newConn(h *Handler, ws *websocket.Conn, remote string) *conn {
	return &conn{h: h, ws: ws, remote: remote, out: make(chan []byte, outQueueDepth), overflow: make(chan struct{})}
}

type inFrame struct {
	data []byte
	err  error
}

func (c *conn) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in := make(chan inFrame, 16)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.readLoop(ctx, in) }()
	writerDone := make(chan struct{})
	go func() { defer wg.Done(); defer close(writerDone); c.writeLoop(ctx) }()

	code, reason := c.loop(ctx, in)

	if c.p != nil {
		c.p.Close(leaveReason(code, reason))
	}
	c.closeOut()
	select { // let queued frames (an error, "removed", "closing") go out first
	case <-writerDone:
	case <-time.After(writeTimeout):
	}
	_ = c.ws.Close(code, reason)
	cancel()
	wg.Wait()
}

func leaveReason(code websocket.StatusCode, reason string) string {
	switch code {
	case CloseTimeout:
		return "timeout"
	case CloseRemoved, CloseMoved:
		return reason
	case websocket.StatusGoingAway:
		return "shutdown"
	case websocket.StatusNormalClosure:
		if reason == "leave" {
			return "left"
		}
	}
	return "closed"
}

// loop handles frames until the session ends, and returns the close code.
func (c *conn) loop(ctx context.Context, in <-chan inFrame) (websocket.StatusCode, string) {
	joinTimer := time.NewTimer(c.h.JoinTimeout)
	defer joinTimer.Stop()
	ping := time.NewTicker(c.h.PingInterval)
	defer ping.Stop()
	lastHeard := time.Now()
	bad := 0
	var pDone <-chan struct{}
	for {
		select {
		case f := <-in:
			if f.err != nil {
				switch websocket.CloseStatus(f.err) {
				case websocket.StatusMessageTooBig:
					return websocket.StatusMessageTooBig, "frame too large"
				case websocket.StatusUnsupportedData:
					return websocket.StatusUnsupportedData, "binary frames are not accepted"
				}
				return websocket.StatusNormalClosure, "closed" // the client went away
			}
			lastHeard = time.Now()
			m, err := Decode(f.data)
			if err != nil {
				c.sendError(err, "")
				if bad++; bad > maxBadFrames {
					return CloseTooManyErrors, "too many malformed frames"
				}
				continue
			}
			bad = 0
			if code, reason, end := c.handle(m); end {
				return code, reason
			}
			if c.p != nil && pDone == nil {
				pDone = c.p.Done()
				joinTimer.Stop()
			}
		case <-joinTimer.C:
			if c.p == nil {
				return CloseTimeout, "no join in time"
			}
		case <-ping.C:
			if time.Since(lastHeard) > c.h.DeadAfter {
				return CloseTimeout, "silent for too long"
			}
			c.send(Message{Type: "ping"})
		case <-pDone:
			switch r := c.p.CloseReason(); r {
			case "removed", "replaced":
				return CloseRemoved, r
			case "moved":
				return CloseMoved, r
			case "shutdown":
				c.send(Message{Type: "closing", Reason: "shutdown"})
				return websocket.StatusGoingAway, "shutdown"
			default:
				return websocket.StatusNormalClosure, r
			}
		case <-c.h.shutdown:
			c.send(Message{Type: "closing", Reason: "shutdown"})
			return websocket.StatusGoingAway, "shutdown"
		case <-c.overflow:
			return websocket.StatusPolicyViolation, "client too slow"
		case <-ctx.Done():
			return websocket.StatusGoingAway, "closed"
		}
	}
}

// handle acts on one valid frame; end is true when the session must close.
func (c *conn) handle(m Message) (code websocket.StatusCode, reason string, end bool) {
	switch m.Type {
	case "ping":
		c.send(Message{Type: "pong"})
		return 0, "", false
	case "pong":
		return 0, "", false
	case "join":
		if c.p != nil {
			c.sendError(protoErr(CodeAlreadyJoined, "this socket has joined already"), m.Type)
			return 0, "", false
		}
		return c.join(m)
	}
	if c.p == nil {
		c.sendError(protoErr(CodeNotJoined, "send join first"), m.Type)
		return 0, "", false
	}
	var err error
	switch m.Type {
	case "leave":
		return websocket.StatusNormalClosure, "leave", true
	case "offer":
		err = c.p.HandleOffer(m.SDP)
		if errors.Is(err, sfu.ErrGlare) {
			err = nil // the client rolls back and answers ours
		}
	case "answer":
		err = c.p.HandleAnswer(m.SDP)
	case "candidate":
		err = c.p.AddCandidate(*m.Candidate)
	case "layer":
		q, _ := media.ParseQuality(m.Quality)
		track, _ := m.trackRef()
		err = c.p.SetLayer(track, q)
	case "mute":
		who, _ := m.participantRef()
		track, _ := m.trackRef()
		err = c.p.SetMuted(who, track, *m.Muted)
	case "remove":
		who, _ := m.participantRef()
		err = c.p.Remove(who)
	case "move":
		err = c.move(m)
	case "admit":
		err = c.admit(m)
	}
	if err != nil {
		c.sendError(err, m.Type)
	}
	return 0, "", false
}

func (c *conn) join(m Message) (websocket.StatusCode, string, bool) {
	g, err := c.h.keys.Verify(m.Token)
	if err != nil {
		c.sendError(protoErr(CodeUnauthorized, "%v", err), m.Type)
		return CloseUnauthorized, "unauthorized", true
	}
	if m.Room != "" && m.Room != g.Room {
		c.sendError(protoErr(CodeRoomForbidden, "the token is for another room"), m.Type)
		return CloseRoomForbidden, "room forbidden", true
	}
	c.mu.Lock()
	c.grant = g
	c.mu.Unlock()
	info := media.Participant{Identity: g.Identity, Name: g.Name, Metadata: g.Metadata, Admin: g.Admin, Hidden: g.Hidden}
	p, err := c.h.sfu.Join(g.Room, sfu.JoinOptions{Participant: info, CanPublish: g.CanPublish, CanSubscribe: g.CanSubscribe, Waiting: g.Waiting}, c)
	if err != nil {
		c.h.log.Error("signaling: join", "room", g.Room, "identity", g.Identity, "err", err)
		return websocket.StatusInternalError, "join failed", true
	}
	c.p = p
	you := p.Info()
	others, tracks := p.Others()
	// Read after the participant is in the room: a change from here on also
	// arrives as a "recording" event, queued after "joined".
	recording := p.Room().Recording()
	c.mu.Lock()
	c.joined = true
	early := c.early
	c.early = nil
	c.mu.Unlock()
	c.send(Message{Type: "joined", Room: g.Room, You: &you, Participants: others, Tracks: tracks, Recording: &recording})
	for _, e := range early {
		c.send(e)
	}
	c.h.log.Info("signaling: joined", "room", g.Room, "identity", g.Identity, "hidden", g.Hidden, "waiting", g.Waiting, "remote", c.remote)
	return 0, "", false
}

// sendError maps err to an "error" frame.
func (c *conn) sendError(err error, ref string) {
	var pe *ProtocolError
	code, text := "", err.Error()
	switch {
	case errors.As(err, &pe):
		code, text = pe.Code, pe.Message
	case errors.Is(err, sfu.ErrBadSDP):
		code = CodeBadSDP
	case errors.Is(err, sfu.ErrPublishNotAllowed):
		code = CodePublishNotAllowed
	case errors.Is(err, sfu.ErrNoRemote):
		code = CodeNoRemote
	case errors.Is(err, sfu.ErrBadCandidate):
		code = CodeBadCandidate
	case errors.Is(err, sfu.ErrNoOfferPending):
		code = CodeNoOfferPending
	case errors.Is(err, sfu.ErrForbidden):
		code = CodeForbidden
	case errors.Is(err, sfu.ErrNotFound):
		code = CodeNotFound
	default:
		code = "internal"
		c.h.log.Error("signaling: request failed", "ref", ref, "err", err)
		text = "internal error"
	}
	c.send(Message{Type: "error", Code: code, Text: text, Ref: ref})
}

// send queues a frame. A client that cannot keep up is disconnected rather
// than allowed to hold memory or block the SFU.
func (c *conn) send(m Message) {
	b, err := json.Marshal(m)
	if err != nil {
		c.h.log.Error("signaling: marshal", "type", m.Type, "err", err)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.outDone {
		return
	}
	select {
	case c.out <- b:
	default:
		c.outDone = true
		close(c.out)
		close(c.overflow)
	}
}

func (c *conn) closeOut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.outDone {
		c.outDone = true
		close(c.out)
	}
}

// event queues a room event, holding it back until "joined" is queued.
func (c *conn) event(m Message) {
	c.mu.Lock()
	if !c.joined {
		c.early = append(c.early, m)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.send(m)
}

// SendOffer, SendAnswer, SendCandidate and SendEvent implement sfu.Listener.
func (c *conn) SendOffer(sdp string)  { c.send(Message{Type: "offer", SDP: sdp}) }
func (c *conn) SendAnswer(sdp string) { c.send(Message{Type: "answer", SDP: sdp}) }
func (c *conn) SendCandidate(ci webrtc.ICECandidateInit) {
	c.send(Message{Type: "candidate", Candidate: &ci})
}
func (c *conn) SendEvent(e sfu.Event) {
	m := Message{Type: e.Type, Reason: e.Reason, By: e.By}
	if e.Participant != nil {
		m.Participant = raw(e.Participant)
	}
	if e.Track != nil {
		m.Track = raw(e.Track)
	}
	switch e.Type {
	case "muted":
		muted := e.Muted
		m.Muted = &muted
	case "recording":
		recording := e.Recording
		m.Recording = &recording
	}
	c.event(m)
}

func (c *conn) readLoop(ctx context.Context, in chan<- inFrame) {
	for {
		typ, data, err := c.ws.Read(ctx)
		if err == nil && typ == websocket.MessageBinary {
			err = websocket.CloseError{Code: websocket.StatusUnsupportedData}
		}
		select {
		case in <- inFrame{data: data, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

func (c *conn) writeLoop(ctx context.Context) {
	for b := range c.out {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := c.ws.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			// Keep draining so senders never block; the loop ends the session.
			for range c.out {
			}
			return
		}
	}
}
