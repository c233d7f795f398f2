// Package signaling speaks hearingroom's WebSocket protocol (docs/signaling.md):
// it checks a client's access token, joins it to an SFU room, relays SDP and
// ICE candidates, forwards room events and moderation, and keeps the
// connection alive. One goroutine loop per connection owns its state.
package signaling

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/pion/webrtc/v4"

	"hearingroom/media"
)

// Message is one frame of the protocol, in either direction. Only the fields
// its Type uses are set.
type Message struct {
	Type         string                   `json:"type"`
	Token        string                   `json:"token,omitempty"`
	Room         string                   `json:"room,omitempty"`
	SDP          string                   `json:"sdp,omitempty"`
	Candidate    *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	You          *media.Participant       `json:"you,omitempty"`
	Participants []media.Participant      `json:"participants,omitempty"`
	Tracks       []media.Track            `json:"tracks,omitempty"`
	Participant  json.RawMessage          `json:"participant,omitempty"`
	Track        json.RawMessage          `json:"track,omitempty"`
	Quality      string                   `json:"quality,omitempty"`
	Muted        *bool                    `json:"muted,omitempty"`
	Recording    *bool                    `json:"recording,omitempty"`
	By           string                   `json:"by,omitempty"`
	Reason       string                   `json:"reason,omitempty"`
	Code         string                   `json:"code,omitempty"`
	Text         string                   `json:"message,omitempty"`
	Ref          string                   `json:"ref,omitempty"`
}

// Error codes of "error" frames; see docs/signaling.md.
const (
	CodeBadJSON           = "bad-json"
	CodeUnknownType       = "unknown-type"
	CodeMissingField      = "missing-field"
	CodeAlreadyJoined     = "already-joined"
	CodeNotJoined         = "not-joined"
	CodeBadSDP            = "bad-sdp"
	CodeNoRemote          = "no-remote-description"
	CodeBadCandidate      = "bad-candidate"
	CodeNoOfferPending    = "no-offer-pending"
	CodePublishNotAllowed = "publish-not-allowed"
	CodeForbidden         = "forbidden"
	CodeNotFound          = "not-found"
	CodeBadQuality        = "bad-quality"
	CodeUnauthorized      = "unauthorized"
	CodeRoomForbidden     = "room-forbidden"
	CodeBadRoom           = "bad-room"
	CodeNotWaiting        = "not-waiting"
)

// ProtocolError is a refused frame: Code goes back to the client in an
// "error" frame, and the session carries on.
type ProtocolError struct {
	Code    string
	Message string
}

func (e *ProtocolError) Error() string { return "signaling: " + e.Code + ": " + e.Message }

func protoErr(code, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// clientTypes are the frame types a client may send.
var clientTypes = map[string]bool{
	"join": true, "offer": true, "answer": true, "candidate": true, "layer": true,
	"mute": true, "remove": true, "ping": true, "pong": true, "leave": true,
	"move": true, "admit": true,
}

// Decode parses and validates one client frame. Every failure is a
// *ProtocolError naming what is wrong.
func Decode(data []byte) (Message, error) {
	var m Message
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return m, protoErr(CodeBadJSON, "a frame must be one JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return Message{}, protoErr(CodeBadJSON, "%v", err)
	}
	if dec.More() {
		return Message{}, protoErr(CodeBadJSON, "trailing data after the JSON object")
	}
	if !clientTypes[m.Type] {
		if m.Type == "" {
			return Message{}, protoErr(CodeUnknownType, "the frame has no type")
		}
		return Message{}, protoErr(CodeUnknownType, "unknown type %q", truncate(m.Type, 40))
	}
	if err := m.validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}

func (m *Message) validate() error {
	switch m.Type {
	case "join":
		if m.Token == "" {
			return protoErr(CodeMissingField, "join needs a token")
		}
	case "offer", "answer":
		if m.SDP == "" {
			return protoErr(CodeMissingField, "%s needs an sdp", m.Type)
		}
	case "candidate":
		if m.Candidate == nil {
			return protoErr(CodeMissingField, "candidate needs a candidate object")
		}
	case "layer":
		if _, ok := media.ParseQuality(m.Quality); !ok {
			return protoErr(CodeBadQuality, "quality must be low, medium or high")
		}
		if _, err := m.trackRef(); err != nil {
			return err
		}
	case "mute":
		p, err := m.participantRef()
		if err != nil {
			return err
		}
		t, err := m.trackRef()
		if err != nil {
			return err
		}
		if p == "" || t == "" || m.Muted == nil {
			return protoErr(CodeMissingField, "mute needs participant, track and muted")
		}
	case "remove", "admit":
		p, err := m.participantRef()
		if err != nil {
			return err
		}
		if p == "" {
			return protoErr(CodeMissingField, "%s needs a participant", m.Type)
		}
	case "move":
		p, err := m.participantRef()
		if err != nil {
			return err
		}
		if p == "" || m.Room == "" {
			return protoErr(CodeMissingField, "move needs a participant and a room")
		}
	}
	return nil
}

// participantRef returns the identity a client frame names: "participant" is
// a string identity in client frames.
func (m *Message) participantRef() (string, error) {
	return stringField(m.Participant, "participant")
}

// trackRef returns the track id a client frame names.
func (m *Message) trackRef() (string, error) {
	return stringField(m.Track, "track")
}

func stringField(raw json.RawMessage, name string) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", protoErr(CodeBadJSON, "%s must be a string", name)
	}
	return s, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// raw marshals v for a Participant or Track field of a server frame.
func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
