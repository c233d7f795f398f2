package client

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
)

// setupPeer creates the PeerConnection, adds the published tracks and sends
// the first offer.
func (c *Client) setupPeer(ctx context.Context) error {
	api := c.opts.API
	if api == nil {
		var err error
		if api, err = NewAPI(c.log); err != nil {
			return err
		}
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return fmt.Errorf("client: new peer connection: %w", err)
	}
	c.pc = pc
	pc.OnICECandidate(c.onLocalCandidate)
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		c.log.Debug("peer connection", "state", s)
		if s == webrtc.PeerConnectionStateConnected {
			c.connectedOnce.Do(func() { close(c.connected) })
		}
	})
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s != webrtc.ICEConnectionStateNew {
			c.iceStartedOnce.Do(func() { close(c.iceStarted) })
		}
	})
	pc.OnTrack(c.onTrack)
	for _, spec := range c.opts.Publish {
		if err := c.addPublished(spec); err != nil {
			return err
		}
	}
	if len(c.pubs) == 0 {
		if _, err := pc.CreateDataChannel("hr", nil); err != nil {
			return fmt.Errorf("client: data channel: %w", err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("client: create offer: %w", err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		return fmt.Errorf("client: set local offer: %w", err)
	}
	c.log.Debug("offer", "sdp", offer.SDP)
	if err := c.configureSimulcast(offer.SDP, c.pubs); err != nil {
		return err
	}
	if err := c.Send(ctx, Message{Type: TypeOffer, SDP: offer.SDP}); err != nil {
		return err
	}
	// Flush the candidates gathered meanwhile, in order, until none is left.
	for {
		c.mu.Lock()
		pending := c.pendingLocal
		c.pendingLocal = nil
		c.offerSent = len(pending) == 0
		c.mu.Unlock()
		if len(pending) == 0 {
			break
		}
		for _, cand := range pending {
			if err := c.Send(ctx, Message{Type: TypeCandidate, Candidate: &cand}); err != nil {
				return err
			}
		}
	}
	c.startRTCPReaders(c.pubs)
	return nil
}

// onLocalCandidate trickles a local candidate, or end-of-candidates (an
// empty candidate) when gathering completes. Candidates gathered before the
// offer went out wait for it.
func (c *Client) onLocalCandidate(cand *webrtc.ICECandidate) {
	init := webrtc.ICECandidateInit{}
	if cand != nil {
		init = cand.ToJSON()
	}
	c.log.Debug("local candidate", "candidate", init.Candidate)
	c.mu.Lock()
	if !c.offerSent {
		c.pendingLocal = append(c.pendingLocal, init)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.sendOwn(Message{Type: TypeCandidate, Candidate: &init})
}

// readLoop reads and handles the server's frames until the socket closes,
// then ends the session.
func (c *Client) readLoop() {
	defer c.shutdown()
	for {
		m, err := c.readFrame(c.ctx)
		if err != nil {
			code := int(websocket.CloseStatus(err))
			c.mu.Lock()
			if code >= 0 {
				c.closeCode, c.closeReason = code, closeReason(err)
			}
			c.mu.Unlock()
			if code < 0 && c.ctx.Err() == nil {
				c.log.Debug("socket ended", "err", err)
			}
			return
		}
		c.handle(m)
	}
}

func (c *Client) handle(m Message) {
	switch m.Type {
	case TypeOffer:
		c.onServerOffer(m)
	case TypeAnswer:
		c.onAnswer(m)
	case TypeCandidate:
		c.onRemoteCandidate(m)
	case TypePing:
		c.sendOwn(Message{Type: TypePong})
	default:
		c.applyEvent(m)
		c.pushEvent(m)
	}
}

func (c *Client) onServerOffer(m Message) {
	// pion starts ICE asynchronously after SetRemoteDescription(answer); an
	// offer applied before the agent has the remote credentials looks like
	// an ICE restart to pion, which then regathers with a new ufrag (and the
	// server drops those candidates). The server offers right after its
	// answer when there are tracks to send, so wait for ICE to start.
	select {
	case <-c.iceStarted:
	case <-c.ctx.Done():
		return
	case <-time.After(c.timeout):
		c.log.Warn("ICE not started before a server offer")
	}
	c.negMu.Lock()
	defer c.negMu.Unlock()
	err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: m.SDP})
	if err != nil {
		c.localError(TypeOffer, fmt.Errorf("set remote offer: %w", err))
		return
	}
	c.flushRemoteCandidates()
	answer, err := c.pc.CreateAnswer(nil)
	if err != nil {
		c.localError(TypeOffer, fmt.Errorf("create answer: %w", err))
		return
	}
	if err := c.pc.SetLocalDescription(answer); err != nil {
		c.localError(TypeOffer, fmt.Errorf("set local answer: %w", err))
		return
	}
	c.sendOwn(Message{Type: TypeAnswer, SDP: answer.SDP})
}

func (c *Client) onAnswer(m Message) {
	c.negMu.Lock()
	defer c.negMu.Unlock()
	err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: m.SDP})
	if err != nil {
		c.localError(TypeAnswer, fmt.Errorf("set remote answer: %w", err))
		return
	}
	c.flushRemoteCandidates()
}

