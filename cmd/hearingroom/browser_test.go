package main

// Real-browser tests: headless Chromium with fake camera and microphone opens
// the join page (/join, web/static/join.*) against the full server, and the
// tests read the page's window.hr hooks. Everything stays on loopback: the
// server listens on 127.0.0.1 with loopback-only ICE, and the browser resolves
// no host name but 127.0.0.1.
//
// Chromium is found as `chromium` in PATH or at $HEARINGROOM_CHROMIUM. Without
// it the tests skip, except under CI=true where they fail.
//
// Screenshots go to $HEARINGROOM_SCREENSHOTS (default: screenshots/ at the top of the
// checkout, which git ignores): every screen at every size, to look at.
// Join-to-first-frame figures: HEARINGROOM_JOIN_RUNS=10 go test -run JoinToFirstFrame -v
// or go test -run '^$' -bench BrowserJoinToFirstFrame -benchtime 10x.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearingroom/signaling"
)

// mediaDeadline bounds every wait for media: generous, for a busy 2-core machine.
const mediaDeadline = 60 * time.Second

var (
	officialGrant = signaling.Grant{
		Room: "hearing-1", Identity: "official", Name: "王明（县信访局）",
		CanPublish: true, CanSubscribe: true, Admin: true,
	}
	villagerGrant = signaling.Grant{
		Room: "hearing-1", Identity: "villager", Name: "李秀兰（石桥村）",
		CanPublish: true, CanSubscribe: true,
	}
	supervisorGrant = signaling.Grant{
		Room: "hearing-1", Identity: "supervisor", Name: "督办席",
		CanSubscribe: true, Hidden: true,
	}
)

func TestBrowserHearing(t *testing.T) {
	browser := newBrowser(t)
	m := mustRunMain(t)

	// The official on a tablet (English UI), the villager on the kiosk (Chinese, the default).
	official := openPage(t, browser, "official", joinLink(t, m, officialGrant)+"&lang=en", 768, 1024)
	villager := openPage(t, browser, "villager", joinLink(t, m, villagerGrant), 1920, 1080)

	waitMedia(t, official, "villager")
	waitMedia(t, villager, "official")

	for _, p := range []*page{official, villager} {
		ms := firstFrameAt(t, p)
		t.Logf("%s: join-to-first-frame %.0f ms (since navigation start)", p.name, ms)
		fmt.Printf("browser: %s join-to-first-frame %.0f ms (since navigation start)\n", p.name, ms)
		checkPage(t, p)
	}
	// Names from the tokens label the tiles.
	if got := mustEval[string](t, villager, `document.querySelector('.tile[data-identity="official"] .name').textContent`); got != officialGrant.Name {
		t.Errorf("villager: tile of official labelled %q, want %q", got, officialGrant.Name)
	}
	if got := mustEval[string](t, official, `document.querySelector('.tile[data-identity="villager"] .name').textContent`); got != villagerGrant.Name {
		t.Errorf("official: tile of villager labelled %q, want %q", got, villagerGrant.Name)
	}
	if got := mustEval[string](t, villager, `document.documentElement.lang`); got != "zh-CN" {
		t.Errorf("villager: <html lang=%q>, want zh-CN", got)
	}
	if got := mustEval[string](t, official, `document.documentElement.lang`); got != "en" {
		t.Errorf("official: <html lang=%q>, want en", got)
	}
	screenshot(t, villager, "hearing-villager-1920x1080.png")
	screenshot(t, official, "hearing-official-768x1024.png")
}

