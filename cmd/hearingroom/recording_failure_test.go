package main

// Recordings under failure: the object store goes away in the middle of a
// hearing, and the server itself is killed (SIGKILL) in the middle of one.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/sqlite"
	"hearingroom/recordings/miniotest"
	"hearingroom/signaling"
)

// outageHearing is how long the hearing goes on after the store stopped.
const outageHearing = 10 * time.Second

// TestBrowserRecordingSurvivesStoreOutage: the S3 server stops while two
// Chromium participants are in a hearing; the hearing goes on and ends;
// the segments wait in the spool, their uploads retried and failing, and
// the session holds no recording. Once the store is back, every segment is
// stored (its digest the ledger's), attached, and removed from the spool,
// and the segments still cover each participant's time in the hearing.
func TestBrowserRecordingSurvivesStoreOutage(t *testing.T) {
	needFFprobe(t)
	s3 := miniotest.Start(t)
	browser := newBrowser(t)
	fails := &uploadFailures{byKey: map[string]int{}}
	m := mustRunMainLogged(t, func(c *Config) {
		c.S3Endpoint, c.S3AccessKey, c.S3SecretKey, c.S3Bucket = s3.Endpoint, s3.AccessKey, s3.SecretKey, "recordings"
		// Retries every 0.2–2 s instead of 1 s–1 min: a test watches
		// several of them in seconds.
		c.UploadMinBackoff, c.UploadMaxBackoff = 200*time.Millisecond, 2*time.Second
	}, fails)
	ctx := context.Background()
	spool := filepath.Join(m.Config.DataDir, "recordings", "spool")

	og, vg := officialGrant, villagerGrant
	og.Room, vg.Room = "hearing-outage", "hearing-outage"
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
	mediaAt := time.Now()

	// The store goes away in the middle of the hearing, which goes on.
	s3.Stop()
	t.Logf("S3 stopped %.1f s after both had media", time.Since(mediaAt).Seconds())
	time.Sleep(outageHearing)
	mustEval[bool](t, villager, `(hr.leave(), true)`)
	official.close()
	held := time.Since(mediaAt)

	// The session ends; every capture hands its segments over; none can
	// be stored.
	waitFor(t, "the session's end in the ledger", mediaDeadline, func() (bool, string) {
		list, err := m.ledger.Sessions(ctx, petitions.SessionFilter{Room: og.Room})
		if err != nil {
			return false, err.Error()
		}
		b, _ := json.Marshal(list)
		return len(list) == 1 && list[0].Status == petitions.SessionEnded, string(b)
	})
	wctx, cancel := context.WithTimeout(ctx, mediaDeadline)
	if err := m.Recorder().Wait(wctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	endedAt := time.Now()
	failsAtEnd := fails.total()

	// What was stored before the store stopped stays; once an upload has
	// failed since, none is in flight, and nothing more can be attached.
	// The store stops as soon as both have media, before Chrome's first
	// raise of resolution cuts a segment: normally nothing was stored.
	waitFor(t, "a failed upload since the store stopped", mediaDeadline, func() (bool, string) {
		return fails.total() > 0, "no failure yet"
	})
	list, err := m.ledger.Sessions(ctx, petitions.SessionFilter{Room: og.Room})
	if err != nil || len(list) != 1 {
		t.Fatalf("sessions: %d, %v", len(list), err)
	}
	before := len(list[0].Recordings)
	if before > 0 {
		b, _ := json.Marshal(list[0].Recordings)
		t.Logf("%d segments were stored before the store stopped (a loaded machine): %s", before, b)
	}

	// Held: the uploads fail again and again, the spool keeps the files,
	// the session gets nothing.
	var segments []string
	held2 := func() (ok bool, state string) {
		segments = spoolSegments(t, spool)
		pending := m.Uploader().Pending()
		list, err := m.ledger.Sessions(ctx, petitions.SessionFilter{Room: og.Room})
		if err != nil {
			t.Fatalf("sessions: %v", err)
		}
		if len(list) != 1 || len(list[0].Recordings) != before {
			b, _ := json.Marshal(list)
			t.Fatalf("a recording attached while the store is down: %s", b)
		}
		if pending == 0 || pending != len(segments) {
			t.Fatalf("store down: %d uploads pending, %d segments in the spool %v", pending, len(segments), segments)
		}
		for _, f := range segments {
			if _, err := os.Stat(f + ".upload.json"); err != nil {
				t.Fatalf("segment %s has no upload job: %v", f, err)
			}
		}
		keys := jobKeys(t, segments)
		min := -1
		for _, k := range keys {
			if n := fails.of(k); min < 0 || n < min {
				min = n
			}
		}
		after := fails.total() - failsAtEnd
		return min >= 2 && after >= 2, fmt.Sprintf("%d pending; fewest failures of one upload %d; %d failures since the session ended", pending, min, after)
	}
	waitFor(t, "two failed attempts of every pending upload", 2*time.Minute, held2)
	// And a few backoff cycles (at most 2 s each) more.
	for hold := time.Now().Add(5 * time.Second); time.Now().Before(hold); time.Sleep(500 * time.Millisecond) {
		held2()
	}
	_, state := held2()
	t.Logf("store down %.1f s after the session ended: %d segments in the spool, %s",
		time.Since(endedAt).Seconds(), len(segments), state)

	// The store is back: everything is stored and attached.
	s3.Restart()
	s := waitRecordings(t, m, og.Room, before+len(segments))
	wctx, cancel = context.WithTimeout(ctx, time.Minute)
	if err := m.Uploader().Idle(wctx); err != nil {
		t.Fatalf("uploads still pending after the store came back: %d", m.Uploader().Pending())
	}
	cancel()
	if len(s.Recordings) != before+len(segments) {
		t.Errorf("the session holds %d recordings, the spool held %d segments and %d were stored before the outage",
			len(s.Recordings), len(segments), before)
	}
	if left := spoolFiles(t, spool); len(left) > 0 {
		t.Errorf("the spool still holds %v", left)
	}
	t.Logf("%d failed upload attempts in all", fails.total())
	durs := checkStored(t, m, s)
	checkCoverage(t, s, durs, []string{"official", "villager"}, held)
	report, err := petitions.VerifyStore(ctx, m.ledger, objectChecker(ctx, m.Objects()))
	if err != nil || !report.OK() || report.Objects != int64(len(s.Recordings)) {
		t.Errorf("verify with the recordings: %+v, %v", report, err)
	}
}

// uploadFailures is a log handler that counts the uploader's failed
// attempts by object key.
type uploadFailures struct {
	mu    sync.Mutex
	byKey map[string]int
	all   int
}

func (u *uploadFailures) Enabled(context.Context, slog.Level) bool { return true }

func (u *uploadFailures) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "upload failed; will retry" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "key" {
			u.mu.Lock()
			u.byKey[a.Value.String()]++
			u.all++
			u.mu.Unlock()
		}
		return true
	})
	return nil
}