func (c *Client) onRemoteCandidate(m Message) {
	if m.Candidate == nil || m.Candidate.Candidate == "" {
		return // end of candidates
	}
	if c.pc.RemoteDescription() == nil {
		c.pendingRemote = append(c.pendingRemote, *m.Candidate)
		return
	}
	if err := c.pc.AddICECandidate(*m.Candidate); err != nil {
		c.localError(TypeCandidate, fmt.Errorf("add candidate %q: %w", m.Candidate.Candidate, err))
	}
}

func (c *Client) flushRemoteCandidates() {
	pending := c.pendingRemote
	c.pendingRemote = nil
	for _, cand := range pending {
		if err := c.pc.AddICECandidate(cand); err != nil {
			c.localError(TypeCandidate, fmt.Errorf("add candidate %q: %w", cand.Candidate, err))
		}
	}
}

// localError records a server frame the client could not apply, as a
// TypeClientError event.
// Failures after Close began, or once the PeerConnection has closed (pion
// closes it on the server's DTLS close_notify), are only logged: a frame
// crossing a leave is no fault.
func (c *Client) localError(ref string, err error) {
	if c.leaving.Load() || (c.pc != nil && c.pc.ConnectionState() == webrtc.PeerConnectionStateClosed) {
		c.log.Debug("server frame not applied while closing", "ref", ref, "err", err)
		return
	}
	c.log.Warn("cannot apply server frame", "ref", ref, "err", err)
	c.pushEvent(Message{Type: TypeClientError, Ref: ref, Message: err.Error()})
}

// shutdown ends the session: no new goroutines, media stops, the socket and
// the PeerConnection close, then Done is closed.
func (c *Client) shutdown() {
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
	c.cancel()
	c.ws.CloseNow()
	if err := c.pc.GracefulClose(); err != nil {
		c.log.Debug("close peer connection", "err", err)
	}
	c.wg.Wait()
	close(c.done)
}

// applyEvent updates the room state from a server frame.
func (c *Client) applyEvent(m Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m.Type {
	case TypeJoined:
		for _, p := range m.Participants {
			c.participants[p.Identity] = p
		}
		for _, t := range m.Tracks {
			c.tracks[trackKey(t)] = t
		}
		c.recording = m.Recording
	case TypeRecording:
		c.recording = m.Recording
	case TypeJoinedPeer, TypeUpdatedPeer:
		if m.Participant != nil {
			c.participants[m.Participant.Identity] = *m.Participant
		}
	case TypeLeftPeer:
		delete(c.participants, m.ParticipantID)
	case TypePublished, TypeUpdated:
		if m.Track == nil {
			break
		}
		if m.Track.Participant == c.you.Identity {
			c.own[m.Track.ID] = *m.Track
		} else {
			c.tracks[trackKey(*m.Track)] = *m.Track
		}
	case TypeUnpublished:
		if m.Track != nil {
			delete(c.tracks, trackKey(*m.Track))
			delete(c.own, m.Track.ID)
		}
	}
}

