package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pion/webrtc/v4"
)

// Frame types of the protocol (docs/signaling.md).
const (
	TypeJoin        = "join"
	TypeJoined      = "joined"
	TypeOffer       = "offer"
	TypeAnswer      = "answer"
	TypeCandidate   = "candidate"
	TypeLayer       = "layer"
	TypeMute        = "mute"
	TypeRemove      = "remove"
	TypePing        = "ping"
	TypePong        = "pong"
	TypeLeave       = "leave"
	TypeError       = "error"
	TypeClosing     = "closing"
	TypeMuted       = "muted"
	TypeRemoved     = "removed"
	TypeJoinedPeer  = "participant-joined"
	TypeLeftPeer    = "participant-left"
	TypePublished   = "track-published"
	TypeUpdated     = "track-updated"
	TypeUnpublished = "track-unpublished"
	TypeRecording   = "recording"
	TypeMove        = "move"
	TypeMoved       = "moved"
	TypeAdmit       = "admit"
	TypeAdmitted    = "admitted"
	TypeUpdatedPeer = "participant-updated"

	// TypeClientError is never sent on the wire: the client queues it as an
	// event when the server's signaling could not be applied locally (an
	// offer or candidate the peer connection refused). Its Message field says
	// why and its Ref names the frame type.
	TypeClientError = "client-error"
)

// Participant is the protocol's participant object.
type Participant struct {
	Identity  string `json:"identity"`
	Name      string `json:"name,omitempty"`
	Metadata  string `json:"metadata,omitempty"`
	Admin     bool   `json:"admin,omitempty"`
	Publisher bool   `json:"publisher,omitempty"`
	Waiting   bool   `json:"waiting,omitempty"` // in the waiting room until admitted
}

// Track is the protocol's track object. ID is the MediaStreamTrack id and
// Stream the MediaStream id (the publisher's identity) seen in OnTrack.
type Track struct {
	ID          string   `json:"id"`
	Stream      string   `json:"stream"`
	Participant string   `json:"participant"`
	Kind        string   `json:"kind"`
	Codec       string   `json:"codec"`
	Layers      []string `json:"layers,omitempty"`
	Muted       bool     `json:"muted,omitempty"`
}

// Message is one frame, in either direction. Only the fields its Type uses
// are set.
//
// "participant" and "track" are strings (an identity, a track id) in client
// frames and objects in server frames. On sending, Participant and Track are
// written as objects when set, otherwise ParticipantID and TrackID as
// strings. On receiving, either form is accepted: an object fills
// Participant (or Track) and also ParticipantID (or TrackID), a string fills
// only the ID. "muted" is written when Type is "mute" or Muted is true;
// "recording" when Type is "joined" or "recording", or Recording is true.
type Message struct {
	Type          string
	Token         string
	Room          string
	SDP           string
	Candidate     *webrtc.ICECandidateInit
	You           *Participant
	Participants  []Participant
	Tracks        []Track
	Participant   *Participant
	ParticipantID string
	Track         *Track
	TrackID       string
	Quality       string
	Muted         bool
	Recording     bool // of "joined" and "recording": whether the room is recorded
	By            string
	Reason        string
	Code          string
	Message       string
	Ref           string

	// Raw is the frame as received (nil on frames built locally).
	Raw json.RawMessage
}

type wireMessage struct {
	Type         string                   `json:"type"`
	Token        string                   `json:"token,omitempty"`
	Room         string                   `json:"room,omitempty"`
	SDP          string                   `json:"sdp,omitempty"`
	Candidate    *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	You          *Participant             `json:"you,omitempty"`
	Participants []Participant            `json:"participants,omitempty"`
	Tracks       []Track                  `json:"tracks,omitempty"`
	Participant  json.RawMessage          `json:"participant,omitempty"`
	Track        json.RawMessage          `json:"track,omitempty"`
	Quality      string                   `json:"quality,omitempty"`
	Muted        *bool                    `json:"muted,omitempty"`
	Recording    *bool                    `json:"recording,omitempty"`
	By           json.RawMessage          `json:"by,omitempty"`
	Reason       string                   `json:"reason,omitempty"`
	Code         string                   `json:"code,omitempty"`
	Message      string                   `json:"message,omitempty"`
	Ref          string                   `json:"ref,omitempty"`
}

