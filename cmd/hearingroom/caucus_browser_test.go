package main

import (
	"fmt"
	"testing"
	"time"

	"hearingroom/signaling"
)

// caucusDeadline bounds each wait: three tabs rejoining on a busy 2-core
// machine take longer than the two of a hearing.
const caucusDeadline = 3 * time.Minute

// waitMediaSlow is waitMedia within caucusDeadline.
func waitMediaSlow(tb testing.TB, p *page, from string) {
	tb.Helper()
	waitMediaWithin(tb, p, from, caucusDeadline)
}

// TestBrowserCaucus: a mediation in three browsers. Party B waits until the
// mediator admits it from the join page's panel; the mediator takes party A
// into the private room and follows, party B is left alone, and the
// mediator brings everyone back, all with the panel's buttons.
func TestBrowserCaucus(t *testing.T) {
	browser := newBrowser(t)
	m := mustRunMain(t)

	const room = "mediation-9"
	mediator := signaling.Grant{Room: room, Identity: "mediator", Name: "调解员 陈", CanPublish: true, CanSubscribe: true, Admin: true}
	partyA := signaling.Grant{Room: room, Identity: "party-a", Name: "甲方", CanPublish: true, CanSubscribe: true}
	partyB := signaling.Grant{Room: room, Identity: "party-b", Name: "乙方", CanSubscribe: true, Waiting: true}
	med := openPage(t, browser, "mediator", joinLink(t, m, mediator), 640, 480)
	a := openPage(t, browser, "party-a", joinLink(t, m, partyA), 640, 480)
	b := openPage(t, browser, "party-b", joinLink(t, m, partyB), 640, 480)
	waitMediaSlow(t, med, "party-a")
	waitMediaSlow(t, a, "mediator")
	waitMediaSlow(t, b, "mediator") // B hears the room while it waits

	click := func(p *page, action, identity string) {
		t.Helper()
		sel := fmt.Sprintf(`#admin button[data-action=%q][data-identity=%q]`, action, identity)
		waitFor(t, fmt.Sprintf("%s's %s button for %s", p.name, action, identity), caucusDeadline, func() (bool, string) {
			ok, err := eval[bool](p, `(() => { const b = document.querySelector('`+sel+`'); if (!b) return false; b.click(); return true; })()`)
			return ok && err == nil, fmt.Sprint(err)
		})
	}
	inRoom := func(p *page, want string) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%s in %s", p.name, want), caucusDeadline, func() (bool, string) {
			got, err := eval[string](p, `hr.state === 'joined' ? hr.room : ''`)
			return got == want && err == nil, fmt.Sprint(got, err)
		})
	}

	if !mustEval[bool](t, b, `!hr.you.publisher && hr.you.waiting === true`) {
		t.Errorf("party-b joined as %s, want waiting", mustEval[string](t, b, `JSON.stringify(hr.you)`))
	}
	click(med, "admit", "party-b")
	waitMediaSlow(t, med, "party-b")
	waitMediaSlow(t, a, "party-b")

	caucus := room + "~caucus-1"
	click(med, "move", "party-a")
	inRoom(a, caucus)
	click(med, "move", "mediator")
	inRoom(med, caucus)
	waitMediaSlow(t, a, "mediator")
	waitMediaSlow(t, med, "party-a")
	for _, p := range []*page{a, med} {
		if !mustEval[bool](t, p, `hr.caucus && !document.getElementById('caucus').hidden`) {
			t.Errorf("%s: the private room is not shown", p.name)
		}
	}
	waitFor(t, "party-b alone", caucusDeadline, func() (bool, string) {
		n, err := eval[int](b, `Object.keys(hr.participants).length + document.querySelectorAll('.tile').length`)
		return n == 0 && err == nil, fmt.Sprint(n, err)
	})
	if mustEval[bool](t, b, `hr.caucus || !document.getElementById('caucus').hidden`) {
		t.Errorf("party-b is shown in a private room")
	}
	screenshot(t, a, "caucus-party-a-640x480.png")
	screenshot(t, med, "caucus-mediator-640x480.png")
	// B's peer connection lives on: count what it has of the others so far.
	_, fromMed := stats(t, b).from("mediator")
	_, fromA := stats(t, b).from("party-a")

	click(med, "move", "party-a")
	inRoom(a, room)
	click(med, "move", "mediator")
	inRoom(med, room)
	waitFor(t, "party-b hearing the others again", caucusDeadline, func() (bool, string) {
		s := stats(t, b)
		_, m := s.from("mediator")
		_, a := s.from("party-a")
		return m > fromMed+50 && a > fromA+50, fmt.Sprintf("packets from mediator %d (was %d), party-a %d (was %d)", m, fromMed, a, fromA)
	})
	for _, p := range []*page{med, a, b} {
		for _, from := range []string{"mediator", "party-a", "party-b"} {
			if from != p.name {
				waitMediaSlow(t, p, from)
			}
		}
		if mustEval[bool](t, p, `hr.caucus`) {
			t.Errorf("%s: still shown in the private room", p.name)
		}
		checkPage(t, p)
	}
}
