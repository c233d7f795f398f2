package signaling_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"hearingroom/media/sfu"
	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

// TestICETCP: participants whose network carries no UDP still hold a
// hearing, over the SFU's one ICE-TCP port.
func TestICETCP(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := sfu.New(sfu.Config{LoopbackOnly: true, TCPAddr: "127.0.0.1:0"}, log)
	if err != nil {
		t.Fatal(err)
	}
	h := signaling.NewHandler(s, keys, log)
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		_ = h.Shutdown(context.Background())
		hs.Close()
		s.Close()
	})
	api, err := client.NewAPI(nil, webrtc.NetworkTypeTCP4)
	if err != nil {
		t.Fatal(err)
	}
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/rtc"
	var cs []*client.Client
	for _, id := range []string{"official", "villager"} {
		c, err := client.Dial(t.Context(), client.Options{URL: url, Token: token(t, publisher("tcp", id)), Publish: av, API: api})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.StartMedia()
		cs = append(cs, c)
	}
	waitFor(t, cs[0], "villager's media over TCP", receiving("villager", 20, "cam", "mic"))
	waitFor(t, cs[1], "official's media over TCP", receiving("official", 20, "cam", "mic"))
	pair, err := selectedPair(cs[0].PeerConnection())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pair, "tcp") {
		t.Fatalf("selected candidate pair is not TCP: %s", pair)
	}
}

func selectedPair(pc *webrtc.PeerConnection) (string, error) {
	for _, st := range pc.GetStats() {
		if cp, ok := st.(webrtc.ICECandidatePairStats); ok && cp.Nominated {
			for _, o := range pc.GetStats() {
				if lc, ok := o.(webrtc.ICECandidateStats); ok && lc.ID == cp.LocalCandidateID {
					return lc.Protocol + " " + lc.IP, nil
				}
			}
		}
	}
	return "", errors.New("no nominated candidate pair")
}
