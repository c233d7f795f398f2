package petitions

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hearingroom/media"
)

// DefaultSessionQueue is how many media facts a SessionRecorder holds
// before it drops the next ones.
const DefaultSessionQueue = 1024

// sessionStoreTimeout bounds each store call of a SessionRecorder.
const sessionStoreTimeout = 10 * time.Second

// The actor of the history events a SessionRecorder appends.
const (
	SessionActor     = "hearingroom"
	SessionActorRole = "system"
)

// SessionRecorder writes media sessions into a Store as they happen. It is
// the media layer's media.Observer: the SFU tells it who joins and leaves
// which room, and it keeps one Session per room from the first join to the
// last leave (hidden participants included: a leader watching is part of the
// record), saving it at every join and leave and appending a
// KindSessionStarted and a KindSessionEnded event.
//
// The Observer methods never block: facts go into a bounded queue that one
// goroutine drains into the store. When the queue is full a fact is dropped,
// logged and counted (Dropped); a failed store write is logged and counted
// (Failed), and the session stays in memory to be saved at its next fact.
//
// One recorder per ledger: RecoverInterrupted takes every live session in
// the store for one that a crashed server left behind.
type SessionRecorder struct {
	store Store
	log   *slog.Logger

	mu     sync.RWMutex // held to send on facts; Lock to close it
	closed bool
	facts  chan sessionFact
	done   chan struct{}
	ctx    context.Context // canceled when Close gives up waiting
	cancel context.CancelFunc

	dropped atomic.Int64
	failed  atomic.Int64

	// moveGrace is how long a session nobody is present in after a move
	// (or a replaced seat) waits for the moved to arrive before it ends.
	moveGrace time.Duration

	live map[string]*Session // by room; owned by the goroutine (by Close once it ended)
	// seats holds the kind each participant's seat names, by live session
	// id and identity (goroutine's): what turns a session's kind.
	seats map[string]map[string]SessionKind
	// recent holds each room's last ended session, which a recording's stop
	// reported just after the last leave still belongs to (goroutine's).
	recent map[string]*Session
	own    sync.Map // ids of the sessions in live, for RecoverInterrupted
	rooms  sync.Map // room → id of its live session, for LiveSession
}

var _ media.Observer = (*SessionRecorder)(nil)

// sessionFact is one join or leave as the SFU reported it.
type sessionFact struct {
	join        bool
	recording   *bool             // a recording started (true) or stopped (false)
	stored      *storedFact       // a recording file stored
	room        string            // the session's room: a caucus room's main room
	caucus      string            // the caucus room the fact happened in, "" for room itself
	participant media.Participant // of a join
	identity    string            // of a leave
	reason      string            // of a leave
	at          time.Time
	// expire, if set, is the session whose grace after a move ran out: it
	// ends at at unless somebody is present in it again.
	expire string
}

// MoveGrace is how long a session nobody is present in after a move (背对背)
// or a replaced seat waits for the moved participant to arrive in the
// other room before it ends: a party whose screen never follows the move
// does not keep the session live until the server restarts.
const MoveGrace = 2 * time.Minute

// NewSessionRecorder returns a recorder writing into store, with a queue of
// DefaultSessionQueue facts. Close it after the media layer closed, so that
// the last leaves are recorded.
func NewSessionRecorder(store Store, log *slog.Logger) *SessionRecorder {
	return newSessionRecorder(store, log, DefaultSessionQueue)
}

func newSessionRecorder(store Store, log *slog.Logger, queue int) *SessionRecorder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &SessionRecorder{
		store: store, log: log,
		facts: make(chan sessionFact, queue), done: make(chan struct{}),
		ctx: ctx, cancel: cancel, moveGrace: MoveGrace,
		live: map[string]*Session{}, recent: map[string]*Session{}, seats: map[string]map[string]SessionKind{},
	}
	go r.run()
	return r
}

// ParticipantJoined records that p joined room at; it never blocks.
func (r *SessionRecorder) ParticipantJoined(room string, p media.Participant, at time.Time) {
	r.enqueue(sessionFact{join: true, room: room, participant: p, identity: p.Identity, at: at})
}

// ParticipantLeft records that identity left room at, for reason; it never
// blocks.
func (r *SessionRecorder) ParticipantLeft(room, identity, reason string, at time.Time) {
	r.enqueue(sessionFact{room: room, identity: identity, reason: reason, at: at})
}

