package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// TestBrowserAgreementDesk: the mediator of a mediation drafts its written
// agreement on the desk, in the case panel's agreement tab, from a form
// filled in from the case (the parties, the request, the facts, the
// mediator) with the terms he types (obligations, amount, deadline, how);
// the two parties confirm it, each on a screen of his own (/agreement);
// the desk shows both confirmations as they come, and the mediator's seal
// makes the agreement effective. Each screen is photographed; the tab's
// fields are labelled and its controls at least 15 mm.
func TestBrowserAgreementDesk(t *testing.T) {
	browser := newBrowser(t)
	const (
		request = "请求王德厚赔偿院墙修缮费用"
		facts   = "王德厚拆除旧房时碰倒张秀英家院墙约五米"
	)
	mc := startMediation(t, request, facts)
	m, c, village, mediator := mc.m, mc.c, mc.village, mc.mediator
	mediatorID, mediatorName := mc.mediatorID, mc.mediatorName

	// The mediator signs in on the desk and opens the village's room for a mediation.
	desk := openPage(t, browser, "mediator", m.BaseURL()+"/desk", 1024, 768)
	waitScreen(t, desk, "signin")
	evalDesk(t, desk, fmt.Sprintf(`document.getElementById('login').value = %q;
		document.getElementById('password').value = %q;
		document.getElementById('signin').requestSubmit();`, petitions.NormalizeLogin(mediatorID), demo.Password))
	waitScreen(t, desk, "home")
	evalDesk(t, desk, fmt.Sprintf(`const s = document.getElementById('open-station');
		if ([...s.options].some((o) => o.value === %[1]q)) s.value = %[1]q;
		document.getElementById('open-kind').value = 'mediation';
		document.getElementById('open').requestSubmit();`, demo.StationID(village)))
	waitScreen(t, desk, "hearing")

	// He finds the case and opens its agreement tab: the form is filled in from the case.
	evalDesk(t, desk, fmt.Sprintf(`document.getElementById('q').value = %q; document.getElementById('search').requestSubmit();`, c.CaseNo))
	waitFor(t, "the case found", 30*time.Second, func() (bool, string) {
		n, err := eval[int](desk, fmt.Sprintf(`document.querySelectorAll('#found li[data-case=%q] button').length`, c.ID))
		return n == 1, fmt.Sprint(n, err)
	})
	evalDesk(t, desk, fmt.Sprintf(`document.querySelector('#found li[data-case=%q] button').click()`, c.ID))
	if id := waitCase(t, desk); id != c.ID {
		t.Fatalf("the panel holds case %s, want %s", id, c.ID)
	}
	waitFor(t, "the agreement tab", 30*time.Second, func() (bool, string) {
		ok, err := eval[bool](desk, `!document.getElementById('tab-agreement').hidden`)
		return ok, fmt.Sprint(err)
	})
	staffClick(t, desk, "#tab-agreement")
	waitFor(t, "the draft form", 30*time.Second, func() (bool, string) {
		ok, err := eval[bool](desk, `!!document.getElementById('agreement-draft') && !document.getElementById('p-agreement').hidden`)
		return ok, fmt.Sprint(err, " ", mustEval[string](t, desk, `document.getElementById('agreement-panel').textContent`))
	})
	prefill := mustEval[string](t, desk, `[document.getElementById('ag-facts').value, document.getElementById('ag-issues').value,
		document.getElementById('ag-mediator').textContent,
		[...document.querySelectorAll('#agreement-draft input[name=party]:checked')].map((x) => x.value).join(',')].join(' | ')`)
	if want := facts + " | " + request + " | 调解员：" + mediatorName + " | a,b"; prefill != want {
		t.Errorf("the form filled in as %q, want %q", prefill, want)
	}
	agreementTargets(t, desk)
	shootDesk(t, desk, "agreement-draft")

	// He writes the terms and submits.
	due := time.Now().In(petitions.ChinaTime).AddDate(0, 0, 10)
	const obligations = "王德厚于十日内出资修复倒塌的院墙；张秀英不再追究其他责任。"
	staffType(t, desk, "#ag-obligations", obligations)
	staffType(t, desk, "#ag-amount", "3500")
	evalDesk(t, desk, fmt.Sprintf(`document.getElementById('ag-deadline').value = %q`, due.Format(petitions.DayLayout)))
	staffType(t, desk, "#ag-manner", "银行转账，村委会见证")
	shootOne(t, desk, "agreement-draft-filled")
	staffClick(t, desk, "#ag-submit")
	waitCaseState(t, desk, "agreement_reached")
	waitText(t, desk, "#ag-howto", c.CaseNo)
	if got := mustEval[string](t, desk, `document.getElementById('ag-howto').textContent`); !strings.Contains(got, "/agreement") || !strings.Contains(got, c.QueryCode) {
		t.Errorf("the instructions for the parties: %q", got)
	}
	if n := mustEval[int](t, desk, `document.querySelectorAll('#ag-status li:not(.reported)').length`); n != 2 {
		t.Errorf("%d parties waiting to confirm, want 2", n)
	}
	shootDesk(t, desk, "agreement-waiting")
	var got struct {
		State     string `json:"state"`
		Mediation struct {
			Agreement struct {
				Form       string    `json:"form"`
				Parties    []string  `json:"parties"`
				Facts      string    `json:"facts"`
				Terms      string    `json:"terms"`
				Manner     string    `json:"performance_manner"`
				Deadline   time.Time `json:"performance_deadline"`
				Signatures []struct {
					PartyID    string `json:"party_id"`
					MediatorID string `json:"mediator_id"`
					Manner     string `json:"manner"`
				} `json:"signatures"`
			} `json:"agreement"`
		} `json:"mediation"`
	}
	mediator.do(t, "GET", "/api/v1/cases/"+c.ID, nil, http.StatusOK, &got)
	ag := got.Mediation.Agreement
	if ag.Form != "written" || strings.Join(ag.Parties, ",") != "a,b" || ag.Facts != facts || ag.Manner != "银行转账，村委会见证" ||
		!strings.HasPrefix(ag.Terms, obligations) || !strings.Contains(ag.Terms, "人民币 3500 元") || !strings.Contains(ag.Terms, "前履行完毕") ||
		ag.Deadline.In(petitions.ChinaTime).Format(petitions.DayLayout) != due.Format(petitions.DayLayout) {
		t.Errorf("the agreement drafted: %+v", ag)
	}

	// Each party confirms on his own screen.
	link := m.BaseURL() + "/agreement#case=" + c.CaseNo + "&code=" + c.QueryCode
	for _, party := range []struct {
		id, screen string
		w, h       int64
	}{{"a", "kiosk", 1920, 1080}, {"b", "phone", 390, 844}} {
		p := openPage(t, browser, party.screen, link, party.w, party.h)
		waitFor(t, party.screen+": the agreement drafted on the desk", mediaDeadline, func() (bool, string) {
			s, err := eval[string](p, `window.hr && hr.agreement ? hr.agreement.terms : JSON.stringify(window.hr && hr.errors)`)
			return strings.HasPrefix(s, obligations), s + " " + errString(err)
		})
		staffShots(t, p, "agreement-desk-party-"+party.id)
		staffClick(t, p, `[data-party="`+party.id+`"]`)
		waitFor(t, party.screen+": confirmed", mediaDeadline, func() (bool, string) {
			ok, err := eval[bool](p, `hr.agreement.parties.some((x) => x.id === '`+party.id+`' && x.confirmed)`)
			return ok, errString(err)
		})
		// The desk, polling the case, shows the confirmation.
		waitFor(t, "the desk shows "+party.id+" confirmed", mediaDeadline, func() (bool, string) {
			s, err := eval[string](desk, `document.querySelector('#ag-status li[data-party=`+party.id+`]').className`)
			return s == "reported", fmt.Sprint(s, err)
		})
		p.close()
	}
	waitFor(t, "both confirmed on the desk", mediaDeadline, func() (bool, string) {
		s, err := eval[string](desk, `JSON.stringify(hr.agreement) + ' ' + !!document.getElementById('ag-seal')`)
		return strings.Contains(s, `"all":true`) && strings.HasSuffix(s, " true"), fmt.Sprint(s, err)
	})
	agreementTargets(t, desk)
	shootDesk(t, desk, "agreement-confirmed")

	// The mediator signs and seals: the agreement takes effect.
	staffClick(t, desk, "#ag-seal")
	waitCaseState(t, desk, "agreement_effective")
	waitText(t, desk, "#ag-effective", "生效")
	shootDesk(t, desk, "agreement-effective")
	mediator.do(t, "GET", "/api/v1/cases/"+c.ID, nil, http.StatusOK, &got)
	sigs := got.Mediation.Agreement.Signatures
	if got.State != "agreement_effective" || len(sigs) != 3 || sigs[0].PartyID != "a" || sigs[1].PartyID != "b" ||
		sigs[2].MediatorID != mediatorID || sigs[0].Manner != "electronic" {
		t.Errorf("after the seal: state %s, signatures %+v", got.State, sigs)
	}
	if errs := mustEval[string](t, desk, `JSON.stringify(hr.errors)`); errs != "[]" {
		t.Errorf("the desk showed errors: %s", errs)
	}
	if tabs := mustEval[string](t, desk, `[...document.querySelectorAll('#outcome-actions form')].map((f) => f.dataset.transition).join(',')`); strings.Contains(tabs, "agreement") || strings.Contains(tabs, "sign") {
		t.Errorf("the outcome tab offers agreement steps too: %s", tabs)
	}
	if tab := mustEval[string](t, desk, `document.getElementById('tab-agreement').textContent`); tab != "调解协议" {
		t.Errorf("the tab is labelled %q", tab)
	}

	// The English desk shows the agreement in effect.
	desk.close()
	en := openPage(t, browser, "mediator-en", m.BaseURL()+"/desk?lang=en", 1366, 768)
	waitScreen(t, en, "home")
	evalDesk(t, en, `document.getElementById('open-kind').value = 'mediation'; document.getElementById('open').requestSubmit();`)
	waitScreen(t, en, "hearing")
	evalDesk(t, en, fmt.Sprintf(`document.getElementById('q').value = %q; document.getElementById('search').requestSubmit();`, c.CaseNo))
	waitFor(t, "the case found (en)", 30*time.Second, func() (bool, string) {
		n, err := eval[int](en, fmt.Sprintf(`document.querySelectorAll('#found li[data-case=%q] button').length`, c.ID))
		return n == 1, fmt.Sprint(n, err)
	})
	evalDesk(t, en, fmt.Sprintf(`document.querySelector('#found li[data-case=%q] button').click()`, c.ID))
	waitCase(t, en)
	waitFor(t, "the agreement tab (en)", 30*time.Second, func() (bool, string) {
		ok, err := eval[bool](en, `!document.getElementById('tab-agreement').hidden`)
		return ok, fmt.Sprint(err)
	})
	staffClick(t, en, "#tab-agreement")
	waitText(t, en, "#ag-effective", "took effect")
	if got := mustEval[string](t, en, `document.getElementById('tab-agreement').textContent + ' | ' + document.querySelector('#ag-status li').textContent`); !strings.HasPrefix(got, "Agreement | ✓ 张秀英 confirmed") {
		t.Errorf("the English tab: %q", got)
	}
	shootOne(t, en, "agreement-effective-en")
}

// agreementTargets checks that every control of the desk's agreement tab
// is at least 15 mm each way (a checkbox by its label, which takes the tap).
func agreementTargets(tb testing.TB, p *page) {
	tb.Helper()
	small := mustEval[[]string](tb, p, `[...document.querySelectorAll('#agreement-panel button, #agreement-panel input, #agreement-panel textarea, #agreement-panel select')]
		.map((x) => [x, (x.type === 'checkbox' ? x.closest('label') : x).getBoundingClientRect()])
		.filter(([, r]) => r.width > 0 && (r.width < 56 || r.height < 56))
		.map(([x, r]) => (x.id || x.name) + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))`)
	if len(small) > 0 {
		tb.Errorf("%s: controls of the agreement tab under 15 mm: %v", p.name, small)
	}
}
