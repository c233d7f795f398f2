package petitions

import (
	"slices"
	"time"
)

// States of a mediation (domain.md §3 B); closed and archived are shared
// with petitions, and so is accepted (here: a mediator took the case).
// Initial: applied. Inactive: refused, closed, archived.
const (
	StateApplied             State = "applied"              // 申请, initiative, court 委派 or diversion
	StateRefused             State = "refused"              // a party refused mediation (Art. 17)
	StateMediatorPending     State = "mediator_pending"     // picked from the board (点单), awaiting the mediator
	StateInMediation         State = "in_mediation"         // joint sessions and caucuses
	StateAgreementReached    State = "agreement_reached"    // recorded, awaiting signatures
	StateAgreementEffective  State = "agreement_effective"  // signed and sealed, or oral (Art. 30)
	StateConfirmationApplied State = "confirmation_applied" // 司法确认 applied for (Art. 33)
	StateConfirmedValid      State = "confirmed_valid"
	StateConfirmedInvalid    State = "confirmed_invalid"
	StatePerforming          State = "performing" // the committee monitors performance (Art. 31)
	StatePerformed           State = "performed"
	StateBreached            State = "breached"
	StateFailed              State = "failed"              // no agreement; routes told (Art. 26)
	StateTerminatedByParty   State = "terminated_by_party" // a party demanded the end (Art. 23)
)

