package sfu_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"hearingroom/media"
	"hearingroom/media/sfu"
	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

// fakeRecorder records what the SFU tells it; every sink it hands out
// counts what reaches it.
type fakeRecorder struct {
	mu    sync.Mutex
	sinks []*fakeSink
}

func (r *fakeRecorder) TrackStarted(room string, p media.Participant, t media.Track, c media.Codec, keyframe func()) media.TrackSink {
	s := &fakeSink{room: room, p: p, t: t, c: c, keyframe: keyframe, ssrcs: map[uint32]int{}}
	r.mu.Lock()
	r.sinks = append(r.sinks, s)
	r.mu.Unlock()
	return s
}

func (r *fakeRecorder) all() []*fakeSink {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*fakeSink(nil), r.sinks...)
}

// of returns the sinks of one participant's tracks of kind.
func (r *fakeRecorder) of(identity string, kind media.Kind) []*fakeSink {
	var out []*fakeSink
	for _, s := range r.all() {
		if s.p.Identity == identity && s.t.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

type fakeSink struct {
	room     string
	p        media.Participant
	t        media.Track
	c        media.Codec
	keyframe func()

	mu         sync.Mutex
	packets    int
	ssrcs      map[uint32]int // packets per SSRC
	srs        map[uint32]int // sender reports per SSRC
	closes     int
	afterClose int // calls after Close
}

func (s *fakeSink) WriteRTP(b []byte, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closes > 0 {
		s.afterClose++
	}
	if len(b) >= 12 && !at.IsZero() {
		s.packets++
		s.ssrcs[binary.BigEndian.Uint32(b[8:12])]++
	}
}

func (s *fakeSink) SenderReport(ssrc uint32, ntp uint64, rtpTime uint32, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closes > 0 {
		s.afterClose++
	}
	if ntp != 0 && !at.IsZero() {
		if s.srs == nil {
			s.srs = map[uint32]int{}
		}
		s.srs[ssrc]++
	}
}

func (s *fakeSink) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closes++
}

type sinkState struct {
	packets, closes, afterClose int
	ssrcs, srs                  map[uint32]int
}

func (s *fakeSink) state() sinkState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := sinkState{packets: s.packets, closes: s.closes, afterClose: s.afterClose,
		ssrcs: map[uint32]int{}, srs: map[uint32]int{}}
	for k, v := range s.ssrcs {
		st.ssrcs[k] = v
	}
	for k, v := range s.srs {
		st.srs[k] = v
	}
	return st
}

const waitLong = 45 * time.Second

var keys = signaling.Keys{APIKey: "HRtest", Secret: strings.Repeat("t", 40)}

type server struct {
	url   string
	sfu   *sfu.SFU
	close func()
}

// newServer runs an SFU with rec and the signaling handler on loopback;
// close (also run at cleanup) shuts both down. No goroutine may be left.
func newServer(t *testing.T, rec media.Recorder) *server {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := sfu.New(sfu.Config{LoopbackOnly: true, Recorder: rec}, log)
	if err != nil {
		t.Fatal(err)
	}
	h := signaling.NewHandler(s, keys, log)
	hs := httptest.NewServer(h)
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := h.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
			hs.Close()
			s.Close()
		})
	}
	t.Cleanup(closeAll)
	return &server{url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/rtc", sfu: s, close: closeAll}
}

func (s *server) join(t *testing.T, room, id string, specs ...client.TrackSpec) *client.Client {
	t.Helper()
	tok, err := keys.Mint(signaling.Grant{Room: room, Identity: id, Name: id, CanPublish: true, CanSubscribe: true}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{URL: s.url, Token: tok, Publish: specs})
	if err != nil {
		t.Fatalf("join %s: %v", id, err)
	}
	t.Cleanup(func() { c.Close() })
	c.StartMedia()
	return c
}

// waitUntil polls cond every 10 ms, failing after waitLong.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// senderSSRCs maps "track/rid" to the SSRC c sends it with.
func senderSSRCs(c *client.Client) map[string]uint32 {
	out := map[string]uint32{}
	for _, s := range c.PeerConnection().GetSenders() {
		if s.Track() == nil {
			continue
		}
		for _, e := range s.GetParameters().Encodings {
			out[s.Track().ID()+"/"+e.RID] = uint32(e.SSRC)
		}
	}
	return out
}

// plisOf returns the keyframe requests the layer rid of track id received.
func plisOf(c *client.Client, id, rid string) uint64 {
	for _, st := range c.Sent() {
		if st.TrackID == id && st.RID == rid {
			return st.PLIs + st.FIRs
		}
	}
	return 0
}

