// Package media holds the small contract shared by hearingroom's media back-ends:
// the facts about participants and tracks that signaling, the recorder and the
// ledger exchange. The SFU lives in media/sfu; this package knows nothing of
// petitions, pion or LiveKit.
package media

import "time"

// Kind is the kind of a track: audio or video.
type Kind string

// The two kinds of track.
const (
	Audio Kind = "audio"
	Video Kind = "video"
)

// Quality names a simulcast layer from a subscriber's point of view.
type Quality int

// Qualities, lowest first.
const (
	Low Quality = iota
	Medium
	High
)

// ParseQuality reports the Quality named by s ("low", "medium" or "high").
func ParseQuality(s string) (Quality, bool) {
	switch s {
	case "low":
		return Low, true
	case "medium":
		return Medium, true
	case "high":
		return High, true
	}
	return 0, false
}

// String returns the wire name of q.
func (q Quality) String() string {
	switch q {
	case Low:
		return "low"
	case Medium:
		return "medium"
	default:
		return "high"
	}
}

// Participant describes one member of a room.
type Participant struct {
	Identity  string `json:"identity"`
	Name      string `json:"name,omitempty"`
	Metadata  string `json:"metadata,omitempty"`
	Admin     bool   `json:"admin,omitempty"`
	Publisher bool   `json:"publisher,omitempty"`
	// Waiting participants are in the waiting room: they receive but may
	// not publish until a room admin admits them.
	Waiting bool `json:"waiting,omitempty"`
	// Hidden participants (supervisors, the recorder) are never announced.
	Hidden bool `json:"-"`
}

// Track describes one published track. ID and Stream are what a receiver sees
// as the MediaStreamTrack id and MediaStream id.
type Track struct {
	ID          string   `json:"id"`
	Stream      string   `json:"stream"`
	Participant string   `json:"participant"`
	Kind        Kind     `json:"kind"`
	Codec       string   `json:"codec"`
	Layers      []string `json:"layers,omitempty"`
	Muted       bool     `json:"muted,omitempty"`
}

// Observer receives the facts of a media session as they happen, so that the
// ledger can record them. Implementations must not block.
type Observer interface {
	ParticipantJoined(room string, p Participant, at time.Time)
	ParticipantLeft(room string, identity string, reason string, at time.Time)
}

// Observers tells each of its observers every fact, in order.
type Observers []Observer

// ParticipantJoined implements Observer.
func (os Observers) ParticipantJoined(room string, p Participant, at time.Time) {
	for _, o := range os {
		o.ParticipantJoined(room, p, at)
	}
}

// ParticipantLeft implements Observer.
func (os Observers) ParticipantLeft(room, identity, reason string, at time.Time) {
	for _, o := range os {
		o.ParticipantLeft(room, identity, reason, at)
	}
}
