package client_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"hearingroom/media/sfu"
	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

// checkGoroutines fails the test if goroutines started during it are still
// running 5 s after it ended (go.mod has no goleak at the moment).
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines left (%d before):\n%s", n-before, before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// announced returns the id of the first track of kind that identity
// published, as c saw it announced (the server assigns its own ids).
func announced(c *client.Client, identity, kind string) string {
	for _, tr := range c.Tracks() {
		if tr.Participant == identity && tr.Kind == kind {
			return tr.ID
		}
	}
	return ""
}

// server is the real signaling handler and SFU on loopback.
type server struct {
	url  string
	keys signaling.Keys
	h    *signaling.Handler
}

func startServer(t *testing.T) *server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("CLIENT_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := sfu.New(sfu.Config{LoopbackOnly: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	keys := signaling.Keys{APIKey: "test", Secret: "secret-secret-secret-secret-secret"}
	h := signaling.NewHandler(s, keys, log)
	mux := http.NewServeMux()
	mux.Handle("/rtc", h)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
		s.Close()
	})
	return &server{url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/rtc", keys: keys, h: h}
}

func (s *server) dial(t *testing.T, ctx context.Context, g signaling.Grant, publish ...client.TrackSpec) *client.Client {
	t.Helper()
	if g.Room == "" {
		g.Room = "hearing-1"
	}
	tok, err := s.keys.Mint(g, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, client.Options{URL: s.url, Token: tok, Publish: publish})
	if err != nil {
		t.Fatalf("dial %s: %v", g.Identity, err)
	}
	t.Cleanup(func() {
		c.Close()
		for _, ev := range c.EventLog() {
			if ev.Type == client.TypeClientError {
				t.Errorf("%s: %s: %s", g.Identity, ev.Ref, ev.Message)
			}
		}
	})
	c.StartMedia()
	return c
}

func hasTrack(c *client.Client, stream, track string, packets uint64) bool {
	st, ok := c.ReceivedFrom(stream, track)
	return ok && st.Packets >= packets
}

