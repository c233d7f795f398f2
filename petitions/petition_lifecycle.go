package petitions

import "time"

// States of a petition (domain.md §3 A). Initial: draft. Inactive:
// not_accepted, diverted, terminated, closed, withdrawn, archived.
const (
	StateDraft            State = "draft"
	StateRegistered       State = "registered"        // 已登记
	StateTransferred      State = "transferred"       // 转送/交办, awaiting the receiver
	StateNotAccepted      State = "not_accepted"      // 不予受理
	StateDiverted         State = "diverted"          // 导入法定程序
	StateAccepted         State = "accepted"          // 受理
	StateInProgress       State = "in_progress"       // 办理中
	StateReplied          State = "replied"           // 处理意见书 served
	StateReviewRequested  State = "review_requested"  // 复查
	StateReviewAnswered   State = "review_answered"   // 复查意见 served
	StateRecheckRequested State = "recheck_requested" // 复核
	StateTerminated       State = "terminated"        // 终结: never re-accepted
	StateClosed           State = "closed"            // 办结
	StateWithdrawn        State = "withdrawn"         // 撤回
	StateArchived         State = "archived"          // 归档
)

// PetitionLifecycle returns the lifecycle of a petition under the 信访条例,
// counting deadlines with days over periods (DefaultPeriods when nil).
//
//	register         draft → registered; content complete (D10); acceptance due = received + 15 d
//	withdraw         draft…in_progress → withdrawn; signed withdrawal (only before the reply)
//	accept           registered, transferred → accepted; handling due = accepted + 60 d
//	not_accept       registered, transferred → not_accepted; reason code
//	transfer         registered → transferred; receiving unit and 转送/交办; receiver's 15 d, objection 5 working days
//	object           transferred → registered; reason, within the objection window
//	divert           registered, transferred, in_progress → diverted; statutory route
//	start            accepted → in_progress; lead unit and 包案 owner
//	extend           in_progress → in_progress; once, ≤30 d, unit head (leader), reason, before the due date
//	reply            in_progress → replied; outcome 支持/解释说明/不支持; 复查 window 30 d
//	request_review   replied, closed → review_requested; identified, first, within 30 d; answer due 30 d
//	answer_review    review_requested → review_answered; outcome; 复核 window 30 d
//	request_recheck  review_answered, closed → recheck_requested; identified, after a 复查, within 30 d
//	hold_hearing     recheck_requested → recheck_requested; 听证 days, added to the answer's due date
//	answer_recheck   recheck_requested → terminated; outcome
//	close            replied, review_answered → closed; window lapsed, or settled (息诉)
//	archive          not_accepted, diverted, terminated, closed, withdrawn → archived; dossier number, windows lapsed
func PetitionLifecycle(days DayCounter, periods map[Step]Period) *Lifecycle {
	if periods == nil {
		periods = DefaultPeriods()
	}
	var (
		handlers   = []Role{RoleTownship, RoleDepartment}
		deciders   = []Role{RoleTownship, RoleDepartment, RoleDispatcher}
		requesters = []Role{RolePetitioner, RoleProxy, RoleDispatcher, RoleDepartment}
		reviewers  = []Role{RoleDispatcher, RoleDepartment}
	)
	return &Lifecycle{
		Name:    "petition",
		Kind:    KindPetition,
		Initial: StateDraft,
		States: []State{StateDraft, StateRegistered, StateTransferred, StateNotAccepted, StateDiverted,
			StateAccepted, StateInProgress, StateReplied, StateReviewRequested, StateReviewAnswered,
			StateRecheckRequested, StateTerminated, StateClosed, StateWithdrawn, StateArchived},
		Inactive: petitionInactive(),
		Timers:   petitionTimers(),
		Periods:  periods,
		Days:     days,
		Transitions: []Transition{
			{Name: "register", From: []State{StateDraft}, To: StateRegistered, Roles: deciders,
				Guards: []Guard{guardContent}, Effect: effectRegister,
				Doc: "Register a checked petition (信访条例 第17、21条)."},
			{Name: "withdraw", From: []State{StateDraft, StateRegistered, StateTransferred, StateAccepted, StateInProgress},
				To: StateWithdrawn, Roles: []Role{RolePetitioner, RoleProxy, RoleTownship, RoleDepartment, RoleDispatcher},
				Guards: []Guard{guardWithdrawalSigned},
				Doc:    "The petitioner withdraws, in writing, before the reply."},
			{Name: "accept", From: []State{StateRegistered, StateTransferred}, To: StateAccepted, Roles: handlers,
				Guards: []Guard{guardManner}, Effect: effectAccept,
				Doc: "Accept and serve the 受理告知书 (信访条例 第22条); handling runs 60 days (第33条)."},
			{Name: "not_accept", From: []State{StateRegistered, StateTransferred}, To: StateNotAccepted, Roles: deciders,
				Guards: []Guard{guardReasonCode, guardManner}, Effect: effectNotAccept,
				Doc: "Decline with a reason code and tell the petitioner (信访条例 第21、22条)."},
			{Name: "transfer", From: []State{StateRegistered}, To: StateTransferred, Roles: []Role{RoleDispatcher, RoleTownship},
				Guards: []Guard{guardReceivingUnit}, Effect: effectTransfer,
				Doc: "转送 or 交办 to the competent unit, which decides within 15 days (信访条例 第21条)."},
			{Name: "object", From: []State{StateTransferred}, To: StateRegistered, Roles: handlers,
				Guards: []Guard{guardObjectionReason, guardObjectionWindow}, Effect: effectObject,
				Doc: "The receiver is not competent and sends the case back (信访工作条例 2022 第23条)."},
			{Name: "divert", From: []State{StateRegistered, StateTransferred, StateInProgress}, To: StateDiverted, Roles: deciders,
				Guards: []Guard{guardRoute}, Effect: effectDivert,
				Doc: "Direct the matter into its statutory procedure (诉讼, 复议, 仲裁 …)."},
			{Name: "start", From: []State{StateAccepted}, To: StateInProgress, Roles: handlers,
				Guards: []Guard{guardLeadAndOwner}, Effect: effectStart,
				Doc: "Handling starts with a lead unit and a 包案 leader."},
			{Name: "extend", From: []State{StateInProgress}, To: StateInProgress, Roles: []Role{RoleLeader},
				Guards: []Guard{guardNotExtended, guardExtensionDays(periods[StepHandlingExtended].Days),
					guardExtensionReason, guardApprover, guardBeforeHandlingDue, guardManner},
				Effect: effectExtend,
				Doc:    "The unit head extends handling once, by at most 30 days, telling the reason (信访条例 第33条)."},
			{Name: "reply", From: []State{StateInProgress}, To: StateReplied, Roles: handlers,
				Guards: []Guard{guardOutcome, guardManner}, Effect: effectReply,
				Doc: "Serve the 处理意见书: 支持, 解释说明 or 不支持 (信访条例 第32条)."},
			{Name: "request_review", From: []State{StateReplied, StateClosed}, To: StateReviewRequested, Roles: requesters,
				Guards: []Guard{guardIdentified, guardFirstReview, guardReviewWindow}, Effect: effectRequestReview,
				Doc: "Ask the next-higher organ for 复查 within 30 days of the reply (信访条例 第34条)."},
			{Name: "answer_review", From: []State{StateReviewRequested}, To: StateReviewAnswered, Roles: reviewers,
				Guards: []Guard{guardOutcome, guardManner}, Effect: effectAnswerReview,
				Doc: "Serve the 复查意见 (信访条例 第34条)."},
			{Name: "request_recheck", From: []State{StateReviewAnswered, StateClosed}, To: StateRecheckRequested, Roles: requesters,
				Guards: []Guard{guardIdentified, guardReviewAnswered, guardRecheckWindow}, Effect: effectRequestRecheck,
				Doc: "Ask the organ above for 复核 within 30 days of the 复查意见 (信访条例 第35条)."},
			{Name: "hold_hearing", From: []State{StateRecheckRequested}, To: StateRecheckRequested, Roles: reviewers,
				Guards: []Guard{guardHearingDays}, Effect: effectHoldHearing,
				Doc: "Record a 听证; its days are not counted in the 复核's 30 days (信访条例 第35条)."},
			{Name: "answer_recheck", From: []State{StateRecheckRequested}, To: StateTerminated, Roles: reviewers,
				Guards: []Guard{guardOutcome, guardManner}, Effect: effectAnswerRecheck,
				Doc: "Serve the 复核意见; the same facts and reasons are never accepted again (信访条例 第35条)."},
			{Name: "close", From: []State{StateReplied, StateReviewAnswered}, To: StateClosed,
				Roles:  []Role{RoleTownship, RoleDepartment, RoleDispatcher, RoleLeader},
				Guards: []Guard{guardWindowLapsedOrSettled}, Effect: effectClose,
				Doc: "办结: the review window lapsed, or the petitioner accepted the outcome (息诉)."},
			{Name: "archive", From: []State{StateNotAccepted, StateDiverted, StateTerminated, StateClosed, StateWithdrawn},
				To: StateArchived, Roles: deciders,
				Guards: []Guard{guardDossierNo, guardWindowLapsed}, Effect: effectArchive,
				Doc: "File the complete dossier (一案一档); corrections are new events."},
		},
	}
}