// TestRecording drives the recorder's tap through a real publisher: the
// tracks present when recording starts and those published later are
// offered, each sink gets the top layer's packets and sender reports, its
// keyframe function reaches the publisher, and every sink is closed once,
// whether by SetRecording(false), a leave or the SFU's Close.
func TestRecording(t *testing.T) {
	rec := &fakeRecorder{}
	s := newServer(t, rec)
	const room = "hearing"
	if err := s.sfu.SetRecording(room, true); !errors.Is(err, sfu.ErrNotFound) {
		t.Fatalf("SetRecording of a room nobody joined: %v", err)
	}

	pub := s.join(t, room, "kiosk",
		client.TrackSpec{Kind: "video", ID: "cam", Simulcast: []string{"l", "h"}},
		client.TrackSpec{Kind: "audio", ID: "mic"})
	waitUntil(t, "both layers and audio flowing", func() bool {
		own := pub.OwnTracks()
		if len(own) != 2 {
			return false
		}
		for _, tr := range own {
			if tr.Kind == "video" && len(tr.Layers) != 2 {
				return false
			}
		}
		return s.sfu.Stats().PacketsIn > 150
	})
	if n := len(rec.all()); n != 0 || s.sfu.Recording(room) {
		t.Fatalf("before SetRecording: %d sinks, recording %v", n, s.sfu.Recording(room))
	}
	if got := plisOf(pub, "cam", "h"); got != 0 {
		t.Fatalf("high layer got %d keyframe requests before recording", got)
	}

	if err := s.sfu.SetRecording(room, true); err != nil {
		t.Fatal(err)
	}
	if !s.sfu.Recording(room) {
		t.Fatal("Recording = false after SetRecording(true)")
	}
	videos, audios := rec.of("kiosk", media.Video), rec.of("kiosk", media.Audio)
	if len(videos) != 1 || len(audios) != 1 || len(rec.all()) != 2 {
		t.Fatalf("TrackStarted calls: %d video, %d audio, %d in all", len(videos), len(audios), len(rec.all()))
	}
	video, audio := videos[0], audios[0]
	if c := video.c; !strings.EqualFold(c.MimeType, "video/VP8") || c.ClockRate != 90000 {
		t.Errorf("video codec %+v", c)
	}
	if c := audio.c; !strings.EqualFold(c.MimeType, "audio/opus") || c.ClockRate != 48000 || c.Channels != 2 {
		t.Errorf("audio codec %+v", c)
	}
	if video.room != room || video.t.Participant != "kiosk" || len(video.t.Layers) != 2 {
		t.Errorf("video track %s %+v", video.room, video.t)
	}

	ssrcs := senderSSRCs(pub)
	high, low, mic := ssrcs["cam/h"], ssrcs["cam/l"], ssrcs["mic/"]
	if high == 0 || low == 0 || mic == 0 {
		t.Fatalf("sender SSRCs %v", ssrcs)
	}
	waitUntil(t, "packets and sender reports in both sinks", func() bool {
		v, a := video.state(), audio.state()
		return v.ssrcs[high] > 60 && a.ssrcs[mic] > 30 && v.srs[high] > 0 && a.srs[mic] > 0
	})
	if v := video.state(); len(v.ssrcs) != 1 || len(v.srs) != 1 {
		t.Errorf("video sink got SSRCs %v and reports %v, want only the high layer %d", v.ssrcs, v.srs, high)
	}
	if a := audio.state(); len(a.ssrcs) != 1 || len(a.srs) != 1 {
		t.Errorf("audio sink got SSRCs %v and reports %v, want only %d", a.ssrcs, a.srs, mic)
	}

	// Attaching asked for a keyframe of the recorded layer, and only of it
	// (nobody subscribes); the sink's keyframe function asks again, within
	// the rate limit.
	waitUntil(t, "the keyframe request of the attach", func() bool { return plisOf(pub, "cam", "h") > 0 })
	before, sent := s.sfu.Stats().PLIs, plisOf(pub, "cam", "h")
	waitUntil(t, "a keyframe request from the sink", func() bool {
		video.keyframe()
		audio.keyframe() // audio has no keyframes: a no-op
		return s.sfu.Stats().PLIs > before && plisOf(pub, "cam", "h") > sent
	})
	if got := plisOf(pub, "cam", "l"); got != 0 {
		t.Errorf("the low layer got %d keyframe requests", got)
	}

	// A track published once recording is on gets a sink too. Its layers
	// arrive one by one: the sink ends on the high one, and stays there.
	late := s.join(t, room, "official",
		client.TrackSpec{Kind: "video", ID: "cam", Simulcast: []string{"l", "h"}},
		client.TrackSpec{Kind: "audio", ID: "mic"})
	waitUntil(t, "the late tracks' sinks", func() bool {
		return len(rec.of("official", media.Video)) == 1 && len(rec.of("official", media.Audio)) == 1
	})
	lateSSRCs := senderSSRCs(late)
	lateSinks := append(rec.of("official", media.Video), rec.of("official", media.Audio)...)
	lateHigh, lateLow := lateSSRCs["cam/h"], lateSSRCs["cam/l"]
	waitUntil(t, "the late tracks' packets", func() bool {
		return lateSinks[0].state().ssrcs[lateHigh] > 30 && lateSinks[1].state().ssrcs[lateSSRCs["mic/"]] > 30
	})
	lows, highs := lateSinks[0].state().ssrcs[lateLow], lateSinks[0].state().ssrcs[lateHigh]
	waitUntil(t, "more of the late high layer", func() bool { return lateSinks[0].state().ssrcs[lateHigh] > highs+30 })
	if st := lateSinks[0].state(); st.ssrcs[lateLow] != lows || len(st.ssrcs) > 2 {
		t.Errorf("late video sink kept getting other layers: %v (high %d, low %d)", st.ssrcs, lateHigh, lateLow)
	}

	// Leaving closes the leaver's sinks, once.
	late.Close()
	waitUntil(t, "the leaver's sinks closed", func() bool {
		return lateSinks[0].state().closes > 0 && lateSinks[1].state().closes > 0
	})

	// Off closes the rest, at once; no more sinks until on again.
	if err := s.sfu.SetRecording(room, false); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*fakeSink{video, audio} {
		if st := k.state(); st.closes != 1 {
			t.Errorf("%s sink closed %d times by SetRecording(false)", k.t.Kind, st.closes)
		}
	}
	if s.sfu.Recording(room) {
		t.Error("Recording = true after SetRecording(false)")
	}
	waitUntil(t, "the room's announcements", func() bool {
		var seen []bool
		for _, m := range pub.EventLog() {
			if m.Type == client.TypeRecording {
				seen = append(seen, m.Recording)
			}
		}
		return len(seen) == 2 && seen[0] && !seen[1] && !pub.Recording()
	})

	// On again: new sinks, closed by the SFU's Close.
	if err := s.sfu.SetRecording(room, true); err != nil {
		t.Fatal(err)
	}
	again := rec.all()[4:]
	if len(again) != 2 {
		t.Fatalf("%d sinks after turning recording on again, want 2", len(again))
	}
	waitUntil(t, "packets in the new sinks", func() bool {
		return again[0].state().packets > 10 && again[1].state().packets > 10
	})
	s.close()
	for i, k := range rec.all() {
		if st := k.state(); st.closes != 1 || st.afterClose != 0 {
			t.Errorf("sink %d (%s %s): closed %d times, %d calls after Close", i, k.p.Identity, k.t.Kind, st.closes, st.afterClose)
		}
	}
}

