package sfu

import "sync/atomic"

// counters are the SFU's running totals. Forwarding goroutines add to them
// once per packet read, not once per packet written, to keep the hot path cheap.
type counters struct {
	packetsIn  atomic.Uint64
	packetsOut atomic.Uint64
	bytesOut   atomic.Uint64
	nacks      atomic.Uint64
	plis       atomic.Uint64
}

// Stats is a snapshot of the SFU's state and running totals.
type Stats struct {
	Rooms        int
	Participants int
	Tracks       int
	DownTracks   int
	PacketsIn    uint64 // RTP packets received from publishers
	PacketsOut   uint64 // RTP packets forwarded to subscribers
	BytesOut     uint64 // RTP payload and header bytes forwarded
	NACKs        uint64 // NACK packets received from subscribers
	PLIs         uint64 // keyframe requests sent to publishers
}

// Stats returns a snapshot.
func (s *SFU) Stats() Stats {
	st := Stats{
		PacketsIn:  s.stats.packetsIn.Load(),
		PacketsOut: s.stats.packetsOut.Load(),
		BytesOut:   s.stats.bytesOut.Load(),
		NACKs:      s.stats.nacks.Load(),
		PLIs:       s.stats.plis.Load(),
	}
	s.mu.Lock()
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	st.Rooms = len(rooms)
	for _, r := range rooms {
		r.mu.Lock()
		st.Participants += len(r.participants)
		st.Tracks += len(r.tracks)
		for _, t := range r.tracks {
			st.DownTracks += len(t.subscribers())
		}
		r.mu.Unlock()
	}
	return st
}
