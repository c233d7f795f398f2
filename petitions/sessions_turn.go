package petitions

import "time"

// A station's room holds a monitoring session while its kiosk keeps watch
// (the open hours' low-layer video for the leaders' wall), and a hearing or
// a mediation while one is held there: the kind of a room's session follows
// the seats of the people in it. A participant whose seat names a hearing
// or a mediation turns a monitoring session into one of that kind, and when
// the last of them leaves while others stay (the kiosk's watch, a leader on
// the wall), a monitoring session follows for those. Each turn ends one
// session record and starts the next at the same instant, the people
// present carried over, so that a hearing's record holds the hearing only.

// isMeeting reports whether a seat of kind holds a session of its own kind
// in a room that is being watched.
func isMeeting(k SessionKind) bool { return k == SessionHearing || k == SessionMediation }

// meetingPresent reports whether someone present in s sits in a hearing's
// or a mediation's seat.
func (r *SessionRecorder) meetingPresent(s *Session) bool {
	for _, p := range s.Participants {
		if n := len(p.Joins); n > 0 && p.Joins[n-1].Left.IsZero() && isMeeting(r.seats[s.ID][p.Identity]) {
			return true
		}
	}
	return false
}

// turn ends s at at and starts, in its room, a session of kind with the
// people present in s (their presences begin at at, in the room each was
// in), and returns it.
func (r *SessionRecorder) turn(s *Session, kind SessionKind, at time.Time) *Session {
	next := &Session{ID: NewID(at), Kind: kind, Room: s.Room, Station: s.Station, Start: at,
		Status: SessionLive, Participants: []SessionParticipant{}}
	seats := map[string]SessionKind{}
	for _, p := range s.Participants {
		if n := len(p.Joins); n > 0 && p.Joins[n-1].Left.IsZero() {
			next.Participants = append(next.Participants, SessionParticipant{Identity: p.Identity, Name: p.Name,
				Role: p.Role, Hidden: p.Hidden, Joins: []Presence{{Joined: at, Room: p.Joins[n-1].Room}}})
			seats[p.Identity] = r.seats[s.ID][p.Identity]
		}
	}
	r.end(s, at, SessionEnded, "became_"+string(kind))
	r.live[next.Room] = next
	r.own.Store(next.ID, true)
	r.rooms.Store(next.Room, next.ID)
	r.seats[next.ID] = seats
	r.save(next)
	r.appendEvent(next, KindSessionStarted, at)
	return next
}