func (r *SessionRecorder) enqueue(f sessionFact) {
	f.at = f.at.UTC().Truncate(time.Microsecond)
	// A mediation's caucus rooms belong to its session (one record).
	if media.CaucusNumber(f.room) > 0 {
		f.caucus, f.room = f.room, media.MainRoom(f.room)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.closed {
		select {
		case r.facts <- f:
			return
		default:
		}
	}
	n := r.dropped.Add(1)
	if n == 1 || n%100 == 0 {
		r.log.Warn("sessions: fact dropped", "room", f.room, "identity", f.identity, "join", f.join,
			"closed", r.closed, "dropped", n)
	}
}

// Dropped returns how many facts were dropped because the queue was full or
// the recorder closed.
func (r *SessionRecorder) Dropped() int64 { return r.dropped.Load() }

// Failed returns how many store writes failed.
func (r *SessionRecorder) Failed() int64 { return r.failed.Load() }

// Close stops taking facts, records those queued, and ends each session
// still live with reason "shutdown". If ctx ends first, it abandons the
// queue and returns ctx's error; the sessions left live are marked
// interrupted by the next RecoverInterrupted.
func (r *SessionRecorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.facts)
	r.mu.Unlock()
	// When ctx ends, the store calls in flight and to come fail at once.
	stop := context.AfterFunc(ctx, r.cancel)
	defer stop()
	defer r.cancel()
	<-r.done
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, s := range r.live {
		r.end(s, latest(now, lastFact(s)), SessionEnded, "shutdown")
	}
	return ctx.Err()
}

func (r *SessionRecorder) run() {
	defer close(r.done)
	for f := range r.facts {
		switch {
		case f.stored != nil:
			f.stored.done <- r.addRecording(r.ctx, f.stored, true)
		case f.recording != nil:
			r.recordingSwitched(f)
		case f.join:
			r.joined(f)
		case f.expire != "":
			r.graceOver(f)
		default:
			r.left(f)
		}
	}
}

func (r *SessionRecorder) joined(f sessionFact) {
	p := f.participant
	meta := parseParticipantMetadata(p.Metadata)
	s := r.live[f.room]
	seat := sessionKind(f.room, meta.kind)
	if s != nil && s.Kind == SessionMonitoring && isMeeting(seat) {
		s = r.turn(s, seat, f.at)
	}
	started := s == nil
	if started {
		s = &Session{
			ID: NewID(f.at), Kind: sessionKind(f.room, meta.kind), Room: f.room,
			Start: f.at, Status: SessionLive, Participants: []SessionParticipant{},
		}
		r.live[f.room] = s
		r.own.Store(s.ID, true)
		r.rooms.Store(f.room, s.ID)
		r.seats[s.ID] = map[string]SessionKind{}
	}
	r.seats[s.ID][p.Identity] = seat
	if s.Station == "" {
		s.Station = meta.station
	}
	sp := s.Participant(p.Identity)
	if sp == nil {
		s.Participants = append(s.Participants, SessionParticipant{Identity: p.Identity})
		sp = &s.Participants[len(s.Participants)-1]
	}
	sp.Name, sp.Hidden = p.Name, p.Hidden
	sp.Role = meta.role
	if sp.Role == "" {
		sp.Role = defaultRole(p)
	}
	// A join without the leave before it (a dropped fact): close that one.
	if n := len(sp.Joins); n > 0 && sp.Joins[n-1].Left.IsZero() {
		sp.Joins[n-1].Left, sp.Joins[n-1].LeaveReason = latest(f.at, sp.Joins[n-1].Joined), "rejoined"
	}
	sp.Joins = append(sp.Joins, Presence{Joined: f.at, Room: f.caucus})
	r.save(s)
	if started {
		r.appendEvent(s, KindSessionStarted, f.at)
	}
}

func (r *SessionRecorder) left(f sessionFact) {
	s := r.live[f.room]
	var open *Presence
	if s != nil {
		// The leave of a room the participant already rejoined another
		// room of the family from (a move whose join came first) closes
		// nothing: that presence was closed by the join.
		if sp := s.Participant(f.identity); sp != nil && len(sp.Joins) > 0 && sp.Joins[len(sp.Joins)-1].Left.IsZero() &&
			sp.Joins[len(sp.Joins)-1].Room == f.caucus {
			open = &sp.Joins[len(sp.Joins)-1]
		}
	}
	if open == nil {
		r.log.Warn("sessions: leave of a participant not in a session", "room", f.room, "identity", f.identity)
		return
	}
	open.Left, open.LeaveReason = latest(f.at, open.Joined), f.reason
	// A replaced participant rejoins at once (its new join follows), and a
	// moved one rejoins in another room of the family: the session goes on
	// even if it was alone.
	if f.reason == "replaced" || f.reason == "moved" {
		r.save(s)
		if !present(s) {
			id, room, at := s.ID, f.room, open.Left
			time.AfterFunc(r.moveGrace, func() {
				r.mu.RLock()
				closed := r.closed
				r.mu.RUnlock()
				if !closed {
					r.enqueue(sessionFact{expire: id, room: room, identity: f.identity, reason: f.reason, at: at})
				}
			})
		}
		return
	}
	if present(s) {
		if isMeeting(s.Kind) && !r.meetingPresent(s) {
			r.turn(s, SessionMonitoring, open.Left) // the hearing is over; the watch goes on
			return
		}
		r.save(s)
		return
	}
	r.end(s, open.Left, SessionEnded, f.reason)
}

