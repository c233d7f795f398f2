package signaling_test

import (
	"testing"

	"github.com/pion/rtcp"

	"hearingroom/signaling/client"
)

// TestKeyframeRequests: a subscriber's decoder asking for keyframes reaches
// the publisher, rate-limited; and nobody asks the publisher for keyframes
// when no subscriber needs one (no blind periodic PLI).
func TestKeyframeRequests(t *testing.T) {
	s := newServer(t)
	pub := s.join(t, publisher("hearing", "kiosk"), client.TrackSpec{Kind: "video", ID: "cam"})
	sub := s.join(t, publisher("hearing", "official"))
	waitFor(t, sub, "video", receiving("kiosk", 30, "cam"))
	plis := func() uint64 {
		var n uint64
		for _, st := range pub.Sent() {
			n += st.PLIs + st.FIRs
		}
		return n
	}
	// Quiet: the joins' requests are done; several seconds pass without one.
	base := plis()
	in := s.sfu.Stats().PacketsIn
	waitFor(t, sub, "three seconds of media", func(*client.Client) bool { return s.sfu.Stats().PacketsIn > in+200 })
	if got := plis(); got != base {
		t.Fatalf("publisher got %d keyframe requests while nobody needed one", got-base)
	}

	// A burst of 50 PLIs from the subscriber becomes one request, then at most
	// one per 500 ms.
	st := statsOf(sub, "kiosk", "cam")
	if len(st.SSRCs) == 0 {
		t.Fatal("no SSRC for the received video")
	}
	for i := 0; i < 50; i++ {
		if err := sub.PeerConnection().WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: st.SSRCs[0]}}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, sub, "the forwarded request", func(*client.Client) bool { return plis() > base })
	in = s.sfu.Stats().PacketsIn
	waitFor(t, sub, "a second of media", func(*client.Client) bool { return s.sfu.Stats().PacketsIn > in+70 })
	if got := plis() - base; got > 3 {
		t.Fatalf("50 PLIs became %d requests to the publisher; want rate-limited to at most 3", got)
	}
}
