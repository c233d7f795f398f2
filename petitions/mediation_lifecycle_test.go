package petitions

import (
	"slices"
	"testing"
	"time"
)

// lcMediation is a neighbours' dispute brought to the village committee.
func lcMediation() *Petition {
	return &Petition{
		ID: "case-2", CaseNo: "230227-2026-0002", QueryCode: "K2P7QX",
		Kind: KindMediation, Category: "neighbours", Channel: ChannelVisit, Medium: MediumVideo,
		Parties: []Party{
			{ID: "p1", Side: SidePetitioner, Name: "李某"},
			{ID: "r1", Side: SideRespondent, Name: "张某"},
		},
		Headcount: 1, Request: "拆除越界围墙", Facts: "张某砌墙占用李某宅基地约半米",
		RiskLevel: RiskGreen, LeadUnit: "village-17", State: StateApplied, ReceivedAt: lcT0,
	}
}

// lcAgreement is a complete agreement between the two parties.
func lcAgreement(form AgreementForm) *Agreement {
	return &Agreement{
		No: "TJ-2026-007", Form: form, Parties: []string{"p1", "r1"},
		Facts: "围墙越界约半米", Issues: "宅基地边界", Responsibilities: "张某负主要责任",
		Terms: "张某拆除越界部分并赔偿800元", PerformanceManner: "拆除并现金支付",
		PerformanceDeadline: lcDate(4, 30),
	}
}

var lcM1 = TransitionInput{ActorID: "m1"}

// mediationFixtures: picked 2 March, accepted the 3rd, mediated from the
// 4th, agreement on the 5th, in effect Friday 6 March (司法确认 window to
// Sunday 5 April, adjusted Monday 6 April), applied for on the 7th.
func mediationFixtures() map[string][]lcStep {
	f := map[string][]lcStep{"applied": nil}
	f["mediator_pending"] = lcPath(nil, lcStep{"pick", RolePetitioner, TransitionInput{ActorID: "p1", MediatorID: "m1"}, 0})
	f["mediator_pending_declined"] = lcPath(f["mediator_pending"], lcStep{"decline", RoleMediator,
		TransitionInput{ActorID: "m1", Reason: "与当事人有亲属关系"}, time.Hour})
	f["accepted"] = lcPath(f["mediator_pending"], lcStep{"accept", RoleMediator, lcM1, lcDay})
	f["in_mediation"] = lcPath(f["accepted"], lcStep{"start_mediation", RoleMediator, lcM1, 2 * lcDay})
	f["agreement_reached"] = lcPath(f["in_mediation"], lcStep{"reach_agreement", RoleMediator,
		TransitionInput{ActorID: "m1", Agreement: lcAgreement(FormWritten)}, 3 * lcDay})
	f["agreement_reached_oral"] = lcPath(f["in_mediation"], lcStep{"reach_agreement", RoleMediator,
		TransitionInput{ActorID: "m1", Agreement: lcAgreement(FormOral)}, 3 * lcDay})
	f["agreement_signed"] = lcPath(f["agreement_reached"],
		lcStep{"sign", RolePetitioner, TransitionInput{ActorID: "p1", PartyID: "p1", SignManner: SignFingerprint}, 3*lcDay + time.Hour},
		lcStep{"sign", RolePetitioner, TransitionInput{ActorID: "r1", PartyID: "r1", SignManner: SignSignature}, 3*lcDay + 2*time.Hour},
		lcStep{"countersign", RoleMediator, TransitionInput{ActorID: "m1", SignManner: SignSignature}, 3*lcDay + 3*time.Hour})
	f["agreement_effective"] = lcPath(f["agreement_signed"], lcStep{"make_effective", RoleMediator, lcM1, 4 * lcDay})
	f["agreement_effective_oral"] = lcPath(f["agreement_reached_oral"], lcStep{"make_effective", RoleMediator, lcM1, 4 * lcDay})
	f["confirmation_applied"] = lcPath(f["agreement_effective"], lcStep{"apply_confirmation", RolePetitioner,
		TransitionInput{ActorID: "p1", PartyIDs: []string{"r1", "p1"}, Court: "富裕县人民法院"}, 5 * lcDay})
	f["confirmed_valid"] = lcPath(f["confirmation_applied"], lcStep{"confirm", RoleMediator,
		TransitionInput{ActorID: "m1", RulingNo: "(2026)黑0227民特12号"}, 20 * lcDay})
	f["confirmed_invalid"] = lcPath(f["confirmation_applied"], lcStep{"reject_confirmation", RoleMediator,
		TransitionInput{ActorID: "m1", RulingNo: "(2026)黑0227民特13号"}, 20 * lcDay})
	f["performing"] = lcPath(f["confirmed_valid"], lcStep{"monitor", RoleMediator, lcM1, 21 * lcDay})
	f["performed"] = lcPath(f["performing"], lcStep{"fulfil", RoleMediator, lcM1, 40 * lcDay})
	f["breached"] = lcPath(f["performing"], lcStep{"breach", RoleMediator, TransitionInput{ActorID: "m1", Reason: "未付款"}, 60 * lcDay})
	f["failed"] = lcPath(f["in_mediation"], lcStep{"fail", RoleMediator, TransitionInput{ActorID: "m1", Reason: "分歧过大"}, 3 * lcDay})
	f["terminated_by_party"] = lcPath(f["in_mediation"], lcStep{"end_by_party", RolePetitioner,
		TransitionInput{ActorID: "r1", PartyID: "r1"}, 3 * lcDay})
	f["refused"] = lcPath(nil, lcStep{"refuse", RolePetitioner, TransitionInput{ActorID: "r1", PartyID: "r1"}, 0})
	f["closed"] = lcPath(f["performed"], lcStep{"close", RoleMediator, lcM1, 41 * lcDay})
	return f
}

