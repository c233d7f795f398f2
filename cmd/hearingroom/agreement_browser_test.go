package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// TestBrowserAgreement: the two parties of a mediation confirm its written
// agreement, each on a screen of his own (the village terminal, a phone),
// with the case number and query code of the receipt; the ledger holds
// each confirmation as his electronic signature.
func TestBrowserAgreement(t *testing.T) {
	browser := newBrowser(t)
	mc := startMediation(t, "相邻通行纠纷", "两户因院墙通道发生争执")
	m, c, mediator := mc.m, mc.c, mc.mediator
	step := func(o *kioskOfficial, name string, input map[string]any) { t.Helper(); mc.step(t, o, name, input) }
	step(mediator, "reach_agreement", map[string]any{"agreement": map[string]any{
		"form": "written", "parties": []string{"a", "b"}, "facts": "两家院墙之间的通道为共用通道，王德厚在通道内堆放柴草。",
		"issues": "通道内能否堆放柴草", "terms": "王德厚于十日内清理通道内的柴草，今后不在通道内堆放杂物；张秀英不再追究。",
		"performance_manner": "王德厚自行清理，村委会见证"}})

	link := m.BaseURL() + "/agreement#case=" + c.CaseNo + "&code=" + c.QueryCode
	confirm := func(name, party string, w, h int64) {
		p := openPage(t, browser, name, link, w, h)
		waitFor(t, name+": the agreement shown", mediaDeadline, func() (bool, string) {
			s, err := eval[string](p, `window.hr && hr.agreement ? hr.agreement.terms : JSON.stringify(window.hr && hr.errors)`)
			return strings.Contains(s, "清理通道"), s + " " + errString(err)
		})
		staffShots(t, p, "agreement-"+party)
		staffClick(t, p, `[data-party="`+party+`"]`)
		waitFor(t, name+": confirmed", mediaDeadline, func() (bool, string) {
			ok, err := eval[bool](p, `hr.agreement.parties.some((x) => x.id === '`+party+`' && x.confirmed)`)
			return ok, errString(err)
		})
		staffShots(t, p, "agreement-"+party+"-confirmed")
	}
	confirm("kiosk", "a", 1920, 1080)
	confirm("phone", "b", 390, 844)

	var got struct {
		State     string `json:"state"`
		Mediation struct {
			Agreement struct {
				Signatures []struct {
					PartyID string `json:"party_id"`
					Manner  string `json:"manner"`
				} `json:"signatures"`
			} `json:"agreement"`
		} `json:"mediation"`
	}
	mediator.do(t, "GET", "/api/v1/cases/"+c.ID, nil, http.StatusOK, &got)
	sigs := got.Mediation.Agreement.Signatures
	if len(sigs) != 2 || sigs[0].PartyID != "a" || sigs[1].PartyID != "b" || sigs[0].Manner != "electronic" {
		t.Errorf("signatures %+v", sigs)
	}
	step(mediator, "countersign", map[string]any{"sign_manner": "electronic"})
	step(mediator, "make_effective", nil)
}

// mediationCase is a mediation of the demo county (seed 9) in mediation:
// registered by the village's proxy between parties "a" and "b", picked,
// accepted and started by the board's first mediator.
type mediationCase struct {
	m                        *Main
	village                  string
	proxy, mediator          *kioskOfficial
	mediatorID, mediatorName string
	c                        struct {
		ID        string `json:"id"`
		CaseNo    string `json:"case_no"`
		QueryCode string `json:"query_code"`
	}
}

// step runs transition name of the case as o.
func (mc *mediationCase) step(t *testing.T, o *kioskOfficial, name string, input map[string]any) {
	t.Helper()
	o.do(t, "POST", "/api/v1/cases/"+mc.c.ID+"/transitions", map[string]any{"name": name, "input": input}, http.StatusOK, nil)
}

// startMediation starts a server on the demo county and brings a mediation
// with request and facts to the state in mediation.
func startMediation(t *testing.T, request, facts string) *mediationCase {
	t.Helper()
	const seed = 9
	mc := &mediationCase{village: demo.VillageID(0, 0)}
	mc.m = mustRunMainWith(t, func(c *Config) {
		if err := loadDemo(context.Background(), *c, demo.Config{Cases: 10, Seed: seed}, io.Discard); err != nil {
			t.Fatalf("demo: %v", err)
		}
	})
	var proxyID string
	for _, p := range demo.NewPeople(seed).Proxies {
		if p.UnitID == mc.village {
			proxyID = p.ID
		}
	}
	mc.proxy = newKioskOfficial(t, mc.m, petitions.NormalizeLogin(proxyID))
	var board struct {
		Mediators []struct{ ID, Name string } `json:"mediators"`
	}
	mc.proxy.do(t, "GET", "/api/v1/mediators?unit="+mc.village, nil, http.StatusOK, &board)
	mc.mediatorID, mc.mediatorName = board.Mediators[0].ID, board.Mediators[0].Name
	mc.proxy.do(t, "POST", "/api/v1/cases", map[string]any{
		"kind": "mediation", "category": "neighbours", "channel": "visit", "village": mc.village,
		"request": request, "facts": facts,
		"parties": []map[string]any{{"id": "a", "side": "petitioner", "name": "张秀英"}, {"id": "b", "side": "respondent", "name": "王德厚"}},
	}, http.StatusCreated, &mc.c)
	mc.mediator = newKioskOfficial(t, mc.m, petitions.NormalizeLogin(mc.mediatorID))
	mc.step(t, mc.proxy, "pick", map[string]any{"mediator_id": mc.mediatorID})
	mc.step(t, mc.mediator, "accept", nil)
	mc.step(t, mc.mediator, "start_mediation", nil)
	return mc
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
