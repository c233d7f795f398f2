package petitions

import (
	"fmt"
	"time"
)

// SelectionMode is how a mediator came to a case (人民调解法 Art. 19).
type SelectionMode string

// Selection modes.
const (
	SelectBoard    SelectionMode = "board"    // 点单: a party picked from the mediator board
	SelectAssigned SelectionMode = "assigned" // the committee assigned
	SelectCourt    SelectionMode = "court"    // 委派: a court referred the case to a mediator
)

// Mediation holds what only a mediation case has.
type Mediation struct {
	// Candidate is the mediator picked and not yet answered (mediator_pending).
	Candidate     string        `json:"candidate,omitempty"`
	SelectionMode SelectionMode `json:"selection_mode,omitempty"`
	Declines      []Decline     `json:"declines,omitempty"`
	// MediatorIDs are the mediators who accepted the case.
	MediatorIDs   []string `json:"mediator_ids,omitempty"`
	PublicSession bool     `json:"public_session,omitempty"` // Art. 23: the parties may ask
	// ScheduledAt is when the mediator who accepted means to hold the
	// first session (zero: not said); the board shows it to the parties.
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	// EndedBy is the party who refused or ended mediation (Arts. 17, 23),
	// and EndReason why mediation failed or ended (Art. 26).
	EndedBy      string                `json:"ended_by,omitempty"`
	EndReason    string                `json:"end_reason,omitempty"`
	Agreement    *Agreement            `json:"agreement,omitempty"`
	Confirmation *JudicialConfirmation `json:"confirmation,omitempty"`
	Performance  Performance           `json:"performance,omitzero"`
}

// Decline records a mediator turning a case down; the parties pick again and
// may not pick a mediator who declined.
type Decline struct {
	MediatorID string    `json:"mediator_id"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

// AgreementForm is written or oral (人民调解法 Arts. 28–30).
type AgreementForm string

// Agreement forms.
const (
	FormWritten AgreementForm = "written"
	FormOral    AgreementForm = "oral"
)

// Agreement is the mediation agreement (调解协议, 人民调解法 Arts. 28–30). A
// written agreement takes effect once every party in Parties and a mediator
// have signed and the committee has sealed it; an oral one when reached.
type Agreement struct {
	No               string        `json:"no,omitempty"` // 协议编号
	Form             AgreementForm `json:"form"`
	Parties          []string      `json:"parties"` // party ids
	Facts            string        `json:"facts"`
	Issues           string        `json:"issues"`
	Responsibilities string        `json:"responsibilities,omitempty"`
	Terms            string        `json:"terms"`
	// PerformanceManner and PerformanceDeadline say how and by when the
	// terms are carried out; a zero deadline means performed at once.
	PerformanceManner   string      `json:"performance_manner"`
	PerformanceDeadline time.Time   `json:"performance_deadline,omitzero"`
	Signatures          []Signature `json:"signatures,omitempty"`
	SealedAt            time.Time   `json:"sealed_at,omitzero"`
	ReachedAt           time.Time   `json:"reached_at,omitzero"`
	EffectiveAt         time.Time   `json:"effective_at,omitzero"`
}

// SignManner is how a signer marked the agreement.
type SignManner string

// Sign manners.
const (
	SignSignature   SignManner = "signature"   // 签名
	SignSeal        SignManner = "seal"        // 盖章
	SignFingerprint SignManner = "fingerprint" // 按指印
	SignElectronic  SignManner = "electronic"  // online signing (法释〔2021〕23号)
)

// Signature is one mark on a written agreement: by a party (PartyID) or by a
// mediator (MediatorID).
type Signature struct {
	PartyID    string     `json:"party_id,omitempty"`
	MediatorID string     `json:"mediator_id,omitempty"`
	Manner     SignManner `json:"manner"`
	At         time.Time  `json:"at"`
}

// JudicialConfirmation is the joint application to a court (司法确认,
// 人民调解法 Art. 33) and the court's ruling.
type JudicialConfirmation struct {
	Applicants []string  `json:"applicants"` // party ids: all parties of the agreement
	Court      string    `json:"court"`
	AppliedAt  time.Time `json:"applied_at"`
	RuledAt    time.Time `json:"ruled_at,omitzero"`
	Valid      bool      `json:"valid,omitempty"`
	RulingNo   string    `json:"ruling_no,omitempty"`
}

// Performance is the committee's watch over the agreement (Art. 31).
type Performance struct {
	StartedAt    time.Time `json:"started_at,omitzero"`
	PerformedAt  time.Time `json:"performed_at,omitzero"`
	BreachedAt   time.Time `json:"breached_at,omitzero"`
	BreachReason string    `json:"breach_reason,omitempty"`
}

// validate adds the agreement's problems to pr under prefix, checking its
// parties against the case's.
func (a *Agreement) validate(p *Petition, pr problems, prefix string) {
	switch a.Form {
	case FormWritten, FormOral:
	default:
		pr.add(prefix+".form", "must be written or oral")
	}
	if len(a.Parties) < 2 {
		pr.add(prefix+".parties", "an agreement needs at least two parties")
	}
	seen := map[string]bool{}
	for i, id := range a.Parties {
		if _, ok := p.Party(id); !ok {
			pr.add(fmt.Sprintf("%s.parties[%d]", prefix, i), "no party %q in this case", id)
		} else if seen[id] {
			pr.add(fmt.Sprintf("%s.parties[%d]", prefix, i), "party %q listed twice", id)
		}
		seen[id] = true
	}
	for field, v := range map[string]string{
		"facts": a.Facts, "issues": a.Issues, "terms": a.Terms, "performance_manner": a.PerformanceManner,
	} {
		if v == "" {
			pr.add(prefix+"."+field, "required")
		}
	}
}

// signedBy reports whether the agreement carries a signature of the party.
func (a *Agreement) signedBy(partyID string) bool {
	for _, s := range a.Signatures {
		if s.PartyID == partyID {
			return true
		}
	}
	return false
}

// mediatorSigned reports whether a mediator has signed the agreement.
func (a *Agreement) mediatorSigned() bool {
	for _, s := range a.Signatures {
		if s.MediatorID != "" {
			return true
		}
	}
	return false
}