// MediationLifecycle returns the lifecycle of a people's mediation under the
// 人民调解法, counting deadlines with days over periods (DefaultPeriods when
// nil).
//
//	pick                 applied, mediator_pending → mediator_pending; a mediator who has not declined (点单, Art. 19)
//	decline              mediator_pending → mediator_pending; the picked mediator, with a reason; parties pick again
//	accept               mediator_pending → accepted; the picked mediator; mediation due 30 d (practice)
//	refuse               applied, mediator_pending → refused; the refusing party (Art. 17)
//	start_mediation      accepted → in_mediation; an assigned mediator
//	reach_agreement      in_mediation → agreement_reached; an assigned mediator, a complete agreement (Art. 29)
//	fail                 in_mediation → failed; an assigned mediator, a reason (Art. 26)
//	end_by_party         accepted, in_mediation → terminated_by_party; the party who ends it (Art. 23)
//	sign                 agreement_reached → agreement_reached; written agreement, a party of it, once
//	countersign          agreement_reached → agreement_reached; written agreement, an assigned mediator, once
//	make_effective       agreement_reached → agreement_effective; fully signed (or oral); confirmation due 30 d
//	apply_confirmation   agreement_effective → confirmation_applied; written, joint, a court, within 30 d (Art. 33)
//	confirm              confirmation_applied → confirmed_valid; ruling number
//	reject_confirmation  confirmation_applied → confirmed_invalid; ruling number
//	remediate            confirmed_invalid → applied; the agreement is set aside, mediate again
//	monitor              agreement_effective, confirmed_valid → performing; due = the agreement's deadline
//	fulfil               performing → performed
//	breach               performing → breached; a reason
//	close                performed, breached, failed, terminated_by_party, confirmed_invalid → closed
//	archive              refused, closed → archived; dossier number (Art. 27)
func MediationLifecycle(days DayCounter, periods map[Step]Period) *Lifecycle {
	if periods == nil {
		periods = DefaultPeriods()
	}
	var (
		mediator = []Role{RoleMediator}
		staff    = []Role{RoleMediator, RoleTownship, RoleDispatcher}
	)
	return &Lifecycle{
		Name:    "mediation",
		Kind:    KindMediation,
		Initial: StateApplied,
		States: []State{StateApplied, StateRefused, StateMediatorPending, StateAccepted, StateInMediation,
			StateAgreementReached, StateAgreementEffective, StateConfirmationApplied, StateConfirmedValid,
			StateConfirmedInvalid, StatePerforming, StatePerformed, StateBreached, StateFailed,
			StateTerminatedByParty, StateClosed, StateArchived},
		Inactive: mediationInactive(),
		Timers:   mediationTimers(),
		Periods:  periods,
		Days:     days,
		Transitions: []Transition{
			{Name: "pick", From: []State{StateApplied, StateMediatorPending}, To: StateMediatorPending,
				Roles:  []Role{RolePetitioner, RoleProxy, RoleTownship, RoleDispatcher},
				Guards: []Guard{guardMediatorNamed, guardNotDeclined}, Effect: effectPick,
				Doc: "A party picks a mediator from the board (点单), or the committee assigns one (人民调解法 第19条)."},
			{Name: "decline", From: []State{StateMediatorPending}, To: StateMediatorPending, Roles: mediator,
				Guards: []Guard{guardIsCandidate, guardReason}, Effect: effectDecline,
				Doc: "The picked mediator declines; the parties pick again."},
			{Name: "accept", From: []State{StateMediatorPending}, To: StateAccepted, Roles: mediator,
				Guards: []Guard{guardIsCandidate, guardScheduledAhead}, Effect: effectMediatorAccept,
				Doc: "The picked mediator takes the case (接单), and may say when the first session is held."},
			{Name: "refuse", From: []State{StateApplied, StateMediatorPending}, To: StateRefused,
				Roles:  []Role{RolePetitioner, RoleMediator, RoleTownship},
				Guards: []Guard{guardPartyNamed}, Effect: effectEndedBy,
				Doc: "A party refuses mediation, which then does not take place (人民调解法 第17条)."},
			{Name: "start_mediation", From: []State{StateAccepted}, To: StateInMediation, Roles: mediator,
				Guards: []Guard{guardAssignedMediator},
				Doc:    "The first session opens."},
			{Name: "reach_agreement", From: []State{StateInMediation}, To: StateAgreementReached, Roles: mediator,
				Guards: []Guard{guardAssignedMediator, guardAgreementValid}, Effect: effectReachAgreement,
				Doc: "Record the agreement (人民调解法 第28、29条)."},
			{Name: "fail", From: []State{StateInMediation}, To: StateFailed, Roles: mediator,
				Guards: []Guard{guardAssignedMediator, guardReason}, Effect: effectEndedBy,
				Doc: "Mediation fails; the parties are told the other routes (人民调解法 第26条)."},
			{Name: "end_by_party", From: []State{StateAccepted, StateInMediation}, To: StateTerminatedByParty,
				Roles:  []Role{RolePetitioner, RoleMediator},
				Guards: []Guard{guardPartyNamed}, Effect: effectEndedBy,
				Doc: "A party demands the end of mediation (人民调解法 第23条)."},
			{Name: "sign", From: []State{StateAgreementReached}, To: StateAgreementReached,
				Roles:  []Role{RolePetitioner, RoleMediator},
				Guards: []Guard{guardWrittenAgreement, guardPartySigner, guardSignManner}, Effect: effectSign,
				Doc: "A party signs, seals or fingerprints the written agreement (人民调解法 第29条)."},
			{Name: "countersign", From: []State{StateAgreementReached}, To: StateAgreementReached, Roles: mediator,
				Guards: []Guard{guardWrittenAgreement, guardAssignedMediator, guardMediatorSigner, guardSignManner},
				Effect: effectCountersign,
				Doc:    "The mediator signs the written agreement (人民调解法 第29条)."},
			{Name: "make_effective", From: []State{StateAgreementReached}, To: StateAgreementEffective, Roles: mediator,
				Guards: []Guard{guardAssignedMediator, guardFullySigned}, Effect: effectMakeEffective,
				Doc: "The committee seals; the agreement binds (人民调解法 第30、31条)."},
			{Name: "apply_confirmation", From: []State{StateAgreementEffective}, To: StateConfirmationApplied,
				Roles:  []Role{RolePetitioner, RoleProxy, RoleMediator},
				Guards: []Guard{guardWrittenAgreement, guardJointApplication, guardCourt, guardConfirmationWindow},
				Effect: effectApplyConfirmation,
				Doc:    "The parties jointly apply for 司法确认 within 30 days (人民调解法 第33条)."},
			{Name: "confirm", From: []State{StateConfirmationApplied}, To: StateConfirmedValid,
				Roles: []Role{RoleMediator, RoleDispatcher}, Guards: []Guard{guardRulingNo}, Effect: effectRuling(true),
				Doc: "The court confirms the agreement; it is enforceable (人民调解法 第33条)."},
			{Name: "reject_confirmation", From: []State{StateConfirmationApplied}, To: StateConfirmedInvalid,
				Roles: []Role{RoleMediator, RoleDispatcher}, Guards: []Guard{guardRulingNo}, Effect: effectRuling(false),
				Doc: "The court rules the agreement invalid; mediate again or sue (人民调解法 第33条)."},
			{Name: "remediate", From: []State{StateConfirmedInvalid}, To: StateApplied,
				Roles: []Role{RolePetitioner, RoleMediator, RoleTownship}, Effect: effectRemediate,
				Doc: "Mediate again after an invalid ruling; the old agreement stays in the history."},
			{Name: "monitor", From: []State{StateAgreementEffective, StateConfirmedValid}, To: StatePerforming, Roles: mediator,
				Effect: effectMonitor,
				Doc:    "The committee watches performance (人民调解法 第31条)."},
			{Name: "fulfil", From: []State{StatePerforming}, To: StatePerformed, Roles: mediator, Effect: effectFulfil,
				Doc: "The agreement is carried out."},
			{Name: "breach", From: []State{StatePerforming}, To: StateBreached, Roles: []Role{RoleMediator, RoleTownship},
				Guards: []Guard{guardReason}, Effect: effectBreach,
				Doc: "A party does not perform; enforcement or a lawsuit follows (人民调解法 第32、33条)."},
			{Name: "close", From: []State{StatePerformed, StateBreached, StateFailed, StateTerminatedByParty, StateConfirmedInvalid},
				To: StateClosed, Roles: staff, Effect: effectMediationClose,
				Doc: "销号: the case leaves the active ledger; follow-ups and ratings may follow."},
			{Name: "archive", From: []State{StateRefused, StateClosed}, To: StateArchived, Roles: staff,
				Guards: []Guard{guardDossierNo}, Effect: effectArchive,
				Doc: "File the dossier (人民调解法 第27条)."},
		},
	}
}