func TestBrowserHiddenObserver(t *testing.T) {
	browser := newBrowser(t)
	m := mustRunMain(t)

	// The supervisor comes between the two: the official would hear of it by a
	// participant-joined frame, the villager in its joined frame's list.
	official := openPage(t, browser, "official", joinLink(t, m, officialGrant), 1920, 1080)
	supervisor := openPage(t, browser, "supervisor", joinLink(t, m, supervisorGrant), 1920, 1080)
	villager := openPage(t, browser, "villager", joinLink(t, m, villagerGrant), 1920, 1080)

	waitMedia(t, supervisor, "official")
	waitMedia(t, supervisor, "villager")
	waitMedia(t, official, "villager")
	waitMedia(t, villager, "official")

	for _, p := range []*page{official, villager} {
		other := map[*page]string{official: "villager", villager: "official"}[p]
		// A ping round trip: any frame the server sent before its pong has arrived.
		if !mustEval[bool](t, p, `hr.ping()`) {
			t.Fatalf("%s: no pong", p.name)
		}
		seen := mustEval[[]string](t, p, `Object.keys(hr.seen)`)
		if !slices.Contains(seen, other) {
			t.Errorf("%s: hr.seen %v lacks %s: the check below would prove nothing", p.name, seen, other)
		}
		if slices.Contains(seen, supervisorGrant.Identity) {
			t.Errorf("%s: the server announced the hidden supervisor (identities seen: %v)", p.name, seen)
		}
		now := mustEval[[]string](t, p, `Object.keys(hr.participants)`)
		if slices.Contains(now, supervisorGrant.Identity) {
			t.Errorf("%s: hr.participants lists the hidden supervisor: %v", p.name, now)
		}
		if n := mustEval[int](t, p, `document.querySelectorAll('.tile[data-identity="supervisor"]').length`); n != 0 {
			t.Errorf("%s: shows a tile for the hidden supervisor", p.name)
		}
		st := stats(t, p)
		for _, in := range st.Inbound {
			if in.Participant == supervisorGrant.Identity {
				t.Errorf("%s: receives a %s track from the supervisor", p.name, in.Kind)
			}
		}
		checkPage(t, p)
	}

	// The supervisor sees both and never opened its camera.
	if n := mustEval[int](t, supervisor, `document.querySelectorAll('.tile').length`); n != 2 {
		t.Errorf("supervisor: %d tiles, want 2", n)
	}
	if !mustEval[bool](t, supervisor, `document.getElementById('self').hidden && !document.getElementById('local').srcObject`) {
		t.Errorf("supervisor: the page opened the camera of a subscribe-only participant")
	}
	if mustEval[bool](t, supervisor, `!!hr.you.publisher`) {
		t.Errorf("supervisor: joined frame says it may publish")
	}
	checkPage(t, supervisor)
	ms := firstFrameAt(t, supervisor)
	t.Logf("supervisor: join-to-first-frame %.0f ms (since navigation start)", ms)
	fmt.Printf("browser: supervisor join-to-first-frame %.0f ms (since navigation start)\n", ms)
	screenshot(t, supervisor, "observer-supervisor-1920x1080.png")
}

// BenchmarkBrowserJoinToFirstFrame measures kiosk joins into a room where
// the official already publishes, from page open to the first decoded frame:
// go test -run '^$' -bench BrowserJoinToFirstFrame -benchtime 10x ./cmd/hearingroom
func BenchmarkBrowserJoinToFirstFrame(b *testing.B) {
	b.StopTimer()
	d, marks := measureJoins(b, b.N)
	line := fmt.Sprintf("browser: join-to-first-frame over %d joins: p50 %.0f ms, p90 %.0f ms, min %.0f ms, max %.0f ms",
		len(d), percentile(d, 50), percentile(d, 90), slices.Min(d), slices.Max(d))
	line += "; median milestones (ms since navigation start):"
	for _, name := range []string{"camera", "ws-open", "joined", "offer", "answer", "ice-connected", "track-video", "server-offer", "first-frame"} {
		if v := marks[name]; len(v) > 0 {
			line += fmt.Sprintf(" %s %.0f,", name, percentile(v, 50))
		}
	}
	b.Log(strings.TrimSuffix(line, ","))
	var sum float64
	for _, ms := range d {
		sum += ms
	}
	b.ReportMetric(sum/float64(len(d))*1e6, "ns/op")
	b.ReportMetric(percentile(d, 50), "p50-ms")
	b.ReportMetric(percentile(d, 90), "p90-ms")
}

// measureJoins returns the join-to-first-frame times (ms since navigation
// start) of runs kiosk pages that join, one after the other, a room where the
// official is already live. Each kiosk leaves (its tab closes) before the next.
// marks holds each run's hr.marks: the page's milestones, by name.
func measureJoins(tb testing.TB, runs int) (firstFrames []float64, marks map[string][]float64) {
	browser := newBrowser(tb)
	m := mustRunMain(tb)
	official := openPage(tb, browser, "official", joinLink(tb, m, officialGrant), 1280, 720)
	waitFor(tb, "official joined", mediaDeadline, func() (bool, string) {
		s, err := eval[string](official, `hr.state`)
		return s == "joined", fmt.Sprint(s, err)
	})

	marks = make(map[string][]float64)
	for i := range runs {
		g := villagerGrant
		g.Identity = fmt.Sprintf("villager-%d", i+1)
		kiosk := openPage(tb, browser, g.Identity, joinLink(tb, m, g), 1280, 720)
		var ms float64
		waitFor(tb, g.Identity+" first frame", mediaDeadline, func() (bool, string) {
			v, err := eval[*float64](kiosk, `hr.firstFrameAt`)
			if err != nil || v == nil {
				return false, fmt.Sprint("firstFrameAt=null ", err)
			}
			ms = *v
			return true, ""
		})
		milestones := mustEval[map[string]float64](tb, kiosk, `hr.marks`)
		for name, v := range milestones {
			marks[name] = append(marks[name], v)
		}
		tb.Logf("join %d: first remote frame %.0f ms after navigation start (joined %.0f, ICE connected %.0f)",
			i+1, ms, milestones["joined"], milestones["ice-connected"])
		firstFrames = append(firstFrames, ms)
		kiosk.close()
		// The room forgets the kiosk before the next one comes.
		waitFor(tb, "official sees "+g.Identity+" leave", mediaDeadline, func() (bool, string) {
			n, err := eval[int](official, fmt.Sprintf(
				`(hr.participants[%q] ? 1 : 0) + document.querySelectorAll('.tile').length`, g.Identity))
			return err == nil && n == 0, fmt.Sprint(n, err)
		})
	}
	sdp := mustEval[string](tb, official, `hr.pc.localDescription.sdp`)
	tb.Logf("official after %d joins: %d m-lines, %d bytes in its SDP", runs, strings.Count(sdp, "\nm="), len(sdp))
	return firstFrames, marks
}