// invalid returns an EINVALID *Error about one input field.
func invalid(field, format string, args ...any) *Error {
	e := Errorf(EINVALID, format, args...)
	e.Fields = map[string]string{field: e.Message}
	return e
}

// dateOf formats the day of t for messages.
func dateOf(t time.Time) string { return t.Format("2006-01-02") }

// Petition guards.
var (
	guardContent = Guard{"content_complete", func(p *Petition, _ TransitionInput, _ time.Time) error {
		return p.Validate()
	}}
	guardWithdrawalSigned = Guard{"withdrawal_signed", func(p *Petition, in TransitionInput, _ time.Time) error {
		if p.State != StateDraft && in.Document == "" {
			return invalid("document", "A withdrawal needs the petitioner's signed withdrawal.")
		}
		return nil
	}}
	guardManner = Guard{"notice_manner", func(_ *Petition, in TransitionInput, _ time.Time) error {
		switch in.Manner {
		case "", MannerFollowUp, MannerInPerson, MannerPhone, MannerSMS, MannerMail, MannerOther:
			return nil
		}
		return invalid("manner", "Unknown manner of service %q.", in.Manner)
	}}
	guardReasonCode = Guard{"reason_code", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if !hasCode(NotAcceptedReasons(), in.ReasonCode) {
			return invalid("reason_code", "A decision not to accept needs a known reason code, not %q.", in.ReasonCode)
		}
		return nil
	}}
	guardReceivingUnit = Guard{"receiving_unit", func(p *Petition, in TransitionInput, _ time.Time) error {
		pr := problems{}
		switch {
		case in.Unit == "":
			pr.add("unit", "The receiving unit is required.")
		case in.Unit == p.LeadUnit:
			pr.add("unit", "The case is already with %s.", in.Unit)
		}
		if in.TransferType != TransferForward && in.TransferType != TransferAssign {
			pr.add("transfer_type", "Must be forward (转送) or assign (交办).")
		}
		return pr.err("The transfer")
	}}
	guardObjectionReason = Guard{"objection_reason", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.Reason == "" {
			return invalid("reason", "An objection states its reasons.")
		}
		return nil
	}}
	guardObjectionWindow = Guard{"objection_window", func(p *Petition, _ TransitionInput, now time.Time) error {
		if d, ok := p.Deadlines[StepObjection]; ok && d.Passed(now) {
			return Errorf(EDEADLINE, "The time to object to this transfer ended on %s.", dateOf(d.Adjusted))
		}
		return nil
	}}
	guardRoute = Guard{"route", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if !hasCode(DiversionRoutes(), in.Route) {
			return invalid("route", "A diversion names a known statutory route, not %q.", in.Route)
		}
		return nil
	}}
	guardLeadAndOwner = Guard{"lead_and_owner", func(p *Petition, in TransitionInput, _ time.Time) error {
		pr := problems{}
		if in.Unit == "" && p.LeadUnit == "" {
			pr.add("unit", "A lead unit is required.")
		}
		if in.Owner == "" && p.Owner == "" {
			pr.add("owner", "A 包案 leader is required.")
		}
		return pr.err("The assignment")
	}}
	guardNotExtended = Guard{"not_extended", func(p *Petition, _ TransitionInput, _ time.Time) error {
		if p.Extension != nil {
			return Errorf(EDEADLINE, "Handling was already extended once; it cannot be extended again.")
		}
		return nil
	}}
	guardExtensionReason = Guard{"extension_reason", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.Reason == "" {
			return invalid("reason", "An extension states the reason told to the petitioner.")
		}
		return nil
	}}
	guardApprover = Guard{"approved_by_head", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.ActorID == "" {
			return invalid("actor_id", "An extension is approved by a named unit head.")
		}
		return nil
	}}
	guardBeforeHandlingDue = Guard{"before_handling_due", func(p *Petition, _ TransitionInput, now time.Time) error {
		if d, ok := p.Deadlines[StepHandling]; ok && d.Passed(now) {
			return Errorf(EDEADLINE, "Handling was due on %s; an extension must be approved before then.", dateOf(d.Adjusted))
		}
		return nil
	}}
	guardOutcome = Guard{"outcome", func(_ *Petition, in TransitionInput, _ time.Time) error {
		switch in.Outcome {
		case OutcomeSupport, OutcomeExplain, OutcomeReject:
			return nil
		}
		return invalid("outcome", "The outcome must be support, explain or reject.")
	}}
	guardIdentified = Guard{"identified", func(p *Petition, _ TransitionInput, _ time.Time) error {
		if p.Anonymous {
			return invalid("anonymous", "An anonymous petition gets no written answer and no 复查 or 复核.")
		}
		return nil
	}}
	guardFirstReview = Guard{"first_review", func(p *Petition, _ TransitionInput, _ time.Time) error {
		if len(p.Reviews) > 0 {
			return Errorf(ECONFLICT, "复查 was already requested for this case.")
		}
		return nil
	}}
	guardReviewWindow = Guard{"review_window", func(p *Petition, _ TransitionInput, now time.Time) error {
		return windowOpen(p, StepReviewRequest, now, "复查")
	}}
	guardReviewAnswered = Guard{"review_answered", func(p *Petition, _ TransitionInput, _ time.Time) error {
		if len(p.Reviews) != 1 || p.Reviews[0].Level != LevelReview || p.Reviews[0].AnsweredAt.IsZero() {
			return Errorf(ECONFLICT, "复核 follows an answered 复查, and only once.")
		}
		return nil
	}}
	guardRecheckWindow = Guard{"recheck_window", func(p *Petition, _ TransitionInput, now time.Time) error {
		return windowOpen(p, StepRecheckRequest, now, "复核")
	}}
	guardHearingDays = Guard{"hearing_days", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.Days < 1 {
			return invalid("days", "The hearing lasted at least one day.")
		}
		return nil
	}}
	guardWindowLapsedOrSettled = Guard{"window_lapsed_or_settled", func(p *Petition, in TransitionInput, now time.Time) error {
		if in.Settled {
			return nil
		}
		return windowLapsed(p, now)
	}}
	guardWindowLapsed = Guard{"window_lapsed", func(p *Petition, _ TransitionInput, now time.Time) error {
		if p.State != StateClosed {
			return nil
		}
		return windowLapsed(p, now)
	}}
	guardDossierNo = Guard{"dossier_no", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.DossierNo == "" {
			return invalid("dossier_no", "An archived case has a dossier number.")
		}
		return nil
	}}
)