func (u *uploadFailures) WithAttrs([]slog.Attr) slog.Handler { return u }
func (u *uploadFailures) WithGroup(string) slog.Handler      { return u }

func (u *uploadFailures) of(key string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.byKey[key]
}

func (u *uploadFailures) total() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.all
}

// spoolFiles lists the files (not directories) under the spool.
func spoolFiles(t *testing.T, spool string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(spool, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the spool: %v", err)
	}
	return files
}

// spoolSegments lists the recordings in the spool.
func spoolSegments(t *testing.T, spool string) []string {
	t.Helper()
	var segs []string
	for _, f := range spoolFiles(t, spool) {
		if strings.HasSuffix(f, ".webm") || strings.HasSuffix(f, ".mkv") {
			segs = append(segs, f)
		}
	}
	return segs
}

// jobKeys returns the object keys of the segments' upload jobs.
func jobKeys(t *testing.T, segments []string) []string {
	t.Helper()
	var keys []string
	for _, f := range segments {
		b, err := os.ReadFile(f + ".upload.json")
		if err != nil {
			t.Fatalf("upload job: %v", err)
		}
		var job struct {
			Key string `json:"key"`
		}
		if err := json.Unmarshal(b, &job); err != nil || job.Key == "" {
			t.Fatalf("upload job %s: %v: %s", f, err, b)
		}
		keys = append(keys, job.Key)
	}
	return keys
}