// percentile returns the nearest-rank p-th percentile of d.
func percentile(d []float64, p int) float64 {
	s := slices.Sorted(slices.Values(d))
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

// ---- browser and pages ----

// chromiumPath finds the browser: $HEARINGROOM_CHROMIUM, else chromium in PATH.
// It skips the test when there is none, or fails it when CI=true.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("browser tests are skipped in -short mode")
	}
	if p := os.Getenv("HEARINGROOM_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			tb.Fatalf("HEARINGROOM_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("chromium")
	if err == nil {
		return p
	}
	const why = "no chromium in PATH and HEARINGROOM_CHROMIUM unset (apt-get install -y chromium)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(why)
	}
	tb.Skip(why)
	return ""
}

// newBrowser starts a headless Chromium with fake media devices and a fresh
// profile, closed at the end of the test. Its tabs each open in a window of
// their own, so each renders and decodes as a foreground page.
func newBrowser(tb testing.TB) context.Context {
	tb.Helper()
	exe := chromiumPath(tb)
	out := new(lockedBuffer)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1920, 1080),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		// Without it Chrome offers no loopback candidates and ICE never connects.
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		// Only loopback may be a target: no host name resolves elsewhere.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
		if tb.Failed() {
			tb.Logf("chromium output (tail):\n%s", out.tail(4000))
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		tb.Fatalf("start %s: %v\n%s", exe, err, out.tail(4000))
	}
	return ctx
}

// page is one tab of the browser with the join page open.
type page struct {
	name   string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	console []string
}

// openPage opens url in a new tab with a width x height viewport and keeps
// its console; a failed test prints the console and the page's state.
func openPage(tb testing.TB, browser context.Context, name, url string, width, height int64) *page {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	p := &page{name: name, ctx: ctx, cancel: cancel}
	tb.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		tb.Fatalf("%s: open tab: %v", name, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for msg, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, msg.String())
			p.mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		if tb.Failed() {
			p.dump(tb)
		}
	})
	nctx, ncancel := context.WithTimeout(ctx, 30*time.Second)
	defer ncancel()
	if err := chromedp.Do(nctx, chromedp.Navigate(url)); err != nil {
		tb.Fatalf("%s: open %s: %v", name, url, err)
	}
	return p
}

// close closes the tab; the page's socket closes with it.
func (p *page) close() { p.cancel() }

