package webm

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestRoundTripVP8Opus(t *testing.T) {
	tracks, frames := vp8Opus(t)
	path := filepath.Join(t.TempDir(), "f.webm")
	w, err := Create(path, tracks)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, frames, time.Hour)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	d, r := ffprobe(t, path)
	if math.Abs(d-6) > 0.1 {
		t.Errorf("ffprobe duration = %v, want 6 ± 0.1", d)
	}
	var codecs []string
	for _, s := range r.Streams {
		codecs = append(codecs, s.CodecName)
		if s.CodecName == "vp8" && (s.Width != 320 || s.Height != 240) {
			t.Errorf("vp8 size = %dx%d, want 320x240", s.Width, s.Height)
		}
	}
	slices.Sort(codecs)
	if !slices.Equal(codecs, []string{"opus", "vp8"}) {
		t.Errorf("codecs = %v, want opus and vp8", codecs)
	}
	ffmpegClean(t, "-ss", "4", "-i", path, "-frames:v", "1", "-f", "null", "-")
	ffmpegClean(t, "-i", path, "-f", "null", "-")

	in, err := Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]int{}
	for _, f := range frames {
		want[f.track]++
	}
	if !in.Finalized || in.CuePoints == 0 || in.DocType != "webm" {
		t.Errorf("Probe = finalized %v, %d cue points, doctype %q", in.Finalized, in.CuePoints, in.DocType)
	}
	if in.Blocks[videoTrack] != want[videoTrack] || in.Blocks[audioTrack] != want[audioTrack] {
		t.Errorf("Probe blocks = %v, want %v", in.Blocks, want)
	}
	if in.Clusters < 5 || in.Clusters > 7 || in.CuePoints != in.Clusters {
		t.Errorf("Probe clusters = %d, cue points = %d, want about 6 each", in.Clusters, in.CuePoints)
	}
	if math.Abs(in.Duration.Seconds()-6) > 0.1 || len(in.Tracks) != 2 || in.Tracks[1].CodecID != CodecOpus {
		t.Errorf("Probe = %v, tracks %+v", in.Duration, in.Tracks)
	}
	if ts := blockTimes(t, path); !slices.IsSorted(ts) {
		t.Error("blocks are not in timestamp order")
	}
}

