package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// TestBrowserKioskCallSurvivesRestart: the call board lives in the
// server's memory, so a restart forgets the calls waiting. A kiosk whose
// call the board no longer knows places it again: the villager stays in the
// receiving official's queue instead of waiting for nobody.
func TestBrowserKioskCallSurvivesRestart(t *testing.T) {
	browser := newBrowser(t)
	ctx := context.Background()
	const seed = 9
	ps := demo.NewPeople(seed)
	admin := petitions.Actor{ID: ps.Administrator.ID, Roles: []petitions.RoleGrant{{Role: ps.Administrator.Role, Unit: ps.Administrator.UnitID}}}
	station := demo.StationID(demo.VillageID(0, 0))
	m := mustRunMainWith(t, func(c *Config) {
		if err := loadDemo(ctx, *c, demo.Config{Cases: 10, Seed: seed}, io.Discard); err != nil {
			t.Fatalf("demo: %v", err)
		}
	})
	if _, err := m.Cases().UpdateStation(ctx, admin, station, casework.StationChange{Hours: "00:00-24:00"}); err != nil {
		t.Fatal(err)
	}
	pr, err := m.Cases().IssuePairing(ctx, admin, station)
	if err != nil {
		t.Fatal(err)
	}
	en, err := m.Cases().Redeem(ctx, pr.Code, "村委会接访终端")
	if err != nil {
		t.Fatal(err)
	}
	kiosk := openPage(t, browser, "kiosk", m.BaseURL()+"/kiosk#device="+en.Credential, 1920, 1080)
	waitKiosk(t, kiosk, "home")
	mustEval[bool](t, kiosk, `document.getElementById('call-hearing').click() ?? true`)
	waitKiosk(t, kiosk, "wait")
	first := mustEval[string](t, kiosk, `hr.call.id`)

	// The server stops and starts again on the same address and data.
	cfg := m.Config
	u, err := url.Parse(m.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPAddr = u.Host
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	again := NewMain()
	again.Config, again.Log = cfg, m.Log
	if err := again.Run(ctx); err != nil {
		t.Fatalf("run again on %s: %v", cfg.HTTPAddr, err)
	}
	t.Cleanup(func() { again.Close() })

	var second string
	waitFor(t, "the kiosk's call placed again", mediaDeadline, func() (bool, string) {
		s, err := eval[string](kiosk, `hr.screen + ' ' + (hr.call ? hr.call.state + ' ' + hr.call.id : 'no call')`)
		f := strings.Fields(s)
		if err != nil || len(f) != 3 || f[0] != "wait" || f[1] != "waiting" || f[2] == first {
			return false, fmt.Sprint(s, err)
		}
		second = f[2]
		return true, ""
	})
	official := newKioskOfficialAt(t, again.BaseURL(), petitions.NormalizeLogin(ps.TownshipOfficials(0)[0].ID))
	var queue struct {
		Calls []casework.Call `json:"calls"`
	}
	official.do(t, "GET", "/api/v1/calls", nil, http.StatusOK, &queue)
	if len(queue.Calls) != 1 || queue.Calls[0].ID != second || queue.Calls[0].Station != station {
		t.Errorf("the official's queue after the restart: %+v, want the kiosk's call %s", queue.Calls, second)
	}
}
