package petitions

import "time"

// Step names a timed step of a case; Petition.Deadlines is keyed by it.
type Step string

// Steps.
const (
	StepAcceptance       Step = "acceptance"        // decide whether to accept
	StepObjection        Step = "objection"         // a receiver objects to a transfer (working days)
	StepHandling         Step = "handling"          // handle and reply
	StepHandlingExtended Step = "handling_extended" // handling after the one extension
	StepReviewRequest    Step = "review_request"    // window for asking 复查
	StepReview           Step = "review"            // 复查 answer
	StepRecheckRequest   Step = "recheck_request"   // window for asking 复核
	StepRecheck          Step = "recheck"           // 复核 answer (听证 days not counted)
	StepMediation        Step = "mediation"         // practice SLA for 调结
	StepConfirmation     Step = "confirmation"      // window for applying for 司法确认
	StepPerformance      Step = "performance"       // the agreement's own deadline
)

// Deadline is the due date of one step (限时办结). Nominal is Start plus Days
// counted the legal way (the start day not counted); Adjusted moves a last
// day that is a rest day to the next working day. A step is due until the end
// (24:00) of its Adjusted day.
type Deadline struct {
	Step     Step      `json:"step"`
	Start    time.Time `json:"start"`
	Days     int       `json:"days"`
	Nominal  time.Time `json:"nominal"`
	Adjusted time.Time `json:"adjusted"`
	Citation string    `json:"citation,omitempty"`
}

// Passed reports whether now is after the end of the deadline's adjusted day,
// in the adjusted time's location.
func (d Deadline) Passed(now time.Time) bool {
	return !now.Before(endOfDay(d.Adjusted))
}

// endOfDay returns the midnight that ends t's calendar day in t's own
// location (calendar.go's EndOfDay fixes China time; the lifecycle takes
// dates as its DayCounter returns them).
func endOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// Period is a legal time limit, kept as data keyed by its citation
// (domain.md §1) rather than as a constant in code. Days are calendar days
// unless Workdays is set.
type Period struct {
	Step     Step   `json:"step"`
	Days     int    `json:"days"`
	Workdays bool   `json:"workdays,omitempty"`
	Citation string `json:"citation"`
}

// DefaultPeriods returns the time limits of the 信访条例 (2005 numbering) and
// the 人民调解法. StepHandlingExtended holds the longest extension, not a
// period. StepMediation is practice, not law, and StepObjection comes from the
// 2022 条例, whose text is not yet checked (domain.md §8). Provincial rules
// may shorten them: change the returned map, not the code. StepPerformance has
// no period: the agreement sets its date.
func DefaultPeriods() map[Step]Period {
	ps := []Period{
		{Step: StepAcceptance, Days: 15, Citation: "信访条例(2005) 第21、22条"},
		{Step: StepObjection, Days: 5, Workdays: true, Citation: "信访工作条例(2022) 第23条: 5个工作日 [unverified]"},
		{Step: StepHandling, Days: 60, Citation: "信访条例(2005) 第33条"},
		{Step: StepHandlingExtended, Days: 30, Citation: "信访条例(2005) 第33条: 延长不超过30日"},
		{Step: StepReviewRequest, Days: 30, Citation: "信访条例(2005) 第34条"},
		{Step: StepReview, Days: 30, Citation: "信访条例(2005) 第34条"},
		{Step: StepRecheckRequest, Days: 30, Citation: "信访条例(2005) 第35条"},
		{Step: StepRecheck, Days: 30, Citation: "信访条例(2005) 第35条: 听证时间不计"},
		{Step: StepMediation, Days: 30, Citation: "司法部《人民调解工作若干规定》(2002): 一般一个月内调结 [unverified]"},
		{Step: StepConfirmation, Days: 30, Citation: "人民调解法 第33条"},
	}
	m := make(map[Step]Period, len(ps))
	for _, p := range ps {
		m[p.Step] = p
	}
	return m
}

// DecisionResult is what the receiving organ decided about a petition.
type DecisionResult string

// Decision results.
const (
	DecisionAccepted    DecisionResult = "accepted"     // 受理
	DecisionNotAccepted DecisionResult = "not_accepted" // 不予受理, with a reason code
	DecisionDiverted    DecisionResult = "diverted"     // 导入法定程序, with a route
)

// Decision records the acceptance decision and its grounds.
type Decision struct {
	Result     DecisionResult `json:"result"`
	ReasonCode string         `json:"reason_code,omitempty"` // a NotAcceptedReasons code
	Route      string         `json:"route,omitempty"`       // a DiversionRoutes code
	Reason     string         `json:"reason,omitempty"`
	Document   string         `json:"document,omitempty"`
	DecidedBy  string         `json:"decided_by,omitempty"`
	DecidedAt  time.Time      `json:"decided_at"`
}

// Code is one entry of a catalogue of reason or route codes, with the text
// that grounds it.
type Code struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Citation string `json:"citation,omitempty"`
}