// TestRecordingNeedsRecorder: without a Recorder no room is announced as
// recorded.
func TestRecordingNeedsRecorder(t *testing.T) {
	s := newServer(t, nil)
	c := s.join(t, "hearing", "kiosk")
	if err := s.sfu.SetRecording("hearing", true); !errors.Is(err, sfu.ErrNoRecorder) {
		t.Fatalf("SetRecording without a recorder: %v", err)
	}
	if s.sfu.Recording("hearing") || c.Recording() {
		t.Fatal("recorded without a recorder")
	}
}

// TestRecordedRoomOutlivesParticipants: a recorded room stays when its last
// participant leaves, so the next to join is recorded too; turning the
// recording off lets it go.
func TestRecordedRoomOutlivesParticipants(t *testing.T) {
	rec := &fakeRecorder{}
	s := newServer(t, rec)
	c := s.join(t, "hearing", "kiosk")
	if err := s.sfu.SetRecording("hearing", true); err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitUntil(t, "the leave", func() bool { return s.sfu.Stats().Participants == 0 })
	if !s.sfu.Recording("hearing") || len(s.sfu.Rooms()) != 1 {
		t.Fatalf("after the last leave: recording %v, rooms %v", s.sfu.Recording("hearing"), s.sfu.Rooms())
	}
	again := s.join(t, "hearing", "kiosk", client.TrackSpec{Kind: "audio", ID: "mic"})
	if !again.Recording() {
		t.Error("the next to join is not told the room is recorded")
	}
	waitUntil(t, "the new track's sink", func() bool { return len(rec.of("kiosk", media.Audio)) == 1 })
	again.Close()
	waitUntil(t, "the leave", func() bool { return s.sfu.Stats().Participants == 0 })
	if err := s.sfu.SetRecording("hearing", false); err != nil {
		t.Fatal(err)
	}
	if len(s.sfu.Rooms()) != 0 {
		t.Fatalf("rooms %v after the recording of an empty room stopped", s.sfu.Rooms())
	}
	if err := s.sfu.SetRecording("hearing", true); !errors.Is(err, sfu.ErrNotFound) {
		t.Fatalf("SetRecording of a dropped room: %v", err)
	}
	sink := rec.all()[0]
	waitUntil(t, "the sink's close", func() bool { return sink.state().closes > 0 })
	if st := sink.state(); st.closes != 1 || st.afterClose != 0 {
		t.Errorf("sink closed %d times, %d calls after", st.closes, st.afterClose)
	}
}