func mediationRows() []lcRow {
	signed := func(c *Petition, sig Signature) {
		c.Mediation.Agreement.Signatures = append(c.Mediation.Agreement.Signatures, sig)
	}
	return []lcRow{
		// pick
		{name: "from the board", tr: "pick", from: "applied", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1", MediatorID: "m1"}, want: StateMediatorPending,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if m := c.Mediation; m == nil || m.Candidate != "m1" || m.SelectionMode != SelectBoard {
					t.Errorf("mediation %+v", m)
				}
			}},
		{name: "assigned after a decline", tr: "pick", from: "mediator_pending_declined", actor: RoleTownship,
			in: TransitionInput{ActorID: "official-3", MediatorID: "m2"}, want: StateMediatorPending,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if m := c.Mediation; m.Candidate != "m2" || m.SelectionMode != SelectAssigned || len(m.Declines) != 1 {
					t.Errorf("mediation %+v", m)
				}
			}},
		{name: "court referral", tr: "pick", from: "applied", actor: RoleDispatcher,
			in: TransitionInput{MediatorID: "m3", SelectionMode: SelectCourt}, want: StateMediatorPending,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.Mediation.SelectionMode != SelectCourt {
					t.Errorf("selection %s", c.Mediation.SelectionMode)
				}
			}},
		{name: "no mediator", tr: "pick", from: "applied", actor: RolePetitioner,
			guard: "mediator_named", code: EINVALID, field: "mediator_id"},
		{name: "bad selection mode", tr: "pick", from: "applied", actor: RolePetitioner,
			in: TransitionInput{MediatorID: "m1", SelectionMode: "lottery"}, guard: "mediator_named", code: EINVALID, field: "selection_mode"},
		{name: "one who declined", tr: "pick", from: "mediator_pending_declined", actor: RolePetitioner,
			in: TransitionInput{MediatorID: "m1"}, guard: "not_declined", code: EINVALID, field: "mediator_id"},

		// decline
		{name: "ok", tr: "decline", from: "mediator_pending", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", Reason: "回避"}, want: StateMediatorPending,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				m := c.Mediation
				if m.Candidate != "" || len(m.Declines) != 1 || m.Declines[0].MediatorID != "m1" || m.Declines[0].Reason != "回避" {
					t.Errorf("mediation %+v", m)
				}
			}},
		{name: "not the picked mediator", tr: "decline", from: "mediator_pending", actor: RoleMediator,
			in: TransitionInput{ActorID: "m2", Reason: "r"}, guard: "is_candidate", code: EFORBIDDEN},
		{name: "nobody picked", tr: "decline", from: "mediator_pending_declined", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", Reason: "r"}, guard: "is_candidate", code: ECONFLICT},
		{name: "no reason", tr: "decline", from: "mediator_pending", actor: RoleMediator, in: lcM1,
			guard: "reason", code: EINVALID, field: "reason"},

		// accept
		{name: "ok", tr: "accept", from: "mediator_pending", actor: RoleMediator, in: lcM1, want: StateAccepted,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				now := lcT0.Add(time.Hour)
				if m := c.Mediation; !slices.Equal(m.MediatorIDs, []string{"m1"}) || m.Candidate != "" || !c.AcceptedAt.Equal(now) {
					t.Errorf("mediation %+v, accepted %v", m, c.AcceptedAt)
				}
				deadlineIs(t, c, StepMediation, now, 30, lcDate(4, 1), lcDate(4, 1))
			}},
		{name: "not the picked mediator", tr: "accept", from: "mediator_pending", actor: RoleMediator,
			in: TransitionInput{ActorID: "m2"}, guard: "is_candidate", code: EFORBIDDEN},
		{name: "with the first session", tr: "accept", from: "mediator_pending", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", ScheduledAt: lcT0.Add(50 * time.Hour)}, want: StateAccepted,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if !c.Mediation.ScheduledAt.Equal(lcT0.Add(50 * time.Hour)) {
					t.Errorf("scheduled %v", c.Mediation.ScheduledAt)
				}
			}},
		{name: "first session in the past", tr: "accept", from: "mediator_pending", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", ScheduledAt: lcT0.Add(-time.Hour)}, guard: "scheduled_ahead",
			code: EINVALID, field: "scheduled_at"},

		// refuse
		{name: "before the pick", tr: "refuse", from: "applied", actor: RolePetitioner,
			in: TransitionInput{ActorID: "r1", PartyID: "r1", Reason: "不愿调解"}, want: StateRefused,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if m := c.Mediation; m.EndedBy != "r1" || m.EndReason == "" {
					t.Errorf("mediation %+v", m)
				}
			}},
		{name: "recorded by the mediator", tr: "refuse", from: "mediator_pending", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", PartyID: "r1"}, want: StateRefused},
		{name: "no such party", tr: "refuse", from: "applied", actor: RoleTownship,
			in: TransitionInput{PartyID: "x"}, guard: "party_named", code: EINVALID, field: "party_id"},

		// start_mediation
		{name: "ok", tr: "start_mediation", from: "accepted", actor: RoleMediator, in: lcM1, want: StateInMediation},
		{name: "another mediator", tr: "start_mediation", from: "accepted", actor: RoleMediator,
			in: TransitionInput{ActorID: "m2"}, guard: "assigned_mediator", code: EFORBIDDEN},

		// reach_agreement
		{name: "ok", tr: "reach_agreement", from: "in_mediation", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", Agreement: func() *Agreement {
				a := lcAgreement(FormWritten)
				a.Signatures = []Signature{{PartyID: "p1", Manner: SignSignature}} // ignored: signing is its own step
				return a
			}()}, want: StateAgreementReached,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				a := c.Mediation.Agreement
				if a == nil || a.Terms == "" || len(a.Signatures) != 0 || !a.ReachedAt.Equal(lcT0.Add(2*lcDay+time.Hour)) {
					t.Errorf("agreement %+v", a)
				}
			}},
		{name: "another mediator", tr: "reach_agreement", from: "in_mediation", actor: RoleMediator,
			in: TransitionInput{ActorID: "m2", Agreement: lcAgreement(FormWritten)}, guard: "assigned_mediator", code: EFORBIDDEN},
		{name: "no agreement", tr: "reach_agreement", from: "in_mediation", actor: RoleMediator, in: lcM1,
			guard: "agreement_valid", code: EINVALID, field: "agreement"},
		{name: "one party", tr: "reach_agreement", from: "in_mediation", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", Agreement: &Agreement{Form: FormWritten, Parties: []string{"p1"},
				Facts: "f", Issues: "i", Terms: "t", PerformanceManner: "m"}},
			guard: "agreement_valid", code: EINVALID, field: "agreement.parties"},
		{name: "no terms", tr: "reach_agreement", from: "in_mediation", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", Agreement: &Agreement{Form: FormOral, Parties: []string{"p1", "r1"},
				Facts: "f", Issues: "i", PerformanceManner: "m"}},
			guard: "agreement_valid", code: EINVALID, field: "agreement.terms"},

		// fail
		{name: "ok", tr: "fail", from: "in_mediation", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", Reason: "分歧过大, 已告知可诉讼"}, want: StateFailed,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.Mediation.EndReason == "" {
					t.Error("no reason kept")
				}
			}},
		{name: "another mediator", tr: "fail", from: "in_mediation", actor: RoleMediator,
			in: TransitionInput{ActorID: "m2", Reason: "r"}, guard: "assigned_mediator", code: EFORBIDDEN},
		{name: "no reason", tr: "fail", from: "in_mediation", actor: RoleMediator, in: lcM1,
			guard: "reason", code: EINVALID, field: "reason"},

		// end_by_party
		{name: "in mediation", tr: "end_by_party", from: "in_mediation", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1", PartyID: "p1"}, want: StateTerminatedByParty,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.Mediation.EndedBy != "p1" {
					t.Errorf("ended by %q", c.Mediation.EndedBy)
				}
			}},
		{name: "before the first session", tr: "end_by_party", from: "accepted", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", PartyID: "r1"}, want: StateTerminatedByParty},
		{name: "no party", tr: "end_by_party", from: "in_mediation", actor: RoleMediator, in: lcM1,
			guard: "party_named", code: EINVALID, field: "party_id"},

		// sign
		{name: "a party", tr: "sign", from: "agreement_reached", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1", PartyID: "p1", SignManner: SignFingerprint}, want: StateAgreementReached,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				s := c.Mediation.Agreement.Signatures
				if len(s) != 1 || s[0].PartyID != "p1" || s[0].Manner != SignFingerprint || s[0].At.IsZero() {
					t.Errorf("signatures %+v", s)
				}
			}},
		{name: "recorded by the mediator", tr: "sign", from: "agreement_reached", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", PartyID: "r1", SignManner: SignSeal}, want: StateAgreementReached},
		{name: "oral agreement", tr: "sign", from: "agreement_reached_oral", actor: RolePetitioner,
			in: TransitionInput{PartyID: "p1", SignManner: SignSignature}, guard: "written_agreement", code: ECONFLICT},
		{name: "not a party", tr: "sign", from: "agreement_reached", actor: RolePetitioner,
			in: TransitionInput{PartyID: "x", SignManner: SignSignature}, guard: "party_signer", code: EINVALID, field: "party_id"},
		{name: "twice", tr: "sign", from: "agreement_reached", actor: RolePetitioner,
			in:  TransitionInput{PartyID: "p1", SignManner: SignSignature},
			mut: func(c *Petition) { signed(c, Signature{PartyID: "p1", Manner: SignSignature}) }, guard: "party_signer", code: ECONFLICT},
		{name: "no manner", tr: "sign", from: "agreement_reached", actor: RolePetitioner,
			in: TransitionInput{PartyID: "p1"}, guard: "sign_manner", code: EINVALID, field: "sign_manner"},

		// countersign
		{name: "ok", tr: "countersign", from: "agreement_reached", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", SignManner: SignElectronic}, want: StateAgreementReached,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if s := c.Mediation.Agreement.Signatures; len(s) != 1 || s[0].MediatorID != "m1" || s[0].PartyID != "" {
					t.Errorf("signatures %+v", s)
				}
			}},
		{name: "oral agreement", tr: "countersign", from: "agreement_reached_oral", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", SignManner: SignSignature}, guard: "written_agreement", code: ECONFLICT},
		{name: "another mediator", tr: "countersign", from: "agreement_reached", actor: RoleMediator,
			in: TransitionInput{ActorID: "m2", SignManner: SignSignature}, guard: "assigned_mediator", code: EFORBIDDEN},
		{name: "twice", tr: "countersign", from: "agreement_reached", actor: RoleMediator,
			in:  TransitionInput{ActorID: "m1", SignManner: SignSignature},
			mut: func(c *Petition) { signed(c, Signature{MediatorID: "m1", Manner: SignSignature}) }, guard: "mediator_signer", code: ECONFLICT},
		{name: "no manner", tr: "countersign", from: "agreement_reached", actor: RoleMediator, in: lcM1,
			guard: "sign_manner", code: EINVALID, field: "sign_manner"},

		// make_effective
		{name: "written, signed", tr: "make_effective", from: "agreement_signed", actor: RoleMediator, in: lcM1,
			want: StateAgreementEffective, check: func(t *testing.T, c *Petition, _ Transitioned) {
				now := lcT0.Add(3*lcDay + 4*time.Hour)
				if a := c.Mediation.Agreement; !a.EffectiveAt.Equal(now) || !a.SealedAt.Equal(now) {
					t.Errorf("agreement %+v", a)
				}
				// Thursday 5 March + 30 = Saturday 4 April
				deadlineIs(t, c, StepConfirmation, now, 30, lcDate(4, 4), lcDate(4, 4))
			}},
		{name: "oral", tr: "make_effective", from: "agreement_reached_oral", actor: RoleMediator, in: lcM1,
			want: StateAgreementEffective, check: func(t *testing.T, c *Petition, done Transitioned) {
				if a := c.Mediation.Agreement; a.EffectiveAt.IsZero() || !a.SealedAt.IsZero() {
					t.Errorf("agreement %+v", a)
				}
				if _, ok := c.Deadlines[StepConfirmation]; ok || len(done.Deadlines) != 0 {
					t.Error("an oral agreement got a 司法确认 window")
				}
			}},
		{name: "another mediator", tr: "make_effective", from: "agreement_signed", actor: RoleMediator,
			in: TransitionInput{ActorID: "m2"}, guard: "assigned_mediator", code: EFORBIDDEN},
		{name: "a party has not signed", tr: "make_effective", from: "agreement_reached", actor: RoleMediator, in: lcM1,
			mut: func(c *Petition) { signed(c, Signature{PartyID: "p1", Manner: SignSignature}) }, guard: "fully_signed", code: ECONFLICT},
		{name: "the mediator has not signed", tr: "make_effective", from: "agreement_reached", actor: RoleMediator, in: lcM1,
			mut: func(c *Petition) {
				signed(c, Signature{PartyID: "p1", Manner: SignSignature})
				signed(c, Signature{PartyID: "r1", Manner: SignSignature})
			}, guard: "fully_signed", code: ECONFLICT},

		// apply_confirmation: in effect Friday 6 March, window to Sunday 5 April, adjusted Monday 6 April
		{name: "ok", tr: "apply_confirmation", from: "agreement_effective", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1", PartyIDs: []string{"p1", "r1"}, Court: "富裕县人民法院"}, want: StateConfirmationApplied,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				j := c.Mediation.Confirmation
				if j == nil || j.Court == "" || !slices.Equal(j.Applicants, []string{"p1", "r1"}) || j.AppliedAt.IsZero() {
					t.Errorf("confirmation %+v", j)
				}
				deadlineIs(t, c, StepConfirmation, lcT0.Add(4*lcDay), 30, lcDate(4, 5), lcDate(4, 6))
			}},
		{name: "on the adjusted last day", tr: "apply_confirmation", from: "agreement_effective", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", PartyIDs: []string{"p1", "r1"}, Court: "c"}, after: 31 * lcDay,
			want: StateConfirmationApplied},
		{name: "oral agreement", tr: "apply_confirmation", from: "agreement_effective_oral", actor: RolePetitioner,
			in: TransitionInput{PartyIDs: []string{"p1", "r1"}, Court: "c"}, guard: "written_agreement", code: ECONFLICT},
		{name: "one party alone", tr: "apply_confirmation", from: "agreement_effective", actor: RoleProxy,
			in: TransitionInput{PartyIDs: []string{"p1"}, Court: "c"}, guard: "joint_application", code: EINVALID, field: "party_ids"},
		{name: "no court", tr: "apply_confirmation", from: "agreement_effective", actor: RolePetitioner,
			in: TransitionInput{PartyIDs: []string{"p1", "r1"}}, guard: "court", code: EINVALID, field: "court"},
		{name: "after 30 days", tr: "apply_confirmation", from: "agreement_effective", actor: RolePetitioner,
			in: TransitionInput{PartyIDs: []string{"p1", "r1"}, Court: "c"}, after: 32 * lcDay,
			guard: "confirmation_window", code: EDEADLINE},

		// confirm, reject_confirmation
		{name: "ok", tr: "confirm", from: "confirmation_applied", actor: RoleDispatcher,
			in: TransitionInput{RulingNo: "(2026)黑0227民特12号"}, want: StateConfirmedValid,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if j := c.Mediation.Confirmation; !j.Valid || j.RulingNo == "" || j.RuledAt.IsZero() {
					t.Errorf("confirmation %+v", j)
				}
			}},
		{name: "no ruling", tr: "confirm", from: "confirmation_applied", actor: RoleMediator, in: lcM1,
			guard: "ruling_no", code: EINVALID, field: "ruling_no"},
		{name: "ok", tr: "reject_confirmation", from: "confirmation_applied", actor: RoleMediator,
			in: TransitionInput{ActorID: "m1", RulingNo: "(2026)黑0227民特13号"}, want: StateConfirmedInvalid,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if j := c.Mediation.Confirmation; j.Valid || j.RulingNo == "" || j.RuledAt.IsZero() {
					t.Errorf("confirmation %+v", j)
				}
			}},
		{name: "no ruling", tr: "reject_confirmation", from: "confirmation_applied", actor: RoleDispatcher,
			guard: "ruling_no", code: EINVALID, field: "ruling_no"},

		// remediate
		{name: "ok", tr: "remediate", from: "confirmed_invalid", actor: RolePetitioner, in: TransitionInput{ActorID: "p1"},
			want: StateApplied, check: func(t *testing.T, c *Petition, _ Transitioned) {
				m := c.Mediation
				if m.Agreement != nil || m.Confirmation != nil || !slices.Equal(m.MediatorIDs, []string{"m1"}) {
					t.Errorf("mediation %+v", m)
				}
				if _, ok := c.Deadlines[StepConfirmation]; ok {
					t.Error("the old 司法确认 window is still there")
				}
			}},

		// monitor, fulfil, breach
		{name: "confirmed", tr: "monitor", from: "confirmed_valid", actor: RoleMediator, in: lcM1, want: StatePerforming,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				d := c.Deadlines[StepPerformance]
				if !d.Nominal.Equal(lcDate(4, 30)) || !d.Adjusted.Equal(lcDate(4, 30)) || c.Mediation.Performance.StartedAt.IsZero() {
					t.Errorf("performance deadline %+v", d)
				}
			}},
		{name: "performed at once", tr: "monitor", from: "agreement_effective_oral", actor: RoleMediator, in: lcM1,
			mut:  func(c *Petition) { c.Mediation.Agreement.PerformanceDeadline = time.Time{} },
			want: StatePerforming, check: func(t *testing.T, c *Petition, _ Transitioned) {
				if _, ok := c.Deadlines[StepPerformance]; ok {
					t.Error("a performance deadline without a date")
				}
			}},
		{name: "ok", tr: "fulfil", from: "performing", actor: RoleMediator, in: lcM1, want: StatePerformed,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.Mediation.Performance.PerformedAt.IsZero() {
					t.Error("no performance date")
				}
			}},
		{name: "ok", tr: "breach", from: "performing", actor: RoleTownship, in: TransitionInput{Reason: "逾期未拆除"},
			want: StateBreached, check: func(t *testing.T, c *Petition, _ Transitioned) {
				if p := c.Mediation.Performance; p.BreachedAt.IsZero() || p.BreachReason == "" {
					t.Errorf("performance %+v", p)
				}
			}},
		{name: "no reason", tr: "breach", from: "performing", actor: RoleMediator, in: lcM1,
			guard: "reason", code: EINVALID, field: "reason"},

		// close
		{name: "performed", tr: "close", from: "performed", actor: RoleMediator, in: lcM1, want: StateClosed,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.ClosedAt.IsZero() {
					t.Error("no closing date")
				}
			}},
		{name: "breached", tr: "close", from: "breached", actor: RoleTownship, want: StateClosed},
		{name: "failed", tr: "close", from: "failed", actor: RoleDispatcher, want: StateClosed},
		{name: "ended by a party", tr: "close", from: "terminated_by_party", actor: RoleMediator, want: StateClosed},
		{name: "invalid, the parties sue", tr: "close", from: "confirmed_invalid", actor: RoleMediator, want: StateClosed},

		// archive
		{name: "closed", tr: "archive", from: "closed", actor: RoleMediator, in: TransitionInput{ActorID: "m1", DossierNo: "TJ-2026-007"},
			want: StateArchived, check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.Archive == nil || c.Archive.DossierNo != "TJ-2026-007" {
					t.Errorf("archive %+v", c.Archive)
				}
			}},
		{name: "refused", tr: "archive", from: "refused", actor: RoleTownship, in: TransitionInput{DossierNo: "d"}, want: StateArchived},
		{name: "no dossier number", tr: "archive", from: "closed", actor: RoleMediator, in: lcM1,
			guard: "dossier_no", code: EINVALID, field: "dossier_no"},
	}
}