// guardExtensionDays refuses an extension of less than a day or of more than
// max days.
func guardExtensionDays(max int) Guard {
	return Guard{"extension_days", func(_ *Petition, in TransitionInput, _ time.Time) error {
		if in.Days < 1 {
			return invalid("days", "An extension is at least one day.")
		}
		if in.Days > max {
			return Errorf(EDEADLINE, "An extension is at most %d days, not %d.", max, in.Days)
		}
		return nil
	}}
}

// windowOpen refuses with EDEADLINE when the petitioner's window of step
// (for asking what) has passed, and with ECONFLICT when it never opened.
func windowOpen(p *Petition, step Step, now time.Time, what string) error {
	d, ok := p.Deadlines[step]
	if !ok {
		return Errorf(ECONFLICT, "No answer has been served that %s could be asked of.", what)
	}
	if d.Passed(now) {
		return Errorf(EDEADLINE, "The time to ask for %s ended on %s.", what, dateOf(d.Adjusted))
	}
	return nil
}

// windowLapsed refuses with EDEADLINE while the petitioner may still ask for
// 复查 (or 复核, after a 复查).
func windowLapsed(p *Petition, now time.Time) error {
	step, what := StepReviewRequest, "复查"
	if len(p.Reviews) > 0 {
		step, what = StepRecheckRequest, "复核"
	}
	if d, ok := p.Deadlines[step]; ok && !d.Passed(now) {
		return Errorf(EDEADLINE, "The petitioner may ask for %s until %s; close before then only when settled.", what, dateOf(d.Adjusted))
	}
	return nil
}