func TestRepairAfterCrash(t *testing.T) {
	tracks, frames := vp8Opus(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "live.webm")
	w, err := Create(path, tracks)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	writeAll(t, w, frames, 5*time.Second)

	// The file as a kill -9 leaves it: what WriteFrame has written so far.
	asIs := filepath.Join(dir, "as-is.webm")
	copyFile(t, path, asIs, -1)
	f, err := os.Open(asIs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scanFile(f, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if s.finalized() || len(s.clusters) < 2 {
		t.Fatalf("crashed file: finalized %v with %d clusters", s.finalized(), len(s.clusters))
	}
	last := s.clusters[len(s.clusters)-1]
	cut := filepath.Join(dir, "cut.webm")
	copyFile(t, asIs, cut, last.pos+(s.keep-last.pos)/2)
	cutHeader := filepath.Join(dir, "cut-header.webm")
	copyFile(t, asIs, cutHeader, last.pos+6)

	for _, tc := range []struct {
		path    string
		minSecs float64
	}{
		{asIs, 3}, {cut, 2.5}, {cutHeader, 2.5},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			in, err := Repair(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if !in.Finalized || in.CuePoints == 0 {
				t.Errorf("Repair = %+v, want finalized with cues", in)
			}
			d, _ := ffprobe(t, tc.path)
			if d < tc.minSecs || d > 5.1 {
				t.Errorf("ffprobe duration = %v, want in [%v, 5.1] (5 s written)", d, tc.minSecs)
			}
			if math.Abs(in.Duration.Seconds()-d) > 0.05 {
				t.Errorf("Repair duration %v, ffprobe %v", in.Duration, d)
			}
			ffmpegClean(t, "-i", tc.path, "-f", "null", "-")
			ffmpegClean(t, "-ss", "2", "-i", tc.path, "-frames:v", "1", "-f", "null", "-")

			before, _ := os.ReadFile(tc.path)
			st1, _ := os.Stat(tc.path)
			again, err := Repair(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := os.ReadFile(tc.path)
			st2, _ := os.Stat(tc.path)
			if !bytes.Equal(before, after) || !st1.ModTime().Equal(st2.ModTime()) || again.Duration != in.Duration {
				t.Error("second Repair changed the file")
			}
		})
	}
	if in, _ := Probe(cut); in.Clusters != len(s.clusters) {
		t.Errorf("cut file kept %d clusters, want %d (the complete blocks of the cut one)", in.Clusters, len(s.clusters))
	}
	if in, _ := Probe(cutHeader); in.Clusters != len(s.clusters)-1 {
		t.Errorf("file cut in a cluster header kept %d clusters, want %d", in.Clusters, len(s.clusters)-1)
	}
}

func TestH264(t *testing.T) {
	dir := sampleMedia(t)
	sps, pps, frames := readH264(t, filepath.Join(dir, "v.h264"))
	if sps == nil || pps == nil || len(frames) != 90 {
		t.Fatalf("sample: sps %d bytes, pps %d bytes, %d frames", len(sps), len(pps), len(frames))
	}
	tracks := []Track{{Number: videoTrack, Kind: Video, CodecID: CodecH264, CodecPrivate: AVCC(sps, pps), Width: 320, Height: 240}}
	if got := DocType(tracks); got != "matroska" {
		t.Errorf("DocType = %q, want matroska", got)
	}
	path := filepath.Join(t.TempDir(), "f.mkv")
	w, err := Create(path, tracks)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, frames, time.Hour)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d, r := ffprobe(t, path)
	if len(r.Streams) != 1 || r.Streams[0].CodecName != "h264" || math.Abs(d-3) > 0.1 {
		t.Errorf("ffprobe = %v s, %+v; want h264, 3 s", d, r.Streams)
	}
	ffmpegClean(t, "-i", path, "-f", "null", "-")
	ffmpegClean(t, "-ss", "2", "-i", path, "-frames:v", "1", "-f", "null", "-")
	if in, err := Probe(path); err != nil || in.DocType != "matroska" || in.CuePoints != 3 {
		t.Errorf("Probe = %+v, %v", in, err)
	}
}

// synthetic returns n seconds of made-up 30 fps video (a keyframe a second)
// and 50 fps audio, in timestamp order.
func synthetic(secs int) []testFrame {
	var out []testFrame
	for i := 0; i < secs*30; i++ {
		size := 3000
		if i%30 == 0 {
			size = 20000
		}
		out = append(out, testFrame{track: videoTrack, ts: time.Duration(i) * time.Second / 30, key: i%30 == 0, data: make([]byte, size)})
	}
	for i := 0; i < secs*50; i++ {
		out = append(out, testFrame{track: audioTrack, ts: time.Duration(i) * 20 * time.Millisecond, key: true, data: make([]byte, 120)})
	}
	return arrivalOrder(out, 0)
}

func TestAudioOnlyClustersAndCues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.webm")
	w, err := Create(path, []Track{{Number: audioTrack, Kind: Audio, CodecID: CodecOpus}})
	if err != nil {
		t.Fatal(err)
	}
	var audio []testFrame
	for _, f := range synthetic(5) {
		if f.track == audioTrack {
			audio = append(audio, f)
		}
	}
	writeAll(t, w, audio, time.Hour)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Clusters != 5 || in.CuePoints != 5 || in.Blocks[audioTrack] != 250 || in.Duration != 5*time.Second {
		t.Errorf("Probe = %+v, want 5 clusters and cue points, 250 blocks, 5 s", in)
	}
	if in.Tracks[0].Channels != 2 || !bytes.HasPrefix(in.Tracks[0].CodecPrivate, []byte("OpusHead")) {
		t.Errorf("default Opus track = %+v", in.Tracks[0])
	}
}

