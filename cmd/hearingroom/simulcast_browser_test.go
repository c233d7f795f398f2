package main

import (
	"fmt"
	"testing"
)

// TestBrowserSimulcast: a kiosk in Chromium publishes two simulcast layers;
// the supervisor's wall asks for the low one and the official keeps the
// high one, and each decodes the size it asked for. Then the wall switches up.
func TestBrowserSimulcast(t *testing.T) {
	browser := newBrowser(t)
	m := mustRunMain(t)
	kiosk := openPage(t, browser, "villager", joinLink(t, m, villagerGrant)+"&simulcast=1", 1280, 720)
	official := openPage(t, browser, "official", joinLink(t, m, officialGrant), 1280, 720)
	wall := openPage(t, browser, "supervisor", joinLink(t, m, supervisorGrant), 1280, 720)
	waitMedia(t, official, "villager")
	waitMedia(t, wall, "villager")
	_ = kiosk

	width := func(p *page) (int64, string) {
		st := stats(t, p)
		for _, in := range st.Inbound {
			if in.Participant == "villager" && in.Kind == "video" {
				return in.FrameWidth, fmt.Sprintf("%+v", in)
			}
		}
		return 0, "no video from the villager"
	}
	// Chrome starts the top layer once its bandwidth estimate allows, and
	// under CPU load it may scale both layers down: compare the two pages'
	// sizes at the same moment rather than with fixed numbers.
	both := func() (wallW, offW int64, s string) {
		w, ws := width(wall)
		o, os := width(official)
		return w, o, "wall " + ws + "; official " + os
	}
	mustEval[bool](t, wall, `(hr.setLayer('low'), true)`)
	waitFor(t, "the low layer on the wall, the high one at the official", mediaDeadline, func() (bool, string) {
		w, o, s := both()
		return w > 0 && w*2 <= o, s
	})
	mustEval[bool](t, wall, `(hr.setLayer('high'), true)`)
	waitFor(t, "the high layer on the wall", mediaDeadline, func() (bool, string) {
		w, o, s := both()
		return w > 0 && w == o, s
	})
	checkPage(t, wall)
}
