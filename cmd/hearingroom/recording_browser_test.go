package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/recordings/miniotest"
)

// hearingLength is how long the recorded test hearing lasts.
const hearingLength = 20 * time.Second

// TestBrowserRecordingToS3: two Chromium participants hold a 20-second
// hearing; each is recorded into its own WebM in a real S3 server (MinIO);
// ffprobe finds VP8 and Opus and a duration within 1 s of the participant's
// time in the hearing; the ledger's digests match the stored objects and
// `ledger verify` proves them.
func TestBrowserRecordingToS3(t *testing.T) {
	needFFprobe(t)
	s3 := miniotest.Start(t)
	browser := newBrowser(t)
	m := mustRunMainWith(t, func(c *Config) {
		c.S3Endpoint, c.S3AccessKey, c.S3SecretKey, c.S3Bucket = s3.Endpoint, s3.AccessKey, s3.SecretKey, "recordings"
	})
	ctx := context.Background()

	og, vg := officialGrant, villagerGrant
	og.Metadata = `{"role":"official","kind":"hearing"}`
	vg.Metadata = `{"role":"villager","station":"st-shiqiao"}`
	official := openPage(t, browser, "official", joinLink(t, m, og), 640, 480)
	villager := openPage(t, browser, "villager", joinLink(t, m, vg), 640, 480)
	waitMedia(t, official, "villager")
	waitMedia(t, villager, "official")
	for _, p := range []*page{official, villager} {
		waitFor(t, p.name+" shows the recording indicator", mediaDeadline, func() (bool, string) {
			on, err := eval[bool](p, `hr.recording && !document.getElementById('rec').hidden`)
			return err == nil && on, "indicator off"
		})
	}
	time.Sleep(hearingLength) // the hearing itself: what is recorded
	mustEval[bool](t, villager, `(hr.leave(), true)`)
	official.close()

	// A participant's recording may be cut into segments (Chrome raises
	// its resolution as the bandwidth estimate grows, and a new resolution
	// starts a new file): together they cover his time in the hearing.
	s := waitRecordings(t, m, og.Room, 2)
	durs := checkStored(t, m, s)
	checkCoverage(t, s, durs, []string{"official", "villager"}, hearingLength)
	// The recording's start and stop are events of the session.
	kinds := map[string]int{}
	waitFor(t, "the recording's start and stop in the history", 30*time.Second, func() (bool, string) {
		kinds = map[string]int{}
		err := m.ledger.ScanEvents(ctx, 1, func(e *petitions.Event) error {
			var d struct{ Session string }
			if json.Unmarshal(e.Data, &d) == nil && d.Session == s.ID {
				kinds[e.Kind]++
			}
			return nil
		})
		return err == nil && kinds[petitions.KindRecordingStarted] == 1 && kinds[petitions.KindRecordingStopped] == 1, fmt.Sprint(kinds, err)
	})
	report, err := petitions.VerifyStore(ctx, m.ledger, objectChecker(ctx, m.Objects()))
	if err != nil || !report.OK() || report.Objects != int64(len(s.Recordings)) {
		t.Errorf("verify with the recordings: %+v, %v", report, err)
	}
}

// checkStored downloads each recording of s and checks it: the stored
// bytes have the ledger's size and SHA-256, ffprobe finds VP8 and Opus, and
// its duration is the ledger's within 0.1 s. It returns the durations
// ffprobe found, by object key.
func checkStored(t *testing.T, m *Main, s *petitions.Session) map[string]float64 {
	t.Helper()
	durs := map[string]float64{}
	dir := t.TempDir()
	for _, ref := range s.Recordings {
		local := filepath.Join(dir, filepath.Base(ref.Object))
		sum, size := download(t, m, ref.Object, local)
		if sum != ref.SHA256 || size != ref.Size {
			t.Errorf("%s: stored %d bytes %s, the ledger says %d bytes %s", ref.Object, size, sum, ref.Size, ref.SHA256)
		}
		checkPlays(t, local)
		codecs, dur := ffprobe(t, local)
		t.Logf("%s: %v, %.2f s from %s", ref.Object, codecs, dur, ref.Start.Format("15:04:05.000"))
		if !codecs["vp8"] || !codecs["opus"] {
			t.Errorf("%s: codecs %v, want vp8 and opus", ref.Object, codecs)
		}
		if d := float64(ref.DurationMS) / 1000; d < dur-0.1 || d > dur+0.1 {
			t.Errorf("%s: the ledger says %.2f s, ffprobe %.2f s", ref.Object, d, dur)
		}
		durs[ref.Object] = dur
	}
	return durs
}