func TestTwoClientsExchangeMedia(t *testing.T) {
	checkGoroutines(t)
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	av := []client.TrackSpec{{Kind: "audio"}, {Kind: "video"}}
	a := srv.dial(t, ctx, signaling.Grant{Identity: "a", CanPublish: true, CanSubscribe: true}, av...)
	b := srv.dial(t, ctx, signaling.Grant{Identity: "b", CanPublish: true, CanSubscribe: true}, av...)
	for _, c := range []*client.Client{a, b} {
		if err := c.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, pair := range [][2]*client.Client{{a, b}, {b, a}} {
		rx, tx := pair[0], pair[1]
		err := rx.WaitFor(ctx, func(c *client.Client) bool {
			for _, tr := range c.Tracks() {
				if !hasTrack(c, tx.Identity(), tr.ID, 30) {
					return false
				}
			}
			return len(c.Tracks()) == 2 && len(c.Participants()) == 1
		})
		if err != nil {
			t.Fatalf("%s receiving from %s: %v; received %+v; tracks %+v; events %+v",
				rx.Identity(), tx.Identity(), err, rx.Received(), rx.Tracks(), rx.EventLog())
		}
	}
	for k, st := range a.Received() {
		if st.Kind == "video" && st.Keyframes == 0 {
			t.Errorf("%s: no keyframe: %+v", k, st)
		}
		if st.Tagged != st.Packets || st.LastLayer != 0 {
			t.Errorf("%s: tags: %+v", k, st)
		}
	}
	d := a.Delays()
	t.Logf("a received %+v; delay p50 %v p99 %v max %v over %d packets; a sent %+v",
		a.Received(), d.Quantile(0.5), d.Quantile(0.99), d.Max(), d.Count(), a.Sent())

	// b leaves: a hears of it, b's socket closes with 1000.
	b.Close()
	if got := b.CloseStatus(); got != 1000 {
		t.Errorf("close status after leave %d, want 1000", got)
	}
	ev, err := a.WaitEvent(ctx, client.IsType(client.TypeLeftPeer))
	if err != nil || ev.ParticipantID != "b" || ev.Reason != "left" {
		t.Errorf("participant-left: %+v, %v", ev, err)
	}
	if err := a.WaitFor(ctx, func(c *client.Client) bool { return len(c.Tracks()) == 0 && len(c.Participants()) == 0 }); err != nil {
		t.Errorf("state after b left: %v: %+v %+v", err, a.Tracks(), a.Participants())
	}
	a.Close()
}

func TestSimulcastLayerSwitch(t *testing.T) {
	checkGoroutines(t)
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()

	pub := srv.dial(t, ctx, signaling.Grant{Identity: "pub", CanPublish: true, CanSubscribe: true},
		client.TrackSpec{Kind: "video", Simulcast: []string{"l", "h"}})
	sub := srv.dial(t, ctx, signaling.Grant{Identity: "sub", CanSubscribe: true, Hidden: true})
	var video string
	if err := sub.WaitFor(ctx, func(c *client.Client) bool {
		video = announced(c, "pub", "video")
		return video != ""
	}); err != nil {
		t.Fatal(err)
	}

	layerIs := func(layer int) func(*client.Client) bool {
		return func(c *client.Client) bool {
			st, ok := c.ReceivedFrom("pub", video)
			return ok && st.LastLayer == layer && st.Packets > 20
		}
	}
	if err := sub.WaitFor(ctx, func(c *client.Client) bool {
		st, ok := c.ReceivedFrom("pub", video)
		return ok && st.Packets > 20
	}); err != nil {
		t.Fatalf("no video: %v; %+v; sent %+v", err, sub.Received(), pub.Sent())
	}
	st, _ := sub.ReceivedFrom("pub", video)
	t.Logf("initial layer %d: %+v", st.LastLayer, st)

	for _, step := range []struct {
		quality string
		layer   int
	}{{"low", 0}, {"high", 1}, {"low", 0}} {
		if err := sub.SetLayer(ctx, video, step.quality); err != nil {
			t.Fatal(err)
		}
		if err := sub.WaitFor(ctx, layerIs(step.layer)); err != nil {
			st, _ := sub.ReceivedFrom("pub", video)
			t.Fatalf("layer %s: %v; %+v; events %+v", step.quality, err, st, sub.EventLog())
		}
	}
	st, _ = sub.ReceivedFrom("pub", video)
	if st.Lost != 0 || st.OutOfOrder != 0 || len(st.SSRCs) != 1 {
		t.Errorf("switches not seamless: %+v", st)
	}
	t.Logf("after switches: %+v; sent %+v", st, pub.Sent())

	if err := sub.SetLayer(ctx, video, "best"); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitEvent(ctx, client.IsError("bad-quality")); err != nil {
		t.Errorf("bad quality: %v", err)
	}
}

func TestJoinRefused(t *testing.T) {
	checkGoroutines(t)
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.Dial(ctx, client.Options{URL: srv.url, Token: "not-a-token"})
	var je *client.JoinError
	if !errors.As(err, &je) || je.Err == nil || je.Err.Code != "unauthorized" || je.CloseCode != 4001 {
		t.Errorf("bad token: %v", err)
	}
}

func TestModerationAndErrors(t *testing.T) {
	checkGoroutines(t)
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	admin := srv.dial(t, ctx, signaling.Grant{Identity: "clerk", CanPublish: true, CanSubscribe: true, Admin: true},
		client.TrackSpec{Kind: "audio"})
	kiosk := srv.dial(t, ctx, signaling.Grant{Identity: "kiosk", CanPublish: true, CanSubscribe: true},
		client.TrackSpec{Kind: "audio"})
	var audio string
	if err := admin.WaitFor(ctx, func(c *client.Client) bool {
		audio = announced(c, "kiosk", "audio")
		return audio != ""
	}); err != nil {
		t.Fatal(err)
	}
	if err := admin.WaitFor(ctx, func(c *client.Client) bool { return hasTrack(c, "kiosk", audio, 10) }); err != nil {
		t.Fatal(err)
	}

	if err := admin.Mute(ctx, "kiosk", audio, true); err != nil {
		t.Fatal(err)
	}
	ev, err := kiosk.WaitEvent(ctx, client.IsType(client.TypeMuted))
	if err != nil || !ev.Muted || ev.By != "clerk" || ev.TrackID != audio {
		t.Errorf("muted: %+v (%s), %v", ev, ev.Raw, err)
	}
	if err := admin.WaitFor(ctx, func(c *client.Client) bool {
		tr := c.Tracks()
		return len(tr) == 1 && tr[0].Muted
	}); err != nil {
		t.Errorf("track-updated muted: %v: %+v", err, admin.Tracks())
	}
	st, _ := admin.ReceivedFrom("kiosk", audio)
	time.Sleep(300 * time.Millisecond)
	later, _ := admin.ReceivedFrom("kiosk", audio)
	t.Logf("while muted, packets %d -> %d", st.Packets, later.Packets)

	if err := admin.Mute(ctx, "kiosk", audio, false); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.WaitEvent(ctx, client.IsError("forbidden")); err != nil {
		t.Errorf("admin unmuting another: %v", err)
	}
	if err := kiosk.SendText(ctx, []byte("{nope")); err != nil {
		t.Fatal(err)
	}
	if _, err := kiosk.WaitEvent(ctx, client.IsError("bad-json")); err != nil {
		t.Errorf("bad json: %v", err)
	}

	if err := admin.Remove(ctx, "kiosk"); err != nil {
		t.Fatal(err)
	}
	ev, err = kiosk.WaitEvent(ctx, client.IsType(client.TypeRemoved))
	if err != nil || ev.Reason != "removed" || ev.By != "clerk" {
		t.Errorf("removed: %+v, %v", ev, err)
	}
	select {
	case <-kiosk.Done():
	case <-ctx.Done():
		t.Fatal("kiosk not closed after removal")
	}
	if got := kiosk.CloseStatus(); got != 4009 {
		t.Errorf("close status %d, want 4009", got)
	}
	ev, err = admin.WaitEvent(ctx, client.IsType(client.TypeLeftPeer))
	if err != nil || ev.Reason != "removed" {
		t.Errorf("participant-left: %+v, %v", ev, err)
	}
	kiosk.Close()
	admin.Close()
}

func TestFiveClientsH264AndLateJoin(t *testing.T) {
	checkGoroutines(t)
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	var cs []*client.Client
	for i, name := range []string{"p1", "p2", "p3", "p4"} {
		video := client.TrackSpec{Kind: "video"}
		if i%2 == 1 {
			video.Codec = "video/H264"
		}
		cs = append(cs, srv.dial(t, ctx, signaling.Grant{Identity: name, CanPublish: true, CanSubscribe: true},
			client.TrackSpec{Kind: "audio"}, video))
	}
	// The fifth joins late, subscribe-only, and learns the tracks from "joined".
	late := srv.dial(t, ctx, signaling.Grant{Identity: "viewer", CanSubscribe: true})
	if n := len(late.Tracks()); n < 6 {
		t.Logf("late joiner saw %d tracks in joined", n)
	}
	cs = append(cs, late)
	for _, c := range cs {
		want := 6
		if c == late {
			want = 8
		}
		err := c.WaitFor(ctx, func(c *client.Client) bool {
			rec := c.Received()
			if len(rec) != want {
				return false
			}
			for _, st := range rec {
				if st.Packets < 20 || (st.Kind == "video" && st.Keyframes == 0) {
					return false
				}
			}
			return true
		})
		if err != nil {
			t.Fatalf("%s: %v: %+v", c.Identity(), err, c.Received())
		}
	}
	for k, st := range late.Received() {
		if st.Tagged != st.Packets && !strings.Contains(st.Codec, "264") { // H.264 STAP-As have no tag
			t.Errorf("%s: %d of %d tagged", k, st.Tagged, st.Packets)
		}
	}
	d := late.Delays()
	t.Logf("viewer: %d packets, delay p50 %v p99 %v max %v", d.Count(), d.Quantile(.5), d.Quantile(.99), d.Max())
}

func TestPublishNotAllowedPingAndShutdown(t *testing.T) {
	checkGoroutines(t)
	srv := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	tok, err := srv.keys.Mint(signaling.Grant{Identity: "guest", Room: "hearing-1", CanSubscribe: true}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	guest, err := client.Dial(ctx, client.Options{URL: srv.url, Token: tok, Publish: []client.TrackSpec{{Kind: "audio"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer guest.Close()
	ev, err := guest.WaitEvent(ctx, client.IsError("publish-not-allowed"))
	if err != nil || ev.Ref != client.TypeOffer {
		t.Errorf("publish-not-allowed: %+v, %v", ev, err)
	}
	if err := guest.Send(ctx, client.Message{Type: client.TypePing}); err != nil {
		t.Fatal(err)
	}
	if _, err := guest.WaitEvent(ctx, client.IsType(client.TypePong)); err != nil {
		t.Errorf("pong: %v", err)
	}
	if err := guest.Send(ctx, client.Message{Type: client.TypeJoin, Token: tok}); err != nil {
		t.Fatal(err)
	}
	if _, err := guest.WaitEvent(ctx, client.IsError("already-joined")); err != nil {
		t.Errorf("already-joined: %v", err)
	}

	other := srv.dial(t, ctx, signaling.Grant{Identity: "other", CanPublish: true, CanSubscribe: true})
	go srv.h.Shutdown(ctx)
	if _, err := other.WaitEvent(ctx, client.IsType(client.TypeClosing)); err != nil {
		t.Errorf("closing: %v", err)
	}
	select {
	case <-other.Done():
	case <-ctx.Done():
		t.Fatal("not closed at shutdown")
	}
	if got := other.CloseStatus(); got != 1001 {
		t.Errorf("close status %d, want 1001", got)
	}
}