// killHearing is how long the hearing runs, both participants having
// media, before the server is killed.
const killHearing = 8 * time.Second

// maxCrashLoss is how much of a participant's recording a crash may lose:
// the open cluster (up to 2 s) and the frames waiting to be laid on the
// clock.
const maxCrashLoss = 2500 * time.Millisecond

// TestRecordingAfterKill9: the server is killed (SIGKILL) in the middle of
// a recorded hearing. Started again on the same data dir, it marks the
// session interrupted, finalises the segments the crash cut short, stores
// them and attaches them; they play, and lose at most the last 2.5 s before
// the crash; `hearingroom ledger verify` proves the ledger and the files.
func TestRecordingAfterKill9(t *testing.T) {
	needFFprobe(t)
	browser := newBrowser(t)
	bin := buildServer(t)
	data := filepath.Join(t.TempDir(), "data")

	srv := startServer(t, bin, data)
	var sec secrets
	b, err := os.ReadFile(filepath.Join(data, "secrets.json"))
	if err == nil {
		err = json.Unmarshal(b, &sec)
	}
	if err != nil {
		t.Fatalf("secrets.json: %v", err)
	}
	keys := signaling.Keys{APIKey: sec.APIKey, Secret: sec.APISecret}
	link := func(g signaling.Grant) string {
		tok, err := keys.Mint(g, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return srv.url + "/join#token=" + url.QueryEscape(tok)
	}
	og, vg := officialGrant, villagerGrant
	og.Room, vg.Room = "hearing-kill", "hearing-kill"
	og.Metadata = `{"role":"official","kind":"hearing"}`
	vg.Metadata = `{"role":"villager","station":"st-shiqiao"}`
	official := openPage(t, browser, "official", link(og), 640, 480)
	villager := openPage(t, browser, "villager", link(vg), 640, 480)
	waitMedia(t, official, "villager")
	waitMedia(t, villager, "official")
	for _, p := range []*page{official, villager} {
		waitFor(t, p.name+" shows the recording indicator", mediaDeadline, func() (bool, string) {
			on, err := eval[bool](p, `hr.recording && !document.getElementById('rec').hidden`)
			return err == nil && on, "indicator off"
		})
	}
	time.Sleep(killHearing)
	// The kill comes when each participant's open segment has run 3 s, so
	// that a cluster of it is on disk: a segment opened (Chrome raised its
	// resolution) just before the crash holds no frame, and Recover drops
	// it; the earlier segment then ends the recording, closed normally.
	spool := filepath.Join(data, "recordings", "spool")
	waitFor(t, "open segments of 3 s", mediaDeadline, func() (bool, string) {
		open := openSegments(t, spool)
		for _, who := range []string{"official", "villager"} {
			if start, ok := open[who]; !ok || time.Since(start) < 3*time.Second {
				return false, fmt.Sprint(open)
			}
		}
		return true, ""
	})
	killedAt := time.Now()
	srv.kill()
	official.close()
	villager.close()
	partial := spoolSegments(t, spool)
	t.Logf("killed; the spool holds %d segments: %v", len(partial), partial)
	if len(partial) == 0 {
		t.Fatal("the crash left no segment in the spool")
	}

	// Started again: it recovers the spool and uploads (to the directory
	// store) until the spool is empty.
	srv = startServer(t, bin, data)
	waitFor(t, "an empty spool", 2*time.Minute, func() (bool, string) {
		left := spoolFiles(t, spool)
		return len(left) == 0, fmt.Sprint(left)
	})
	srv.stop()
	t.Logf("the restarted server said:\n%s", srv.logLines("recordings", "sessions:", "recording stored", "upload"))

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, ledgerFile))
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.Sessions(ctx, petitions.SessionFilter{Room: og.Room})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d sessions of %s, want 1", len(list), og.Room)
	}
	s := list[0]
	if s.Status != petitions.SessionInterrupted || !s.Recorded {
		t.Errorf("session %s: status %s, recorded %v; want interrupted and recorded", s.ID, s.Status, s.Recorded)
	}
	durs := map[string]float64{}
	interrupted := map[string]int{}
	dir := t.TempDir()
	for _, ref := range s.Recordings {
		path := filepath.Join(data, "recordings", "store", "objects", filepath.FromSlash(ref.Object))
		sum, size := fileSHA256(t, path)
		if sum != ref.SHA256 || size != ref.Size {
			t.Errorf("%s: %d bytes %s, the ledger says %d bytes %s", ref.Object, size, sum, ref.Size, ref.SHA256)
		}
		// ffmpeg decodes it all without an error.
		local := filepath.Join(dir, filepath.Base(ref.Object))
		if err := os.Link(path, local); err != nil {
			local = path
		}
		checkPlays(t, local)
		codecs, dur := ffprobe(t, local)
		t.Logf("%s: %v, %.2f s from %s, interrupted %v", ref.Object, codecs, dur, ref.Start.Format("15:04:05.000"), ref.Interrupted)
		if !codecs["vp8"] || !codecs["opus"] {
			t.Errorf("%s: codecs %v, want vp8 and opus", ref.Object, codecs)
		}
		if d := float64(ref.DurationMS) / 1000; d < dur-0.1 || d > dur+0.1 {
			t.Errorf("%s: the ledger says %.2f s, ffprobe %.2f s", ref.Object, d, dur)
		}
		durs[ref.Object] = dur
		if ref.Interrupted {
			interrupted[ref.Participant]++
		}
	}
	covers := coverage(s, durs)
	for _, who := range []string{"official", "villager"} {
		c, p := covers[who], s.Participant(who)
		if c == nil || p == nil || len(p.Joins) == 0 {
			t.Errorf("no recording of %s", who)
			continue
		}
		if interrupted[who] != 1 {
			t.Errorf("%s: %d interrupted recordings, want 1 (the segment open at the crash)", who, interrupted[who])
		}
		want, span := killedAt.Sub(c.first), c.end.Sub(c.first)
		loss := want - span
		t.Logf("%s: joined %.2f s before the kill; recorded %.2f s over %.2f s from the first frame to %.2f s before the kill",
			who, killedAt.Sub(p.Joins[0].Joined).Seconds(), c.sum, span.Seconds(), loss.Seconds())
		if loss > maxCrashLoss || loss < 0 || c.sum < span.Seconds()-1 {
			t.Errorf("%s: recorded %.2f s over %.2f s, in the hearing %.2f s from the first frame before the kill: lost %.2f s, want at most %.1f s",
				who, c.sum, span.Seconds(), want.Seconds(), loss.Seconds(), maxCrashLoss.Seconds())
		}
	}
	if out, err := exec.Command(bin, "ledger", "verify", "--data-dir", data).CombinedOutput(); err != nil {
		t.Errorf("hearingroom ledger verify: %v\n%s", err, out)
	} else {
		t.Logf("hearingroom ledger verify:\n%s", out)
	}
}