// setDeadline computes and stores the deadline of step from start.
func setDeadline(p *Petition, env Env, step Step, start time.Time, extra int) error {
	d, err := env.Deadline(step, start, extra)
	if err != nil {
		return err
	}
	if p.Deadlines == nil {
		p.Deadlines = map[Step]Deadline{}
	}
	p.Deadlines[step] = d
	return nil
}

// serve records a notice when the input says how it was served.
func serve(p *Petition, typ NoticeType, in TransitionInput, now time.Time) {
	if in.Manner != "" {
		p.Notices = append(p.Notices, Notice{Type: typ, Manner: in.Manner, Document: in.Document, ServedAt: now})
	}
}

// lastReview returns the latest review of the chain.
func lastReview(p *Petition) (*Review, error) {
	if len(p.Reviews) == 0 {
		return nil, Errorf(EINTERNAL, "Case %s has no review to answer.", p.ID)
	}
	return &p.Reviews[len(p.Reviews)-1], nil
}

// Petition effects.

func effectRegister(p *Petition, _ TransitionInput, env Env) error {
	p.RegisteredAt = env.Now
	if p.ReceivedAt.IsZero() {
		p.ReceivedAt = env.Now
	}
	return setDeadline(p, env, StepAcceptance, p.ReceivedAt, 0)
}

