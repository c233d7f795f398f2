package sfu

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"hearingroom/media"
)

// Listener receives what a participant's client must be told. The signaling
// connection implements it; calls are made in order and must not block.
type Listener interface {
	SendOffer(sdp string)
	SendAnswer(sdp string)
	SendCandidate(c webrtc.ICECandidateInit)
	SendEvent(e Event)
}

// JoinOptions are the rights a participant joins with.
type JoinOptions struct {
	Participant  media.Participant
	CanPublish   bool
	CanSubscribe bool
	// Waiting joins the participant to the room's waiting room: it may
	// not publish, whatever CanPublish says, until Admit.
	Waiting bool
}

// Errors returned by Participant methods. Each leaves the session unchanged.
var (
	ErrBadSDP            = errors.New("sfu: bad sdp")
	ErrPublishNotAllowed = errors.New("sfu: publishing not allowed")
	ErrNoRemote          = errors.New("sfu: no remote description")
	ErrBadCandidate      = errors.New("sfu: bad candidate")
	ErrNoOfferPending    = errors.New("sfu: no offer pending")
	ErrGlare             = errors.New("sfu: offer ignored: server offer outstanding")
	ErrNotFound          = errors.New("sfu: not found")
	ErrForbidden         = errors.New("sfu: forbidden")
)

// Participant is one client in a room, with one PeerConnection.
type Participant struct {
	sfu          *SFU
	room         *Room
	info         media.Participant // Publisher and Waiting are kept below
	canPublish   atomic.Bool
	waiting      atomic.Bool
	canSubscribe bool
	listener     Listener
	pc           *webrtc.PeerConnection
	wg           sync.WaitGroup
	done         chan struct{}
	closeOnce    sync.Once
	closeReason  atomic.Value // string

	// negotiation state, guarded by neg
	neg          sync.Mutex
	ready        bool // the client's first offer is answered
	offerPending bool
	needOffer    bool
	pending      []*downTrack // to add to the PeerConnection once ready
	closed       bool

	// trickled local candidates wait until a local description was sent
	candMu     sync.Mutex
	localSent  bool
	candidates []webrtc.ICECandidateInit

	mu          sync.Mutex
	downs       map[string]*downTrack // by published track id
	ups         map[string]*upTrack   // by remote track id
	defaultQual media.Quality
}

// Join places a participant in the named room. A participant of the same
// identity already there is closed with reason "replaced".
func (s *SFU) Join(roomName string, opts JoinOptions, l Listener) (*Participant, error) {
	r, err := s.room(roomName)
	if err != nil {
		return nil, err
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("sfu: new peer connection: %w", err)
	}
	p := &Participant{
		sfu: s, room: r, info: opts.Participant, listener: l, pc: pc,
		canSubscribe: opts.CanSubscribe,
		done:         make(chan struct{}),
		downs:        make(map[string]*downTrack),
		ups:          make(map[string]*upTrack),
		defaultQual:  media.High,
	}
	p.info.Publisher, p.info.Waiting = false, false
	waiting := opts.Waiting && !opts.Participant.Hidden
	p.canPublish.Store(opts.CanPublish && !opts.Participant.Hidden && !waiting)
	p.waiting.Store(waiting)
	pc.OnICECandidate(p.onLocalCandidate)
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		switch st {
		case webrtc.PeerConnectionStateConnected:
			// Keyframes asked for before the media path was up were lost.
			p.requestKeyframes()
		case webrtc.PeerConnectionStateFailed:
			go p.Close("ice-failed")
		}
	})
	if old := r.add(p); old != nil {
		old.listener.SendEvent(Event{Type: "removed", Reason: "replaced"})
		old.closeWith("replaced", false)
	}
	r.announce(p)
	return p, nil
}

// Info returns the participant's public description.
func (p *Participant) Info() media.Participant {
	info := p.info
	info.Publisher, info.Waiting = p.canPublish.Load(), p.waiting.Load()
	return info
}

// Room returns the participant's room.
func (p *Participant) Room() *Room { return p.room }

// Others returns the announced participants and the tracks of the others,
// as the client is told in its "joined" frame.
func (p *Participant) Others() ([]media.Participant, []media.Track) { return p.room.visible(p) }

// Done is closed when the participant has left.
func (p *Participant) Done() <-chan struct{} { return p.done }

// CloseReason returns why the participant left, once Done is closed.
func (p *Participant) CloseReason() string {
	s, _ := p.closeReason.Load().(string)
	return s
}