// mediation returns p's mediation details, creating them if absent.
func mediation(p *Petition) *Mediation {
	if p.Mediation == nil {
		p.Mediation = &Mediation{}
	}
	return p.Mediation
}

// agreement returns p's agreement, or nil.
func agreement(p *Petition) *Agreement {
	if p.Mediation == nil {
		return nil
	}
	return p.Mediation.Agreement
}

// written returns p's agreement if it is a written one, or ECONFLICT.
func written(p *Petition) (*Agreement, error) {
	a := agreement(p)
	if a == nil || a.Form != FormWritten {
		return nil, Errorf(ECONFLICT, "Only a written agreement is signed or judicially confirmed.")
	}
	return a, nil
}

// Mediation guards.
var (
	guardReason = Guard{"reason", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.Reason == "" {
			return invalid("reason", "A reason is required.")
		}
		return nil
	}}
	guardMediatorNamed = Guard{"mediator_named", func(_ *Petition, in TransitionInput, _ time.Time) error {
		pr := problems{}
		if in.MediatorID == "" {
			pr.add("mediator_id", "Pick a mediator.")
		}
		switch in.SelectionMode {
		case "", SelectBoard, SelectAssigned, SelectCourt:
		default:
			pr.add("selection_mode", "Must be board, assigned or court.")
		}
		return pr.err("The pick")
	}}
	guardScheduledAhead = Guard{"scheduled_ahead", func(_ *Petition, in TransitionInput, now time.Time) error {
		if !in.ScheduledAt.IsZero() && in.ScheduledAt.Before(now) {
			return invalid("scheduled_at", "The first session cannot be scheduled in the past.")
		}
		return nil
	}}
	guardNotDeclined = Guard{"not_declined", func(p *Petition, in TransitionInput, _ time.Time) error {
		if p.Mediation != nil && slices.ContainsFunc(p.Mediation.Declines, func(d Decline) bool { return d.MediatorID == in.MediatorID }) {
			return invalid("mediator_id", "Mediator %s has declined this case; pick another.", in.MediatorID)
		}
		return nil
	}}
	guardIsCandidate = Guard{"is_candidate", func(p *Petition, in TransitionInput, _ time.Time) error {
		if p.Mediation == nil || p.Mediation.Candidate == "" {
			return Errorf(ECONFLICT, "No mediator has been picked.")
		}
		if in.ActorID != p.Mediation.Candidate {
			return Errorf(EFORBIDDEN, "Only the picked mediator may answer the pick.")
		}
		return nil
	}}
	guardAssignedMediator = Guard{"assigned_mediator", func(p *Petition, in TransitionInput, _ time.Time) error {
		if p.Mediation == nil || in.ActorID == "" || !slices.Contains(p.Mediation.MediatorIDs, in.ActorID) {
			return Errorf(EFORBIDDEN, "Only a mediator of this case may do that.")
		}
		return nil
	}}
	guardPartyNamed = Guard{"party_named", func(p *Petition, in TransitionInput, _ time.Time) error {
		if _, ok := p.Party(in.PartyID); !ok {
			return invalid("party_id", "Name the party of this case who refuses or ends mediation.")
		}
		return nil
	}}
	guardAgreementValid = Guard{"agreement_valid", func(p *Petition, in TransitionInput, _ time.Time) error {
		if in.Agreement == nil {
			return invalid("agreement", "The agreement is required.")
		}
		pr := problems{}
		in.Agreement.validate(p, pr, "agreement")
		return pr.err("The agreement")
	}}
	guardWrittenAgreement = Guard{"written_agreement", func(p *Petition, _ TransitionInput, _ time.Time) error {
		_, err := written(p)
		return err
	}}
	guardPartySigner = Guard{"party_signer", func(p *Petition, in TransitionInput, _ time.Time) error {
		a, err := written(p)
		if err != nil {
			return err
		}
		if !slices.Contains(a.Parties, in.PartyID) {
			return invalid("party_id", "Name a party of the agreement.")
		}
		if a.signedBy(in.PartyID) {
			return Errorf(ECONFLICT, "Party %s has already signed.", in.PartyID)
		}
		return nil
	}}
	guardMediatorSigner = Guard{"mediator_signer", func(p *Petition, in TransitionInput, _ time.Time) error {
		a, err := written(p)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(a.Signatures, func(s Signature) bool { return s.MediatorID == in.ActorID }) {
			return Errorf(ECONFLICT, "Mediator %s has already signed.", in.ActorID)
		}
		return nil
	}}
	guardSignManner = Guard{"sign_manner", func(_ *Petition, in TransitionInput, _ time.Time) error {
		switch in.SignManner {
		case SignSignature, SignSeal, SignFingerprint, SignElectronic:
			return nil
		}
		return invalid("sign_manner", "Must be signature, seal, fingerprint or electronic.")
	}}
	guardFullySigned = Guard{"fully_signed", func(p *Petition, _ TransitionInput, _ time.Time) error {
		a := agreement(p)
		if a == nil {
			return Errorf(EINTERNAL, "Case %s has reached an agreement but holds none.", p.ID)
		}
		if a.Form == FormOral {
			return nil
		}
		for _, id := range a.Parties {
			if !a.signedBy(id) {
				return Errorf(ECONFLICT, "Party %s has not signed the agreement.", id)
			}
		}
		if !a.mediatorSigned() {
			return Errorf(ECONFLICT, "The mediator has not signed the agreement.")
		}
		return nil
	}}
	guardJointApplication = Guard{"joint_application", func(p *Petition, in TransitionInput, _ time.Time) error {
		a, err := written(p)
		if err != nil {
			return err
		}
		for _, id := range a.Parties {
			if !slices.Contains(in.PartyIDs, id) {
				return invalid("party_ids", "司法确认 is applied for jointly: party %s is missing.", id)
			}
		}
		return nil
	}}
	guardCourt = Guard{"court", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.Court == "" {
			return invalid("court", "Name the court.")
		}
		return nil
	}}
	guardConfirmationWindow = Guard{"confirmation_window", func(p *Petition, _ TransitionInput, now time.Time) error {
		return windowOpen(p, StepConfirmation, now, "司法确认")
	}}
	guardRulingNo = Guard{"ruling_no", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.RulingNo == "" {
			return invalid("ruling_no", "The court's ruling number is required.")
		}
		return nil
	}}
)

