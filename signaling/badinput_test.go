package signaling_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/pion/webrtc/v4"

	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

// TestBadInput feeds one socket every kind of bad frame while a hearing goes
// on beside it: each gets its documented error or close code, and the
// hearing's media keeps flowing.
func TestBadInput(t *testing.T) {
	s := newServer(t)
	a := s.join(t, publisher("hearing", "official"), av...)
	b := s.join(t, publisher("hearing", "villager"), av...)
	waitFor(t, b, "media", receiving("official", 20, "cam", "mic"))

	r := s.raw(t)
	r.send(`{"type":"offer","sdp":"v=0"}`)
	r.expectError(signaling.CodeNotJoined)
	r.send(`{"type":`)
	r.expectError(signaling.CodeBadJSON)
	r.send(`{"type":"join","token":"` + token(t, publisher("hearing", "clerk")) + `"}`)
	r.expect("joined")
	for _, tc := range []struct{ frame, code string }{
		{`not json`, signaling.CodeBadJSON},
		{`{"type":"teleport"}`, signaling.CodeUnknownType},
		{`{"type":"offer"}`, signaling.CodeMissingField},
		{`{"type":"join","token":"` + token(t, publisher("hearing", "clerk2")) + `"}`, signaling.CodeAlreadyJoined},
		{`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 2130706431 127.0.0.1 9 typ host","sdpMid":"0"}}`, signaling.CodeNoRemote},
		{`{"type":"answer","sdp":"v=0\r\n"}`, signaling.CodeNoOfferPending},
		{`{"type":"offer","sdp":"this is not sdp"}`, signaling.CodeBadSDP},
		{`{"type":"offer","sdp":"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"}`, signaling.CodeBadSDP},
		{`{"type":"layer","quality":"ultra"}`, signaling.CodeBadQuality},
		{`{"type":"layer","track":"TR_none","quality":"low"}`, signaling.CodeNotFound},
		{`{"type":"mute","participant":"official","track":"x","muted":true}`, signaling.CodeForbidden},
		{`{"type":"remove","participant":"official"}`, signaling.CodeForbidden},
	} {
		r.send(tc.frame)
		r.expectError(tc.code)
	}
	// The socket still works after all that.
	r.send(`{"type":"ping"}`)
	r.expect("pong")
	// A frame over the limit closes this socket with 1009.
	r.send(`{"type":"ping","pad":"` + strings.Repeat("x", signaling.MaxFrame) + `"}`)
	r.expectClose(websocket.StatusMessageTooBig)

	// Binary frames close with 1003.
	r2 := s.raw(t)
	if err := r2.ws.Write(t.Context(), websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	r2.expectClose(websocket.StatusUnsupportedData)

	// The hearing carried on.
	before := totalFrom(b, "official")
	waitFor(t, b, "more media", func(c *client.Client) bool { return totalFrom(c, "official") > before+100 })
	if len(a.Participants()) != 1 {
		t.Errorf("official sees %v", a.Participants())
	}
}

func TestBadTokens(t *testing.T) {
	s := newServer(t)
	forger := signaling.Keys{APIKey: keys.APIKey, Secret: strings.Repeat("f", 40)}
	forged, _ := forger.Mint(publisher("hearing", "x"), time.Hour)
	expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": keys.APIKey, "sub": "x", "exp": time.Now().Add(-5 * time.Minute).Unix(),
		"video": map[string]any{"roomJoin": true, "room": "hearing"},
	}).SignedString([]byte(keys.Secret))
	for name, tok := range map[string]string{"forged": forged, "expired": expired, "garbage": "abc.def.ghi"} {
		t.Run(name, func(t *testing.T) {
			r := s.raw(t)
			r.send(`{"type":"join","token":"` + tok + `"}`)
			r.expectError(signaling.CodeUnauthorized)
			r.expectClose(signaling.CloseUnauthorized)
		})
	}
	t.Run("room A token for room B", func(t *testing.T) {
		r := s.raw(t)
		r.send(`{"type":"join","room":"hearing-B","token":"` + token(t, publisher("hearing-A", "x")) + `"}`)
		r.expectError(signaling.CodeRoomForbidden)
		r.expectClose(signaling.CloseRoomForbidden)
	})
	if st := s.sfu.Stats(); st.Participants != 0 {
		t.Errorf("refused joins left participants: %+v", st)
	}
}