// graceOver ends the session f.expire, in which nobody has been present
// since a move at f.at, if nobody arrived meanwhile.
func (r *SessionRecorder) graceOver(f sessionFact) {
	s := r.live[f.room]
	if s == nil || s.ID != f.expire || present(s) {
		return
	}
	r.log.Warn("sessions: nobody arrived after a move; the session ends", "session", s.ID, "room", s.Room, "identity", f.identity)
	r.end(s, f.at, SessionEnded, f.reason)
}

// end closes every open presence of s at at, ends s with status and reason,
// saves it and appends its KindSessionEnded event.
func (r *SessionRecorder) end(s *Session, at time.Time, status SessionStatus, reason string) {
	closePresences(s, at, reason)
	s.End, s.Status, s.EndReason = latest(at, s.Start), status, reason
	delete(r.live, s.Room)
	delete(r.seats, s.ID)
	r.recent[s.Room] = s
	r.rooms.CompareAndDelete(s.Room, s.ID)
	r.save(s)
	r.own.Delete(s.ID)
	r.appendEvent(s, KindSessionEnded, s.End)
}

func (r *SessionRecorder) save(s *Session) {
	ctx, cancel := context.WithTimeout(r.ctx, sessionStoreTimeout)
	defer cancel()
	if err := r.store.SaveSession(ctx, s); err != nil {
		r.failed.Add(1)
		r.log.Error("sessions: save", "session", s.ID, "room", s.Room, "err", err)
	}
}

func (r *SessionRecorder) appendEvent(s *Session, kind string, at time.Time) {
	ev, err := sessionEvent(s, kind, at)
	if err == nil {
		ctx, cancel := context.WithTimeout(r.ctx, sessionStoreTimeout)
		defer cancel()
		err = r.store.AppendEvent(ctx, ev)
	}
	if err != nil {
		r.failed.Add(1)
		r.log.Error("sessions: append event", "session", s.ID, "kind", kind, "err", err)
	}
}