// Mediation effects.

func effectPick(p *Petition, in TransitionInput, env Env) error {
	m := mediation(p)
	m.Candidate, m.SelectionMode = in.MediatorID, in.SelectionMode
	if m.SelectionMode == "" {
		m.SelectionMode = SelectAssigned
		if env.Actor == RolePetitioner || env.Actor == RoleProxy {
			m.SelectionMode = SelectBoard
		}
	}
	return nil
}

func effectDecline(p *Petition, in TransitionInput, env Env) error {
	m := mediation(p)
	m.Declines = append(m.Declines, Decline{MediatorID: m.Candidate, Reason: in.Reason, At: env.Now})
	m.Candidate = ""
	return nil
}

func effectMediatorAccept(p *Petition, in TransitionInput, env Env) error {
	m := mediation(p)
	m.MediatorIDs = appendOnce(m.MediatorIDs, m.Candidate)
	m.Candidate = ""
	m.ScheduledAt = in.ScheduledAt
	p.AcceptedAt = env.Now
	return setDeadline(p, env, StepMediation, env.Now, 0)
}

func effectEndedBy(p *Petition, in TransitionInput, _ Env) error {
	m := mediation(p)
	m.EndedBy, m.EndReason = in.PartyID, in.Reason
	return nil
}

func effectReachAgreement(p *Petition, in TransitionInput, env Env) error {
	a := *in.Agreement
	a.Parties = slices.Clone(a.Parties)
	a.Signatures, a.SealedAt, a.EffectiveAt = nil, time.Time{}, time.Time{}
	a.ReachedAt = env.Now
	mediation(p).Agreement = &a
	return nil
}