func (p *page) dump(tb testing.TB) {
	state, err := eval[string](p, `JSON.stringify({state: hr.state, you: hr.you && hr.you.identity,
		participants: Object.keys(hr.participants), tracks: Object.values(hr.tracks),
		errors: hr.errors, firstFrameAt: hr.firstFrameAt, status: document.getElementById('status').textContent,
		signaling: hr.pc && hr.pc.signalingState, ice: hr.pc && hr.pc.iceConnectionState,
		connection: hr.pc && hr.pc.connectionState})`)
	if err != nil {
		state = "unavailable: " + err.Error()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	tb.Logf("page %s: state %s\nconsole:\n  %s", p.name, state, strings.Join(p.console, "\n  "))
}

// eval evaluates expr in the page, awaiting a promise, within 15 s.
func eval[T any](p *page, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

func mustEval[T any](tb testing.TB, p *page, expr string) T {
	tb.Helper()
	v, err := eval[T](p, expr)
	if err != nil {
		tb.Fatalf("%s: %s: %v", p.name, expr, err)
	}
	return v
}

// waitFor polls check every 250 ms until it reports true, or fails the test
// after timeout with the last state check described.
func waitFor(tb testing.TB, what string, timeout time.Duration, check func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := check()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no %s within %v; last: %s", what, timeout, state)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// pageStats is what hr.stats() returns: inbound-rtp summed, and per stream.
type pageStats struct {
	VideoFramesDecoded   int64         `json:"videoFramesDecoded"`
	AudioPacketsReceived int64         `json:"audioPacketsReceived"`
	Inbound              []inboundStat `json:"inbound"`
}

type inboundStat struct {
	Kind            string `json:"kind"`
	Participant     string `json:"participant"` // the MediaStream id = publisher identity
	TrackIdentifier string `json:"trackIdentifier"`
	PacketsReceived int64  `json:"packetsReceived"`
	FramesDecoded   int64  `json:"framesDecoded"`
	FrameWidth      int64  `json:"frameWidth"`
	FrameHeight     int64  `json:"frameHeight"`
}

// from sums what the page received from one publisher.
func (s pageStats) from(identity string) (frames, packets int64) {
	for _, in := range s.Inbound {
		if in.Participant != identity {
			continue
		}
		switch in.Kind {
		case "video":
			frames += in.FramesDecoded
		case "audio":
			packets += in.PacketsReceived
		}
	}
	return frames, packets
}

func stats(tb testing.TB, p *page) pageStats {
	tb.Helper()
	raw := mustEval[[]byte](tb, p, `hr.stats()`)
	var s pageStats
	if err := json.Unmarshal(raw, &s); err != nil {
		tb.Fatalf("%s: hr.stats(): %v: %s", p.name, err, raw)
	}
	return s
}

// waitMedia waits until p decodes video frames and receives audio packets of
// the publisher named from.
func waitMedia(tb testing.TB, p *page, from string) {
	tb.Helper()
	waitMediaWithin(tb, p, from, mediaDeadline)
}

// waitMediaWithin is waitMedia with its own deadline.
func waitMediaWithin(tb testing.TB, p *page, from string, deadline time.Duration) {
	tb.Helper()
	waitFor(tb, fmt.Sprintf("media from %s on %s's page", from, p.name), deadline, func() (bool, string) {
		raw, err := eval[[]byte](p, `hr.stats()`)
		if err != nil {
			return false, err.Error()
		}
		var s pageStats
		if err := json.Unmarshal(raw, &s); err != nil {
			return false, err.Error()
		}
		frames, packets := s.from(from)
		return s.VideoFramesDecoded > 0 && s.AudioPacketsReceived > 0 && frames > 0 && packets > 0,
			fmt.Sprintf("frames %d, audio packets %d from %s; stats %s", frames, packets, from, raw)
	})
}

func firstFrameAt(tb testing.TB, p *page) float64 {
	tb.Helper()
	var ms float64
	// requestVideoFrameCallback or the page's stats poll sets it right after
	// the first decoded frame; allow the poll a moment.
	waitFor(tb, p.name+"'s hr.firstFrameAt", 10*time.Second, func() (bool, string) {
		v, err := eval[*float64](p, `hr.firstFrameAt`)
		if err != nil || v == nil {
			return false, fmt.Sprint("null ", err)
		}
		ms = *v
		return true, ""
	})
	return ms
}

// checkPage asserts what every joined page should show: joined state, no
// errors, no horizontal scroll.
func checkPage(tb testing.TB, p *page) {
	tb.Helper()
	if s := mustEval[string](tb, p, `hr.state`); s != "joined" {
		tb.Errorf("%s: hr.state = %q, want joined", p.name, s)
	}
	if errs := mustEval[string](tb, p, `JSON.stringify(hr.errors)`); errs != "[]" {
		tb.Errorf("%s: hr.errors = %s", p.name, errs)
	}
	if !mustEval[bool](tb, p, `document.documentElement.scrollWidth <= innerWidth`) {
		tb.Errorf("%s: the page scrolls horizontally", p.name)
	}
}

// screenshot saves the page's viewport as a PNG, waiting as long as a page
// playing several videos needs on a busy machine.
func screenshot(tb testing.TB, p *page, name string) {
	tb.Helper()
	dir := os.Getenv("HEARINGROOM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Minute)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.Fatalf("%s: screenshot: %v", p.name, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", path)
}

func joinLink(tb testing.TB, m *Main, g signaling.Grant) string {
	tb.Helper()
	link, err := m.JoinLink(g, time.Hour)
	if err != nil {
		tb.Fatalf("join link for %s: %v", g.Identity, err)
	}
	return link
}

// lockedBuffer collects the browser's output from its own goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
