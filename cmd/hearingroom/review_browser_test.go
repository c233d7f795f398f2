package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
)

// TestBrowserReview: an auditor signs in on the review page and plays a
// hearing's two recordings side by side on one timeline: play moves the
// clock and both files, seeking and the moments put each file at the time
// minus its offset, the speed applies to both, and every playback URL handed
// out is logged in the ledger.
func TestBrowserReview(t *testing.T) {
	needFFmpeg(t)
	browser := newBrowser(t)
	m := mustRunMain(t)
	ctx := context.Background()

	// The jurisdiction tree's root and an auditor on it.
	if err := m.ledger.CreateUnit(ctx, &petitions.Unit{ID: "fuyu", Name: "富裕县", Level: petitions.UnitCounty}); err != nil {
		t.Fatal(err)
	}
	const login, password = "auditor", "correct horse battery"
	hash, err := petitions.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	auditor := &petitions.Person{ID: "p-auditor", Login: login, Name: "赵审计",
		Roles: []petitions.RoleGrant{{Role: petitions.RoleAuditor, Unit: "fuyu"}}, PasswordHash: hash}
	if err := m.ledger.CreatePerson(ctx, auditor); err != nil {
		t.Fatal(err)
	}

	// A hearing of 8 s: the official recorded from 0 s, the villager from 2 s,
	// 6 s each.
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	dir := t.TempDir()
	files := []struct{ identity, role, pattern, tone string }{
		{"official", "official", "testsrc=size=320x240:rate=15", "sine=f=440"},
		{"villager", "villager", "smptebars=size=320x240:rate=15", "sine=f=660"},
	}
	ss := &petitions.Session{ID: "ss-review", Kind: petitions.SessionHearing, Room: "hearing-review",
		Start: start, End: at(8), Status: petitions.SessionEnded, EndReason: "left", Recorded: true,
		Participants: []petitions.SessionParticipant{
			{Identity: "official", Name: "王明（县信访局）", Role: "official",
				Joins: []petitions.Presence{{Joined: at(0), Left: at(8), LeaveReason: "left"}}},
			{Identity: "villager", Name: "李秀兰（石桥村）", Role: "villager",
				Joins: []petitions.Presence{{Joined: at(2), Left: at(8), LeaveReason: "left"}}},
		}}
	for i, f := range files {
		path := filepath.Join(dir, f.identity+".webm")
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", f.pattern, "-f", "lavfi", "-i", f.tone,
			"-t", "6", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "15", "-b:v", "300k",
			"-c:a", "libopus", path).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg %s: %v\n%s", f.identity, err, out)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		sha := hex.EncodeToString(sum[:])
		key := fmt.Sprintf("sessions/%s/%s-1.webm", ss.ID, f.identity)
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		err = m.Objects().Put(ctx, key, fh, int64(len(b)), "video/webm", sha)
		fh.Close()
		if err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		ss.Recordings = append(ss.Recordings, petitions.RecordingRef{Object: key, SHA256: sha, Size: int64(len(b)),
			Participant: f.identity, Role: f.role, Start: at(2 * i), DurationMS: 6000,
			Tracks: []string{"video/VP8", "audio/opus"}, Width: 320, Height: 240})
	}
	if err := m.ledger.SaveSession(ctx, ss); err != nil {
		t.Fatal(err)
	}

	// Not signed in: the page asks for the login, then shows the session.
	zh := openPage(t, browser, "review-zh", m.BaseURL()+"/review#session="+ss.ID, 1280, 800)
	waitState(t, zh, "signin")
	screenshot(t, zh, "review-signin-zh-1280x800.png")
	mustEval[bool](t, zh, fmt.Sprintf(`(() => {
		document.getElementById('login').value = %q;
		document.getElementById('password').value = %q;
		document.getElementById('signin').requestSubmit();
		return true;
	})()`, login, password))
	waitState(t, zh, "ready")
	if n := mustEval[int](t, zh, `document.querySelectorAll('.tile').length`); n != 2 {
		t.Fatalf("%d tiles, want 2", n)
	}
	for _, c := range []struct{ who, name, role string }{{"official", "王明（县信访局）", "接访领导"}, {"villager", "李秀兰（石桥村）", "信访人"}} {
		got := mustEval[[]string](t, zh, fmt.Sprintf(`(() => { const t = document.querySelector('.tile[data-identity=%q]');
			return [t.querySelector('.name').textContent, t.querySelector('.role').textContent]; })()`, c.who))
		if got[0] != c.name || got[1] != c.role {
			t.Errorf("tile %s: name %q, role %q; want %q, %q", c.who, got[0], got[1], c.name, c.role)
		}
	}
	waitVideos(t, zh, "both files loaded", `vs.every((v) => v.readyState >= 1 && v.duration > 5)`)

	// Play: the clock and both files move, both show pictures.
	mustEval[bool](t, zh, `(document.getElementById('play').click(), true)`)
	waitVideos(t, zh, "the clock past 3 s with both files playing",
		`hr.playing && hr.time > 3000 && vs[0].currentTime > 2.5 && vs[1].currentTime > 0.5 &&
		 !vs[0].paused && !vs[1].paused && vs.every((v) => v.videoWidth > 0)`)
	mustEval[bool](t, zh, `(document.getElementById('play').click(), true)`)
	if mustEval[bool](t, zh, `hr.playing || vs().some((v) => !v.paused)`) {
		t.Errorf("pause left something playing")
	}

	// Seek to 4 s with the bar: the official's file at 4 s, the villager's at 2 s.
	mustEval[bool](t, zh, `(() => { const s = document.getElementById('seek');
		s.value = '4000'; s.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	waitAt(t, zh, "after seeking to 4 s", 4000, 4, 2)

	// 2×: every file plays at twice the speed.
	mustEval[bool](t, zh, `(document.querySelector('.speed[data-rate="2"]').click(), true)`)
	if !mustEval[bool](t, zh, `hr.rate === 2 && vs().every((v) => v.playbackRate === 2) &&
		document.querySelector('.speed[data-rate="2"]').getAttribute('aria-pressed') === 'true'`) {
		t.Errorf("2×: rates %v", mustEval[[]float64](t, zh, `vs().map((v) => v.playbackRate)`))
	}

	// The villager's join, a moment, seeks to 2 s.
	mustEval[bool](t, zh, `(document.querySelector('#moments li[data-kind="joined"][data-offset="2000"] button').click(), true)`)
	waitAt(t, zh, "after the villager's join", 2000, 2, 0)
	if got := mustEval[string](t, zh, `document.querySelector('#moments li[data-offset="2000"] .what').textContent`); got != "李秀兰（石桥村） 加入" {
		t.Errorf("moment at 2 s reads %q", got)
	}

	// ← goes back 5 s (to 0): no recording of the villager yet.
	mustEval[bool](t, zh, `(document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft', bubbles: true})), true)`)
	waitFor(t, "the villager's placeholder at 0 s", 10*time.Second, func() (bool, string) {
		s, err := eval[string](zh, `JSON.stringify([hr.time, document.querySelector('.tile[data-identity="villager"] .placeholder').hidden,
			document.querySelector('.tile[data-identity="villager"] .placeholder').textContent])`)
		return err == nil && s == `[0,false,"无录像"]`, fmt.Sprint(s, err)
	})
	// Space plays at 2×, space again pauses.
	mustEval[bool](t, zh, `(document.body.dispatchEvent(new KeyboardEvent('keydown', {key: ' ', code: 'Space', bubbles: true})), true)`)
	waitVideos(t, zh, "playing at 2× after space", `hr.playing && hr.time > 2500 && vs[0].currentTime > 2`)
	mustEval[bool](t, zh, `(document.body.dispatchEvent(new KeyboardEvent('keydown', {key: ' ', code: 'Space', bubbles: true})), true)`)
	if mustEval[bool](t, zh, `hr.playing`) {
		t.Errorf("space did not pause")
	}

	// Both at 4 s again for the picture.
	mustEval[bool](t, zh, `(hr.seek(4000), true)`)
	waitAt(t, zh, "before the screenshot", 4000, 4, 2)
	checkReviewPage(t, zh)
	screenshot(t, zh, "review-zh-1280x800.png")

	// English on a tablet, portrait; the sign-in cookie is the browser's.
	en := openPage(t, browser, "review-en", m.BaseURL()+"/review?lang=en#session="+ss.ID, 768, 1024)
	waitState(t, en, "ready")
	mustEval[bool](t, en, `(hr.seek(3000), true)`)
	waitAt(t, en, "English page at 3 s", 3000, 3, 1)
	got := mustEval[[]string](t, en, `[document.documentElement.lang, document.querySelector('.tile[data-identity="official"] .role').textContent,
		document.getElementById('play').getAttribute('aria-label'), document.querySelector('#moments h2, #moments-title').textContent]`)
	if want := []string{"en", "Official", "Play", "Moments"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("English page: %q, want %q", got, want)
	}
	checkReviewPage(t, en)
	screenshot(t, en, "review-en-768x1024.png")

	// A session that does not exist is said so in plain words.
	gone := openPage(t, browser, "review-missing", m.BaseURL()+"/review#session=no-such-session", 768, 1024)
	waitFor(t, "the not-found message", mediaDeadline, func() (bool, string) {
		s, err := eval[string](gone, `window.hr ? hr.state + ': ' + document.getElementById('error').textContent : ''`)
		return err == nil && s == "error: 没有找到这个场次，或者您无权查看。", fmt.Sprint(s, err)
	})

	// Every playback URL handed out is a read of the recording in the ledger.
	reads := map[string]int{}
	err = m.ledger.ScanEvents(ctx, 1, func(e *petitions.Event) error {
		var d struct{ What, Object string }
		if e.Kind == "read" && json.Unmarshal(e.Data, &d) == nil && d.What == "recording" {
			if e.Actor != auditor.ID {
				t.Errorf("read of %s by %q, want %s", d.Object, e.Actor, auditor.ID)
			}
			reads[d.Object]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ss.Recordings {
		if reads[r.Object] < 2 { // once per page
			t.Errorf("ledger: %d reads of %s, want 2 (one per page): %v", reads[r.Object], r.Object, reads)
		}
	}
}

// needFFmpeg skips the test without ffmpeg, or fails it when CI=true.
func needFFmpeg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ffmpeg is required when CI=true: %v", err)
		}
		t.Skipf("ffmpeg not installed: %v", err)
	}
}

// waitState waits for the review page's hr.state and defines vs(), the
// page's videos in tile order, for the checks.
func waitState(t *testing.T, p *page, want string) {
	t.Helper()
	waitFor(t, p.name+" in state "+want, mediaDeadline, func() (bool, string) {
		s, err := eval[string](p, `window.hr ? hr.state + ' ' + hr.errors.join('; ') : 'no hr'`)
		return err == nil && s == want+" ", fmt.Sprint(s, err)
	})
	mustEval[bool](t, p, `(window.vs = () => [...document.querySelectorAll('.tile video')], true)`)
}

// waitVideos waits until cond, an expression over vs (the videos) and hr,
// holds.
func waitVideos(t *testing.T, p *page, what, cond string) {
	t.Helper()
	waitFor(t, what, mediaDeadline, func() (bool, string) {
		ok, err := eval[bool](p, `(() => { const vs = window.vs(); return !!(`+cond+`); })()`)
		if err == nil && ok {
			return true, ""
		}
		s, _ := eval[string](p, `JSON.stringify({time: hr.time, duration: hr.duration, playing: hr.playing, errors: hr.errors,
			videos: vs().map((v) => ({t: v.currentTime, paused: v.paused, ready: v.readyState, seeking: v.seeking,
			w: v.videoWidth, rate: v.playbackRate, err: v.error && v.error.message}))})`)
		return false, fmt.Sprint(s, err)
	})
}

// waitAt waits until the paused clock is at ms and the two files, settled,
// at a and b seconds (±0.3 s).
func waitAt(t *testing.T, p *page, what string, ms, a, b float64) {
	t.Helper()
	waitVideos(t, p, what, fmt.Sprintf(`!hr.playing && Math.abs(hr.time - %v) < 1 &&
		vs.every((v) => !v.seeking && v.readyState >= 2 && v.videoWidth > 0) &&
		Math.abs(vs[0].currentTime - %v) <= 0.3 && Math.abs(vs[1].currentTime - %v) <= 0.3`, ms, a, b))
}

// checkReviewPage asserts what every review page should show: no errors
// (on the page or in its console), no horizontal scroll, controls large
// enough to touch.
func checkReviewPage(t *testing.T, p *page) {
	t.Helper()
	if errs := mustEval[string](t, p, `JSON.stringify(hr.errors)`); errs != "[]" {
		t.Errorf("%s: hr.errors = %s", p.name, errs)
	}
	if !mustEval[bool](t, p, `document.documentElement.scrollWidth <= innerWidth`) {
		t.Errorf("%s: the page scrolls horizontally", p.name)
	}
	small := mustEval[[]string](t, p, `[...document.querySelectorAll('.controls button, #moments button')]
		.filter((b) => { const r = b.getBoundingClientRect(); return r.height < 44 || r.width < 44; })
		.map((b) => b.textContent)`)
	if len(small) > 0 {
		t.Errorf("%s: buttons smaller than 44 px: %q", p.name, small)
	}
	// The manifest's 401 before signing in is expected; nothing else.
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, line := range p.console {
		if strings.HasPrefix(line, "error:") && !strings.Contains(line, "status of 401") {
			t.Errorf("%s: console: %s", p.name, line)
		}
	}
}