func TestMediationLifecycleTransitions(t *testing.T) {
	lcRun(t, MediationLifecycle(fakeDays{}, nil), lcMediation, mediationFixtures(), mediationRows())
}

func TestMediationLifecycleCoverage(t *testing.T) {
	lcCoverage(t, MediationLifecycle(fakeDays{}, nil), mediationRows())
}

func TestMediationLifecycleRolesAndStates(t *testing.T) {
	lcAllStates(t, MediationLifecycle(fakeDays{}, nil), lcMediation)
}

// TestMediationRemediation runs a second round after the court found the
// first agreement invalid: another mediator, a new agreement.
func TestMediationRemediation(t *testing.T) {
	lc := MediationLifecycle(fakeDays{}, nil)
	c, _ := lcBuild(t, lc, lcMediation(), mediationFixtures()["confirmed_invalid"])
	at := lcT0.Add(25 * lcDay)
	for _, s := range []lcStep{
		{"remediate", RoleTownship, TransitionInput{}, 25 * lcDay},
		{"pick", RolePetitioner, TransitionInput{ActorID: "p1", MediatorID: "m2"}, 25 * lcDay},
		{"accept", RoleMediator, TransitionInput{ActorID: "m2"}, 26 * lcDay},
		{"start_mediation", RoleMediator, TransitionInput{ActorID: "m2"}, 26 * lcDay},
		{"reach_agreement", RoleMediator, TransitionInput{ActorID: "m2", Agreement: lcAgreement(FormOral)}, 27 * lcDay},
		{"make_effective", RoleMediator, TransitionInput{ActorID: "m2"}, 27 * lcDay},
		{"monitor", RoleMediator, TransitionInput{ActorID: "m2"}, 27 * lcDay},
	} {
		if _, err := lc.Apply(c, s.tr, s.actor, s.in, lcT0.Add(s.at)); err != nil {
			t.Fatalf("%s: %v", s.tr, err)
		}
	}
	if !slices.Equal(c.Mediation.MediatorIDs, []string{"m1", "m2"}) || c.State != StatePerforming {
		t.Errorf("mediators %v, state %s", c.Mediation.MediatorIDs, c.State)
	}
	// Both mediators stay on record; the new agreement's deadline runs.
	if d, ok := lc.Due(c); !ok || !d.Adjusted.Equal(lcDate(4, 30)) || lc.Overdue(c, at) || !lc.Overdue(c, lcDate(5, 1)) {
		t.Errorf("performance due %+v", d)
	}
}

func TestMediationOverdue(t *testing.T) {
	lc := MediationLifecycle(fakeDays{}, nil)
	c, _ := lcBuild(t, lc, lcMediation(), mediationFixtures()["in_mediation"])
	// accepted Tuesday 3 March + 30 = Thursday 2 April
	if lc.Overdue(c, time.Date(2026, 4, 2, 23, 0, 0, 0, time.UTC)) || !lc.Overdue(c, lcDate(4, 3)) {
		t.Error("mediation SLA")
	}
	c, _ = lcBuild(t, lc, lcMediation(), mediationFixtures()["agreement_effective"])
	if _, ok := lc.Due(c); ok {
		t.Error("the parties' 司法确认 window makes the case overdue")
	}
}