// HandleOffer applies a client offer and sends the answer through the
// Listener. It returns ErrGlare, and changes nothing, when a server offer is
// outstanding: the client will roll back and answer it.
func (p *Participant) HandleOffer(offer string) error {
	p.neg.Lock()
	defer p.neg.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.offerPending {
		return ErrGlare
	}
	parsed := &sdp.SessionDescription{}
	if err := parsed.UnmarshalString(offer); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	if !p.canPublish.Load() && publishes(parsed) {
		return ErrPublishNotAllowed
	}
	if p.sfu.cfg.LoopbackOnly {
		offer = loopbackOnlySDP(offer)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	p.fillReceiveSlots()
	answer, err := p.pc.CreateAnswer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(answer)
	}
	if err != nil {
		// Back to stable with the previous descriptions, so nothing changed.
		_ = p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback})
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	p.listener.SendAnswer(answer.SDP)
	p.flushCandidates()
	if !p.ready {
		p.ready = true
		p.needOffer = p.needOffer || len(p.pending) > 0
	}
	p.negotiateLocked()
	return nil
}

// HandleAnswer applies the client's answer to the server's outstanding offer.
func (p *Participant) HandleAnswer(answer string) error {
	p.neg.Lock()
	defer p.neg.Unlock()
	if p.closed {
		return ErrClosed
	}
	if !p.offerPending {
		return ErrNoOfferPending
	}
	parsed := &sdp.SessionDescription{}
	if err := parsed.UnmarshalString(answer); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	if p.sfu.cfg.LoopbackOnly {
		answer = loopbackOnlySDP(answer)
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	p.offerPending = false
	p.negotiateLocked()
	return nil
}

// AddCandidate adds a trickled remote ICE candidate.
func (p *Participant) AddCandidate(c webrtc.ICECandidateInit) error {
	if p.sfu.cfg.LoopbackOnly && c.Candidate != "" && !loopbackCandidate(c.Candidate) {
		return nil // never reach beyond loopback
	}
	if p.pc.RemoteDescription() == nil {
		return ErrNoRemote
	}
	if err := p.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("%w: %v", ErrBadCandidate, err)
	}
	return nil
}

// negotiateLocked sends a new offer if tracks changed and the state allows.
func (p *Participant) negotiateLocked() {
	if p.closed || !p.ready {
		return
	}
	for _, d := range p.pending {
		if err := d.attach(p.pc, false); err != nil {
			p.sfu.log.Warn("sfu: add down-track", "participant", p.info.Identity, "err", err)
			continue
		}
		p.needOffer = true
	}
	p.pending = p.pending[:0]
	if !p.needOffer || p.offerPending || p.pc.SignalingState() != webrtc.SignalingStateStable {
		return
	}
	offer, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(offer)
	}
	if err != nil {
		p.sfu.log.Warn("sfu: renegotiate", "participant", p.info.Identity, "err", err)
		return
	}
	p.needOffer = false
	p.offerPending = true
	p.listener.SendOffer(offer.SDP)
	p.flushCandidates()
}

// fillReceiveSlots puts pending down-tracks into receive slots the client's
// offer holds (a joining page offers one per track it was told of), so the
// answer carries them and no renegotiation stands before the first frame.
func (p *Participant) fillReceiveSlots() {
	kept := p.pending[:0]
	for _, d := range p.pending {
		if !hasReceiveSlot(p.pc, d.Kind()) {
			kept = append(kept, d)
			continue
		}
		if err := d.attach(p.pc, true); err != nil {
			p.sfu.log.Warn("sfu: fill receive slot", "participant", p.info.Identity, "err", err)
			kept = append(kept, d)
		}
	}
	p.pending = kept
}

func (p *Participant) onLocalCandidate(c *webrtc.ICECandidate) {
	if c == nil {
		return
	}
	init := c.ToJSON()
	p.candMu.Lock()
	if !p.localSent {
		p.candidates = append(p.candidates, init)
		p.candMu.Unlock()
		return
	}
	p.candMu.Unlock()
	p.listener.SendCandidate(init)
}

// flushCandidates is called right after a local description was sent.
func (p *Participant) flushCandidates() {
	p.candMu.Lock()
	p.localSent = true
	queued := p.candidates
	p.candidates = nil
	p.candMu.Unlock()
	for _, c := range queued {
		p.listener.SendCandidate(c)
	}
}

// subscribe creates a down-track of t for p; it is added at the next negotiation.
func (p *Participant) subscribe(t *upTrack) {
	p.mu.Lock()
	if _, ok := p.downs[t.id]; ok {
		p.mu.Unlock()
		return
	}
	d := newDownTrack(t, p, p.defaultQual)
	p.downs[t.id] = d
	p.mu.Unlock()
	if !t.addSubscriber(d) {
		p.mu.Lock()
		delete(p.downs, t.id)
		p.mu.Unlock()
		return
	}
	p.neg.Lock()
	defer p.neg.Unlock()
	if p.closed {
		return
	}
	p.pending = append(p.pending, d)
	p.negotiateLocked()
}

