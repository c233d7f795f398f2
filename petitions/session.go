package petitions

import (
	"fmt"
	"slices"
	"time"
)

// SessionKind is what a media session was held for.
type SessionKind string

// The kinds of session.
const (
	SessionHearing    SessionKind = "hearing"    // 视频接访: an official receives petitioners
	SessionMediation  SessionKind = "mediation"  // 云调解, joint session: the mediator with all parties
	SessionCaucus     SessionKind = "caucus"     // 背对背: the mediator with one side privately
	SessionMonitoring SessionKind = "monitoring" // a supervisor watching a station
)

// Valid reports whether k is one of the kinds above.
func (k SessionKind) Valid() bool {
	switch k {
	case SessionHearing, SessionMediation, SessionCaucus, SessionMonitoring:
		return true
	}
	return false
}

// SessionStatus is where a session stands.
type SessionStatus string

// The statuses of a session.
const (
	// SessionLive: someone is (or, after a crash, was last known to be) in
	// the room.
	SessionLive SessionStatus = "live"
	// SessionEnded: the last participant left, or the server shut down
	// gracefully.
	SessionEnded SessionStatus = "ended"
	// SessionInterrupted: the server stopped without ending the session (a
	// crash); End is the last fact recorded, not the real end.
	SessionInterrupted SessionStatus = "interrupted"
)

// Kinds of the history events that record sessions. Their Data holds
// {"session", "room", "kind", "station", "participants": [{"identity",
// "role", "hidden"}]}, and for SessionEnded also "status", "reason" and
// "duration_ms". They belong to the session's case, or to the ledger when
// it has none.
const (
	KindSessionStarted = "session.started"
	KindSessionEnded   = "session.ended"
	// KindSessionLinked records LinkSession; its Data holds at least
	// {"session"}.
	KindSessionLinked = "session.linked"
)

// Session is one media session (hearing, mediation, caucus or monitoring):
// who took part in which role, from which station, when, and what was
// recorded. A session need not belong to a case: a village calling in is
// kept as a session of its own and can be linked to a case later
// (Store.LinkSession).
type Session struct {
	ID             string        `json:"id"`
	Kind           SessionKind   `json:"kind"`
	Room           string        `json:"room"`              // the media room it was held in
	Station        string        `json:"station,omitempty"` // the reception room (接访室) it came from
	CaseID         string        `json:"case_id,omitempty"` // the case it belongs to, "" if none (yet)
	ScheduledStart time.Time     `json:"scheduled_start,omitzero"`
	ScheduledEnd   time.Time     `json:"scheduled_end,omitzero"`
	Start          time.Time     `json:"start"`        // the first join
	End            time.Time     `json:"end,omitzero"` // the last leave; zero while live
	Status         SessionStatus `json:"status"`
	EndReason      string        `json:"end_reason,omitempty"` // the last leave's reason, "shutdown", "interrupted", …

	Participants []SessionParticipant `json:"participants"`
	// Recorded is set once the session's recording started; Recordings
	// are the files stored so far.
	Recorded   bool           `json:"recorded,omitempty"`
	Recordings []RecordingRef `json:"recordings,omitempty"`
	// PurgedRecordings were deleted when their retention ended (a
	// KindRecordingPurged event each).
	PurgedRecordings []RecordingRef `json:"purged_recordings,omitempty"`
}

// SessionParticipant is one identity in a session, with each time it was
// present: a participant who drops and rejoins has several Joins.
type SessionParticipant struct {
	Identity string     `json:"identity"`
	Name     string     `json:"name,omitempty"`
	Role     string     `json:"role,omitempty"` // from the token's metadata: official, villager, mediator, supervisor, …
	Hidden   bool       `json:"hidden,omitempty"`
	Joins    []Presence `json:"joins"`
}

// Presence is one stretch of a participant in a session.
type Presence struct {
	Joined      time.Time `json:"joined"`
	Left        time.Time `json:"left,omitzero"` // zero while present
	LeaveReason string    `json:"leave_reason,omitempty"`
	// Room is the caucus room (背对背) of the session the presence was in,
	// "" for the session's own room.
	Room string `json:"room,omitempty"`
}

// Duration returns End − Start, or 0 for a session that has not ended.
func (s *Session) Duration() time.Duration {
	if s.End.IsZero() || s.End.Before(s.Start) {
		return 0
	}
	return s.End.Sub(s.Start)
}

// Participant returns the participant with the given identity, or nil.
func (s *Session) Participant(identity string) *SessionParticipant {
	for i := range s.Participants {
		if s.Participants[i].Identity == identity {
			return &s.Participants[i]
		}
	}
	return nil
}

// Clone returns a deep copy of s.
func (s *Session) Clone() *Session {
	c := *s
	c.Participants = slices.Clone(s.Participants)
	for i := range c.Participants {
		c.Participants[i].Joins = slices.Clone(c.Participants[i].Joins)
	}
	c.Recordings = slices.Clone(s.Recordings)
	c.PurgedRecordings = slices.Clone(s.PurgedRecordings)
	return &c
}

// Validate returns nil if a store can keep s, or an EINVALID *Error naming
// each bad field (or that s is nil).
func (s *Session) Validate() error {
	if s == nil {
		return Errorf(EINVALID, "No session given.")
	}
	p := problems{}
	if s.ID == "" {
		p.add("id", "required")
	}
	if s.Room == "" {
		p.add("room", "required")
	}
	if !s.Kind.Valid() {
		p.add("kind", "must be hearing, mediation, caucus or monitoring")
	}
	switch s.Status {
	case SessionLive, SessionEnded, SessionInterrupted:
	default:
		p.add("status", "must be live, ended or interrupted")
	}
	if s.Start.IsZero() {
		p.add("start", "required")
	}
	if s.Status != SessionLive && s.End.Before(s.Start) {
		p.add("end", "must not be before start")
	}
	for i, sp := range s.Participants {
		if sp.Identity == "" {
			p.add(fmt.Sprintf("participants[%d].identity", i), "required")
		}
	}
	for i, r := range s.Recordings {
		if r.Object == "" || !isChainHash(r.SHA256) || r.Size < 0 {
			p.add(fmt.Sprintf("recordings[%d]", i), "needs an object, a lowercase hex sha256 and a size")
		}
	}
	return p.err("The session")
}

// SessionFilter selects sessions for Store.Sessions. Zero fields match any
// session.
type SessionFilter struct {
	Room   string
	CaseID string
	Live   bool // only sessions whose Status is SessionLive
	// Station, when not "", keeps the sessions of that reception room.
	Station string
	// StartFrom and StartTo, when not zero, bound Start: From ≤ start < To.
	StartFrom, StartTo time.Time
	After              string // keyset: only ids greater than this one
	Limit              int    // at most this many; DefaultListLimit when 0, MaxListLimit at most
}

// ListLimit returns the number of sessions Store.Sessions returns for
// f.Limit.
func (f SessionFilter) ListLimit() int {
	return PetitionFilter{Limit: f.Limit}.ListLimit()
}
