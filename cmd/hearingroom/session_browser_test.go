package main

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"hearingroom/petitions"
)

// TestBrowserSessionLedger: a hearing held in two browsers appears in the
// ledger as one ended session with both participants' roles and join and
// leave times, and its start and end are in the hash-chained history.
func TestBrowserSessionLedger(t *testing.T) {
	browser := newBrowser(t)
	m := mustRunMain(t)
	ctx := context.Background()

	og, vg := officialGrant, villagerGrant
	og.Metadata = `{"role":"official"}`
	vg.Metadata = `{"role":"villager","station":"st-shiqiao"}`
	official := openPage(t, browser, "official", joinLink(t, m, og), 1280, 720)
	villager := openPage(t, browser, "villager", joinLink(t, m, vg), 1280, 720)
	waitMedia(t, official, "villager")
	waitMedia(t, villager, "official")

	// The villager hangs up; the official closes the tab.
	mustEval[bool](t, villager, `(hr.leave(), true)`)
	official.close()

	var s *petitions.Session
	waitFor(t, "the ended session in the ledger", 20*time.Second, func() (bool, string) {
		list, err := m.ledger.Sessions(ctx, petitions.SessionFilter{Room: og.Room})
		if err != nil {
			return false, err.Error()
		}
		if len(list) != 1 || list[0].Status != petitions.SessionEnded {
			b, _ := json.Marshal(list)
			return false, string(b)
		}
		s = list[0]
		return true, ""
	})
	b, _ := json.MarshalIndent(s, "", "  ")
	t.Logf("session: %s", b)

	if s.Kind != petitions.SessionHearing || s.Station != "st-shiqiao" || s.Duration() <= 0 {
		t.Errorf("session kind %s, station %q, duration %v", s.Kind, s.Station, s.Duration())
	}
	for _, want := range []struct{ identity, role string }{{"official", "official"}, {"villager", "villager"}} {
		p := s.Participant(want.identity)
		if p == nil {
			t.Errorf("no participant %s", want.identity)
			continue
		}
		if p.Role != want.role || p.Name == "" || len(p.Joins) == 0 {
			t.Errorf("%s: role %q, name %q, %d joins", want.identity, p.Role, p.Name, len(p.Joins))
		}
		for i, j := range p.Joins {
			if j.Joined.IsZero() || j.Left.IsZero() || j.Left.Before(j.Joined) ||
				j.Joined.Before(s.Start) || j.Left.After(s.End) {
				t.Errorf("%s presence %d: %+v, not within the session %v – %v", want.identity, i, j, s.Start, s.End)
			}
		}
	}

	// The session's record and its history events are written one after
	// the other: wait for the ended event too.
	kinds := map[string]int{}
	waitFor(t, "the session's started and ended events", 20*time.Second, func() (bool, string) {
		kinds = map[string]int{}
		err := m.ledger.ScanEvents(ctx, 1, func(e *petitions.Event) error {
			var data struct{ Session string }
			if json.Unmarshal(e.Data, &data) == nil && data.Session == s.ID {
				if e.CaseID != "" {
					return fmt.Errorf("event %d of a session without a case is in case %q", e.Seq, e.CaseID)
				}
				kinds[e.Kind]++
			}
			return nil
		})
		if err != nil {
			return false, err.Error()
		}
		return kinds[petitions.KindSessionStarted] == 1 && kinds[petitions.KindSessionEnded] == 1, fmt.Sprint(kinds)
	})
	r, err := petitions.VerifyStore(ctx, m.ledger, nil)
	if err != nil || !r.OK() {
		t.Errorf("VerifyStore: %+v, %v", r, err)
	}
}