func effectSign(p *Petition, in TransitionInput, env Env) error {
	a := p.Mediation.Agreement
	a.Signatures = append(a.Signatures, Signature{PartyID: in.PartyID, Manner: in.SignManner, At: env.Now})
	return nil
}

func effectCountersign(p *Petition, in TransitionInput, env Env) error {
	a := p.Mediation.Agreement
	a.Signatures = append(a.Signatures, Signature{MediatorID: in.ActorID, Manner: in.SignManner, At: env.Now})
	return nil
}

func effectMakeEffective(p *Petition, _ TransitionInput, env Env) error {
	a := p.Mediation.Agreement
	a.EffectiveAt = env.Now
	if a.Form != FormWritten {
		return nil
	}
	a.SealedAt = env.Now
	return setDeadline(p, env, StepConfirmation, env.Now, 0)
}

func effectApplyConfirmation(p *Petition, in TransitionInput, env Env) error {
	mediation(p).Confirmation = &JudicialConfirmation{Applicants: slices.Clone(in.PartyIDs), Court: in.Court, AppliedAt: env.Now}
	return nil
}

// effectRuling records the court's ruling on a confirmation.
func effectRuling(valid bool) func(*Petition, TransitionInput, Env) error {
	return func(p *Petition, in TransitionInput, env Env) error {
		c := mediation(p).Confirmation
		if c == nil {
			return Errorf(EINTERNAL, "Case %s awaits a ruling without an application.", p.ID)
		}
		c.RuledAt, c.Valid, c.RulingNo = env.Now, valid, in.RulingNo
		return nil
	}
}

func effectRemediate(p *Petition, _ TransitionInput, _ Env) error {
	m := mediation(p)
	m.Agreement, m.Confirmation, m.Candidate, m.Performance = nil, nil, "", Performance{}
	delete(p.Deadlines, StepMediation)
	delete(p.Deadlines, StepConfirmation)
	return nil
}

func effectMonitor(p *Petition, _ TransitionInput, env Env) error {
	m := mediation(p)
	m.Performance.StartedAt = env.Now
	if a := m.Agreement; a != nil && !a.PerformanceDeadline.IsZero() {
		if p.Deadlines == nil {
			p.Deadlines = map[Step]Deadline{}
		}
		p.Deadlines[StepPerformance] = Deadline{Step: StepPerformance, Start: env.Now,
			Nominal: a.PerformanceDeadline, Adjusted: a.PerformanceDeadline, Citation: "调解协议: 履行期限"}
	}
	return nil
}

func effectFulfil(p *Petition, _ TransitionInput, env Env) error {
	mediation(p).Performance.PerformedAt = env.Now
	return nil
}

func effectBreach(p *Petition, in TransitionInput, env Env) error {
	perf := &mediation(p).Performance
	perf.BreachedAt, perf.BreachReason = env.Now, in.Reason
	return nil
}

func effectMediationClose(p *Petition, _ TransitionInput, env Env) error {
	p.ClosedAt = env.Now
	return nil
}

// appendOnce appends v to s unless s holds it already.
func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// mediationInactive returns the states of a mediation in which no work
// remains.
func mediationInactive() []State { return []State{StateRefused, StateClosed, StateArchived} }

// mediationTimers returns the step whose deadline runs in each state of a
// mediation.
func mediationTimers() map[State]Step {
	return map[State]Step{StateAccepted: StepMediation, StateInMediation: StepMediation, StatePerforming: StepPerformance}
}