// unsubscribe removes d from p's PeerConnection and renegotiates.
func (p *Participant) unsubscribe(d *downTrack) {
	p.mu.Lock()
	if p.downs[d.up.id] == d {
		delete(p.downs, d.up.id)
	}
	p.mu.Unlock()
	d.up.removeSubscriber(d)
	p.neg.Lock()
	defer p.neg.Unlock()
	for i, q := range p.pending {
		if q == d {
			p.pending = append(p.pending[:i], p.pending[i+1:]...)
			return
		}
	}
	if p.closed || d.sender == nil {
		return
	}
	if err := p.pc.RemoveTrack(d.sender); err != nil {
		p.sfu.log.Debug("sfu: remove down-track", "participant", p.info.Identity, "err", err)
	}
	p.needOffer = true
	p.negotiateLocked()
}

// requestKeyframes asks, past the rate limit, for a keyframe of every track
// p receives: once per connection of p's media path.
func (p *Participant) requestKeyframes() {
	p.mu.Lock()
	downs := make([]*downTrack, 0, len(p.downs))
	for _, d := range p.downs {
		downs = append(downs, d)
	}
	p.mu.Unlock()
	for _, d := range downs {
		d.up.requestKeyframe(d.targetIndex(), true)
	}
}

// SetLayer chooses the simulcast quality p receives of one track, or with
// trackID empty, of every video track now and later.
func (p *Participant) SetLayer(trackID string, q media.Quality) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if trackID == "" {
		p.defaultQual = q
		for _, d := range p.downs {
			d.setQuality(q)
		}
		return nil
	}
	d := p.downs[trackID]
	if d == nil {
		return ErrNotFound
	}
	d.setQuality(q)
	return nil
}

// SetMuted mutes or unmutes a published track of target. p may change its
// own tracks; a room admin may mute, never unmute, another's.
func (p *Participant) SetMuted(target, trackID string, muted bool) error {
	other := p.room.Participant(target)
	if other == nil {
		return ErrNotFound
	}
	if other != p && (!p.info.Admin || !muted) {
		return ErrForbidden
	}
	t := p.room.track(trackID)
	if t == nil || t.owner != other {
		return ErrNotFound
	}
	if !t.setMuted(muted) {
		return nil
	}
	if other != p {
		info := t.info()
		other.listener.SendEvent(Event{Type: "muted", Track: &info, Muted: muted, By: p.info.Identity})
	}
	t.announceUpdate()
	return nil
}

// Remove closes another participant's session. Only room admins may.
func (p *Participant) Remove(target string) error {
	if !p.info.Admin {
		return ErrForbidden
	}
	other := p.room.Participant(target)
	if other == nil || other == p {
		return ErrNotFound
	}
	other.listener.SendEvent(Event{Type: "removed", Reason: "removed", By: p.info.Identity})
	other.Close("removed")
	return nil
}

// Close leaves the room, tells the others, and releases every resource of p.
// It waits for p's goroutines to end and is safe to call more than once.
func (p *Participant) Close(reason string) { p.closeWith(reason, true) }

func (p *Participant) closeWith(reason string, fromRoom bool) {
	p.closeOnce.Do(func() {
		p.closeReason.Store(reason)
		if fromRoom {
			p.room.remove(p, reason)
		} else {
			p.room.dropUps(p)
		}
		p.neg.Lock()
		p.closed = true
		p.pending = nil
		p.neg.Unlock()
		p.mu.Lock()
		downs := make([]*downTrack, 0, len(p.downs))
		for _, d := range p.downs {
			downs = append(downs, d)
		}
		p.downs = map[string]*downTrack{}
		p.mu.Unlock()
		for _, d := range downs {
			d.up.removeSubscriber(d)
		}
		_ = p.pc.Close()
		p.wg.Wait()
		close(p.done)
	})
}

// publishes reports whether an SDP offer sends media.
func publishes(s *sdp.SessionDescription) bool {
	for _, m := range s.MediaDescriptions {
		if m.MediaName.Media != "audio" && m.MediaName.Media != "video" {
			continue
		}
		sending := true
		for _, a := range m.Attributes {
			switch a.Key {
			case "recvonly", "inactive":
				sending = false
			}
		}
		_, hasMsid := m.Attribute("msid")
		_, hasSSRC := m.Attribute("ssrc")
		_, hasSimulcast := m.Attribute("simulcast")
		if sending && (hasMsid || hasSSRC || hasSimulcast) {
			return true
		}
	}
	return false
}

// loopbackCandidate reports whether an ICE candidate line names a loopback address.
func loopbackCandidate(c string) bool {
	f := strings.Fields(strings.TrimPrefix(c, "candidate:"))
	return len(f) > 4 && (f[4] == "127.0.0.1" || f[4] == "::1")
}

// loopbackOnlySDP drops candidate lines that do not name a loopback address.
func loopbackOnlySDP(s string) string {
	if !strings.Contains(s, "a=candidate:") {
		return s
	}
	lines := strings.Split(s, "\r\n")
	out := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(l, "a=candidate:") && !loopbackCandidate(strings.TrimPrefix(l, "a=")) {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\r\n")
}