// sessionEvent returns the history event of kind (KindSessionStarted or
// KindSessionEnded) for s.
func sessionEvent(s *Session, kind string, at time.Time) (*Event, error) {
	type who struct {
		Identity string `json:"identity"`
		Role     string `json:"role"`
		Hidden   bool   `json:"hidden"`
	}
	data := struct {
		Session      string        `json:"session"`
		Room         string        `json:"room"`
		Kind         SessionKind   `json:"kind"`
		Station      string        `json:"station"`
		Participants []who         `json:"participants"`
		Status       SessionStatus `json:"status,omitempty"`
		Reason       string        `json:"reason,omitempty"`
		DurationMS   *int64        `json:"duration_ms,omitempty"`
	}{Session: s.ID, Room: s.Room, Kind: s.Kind, Station: s.Station, Participants: []who{}}
	for _, p := range s.Participants {
		data.Participants = append(data.Participants, who{p.Identity, p.Role, p.Hidden})
	}
	if kind == KindSessionEnded {
		ms := s.Duration().Milliseconds()
		data.Status, data.Reason, data.DurationMS = s.Status, s.EndReason, &ms
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return &Event{CaseID: s.CaseID, Kind: kind, Actor: SessionActor, ActorRole: SessionActorRole, At: at, Data: raw}, nil
}

// RecoverInterrupted marks every session the store holds as live, and this
// recorder is not recording, as interrupted: a server that crashed never
// ended them. Each ends at its last recorded join or leave, its open
// presences closed there with reason "interrupted", and gets its
// KindSessionEnded event. Call it at start-up, before the media layer takes
// joins: the sessions this recorder records are skipped, but one that ends
// while RecoverInterrupted runs may be caught in between. It returns how
// many sessions it marked.
func (r *SessionRecorder) RecoverInterrupted(ctx context.Context) (int, error) {
	n := 0
	after := ""
	for {
		list, err := r.store.Sessions(ctx, SessionFilter{Live: true, After: after, Limit: MaxListLimit})
		if err != nil {
			return n, err
		}
		for _, s := range list {
			after = s.ID
			if _, ok := r.own.Load(s.ID); ok {
				continue
			}
			last := lastFact(s)
			closePresences(s, last, "interrupted")
			s.End, s.Status, s.EndReason = last, SessionInterrupted, "interrupted"
			if err := r.store.SaveSession(ctx, s); err != nil {
				return n, err
			}
			ev, err := sessionEvent(s, KindSessionEnded, last)
			if err == nil {
				err = r.store.AppendEvent(ctx, ev)
			}
			if err != nil {
				return n, err
			}
			n++
			r.log.Warn("sessions: marked interrupted", "session", s.ID, "room", s.Room, "last", last)
		}
		if len(list) < MaxListLimit {
			return n, nil
		}
	}
}

// present reports whether anyone is still in s.
func present(s *Session) bool {
	for _, p := range s.Participants {
		if n := len(p.Joins); n > 0 && p.Joins[n-1].Left.IsZero() {
			return true
		}
	}
	return false
}

// closePresences ends every open presence of s at at (or at its join, if
// later), with reason.
func closePresences(s *Session, at time.Time, reason string) {
	for i := range s.Participants {
		js := s.Participants[i].Joins
		if n := len(js); n > 0 && js[n-1].Left.IsZero() {
			js[n-1].Left, js[n-1].LeaveReason = latest(at, js[n-1].Joined), reason
		}
	}
}

// lastFact returns the latest time s records: its start, a join or a leave.
func lastFact(s *Session) time.Time {
	last := s.Start
	for _, p := range s.Participants {
		for _, j := range p.Joins {
			last = latest(last, j.Joined, j.Left)
		}
	}
	return last
}

// participantMetadata is what a token's metadata says of a participant.
type participantMetadata struct{ role, station, kind string }

// parseParticipantMetadata reads a JSON object's "role", "station" and
// "kind" members (keys in any case); anything else, or metadata that is not
// a JSON object, is ignored.
func parseParticipantMetadata(s string) participantMetadata {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return participantMetadata{}
	}
	get := func(key string) string {
		for k, v := range m {
			if str, ok := v.(string); ok && strings.EqualFold(k, key) {
				return strings.TrimSpace(str)
			}
		}
		return ""
	}
	return participantMetadata{role: get("role"), station: get("station"), kind: strings.ToLower(get("kind"))}
}

// sessionKind returns caucus for a caucus room (media.CaucusRoom), else the
// kind the metadata names, else the kind the room's name begins with ("mediation-7", "caucus-7a", "monitor-st-shiqiao"), else
// a hearing.
func sessionKind(room, fromMetadata string) SessionKind {
	if media.CaucusNumber(room) > 0 {
		return SessionCaucus // whatever the mediation's seat says
	}
	if k := SessionKind(fromMetadata); k.Valid() {
		return k
	}
	room = strings.ToLower(room)
	for _, k := range []SessionKind{SessionMediation, SessionCaucus, SessionMonitoring, SessionHearing} {
		if strings.HasPrefix(room, string(k)) {
			return k
		}
	}
	if strings.HasPrefix(room, "monitor") {
		return SessionMonitoring
	}
	return SessionHearing
}

// defaultRole is the role of a participant whose metadata names none.
func defaultRole(p media.Participant) string {
	switch {
	case p.Hidden:
		return "observer"
	case p.Admin:
		return "host"
	}
	return "participant"
}

// latest returns the latest of ts.
func latest(t time.Time, ts ...time.Time) time.Time {
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
}

// SessionKindOf returns the kind of session a participant with metadata
// opens in room: the kind the metadata names ("kind"), else the kind the
// room's name begins with, else a hearing.
func SessionKindOf(room, metadata string) SessionKind {
	return sessionKind(room, parseParticipantMetadata(metadata).kind)
}

// ParticipantRole returns the role a session records for p: the metadata's
// "role", else one derived from p's grants.
func ParticipantRole(p media.Participant) string {
	if r := parseParticipantMetadata(p.Metadata).role; r != "" {
		return r
	}
	return defaultRole(p)
}

// ParticipantStation returns the station a participant's metadata names.
func ParticipantStation(metadata string) string {
	return parseParticipantMetadata(metadata).station
}