// openSegments returns the start of each participant's open segment in
// the spool: the latest whose sidecar gives no reason for its end.
func openSegments(t *testing.T, spool string) map[string]time.Time {
	t.Helper()
	open := map[string]time.Time{}
	for _, f := range spoolFiles(t, spool) {
		if !strings.HasSuffix(f, ".meta.json") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue // replaced meanwhile
		}
		var seg struct {
			Identity string    `json:"identity"`
			Start    time.Time `json:"start"`
			Reason   string    `json:"reason"`
		}
		if json.Unmarshal(b, &seg) != nil || seg.Reason != "" {
			continue
		}
		if seg.Start.After(open[seg.Identity]) {
			open[seg.Identity] = seg.Start
		}
	}
	return open
}

// checkPlays decodes the file with ffmpeg, which must exit 0 and say
// nothing, and checks that each stream's packet times strictly increase.
func checkPlays(t *testing.T, path string) {
	t.Helper()
	// -enc_time_base -1: the decoded frames keep the file's time base;
	// ffmpeg's default (1/frame rate) would itself put two frames of a
	// variable frame rate in one tick, and complain of it.
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-enc_time_base", "-1", "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("%s: ffmpeg decoding: %v\n%s", filepath.Base(path), err, out)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "packet=stream_index,pts", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Errorf("%s: ffprobe packets: %v", filepath.Base(path), err)
		return
	}
	last, bad := map[string]int64{}, 0
	for _, line := range strings.Fields(string(out)) {
		var stream string
		var pts int64
		if i := strings.IndexByte(line, ','); i > 0 {
			stream = line[:i]
			fmt.Sscan(line[i+1:], &pts)
		}
		if prev, ok := last[stream]; ok && pts <= prev {
			if bad++; bad <= 3 {
				t.Errorf("%s: stream %s: packet at %d after %d", filepath.Base(path), stream, pts, prev)
			}
		}
		last[stream] = pts
	}
}