func TestLongGOPSplitsClusters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.webm")
	w, err := Create(path, []Track{{Number: videoTrack, Kind: Video, CodecID: CodecVP8, Width: 16, Height: 16}})
	if err != nil {
		t.Fatal(err)
	}
	// One keyframe only, 12 s: clusters must close every 2 s regardless, so
	// that a crash loses little.
	for i := 0; i < 360; i++ {
		if err := w.WriteFrame(videoTrack, time.Duration(i)*time.Second/30, i == 0, []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	in, err := Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Clusters != 6 || in.CuePoints != 1 {
		t.Errorf("Probe = %d clusters, %d cue points; want 6 and 1", in.Clusters, in.CuePoints)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.webm")
	tracks := []Track{
		{Number: videoTrack, Kind: Video, CodecID: CodecVP8, Width: 16, Height: 16},
		{Number: audioTrack, Kind: Audio, CodecID: CodecOpus},
	}
	w, err := Create(path, tracks)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create(path, tracks); err == nil {
		t.Error("Create over an existing file succeeded")
	}
	ok := func(track uint64, ts time.Duration) {
		t.Helper()
		if err := w.WriteFrame(track, ts, true, []byte{0}); err != nil {
			t.Fatalf("WriteFrame(%d, %v): %v", track, ts, err)
		}
	}
	bad := func(want error, track uint64, ts time.Duration, frame []byte) {
		t.Helper()
		if err := w.WriteFrame(track, ts, true, frame); !errors.Is(err, want) {
			t.Errorf("WriteFrame(%d, %v) = %v, want %v", track, ts, err, want)
		}
	}
	ok(videoTrack, 0)
	ok(videoTrack, 3*time.Second)
	ok(audioTrack, 2500*time.Millisecond) // within MaxInterleave
	bad(ErrUnknownTrack, 7, 3*time.Second, []byte{0})
	bad(ErrOutOfOrder, audioTrack, 1500*time.Millisecond, []byte{0}) // beyond MaxInterleave
	bad(ErrOutOfOrder, videoTrack, 2900*time.Millisecond, []byte{0}) // backwards in its track
	bad(ErrOutOfOrder, audioTrack, -time.Second, []byte{0})
	bad(ErrEmptyFrame, audioTrack, 3*time.Second, nil)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad(ErrClosed, videoTrack, 4*time.Second, []byte{0})
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("calls after Close changed the file")
	}
	in, err := Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.Blocks[videoTrack] != 2 || in.Blocks[audioTrack] != 1 {
		t.Errorf("blocks = %v, want the 3 accepted frames", in.Blocks)
	}
	if ts := blockTimes(t, path); !slices.Equal(ts, []int64{0, 2500, 3000}) {
		t.Errorf("block times = %v, want [0 2500 3000]", ts)
	}

	for _, tracks := range [][]Track{
		nil,
		{{Number: 1, Kind: Video, CodecID: CodecOpus}},
		{{Number: 1, Kind: Video, CodecID: CodecH264, Width: 2, Height: 2}},
		{{Number: 1, Kind: Audio, CodecID: CodecOpus}, {Number: 1, Kind: Video, CodecID: CodecVP8, Width: 2, Height: 2}},
		{{Number: 1, Kind: Audio, CodecID: CodecOpus}, {Number: 2, Kind: Audio, CodecID: CodecOpus}},
	} {
		if _, err := Create(filepath.Join(dir, "bad.webm"), tracks); !errors.Is(err, ErrInvalidTracks) {
			t.Errorf("Create(%+v) = %v, want ErrInvalidTracks", tracks, err)
		}
	}

	notOurs := filepath.Join(dir, "text.webm")
	os.WriteFile(notOurs, []byte("hello, this is not a video"), 0o600)
	if _, err := Repair(notOurs); !errors.Is(err, ErrNotOurs) {
		t.Errorf("Repair(text) = %v, want ErrNotOurs", err)
	}
	headerOnly := filepath.Join(dir, "header-only.webm")
	copyFile(t, path, headerOnly, 60)
	if _, err := Repair(headerOnly); !errors.Is(err, ErrNotOurs) {
		t.Errorf("Repair(header only) = %v, want ErrNotOurs", err)
	}
	if b, _ := os.ReadFile(headerOnly); len(b) != 60 {
		t.Error("a failed Repair changed the file")
	}
}

func TestRepairWithoutClusters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.webm")
	w, err := Create(path, []Track{{Number: audioTrack, Kind: Audio, CodecID: CodecOpus}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	in, err := Repair(path)
	if err != nil {
		t.Fatal(err)
	}
	if !in.Finalized || in.Clusters != 0 || len(in.Tracks) != 1 {
		t.Errorf("Repair = %+v", in)
	}
}

func TestCrashLossBoundWithRareKeyframes(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "live.webm")
	w, err := Create(path, []Track{
		{Number: videoTrack, Kind: Video, CodecID: CodecVP8, Width: 16, Height: 16},
		{Number: audioTrack, Kind: Audio, CodecID: CodecOpus},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	frames := synthetic(20)
	for i := range frames {
		if frames[i].track == videoTrack {
			frames[i].key = frames[i].ts%(4*time.Second) == 0 // a keyframe every 4 s
		}
	}
	for _, written := range []time.Duration{5 * time.Second, 9500 * time.Millisecond, 14 * time.Second} {
		writeAll(t, w, frames, written)
		frames = slices.DeleteFunc(frames, func(f testFrame) bool { return f.ts < written })
		crashed := filepath.Join(dir, "crash.webm")
		os.Remove(crashed)
		copyFile(t, path, crashed, -1)
		in, err := Repair(crashed)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v written, %v kept after the crash", written, in.Duration)
		if lost := written - in.Duration; lost < 0 || lost > 2100*time.Millisecond {
			t.Errorf("after %v written, a crash keeps %v", written, in.Duration)
		}
	}
}
