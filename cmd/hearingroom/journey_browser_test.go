package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// TestBrowserJourney walks the whole job of a video hearing (issue 6) in
// one headless Chromium against one server: a village kiosk calls in; the
// township official takes the call on his desk, registers the case,
// summons a department whose staff join the live session, takes the party
// into a private room (背对背) and brings everyone back, and records the
// outcome; a county leader watches the session live on the wall; the
// session ends, the party rates it on the kiosk, and the leader reviews
// its recording. Each step is checked through the pages' hooks and the
// case's record and history over the API; each screen is photographed.
func TestBrowserJourney(t *testing.T) {
	j := newJourney(t)
	j.kioskCalls(t)
	j.officialAccepts(t)
	j.registerCase(t)
	j.summonDepartment(t)
	j.caucus(t)
	j.recordOutcome(t)
	j.wallWatches(t)
	j.endSession(t)
	j.kioskRates(t)
	j.reviewRecording(t)
}

// journey is what the steps share.
type journey struct {
	m                 *Main
	browser           context.Context
	official, owner   demo.Person // the receiving official, the 包案 leader
	staff, supervisor demo.Person // the 人社局's staff, a county leader
	dispatcher        *apiUser    // reads the case over the API
	station, room     string
	desk, kiosk, dept *page
	terminal          string // the kiosk's identity in the room
	callID, caseID    string
	sessionID         string
	shots             int
}

