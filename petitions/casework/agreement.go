package casework

import (
	"context"
	"strings"
	"time"

	"hearingroom/petitions"
)

// A mediation agreement (调解协议) is confirmed by each party on a screen
// of his own: the village terminal or his phone. A party has no account;
// he shows who he is with the case number and the query code on his
// receipt, as for the public lookup, and confirms for himself, which the
// ledger records as his electronic signature (the lifecycle's sign
// transition, 法释〔2021〕23号 online signing) by actor "party:<id>".

// AgreementView is the agreement as its parties read it before they
// confirm: its terms, who must confirm and who has.
type AgreementView struct {
	CaseNo  string                  `json:"case_no"`
	State   petitions.State         `json:"state"`
	Form    petitions.AgreementForm `json:"form"`
	Facts   string                  `json:"facts"`
	Issues  string                  `json:"issues"`
	Terms   string                  `json:"terms"`
	Manner  string                  `json:"performance_manner"`
	Due     time.Time               `json:"performance_deadline,omitzero"`
	Parties []AgreementParty        `json:"parties"`
	// Open reports whether parties may still confirm (the agreement is
	// reached, written, and not yet in effect).
	Open bool `json:"open"`
}

// AgreementParty is one party of the agreement and whether he confirmed.
type AgreementParty struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Side        petitions.Side `json:"side"`
	Confirmed   bool           `json:"confirmed"`
	ConfirmedAt time.Time      `json:"confirmed_at,omitzero"`
}

// partyCase returns the mediation case with number caseNo whose query code
// is code, or ENOTFOUND (the same answer for a wrong number or code: the
// caller counts misses against guessing).
func (s *Service) partyCase(ctx context.Context, caseNo, code string) (*petitions.Petition, error) {
	p, err := s.store.PetitionByNumber(ctx, strings.TrimSpace(caseNo))
	if petitions.ErrorCode(err) == petitions.ENOTFOUND || err == nil && (!p.QueryCodeMatches(strings.ToUpper(strings.TrimSpace(code))) ||
		p.Kind != petitions.KindMediation || p.Mediation == nil || p.Mediation.Agreement == nil) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "No mediation agreement has that case number and query code.")
	}
	return p, err
}

// PartyAgreement returns the agreement of the case caseNo to a party who
// gives its query code, and logs the read in the case's history.
func (s *Service) PartyAgreement(ctx context.Context, caseNo, code string) (*AgreementView, error) {
	p, err := s.partyCase(ctx, caseNo, code)
	if err != nil {
		return nil, err
	}
	if err := s.appendEvent(ctx, p.ID, "read", petitions.Actor{ID: "party"}, petitions.RolePetitioner,
		map[string]string{"what": "agreement", "via": "party's screen"}); err != nil {
		return nil, err // an unlogged read is no read
	}
	return agreementView(p), nil
}

// PartyConfirm records party's confirmation of the agreement of case
// caseNo, given with its query code: his electronic signature. EINVALID
// for a party not of the agreement; ECONFLICT for one who confirmed
// already, or when the agreement no longer takes signatures.
func (s *Service) PartyConfirm(ctx context.Context, caseNo, code, party string) (*AgreementView, error) {
	p, err := s.partyCase(ctx, caseNo, code)
	if err != nil {
		return nil, err
	}
	lc := s.lcs[p.Kind]
	version := p.Version
	in := petitions.TransitionInput{ActorID: "party:" + party, PartyID: party, SignManner: petitions.SignElectronic}
	done, err := lc.Apply(p, "sign", petitions.RolePetitioner, in, s.now())
	if err != nil {
		return nil, err
	}
	ev, err := s.event(KindTransition, petitions.Actor{ID: "party:" + party}, petitions.RolePetitioner, done)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdatePetition(ctx, p, version, ev); err != nil {
		if petitions.ErrorCode(err) == petitions.ECONFLICT {
			return nil, petitions.Errorf(petitions.ECONFLICT, "The case changed meanwhile: confirm again.")
		}
		return nil, err
	}
	s.refreshFacts(ctx, p)
	return agreementView(p), nil
}

// agreementView is the agreement of p as its parties see it.
func agreementView(p *petitions.Petition) *AgreementView {
	a := p.Mediation.Agreement
	v := &AgreementView{CaseNo: p.CaseNo, State: p.State, Form: a.Form, Facts: a.Facts, Issues: a.Issues, Terms: a.Terms,
		Manner: a.PerformanceManner, Due: a.PerformanceDeadline, Parties: []AgreementParty{},
		Open: p.State == petitions.StateAgreementReached && a.Form == petitions.FormWritten}
	for _, id := range a.Parties {
		pt, _ := p.Party(id)
		ap := AgreementParty{ID: id, Name: pt.Name, Side: pt.Side}
		for _, sg := range a.Signatures {
			if sg.PartyID == id {
				ap.Confirmed, ap.ConfirmedAt = true, sg.At
			}
		}
		v.Parties = append(v.Parties, ap)
	}
	return v
}
