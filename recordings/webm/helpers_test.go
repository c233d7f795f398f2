package webm

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/h264reader"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
)

// testFrame is one encoded frame read from a sample file.
type testFrame struct {
	track uint64
	ts    time.Duration
	key   bool
	data  []byte
}

// Track numbers used by the tests.
const (
	videoTrack = 1
	audioTrack = 2
)

// needTools skips the test when ffmpeg or ffprobe is missing, or fails it
// when CI=true (CI must run these checks).
func needTools(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				tb.Fatalf("%s is required when CI=true: %v", tool, err)
			}
			tb.Skipf("%s not installed (install ffmpeg to run this test): %v", tool, err)
		}
	}
}

var (
	mediaOnce sync.Once
	mediaDir  string
	mediaErr  error
)

// TestMain removes the sample media generated for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if mediaDir != "" {
		os.RemoveAll(mediaDir)
	}
	os.Exit(code)
}

// sampleMedia encodes 6 s of VP8 (IVF), Opus (Ogg) and H.264 (Annex B) once.
func sampleMedia(tb testing.TB) string {
	tb.Helper()
	needTools(tb)
	mediaOnce.Do(func() {
		mediaDir, mediaErr = os.MkdirTemp("", "webm-test-")
		if mediaErr != nil {
			return
		}
		for _, args := range [][]string{
			{"-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "6", "-c:v", "libvpx", "-g", "30", "-b:v", "500k", "v.ivf"},
			{"-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-ac", "2", "-c:a", "libopus", "a.ogg"},
			{"-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "3", "-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-g", "30", "-pix_fmt", "yuv420p", "-f", "h264", "v.h264"},
		} {
			cmd := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...)
			cmd.Dir = mediaDir
			if out, err := cmd.CombinedOutput(); err != nil {
				mediaErr = errors.New("ffmpeg " + args[len(args)-1] + ": " + err.Error() + ": " + string(out))
				return
			}
		}
	})
	if mediaErr != nil {
		tb.Fatal(mediaErr)
	}
	return mediaDir
}

// readIVF returns the VP8 frames of a 30 fps IVF file.
func readIVF(tb testing.TB, path string) []testFrame {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []testFrame
	for {
		data, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		// pion scales IVF timestamps oddly; the sample is constant 30 fps.
		ts := time.Duration(len(out)) * time.Second / 30
		out = append(out, testFrame{track: videoTrack, ts: ts, key: data[0]&1 == 0, data: data})
	}
}

// readOgg returns the OpusHead and the audio packets of an Ogg Opus file,
// timed by the durations their TOC bytes announce.
func readOgg(tb testing.TB, path string) ([]byte, []testFrame) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var packets [][]byte
	var cur []byte
	for len(b) >= 27 {
		if string(b[:4]) != "OggS" {
			tb.Fatal("ogg: lost sync")
		}
		nseg := int(b[26])
		table := b[27 : 27+nseg]
		body := b[27+nseg:]
		for _, l := range table {
			cur = append(cur, body[:l]...)
			body = body[l:]
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
		b = body
	}
	if len(packets) < 3 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) {
		tb.Fatal("ogg: no OpusHead")
	}
	var out []testFrame
	var ts time.Duration
	for _, p := range packets[2:] {
		out = append(out, testFrame{track: audioTrack, ts: ts, key: true, data: p})
		ts += opusDuration(p)
	}
	return packets[0], out
}

// opusDuration reports the duration of an Opus packet from its TOC (RFC 6716 §3.1).
func opusDuration(p []byte) time.Duration {
	cfg := p[0] >> 3
	var d time.Duration
	switch {
	case cfg < 12:
		d = []time.Duration{10, 20, 40, 60}[cfg%4] * time.Millisecond
	case cfg < 16:
		d = []time.Duration{10, 20}[cfg%2] * time.Millisecond
	default:
		d = []time.Duration{2500, 5000, 10000, 20000}[cfg%4] * time.Microsecond
	}
	n := time.Duration(1)
	switch p[0] & 3 {
	case 1, 2:
		n = 2
	case 3:
		n = time.Duration(p[1] & 0x3F)
	}
	return d * n
}