func newJourney(t *testing.T) *journey {
	const seed = 6
	people := demo.NewPeople(seed)
	j := &journey{browser: newBrowser(t), official: people.TownshipOfficials(0)[0],
		owner: people.TownshipLeaders(0)[0], supervisor: people.Leaders[0]}
	for _, s := range people.Staff {
		if s.UnitID == demo.DeptID("renshe") {
			j.staff = s
		}
	}
	j.m = mustRunMainWith(t, func(c *Config) {
		deskLedger(t, *c, j.official, j.owner, j.staff, j.supervisor, people.Dispatchers[0], people.Administrator)
	})
	ctx := context.Background()
	admin := petitions.Actor{ID: people.Administrator.ID,
		Roles: []petitions.RoleGrant{{Role: people.Administrator.Role, Unit: people.Administrator.UnitID}}}

	// The village's reception room, open all day, where the official receives today.
	st := &petitions.Station{ID: "st-journey", Unit: demo.VillageID(0, 0), Name: "村委会视频接访室", Hours: "00:00-24:00"}
	if err := j.m.Cases().CreateStation(ctx, admin, st); err != nil {
		t.Fatal(err)
	}
	if err := j.m.ledger.CreateReception(ctx, &petitions.Reception{ID: "journey-today", Day: casework.Day(time.Now()),
		Station: st.ID, LeaderID: j.official.ID, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	j.station, j.room = st.ID, casework.StationRoom(st.ID)
	j.dispatcher = signedIn(t, j.m, people.Dispatchers[0].ID)

	// The official is signed in on his desk.
	j.desk = openPage(t, j.browser, "desk", j.m.BaseURL()+"/desk", 1366, 768)
	waitScreen(t, j.desk, "signin")
	signInDesk(t, j.desk, j.official)
	waitScreen(t, j.desk, "home")
	j.shoot(t, j.desk, "desk-home")

	// The kiosk is paired by link and keeps its camera in the station's room.
	code := signedIn(t, j.m, people.Administrator.ID).do(t, "POST", "/api/v1/stations/"+st.ID+"/pairings", nil, http.StatusCreated)["code"]
	j.kiosk = openPage(t, j.browser, "kiosk", fmt.Sprintf("%s/kiosk#pair=%s&notice=3000", j.m.BaseURL(), code), 1920, 1080)
	waitKiosk(t, j.kiosk, "home")
	waitFor(t, "the kiosk publishing in the station's room", mediaDeadline, func() (bool, string) {
		s, err := eval[string](j.kiosk, `JSON.stringify({mode: hr.mode, state: hr.state, publishing: hr.publishing})`)
		return s == `{"mode":"presence","state":"joined","publishing":true}`, fmt.Sprint(s, err)
	})
	j.terminal = "terminal." + mustEval[string](t, j.kiosk, `hr.home.terminal.id`)
	j.shoot(t, j.kiosk, "kiosk-home")
	return j
}

// 1. The village kiosk calls in (呼叫接访).
func (j *journey) kioskCalls(t *testing.T) {
	mustEval[bool](t, j.kiosk, `document.getElementById('call-hearing').click() ?? true`)
	waitKiosk(t, j.kiosk, "wait")
	j.callID = mustEval[string](t, j.kiosk, `hr.call.id`)
	j.shoot(t, j.kiosk, "kiosk-wait")
}

// 2. The official sees the call in his queue and accepts: the hearing opens
// on the desk, the kiosk shows the recording notice and joins.
func (j *journey) officialAccepts(t *testing.T) {
	call := fmt.Sprintf(`#calls li[data-call=%q]`, j.callID)
	waitFor(t, "the call in the official's queue", mediaDeadline, func() (bool, string) {
		n, err := eval[int](j.desk, `document.querySelectorAll('`+call+`').length`)
		return n == 1, fmt.Sprint(n, err)
	})
	j.shoot(t, j.desk, "desk-call")
	evalDesk(t, j.desk, `document.querySelector('`+call+` .accept').click()`)
	waitScreen(t, j.desk, "hearing")
	waitKiosk(t, j.kiosk, "notice")
	j.shoot(t, j.kiosk, "kiosk-notice")
	waitKiosk(t, j.kiosk, "session")
	waitFrameMedia(t, j.desk, j.terminal)
	waitMedia(t, j.kiosk, j.official.ID)
	if got := mustEval[string](t, j.desk, `hr.room`); got != j.room {
		t.Errorf("the desk's hearing is in room %q, want the station's %q", got, j.room)
	}
	j.shoot(t, j.desk, "desk-hearing")
	j.shoot(t, j.kiosk, "kiosk-session")
}

// 3. The official registers the case from the hearing's case panel; the
// live session is linked to it.
func (j *journey) registerCase(t *testing.T) {
	evalDesk(t, j.desk, `document.getElementById('tab-find').click();
		document.getElementById('r-name').value = '王桂芝';
		document.getElementById('r-phone').value = '13912345678';
		document.getElementById('r-category').value = 'wage_arrears';
		document.getElementById('r-request').value = '请求督促工程队支付拖欠的三个月工资';
		document.getElementById('r-facts').value = '2026年8月至10月在村道工程务工，工资未付。';
		document.getElementById('register').requestSubmit();`)
	j.caseID = waitCase(t, j.desk)
	c := j.dispatcher.do(t, "GET", "/api/v1/cases/"+j.caseID, nil, http.StatusOK)
	if c["station_id"] != j.station || c["state"] != "registered" || c["medium"] != "video" {
		t.Errorf("registered case: station %v, state %v, medium %v", c["station_id"], c["state"], c["medium"])
	}
	waitFor(t, "the hearing linked to the case", mediaDeadline, func() (bool, string) {
		ok, err := eval[bool](j.desk, `hr.linked`)
		return ok, fmt.Sprint(err)
	})
	j.sessionID = mustEval[string](t, j.desk, `hr.sessionId`)
	if s := j.session(t); s.Status != petitions.SessionLive || s.Station != j.station || s.Participant(j.terminal) == nil {
		t.Errorf("the case's session: %+v", s)
	}
	j.shoot(t, j.desk, "desk-registered")
}

// 4. 吹哨报到: the 人社局 is summoned; its staff open the link, sign in
// and join the live session; the ledger logs the report-in.
func (j *journey) summonDepartment(t *testing.T) {
	evalDesk(t, j.desk, fmt.Sprintf(`document.getElementById('tab-summon').click();
		document.querySelector('#s-depts input[value=%q]').checked = true;
		document.getElementById('s-reason').value = '核实欠薪情况';
		document.getElementById('summon').requestSubmit();`, j.staff.UnitID))
	var link string
	waitFor(t, "the summons link", mediaDeadline, func() (bool, string) {
		l, err := eval[string](j.desk, `hr.summonsLinks.length ? hr.summonsLinks[0].link : ''`)
		link = l
		return l != "", fmt.Sprint(err)
	})
	j.dept = openIsolated(t, j.browser, "department", link, 1366, 768)
	waitScreen(t, j.dept, "signin")
	signInDesk(t, j.dept, j.staff)
	waitScreen(t, j.dept, "hearing")
	waitFrameMedia(t, j.dept, j.official.ID)
	waitFrameMedia(t, j.dept, j.terminal)
	waitFrameMedia(t, j.desk, j.staff.ID)
	waitMedia(t, j.kiosk, j.staff.ID)
	if evs := events(t, j.dispatcher, j.caseID, "summons.reported"); len(evs) != 1 || evs[0].Actor != j.staff.ID {
		t.Errorf("report-in events: %+v", evs)
	}
	waitText(t, j.desk, "#summons-list li.reported", "")
	j.shoot(t, j.desk, "desk-summoned")
	j.shoot(t, j.dept, "department")
}

// 5. 背对背: the official takes the party into the private room with the
// framed room's panel and follows; the department is left alone; then he
// brings both back.
func (j *journey) caucus(t *testing.T) {
	caucus := j.room + "~caucus-1"
	j.move(t, j.terminal)
	j.kioskIn(t, caucus)
	j.move(t, j.official.ID)
	j.deskIn(t, caucus)
	waitFrameMedia(t, j.desk, j.terminal) // new connections on both sides
	waitMediaSlow(t, j.kiosk, j.official.ID)
	waitFor(t, "the department alone in the joint room", caucusDeadline, func() (bool, string) {
		n, err := eval[int](j.dept, `Object.keys(document.getElementById('room').contentWindow.hr.participants).length`)
		return n == 0 && err == nil, fmt.Sprint(n, err)
	})
	j.shoot(t, j.desk, "desk-caucus")
	j.shoot(t, j.kiosk, "kiosk-caucus")

	j.move(t, j.terminal)
	j.kioskIn(t, j.room)
	j.move(t, j.official.ID)
	j.deskIn(t, j.room)
	waitMediaSlow(t, j.kiosk, j.official.ID)
	waitMediaSlow(t, j.kiosk, j.staff.ID)
	waitFrameMedia(t, j.desk, j.terminal)
	waitFrameMedia(t, j.desk, j.staff.ID)
	// One session record for both rooms: the party's time in the private room is in it.
	s := j.session(t)
	inCaucus := false
	for _, p := range s.Participants {
		for _, in := range p.Joins {
			inCaucus = inCaucus || p.Identity == j.terminal && in.Room == caucus
		}
	}
	if s.Status != petitions.SessionLive || !inCaucus {
		t.Errorf("the session after the caucus (want the kiosk's stay in %s): %+v", caucus, s)
	}
}

// move clicks the official's panel button that moves identity to the
// other room of the family.
func (j *journey) move(t *testing.T, identity string) {
	t.Helper()
	sel := fmt.Sprintf(`#admin button[data-action="move"][data-identity=%q]`, identity)
	waitFor(t, "the desk's move button for "+identity, caucusDeadline, func() (bool, string) {
		ok, err := eval[bool](j.desk, `(() => { const b = document.getElementById('room').contentDocument.querySelector('`+sel+`');
			if (!b) return false; b.click(); return true; })()`)
		return ok && err == nil, fmt.Sprint(err)
	})
}

func (j *journey) kioskIn(t *testing.T, room string) {
	t.Helper()
	waitFor(t, "the kiosk in "+room, caucusDeadline, func() (bool, string) {
		s, err := eval[string](j.kiosk, `hr.screen + ' ' + hr.state + ' ' + hr.room`)
		return s == "session joined "+room, fmt.Sprint(s, err)
	})
}

func (j *journey) deskIn(t *testing.T, room string) {
	t.Helper()
	waitFor(t, "the official in "+room, caucusDeadline, func() (bool, string) {
		s, err := eval[string](j.desk, `(() => { const r = document.getElementById('room').contentWindow.hr; return r.state + ' ' + r.room; })()`)
		return s == "joined "+room, fmt.Sprint(s, err)
	})
}

// 6. The official accepts the case, names its 包案 leader, and replies with
// the outcome.
func (j *journey) recordOutcome(t *testing.T) {
	evalDesk(t, j.desk, `document.getElementById('tab-assign').click();
		document.querySelector('form[data-transition=accept]').requestSubmit();`)
	waitCaseState(t, j.desk, "accepted")
	evalDesk(t, j.desk, fmt.Sprintf(`const f = document.querySelector('form[data-transition=start]');
		f.elements.owner.value = %q; f.requestSubmit();`, j.owner.ID))
	waitCaseState(t, j.desk, "in_progress")
	evalDesk(t, j.desk, `document.getElementById('tab-outcome').click();
		const f = document.querySelector('form[data-transition=reply]');
		f.elements.outcome.value = 'support'; f.elements.text.value = '责成工程队于十五日内结清工资。';
		f.elements.manner.value = 'in_person'; f.requestSubmit();`)
	waitCaseState(t, j.desk, "replied")
	c := j.dispatcher.do(t, "GET", "/api/v1/cases/"+j.caseID, nil, http.StatusOK)
	if reply, _ := c["reply"].(map[string]any); reply["outcome"] != "support" || c["owner"] != j.owner.ID {
		t.Errorf("after the outcome: reply %v, owner %v", c["reply"], c["owner"])
	}
	j.shoot(t, j.desk, "desk-outcome")
}

// 8. While the session runs, the county leader sees it live on the wall,
// unannounced to those in it.
func (j *journey) wallWatches(t *testing.T) {
	wall := openIsolated(t, j.browser, "wall", j.m.BaseURL()+"/wall", 1920, 1080)
	waitSup(t, wall, "signin")
	signInSup(t, wall, petitions.NormalizeLogin(j.supervisor.ID))
	waitSup(t, wall, "ready")
	room := fmt.Sprintf("%q", j.room)
	waitFor(t, "the station's tile with decoded video on the wall", mediaDeadline, func() (bool, string) {
		raw, err := eval[[]byte](wall, `hr.stats(`+room+`)`)
		var s struct{ FramesDecoded int64 }
		if err == nil {
			err = json.Unmarshal(raw, &s)
		}
		return s.FramesDecoded > 0, fmt.Sprint(string(raw), err)
	})
	var live struct {
		Sessions []struct {
			ID      string `json:"id"`
			Present int    `json:"present"`
		} `json:"sessions"`
	}
	supClient(t, j.m, petitions.NormalizeLogin(j.supervisor.ID)).get(t, "/api/v1/live", &live)
	present := -1
	for _, s := range live.Sessions {
		if s.ID == j.sessionID {
			present = s.Present
		}
	}
	if present != 3 { // the kiosk, the official, the department; not the leader
		t.Errorf("the wall's live sessions: session %s has %d present, want 3: %+v", j.sessionID, present, live.Sessions)
	}
	if seen := mustEval[string](t, j.kiosk, `Object.keys(hr.seen).join(' ')`); strings.Contains(seen, j.supervisor.ID) {
		t.Errorf("the kiosk was told of the watching leader: %s", seen)
	}
	supOK(t, wall)
	j.shoot(t, wall, "wall")
	wall.close()
}

// The department and then the official end their part: the session ends.
func (j *journey) endSession(t *testing.T) {
	evalDesk(t, j.dept, `document.getElementById('end').click()`)
	waitScreen(t, j.dept, "home")
	if errs := mustEval[string](t, j.desk, `JSON.stringify(hr.errors)`); errs != "[]" {
		t.Errorf("the desk showed errors: %s", errs)
	}
	evalDesk(t, j.desk, `document.getElementById('end').click()`)
	waitScreen(t, j.desk, "home")
}

// 7. The kiosk asks the party to rate the session with three faces; the
// rating lands in the case record.
func (j *journey) kioskRates(t *testing.T) {
	waitKiosk(t, j.kiosk, "rate")
	if got := mustEval[string](t, j.kiosk, `hr.session.id`); got != j.sessionID {
		t.Errorf("the kiosk rates session %s, the desk linked %s", got, j.sessionID)
	}
	j.shoot(t, j.kiosk, "kiosk-rate")
	mustEval[bool](t, j.kiosk, `document.querySelector('.face[data-score="satisfied"]').click() ?? true`)
	waitKiosk(t, j.kiosk, "thanks")
	j.shoot(t, j.kiosk, "kiosk-thanks")
	var c struct {
		Ratings []petitions.Rating `json:"ratings"`
	}
	b, _ := json.Marshal(j.dispatcher.do(t, "GET", "/api/v1/cases/"+j.caseID, nil, http.StatusOK))
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Ratings) != 1 || c.Ratings[0].Score != petitions.ScoreSatisfied {
		t.Errorf("the case's ratings: %+v", c.Ratings)
	}
	evs := events(t, j.dispatcher, j.caseID, casework.KindRated)
	if len(evs) != 1 || evs[0].Actor != j.terminal || !strings.Contains(string(evs[0].Data), j.sessionID) {
		t.Errorf("rating events of the case: %+v", evs)
	}
}

// 9. After the session ended and its recordings are stored, the leader
// reviews them side by side; each play is a read in the case's history.
func (j *journey) reviewRecording(t *testing.T) {
	waitFor(t, "the ended session's recordings", 2*caucusDeadline, func() (bool, string) {
		s := j.session(t)
		return s.Status == petitions.SessionEnded && len(s.Recordings) >= 2, fmt.Sprintf("%s, %d recordings", s.Status, len(s.Recordings))
	})
	rv := openIsolated(t, j.browser, "review", j.m.BaseURL()+"/review#session="+j.sessionID, 1280, 800)
	waitState(t, rv, "signin")
	signInSup(t, rv, petitions.NormalizeLogin(j.supervisor.ID))
	waitState(t, rv, "ready")
	if n := mustEval[int](t, rv, `document.querySelectorAll('.tile').length`); n < 2 {
		t.Fatalf("%d tiles on the review page, want one per recorded participant", n)
	}
	waitVideos(t, rv, "the recordings loaded", `vs.every((v) => v.readyState >= 1)`)
	mustEval[bool](t, rv, `(document.getElementById('play').click(), true)`)
	waitVideos(t, rv, "the recordings playing", `hr.playing && hr.time > 1000 && vs.some((v) => !v.paused && v.videoWidth > 0)`)
	j.shoot(t, rv, "review")
	reads := 0
	for _, e := range events(t, j.dispatcher, j.caseID, casework.KindRead) {
		var d struct{ What string }
		if json.Unmarshal(e.Data, &d) == nil && d.What == "recording" && e.Actor == j.supervisor.ID {
			reads++
		}
	}
	if reads == 0 {
		t.Errorf("the case's history has no read of the recording by %s", j.supervisor.ID)
	}
}

// session returns the journey's session as the case lists it.
func (j *journey) session(t *testing.T) *petitions.Session {
	t.Helper()
	var out struct{ Sessions []*petitions.Session }
	b, _ := json.Marshal(j.dispatcher.do(t, "GET", "/api/v1/cases/"+j.caseID+"/sessions", nil, http.StatusOK))
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range out.Sessions {
		if s.ID == j.sessionID {
			return s
		}
	}
	t.Fatalf("the case's sessions lack %s: %s", j.sessionID, b)
	return nil
}

// signInDesk signs person in on a desk page.
func signInDesk(t *testing.T, p *page, person demo.Person) {
	t.Helper()
	evalDesk(t, p, fmt.Sprintf(`document.getElementById('login').value = %q;
		document.getElementById('password').value = %q;
		document.getElementById('signin').requestSubmit();`, petitions.NormalizeLogin(person.ID), demo.Password))
}

// shoot photographs p at the size it has, numbered in the journey's order.
func (j *journey) shoot(t *testing.T, p *page, name string) {
	t.Helper()
	j.shots++
	w, h := mustEval[int64](t, p, `innerWidth`), mustEval[int64](t, p, `innerHeight`)
	screenshot(t, p, fmt.Sprintf("journey-%02d-%s-%dx%d.png", j.shots, name, w, h))
}
