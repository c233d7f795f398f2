package recordings_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"hearingroom/recordings"
)

// needTool returns the path of program name, skipping the test when it is
// missing, or failing it under CI=true.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
	return p
}

// makeWebM writes a VP8+Opus test pattern seconds long to dir/name.
func makeWebM(t *testing.T, ffmpeg, dir, name string, seconds int) string {
	t.Helper()
	p := filepath.Join(dir, name)
	out, err := exec.Command(ffmpeg, "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc=size=320x240:rate=15", "-f", "lavfi", "-i", "sine=f=440",
		"-t", strconv.Itoa(seconds), "-c:v", "libvpx", "-c:a", "libopus", p).CombinedOutput()
	if err != nil {
		t.Fatalf("making %s: %v: %s", name, err, out)
	}
	return p
}

// lumaAt returns the mean luma of the left and right halves of the frame
// of the video at time at.
func lumaAt(t *testing.T, ffmpeg, path string, at float64) (left, right byte) {
	t.Helper()
	out, err := exec.Command(ffmpeg, "-v", "error", "-ss", strconv.FormatFloat(at, 'f', 2, 64), "-i", path,
		"-frames:v", "1", "-vf", "scale=2:1:flags=area,format=gray", "-f", "rawvideo", "-").Output()
	if err != nil || len(out) != 2 {
		t.Fatalf("frame at %.2fs: %v (%d bytes)", at, err, len(out))
	}
	return out[0], out[1]
}

func TestComposite(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	ffprobe := needTool(t, "ffprobe")
	dir := t.TempDir()
	a1 := makeWebM(t, ffmpeg, dir, "a1.webm", 4)
	a2 := makeWebM(t, ffmpeg, dir, "a2.webm", 4)
	b1 := makeWebM(t, ffmpeg, dir, "b1.webm", 4)
	out := filepath.Join(dir, "out.mp4")
	dur := 8 * time.Second
	// Participant a is recorded in two consecutive files; b joins at 1 s
	// and leaves at 5 s.
	err := recordings.Composite(context.Background(), ffmpeg, []recordings.CompositeInput{
		{Path: a1, Offset: 0, Label: "a"},
		{Path: b1, Offset: time.Second, Label: "b"},
		{Path: a2, Offset: 4 * time.Second, Label: "a"},
	}, dur, out)
	if err != nil {
		t.Fatal(err)
	}

	probe, err := exec.Command(ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", out).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var info struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
			PixFmt    string `json:"pix_fmt"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(probe, &info); err != nil {
		t.Fatal(err)
	}
	codecs := map[string]string{}
	for _, s := range info.Streams {
		codecs[s.CodecType] = s.CodecName
		if s.CodecType == "video" && (s.Width != 2*recordings.CompositeWidth || s.Height != recordings.CompositeHeight || s.PixFmt != "yuv420p") {
			t.Errorf("video %dx%d %s, want %dx%d yuv420p", s.Width, s.Height, s.PixFmt, 2*recordings.CompositeWidth, recordings.CompositeHeight)
		}
	}
	if codecs["video"] != "h264" || codecs["audio"] != "aac" || len(info.Streams) != 2 {
		t.Errorf("streams %v, want h264 and aac", codecs)
	}
	got, _ := strconv.ParseFloat(info.Format.Duration, 64)
	if math.Abs(got-dur.Seconds()) > 0.3 {
		t.Errorf("duration %.3fs, want %v", got, dur)
	}

	// Each participant's files are in its own column, black where it has
	// none: b only from 1 s to 5 s, a throughout.
	const black = 40
	for _, c := range []struct {
		at          float64
		left, right bool // lit
	}{{0.5, true, false}, {2.5, true, true}, {6, true, false}, {7.5, true, false}} {
		l, r := lumaAt(t, ffmpeg, out, c.at)
		if (l > black) != c.left || (r > black) != c.right {
			t.Errorf("at %.1fs luma left %d right %d, want lit %v %v", c.at, l, r, c.left, c.right)
		}
	}
}

func TestCompositeNoFFmpeg(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.mp4")
	err := recordings.Composite(context.Background(), filepath.Join(t.TempDir(), "no-ffmpeg-here"),
		[]recordings.CompositeInput{{Path: "x.webm", Label: "a"}}, time.Second, out)
	if !errors.Is(err, recordings.ErrNoFFmpeg) {
		t.Fatalf("err = %v, want ErrNoFFmpeg", err)
	}
}

// A file ffmpeg cannot read fails with what ffmpeg said, and leaves no
// output.
func TestCompositeBadInput(t *testing.T) {
	ffmpeg := needTool(t, "ffmpeg")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.webm")
	if err := os.WriteFile(bad, []byte("not a webm file"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.mp4")
	err := recordings.Composite(context.Background(), ffmpeg, []recordings.CompositeInput{{Path: bad, Label: "a"}}, time.Second, out)
	if err == nil || errors.Is(err, recordings.ErrNoFFmpeg) {
		t.Fatalf("err = %v, want ffmpeg's failure", err)
	}
	if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("output left behind: %v", serr)
	}
	t.Log(err)
}
