package signaling_test

import (
	"context"
	"fmt"
	"testing"

	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

func TestTwoParticipants(t *testing.T) { testRoom(t, 2) }

func TestFiveParticipants(t *testing.T) { testRoom(t, 5) }

// testRoom has n participants publish VP8 and Opus; each must receive every
// other's packets. Then one leaves: the others are told and stop receiving it.
func testRoom(t *testing.T, n int) {
	s := newServer(t)
	var cs []*client.Client
	for i := 0; i < n; i++ {
		cs = append(cs, s.join(t, publisher("mediation", fmt.Sprintf("p%d", i)), av...))
	}
	for _, c := range cs {
		for _, o := range cs {
			if o != c {
				waitFor(t, c, "media from "+o.Identity(), receiving(o.Identity(), 20, "cam", "mic"))
			}
		}
		if got := len(c.Participants()); got != n-1 {
			t.Errorf("%s sees %d participants, want %d", c.Identity(), got, n-1)
		}
	}
	if st := s.sfu.Stats(); st.Participants != n || st.Tracks != 2*n || st.DownTracks != 2*n*(n-1) {
		t.Errorf("sfu stats = %+v", st)
	}

	leaver := cs[0]
	leaver.Close()
	for _, c := range cs[1:] {
		waitFor(t, c, "p0's departure", func(c *client.Client) bool {
			for _, p := range c.Participants() {
				if p.Identity == "p0" {
					return false
				}
			}
			for _, tr := range c.Tracks() {
				if tr.Participant == "p0" {
					return false
				}
			}
			return true
		})
	}
	// The down-tracks were removed before the events were sent, so at most
	// the packets already in flight arrive after. Let the server take in
	// 200 more packets from the others, then compare.
	before := totalFrom(cs[1], "p0")
	in := s.sfu.Stats().PacketsIn
	waitFor(t, cs[1], "more media at the server", func(*client.Client) bool { return s.sfu.Stats().PacketsIn > in+200 })
	if after := totalFrom(cs[1], "p0"); after > before+20 {
		t.Errorf("p1 kept receiving p0: %d packets at the departure, %d after", before, after)
	}
	if st := s.sfu.Stats(); st.Participants != n-1 || st.DownTracks != 2*(n-1)*(n-2) {
		t.Errorf("after leave: sfu stats = %+v", st)
	}
}

// totalFrom counts the packets c received from one publisher.
func totalFrom(c *client.Client, from string) uint64 {
	var n uint64
	for _, st := range c.Received() {
		if st.Stream == from {
			n += st.Packets
		}
	}
	return n
}

// TestSimulcastLayers: a publisher sends two layers; one subscriber asks for
// the low one and another for the high one, and each gets only that, with
// sequence numbers that stay continuous across a switch.
func TestSimulcastLayers(t *testing.T) {
	s := newServer(t)
	pub := s.join(t, publisher("hearing", "kiosk"), client.TrackSpec{Kind: "video", ID: "cam", Simulcast: []string{"l", "h"}})
	low := s.join(t, publisher("hearing", "wall"))
	high := s.join(t, publisher("hearing", "official"))
	_ = pub

	var trackID string
	waitFor(t, low, "the simulcast track", func(c *client.Client) bool {
		for _, tr := range c.Tracks() {
			if tr.Participant == "kiosk" && len(tr.Layers) == 2 {
				trackID = tr.ID
				return true
			}
		}
		return false
	})
	ctx := context.Background()
	if err := low.SetLayer(ctx, trackID, "low"); err != nil {
		t.Fatal(err)
	}
	if err := high.SetLayer(ctx, "", "high"); err != nil {
		t.Fatal(err)
	}
	onLayer := func(layer int) func(*client.Client) bool {
		return func(c *client.Client) bool {
			st, ok := c.ReceivedFrom("kiosk", trackID)
			return ok && st.LastLayer == layer && st.Packets > 50
		}
	}
	waitFor(t, low, "the low layer", onLayer(0))
	waitFor(t, high, "the high layer", onLayer(1))

	// From here on each must get only its layer.
	l0, _ := low.ReceivedFrom("kiosk", trackID)
	h0, _ := high.ReceivedFrom("kiosk", trackID)
	waitFor(t, low, "200 more packets", func(c *client.Client) bool {
		st, _ := c.ReceivedFrom("kiosk", trackID)
		return st.Packets > l0.Packets+200
	})
	waitFor(t, high, "200 more packets", func(c *client.Client) bool {
		st, _ := c.ReceivedFrom("kiosk", trackID)
		return st.Packets > h0.Packets+200
	})
	l1, _ := low.ReceivedFrom("kiosk", trackID)
	h1, _ := high.ReceivedFrom("kiosk", trackID)
	if layerCount(l1, 1) != layerCount(l0, 1) {
		t.Errorf("low subscriber got high-layer packets: %v -> %v", l0.LayerPackets, l1.LayerPackets)
	}
	if layerCount(h1, 0) != layerCount(h0, 0) {
		t.Errorf("high subscriber got low-layer packets: %v -> %v", h0.LayerPackets, h1.LayerPackets)
	}
	if len(l1.SSRCs) != 1 || len(h1.SSRCs) != 1 {
		t.Errorf("a subscriber saw several SSRCs: low %v high %v", l1.SSRCs, h1.SSRCs)
	}

	// Switch the low subscriber up: it moves at a keyframe, with no gap.
	if err := low.SetLayer(ctx, trackID, "high"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, low, "the switch to high", onLayer(1))
	l2, _ := low.ReceivedFrom("kiosk", trackID)
	if l2.Lost > l1.Lost+5 || l2.OutOfOrder > l1.OutOfOrder+5 {
		t.Errorf("switch broke the sequence: lost %d->%d, out of order %d->%d", l1.Lost, l2.Lost, l1.OutOfOrder, l2.OutOfOrder)
	}
}

func layerCount(st client.TrackStats, layer int) uint64 {
	if layer < len(st.LayerPackets) {
		return st.LayerPackets[layer]
	}
	return 0
}

// TestHiddenObserver: a hidden supervisor receives both participants and is
// never announced to them; it cannot publish.
func TestHiddenObserver(t *testing.T) {
	s := newServer(t)
	a := s.join(t, publisher("hearing", "official"), av...)
	b := s.join(t, publisher("hearing", "villager"), av...)
	sup := s.join(t, signaling.Grant{Room: "hearing", Identity: "supervisor", CanSubscribe: true, Hidden: true})
	waitFor(t, sup, "official's media", receiving("official", 20, "cam", "mic"))
	waitFor(t, sup, "villager's media", receiving("villager", 20, "cam", "mic"))
	if got := len(sup.Participants()); got != 2 {
		t.Errorf("supervisor sees %d participants, want 2", got)
	}
	for _, c := range []*client.Client{a, b} {
		waitFor(t, c, "media", func(c *client.Client) bool { return len(c.Received()) >= 2 })
		for _, m := range c.EventLog() {
			if m.Participant != nil && m.Participant.Identity == "supervisor" {
				t.Errorf("%s was told about the supervisor: %+v", c.Identity(), m)
			}
		}
		for _, p := range c.Participants() {
			if p.Identity == "supervisor" {
				t.Errorf("%s lists the supervisor", c.Identity())
			}
		}
	}

}
