package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// TestBrowserDesk: a township official signs in on the desk at 1024×768,
// sees today's schedule and his cases, answers a village station calling
// in (the kiosk joins the same room), registers the petitioner's case,
// writes the minutes, grades the risk, summons a department whose staff
// open the link in another browser and join (the ledger has the report-in),
// accepts the case and names its leader (the handling due date runs),
// replies with an outcome and ends the hearing. Each step is checked
// through the API; every screen is captured at 1024×768, 768×1024 and
// 1366×768, with no horizontal scrolling and every field labelled.
func TestBrowserDesk(t *testing.T) {
	const seed = 1
	ctx := context.Background()
	browser := newBrowser(t)
	people := demo.NewPeople(seed)
	official := people.TownshipOfficials(0)[0]
	leader := people.TownshipLeaders(0)[0]
	var staff demo.Person
	for _, s := range people.Staff {
		if s.UnitID == demo.DeptID("renshe") {
			staff = s
		}
	}
	m := mustRunMainWith(t, func(c *Config) {
		deskLedger(t, *c, official, leader, staff, people.Dispatchers[0], people.Administrator)
	})
	village := demo.VillageID(0, 0)
	station := demo.StationID(village)
	renshe := demo.DeptID("renshe")

	// Today the official receives at his township's hall.
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(petitions.DayLayout)
	if err := m.ledger.CreateReception(ctx, &petitions.Reception{ID: "desk-today", Day: today,
		Station: demo.StationID(demo.TownshipID(0)), LeaderID: official.ID, Note: "专题接访：拖欠工资", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	dispatcher := signedIn(t, m, people.Dispatchers[0].ID)

	// His worklists: a case due in a few days, one overdue.
	me := signedIn(t, m, official.ID)
	for _, days := range []int{12, 20} {
		body := map[string]any{"kind": "petition", "class": "claim", "category": "land_transfer", "channel": "visit",
			"request": "土地流转费未按期支付", "facts": "2025年流转费至今未付", "village": demo.VillageID(0, 1), "summary_public": "土地流转费纠纷",
			"received_at": time.Now().AddDate(0, 0, -days).Format(time.RFC3339),
			"parties":     []map[string]any{{"id": "p1", "side": "petitioner", "name": "张德民"}}}
		me.do(t, "POST", "/api/v1/cases", body, http.StatusCreated)
	}

	// Sign in.
	desk := openPage(t, browser, "official", m.BaseURL()+"/desk", 1024, 768)
	waitScreen(t, desk, "signin")
	shootDesk(t, desk, "signin")
	evalDesk(t, desk, fmt.Sprintf(`document.getElementById('login').value = %q;
		document.getElementById('password').value = %q;
		document.getElementById('signin').requestSubmit();`, petitions.NormalizeLogin(official.ID), demo.Password))
	waitScreen(t, desk, "home")
	waitFor(t, "today's schedule and my cases", 30*time.Second, func() (bool, string) {
		s, err := eval[string](desk, `document.getElementById('schedule').textContent + ' | ' +
			document.querySelectorAll('#cases li[data-case]').length + ' cases, clocks: ' + document.querySelectorAll('#cases .clock').length`)
		return err == nil && strings.Contains(s, "专题接访") && !strings.Contains(s, "| 0 cases"), fmt.Sprint(s, err)
	})
	if got := mustEval[string](t, desk, `document.documentElement.lang`); got != "zh-CN" {
		t.Errorf("<html lang=%q>, want zh-CN", got)
	}

	// A village station calls in; the queue shows it; the official answers.
	terminal := enrolTerminal(t, m, signedIn(t, m, people.Administrator.ID), station)
	queue := mustEval[bool](t, desk, `new Promise((ok) => { const w = () => hr.queue === null ? setTimeout(w, 100) : ok(hr.queue === true); w(); })`)
	var kiosk *page
	if queue {
		call := terminal.do(t, "POST", "/api/v1/terminal/calls", map[string]any{"kind": "hearing"}, http.StatusCreated)
		waitFor(t, "the call in the official's queue", 30*time.Second, func() (bool, string) {
			n, err := eval[int](desk, fmt.Sprintf(`document.querySelectorAll('#calls li[data-call=%q]').length`, call["id"]))
			return n == 1, fmt.Sprint(n, err)
		})
		shootDesk(t, desk, "home-call")
		evalDesk(t, desk, `document.querySelector('#calls .accept').click()`)
	} else {
		t.Log("no call queue on this server: the official enters the station's room by a seat")
		shootDesk(t, desk, "home")
		evalDesk(t, desk, fmt.Sprintf(`document.getElementById('open-station').value = %q;
			document.getElementById('open').requestSubmit();`, station))
	}
	waitScreen(t, desk, "hearing")
	seat := terminal.do(t, "POST", "/api/v1/terminal/sessions", map[string]any{"station": station}, http.StatusCreated)
	kiosk = openPage(t, browser, "kiosk", m.BaseURL()+seat["join"].(string), 1280, 720)
	waitFrameMedia(t, desk, "terminal.")
	waitMedia(t, kiosk, official.ID)
	shootDesk(t, desk, "hearing-find")

	// Register the petitioner's case.
	evalDesk(t, desk, `document.getElementById('r-name').value = '王桂芝';
		document.getElementById('r-phone').value = '13912345678';
		document.getElementById('r-category').value = 'wage_arrears';
		document.getElementById('r-request').value = '请求督促工程队支付拖欠的三个月工资';
		document.getElementById('r-facts').value = '2026年8月至10月在村道工程务工，工资未付。';
		document.getElementById('register').requestSubmit();`)
	id := waitCase(t, desk)
	c := dispatcher.do(t, "GET", "/api/v1/cases/"+id, nil, http.StatusOK)
	if c["station_id"] != station || c["village"] != village || c["state"] != "registered" || c["medium"] != "video" {
		t.Errorf("registered case: station %v, village %v, state %v, medium %v", c["station_id"], c["village"], c["state"], c["medium"])
	}
	// The media session is linked to the case.
	waitFor(t, "the hearing linked to the case", 30*time.Second, func() (bool, string) {
		ok, _ := eval[bool](desk, `hr.linked`)
		return ok, fmt.Sprint("sessionId ", mustEval[string](t, desk, `hr.sessionId`))
	})
	ss := dispatcher.do(t, "GET", "/api/v1/cases/"+id+"/sessions", nil, http.StatusOK)["sessions"].([]any)
	if len(ss) != 1 || ss[0].(map[string]any)["station"] != station || ss[0].(map[string]any)["status"] != "live" {
		t.Errorf("the case's sessions: %v", ss)
	}

	// Minutes.
	evalDesk(t, desk, `document.getElementById('tab-minutes').click();
		document.getElementById('m-text').value = '信访人王桂芝称：村道工程队拖欠三个月工资共计一万二千元。';
		document.getElementById('minutes').requestSubmit();`)
	waitText(t, desk, "#minutes-list", "一万二千元")
	if evs := events(t, dispatcher, id, "minutes"); len(evs) != 1 || !strings.Contains(string(evs[0].Data), "一万二千元") {
		t.Errorf("minutes events: %v", evs)
	}
	shootOne(t, desk, "hearing-minutes")

	// Risk.
	evalDesk(t, desk, `document.getElementById('tab-risk').click();
		document.querySelector('#risk input[value=red]').click();
		document.getElementById('risk-reason').value = '涉及多名务工人员';
		document.getElementById('risk').requestSubmit();`)
	waitFor(t, "the risk level red", 20*time.Second, func() (bool, string) {
		r, _ := eval[string](desk, `hr.case && hr.case.risk_level`)
		return r == "red", r
	})
	if c := dispatcher.do(t, "GET", "/api/v1/cases/"+id, nil, http.StatusOK); c["risk_level"] != "red" {
		t.Errorf("risk level %v, want red", c["risk_level"])
	}
	shootOne(t, desk, "hearing-risk")

	// Summon the 人社局; its staff open the link and join.
	evalDesk(t, desk, fmt.Sprintf(`document.getElementById('tab-summon').click();
		document.querySelector('#s-depts input[value=%q]').checked = true;
		document.getElementById('s-reason').value = '核实欠薪情况';
		document.getElementById('summon').requestSubmit();`, renshe))
	var link string
	waitFor(t, "the summons link", 20*time.Second, func() (bool, string) {
		l, err := eval[string](desk, `hr.summonsLinks.length ? hr.summonsLinks[0].link : ''`)
		link = l
		return l != "", fmt.Sprint(err)
	})
	shootOne(t, desk, "hearing-summon")
	dept := openIsolated(t, browser, "department", link, 1366, 768) // its own cookies: the staff sign in beside the official
	waitScreen(t, dept, "signin")
	evalDesk(t, dept, fmt.Sprintf(`document.getElementById('login').value = %q;
		document.getElementById('password').value = %q;
		document.getElementById('signin').requestSubmit();`, petitions.NormalizeLogin(staff.ID), demo.Password))
	waitScreen(t, dept, "hearing")
	waitFrameMedia(t, dept, official.ID)
	waitFrameMedia(t, desk, staff.ID)
	c = dispatcher.do(t, "GET", "/api/v1/cases/"+id, nil, http.StatusOK)
	sm := c["summons"].([]any)[0].(map[string]any)["departments"].([]any)[0].(map[string]any)
	if sm["unit_id"] != renshe || sm["reported_at"] == nil {
		t.Errorf("summons after the department joined: %v", sm)
	}
	if evs := events(t, dispatcher, id, "summons.reported"); len(evs) != 1 || evs[0].Actor != staff.ID {
		t.Errorf("report-in events: %+v", evs)
	}
	waitText(t, desk, "#summons-list li.reported", "")
	shootDesk(t, desk, "hearing-summon-reported")
	shootDesk(t, dept, "department")

	// Accept and name the lead unit and the 包案 leader: the handling due date runs.
	evalDesk(t, desk, `document.getElementById('tab-assign').click();
		document.querySelector('form[data-transition=accept]').requestSubmit();`)
	waitCaseState(t, desk, "accepted")
	// The 包案 leader is picked by name from the leaders' directory, the
	// township's own first.
	if first := mustEval[string](t, desk, `document.querySelector("form[data-transition=start] select[name=owner]").options[1].value`); first != leader.ID {
		t.Errorf("the first 包案 leader offered is %q, want the township's %s", first, leader.ID)
	}
	shootDesk(t, desk, "hearing-assign-start")
	evalDesk(t, desk, fmt.Sprintf(`const f = document.querySelector('form[data-transition=start]');
		f.elements.owner.value = %q; f.requestSubmit();`, leader.ID))
	waitCaseState(t, desk, "in_progress")
	c = dispatcher.do(t, "GET", "/api/v1/cases/"+id, nil, http.StatusOK)
	due, _ := c["due"].(map[string]any)
	if c["owner"] != leader.ID || c["lead_unit"] != demo.TownshipID(0) || due["step"] != "handling" || due["adjusted"] == nil {
		t.Errorf("after accept and start: owner %v, lead unit %v, due %v", c["owner"], c["lead_unit"], due)
	}
	if mustEval[bool](t, desk, `document.getElementById('case-clock').hidden`) {
		t.Errorf("no deadline clock on the case panel")
	}
	shootOne(t, desk, "hearing-assign")

	// The outcome: reply.
	evalDesk(t, desk, `document.getElementById('tab-outcome').click();
		const f = document.querySelector('form[data-transition=reply]');
		f.elements.outcome.value = 'support'; f.elements.text.value = '责成工程队于十五日内结清工资。';
		f.elements.manner.value = 'in_person'; f.requestSubmit();`)
	waitCaseState(t, desk, "replied")
	c = dispatcher.do(t, "GET", "/api/v1/cases/"+id, nil, http.StatusOK)
	if reply, _ := c["reply"].(map[string]any); reply["outcome"] != "support" || !strings.Contains(fmt.Sprint(reply["text"]), "十五日") {
		t.Errorf("reply %v", c["reply"])
	}
	shootDesk(t, desk, "hearing-outcome")
	if errs := mustEval[string](t, desk, `JSON.stringify(hr.errors)`); errs != "[]" {
		t.Errorf("the desk showed errors: %s", errs)
	}

	// A weak line: audio only stops the camera and hides the pictures; the
	// page says in words when the network is gone.
	evalDesk(t, desk, `document.getElementById('audio-only').click()`)
	if !mustEval[bool](t, desk, `(() => { const r = document.getElementById('room').contentWindow.hr;
		return r.pc.getSenders().filter((s) => s.track && s.track.kind === 'video').every((s) => !s.track.enabled) &&
			document.getElementById('audio-only').getAttribute('aria-pressed') === 'true'; })()`) {
		t.Errorf("audio only left the camera on")
	}
	evalDesk(t, desk, `dispatchEvent(new Event('offline'))`)
	if got := mustEval[string](t, desk, `document.getElementById('net').textContent`); !strings.Contains(got, "网络已断开") {
		t.Errorf("offline: the bar says %q", got)
	}
	shootOne(t, desk, "hearing-offline")
	evalDesk(t, desk, `dispatchEvent(new Event('online')); document.getElementById('audio-only').click()`)

	// End the hearing: home again.
	evalDesk(t, desk, `document.getElementById('end').click()`)
	waitScreen(t, desk, "home")

	// The English desk.
	en := openPage(t, browser, "official-en", m.BaseURL()+"/desk?lang=en", 1024, 768)
	waitScreen(t, en, "home")
	if got := mustEval[string](t, en, `document.documentElement.lang + ' ' + document.getElementById('mine-title').textContent`); got != "en My cases" {
		t.Errorf("English desk: %q", got)
	}
	shootDesk(t, en, "home-en")
}

// deskLedger creates, in c's data dir before the server starts, the demo
// county's units and stations and the accounts of people, each with the
// demo password.
func deskLedger(tb testing.TB, c Config, people ...demo.Person) {
	tb.Helper()
	ctx := context.Background()
	l, err := openLedgerChecked(ctx, c)
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	for _, u := range demo.Units() {
		if err := l.CreateUnit(ctx, u); err != nil {
			tb.Fatal(err)
		}
	}
	for _, s := range demo.Stations() {
		if err := l.CreateStation(ctx, s); err != nil {
			tb.Fatal(err)
		}
	}
	hash, err := petitions.HashPassword(demo.Password)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range people {
		if err := l.CreatePerson(ctx, &petitions.Person{ID: p.ID, Login: petitions.NormalizeLogin(p.ID), Name: p.Name,
			Roles: []petitions.RoleGrant{{Role: p.Role, Unit: p.UnitID}}, PasswordHash: hash, CreatedAt: time.Now()}); err != nil {
			tb.Fatal(err)
		}
	}
}

// openIsolated is openPage in a browser context of its own (its own
// cookies), for a second person signing in on the same browser.
func openIsolated(tb testing.TB, browser context.Context, name, url string, width, height int64) *page {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	p := &page{name: name, ctx: ctx, cancel: cancel}
	tb.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		tb.Fatalf("%s: open tab: %v", name, err)
	}
	nctx, ncancel := context.WithTimeout(ctx, mediaDeadline)
	defer ncancel()
	if err := chromedp.Do(nctx, chromedp.Navigate(url)); err != nil {
		tb.Fatalf("%s: open %s: %v", name, url, err)
	}
	return p
}

// ---- the desk page ----

func evalDesk(tb testing.TB, p *page, js string) {
	tb.Helper()
	mustEval[bool](tb, p, "(() => { "+js+"; return true; })()")
}

// waitScreen waits until the desk shows screen.
func waitScreen(tb testing.TB, p *page, screen string) {
	tb.Helper()
	waitFor(tb, p.name+"'s desk at "+screen, 30*time.Second, func() (bool, string) {
		s, err := eval[string](p, `window.hr ? hr.state + ' ' + JSON.stringify(hr.errors) : ''`)
		return strings.HasPrefix(s, screen+" "), fmt.Sprint(s, err)
	})
}

// waitCase waits until the case panel holds a case and returns its id.
func waitCase(tb testing.TB, p *page) string {
	tb.Helper()
	var id string
	waitFor(tb, "the case on the panel", 30*time.Second, func() (bool, string) {
		s, err := eval[string](p, `hr.case ? hr.case.id : JSON.stringify(hr.errors) + ' invalid: ' +
			[...document.querySelectorAll('#register :invalid')].map((e) => e.id + '=' + e.value).join(', ')`)
		id = s
		return err == nil && len(s) == 36, fmt.Sprint(s, err)
	})
	return id
}

// waitCaseState waits until the case on the panel is in state.
func waitCaseState(tb testing.TB, p *page, state string) {
	tb.Helper()
	waitFor(tb, "the case "+state, 30*time.Second, func() (bool, string) {
		s, err := eval[string](p, `(hr.case ? hr.case.state : '') + ' ' + JSON.stringify(hr.errors)`)
		return strings.HasPrefix(s, state+" "), fmt.Sprint(s, err)
	})
}

// waitText waits until the element selector matches holds text.
func waitText(tb testing.TB, p *page, selector, text string) {
	tb.Helper()
	waitFor(tb, fmt.Sprintf("%q in %s", text, selector), 30*time.Second, func() (bool, string) {
		s, err := eval[string](p, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ''`, selector))
		return err == nil && s != "" && strings.Contains(s, text), fmt.Sprint(s, err)
	})
}

// waitFrameMedia waits until the desk's framed room decodes video and
// receives audio from a publisher whose identity starts with from.
func waitFrameMedia(tb testing.TB, p *page, from string) {
	tb.Helper()
	waitFor(tb, fmt.Sprintf("media from %s in %s's room", from, p.name), mediaDeadline, func() (bool, string) {
		raw, err := eval[[]byte](p, `(() => { const r = document.getElementById('room').contentWindow.hr; return r ? r.stats() : '{}'; })()`)
		if err != nil {
			return false, err.Error()
		}
		var s pageStats
		if err := json.Unmarshal(raw, &s); err != nil {
			return false, err.Error()
		}
		var frames, packets int64
		for _, in := range s.Inbound {
			if strings.HasPrefix(in.Participant, from) {
				f, pk := s.from(in.Participant)
				frames, packets = max(frames, f), max(packets, pk)
			}
		}
		return frames > 0 && packets > 0, fmt.Sprintf("frames %d, packets %d; %s", frames, packets, raw)
	})
}

// officialSizes are the tablet (landscape, portrait) and PC viewports.
var officialSizes = [][2]int64{{1024, 768}, {768, 1024}, {1366, 768}}

// shootDesk captures the page at every desk size, checking at each that
// nothing scrolls sideways and every visible field has a label, then
// returns to the size the page had.
func shootDesk(tb testing.TB, p *page, name string) {
	tb.Helper()
	w, h := mustEval[int64](tb, p, `innerWidth`), mustEval[int64](tb, p, `innerHeight`)
	defer func() {
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(w, h)); err != nil {
			tb.Errorf("%s: viewport back to %dx%d: %v", p.name, w, h, err)
		}
	}()
	for _, sz := range officialSizes {
		if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(sz[0], sz[1])); err != nil {
			tb.Fatalf("%s: viewport %dx%d: %v", p.name, sz[0], sz[1], err)
		}
		if !mustEval[bool](tb, p, `document.documentElement.scrollWidth <= innerWidth`) {
			tb.Errorf("%s %s at %dx%d: the page scrolls sideways (%d px wide)", p.name, name, sz[0], sz[1],
				mustEval[int](tb, p, `document.documentElement.scrollWidth`))
		}
		if bad := mustEval[[]string](tb, p, `[...document.querySelectorAll('input, select, textarea')]
			.filter((e) => e.offsetParent && e.type !== 'hidden' && !e.labels.length && !e.getAttribute('aria-label'))
			.map((e) => e.id || e.name)`); len(bad) > 0 {
			tb.Errorf("%s %s: fields without a label: %v", p.name, name, bad)
		}
		screenshot(tb, p, fmt.Sprintf("officialdesk-%s-%dx%d.png", name, sz[0], sz[1]))
	}
}

// shootOne captures the page at the size it has (a tab of a screen that
// shootDesk captured at every size).
func shootOne(tb testing.TB, p *page, name string) {
	tb.Helper()
	w, h := mustEval[int64](tb, p, `innerWidth`), mustEval[int64](tb, p, `innerHeight`)
	screenshot(tb, p, fmt.Sprintf("officialdesk-%s-%dx%d.png", name, w, h))
}

// ---- the API, as the test checks it ----

// apiUser is an HTTP client signed in as one person, or a terminal.
type apiUser struct {
	base   string
	client *http.Client
	device string // "Device <credential>" for a terminal
}

// signedIn returns a client signed in with the demo password as login.
func signedIn(tb testing.TB, m *Main, login string) *apiUser {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	u := &apiUser{base: m.BaseURL(), client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	u.do(tb, "POST", "/api/v1/session", map[string]any{"login": petitions.NormalizeLogin(login), "password": demo.Password}, http.StatusOK)
	return u
}

// do sends body as JSON and decodes the answer, failing unless want.
func (u *apiUser) do(tb testing.TB, method, path string, body any, want int) map[string]any {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u.base+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if u.device != "" {
		req.Header.Set("Authorization", u.device)
	}
	resp, err := u.client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// enrolTerminal pairs a terminal to station (the administrator issues the
// code) and returns a client that speaks as it.
func enrolTerminal(tb testing.TB, m *Main, admin *apiUser, station string) *apiUser {
	tb.Helper()
	code := admin.do(tb, "POST", "/api/v1/stations/"+station+"/pairings", nil, http.StatusCreated)["code"]
	anon := &apiUser{base: m.BaseURL(), client: &http.Client{Timeout: 30 * time.Second}}
	e := anon.do(tb, "POST", "/api/v1/terminals", map[string]any{"code": code, "name": "村委会接访一体机"}, http.StatusCreated)
	anon.device = "Device " + e["credential"].(string)
	return anon
}

// events returns the events of kind in case id's history, read as u.
func events(tb testing.TB, u *apiUser, id, kind string) []petitions.Event {
	tb.Helper()
	raw := u.do(tb, "GET", "/api/v1/cases/"+id+"/history", nil, http.StatusOK)["events"]
	b, _ := json.Marshal(raw)
	var all []petitions.Event
	if err := json.Unmarshal(b, &all); err != nil {
		tb.Fatal(err)
	}
	var out []petitions.Event
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
