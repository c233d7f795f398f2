package petitions

import "time"

// Kind says which lifecycle a case follows.
type Kind string

// Kinds of case. Grid reports and hotline calls are petitions whose Channel
// says where they came from.
const (
	KindPetition  Kind = "petition"  // 信访事项: follows the 信访条例
	KindMediation Kind = "mediation" // 矛盾纠纷 under 人民调解: follows the 人民调解法
)

// Class is the 2022 classification of a petition (信访工作条例).
type Class string

// Classes of petition.
const (
	ClassSuggestion Class = "suggestion" // 建议意见
	ClassAccusation Class = "accusation" // 检举控告: always confidential
	ClassClaim      Class = "claim"      // 申诉求决: needs an identified petitioner
)

// Channel is how a case reached the ledger (信访条例 2005 Art. 2). Video is a
// Medium, not a channel: a video hearing is Channel visit, Medium video.
type Channel string

// Channels.
const (
	ChannelVisit         Channel = "visit"          // 走访
	ChannelLetter        Channel = "letter"         // 书信
	ChannelPhone         Channel = "phone"          // 电话
	ChannelFax           Channel = "fax"            // 传真
	ChannelOnline        Channel = "online"         // 电子邮件, 信息网络
	ChannelGrid          Channel = "grid"           // 网格员上报
	ChannelHotline       Channel = "hotline"        // 12345
	ChannelCourtReferral Channel = "court_referral" // 诉调对接, 委派调解
)

// Medium is the means of a visit or call.
type Medium string

// Media.
const (
	MediumInPerson Medium = "in_person"
	MediumVideo    Medium = "video"
	MediumPhone    Medium = "phone"
	MediumWeb      Medium = "web"
)

// ProxyLevel is the level of the proxy (三级代理员) who filed a case for a
// petitioner.
type ProxyLevel string

// Proxy levels.
const (
	ProxyVillage  ProxyLevel = "village"
	ProxyTownship ProxyLevel = "township"
	ProxyCounty   ProxyLevel = "county"
)

// RiskLevel is the 分类定级 of a case.
type RiskLevel string

// Risk levels.
const (
	RiskGreen  RiskLevel = "green"  // 一般
	RiskYellow RiskLevel = "yellow" // 较大
	RiskRed    RiskLevel = "red"    // 重大
)

// State is a lifecycle state; the states of each kind are listed by its
// Lifecycle.
type State string

// Category is one entry of the configurable catalogue of dispute types
// (Petition.Category holds its Code). It doubles as the Open311 service list.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// DefaultCategories returns the catalogue a fresh ledger starts with.
func DefaultCategories() []Category {
	return []Category{
		{"wage_arrears", "拖欠工资"},
		{"land_transfer", "土地流转"},
		{"marriage_family", "婚姻家庭"},
		{"neighbours", "邻里纠纷"},
		{"property_management", "物业管理"},
		{"medical", "医疗纠纷"},
		{"labour", "劳动争议"},
		{"elevator_installation", "加装电梯"},
		{"traffic_accident", "交通事故"},
		{"other", "其他"},
	}
}

// Side is a party's side in a case.
type Side string

// Sides.
const (
	SidePetitioner Side = "petitioner" // 信访人, 申请人
	SideRespondent Side = "respondent" // 被反映人, 被申请人
)

// Party is a petitioner or a respondent. Contact is confidential: only roles
// with jurisdiction over the case may see it, and every view is logged.
type Party struct {
	// ID is unique within the case; Representatives and agreements refer to
	// parties by it.
	ID       string `json:"id"`
	Side     Side   `json:"side"`
	Name     string `json:"name"`
	Relation string `json:"relation,omitempty"` // to the other side or the matter
	Village  string `json:"village,omitempty"`  // village code
	// Organisation is set when the party is a unit, a company or a committee.
	Organisation bool    `json:"organisation,omitempty"`
	Contact      Contact `json:"contact,omitzero"`
}

// Contact holds a party's personal details. It is confidential (PIPL;
// 信访条例 Art. 23) and is never exported or shown outside jurisdiction.
type Contact struct {
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Address  string `json:"address,omitempty"`
}

