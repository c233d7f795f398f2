package petitions

import "time"

// Supervision is one 督办: a supervisor urges a case (信访条例 2005 Art. 36).
// It is an overlay, not a state; the case stays supervised until the
// feedback arrives.
type Supervision struct {
	By          string    `json:"by"`
	Reason      string    `json:"reason"`
	Instruction string    `json:"instruction,omitempty"`
	IssuedAt    time.Time `json:"issued_at"`
	// Due is when written feedback is due (30 days, Art. 36).
	Due        Deadline  `json:"due"`
	FeedbackAt time.Time `json:"feedback_at,omitzero"`
	Adopted    bool      `json:"adopted,omitempty"` // the 改进建议 was adopted
}

// SummonLevel is the urgency of a 吹哨 (Beijing Huairou's three whistles).
type SummonLevel string

// Summon levels.
const (
	SummonQuick     SummonLevel = "quick"     // 快捷哨
	SummonEmergency SummonLevel = "emergency" // 应急哨
	SummonTough     SummonLevel = "tough"     // 攻坚哨
)

// Summons is one 吹哨报到: departments called into a case or a live session.
type Summons struct {
	Level       SummonLevel    `json:"level"`
	By          string         `json:"by"`
	IssuedAt    time.Time      `json:"issued_at"`
	ReportDue   time.Time      `json:"report_due,omitzero"`
	Departments []SummonedUnit `json:"departments"`
}

// SummonedUnit is a department called by a Summons and when it reported in.
type SummonedUnit struct {
	UnitID     string    `json:"unit_id"`
	ReportedAt time.Time `json:"reported_at,omitzero"`
}

// Supervised reports whether a supervision awaits its feedback.
func (p *Petition) Supervised() bool {
	for _, s := range p.Supervisions {
		if s.FeedbackAt.IsZero() {
			return true
		}
	}
	return false
}

// Summoned reports whether a summoned department has not reported in yet.
func (p *Petition) Summoned() bool {
	for _, s := range p.Summons {
		for _, d := range s.Departments {
			if d.ReportedAt.IsZero() {
				return true
			}
		}
	}
	return false
}

// FollowUp is one 回访: contact with a party after the reply or agreement.
type FollowUp struct {
	By      string    `json:"by"`
	PartyID string    `json:"party_id,omitempty"`
	Manner  Manner    `json:"manner"`
	Result  string    `json:"result"`
	At      time.Time `json:"at"`
}

// Score is a party's verdict in a rating (评单).
type Score string

// Scores.
const (
	ScoreSatisfied      Score = "satisfied"       // 满意
	ScoreBasicSatisfied Score = "basic_satisfied" // 基本满意
	ScoreUnsatisfied    Score = "unsatisfied"     // 不满意
)

// Rating is one 评单: a party rates the handling or the mediator.
type Rating struct {
	PartyID string `json:"party_id"`
	// Target is "handling" or "mediator"; TargetID names the unit or the
	// mediator rated.
	Target   string    `json:"target"`
	TargetID string    `json:"target_id,omitempty"`
	Score    Score     `json:"score"`
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// LinkKind is how two cases relate.
type LinkKind string

// Link kinds.
const (
	LinkDuplicate        LinkKind = "duplicate"         // the same matter filed twice
	LinkRepeat           LinkKind = "repeat"            // 重复访
	LinkSpawnedMediation LinkKind = "spawned_mediation" // a mediation opened from this case
	LinkDiverted         LinkKind = "diverted"          // the case this one was diverted into
	LinkCourtCase        LinkKind = "court_case"        // a court case number, in Ref
)

// Link relates a case to another case, or to an outside reference.
type Link struct {
	Kind   LinkKind `json:"kind"`
	CaseID string   `json:"case_id,omitempty"`
	Ref    string   `json:"ref,omitempty"`
}

// Attachment is a document or picture in the case file. SHA256 is the hex
// digest of its content, taken at ingest; the history chain covers it.
type Attachment struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	MIME       string    `json:"mime"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedBy string    `json:"uploaded_by,omitempty"`
	UploadedAt time.Time `json:"uploaded_at"`
	// RedactedOf is the id of the attachment this is a redacted copy of.
	RedactedOf string `json:"redacted_of,omitempty"`
}

// validSHA256 reports whether s is 64 lower-case hex digits.
func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if ('0' > c || c > '9') && ('a' > c || c > 'f') {
			return false
		}
	}
	return true
}