func effectAccept(p *Petition, in TransitionInput, env Env) error {
	p.AcceptedAt = env.Now
	p.Decision = &Decision{Result: DecisionAccepted, Document: in.Document, DecidedBy: in.ActorID, DecidedAt: env.Now}
	if in.Unit != "" {
		p.LeadUnit = in.Unit
	}
	serve(p, NoticeAccepted, in, env.Now)
	return setDeadline(p, env, StepHandling, env.Now, 0)
}

func effectNotAccept(p *Petition, in TransitionInput, env Env) error {
	p.Decision = &Decision{Result: DecisionNotAccepted, ReasonCode: in.ReasonCode, Reason: in.Reason,
		Document: in.Document, DecidedBy: in.ActorID, DecidedAt: env.Now}
	serve(p, NoticeNotAccepted, in, env.Now)
	return nil
}

func effectTransfer(p *Petition, in TransitionInput, env Env) error {
	p.Transfers = append(p.Transfers, Transfer{From: p.LeadUnit, To: in.Unit, Type: in.TransferType, By: in.ActorID, At: env.Now})
	p.LeadUnit = in.Unit
	if err := setDeadline(p, env, StepObjection, env.Now, 0); err != nil {
		return err
	}
	return setDeadline(p, env, StepAcceptance, env.Now, 0)
}

func effectObject(p *Petition, in TransitionInput, env Env) error {
	if len(p.Transfers) == 0 {
		return Errorf(EINTERNAL, "Case %s is transferred but has no transfer.", p.ID)
	}
	t := &p.Transfers[len(p.Transfers)-1]
	t.ObjectedAt, t.ObjectionReason = env.Now, in.Reason
	p.LeadUnit = t.From
	delete(p.Deadlines, StepObjection)
	start := p.ReceivedAt
	if start.IsZero() {
		start = p.RegisteredAt
	}
	return setDeadline(p, env, StepAcceptance, start, 0)
}

func effectDivert(p *Petition, in TransitionInput, env Env) error {
	p.Decision = &Decision{Result: DecisionDiverted, Route: in.Route, Reason: in.Reason,
		Document: in.Document, DecidedBy: in.ActorID, DecidedAt: env.Now}
	if in.LinkedCase != "" {
		p.Links = append(p.Links, Link{Kind: LinkDiverted, CaseID: in.LinkedCase})
	}
	return nil
}

