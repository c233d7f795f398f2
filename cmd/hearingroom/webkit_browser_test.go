package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// tabletSizes are an iPad held portrait and landscape.
var tabletSizes = [][2]int{{768, 1024}, {1024, 768}}

// TestWebkitTablet walks the official's tablet pages in WebKit, the engine
// of Safari on the officials' iPads (WebKitGTK's MiniBrowser, driven by
// WebKitWebDriver on an Xvfb display; see webkit_driver_test.go). A
// township official signs in on the desk by typing, which shows today's
// schedule, the call queue and his cases with their deadline clocks; he
// taps another view of his cases, opens the desk in English and opens a
// case file. A county leader signs in on the dashboard. Each page, at each
// size, must have run its script (its state reached, its data shown), set
// lang (zh-CN, or en), thrown no uncaught error (a collector installed
// right after each load, see wkCollectErrors, and the page's own
// hr.errors), shown no error, and not scroll sideways; each is captured as
// screenshots/webkit-<page>-<w>x<h>.png.
//
// Then WebRTC: whether this WebKit can publish its mock camera to the SFU
// and a Chromium page receive it. Debian's WebKitGTK has no
// RTCPeerConnection (built without WebRTC); the test then records what the
// join page does without it, which must be a message, not a silent page.
func TestWebkitTablet(t *testing.T) {
	start := time.Now()
	wk := startWebKit(t,
		"--enable-media-stream=true", "--enable-mock-capture-devices=true", "--enable-webrtc=true",
		"--media-playback-requires-user-gesture=false")
	const seed = 5
	m := mustRunMainWith(t, func(c *Config) {
		if err := loadDemo(context.Background(), *c, demo.Config{Cases: 80, Seed: seed}, io.Discard); err != nil {
			t.Fatalf("demo: %v", err)
		}
	})
	people := demo.NewPeople(seed)
	official := people.TownshipOfficials(0)[0]
	var leader string
	for _, l := range demo.Logins(people) {
		if l.Role == petitions.RoleLeader && leader == "" {
			leader = l.Login
		}
	}
	// Today the official receives at his township's hall; two of his cases
	// run towards their deadlines.
	today := time.Now().In(petitions.ChinaTime).Format(petitions.DayLayout)
	if err := m.ledger.CreateReception(context.Background(), &petitions.Reception{ID: "webkit-today", Day: today,
		Station: demo.StationID(demo.TownshipID(0)), LeaderID: official.ID, Note: "专题接访：土地流转", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	me := signedIn(t, m, official.ID)
	for _, days := range []int{12, 20} {
		me.do(t, "POST", "/api/v1/cases", map[string]any{"kind": "petition", "class": "claim", "category": "land_transfer", "channel": "visit",
			"request": "土地流转费未按期支付", "facts": "2025年流转费至今未付", "village": demo.VillageID(0, 1), "summary_public": "土地流转费纠纷",
			"received_at": time.Now().AddDate(0, 0, -days).Format(time.RFC3339),
			"parties":     []map[string]any{{"id": "p1", "side": "petitioner", "name": "张德民"}}}, http.StatusCreated)
	}
	t.Logf("WebKit and the server with the demo ledger ready after %v", time.Since(start).Round(time.Millisecond))

	// The desk: sign in by typing, as on the tablet.
	walk := time.Now()
	wk.resize(t, 768, 1024)
	wk.navigate(t, m.BaseURL()+"/desk")
	wkCollectErrors(t, wk)
	wkState(t, wk, "signin")
	wkPage(t, wk, "desk-signin", tabletSizes[:1])
	wk.typeInto(t, "#login", petitions.NormalizeLogin(official.ID))
	wk.typeInto(t, "#password", demo.Password)
	wk.click(t, "#signin button[type=submit]")
	wkState(t, wk, "home")
	wkWait(t, "today's schedule, the stations and my cases with clocks", 30*time.Second, func() (bool, string) {
		s, err := wkEval[string](wk, `document.getElementById('schedule').textContent + ' | ' +
			document.querySelectorAll('#open-station option').length + ' stations | ' +
			document.querySelectorAll('#cases li[data-case]').length + ' cases | clocks: ' +
			[...document.querySelectorAll('#cases .clock')].map((c) => c.textContent).join('; ')`)
		return err == nil && strings.Contains(s, "专题接访") && !strings.Contains(s, "| 0 stations") &&
			!strings.Contains(s, "| 0 cases") && !strings.HasSuffix(s, "clocks: "), fmt.Sprint(s, err)
	})
	if got := wkMust[string](t, wk, `document.getElementById('queue-title').textContent`); got == "" {
		t.Errorf("desk: the queue has no title")
	}
	wkPage(t, wk, "desk", tabletSizes)

	// The other views of my cases: a tap on a tab reloads the list.
	wk.click(t, `.view[data-view="overdue"]`)
	wkWait(t, "the overdue view", 30*time.Second, func() (bool, string) {
		s, err := wkEval[string](wk, `document.querySelector('.view[data-view="overdue"]').getAttribute('aria-selected') + ' ' +
			document.querySelectorAll('#cases li').length`)
		return err == nil && strings.HasPrefix(s, "true ") && s != "true 0", fmt.Sprint(s, err)
	})
	wkPage(t, wk, "desk-overdue", tabletSizes[1:])
	wk.click(t, `.view[data-view="due_this_week"]`)
	var id string
	wkWait(t, "my cases again", 30*time.Second, func() (bool, string) {
		s, err := wkEval[string](wk, `(document.querySelector('#cases li[data-case]') || {dataset: {}}).dataset.case || ''`)
		id = s
		return err == nil && s != "", fmt.Sprint(s, err)
	})

	// The desk in English: the same data, lang=en.
	wk.navigate(t, m.BaseURL()+"/desk?lang=en")
	wkCollectErrors(t, wk)
	wkState(t, wk, "home")
	wkWait(t, "the English desk's cases", 30*time.Second, func() (bool, string) {
		s, err := wkEval[string](wk, `document.documentElement.lang + ' ' + document.getElementById('mine-title').textContent + ' ' +
			document.querySelectorAll('#cases li[data-case]').length`)
		return err == nil && strings.HasPrefix(s, "en My cases ") && !strings.HasSuffix(s, " 0"), fmt.Sprint(s, err)
	})
	wkPage(t, wk, "desk-en", tabletSizes[:1])

	// The case file of one of them: the official taps its number.
	id = wkMust[string](t, wk, `document.querySelector('#cases li[data-case]').dataset.case`)
	wk.click(t, `#cases li[data-case="`+id+`"] a.case-no`)
	wkWait(t, "the case file", 30*time.Second, func() (bool, string) {
		s, err := wkEval[string](wk, `location.pathname + location.search`)
		return err == nil && s == "/case?id="+id+"&lang=en", fmt.Sprint(s, err)
	})
	wkCollectErrors(t, wk)
	wkState(t, wk, "ready")
	if n := wkMust[int](t, wk, `document.querySelectorAll('#timeline li').length`); n == 0 {
		t.Errorf("case file: an empty timeline")
	}
	wkPage(t, wk, "case-en", tabletSizes) // from the English desk, in English

	// The county leader's dashboard, on the same tablet after the official.
	if err := wk.call("DELETE", "/cookie", nil, nil); err != nil {
		t.Fatalf("delete cookies: %v", err)
	}
	wk.resize(t, 1024, 768)
	wk.navigate(t, m.BaseURL()+"/dashboard")
	wkCollectErrors(t, wk)
	wkState(t, wk, "signin")
	wk.typeInto(t, "#login", leader)
	wk.typeInto(t, "#password", demo.Password)
	wk.click(t, "#signin button[type=submit]")
	wkState(t, wk, "ready")
	wkWait(t, "the dashboard's figures, charts and lists", 30*time.Second, func() (bool, string) {
		s, err := wkEval[string](wk, `[document.querySelectorAll('#cards .card').length, document.querySelectorAll('#chart-townships svg rect').length,
			document.querySelectorAll('#figtable tbody tr').length, document.querySelectorAll('#overdue tbody tr[data-case]').length].join(' ')`)
		var cards, bars, rows, overdue int
		fmt.Sscan(s, &cards, &bars, &rows, &overdue)
		return err == nil && cards >= 8 && bars > 0 && rows >= 10 && overdue > 0, fmt.Sprintf("cards, bars, rows, overdue: %s %v", s, err)
	})
	wkPage(t, wk, "dashboard", [][2]int{{1024, 768}, {768, 1024}})
	t.Logf("the walk took %v", time.Since(walk).Round(time.Millisecond))

	rtc := time.Now()
	webkitWebRTC(t, wk, m)
	t.Logf("the WebRTC part took %v", time.Since(rtc).Round(time.Millisecond))
	t.Logf("in all %v", time.Since(start).Round(time.Millisecond))
}

// webkitWebRTC opens a villager's join page in WebKit with the mock camera.
// With RTCPeerConnection, a Chromium official must receive its frames;
// without (Debian's build), the page must say it cannot join.
func webkitWebRTC(t *testing.T, wk *wkSession, m *Main) {
	wk.resize(t, 1024, 768)
	t0 := time.Now()
	wk.navigate(t, joinLink(t, m, villagerGrant))
	wkCollectErrors(t, wk)
	t.Logf("join page loaded in %v", time.Since(t0).Round(time.Millisecond))
	probe := wkMust[map[string]any](t, wk, `(async () => {
		const r = { RTCPeerConnection: typeof RTCPeerConnection, mediaDevices: !!navigator.mediaDevices };
		try {
			const s = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
			r.camera = s.getTracks().map((t) => t.kind + ': ' + t.label);
			s.getTracks().forEach((t) => t.stop());
		} catch (e) { r.camera = e.name + ': ' + e.message; }
		return r;
	})()`)
	t.Logf("WebKit WebRTC probe: %v", probe)
	if probe["RTCPeerConnection"] != "function" {
		// Not faked: the page must say in plain words that this browser
		// cannot make video calls and which can, and the test says why.
		wkWait(t, "the join page's error", mediaDeadline, func() (bool, string) {
			s, err := wkEval[string](wk, `hr.state + ' ' + JSON.stringify(hr.errors) + ' | ' + document.getElementById('status').textContent`)
			return err == nil && strings.HasPrefix(s, "unsupported ") && strings.Contains(s, `"code":"unsupported"`) &&
				strings.Contains(s, "此浏览器不能进行视频通话") && strings.Contains(s, "Safari"), fmt.Sprint(s, err)
		})
		t.Logf("WebKit cannot publish: this WebKitGTK has no RTCPeerConnection (built without ENABLE_WEB_RTC); the join page: %s; its camera preview: %s",
			wkMust[string](t, wk, `hr.state + ' ' + JSON.stringify(hr.errors) + ' | ' + document.getElementById('status').textContent`),
			wkMust[string](t, wk, `(() => { const v = document.getElementById('local');
				return JSON.stringify({ stream: !!v.srcObject, width: v.videoWidth, height: v.videoHeight, paused: v.paused, readyState: v.readyState }); })()`))
		if errs := wkMust[[]string](t, wk, `window.__wk.errors`); len(errs) > 0 {
			t.Errorf("join page without WebRTC: uncaught errors %v", errs)
		}
		wk.screenshot(t, "webkit-join-nowebrtc-1024x768.png")
		return
	}
	// A WebKit with WebRTC: the official's Chromium receives the villager.
	browser := newBrowser(t)
	official := openPage(t, browser, "official", joinLink(t, m, officialGrant), 1024, 768)
	waitMedia(t, official, villagerGrant.Identity)
	wkWait(t, "the villager joined", mediaDeadline, func() (bool, string) {
		s, err := wkEval[string](wk, `hr.state`)
		return s == "joined", fmt.Sprint(s, err)
	})
	wk.screenshot(t, "webkit-join-1024x768.png")
	screenshot(t, official, "webkit-join-official-chromium-1024x768.png")
}

// wkCollectErrors installs, right after a page's load, a collector of its
// uncaught errors and unhandled rejections. WebDriver classic runs no
// script before the page's own, so an error while the page boots shows as
// a page that never reaches its state (wkState) instead.
func wkCollectErrors(tb testing.TB, wk *wkSession) {
	tb.Helper()
	wkMust[bool](tb, wk, `(() => {
		if (window.__wk) return true;
		const w = (window.__wk = { errors: [] });
		addEventListener('error', (e) => w.errors.push('error: ' + e.message + ' at ' + e.filename + ':' + e.lineno));
		addEventListener('unhandledrejection', (e) => w.errors.push('rejection: ' + String(e.reason && e.reason.message || e.reason)));
		return true;
	})()`)
}

// wkState waits until the page's hr.state is state.
func wkState(tb testing.TB, wk *wkSession, state string) {
	tb.Helper()
	wkWait(tb, "the page in state "+state, mediaDeadline, func() (bool, string) {
		s, err := wkEval[string](wk, `window.hr ? hr.state + ' ' + JSON.stringify(hr.errors) + ' ' +
			(document.getElementById('error') || {}).textContent : 'no hr'`)
		return strings.HasPrefix(s, state+" "), fmt.Sprint(s, err)
	})
}

// wkPage checks the page at each size and captures it as
// screenshots/webkit-<name>-<w>x<h>.png: no sideways scrolling, lang set,
// no uncaught error, no error shown.
func wkPage(tb testing.TB, wk *wkSession, name string, sizes [][2]int) {
	tb.Helper()
	for _, sz := range sizes {
		wk.resize(tb, sz[0], sz[1])
		what := fmt.Sprintf("%s at %dx%d", name, sz[0], sz[1])
		st := wkMust[struct {
			ScrollWidth int      `json:"scrollWidth"`
			InnerWidth  int      `json:"innerWidth"`
			Lang        string   `json:"lang"`
			Errors      []string `json:"errors"`
			PageErrors  string   `json:"pageErrors"`
			Shown       string   `json:"shown"`
			Wide        []string `json:"wide"`
		}](tb, wk, `(() => {
			const e = document.getElementById('error');
			return { scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth,
				lang: document.documentElement.lang, errors: window.__wk ? window.__wk.errors : ['no collector'],
				pageErrors: JSON.stringify(window.hr ? hr.errors : []), shown: e && !e.hidden ? e.textContent : '',
				wide: [...document.querySelectorAll('body *')].filter((x) => x.getBoundingClientRect().right > innerWidth + 0.5)
					.slice(0, 5).map((x) => x.tagName + (x.id ? '#' + x.id : '') + (x.className ? '.' + String(x.className).split(' ').join('.') : '')) };
		})()`)
		if st.ScrollWidth > st.InnerWidth {
			tb.Errorf("webkit %s: the page scrolls sideways (%d px wide in %d); past the edge: %v", what, st.ScrollWidth, st.InnerWidth, st.Wide)
		}
		if want := map[bool]string{true: "en", false: "zh-CN"}[strings.HasSuffix(name, "-en")]; st.Lang != want {
			tb.Errorf("webkit %s: <html lang=%q>, want %s", what, st.Lang, want)
		}
		if len(st.Errors) > 0 {
			tb.Errorf("webkit %s: uncaught errors: %v", what, st.Errors)
		}
		if st.PageErrors != "[]" {
			tb.Errorf("webkit %s: the page's errors: %s", what, st.PageErrors)
		}
		if st.Shown != "" {
			tb.Errorf("webkit %s: shows the error %q", what, st.Shown)
		}
		wk.screenshot(tb, fmt.Sprintf("webkit-%s-%dx%d.png", name, sz[0], sz[1]))
	}
}
