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
	// Chrome starts the top layer only once its bandwidth estimate allows;
	// wait until the official decodes a frame wider than the low layer.
	var high int64
	waitFor(t, "the high layer at the official", mediaDeadline, func() (bool, string) {
		w, s := width(official)
		high = w
		return w >= 480, s
	})
	mustEval[bool](t, wall, `(hr.setLayer('low'), true)`)
	waitFor(t, "the low layer on the wall", mediaDeadline, func() (bool, string) {
		w, s := width(wall)
		return w > 0 && w <= high/2, s
	})
	if w, s := width(official); w < high {
		t.Errorf("official's layer dropped when the wall asked for low: %s", s)
	}
	mustEval[bool](t, wall, `(hr.setLayer('high'), true)`)
	waitFor(t, "the high layer on the wall", mediaDeadline, func() (bool, string) {
		w, s := width(wall)
		return w >= high, s
	})
	checkPage(t, wall)
}
