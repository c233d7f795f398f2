package main

// The village kiosk (/kiosk, web/static/kiosk.*) in a real headless
// Chromium against the full server over the demo ledger: pairing on the
// on-screen keys, the home screen with today's official, publishing while
// the station is open (and nothing outside its hours), calling in, an
// official taking the call and joining on /join, media both ways, the end
// of the session and the rating in the ledger. Every kiosk screen is
// photographed at every size the issue names.

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
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// kioskSizes: the kiosk itself, a laptop, a tablet held landscape and portrait.
var kioskSizes = [][2]int64{{1920, 1080}, {1366, 768}, {1024, 768}, {768, 1024}}

func TestBrowserKiosk(t *testing.T) {
	browser := newBrowser(t)
	const seed = 9
	m := mustRunMainWith(t, func(c *Config) {
		if err := loadDemo(context.Background(), *c, demo.Config{Cases: 40, Seed: seed}, io.Discard); err != nil {
			t.Fatalf("demo: %v", err)
		}
	})
	ctx := context.Background()
	ps := demo.NewPeople(seed)
	admin := petitions.Actor{ID: ps.Administrator.ID, Roles: []petitions.RoleGrant{{Role: ps.Administrator.Role, Unit: ps.Administrator.UnitID}}}
	village := demo.VillageID(0, 0)

	// Two stations of the village: one open all day, one open only at
	// hours that are not now.
	closedHours := "20:00-21:00"
	if time.Now().In(petitions.ChinaTime).Hour() >= 12 {
		closedHours = "01:00-02:00"
	}
	open := &petitions.Station{ID: "st-kiosk-open", Unit: village, Name: "东升村村委会接访室", Hours: "00:00-24:00"}
	closed := &petitions.Station{ID: "st-kiosk-closed", Unit: village, Name: "东升村文化室", Hours: closedHours}
	for _, st := range []*petitions.Station{open, closed} {
		if err := m.Cases().CreateStation(ctx, admin, st); err != nil {
			t.Fatal(err)
		}
	}
	leader := ps.TownshipLeaders(0)[0]
	if _, err := m.Cases().Plan(ctx, admin, &petitions.Reception{Day: casework.Day(time.Now()), Station: open.ID, LeaderID: leader.ID}); err != nil {
		t.Fatal(err)
	}
	pairing, err := m.Cases().IssuePairing(ctx, admin, open.ID)
	if err != nil {
		t.Fatal(err)
	}

	official := newKioskOfficial(t, m, petitions.NormalizeLogin(ps.TownshipOfficials(0)[0].ID))

	// Pairing on the on-screen keys.
	kiosk := openPage(t, browser, "kiosk", m.BaseURL()+"/kiosk#notice=8000", 1920, 1080)
	waitKiosk(t, kiosk, "pair")
	kioskShots(t, kiosk, "pair")
	for _, ch := range pairing.Code {
		mustEval[bool](t, kiosk, fmt.Sprintf(`[...document.querySelectorAll('#keypad .key')].find((b) => b.textContent === %q).click() ?? true`, string(ch)))
	}
	mustEval[bool](t, kiosk, `document.getElementById('pair-ok').click() ?? true`)
	waitKiosk(t, kiosk, "home")
	if got := mustEval[bool](t, kiosk, `!!JSON.parse(localStorage.getItem('hr.kiosk')).credential`); !got {
		t.Error("the credential is not kept in localStorage")
	}

	// The home screen: the place, today's official, and the camera
	// published into the station's room at the low layer, with the sign.
	waitFor(t, "today's official on the home screen", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `document.getElementById('receiver').textContent`)
		return strings.Contains(s, leader.Name), fmt.Sprint(s, err)
	})
	if got := mustEval[string](t, kiosk, `document.getElementById('place').textContent`); !strings.Contains(got, "东升村") {
		t.Errorf("the home screen's place is %q", got)
	}
	waitFor(t, "the kiosk publishing during open hours", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `JSON.stringify({mode: hr.mode, state: hr.state, publishing: hr.publishing, sign: !document.getElementById('oncam').hidden})`)
		return s == `{"mode":"presence","state":"joined","publishing":true,"sign":true}`, fmt.Sprint(s, err)
	})
	termID := mustEval[string](t, kiosk, `hr.home.terminal.id`)
	identity := "terminal." + termID
	waitFor(t, "the server's live monitoring session of the kiosk", mediaDeadline, func() (bool, string) {
		ss, err := m.Cases().Store().Sessions(ctx, petitions.SessionFilter{Room: casework.StationRoom(open.ID), Live: true})
		if err != nil || len(ss) != 1 {
			return false, fmt.Sprint(ss, err)
		}
		return ss[0].Kind == petitions.SessionMonitoring && ss[0].Participant(identity) != nil && !ss[0].Recorded, fmt.Sprintf("%+v", ss[0])
	})
	waitFor(t, "low-layer video leaving the kiosk", mediaDeadline, func() (bool, string) {
		raw, err := eval[[]byte](kiosk, `hr.stats()`)
		var s struct {
			Outbound []struct {
				Kind        string `json:"kind"`
				PacketsSent int64  `json:"packetsSent"`
				FrameHeight int64  `json:"frameHeight"`
			} `json:"outbound"`
		}
		if err == nil {
			err = json.Unmarshal(raw, &s)
		}
		for _, o := range s.Outbound {
			if o.Kind == "video" && o.PacketsSent > 0 && o.FrameHeight > 0 && o.FrameHeight <= 360 {
				return true, ""
			}
		}
		return false, fmt.Sprint(string(raw), err)
	})
	kioskShots(t, kiosk, "home")

	// The link lost: the kiosk says so in plain words and comes back by itself.
	mustEval[bool](t, kiosk, `hr.setNet('lost') ?? true`)
	if !mustEval[bool](t, kiosk, `!document.getElementById('weak').hidden`) {
		t.Error("no notice of the lost network")
	}
	kioskShots(t, kiosk, "lost")
	mustEval[bool](t, kiosk, `hr.setNet('') ?? true`)
	mustEval[bool](t, kiosk, `hr.dropLink() ?? true`)
	waitFor(t, "the kiosk back in its room after the link dropped", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `JSON.stringify({rejoined: hr.rejoins > 0, mode: hr.mode, state: hr.state, publishing: hr.publishing})`)
		return s == `{"rejoined":true,"mode":"presence","state":"joined","publishing":true}`, fmt.Sprint(s, err)
	})

	// Calling in: the wait, in the township official's queue.
	mustEval[bool](t, kiosk, `document.getElementById('call-hearing').click() ?? true`)
	waitKiosk(t, kiosk, "wait")
	var callID string
	waitFor(t, "the call in the official's queue", mediaDeadline, func() (bool, string) {
		var out struct {
			Calls []casework.Call `json:"calls"`
		}
		official.do(t, "GET", "/api/v1/calls", nil, http.StatusOK, &out)
		for _, c := range out.Calls {
			if c.Station == open.ID && c.State == casework.CallWaiting {
				callID = c.ID
				return c.Position == 1 && c.Receiver != nil && c.Receiver.ID == leader.ID, fmt.Sprintf("%+v", c)
			}
		}
		return false, fmt.Sprint(out.Calls)
	})
	waitFor(t, "the wait's position on the kiosk", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `document.getElementById('wait-position').textContent`)
		return s != "", fmt.Sprint(s, err)
	})
	kioskShots(t, kiosk, "wait")

	// The official takes the call: the kiosk shows and speaks the
	// recording notice, then joins the session; the official joins on /join.
	var accepted struct {
		Call casework.Call `json:"call"`
		Seat struct {
			Join string `json:"join"`
		} `json:"seat"`
	}
	official.do(t, "POST", "/api/v1/calls/"+callID+"/accept", nil, http.StatusOK, &accepted)
	waitKiosk(t, kiosk, "notice")
	if got := mustEval[string](t, kiosk, `document.getElementById('notice-text').textContent`); !strings.Contains(got, "录音录像") {
		t.Errorf("the recording notice reads %q", got)
	}
	kioskShots(t, kiosk, "notice")
	waitKiosk(t, kiosk, "session")
	officialPage := openPage(t, browser, "official", m.BaseURL()+accepted.Seat.Join, 1366, 768)
	waitMedia(t, officialPage, identity)
	waitMedia(t, kiosk, ps.TownshipOfficials(0)[0].ID)
	waitFor(t, "the recording indicator and the session's id on the kiosk", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `JSON.stringify({rec: hr.recording, shown: !document.getElementById('rec').hidden, session: !!hr.session})`)
		return s == `{"rec":true,"shown":true,"session":true}`, fmt.Sprint(s, err)
	})
	sessionID := mustEval[string](t, kiosk, `hr.session.id`)
	kioskShots(t, kiosk, "session")

	// A weak network: plain words and the audio-only button.
	mustEval[bool](t, kiosk, `hr.setNet('poor') ?? true`)
	waitFor(t, "the weak-network notice", mediaDeadline, func() (bool, string) {
		s, err := eval[bool](kiosk, `!document.getElementById('weak').hidden && !document.getElementById('weak-audio').hidden`)
		return s, fmt.Sprint(s, err)
	})
	kioskShots(t, kiosk, "weak")
	mustEval[bool](t, kiosk, `document.getElementById('weak-audio').click() ?? true`)
	waitFor(t, "audio only", mediaDeadline, func() (bool, string) {
		s, err := eval[bool](kiosk, `hr.audioOnly && document.getElementById('weak-audio').hidden`)
		return s, fmt.Sprint(s, err)
	})
	mustEval[bool](t, kiosk, `hr.setNet('') ?? true`)
	if s := mustEval[bool](t, kiosk, `document.getElementById('audio-only').click() ?? true`); !s {
		t.Fatal("audio-only toggle")
	}

	// The official leaves: the kiosk asks for the rating.
	mustEval[bool](t, officialPage, `hr.leave() ?? true`)
	waitKiosk(t, kiosk, "rate")
	kioskShots(t, kiosk, "rate")
	mustEval[bool](t, kiosk, `document.querySelector('.face[data-score="satisfied"]').click() ?? true`)
	waitKiosk(t, kiosk, "thanks")
	var rating *casework.Rating
	if err := m.Cases().Store().ScanEvents(ctx, 1, func(ev *petitions.Event) error {
		if ev.Kind == casework.KindRated {
			var r casework.Rating
			if err := json.Unmarshal(ev.Data, &r); err != nil {
				return err
			}
			if r.Session == sessionID {
				rating = &r
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rating == nil || rating.Score != petitions.ScoreSatisfied || rating.Terminal != termID {
		t.Errorf("the ledger's rating of session %s: %+v", sessionID, rating)
	}
	ss, err := m.Cases().Store().Session(ctx, sessionID)
	if err != nil {
		t.Fatal(err)
	}
	if ss.Kind != petitions.SessionHearing || ss.Participant(identity) == nil || ss.Participant(ps.TownshipOfficials(0)[0].ID) == nil {
		t.Errorf("the rated session: kind %s, participants %+v", ss.Kind, ss.Participants)
	}

	// Home again, publishing again.
	waitKiosk(t, kiosk, "home")
	waitFor(t, "the kiosk publishing again after the session", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `JSON.stringify({mode: hr.mode, publishing: hr.publishing})`)
		return s == `{"mode":"presence","publishing":true}`, fmt.Sprint(s, err)
	})
	mustEval[bool](t, kiosk, `document.getElementById('settings-open').click() ?? true`)
	waitKiosk(t, kiosk, "settings")
	kioskShots(t, kiosk, "settings")
	mustEval[bool](t, kiosk, `document.getElementById('settings-close').click() ?? true`)
	waitKiosk(t, kiosk, "home")

	// Paired anew by link to the station that is closed now: nothing is
	// published, and the screen says so.
	late, err := m.Cases().IssuePairing(ctx, admin, closed.ID)
	if err != nil {
		t.Fatal(err)
	}
	kioskNavigate(t, kiosk, m.BaseURL()+"/kiosk#pair="+late.Code)
	waitFor(t, "the closed station's home screen", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `JSON.stringify({screen: hr.screen, station: hr.home && hr.home.station.id, open: hr.home && hr.home.open})`)
		return s == `{"screen":"home","station":"st-kiosk-closed","open":false}`, fmt.Sprint(s, err)
	})
	mustEval[bool](t, kiosk, `hr.refresh().then(() => true)`)
	if s := mustEval[string](t, kiosk, `JSON.stringify({mode: hr.mode, state: hr.state, pc: !!hr.pc, sign: !document.getElementById('oncam').hidden})`); s != `{"mode":"","state":"idle","pc":false,"sign":false}` {
		t.Errorf("the kiosk outside opening hours: %s", s)
	}
	if ss, err := m.Cases().Store().Sessions(ctx, petitions.SessionFilter{Room: casework.StationRoom(closed.ID)}); err != nil || len(ss) != 0 {
		t.Errorf("sessions in the closed station's room: %v, %v", ss, err)
	}
	kioskShots(t, kiosk, "closed")

	// An official's invitation is answered by itself, with a chime, and
	// the recording notice comes before the session.
	var invited struct {
		Invitation casework.Invitation `json:"invitation"`
	}
	official.do(t, "POST", "/api/v1/stations/"+closed.ID+"/invitations", map[string]string{"kind": "mediation"}, http.StatusCreated, &invited)
	waitFor(t, "the invitation answered by the kiosk", mediaDeadline, func() (bool, string) {
		var inv casework.Invitation
		official.do(t, "GET", "/api/v1/invitations/"+invited.Invitation.ID, nil, http.StatusOK, &inv)
		return inv.State == casework.InvitationAccepted, string(inv.State)
	})
	waitKiosk(t, kiosk, "notice")
	if n := mustEval[int](t, kiosk, `hr.chimes`); n < 1 {
		t.Errorf("the kiosk answered without a chime (%d)", n)
	}
	if got := mustEval[string](t, kiosk, `document.getElementById('notice-text').textContent`); !strings.Contains(got, "调解") {
		t.Errorf("the mediation's recording notice reads %q", got)
	}
}