func trackKey(t Track) string {
	owner := t.Participant
	if owner == "" {
		owner = t.Stream
	}
	return Key(owner, t.ID)
}

// pushEvent records m in the event log and queues it for Events.
func (c *Client) pushEvent(m Message) {
	c.mu.Lock()
	if len(c.eventLog) >= maxEventLog {
		c.eventLog = slicesDropFirst(c.eventLog)
	}
	c.eventLog = append(c.eventLog, m)
	c.mu.Unlock()

	c.evMu.Lock()
	if len(c.evQueue) >= maxEventQueue {
		c.log.Warn("event queue full: dropping the oldest event", "type", c.evQueue[0].Type)
		c.evQueue = slicesDropFirst(c.evQueue)
	}
	c.evQueue = append(c.evQueue, m)
	c.evMu.Unlock()
	select {
	case c.evNotify <- struct{}{}:
	default:
	}
}

func slicesDropFirst(s []Message) []Message {
	s[0] = Message{}
	return s[1:]
}

// pumpEvents delivers queued events on c.events, in order. It closes the
// channel once the session has ended and the queue is empty, or at Close.
func (c *Client) pumpEvents() {
	defer close(c.evDone)
	defer close(c.events)
	for {
		c.evMu.Lock()
		if len(c.evQueue) == 0 {
			c.evMu.Unlock()
			select {
			case <-c.evNotify:
				continue
			case <-c.evStop:
				return
			case <-c.done:
				c.evMu.Lock()
				empty := len(c.evQueue) == 0
				c.evMu.Unlock()
				if empty {
					return
				}
				continue
			}
		}
		m := c.evQueue[0]
		c.evQueue = slicesDropFirst(c.evQueue)
		c.evMu.Unlock()
		select {
		case c.events <- m:
		case <-c.evStop:
			return
		}
	}
}

// Events delivers the server's frames other than offer, answer, candidate
// and ping, in order: room events (participant-*, track-*, recording),
// muted, removed, moved, admitted, closing, error, pong, unknown types, and
// TypeClientError. Events are
// queued without blocking the client (up to 4,096 undelivered; older ones
// are dropped). The channel is closed after the session has ended and every
// queued event was delivered, or at Close. Events and WaitEvent share one
// stream: each event is delivered once.
func (c *Client) Events() <-chan Message { return c.events }

// WaitEvent takes events from Events until one satisfies match, and returns
// it; the others are discarded (EventLog still has them). It fails when ctx
// expires or the stream ends.
func (c *Client) WaitEvent(ctx context.Context, match func(Message) bool) (Message, error) {
	for {
		select {
		case m, ok := <-c.events:
			if !ok {
				return Message{}, fmt.Errorf("client %s: waiting for an event: %w", c.you.Identity, ErrClosed)
			}
			if match(m) {
				return m, nil
			}
		case <-ctx.Done():
			return Message{}, fmt.Errorf("client %s: waiting for an event: %w", c.you.Identity, ctx.Err())
		}
	}
}

// IsType returns a matcher for WaitEvent of frames of type typ.
func IsType(typ string) func(Message) bool {
	return func(m Message) bool { return m.Type == typ }
}

// IsError returns a matcher for WaitEvent of "error" frames with code.
func IsError(code string) func(Message) bool {
	return func(m Message) bool { return m.Type == TypeError && m.Code == code }
}

// EventLog returns every event received so far (the latest 4,096), as
// Events delivers them, whether or not they were taken from Events.
func (c *Client) EventLog() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.eventLog...)
}