// MarshalJSON writes m in the wire format described on Message.
func (m Message) MarshalJSON() ([]byte, error) {
	w := wireMessage{
		Type: m.Type, Token: m.Token, Room: m.Room, SDP: m.SDP, Candidate: m.Candidate,
		You: m.You, Participants: m.Participants, Tracks: m.Tracks, Quality: m.Quality,
		Reason: m.Reason, Code: m.Code, Message: m.Message, Ref: m.Ref,
	}
	var err error
	if w.Participant, err = objectOrString(m.Participant, m.ParticipantID); err != nil {
		return nil, err
	}
	if w.Track, err = objectOrString(m.Track, m.TrackID); err != nil {
		return nil, err
	}
	if m.By != "" {
		w.By, _ = json.Marshal(m.By)
	}
	if m.Type == TypeMute || m.Muted {
		muted := m.Muted
		w.Muted = &muted
	}
	if m.Type == TypeJoined || m.Type == TypeRecording || m.Recording {
		recording := m.Recording
		w.Recording = &recording
	}
	return json.Marshal(w)
}

func objectOrString[T any](obj *T, id string) (json.RawMessage, error) {
	switch {
	case obj != nil:
		return json.Marshal(obj)
	case id != "":
		return json.Marshal(id)
	}
	return nil, nil
}

// UnmarshalJSON reads a frame in the wire format described on Message.
func (m *Message) UnmarshalJSON(data []byte) error {
	var w wireMessage
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*m = Message{
		Type: w.Type, Token: w.Token, Room: w.Room, SDP: w.SDP, Candidate: w.Candidate,
		You: w.You, Participants: w.Participants, Tracks: w.Tracks, Quality: w.Quality,
		Reason: w.Reason, Code: w.Code, Message: w.Message, Ref: w.Ref,
		Muted:     w.Muted != nil && *w.Muted,
		Recording: w.Recording != nil && *w.Recording,
		Raw:       append(json.RawMessage(nil), data...),
	}
	p, pid, err := decodeRef[Participant](w.Participant, "participant")
	if err != nil {
		return err
	}
	m.Participant, m.ParticipantID = p, pid
	if p != nil {
		m.ParticipantID = p.Identity
	}
	t, tid, err := decodeRef[Track](w.Track, "track")
	if err != nil {
		return err
	}
	m.Track, m.TrackID = t, tid
	if t != nil {
		m.TrackID = t.ID
	}
	by, byID, err := decodeRef[Participant](w.By, "by")
	if err != nil {
		return err
	}
	m.By = byID
	if by != nil {
		m.By = by.Identity
	}
	return nil
}

// decodeRef decodes a field that is either a JSON object of type T or a
// string identifier.
func decodeRef[T any](raw json.RawMessage, name string) (*T, string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, "", fmt.Errorf("client: field %s: %w", name, err)
		}
		return nil, s, nil
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, "", fmt.Errorf("client: field %s: %w", name, err)
	}
	return v, "", nil
}

// ErrClosed is returned by operations on a client whose session has ended.
var ErrClosed = errors.New("client: session closed")

// ServerError is an "error" frame from the server.
type ServerError struct {
	Code    string // e.g. "unauthorized", "bad-sdp"
	Message string
	Ref     string // the type of the frame it answers
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("client: server error %s (ref %q): %s", e.Code, e.Ref, e.Message)
}

// JoinError reports a refused join. Err is the server's error frame (nil if
// the server closed without one); CloseCode is the WebSocket close code that
// followed (0 if none was seen).
type JoinError struct {
	Err       *ServerError
	CloseCode int
	Reason    string // the close reason, if any
}

func (e *JoinError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("client: join refused: %s %s (close %d)", e.Err.Code, e.Err.Message, e.CloseCode)
	}
	return fmt.Sprintf("client: join refused: close %d %s", e.CloseCode, e.Reason)
}

// Unwrap returns the server's error frame, if any.
func (e *JoinError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}