func effectStart(p *Petition, in TransitionInput, _ Env) error {
	if in.Unit != "" {
		p.LeadUnit = in.Unit
	}
	if in.Owner != "" {
		p.Owner = in.Owner
	}
	return nil
}

func effectExtend(p *Petition, in TransitionInput, env Env) error {
	h, ok := p.Deadlines[StepHandling]
	if !ok {
		return Errorf(EINTERNAL, "Case %s is in progress without a handling deadline.", p.ID)
	}
	d, err := env.Deadline(StepHandling, h.Start, in.Days)
	if err != nil {
		return err
	}
	d.Step, d.Citation = StepHandlingExtended, env.lc.Periods[StepHandlingExtended].Citation
	p.Deadlines[StepHandlingExtended] = d
	p.Extension = &Extension{Days: in.Days, Reason: in.Reason, ApprovedBy: in.ActorID, ApprovedAt: env.Now}
	serve(p, NoticeExtension, in, env.Now)
	return nil
}

func effectReply(p *Petition, in TransitionInput, env Env) error {
	p.Reply = &Reply{Outcome: in.Outcome, Text: in.Text, Document: in.Document, By: in.ActorID, ServedAt: env.Now}
	p.RepliedAt = env.Now
	serve(p, NoticeReply, in, env.Now)
	return setDeadline(p, env, StepReviewRequest, env.Now, 0)
}

// reopen clears the closing of a case closed by settlement whose petitioner
// asks for 复查 or 复核 within the window; the history keeps the closing.
func reopen(p *Petition) {
	p.ClosedAt, p.Settled = time.Time{}, false
}

func effectRequestReview(p *Petition, in TransitionInput, env Env) error {
	reopen(p)
	p.Reviews = append(p.Reviews, Review{Level: LevelReview, Organ: in.Unit, RequestedAt: env.Now})
	return setDeadline(p, env, StepReview, env.Now, 0)
}

func effectAnswerReview(p *Petition, in TransitionInput, env Env) error {
	r, err := lastReview(p)
	if err != nil {
		return err
	}
	r.AnsweredAt, r.Outcome, r.Document = env.Now, in.Outcome, in.Document
	serve(p, NoticeReview, in, env.Now)
	return setDeadline(p, env, StepRecheckRequest, env.Now, 0)
}

func effectRequestRecheck(p *Petition, in TransitionInput, env Env) error {
	reopen(p)
	p.Reviews = append(p.Reviews, Review{Level: LevelRecheck, Organ: in.Unit, RequestedAt: env.Now})
	return setDeadline(p, env, StepRecheck, env.Now, 0)
}

func effectHoldHearing(p *Petition, in TransitionInput, env Env) error {
	r, err := lastReview(p)
	if err != nil {
		return err
	}
	r.HearingDays += in.Days
	return setDeadline(p, env, StepRecheck, r.RequestedAt, r.HearingDays)
}

func effectAnswerRecheck(p *Petition, in TransitionInput, env Env) error {
	r, err := lastReview(p)
	if err != nil {
		return err
	}
	r.AnsweredAt, r.Outcome, r.Document = env.Now, in.Outcome, in.Document
	serve(p, NoticeRecheck, in, env.Now)
	return nil
}

func effectClose(p *Petition, in TransitionInput, env Env) error {
	p.ClosedAt, p.Settled = env.Now, in.Settled
	return nil
}

func effectArchive(p *Petition, in TransitionInput, env Env) error {
	p.ArchivedAt = env.Now
	p.Archive = &Archive{DossierNo: in.DossierNo, ArchivedBy: in.ActorID, At: env.Now}
	return nil
}

// petitionInactive returns the states of a petition in which no work
// remains; RunningDue and the stores' worklist columns read it too.
func petitionInactive() []State {
	return []State{StateNotAccepted, StateDiverted, StateTerminated, StateClosed, StateWithdrawn, StateArchived}
}

// petitionTimers returns the step whose deadline runs in each state of a
// petition.
func petitionTimers() map[State]Step {
	return map[State]Step{
		StateRegistered: StepAcceptance, StateTransferred: StepAcceptance,
		StateAccepted: StepHandling, StateInProgress: StepHandling,
		StateReviewRequested: StepReview, StateRecheckRequested: StepRecheck,
	}
}