// readH264 returns the SPS, the PPS and the access units (AVC form, 4-byte
// lengths) of an Annex B stream with one slice per frame, at 30 fps.
func readH264(tb testing.TB, path string) (sps, pps []byte, frames []testFrame) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := h264reader.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var au []byte
	key := false
	for {
		nal, err := r.NextNAL()
		if errors.Is(err, io.EOF) {
			return sps, pps, frames
		}
		if err != nil {
			tb.Fatal(err)
		}
		switch nal.UnitType {
		case h264reader.NalUnitTypeSPS:
			sps = slices.Clone(nal.Data)
		case h264reader.NalUnitTypePPS:
			pps = slices.Clone(nal.Data)
		case h264reader.NalUnitTypeAUD:
			continue
		}
		au = binary.BigEndian.AppendUint32(au, uint32(len(nal.Data)))
		au = append(au, nal.Data...)
		key = key || nal.UnitType == h264reader.NalUnitTypeCodedSliceIdr
		if nal.UnitType == h264reader.NalUnitTypeCodedSliceIdr || nal.UnitType == h264reader.NalUnitTypeCodedSliceNonIdr {
			ts := time.Duration(len(frames)) * time.Second / 30
			frames = append(frames, testFrame{track: videoTrack, ts: ts, key: key, data: au})
			au, key = nil, false
		}
	}
}

// arrivalOrder sorts frames as a live source would deliver them: audio
// skew ahead of video of the same time.
func arrivalOrder(frames []testFrame, skew time.Duration) []testFrame {
	out := slices.Clone(frames)
	at := func(f testFrame) time.Duration {
		if f.track == audioTrack {
			return f.ts - skew
		}
		return f.ts
	}
	slices.SortStableFunc(out, func(a, b testFrame) int { return int(at(a) - at(b)) })
	return out
}

// vp8Opus returns the tracks and the frames (in arrival order) of the 6 s sample.
func vp8Opus(tb testing.TB) ([]Track, []testFrame) {
	dir := sampleMedia(tb)
	video := readIVF(tb, filepath.Join(dir, "v.ivf"))
	head, audio := readOgg(tb, filepath.Join(dir, "a.ogg"))
	tracks := []Track{
		{Number: videoTrack, Kind: Video, CodecID: CodecVP8, Width: 320, Height: 240},
		{Number: audioTrack, Kind: Audio, CodecID: CodecOpus, CodecPrivate: head, SampleRate: 48000, Channels: 2},
	}
	return tracks, arrivalOrder(append(video, audio...), 300*time.Millisecond)
}

// writeAll writes frames (those before until) to w.
func writeAll(tb testing.TB, w *Writer, frames []testFrame, until time.Duration) {
	tb.Helper()
	for _, f := range frames {
		if f.ts >= until {
			continue
		}
		if err := w.WriteFrame(f.track, f.ts, f.key, f.data); err != nil {
			tb.Fatalf("WriteFrame(%d, %v): %v", f.track, f.ts, err)
		}
	}
}

// probeResult is what ffprobe reports of a file.
type probeResult struct {
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
	Streams []struct {
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
		Height    int    `json:"height"`
	} `json:"streams"`
}

// ffprobe returns the format duration (s) and the streams of path.
func ffprobe(tb testing.TB, path string) (float64, probeResult) {
	tb.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries",
		"format=duration:stream=codec_name,width,height", "-of", "json", path).Output()
	if err != nil {
		tb.Fatalf("ffprobe %s: %v", path, err)
	}
	var r probeResult
	if err := json.Unmarshal(out, &r); err != nil {
		tb.Fatalf("ffprobe output %s: %v", out, err)
	}
	d, err := strconv.ParseFloat(r.Format.Duration, 64)
	if err != nil {
		tb.Fatalf("ffprobe duration %q of %s: %v", r.Format.Duration, path, err)
	}
	return d, r
}

// ffmpegClean runs ffmpeg with args and fails on an exit error or any message.
func ffmpegClean(tb testing.TB, args ...string) {
	tb.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("ffmpeg", append([]string{"-v", "error", "-nostdin"}, args...)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		tb.Fatalf("ffmpeg %v: %v: %s", args, err, stderr.String())
	}
}

// blockTimes returns the timestamps of path's blocks in file order.
func blockTimes(tb testing.TB, path string) []int64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var ts []int64
	if _, err := scanFile(f, func(_ uint64, t int64, _ bool) { ts = append(ts, t) }); err != nil {
		tb.Fatal(err)
	}
	return ts
}

// copyFile copies src to dst, keeping the first n bytes (all if n < 0).
func copyFile(tb testing.TB, src, dst string, n int64) {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	if n >= 0 {
		b = b[:n]
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		tb.Fatal(err)
	}
}
