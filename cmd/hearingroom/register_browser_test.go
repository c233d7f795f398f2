package main

// The village staff's pages in a real headless Chromium against the full
// server over the demo ledger: /register (web/static/register.*), where a
// proxy signs in and registers a mediation for a villager through the
// wizard, and /board (web/static/board.*), the mediator board, where the
// parties pick a mediator who declines, pick another who accepts with a
// date, and where a paired kiosk browses its station's board. Every screen
// is checked and photographed at every size the issue names.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// staffSizes: the kiosk, a laptop, a tablet landscape and portrait, a phone.
var staffSizes = [][2]int64{{1920, 1080}, {1366, 768}, {1024, 768}, {768, 1024}, {390, 844}}

func TestBrowserRegisterAndBoard(t *testing.T) {
	browser := newBrowser(t)
	const seed = 9
	m := mustRunMainWith(t, func(c *Config) {
		if err := loadDemo(context.Background(), *c, demo.Config{Cases: 10, Seed: seed}, io.Discard); err != nil {
			t.Fatalf("demo: %v", err)
		}
	})
	ps := demo.NewPeople(seed)
	village := demo.VillageID(0, 0)
	var proxy demo.Person
	for _, p := range ps.Proxies {
		if p.UnitID == village {
			proxy = p
		}
	}
	if proxy.ID == "" {
		t.Fatalf("no proxy of %s in the demo", village)
	}
	staff := newKioskOfficial(t, m, petitions.NormalizeLogin(proxy.ID))

	// Sign-in on the kiosk's screen: the OS keyboard types into the fields.
	p := openPage(t, browser, "register", m.BaseURL()+"/register", 1920, 1080)
	waitStaff(t, p, "signin")
	staffShots(t, p, "register-signin")
	staffType(t, p, "#login", petitions.NormalizeLogin(proxy.ID))
	staffType(t, p, "#password", "wrong password")
	staffClick(t, p, "#signin-ok")
	waitFor(t, "the wrong password said in plain words", mediaDeadline, func() (bool, string) {
		s, err := eval[string](p, `document.getElementById('signin-error').hidden ? '' : document.getElementById('signin-error').textContent`)
		return s == "账号或密码不对，请再试一次", fmt.Sprint(s, err)
	})
	mustEval[bool](t, p, `(document.getElementById('password').value = '', true)`)
	staffType(t, p, "#password", demo.Password)
	staffClick(t, p, "#signin-ok")
	waitStaff(t, p, "kind")
	if got := mustEval[string](t, p, `document.getElementById('who').textContent`); !strings.Contains(got, proxy.Name) {
		t.Errorf("the header names %q, want %s", got, proxy.Name)
	}
	staffShots(t, p, "register-kind")

	// The wizard: a mediation about neighbours.
	staffClick(t, p, "#kind-mediation")
	waitStaff(t, p, "category")
	if n := mustEval[int](t, p, `document.querySelectorAll('#categories .choice svg').length`); n != len(petitions.DefaultCategories()) {
		t.Errorf("%d picture buttons, want one per category", n)
	}
	staffShots(t, p, "register-category")
	staffClick(t, p, `#categories [data-category="neighbours"]`)
	waitStaff(t, p, "person")
	if got := mustEval[string](t, p, `document.getElementById('village').value`); got != village {
		t.Errorf("village preselected %q, want the proxy's %s", got, village)
	}
	// Nothing typed: each missing field says so beside it.
	staffClick(t, p, `#person button[type=submit]`)
	errs := mustEval[[]string](t, p, `['err-name', 'err-other'].map((id) => document.getElementById(id).hidden ? '' : document.getElementById(id).textContent)`)
	if errs[0] != "请填写群众姓名" || errs[1] != "请填写对方的姓名或单位名称" {
		t.Errorf("field errors: %q", errs)
	}
	staffType(t, p, "#phone", "12ab")
	staffClick(t, p, `#person button[type=submit]`)
	staffShots(t, p, "register-person-errors")
	mustEval[bool](t, p, `(document.getElementById('phone').value = '', true)`)
	staffType(t, p, "#name", "张秀英")
	staffType(t, p, "#phone", "13912345678")
	staffType(t, p, "#other", "王德厚")
	staffShots(t, p, "register-person")
	staffClick(t, p, `#person button[type=submit]`)
	waitStaff(t, p, "matter")
	staffType(t, p, "#facts", "两家院墙之间的通道被堆放柴草堵住，出入不便，多次商量未果。")
	staffType(t, p, "#request", "请调解员帮助协商，清理通道。")
	staffShots(t, p, "register-matter")
	staffClick(t, p, `#matter button[type=submit]`)
	waitStaff(t, p, "consent")
	if got := mustEval[string](t, p, `document.getElementById('consent-text').textContent`); !strings.Contains(got, "我同意") {
		t.Errorf("the consent text reads %q", got)
	}
	staffShots(t, p, "register-consent")
	staffClick(t, p, "#consent-ok")
	waitStaff(t, p, "done")
	staffShots(t, p, "register-done")

	// The receipt's numbers are the ledger's.
	got := mustEval[[]string](t, p, `[hr.created.id, document.getElementById('case-no').textContent,
		document.getElementById('query-code').textContent, document.getElementById('done-state').textContent,
		document.getElementById('to-board').hidden ? '' : document.getElementById('to-board').getAttribute('href')]`)
	id, caseNo, code := got[0], got[1], got[2]
	var c struct {
		CaseNo     string `json:"case_no"`
		QueryCode  string `json:"query_code"`
		Kind       string `json:"kind"`
		State      string `json:"state"`
		Category   string `json:"category"`
		Village    string `json:"village"`
		ProxyLevel string `json:"proxy_level"`
		ConsentRef string `json:"consent_ref"`
		Parties    []struct {
			Side string `json:"side"`
			Name string `json:"name"`
		} `json:"parties"`
	}
	staff.do(t, "GET", "/api/v1/cases/"+id, nil, http.StatusOK, &c)
	if caseNo == "" || c.CaseNo != caseNo || c.QueryCode != code {
		t.Errorf("the receipt shows %s / %s, the ledger %s / %s", caseNo, code, c.CaseNo, c.QueryCode)
	}
	if c.Kind != "mediation" || c.State != "applied" || c.Category != "neighbours" || c.Village != village ||
		c.ProxyLevel != "village" || c.ConsentRef == "" || len(c.Parties) != 2 || c.Parties[0].Name != "张秀英" || c.Parties[1].Name != "王德厚" {
		t.Errorf("the registered case: %+v", c)
	}
	if !strings.Contains(got[3], "点选调解员") || got[4] != "/board?case="+id {
		t.Errorf("the receipt says %q and leads to %q", got[3], got[4])
	}
	var looked struct {
		Receipt map[string]any `json:"receipt"`
	}
	(&kioskOfficial{base: m.BaseURL(), c: http.DefaultClient}).do(t, "POST", "/api/v1/lookup",
		map[string]string{"case_no": caseNo, "query_code": code}, http.StatusOK, &looked)
	// Printed, the page shows the receipt alone.
	printed := mustEval[string](t, p, `(() => {
		const rules = [...document.styleSheets].flatMap((s) => [...s.cssRules]).filter((r) => r.media && r.media.mediaText === 'print');
		rules.forEach((r) => r.media.mediaText = 'all');
		const shown = (sel) => getComputedStyle(document.querySelector(sel)).display !== 'none';
		const out = JSON.stringify({rules: rules.length, top: shown('.top'), buttons: shown('#screen-done .nav'), receipt: shown('#receipt')});
		rules.forEach((r) => r.media.mediaText = 'print');
		return out;
	})()`)
	if printed != `{"rules":1,"top":false,"buttons":false,"receipt":true}` {
		t.Errorf("printed: %s", printed)
	}

	// 去点单: the board of the case, in the same tab.
	staffClick(t, p, "#to-board")
	waitStaff(t, p, "board")
	cards := mustEval[[]string](t, p, `[...document.querySelectorAll('#cards .card')].map((c) => c.dataset.id)`)
	if len(cards) < 2 || mustEval[int](t, p, `document.querySelectorAll('#cards .btn.pick').length`) != len(cards) {
		t.Fatalf("the board for picking: cards %v", cards)
	}
	if s := mustEval[string](t, p, `[...document.querySelectorAll('.chips li')].map((c) => c.textContent).join(',')`); strings.Contains(s, "_") || s == "" {
		t.Errorf("specialties shown as %q, want category names", s)
	}
	staffShots(t, p, "board-pick")
	first, second := cards[0], cards[1]
	staffClick(t, p, fmt.Sprintf(`.card[data-id=%q] .btn.pick`, first))
	waitStaff(t, p, "wait")
	staffShots(t, p, "board-wait")

	// The first declines: the reason, and the board without him.
	declined := newKioskOfficial(t, m, petitions.NormalizeLogin(first))
	declined.do(t, "POST", "/api/v1/cases/"+id+"/transitions",
		map[string]any{"name": "decline", "input": map[string]any{"reason": "与当事人有亲属关系"}}, http.StatusOK, nil)
	waitStaff(t, p, "board")
	if s := mustEval[string](t, p, `document.getElementById('declined').textContent`); !strings.Contains(s, "与当事人有亲属关系") {
		t.Errorf("the decline reads %q", s)
	}
	if n := mustEval[int](t, p, fmt.Sprintf(`document.querySelectorAll('.card[data-id=%q]').length`, first)); n != 0 {
		t.Errorf("the mediator who declined is still on the board")
	}
	staffShots(t, p, "board-declined")

	// The second accepts with a date for the first session.
	staffClick(t, p, fmt.Sprintf(`.card[data-id=%q] .btn.pick`, second))
	waitStaff(t, p, "wait")
	day := time.Now().In(petitions.ChinaTime).AddDate(0, 0, 2)
	when := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, petitions.ChinaTime)
	accepts := newKioskOfficial(t, m, petitions.NormalizeLogin(second))
	accepts.do(t, "POST", "/api/v1/cases/"+id+"/transitions",
		map[string]any{"name": "accept", "input": map[string]any{"scheduled_at": when.Format(time.RFC3339)}}, http.StatusOK, nil)
	waitStaff(t, p, "accepted")
	local := when.In(petitions.ChinaTime)
	shown := mustEval[string](t, p, `document.getElementById('when').textContent`)
	for _, want := range []string{fmt.Sprintf("%d月%d日", local.Month(), local.Day()), fmt.Sprintf("%02d:%02d", local.Hour(), local.Minute())} {
		if !strings.Contains(shown, want) {
			t.Errorf("the first session reads %q, want %s in it", shown, want)
		}
	}
	if s := mustEval[string](t, p, `document.getElementById('accepted-who').textContent`); !strings.Contains(s, mustEval[string](t, p,
		fmt.Sprintf(`hr.mediators.find((m) => m.id === %q).name`, second))) {
		t.Errorf("the answer names %q", s)
	}
	staffShots(t, p, "board-accepted")

	// Then a petition: the proxy's filing waits as a draft for an
	// official, and the receipt says so; there is no board for it.
	staffClick(t, p, "#again")
	waitStaff(t, p, "kind")
	staffClick(t, p, "#kind-petition")
	waitStaff(t, p, "category")
	staffClick(t, p, `#categories [data-category="wage_arrears"]`)
	waitStaff(t, p, "person")
	if n := mustEval[bool](t, p, `document.getElementById('other-field').hidden && document.getElementById('name').value === ''`); !n {
		t.Errorf("a petition asks for the other party, or keeps the last villager's name")
	}
	staffType(t, p, "#name", "李桂兰")
	staffClick(t, p, `#person button[type=submit]`)
	waitStaff(t, p, "matter")
	staffType(t, p, "#facts", "在镇上工地干活三个月，工钱一直没给。")
	staffType(t, p, "#request", "要回拖欠的工钱。")
	staffClick(t, p, `#matter button[type=submit]`)
	waitStaff(t, p, "consent")
	if s := mustEval[string](t, p, `document.getElementById('summary').textContent`); !strings.Contains(s, "李桂兰") || !strings.Contains(s, "拖欠工资") {
		t.Errorf("the consent screen shows %q", s)
	}
	staffShot(t, p, "register-consent-petition", 390, 844)
	staffClick(t, p, "#consent-ok")
	waitStaff(t, p, "done")
	got = mustEval[[]string](t, p, `[hr.created.id, document.getElementById('done-state').textContent, String(document.getElementById('to-board').hidden)]`)
	staff.do(t, "GET", "/api/v1/cases/"+got[0], nil, http.StatusOK, &c)
	if c.Kind != "petition" || c.State != "draft" || !strings.Contains(got[1], "等待乡镇工作人员登记") || got[2] != "true" {
		t.Errorf("the petition: kind %s, state %s; the receipt says %q, board link hidden %s", c.Kind, c.State, got[1], got[2])
	}
	staffShot(t, p, "register-done-petition", 768, 1024)

	// A paired kiosk browses its station's board, without signing in.
	admin := newKioskOfficial(t, m, petitions.NormalizeLogin(ps.Administrator.ID))
	var pairing struct {
		Code string `json:"code"`
	}
	admin.do(t, "POST", "/api/v1/stations/"+demo.StationID(village)+"/pairings", nil, http.StatusCreated, &pairing)
	var enrolled struct {
		Credential string `json:"credential"`
	}
	(&kioskOfficial{base: m.BaseURL(), c: http.DefaultClient}).do(t, "POST", "/api/v1/terminals",
		map[string]string{"code": pairing.Code, "name": "东升村村委会终端"}, http.StatusCreated, &enrolled)
	k := openPage(t, browser, "kiosk-board", m.BaseURL()+"/board", 1920, 1080)
	mustEval[bool](t, k, fmt.Sprintf(`(localStorage.setItem('hr.kiosk', JSON.stringify({credential: %q, settings: {}})), true)`, enrolled.Credential))
	kioskNavigate(t, k, m.BaseURL()+"/board")
	waitFor(t, "the kiosk's board", mediaDeadline, func() (bool, string) {
		s, err := eval[string](k, `hr.mode + ' ' + hr.screen + ' ' + document.querySelectorAll('#cards .card').length`)
		return strings.HasPrefix(s, "kiosk board ") && !strings.HasSuffix(s, " 0"), fmt.Sprint(s, err)
	})
	if n := mustEval[int](t, k, `document.querySelectorAll('.btn.pick').length`); n != 0 {
		t.Errorf("the kiosk's board offers %d pick buttons", n)
	}
	got = mustEval[[]string](t, k, `[...document.querySelectorAll('#cards .card')].map((c) =>
		c.querySelector('.avatar').textContent + '|' + c.querySelector('.record').textContent + '|' + c.querySelector('.chips').textContent)`)
	for _, s := range got {
		f := strings.Split(s, "|")
		if len(f) != 3 || f[0] == "" || !strings.Contains(f[1], "调解") || (!strings.Contains(f[1], "满意率") && !strings.Contains(f[1], "暂无评价")) || strings.Contains(f[2], "_") {
			t.Errorf("a kiosk card reads %q", s)
		}
	}
	staffShots(t, k, "board-kiosk")

	// English on request.
	kioskNavigate(t, k, m.BaseURL()+"/board?lang=en")
	waitFor(t, "the English board", mediaDeadline, func() (bool, string) {
		s, err := eval[string](k, `document.documentElement.lang + ' ' + hr.screen + ' ' + document.getElementById('board-title').textContent`)
		return s == "en board Mediators", fmt.Sprint(s, err)
	})
	staffShot(t, k, "board-kiosk-en", 768, 1024)
}

