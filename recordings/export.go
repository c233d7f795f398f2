package recordings

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ErrNoFFmpeg is returned (wrapped) by Composite when the ffmpeg program
// cannot be found.
var ErrNoFFmpeg = errors.New("recordings: ffmpeg is not installed")

// The geometry of a composite: one column of CompositeWidth × CompositeHeight
// per participant, at CompositeRate frames per second.
const (
	CompositeWidth  = 640
	CompositeHeight = 360
	CompositeRate   = 25
)

// CompositeInput is one recorded file placed on a session's timeline.
type CompositeInput struct {
	Path string // a local file ffmpeg can read (e.g. WebM with VP8 and Opus)
	// Offset is where the file's time 0 lies on the session timeline. A
	// negative offset cuts the file's beginning.
	Offset time.Duration
	// Label names the participant: the inputs with the same label share a
	// column, in the order the labels first appear.
	Label string
	// NoVideo and NoAudio say that the file lacks that kind of track.
	NoVideo, NoAudio bool
}

// Composite renders tracks into one MP4 file at outPath (H.264 and AAC,
// faststart), dur long: the participants side by side, each input's video
// scaled into its participant's column from its offset on and black where
// the participant has none, and all the inputs' audio mixed. ffmpeg names
// the program ("" for "ffmpeg" on the PATH); when it cannot be found the
// error wraps ErrNoFFmpeg. ffmpeg is killed when ctx is done; its failure
// is reported with the last lines it wrote, and leaves no file at outPath.
func Composite(ctx context.Context, ffmpeg string, tracks []CompositeInput, dur time.Duration, outPath string) error {
	if len(tracks) == 0 {
		return errors.New("recordings: composite: no inputs")
	}
	if dur <= 0 {
		return fmt.Errorf("recordings: composite: duration %v is not positive", dur)
	}
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	bin, err := exec.LookPath(ffmpeg)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoFFmpeg, err)
	}
	args := compositeArgs(tracks, dur, outPath)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	var stderr tail
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		_ = os.Remove(outPath)
		if ctx.Err() != nil {
			return fmt.Errorf("recordings: composite: %w", ctx.Err())
		}
		return fmt.Errorf("recordings: composite: ffmpeg: %v: %s", err, stderr.lastLines(8))
	}
	return nil
}

// compositeArgs returns ffmpeg's arguments for Composite. Each participant's
// column is a black background dur long onto which each of its inputs,
// shifted to its offset, is overlaid until it ends; the columns are stacked
// side by side. Each input's audio, its gaps filled with silence, is
// delayed by its offset; all are mixed with a silent track dur long, so
// that there is always audio and it lasts dur.
func compositeArgs(tracks []CompositeInput, dur time.Duration, outPath string) []string {
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}
	for _, t := range tracks {
		if t.Offset < 0 {
			args = append(args, "-ss", seconds(-t.Offset))
		}
		args = append(args, "-i", t.Path)
	}
	d := seconds(dur)
	var g []string // the filter graph's chains
	var columns []string
	col := map[string]string{} // label → the column's latest pad
	var labels []string
	for _, t := range tracks {
		if _, ok := col[t.Label]; !ok {
			pad := fmt.Sprintf("bg%d", len(labels))
			g = append(g, fmt.Sprintf("color=c=black:s=%dx%d:r=%d:d=%s,format=yuv420p[%s]",
				CompositeWidth, CompositeHeight, CompositeRate, d, pad))
			col[t.Label] = pad
			labels = append(labels, t.Label)
		}
	}
	audio := []string{}
	for i, t := range tracks {
		off := max(t.Offset, 0)
		if !t.NoVideo {
			g = append(g, fmt.Sprintf("[%d:v:0]setpts=PTS-STARTPTS+%s/TB,"+
				"scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v%d]",
				i, seconds(off), CompositeWidth, CompositeHeight, CompositeWidth, CompositeHeight, i))
			next := fmt.Sprintf("o%d", i)
			g = append(g, fmt.Sprintf("[%s][v%d]overlay=eof_action=pass:repeatlast=0[%s]", col[t.Label], i, next))
			col[t.Label] = next
		}
		if !t.NoAudio {
			g = append(g, fmt.Sprintf("[%d:a:0]aresample=48000:async=1:first_pts=0,adelay=%d:all=1[a%d]",
				i, off.Milliseconds(), i))
			audio = append(audio, fmt.Sprintf("[a%d]", i))
		}
	}
	for _, l := range labels {
		columns = append(columns, "["+col[l]+"]")
	}
	if len(columns) == 1 {
		g = append(g, columns[0]+"null[v]")
	} else {
		g = append(g, fmt.Sprintf("%shstack=inputs=%d[v]", strings.Join(columns, ""), len(columns)))
	}
	g = append(g, fmt.Sprintf("anullsrc=r=48000:cl=stereo,atrim=0:%s[silence]", d))
	g = append(g, fmt.Sprintf("[silence]%samix=inputs=%d:duration=longest:dropout_transition=0:normalize=0,atrim=0:%s[a]",
		strings.Join(audio, ""), len(audio)+1, d))
	args = append(args,
		"-filter_complex", strings.Join(g, ";"),
		"-map", "[v]", "-map", "[a]",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-r", strconv.Itoa(CompositeRate),
		"-c:a", "aac", "-b:a", "128k", "-ac", "2",
		"-movflags", "+faststart", "-t", d, "-f", "mp4", outPath)
	return args
}

// seconds formats d for ffmpeg, in seconds with millisecond precision.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// tail keeps the last 8 KiB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	const keep = 8 << 10
	t.b = append(t.b, p...)
	if len(t.b) > keep {
		t.b = append(t.b[:0], t.b[len(t.b)-keep:]...)
	}
	return len(p), nil
}

// lastLines returns at most n of the last non-empty lines, joined by " | ".
func (t *tail) lastLines(n int) string {
	lines := bytes.Split(bytes.TrimSpace(t.b), []byte("\n"))
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(string(lines[i])); l != "" {
			out = append([]string{l}, out...)
		}
	}
	if len(out) == 0 {
		return "(no output)"
	}
	return strings.Join(out, " | ")
}
