package sfu

import "hearingroom/media"

// Waiting reports whether p is in the waiting room: it receives but may not
// publish until Admit.
func (p *Participant) Waiting() bool { return p.waiting.Load() }

// Admit takes p out of the waiting room: from now on its offers may send
// media. The others in the room are told with a "participant-updated"
// event naming by, the admin who admitted. It reports false, and changes
// nothing, when p was not waiting.
func (p *Participant) Admit(by string) bool {
	if !p.waiting.CompareAndSwap(true, false) {
		return false
	}
	p.canPublish.Store(true)
	info := p.Info()
	if !info.Hidden {
		p.room.broadcast(p, Event{Type: "participant-updated", Participant: &info, By: by})
	}
	return true
}

// Family returns the participant of the given identity in main's family of
// rooms (main and its caucus rooms, see media.FamilyRooms), or nil. Only
// rooms that exist are looked at; none is created.
func (s *SFU) Family(main, identity string) *Participant {
	for _, name := range media.FamilyRooms(main) {
		s.mu.Lock()
		r := s.rooms[name]
		s.mu.Unlock()
		if r == nil {
			continue
		}
		if p := r.Participant(identity); p != nil {
			return p
		}
	}
	return nil
}

// Listener returns what p reports to: its signaling connection.
func (p *Participant) Listener() Listener { return p.listener }
