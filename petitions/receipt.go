package petitions

import (
	"crypto/subtle"
	"time"
)

// Receipt is what the 信访条例 promises a petitioner: the progress of the
// case, looked up with its number and query code, and nothing else: no
// parties, no facts, no handler's notes, only the public summary.
type Receipt struct {
	CaseNo       string             `json:"case_no"`
	Kind         Kind               `json:"kind"`
	Category     string             `json:"category"`
	State        State              `json:"state"`
	Summary      string             `json:"summary,omitempty"`
	LeadUnit     string             `json:"lead_unit,omitempty"`
	ReceivedAt   time.Time          `json:"received_at,omitzero"`
	RegisteredAt time.Time          `json:"registered_at,omitzero"`
	AcceptedAt   time.Time          `json:"accepted_at,omitzero"`
	RepliedAt    time.Time          `json:"replied_at,omitzero"`
	ClosedAt     time.Time          `json:"closed_at,omitzero"`
	Due          map[Step]time.Time `json:"due,omitempty"` // adjusted due dates
	ReplyOutcome Outcome            `json:"reply_outcome,omitempty"`
}

// Receipt returns the case's public progress.
func (p *Petition) Receipt() Receipt {
	r := Receipt{
		CaseNo: p.CaseNo, Kind: p.Kind, Category: p.Category, State: p.State, Summary: p.SummaryPublic,
		LeadUnit: p.LeadUnit, ReceivedAt: p.ReceivedAt, RegisteredAt: p.RegisteredAt, AcceptedAt: p.AcceptedAt,
		RepliedAt: p.RepliedAt, ClosedAt: p.ClosedAt,
	}
	for step, d := range p.Deadlines {
		if r.Due == nil {
			r.Due = map[Step]time.Time{}
		}
		r.Due[step] = d.Adjusted
	}
	if p.Reply != nil {
		r.ReplyOutcome = p.Reply.Outcome
	}
	return r
}

// QueryCodeMatches reports, in constant time, whether code is the case's
// query code. A case without a query code matches nothing.
func (p *Petition) QueryCodeMatches(code string) bool {
	if p.QueryCode == "" || code == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(QueryCodeHash(p.QueryCode)), []byte(QueryCodeHash(code))) == 1
}