// waitScreen waits until the kiosk shows screen.
func waitKiosk(tb testing.TB, p *page, screen string) {
	tb.Helper()
	waitFor(tb, "the kiosk's "+screen+" screen", mediaDeadline, func() (bool, string) {
		s, err := eval[string](p, `hr.screen`)
		return s == screen, fmt.Sprint(s, err)
	})
}

// kioskShots photographs the kiosk's screen at every size, checking at
// each that nothing scrolls sideways, that every control shown is at least
// 15 mm each way, that the document has a language, and that the page has
// logged no error.
func kioskShots(tb testing.TB, p *page, screen string) {
	tb.Helper()
	for _, sz := range kioskSizes {
		ctx, cancel := context.WithTimeout(p.ctx, 90*time.Second) // a busy machine renders two videos slowly
		err := chromedp.Do(ctx, chromedp.EmulateViewport(sz[0], sz[1]))
		cancel()
		if err != nil {
			tb.Fatalf("%s: resize to %dx%d: %v", p.name, sz[0], sz[1], err)
		}
		at := fmt.Sprintf("%s at %dx%d", screen, sz[0], sz[1])
		if !mustEval[bool](tb, p, `document.documentElement.scrollWidth <= innerWidth`) {
			tb.Errorf("kiosk %s: the page scrolls sideways", at)
		}
		small := mustEval[[]string](tb, p, `[...document.querySelectorAll('button, input')].filter((b) => {
			const r = b.getBoundingClientRect();
			return r.width > 0 && r.height > 0 && (r.width < 56 || r.height < 56);
		}).map((b) => (b.id || b.textContent.trim()) + ' ' + Math.round(b.getBoundingClientRect().width) + 'x' + Math.round(b.getBoundingClientRect().height))`)
		if len(small) > 0 {
			tb.Errorf("kiosk %s: controls under 15 mm: %v", at, small)
		}
		if lang := mustEval[string](tb, p, `document.documentElement.lang`); lang == "" {
			tb.Errorf("kiosk %s: no lang", at)
		}
		if errs := mustEval[string](tb, p, `JSON.stringify(hr.errors)`); errs != "[]" {
			tb.Errorf("kiosk %s: hr.errors = %s", at, errs)
		}
		screenshot(tb, p, fmt.Sprintf("kiosk-%s-%dx%d.png", screen, sz[0], sz[1]))
	}
	ctx, cancel := context.WithTimeout(p.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(kioskSizes[0][0], kioskSizes[0][1])); err != nil {
		tb.Fatal(err)
	}
}