// waitStaff waits until the page (register or board) shows screen.
func waitStaff(tb testing.TB, p *page, screen string) {
	tb.Helper()
	waitFor(tb, p.name+"'s "+screen+" screen", mediaDeadline, func() (bool, string) {
		s, err := eval[string](p, `window.hr ? hr.screen + ' ' + JSON.stringify(hr.errors) : ''`)
		return s == screen+" []", fmt.Sprint(s, err)
	})
}

// staffClick clicks the element sel with the mouse, as a finger would.
func staffClick(tb testing.TB, p *page, sel string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		tb.Fatalf("%s: click %s: %v", p.name, sel, err)
	}
}

// staffType types s into the field sel key by key.
func staffType(tb testing.TB, p *page, sel, s string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), s)); err != nil {
		tb.Fatalf("%s: type into %s: %v", p.name, sel, err)
	}
}

// staffShots checks the page at every size, as checkPage does for the join
// page: nothing scrolls sideways, every control shown is at least 15 mm
// each way, the document has a language, every field a label, and the page
// has logged no error; and photographs the whole page.
func staffShots(tb testing.TB, p *page, screen string) {
	tb.Helper()
	for _, sz := range staffSizes {
		staffShot(tb, p, screen, sz[0], sz[1])
	}
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(staffSizes[0][0], staffSizes[0][1])); err != nil {
		tb.Fatal(err)
	}
}