// TestPublishNotAllowed: a hidden or subscribe-only participant's offer that
// sends media is refused and changes nothing.
func TestPublishNotAllowed(t *testing.T) {
	s := newServer(t)
	for _, g := range []signaling.Grant{
		{Room: "hearing", Identity: "leader", CanSubscribe: true, Hidden: true},
		{Room: "hearing", Identity: "waiting-party", CanSubscribe: true},
	} {
		r := s.raw(t)
		r.send(`{"type":"join","token":"` + token(t, g) + `"}`)
		r.expect("joined")
		offer := mediaOffer(t)
		b, _ := json.Marshal(map[string]string{"type": "offer", "sdp": offer})
		r.send(string(b))
		r.expectError(signaling.CodePublishNotAllowed)
		r.send(`{"type":"ping"}`)
		r.expect("pong")
	}
}

// mediaOffer returns a real SDP offer that sends audio and video.
func mediaOffer(t *testing.T) string {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, c := range []webrtc.RTPCodecCapability{{MimeType: webrtc.MimeTypeVP8}, {MimeType: webrtc.MimeTypeOpus}} {
		tr, err := webrtc.NewTrackLocalStaticRTP(c, "t-"+c.MimeType[:5], "s")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTrack(tr); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return offer.SDP
}

// TestModeration: a room admin mutes a participant's track (the owner is
// told, the others see it muted, forwarding stops) and removes a participant
// (4009 for it, participant-left for the others). Others may do neither.
func TestModeration(t *testing.T) {
	s := newServer(t)
	official := s.join(t, signaling.Grant{Room: "m", Identity: "mediator", CanPublish: true, CanSubscribe: true, Admin: true}, av...)
	party := s.join(t, publisher("m", "party-a"), av...)
	other := s.join(t, publisher("m", "party-b"), av...)
	waitFor(t, other, "party-a's media", receiving("party-a", 20, "cam", "mic"))
	waitFor(t, official, "party-a's media", receiving("party-a", 20, "cam", "mic"))

	var cam string
	for _, tr := range official.Tracks() {
		if tr.Participant == "party-a" && tr.Kind == "video" {
			cam = tr.ID
		}
	}
	ctx := t.Context()
	// A party may not mute another.
	if err := other.Mute(ctx, "party-a", cam, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, other, "forbidden", lastError(signaling.CodeForbidden))

	if err := official.Mute(ctx, "party-a", cam, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, party, "the muted notice", func(c *client.Client) bool {
		for _, m := range c.EventLog() {
			if m.Type == client.TypeMuted && m.Muted && m.By == "mediator" {
				return true
			}
		}
		return false
	})
	waitFor(t, other, "the track shown muted", func(c *client.Client) bool {
		for _, tr := range c.Tracks() {
			if tr.ID == cam {
				return tr.Muted
			}
		}
		return false
	})
	before, _ := other.ReceivedFrom("party-a", cam)
	in := s.sfu.Stats().PacketsIn
	waitFor(t, other, "time to pass", func(*client.Client) bool { return s.sfu.Stats().PacketsIn > in+300 })
	after, _ := other.ReceivedFrom("party-a", cam)
	if after.Packets > before.Packets+20 {
		t.Errorf("muted video still forwarded: %d -> %d packets", before.Packets, after.Packets)
	}
	// The admin may not unmute someone else; the owner may.
	if err := official.Mute(ctx, "party-a", cam, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, official, "forbidden", lastError(signaling.CodeForbidden))
	waitFor(t, party, "its own track ids", func(c *client.Client) bool {
		for _, tr := range c.OwnTracks() {
			if tr.ID == cam && tr.Muted {
				return true
			}
		}
		return false
	})
	if err := party.Mute(ctx, "party-a", cam, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, other, "video again", func(c *client.Client) bool {
		st, _ := c.ReceivedFrom("party-a", cam)
		return st.Packets > after.Packets+30
	})

	// Remove: only the admin may.
	if err := other.Remove(ctx, "party-a"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, other, "forbidden", lastError(signaling.CodeForbidden))
	if err := official.Remove(ctx, "party-a"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-party.Done():
	case <-time.After(waitLong):
		t.Fatal("the removed party's session did not end")
	}
	if party.CloseStatus() != int(signaling.CloseRemoved) {
		t.Errorf("removed party closed with %d, want %d", party.CloseStatus(), signaling.CloseRemoved)
	}
	waitFor(t, other, "party-a gone", func(c *client.Client) bool { return len(c.Participants()) == 1 })
}

func lastError(code string) func(*client.Client) bool {
	return func(c *client.Client) bool {
		log := c.EventLog()
		for i := len(log) - 1; i >= 0; i-- {
			if log[i].Type == client.TypeError {
				return log[i].Code == code
			}
		}
		return false
	}
}

// TestDeadPeerAndJoinTimeout: a socket that never joins, and a participant
// that goes silent, are closed with 4008; the others are told.
func TestDeadPeerAndJoinTimeout(t *testing.T) {
	s := newServer(t, func(h *signaling.Handler) {
		h.JoinTimeout = 300 * time.Millisecond
		h.PingInterval = 100 * time.Millisecond
		h.DeadAfter = 600 * time.Millisecond
	})
	r := s.raw(t)
	r.expectClose(signaling.CloseTimeout)

	a := s.join(t, publisher("hearing", "official"))
	r2 := s.raw(t)
	r2.send(`{"type":"join","token":"` + token(t, publisher("hearing", "silent")) + `"}`)
	r2.expect("joined")
	waitFor(t, a, "silent's arrival", func(c *client.Client) bool { return len(c.Participants()) == 1 })
	// r2 never answers pings: dropped, and the official is told.
	waitFor(t, a, "silent's departure", func(c *client.Client) bool {
		for _, m := range c.EventLog() {
			if m.Type == client.TypeLeftPeer && m.Reason == "timeout" {
				return true
			}
		}
		return false
	})
	r2.expectClose(signaling.CloseTimeout)
	select {
	case <-a.Done():
		t.Fatal("the answering client was dropped too")
	default:
	}
}

// TestReplacedIdentity: joining again with the same identity (a kiosk that
// reloaded) replaces the old session.
func TestReplacedIdentity(t *testing.T) {
	s := newServer(t)
	old := s.join(t, publisher("hearing", "kiosk"), av...)
	official := s.join(t, publisher("hearing", "official"))
	waitFor(t, official, "media", receiving("kiosk", 20, "cam", "mic"))
	fresh := s.join(t, publisher("hearing", "kiosk"), av...)
	select {
	case <-old.Done():
	case <-time.After(waitLong):
		t.Fatal("the old session did not end")
	}
	if old.CloseStatus() != int(signaling.CloseRemoved) {
		t.Errorf("old session closed with %d", old.CloseStatus())
	}
	_ = fresh
	waitFor(t, official, "the new session's media", func(c *client.Client) bool {
		n := 0
		for _, tr := range c.Tracks() {
			if tr.Participant == "kiosk" {
				n++
				if st, ok := c.ReceivedFrom("kiosk", tr.ID); !ok || st.Packets < 20 {
					return false
				}
			}
		}
		return n == 2
	})
}

// TestShutdown: the server tells every client it is closing and closes with 1001.
func TestShutdown(t *testing.T) {
	s := newServer(t)
	a := s.join(t, publisher("hearing", "official"), av...)
	if err := s.h.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.Done():
	case <-time.After(waitLong):
		t.Fatal("client not closed")
	}
	if a.CloseStatus() != int(websocket.StatusGoingAway) {
		t.Errorf("close status %d, want 1001", a.CloseStatus())
	}
	seen := false
	for _, m := range a.EventLog() {
		seen = seen || m.Type == client.TypeClosing
	}
	if !seen {
		t.Error("no closing frame")
	}
	if st := s.sfu.Stats(); st.Participants != 0 {
		t.Errorf("participants left after shutdown: %+v", st)
	}
}