// kioskNavigate loads url in p's tab.
func kioskNavigate(tb testing.TB, p *page, url string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	// The fragment alone changing would not reload the page.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url)); err != nil {
		tb.Fatalf("%s: open %s: %v", p.name, url, err)
	}
}

// kioskOfficial is an official signed in over the API.
type kioskOfficial struct {
	base string
	c    *http.Client
}

func newKioskOfficial(tb testing.TB, m *Main, login string) *kioskOfficial {
	tb.Helper()
	return newKioskOfficialAt(tb, m.BaseURL(), login)
}

// newKioskOfficialAt signs login in at the server at base.
func newKioskOfficialAt(tb testing.TB, base, login string) *kioskOfficial {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	o := &kioskOfficial{base: base, c: &http.Client{Jar: jar, Timeout: 2 * time.Minute}} // sign-in hashes slowly on a busy machine
	o.do(tb, "POST", "/api/v1/session", map[string]string{"login": login, "password": demo.Password}, http.StatusOK, nil)
	return o
}

// do sends body as JSON and decodes the answer into v, failing the test
// unless the status is want.
func (o *kioskOfficial) do(tb testing.TB, method, path string, body any, want int, v any) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, o.base+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := o.c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: %s %s", method, path, resp.Status, raw)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			tb.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
}