func staffShot(tb testing.TB, p *page, screen string, w, h int64) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	var opts []chromedp.EmulateViewportOption
	if w < 600 {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, opts...))
	cancel()
	if err != nil {
		tb.Fatalf("%s: resize to %dx%d: %v", p.name, w, h, err)
	}
	at := fmt.Sprintf("%s at %dx%d", screen, w, h)
	if !mustEval[bool](tb, p, `document.documentElement.scrollWidth <= innerWidth`) {
		tb.Errorf("%s: the page scrolls sideways (%d px wide)", at, mustEval[int](tb, p, `document.documentElement.scrollWidth`))
	}
	small := mustEval[[]string](tb, p, `[...document.querySelectorAll('button, input, select, textarea, a')].filter((b) => {
		const r = b.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && (r.width < 56 || r.height < 56);
	}).map((b) => (b.id || b.textContent.trim()) + ' ' + Math.round(b.getBoundingClientRect().width) + 'x' + Math.round(b.getBoundingClientRect().height))`)
	if len(small) > 0 {
		tb.Errorf("%s: controls under 15 mm: %v", at, small)
	}
	unlabelled := mustEval[[]string](tb, p, `[...document.querySelectorAll('input, select, textarea')].filter((f) =>
		f.getBoundingClientRect().width > 0 && !(f.labels && f.labels.length) && !f.getAttribute('aria-label')).map((f) => f.id)`)
	if len(unlabelled) > 0 {
		tb.Errorf("%s: fields without a label: %v", at, unlabelled)
	}
	if lang := mustEval[string](tb, p, `document.documentElement.lang`); lang == "" {
		tb.Errorf("%s: no lang", at)
	}
	if errs := mustEval[string](tb, p, `JSON.stringify(hr.errors)`); errs != "[]" {
		tb.Errorf("%s: hr.errors = %s", at, errs)
	}
	dir := os.Getenv("HEARINGROOM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer scancel()
	buf, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("%s: screenshot %s: %v", p.name, at, err)
	}
	name := fmt.Sprintf("%s-%dx%d.png", screen, w, h)
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", filepath.Join(dir, name))
}