// Petition is one case in the ledger (一案一档), a petition or a dispute,
// whatever its channel. The lifecycle of its Kind moves its State; the
// history (history.go) records every change.
//
// Overlays are data beside the state: Supervisions (督办), Summons (吹哨报到)
// and MajorUrgent. Overdue is never stored: Lifecycle.Overdue computes it.
type Petition struct {
	ID        string `json:"id"`         // UUID
	CaseNo    string `json:"case_no"`    // public case number, 县码-年-序号
	QueryCode string `json:"query_code"` // with CaseNo, lets the petitioner look the case up
	Kind      Kind   `json:"kind"`
	Class     Class  `json:"class,omitempty"` // petitions only
	Category  string `json:"category"`        // a Category code

	Channel    Channel `json:"channel"`
	Medium     Medium  `json:"medium,omitempty"`
	StationID  string  `json:"station_id,omitempty"`
	TerminalID string  `json:"terminal_id,omitempty"`

	// FiledBy is the person who entered the case; OnBehalfOf the party id a
	// proxy filed for, with ProxyLevel and the consent record ConsentRef.
	FiledBy    string     `json:"filed_by,omitempty"`
	OnBehalfOf string     `json:"on_behalf_of,omitempty"`
	ProxyLevel ProxyLevel `json:"proxy_level,omitempty"`
	ConsentRef string     `json:"consent_ref,omitempty"`

	Parties []Party `json:"parties"`
	// Headcount is how many people came or signed; Representatives (≤5,
	// 信访条例 Art. 18) are the ids of petitioner parties.
	Headcount       int      `json:"headcount"`
	Representatives []string `json:"representatives,omitempty"`
	Anonymous       bool     `json:"anonymous"`
	// Confidential cases are never shown to the accused's unit; every
	// accusation is confidential.
	Confidential  bool   `json:"confidential"`
	Request       string `json:"request"`
	Facts         string `json:"facts,omitempty"`
	Reasons       string `json:"reasons,omitempty"`
	SummaryPublic string `json:"summary_public,omitempty"` // redacted, for the public lookup
	Village       string `json:"village,omitempty"`        // where the matter is, village code

	RiskLevel   RiskLevel `json:"risk_level"`
	MajorUrgent bool      `json:"major_urgent"` // 重大紧急: reported up at once (D11)

	LeadUnit    string       `json:"lead_unit,omitempty"`
	CoUnits     []string     `json:"co_units,omitempty"`
	Owner       string       `json:"owner,omitempty"` // 包案 leader
	Assignments []Assignment `json:"assignments,omitempty"`

	State        State     `json:"state"`
	ReceivedAt   time.Time `json:"received_at,omitzero"`
	RegisteredAt time.Time `json:"registered_at,omitzero"`
	AcceptedAt   time.Time `json:"accepted_at,omitzero"`
	RepliedAt    time.Time `json:"replied_at,omitzero"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
	ArchivedAt   time.Time `json:"archived_at,omitzero"`
	// Deadlines holds the nominal and adjusted due date of each step that
	// has started.
	Deadlines map[Step]Deadline `json:"deadlines,omitempty"`

	Decision  *Decision  `json:"decision,omitempty"`
	Transfers []Transfer `json:"transfers,omitempty"`
	Extension *Extension `json:"extension,omitempty"`
	Reply     *Reply     `json:"reply,omitempty"`
	Reviews   []Review   `json:"reviews,omitempty"`
	Notices   []Notice   `json:"notices,omitempty"`
	// Settled marks a case closed because the petitioner accepted the
	// outcome (息诉罢访, resolved by agreement).
	Settled bool     `json:"settled,omitempty"`
	Archive *Archive `json:"archive,omitempty"`
	// LegalHold, while set, keeps the case's recordings past their
	// retention: a court, an inspection or an appeal needs them.
	LegalHold *LegalHold `json:"legal_hold,omitempty"`

	Supervisions []Supervision `json:"supervisions,omitempty"`
	Summons      []Summons     `json:"summons,omitempty"`
	FollowUps    []FollowUp    `json:"follow_ups,omitempty"`
	Ratings      []Rating      `json:"ratings,omitempty"`
	Links        []Link        `json:"links,omitempty"`
	Attachments  []Attachment  `json:"attachments,omitempty"`

	// Mediation is set for KindMediation only.
	Mediation *Mediation `json:"mediation,omitempty"`

	// Version is the store's optimistic-concurrency counter; lifecycles
	// leave it alone.
	Version int64 `json:"version"`
}

// Assignment names a person handling the case for a unit, and records a
// recusal (信访条例 Art. 30).
type Assignment struct {
	PersonID      string    `json:"person_id"`
	UnitID        string    `json:"unit_id"`
	Role          Role      `json:"role"`
	AssignedAt    time.Time `json:"assigned_at"`
	Recused       bool      `json:"recused,omitempty"`
	RecusalReason string    `json:"recusal_reason,omitempty"`
}

// Party returns the party with the given id.
func (p *Petition) Party(id string) (Party, bool) {
	for _, pt := range p.Parties {
		if pt.ID == id {
			return pt, true
		}
	}
	return Party{}, false
}

// Normalize applies the rules that follow from other fields instead of
// refusing them: an accusation is always confidential, an unset risk level is
// green, an unset headcount counts the petitioner parties (at least one).
func (p *Petition) Normalize() {
	if p.Class == ClassAccusation {
		p.Confidential = true
	}
	if p.RiskLevel == "" {
		p.RiskLevel = RiskGreen
	}
	if p.Headcount == 0 {
		for _, pt := range p.Parties {
			if pt.Side == SidePetitioner {
				p.Headcount++
			}
		}
		p.Headcount = max(p.Headcount, 1)
	}
}

// LegalHold is a preservation order on a case's evidence.
type LegalHold struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}