// cover is what a participant's segments cover: from the first one's start
// to the last one's end, sum seconds in all.
type cover struct {
	first, end time.Time
	sum        float64
}

// coverage lays each participant's recordings (durs: their durations, by
// object key) on one timeline.
func coverage(s *petitions.Session, durs map[string]float64) map[string]*cover {
	covers := map[string]*cover{}
	for _, ref := range s.Recordings {
		dur := durs[ref.Object]
		c := covers[ref.Participant]
		if c == nil {
			c = &cover{first: ref.Start}
			covers[ref.Participant] = c
		}
		end := ref.Start.Add(time.Duration(dur * float64(time.Second)))
		c.first, c.sum = minTime(c.first, ref.Start), c.sum+dur
		if end.After(c.end) {
			c.end = end
		}
	}
	return covers
}

// checkCoverage checks that the segments of each of who cover his time in
// the hearing, from his first recorded frame to his last leave, within 1 s,
// without gaps of more than 1 s in all, and at least least long.
func checkCoverage(t *testing.T, s *petitions.Session, durs map[string]float64, who []string, least time.Duration) {
	t.Helper()
	covers := coverage(s, durs)
	for _, who := range who {
		c, p := covers[who], s.Participant(who)
		if c == nil || p == nil || len(p.Joins) == 0 {
			t.Errorf("no recording of %s", who)
			continue
		}
		left := p.Joins[len(p.Joins)-1].Left
		want, span := left.Sub(c.first).Seconds(), c.end.Sub(c.first).Seconds()
		t.Logf("%s: recorded %.2f s over %.2f s; in the hearing %.2f s from the first frame", who, c.sum, span, want)
		if span < want-1 || span > want+1 || c.sum < span-1 || c.sum < least.Seconds()-1 {
			t.Errorf("%s: recorded %.2f s over %.2f s, want %.2f ± 1 s", who, c.sum, span, want)
		}
	}
}

// waitRecordings waits until the ended session of room holds n stored
// recordings, and returns it.
func waitRecordings(t *testing.T, m *Main, room string, n int) *petitions.Session {
	t.Helper()
	// Every segment handed to the uploader, and every upload done: a
	// session holding n recordings may still be waiting for its last ones.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := m.Recorder().Wait(ctx); err != nil {
		t.Fatalf("captures still running: %v", err)
	}
	if err := m.Uploader().Idle(ctx); err != nil {
		t.Fatalf("uploads still pending (%d): %v", m.Uploader().Pending(), err)
	}
	var s *petitions.Session
	waitFor(t, "the session's recordings in the ledger", 2*time.Minute, func() (bool, string) {
		list, err := m.ledger.Sessions(context.Background(), petitions.SessionFilter{Room: room})
		if err != nil {
			return false, err.Error()
		}
		if len(list) != 1 || list[0].Status != petitions.SessionEnded || len(list[0].Recordings) < n {
			b, _ := json.Marshal(list)
			return false, string(b) + " pending uploads " + strconv.Itoa(m.Uploader().Pending())
		}
		s = list[0]
		return true, ""
	})
	if !s.Recorded {
		t.Errorf("session not marked recorded")
	}
	return s
}

// download copies a stored object to path and returns its SHA-256 and size.
func download(t *testing.T, m *Main, key, path string) (string, int64) {
	t.Helper()
	rc, err := m.Objects().Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), rc)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// needFFprobe skips the test (fails it under CI=true) without ffprobe and
// ffmpeg, which come together.
func needFFprobe(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffprobe", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required when CI=true: %v", tool, err)
			}
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
}

// ffprobe returns the codecs of a file's streams and its duration in
// seconds.
func ffprobe(t *testing.T, path string) (map[string]bool, float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name",
		"-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	codecs := map[string]bool{}
	for _, s := range p.Streams {
		codecs[s.CodecName] = true
	}
	d, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return codecs, d
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