func fileSHA256(t *testing.T, path string) (string, int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// buildServer builds the hearingroom binary into a temporary directory.
func buildServer(t *testing.T) string {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatal("no go.mod above the working directory")
		}
		root = parent
	}
	bin := filepath.Join(t.TempDir(), "hearingroom")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/hearingroom")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serverProcess is the server running as a child process.
type serverProcess struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error // the exit, once done is closed
	url  string
}

// startServer runs `hearingroom serve` on data, on 127.0.0.1 with a free
// HTTP port and loopback-only media, and waits until it serves. The test's
// end kills it if it still runs.
func startServer(t *testing.T, bin, data string) *serverProcess {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &serverProcess{t: t, out: new(lockedBuffer), done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--data-dir", data, "--http-addr", addr,
		"--udp-addr", "127.0.0.1:0", "--tcp-addr", "", "--loopback-only")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	// The flags alone configure it: no HEARINGROOM_* variable of the
	// test's environment (an S3 endpoint, say) reaches it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEARINGROOM_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	dieWithTest(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server output (tail):\n%s", p.out.tail(6000))
		}
	})
	waitFor(t, "the server's serving log line", mediaDeadline, func() (bool, string) {
		select {
		case <-p.done:
			t.Fatalf("the server exited: %v\n%s", p.err, p.out.tail(4000))
		default:
		}
		for _, line := range strings.Split(p.out.tail(1<<20), "\n") {
			// The log line: msg="hearingroom: serving" url=http://…
			if _, after, ok := strings.Cut(line, `msg="hearingroom: serving" url=`); ok {
				p.url, _, _ = strings.Cut(after, " ")
				return true, ""
			}
		}
		return false, p.out.tail(400)
	})
	return p
}

// kill kills the server with SIGKILL and waits for it to die.
func (p *serverProcess) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop stops the server with SIGTERM and waits until it has exited, which
// it must do cleanly.
func (p *serverProcess) stop() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.t.Fatalf("the server did not stop within a minute of SIGTERM\n%s", p.out.tail(4000))
	}
	if p.err != nil {
		p.t.Errorf("the server exited: %v\n%s", p.err, p.out.tail(4000))
	}
}

// logLines returns the lines of the server's output holding any of subs.
func (p *serverProcess) logLines(subs ...string) string {
	var out []string
	for _, line := range strings.Split(p.out.tail(1<<20), "\n") {
		for _, s := range subs {
			if strings.Contains(line, s) {
				out = append(out, "  "+line)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
