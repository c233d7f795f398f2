package recordings_test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"hearingroom/media"
	"hearingroom/recordings"
	"hearingroom/recordings/webm"
)

// needFFmpeg skips without ffmpeg, or fails under CI=true.
func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required when CI=true: %v", tool, err)
			}
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
}

// sampleMedia makes a VP8 and an Opus file of secs seconds with ffmpeg,
// the VP8 at each of sizes in turn (a resolution change between them).
func sampleMedia(t testing.TB, secs int, sizes ...string) (ivfs []string, ogg string) {
	t.Helper()
	dir := t.TempDir()
	for i, size := range sizes {
		ivf := filepath.Join(dir, "v"+strconv.Itoa(i)+".ivf")
		run(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size="+size+":rate=30", "-t", strconv.Itoa(secs),
			"-c:v", "libvpx", "-g", "60", "-b:v", "300k", ivf)
		ivfs = append(ivfs, ivf)
	}
	ogg = filepath.Join(dir, "a.ogg")
	run(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration="+strconv.Itoa(secs*len(sizes)),
		"-c:a", "libopus", "-frame_duration", "20", "-page_duration", "20000", ogg)
	return ivfs, ogg
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// rtpPacket is one packet to feed, at its media time.
type rtpPacket struct {
	at   time.Duration
	data []byte
	// For feedPart: which track, and how much later than at it arrives.
	video   bool
	arrival time.Duration
}

func vp8Packets(t testing.TB, files []string, ssrc uint32) []rtpPacket {
	t.Helper()
	p := rtp.NewPacketizer(1200, 96, ssrc, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	var out []rtpPacket
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := ivfreader.NewWith(fh)
		if err != nil {
			t.Fatal(err)
		}
		for {
			frame, _, err := r.ParseNextFrame()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			at := time.Duration(n) * time.Second / 30
			for _, pk := range p.Packetize(frame, 3000) {
				b, _ := pk.Marshal()
				out = append(out, rtpPacket{at: at, data: b})
			}
			n++
		}
		fh.Close()
	}
	return out
}

func opusPackets(t testing.TB, file string, ssrc uint32) []rtpPacket {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r, _, err := oggreader.NewWith(fh)
	if err != nil {
		t.Fatal(err)
	}
	p := rtp.NewPacketizer(1200, 111, ssrc, &codecs.OpusPayloader{}, rtp.NewRandomSequencer(), 48000)
	var out []rtpPacket
	n := 0
	for {
		page, _, err := r.ParseNextPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && len(page) >= 8 && string(page[:8]) == "OpusHead" || len(page) >= 8 && string(page[:8]) == "OpusTags" {
			continue
		}
		at := time.Duration(n) * 20 * time.Millisecond
		for _, pk := range p.Packetize(page, 960) {
			b, _ := pk.Marshal()
			out = append(out, rtpPacket{at: at, data: b})
		}
		n++
	}
	return out
}

// fakeRooms and fakeLedger stand in for the SFU and the session recorder.
type fakeRooms struct {
	mu sync.Mutex
	on map[string]bool
}

func (f *fakeRooms) SetRecording(room string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on[room] = on
	return nil
}

type fakeLedger struct {
	mu     sync.Mutex
	events []string
}

func (f *fakeLedger) LiveSession(room string) (string, bool) { return "session-1", true }
func (f *fakeLedger) RecordingStarted(room string, at time.Time) {
	f.mu.Lock()
	f.events = append(f.events, "started")
	f.mu.Unlock()
}
func (f *fakeLedger) RecordingStopped(room string, at time.Time) {
	f.mu.Lock()
	f.events = append(f.events, "stopped")
	f.mu.Unlock()
}

type done struct {
	path string
	seg  *recordings.Segment
}

func newManager(t testing.TB, spool string) (*recordings.Manager, chan done) {
	t.Helper()
	segs := make(chan done, 16)
	m, err := recordings.NewManager(recordings.Config{Spool: spool, Rooms: &fakeRooms{on: map[string]bool{}},
		Ledger: &fakeLedger{}, Segment: func(path string, seg *recordings.Segment) error {
			segs <- done{path, seg}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m, segs
}

// feed writes the packets of both tracks into their sinks in media-time
// order, as if they arrived at base + media time (video late by lag), with
// a sender report for each track every second on a sender clock skew ahead
// of the server's.
func feed(video, audio media.TrackSink, vp, ap []rtpPacket, base time.Time, lag, skew time.Duration, until time.Duration) {
	vi, ai := 0, 0
	nextSR := time.Duration(0)
	for vi < len(vp) || ai < len(ap) {
		useVideo := ai >= len(ap) || (vi < len(vp) && vp[vi].at <= ap[ai].at)
		var pk rtpPacket
		if useVideo {
			pk = vp[vi]
		} else {
			pk = ap[ai]
		}
		if pk.at > until {
			return
		}
		for nextSR <= pk.at {
			sender := base.Add(nextSR + skew)
			video.SenderReport(ssrcOf(vp[0].data), ntp(sender), rtpOf(vp[0].data)+uint32(nextSR.Seconds()*90000), base.Add(nextSR+lag))
			audio.SenderReport(ssrcOf(ap[0].data), ntp(sender), rtpOf(ap[0].data)+uint32(nextSR.Seconds()*48000), base.Add(nextSR))
			nextSR += time.Second
		}
		if useVideo {
			video.WriteRTP(pk.data, base.Add(pk.at+lag))
			vi++
		} else {
			audio.WriteRTP(pk.data, base.Add(pk.at))
			ai++
		}
	}
}

func ssrcOf(b []byte) uint32 {
	var p rtp.Header
	_, _ = p.Unmarshal(b)
	return p.SSRC
}

func rtpOf(b []byte) uint32 {
	var p rtp.Header
	_, _ = p.Unmarshal(b)
	return p.Timestamp
}

func ntp(t time.Time) uint64 {
	secs := uint64(t.Unix()) + 2208988800
	frac := uint64(t.Nanosecond()) << 32 / 1_000_000_000
	return secs<<32 | frac
}

// probe reports each stream's codec and start time and the file's duration.
type probed struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		StartTime string `json:"start_time"`
		Width     int    `json:"width"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func probe(t testing.TB, path string) probed {
	t.Helper()
	out := run(t, "ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,start_time,width", "-of", "json", path)
	var p probed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	return p
}

func seconds(t testing.TB, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number of seconds: %q", s)
	}
	return f
}

func wait(t testing.TB, segs chan done) done {
	t.Helper()
	select {
	case d := <-segs:
		return d
	case <-time.After(60 * time.Second):
		t.Fatal("no segment handed over within 60 s")
	}
	return done{}
}

const room = "hearing-1"

var villager = media.Participant{Identity: "villager.1", Name: "王秀英", Metadata: `{"role":"villager","kind":"hearing"}`, Publisher: true}

func startTracks(m *recordings.Manager, p media.Participant) (video, audio media.TrackSink, keyframes *int) {
	var mu sync.Mutex
	n := 0
	m.ParticipantJoined(room, p, time.Now())
	video = m.TrackStarted(room, p, media.Track{ID: "TR_v", Kind: media.Video}, media.Codec{MimeType: "video/VP8", ClockRate: 90000},
		func() { mu.Lock(); n++; mu.Unlock() })
	audio = m.TrackStarted(room, p, media.Track{ID: "TR_a", Kind: media.Audio}, media.Codec{MimeType: "audio/opus", ClockRate: 48000, Channels: 2}, nil)
	return video, audio, &n
}

// TestCaptureAlignsAudioAndVideo: video arriving 150 ms behind audio, on a
// sender whose clock is 7 s ahead, is laid on the server's timeline by the
// sender reports: both streams start together, at the server time the
// media began.
func TestCaptureAlignsAudioAndVideo(t *testing.T) {
	needFFmpeg(t)
	ivfs, ogg := sampleMedia(t, 4, "320x240")
	vp, ap := vp8Packets(t, ivfs, 1111), opusPackets(t, ogg, 2222)
	m, segs := newManager(t, t.TempDir())
	video, audio, _ := startTracks(m, villager)
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	feed(video, audio, vp, ap, base, 150*time.Millisecond, 7*time.Second, time.Hour)
	video.Close()
	audio.Close()
	d := wait(t, segs)
	if d.seg.Reason != "left" || len(d.seg.Tracks) != 2 || d.seg.Width != 320 || d.seg.Session != "session-1" || d.seg.Role != "villager" {
		t.Errorf("segment %+v", d.seg)
	}
	if off := d.seg.Start.Sub(base); off < -60*time.Millisecond || off > 60*time.Millisecond {
		t.Errorf("segment starts %v from the media's start", off)
	}
	p := probe(t, d.path)
	if len(p.Streams) != 2 {
		t.Fatalf("streams %+v", p.Streams)
	}
	starts := map[string]float64{}
	for _, s := range p.Streams {
		starts[s.CodecName] = seconds(t, s.StartTime)
	}
	if diff := starts["vp8"] - starts["opus"]; diff > 0.06 || diff < -0.06 {
		t.Errorf("video starts %.3f s after audio (want aligned): %v", diff, starts)
	}
	if dur := seconds(t, p.Format.Duration); dur < 3.7 || dur > 4.3 {
		t.Errorf("duration %.3f s, want about 4", dur)
	}
	if err := m.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestCaptureCutsOnResolutionChange: a new resolution starts a new segment.
func TestCaptureCutsOnResolutionChange(t *testing.T) {
	needFFmpeg(t)
	ivfs, ogg := sampleMedia(t, 2, "320x240", "640x480")
	vp, ap := vp8Packets(t, ivfs, 1111), opusPackets(t, ogg, 2222)
	m, segs := newManager(t, t.TempDir())
	video, audio, _ := startTracks(m, villager)
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	feed(video, audio, vp, ap, base, 0, 0, time.Hour)
	video.Close()
	audio.Close()
	a, b := wait(t, segs), wait(t, segs)
	if a.seg.Reason != "resolution" || a.seg.Width != 320 || b.seg.Width != 640 || b.seg.Index != 1 {
		t.Fatalf("segments %+v then %+v", a.seg, b.seg)
	}
	if off := b.seg.Start.Sub(base); off < 1900*time.Millisecond || off > 2100*time.Millisecond {
		t.Errorf("second segment starts at %v, want 2 s", off)
	}
	for _, d := range []done{a, b} {
		p := probe(t, d.path)
		width := 0
		for _, s := range p.Streams {
			width = max(width, s.Width)
		}
		if len(p.Streams) != 2 || width != d.seg.Width {
			t.Errorf("%s: %+v", d.path, p)
		}
	}
}

// TestRecoverInterrupted: a segment a crash left open is finalised by the
// next start and plays up to at most 2.5 s before the crash.
func TestRecoverInterrupted(t *testing.T) {
	needFFmpeg(t)
	ivfs, ogg := sampleMedia(t, 6, "320x240")
	vp, ap := vp8Packets(t, ivfs, 1111), opusPackets(t, ogg, 2222)
	spool := t.TempDir()
	m, segs := newManager(t, spool)
	video, audio, _ := startTracks(m, villager)
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	feed(video, audio, vp, ap, base, 0, 0, time.Hour)

	// The file as a crash would leave it: what reached the disk.
	var file string
	deadline := time.Now().Add(30 * time.Second)
	for last := int64(-1); ; {
		matches, _ := filepath.Glob(filepath.Join(spool, "*", "*.webm"))
		if len(matches) == 1 {
			if fi, err := os.Stat(matches[0]); err == nil && fi.Size() > 50_000 && fi.Size() == last {
				file = matches[0]
				break
			} else if err == nil {
				last = fi.Size()
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the segment never reached the disk")
		}
		time.Sleep(200 * time.Millisecond) // polling the condition, not waiting for it to happen
	}
	crashed := t.TempDir()
	for _, f := range []string{file, file + ".meta.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(crashed, "room"), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(crashed, "room", filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	video.Close()
	audio.Close()
	wait(t, segs)

	m2, segs2 := newManager(t, crashed)
	n, err := m2.Recover()
	if err != nil || n != 1 {
		t.Fatalf("recovered %d: %v", n, err)
	}
	d := wait(t, segs2)
	if d.seg.Reason != "interrupted" || d.seg.Duration < 3500*time.Millisecond {
		t.Errorf("recovered segment %+v (6 s were written)", d.seg)
	}
	p := probe(t, d.path)
	if dur := seconds(t, p.Format.Duration); dur < 3.5 || len(p.Streams) != 2 {
		t.Errorf("recovered file: %+v", p)
	}
	run(t, "ffmpeg", "-v", "error", "-i", d.path, "-f", "null", "-")
	if n, _ := m2.Recover(); n != 1 {
		t.Errorf("a second Recover hands the finalised file over again: %d (the uploader's queue decides)", n)
	}
}

// TestRecoverEmptySegment: a segment opened just before a crash holds no
// frame (the open cluster was lost with the process): Recover removes it
// rather than hand over a file no player opens.
func TestRecoverEmptySegment(t *testing.T) {
	spool := t.TempDir()
	path := filepath.Join(spool, "room", "villager-20260101T000000.000Z-01.webm")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	w, err := webm.Create(path, []webm.Track{
		{Number: 1, Kind: webm.Video, CodecID: webm.CodecVP8, Width: 640, Height: 480},
		{Number: 2, Kind: webm.Audio, CodecID: webm.CodecOpus, SampleRate: 48000, Channels: 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = w // never closed: the crash
	meta := `{"file":"villager-20260101T000000.000Z-01.webm","room":"room","identity":"villager","index":1,"tracks":["video/VP8","audio/opus"],"start":"2026-01-01T00:00:00Z","duration":0}`
	if err := os.WriteFile(path+".meta.json", []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
	m, segs := newManager(t, spool)
	if n, err := m.Recover(); err != nil || n != 0 {
		t.Fatalf("recovered %d: %v", n, err)
	}
	select {
	case d := <-segs:
		t.Fatalf("handed over %+v", d.seg)
	default:
	}
	for _, f := range []string{path, path + ".meta.json"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s left in the spool: %v", f, err)
		}
	}
}

// TestCaptureRejoinContinues: a participant who drops and rejoins while the
// session goes on (the other party stays) gets a new segment of the same
// session, numbered after the first.
func TestCaptureRejoinContinues(t *testing.T) {
	needFFmpeg(t)
	ivfs, ogg := sampleMedia(t, 2, "320x240")
	vp, ap := vp8Packets(t, ivfs, 1111), opusPackets(t, ogg, 2222)
	m, segs := newManager(t, t.TempDir())
	official := media.Participant{Identity: "official", Metadata: `{"role":"official"}`, Admin: true}
	m.ParticipantJoined(room, official, time.Now())
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	for i := range 2 {
		video, audio, _ := startTracks(m, villager)
		feed(video, audio, vp, ap, base.Add(time.Duration(i)*10*time.Second), 0, 0, time.Hour)
		video.Close()
		audio.Close()
		m.ParticipantLeft(room, villager.Identity, "network", time.Now())
		d := wait(t, segs)
		if d.seg.Index != i || d.seg.Session != "session-1" || d.seg.Identity != villager.Identity {
			t.Errorf("join %d: segment %+v", i, d.seg)
		}
	}
	if !m.Recording(room) {
		t.Errorf("the room stopped recording while the official stayed")
	}
}

// feedPart writes the packets of both tracks with media time in
// [from, to) as feed does (no lag, no skew), but with the first audio
// packet arriving late, and sender reports only from srFrom on, the
// video's saying its frames were taken videoEarly before they came.
func feedPart(video, audio media.TrackSink, vp, ap []rtpPacket, base time.Time, from, to, late, srFrom, videoEarly time.Duration) {
	var pks []rtpPacket
	for i, pk := range ap {
		pk.video = false
		if i == 0 {
			pk.arrival = late
		}
		pks = append(pks, pk)
	}
	for _, pk := range vp {
		pk.video = true
		pks = append(pks, pk)
	}
	slices.SortStableFunc(pks, func(a, b rtpPacket) int { return cmp.Compare(a.at, b.at) })
	nextSR := max(srFrom, from.Truncate(time.Second))
	for _, pk := range pks {
		if pk.at < from || pk.at >= to {
			continue
		}
		for nextSR <= pk.at {
			sender := base.Add(nextSR)
			video.SenderReport(ssrcOf(vp[0].data), ntp(sender.Add(-videoEarly)), rtpOf(vp[0].data)+uint32(nextSR.Seconds()*90000), sender)
			audio.SenderReport(ssrcOf(ap[0].data), ntp(sender), rtpOf(ap[0].data)+uint32(nextSR.Seconds()*48000), sender)
			nextSR += time.Second
		}
		if pk.video {
			video.WriteRTP(pk.data, base.Add(pk.at))
		} else {
			audio.WriteRTP(pk.data, base.Add(pk.at+pk.arrival))
		}
	}
}

// waitOpen waits until the spool holds a file: a segment opened.
func waitOpen(t testing.TB, spool string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(spool, "*", "*.webm"))
		if len(files) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no segment opened within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCaptureLateFirstPacket: the first audio packet arrives 1.5 s late (a
// busy machine) and the file opens on arrival times, before any sender
// report: the audio is timed by the packets that came on time, so it stays
// with the video, and the reports that come later change nothing.
func TestCaptureLateFirstPacket(t *testing.T) {
	needFFmpeg(t)
	ivfs, ogg := sampleMedia(t, 6, "320x240")
	vp, ap := vp8Packets(t, ivfs, 1111), opusPackets(t, ogg, 2222)
	spool := t.TempDir()
	m, segs := newManager(t, spool)
	video, audio, _ := startTracks(m, villager)
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	feedPart(video, audio, vp, ap, base, 0, 2*time.Second, 1500*time.Millisecond, 3*time.Second, 0)
	waitOpen(t, spool)
	feedPart(video, audio, vp, ap, base, 2*time.Second, time.Hour, 0, 3*time.Second, 0)
	video.Close()
	audio.Close()
	d := wait(t, segs)
	if d.seg.Reason != "left" || len(d.seg.Tracks) != 2 {
		t.Fatalf("segment %+v; want one, of both tracks, to the end", d.seg)
	}
	p := probe(t, d.path)
	starts := map[string]float64{}
	for _, s := range p.Streams {
		starts[s.CodecName] = seconds(t, s.StartTime)
	}
	if diff := starts["vp8"] - starts["opus"]; len(p.Streams) != 2 || diff > 0.06 || diff < -0.06 {
		t.Errorf("streams %+v: want audio and video aligned", p.Streams)
	}
}

// TestCaptureClockCorrection: the file opens on arrival times, then the
// sender reports say the video was taken 1.5 s before it came — more than
// a file can interleave. A new segment starts there ("clock"), on the
// corrected clock, and both tracks go on in it.
func TestCaptureClockCorrection(t *testing.T) {
	needFFmpeg(t)
	ivfs, ogg := sampleMedia(t, 6, "320x240")
	vp, ap := vp8Packets(t, ivfs, 1111), opusPackets(t, ogg, 2222)
	spool := t.TempDir()
	m, segs := newManager(t, spool)
	video, audio, _ := startTracks(m, villager)
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	feedPart(video, audio, vp, ap, base, 0, 2*time.Second, 0, 3*time.Second, 1500*time.Millisecond)
	waitOpen(t, spool)
	feedPart(video, audio, vp, ap, base, 2*time.Second, time.Hour, 0, 3*time.Second, 1500*time.Millisecond)
	video.Close()
	audio.Close()
	a, b := wait(t, segs), wait(t, segs)
	if a.seg.Reason != "clock" || b.seg.Index != a.seg.Index+1 || len(b.seg.Tracks) != 2 {
		t.Fatalf("segments %+v then %+v; want a cut for the clock, then both tracks", a.seg, b.seg)
	}
	if end := b.seg.Start.Add(b.seg.Duration).Sub(base); end < 5*time.Second {
		t.Errorf("the second segment ends %v into the media, want about 6 s", end)
	}
}
