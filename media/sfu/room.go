package sfu

import (
	"sync"
	"time"

	"hearingroom/media"
)

// Event is a room event for one participant's client.
type Event struct {
	Type        string // participant-joined, participant-updated, participant-left, track-published, track-updated, track-unpublished, muted, removed, recording
	Participant *media.Participant
	Track       *media.Track
	Reason      string
	By          string
	Muted       bool
	Recording   bool // of "recording": whether the room is now recorded
}

// Room is a set of participants who receive each other's tracks.
type Room struct {
	sfu  *SFU
	name string

	// recMu serialises turning the recording on and off with publications,
	// so that every track of a recorded room is offered to the recorder
	// once, and none once the recording is off.
	recMu sync.Mutex

	mu           sync.Mutex
	participants map[string]*Participant // by identity
	tracks       map[string]*upTrack     // by published track id
	recording    bool
}

func newRoom(s *SFU, name string) *Room {
	return &Room{sfu: s, name: name, participants: make(map[string]*Participant), tracks: make(map[string]*upTrack)}
}

// Name returns the room's name.
func (r *Room) Name() string { return r.name }

// idle reports whether the room may be dropped: empty and not recorded.
func (r *Room) idle() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.participants) == 0 && !r.recording
}

func (r *Room) snapshot() []*Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	ps := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	return ps
}

// Participant returns the participant with the given identity, or nil.
func (r *Room) Participant(identity string) *Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.participants[identity]
}

// visible returns the announced participants other than p, and all tracks not of p.
func (r *Room) visible(except *Participant) ([]media.Participant, []media.Track) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ps []media.Participant
	for _, o := range r.participants {
		if o != except && !o.info.Hidden {
			ps = append(ps, o.Info())
		}
	}
	var ts []media.Track
	for _, t := range r.tracks {
		if t.owner != except {
			ts = append(ts, t.info())
		}
	}
	return ps, ts
}

// add places p in the room, replacing a participant of the same identity.
// It returns the replaced participant, if any.
func (r *Room) add(p *Participant) (replaced *Participant) {
	r.mu.Lock()
	replaced = r.participants[p.info.Identity]
	r.participants[p.info.Identity] = p
	r.mu.Unlock()
	return replaced
}

// announce tells the others that p joined and subscribes p to the tracks present.
func (r *Room) announce(p *Participant) {
	if !p.info.Hidden {
		info := p.Info()
		r.broadcast(p, Event{Type: "participant-joined", Participant: &info})
	}
	if obs := r.sfu.cfg.Observer; obs != nil {
		obs.ParticipantJoined(r.name, p.Info(), time.Now())
	}
	if !p.canSubscribe {
		return
	}
	r.mu.Lock()
	tracks := make([]*upTrack, 0, len(r.tracks))
	for _, t := range r.tracks {
		if t.owner != p {
			tracks = append(tracks, t)
		}
	}
	r.mu.Unlock()
	for _, t := range tracks {
		p.subscribe(t)
	}
}

// remove takes p out of the room and unpublishes its tracks. It reports
// whether p was still in the room.
func (r *Room) remove(p *Participant, reason string) bool {
	r.mu.Lock()
	if r.participants[p.info.Identity] != p {
		r.mu.Unlock()
		return false
	}
	delete(r.participants, p.info.Identity)
	r.mu.Unlock()
	r.unpublishAll(p)
	if !p.info.Hidden {
		r.broadcast(p, Event{Type: "participant-left", Participant: &media.Participant{Identity: p.info.Identity}, Reason: reason})
	}
	if obs := r.sfu.cfg.Observer; obs != nil {
		obs.ParticipantLeft(r.name, p.info.Identity, reason, time.Now())
	}
	r.sfu.dropRoom(r)
	return true
}

// publish registers a new up-track, offers it to the recorder when the room
// is recorded, and subscribes everyone else to it.
func (r *Room) publish(t *upTrack) {
	r.recMu.Lock()
	r.mu.Lock()
	if r.participants[t.owner.info.Identity] != t.owner {
		r.mu.Unlock()
		r.recMu.Unlock()
		t.close()
		return
	}
	r.tracks[t.id] = t
	subs := make([]*Participant, 0, len(r.participants))
	for _, p := range r.participants {
		if p != t.owner && p.canSubscribe {
			subs = append(subs, p)
		}
	}
	recording := r.recording
	r.mu.Unlock()
	if recording && r.sfu.cfg.Recorder != nil {
		t.startRecording(r.sfu.cfg.Recorder)
	}
	r.recMu.Unlock()
	// The publisher is told too: it learns the id others know its track by.
	t.announce.Lock()
	info := t.info()
	r.broadcast(nil, Event{Type: "track-published", Track: &info})
	t.announced = true
	t.announce.Unlock()
	for _, p := range subs {
		p.subscribe(t)
	}
}

// unpublished removes t's down-tracks from every subscriber and says so.
func (r *Room) unpublished(t *upTrack) {
	for _, d := range t.subscribers() {
		d.sub.unsubscribe(d)
	}
	t.close()
	info := t.info()
	r.broadcast(t.owner, Event{Type: "track-unpublished", Track: &info})
}

// track returns the published track with the given id, or nil.
func (r *Room) track(id string) *upTrack {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tracks[id]
}

// broadcast sends e to every participant but except.
func (r *Room) broadcast(except *Participant, e Event) {
	for _, p := range r.snapshot() {
		if p != except {
			p.listener.SendEvent(e)
		}
	}
}

// dropUps unpublishes p's tracks when p was replaced by a newer join of the
// same identity and so is no longer the room's participant of that name.
func (r *Room) dropUps(p *Participant) {
	r.unpublishAll(p)
	if obs := r.sfu.cfg.Observer; obs != nil {
		obs.ParticipantLeft(r.name, p.info.Identity, "replaced", time.Now())
	}
}

// unpublishAll unpublishes every track of p.
func (r *Room) unpublishAll(p *Participant) {
	r.mu.Lock()
	var mine []*upTrack
	for id, t := range r.tracks {
		if t.owner == p {
			mine = append(mine, t)
			delete(r.tracks, id)
		}
	}
	r.mu.Unlock()
	for _, t := range mine {
		r.unpublished(t)
	}
}