// NotAcceptedReasons returns the reason codes of a 不予受理 decision. The
// list and its citations follow a Shenzhen district bureau's form, which cites
// the 2005 信访条例 Arts. 15, 16, 21 and 35 (domain.md §1.1, a secondary
// source): check it against the county's own form before relying on it.
func NotAcceptedReasons() []Code {
	const (
		art15 = "信访条例(2005) 第15条"
		art16 = "信访条例(2005) 第16条"
		art21 = "信访条例(2005) 第21条"
		art35 = "信访条例(2005) 第35条"
	)
	return []Code{
		{"civil_dispute", "民事纠纷, 应通过诉讼等法定途径解决", art21},
		{"administrative_act", "对行政行为不服, 应申请复议或提起诉讼", art21},
		{"land_contract_dispute", "农村土地承包经营纠纷", art21},
		{"effective_judgment", "对已生效裁判不服", art15},
		{"labour_dispute", "劳动争议", art21},
		{"legislature_judiciary", "属人大、法院、检察院职权范围", art15},
		{"land_forest_ownership", "土地、林木权属争议", art21},
		{"arbitration_award", "对仲裁裁决不服", art21},
		{"verification_complete", "已核查完毕", art21},
		{"in_handling", "已受理或正在办理, 尚在期限内", art16},
		{"finalised", "已经处理、复查、复核终结", art35},
		{"bypass_level", "越级走访", art16},
	}
}

// DiversionRoutes returns the statutory procedures a 申诉求决 (or an
// accusation) can be diverted into (导入法定程序, 信访工作条例 2022).
func DiversionRoutes() []Code {
	return []Code{
		{"litigation", "诉讼", ""},
		{"reconsideration", "行政复议", ""},
		{"arbitration", "仲裁", ""},
		{"party_appeal", "党员申诉", ""},
		{"administrative_ruling", "行政裁决、确认、许可、处罚", ""},
		{"police", "公安机关", ""},
		{"discipline_inspection", "纪检监察机关", ""},
		{"legislature_judiciary", "人大、法院、检察院", "信访条例(2005) 第15条"},
		{"people_mediation", "人民调解", "人民调解法 第18条"},
	}
}

// hasCode reports whether code is in the catalogue cs.
func hasCode(cs []Code, code string) bool {
	for _, c := range cs {
		if c.Code == code {
			return true
		}
	}
	return false
}

// TransferType says how a case was handed to another unit.
type TransferType string

// Transfer types.
const (
	TransferForward TransferType = "forward" // 转送
	TransferAssign  TransferType = "assign"  // 交办
)

// Transfer records a hand-over to a receiving unit, and the receiver's
// objection (回退) if it was upheld.
type Transfer struct {
	From            string       `json:"from"`
	To              string       `json:"to"`
	Type            TransferType `json:"type"`
	By              string       `json:"by,omitempty"`
	At              time.Time    `json:"at"`
	ObjectedAt      time.Time    `json:"objected_at,omitzero"`
	ObjectionReason string       `json:"objection_reason,omitempty"`
}

// Extension is the one extension of the handling period (信访条例 Art. 33):
// at most 30 days, approved by the unit head, reason told to the petitioner.
type Extension struct {
	Days       int       `json:"days"`
	Reason     string    `json:"reason"`
	ApprovedBy string    `json:"approved_by"`
	ApprovedAt time.Time `json:"approved_at"`
}

// Outcome is the conclusion of a 处理意见书, 复查意见 or 复核意见 (Art. 32).
type Outcome string

// Outcomes.
const (
	OutcomeSupport Outcome = "support" // 予以支持
	OutcomeExplain Outcome = "explain" // 解释说明
	OutcomeReject  Outcome = "reject"  // 不予支持
)

// Reply is the 处理意见书 served on the petitioner.
type Reply struct {
	Outcome  Outcome   `json:"outcome"`
	Text     string    `json:"text,omitempty"`
	Document string    `json:"document,omitempty"`
	By       string    `json:"by,omitempty"`
	ServedAt time.Time `json:"served_at"`
}

// ReviewLevel is 复查 or 复核.
type ReviewLevel string

// Review levels.
const (
	LevelReview  ReviewLevel = "review"  // 复查, by the next-higher organ
	LevelRecheck ReviewLevel = "recheck" // 复核, by the organ above that
)

// Review is one step of the review chain: the request and its answer.
type Review struct {
	Level       ReviewLevel `json:"level"`
	Organ       string      `json:"organ,omitempty"`
	RequestedAt time.Time   `json:"requested_at"`
	AnsweredAt  time.Time   `json:"answered_at,omitzero"`
	Outcome     Outcome     `json:"outcome,omitempty"`
	Document    string      `json:"document,omitempty"`
	// HearingDays are days of 听证, not counted in a 复核's 30 days.
	HearingDays int `json:"hearing_days,omitempty"`
}

// NoticeType is the kind of a written notice served on the petitioner.
type NoticeType string

// Notice types.
const (
	NoticeAccepted    NoticeType = "accepted"     // 受理告知书
	NoticeNotAccepted NoticeType = "not_accepted" // 不予受理告知书
	NoticeExtension   NoticeType = "extension"    // 延期告知
	NoticeReply       NoticeType = "reply"        // 处理意见书
	NoticeReview      NoticeType = "review"       // 复查意见书
	NoticeRecheck     NoticeType = "recheck"      // 复核意见书
)

// Manner is how a notice was served (告知形式).
type Manner string

// Manners of service.
const (
	MannerFollowUp Manner = "follow_up" // 回访答复
	MannerInPerson Manner = "in_person" // 当面送达
	MannerPhone    Manner = "phone"
	MannerSMS      Manner = "sms"
	MannerMail     Manner = "mail"
	MannerOther    Manner = "other"
)

// Notice is the proof that a notice was served.
type Notice struct {
	Type     NoticeType `json:"type"`
	Manner   Manner     `json:"manner"`
	Document string     `json:"document,omitempty"`
	ServedAt time.Time  `json:"served_at"`
}

// Archive holds the dossier reference of an archived case (一案一档).
type Archive struct {
	DossierNo  string    `json:"dossier_no"`
	ArchivedBy string    `json:"archived_by,omitempty"`
	At         time.Time `json:"at"`
}
