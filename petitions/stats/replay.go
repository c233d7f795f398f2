package stats

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"hearingroom/petitions"
)

// Event kinds read besides "registered" and "transition". They are the
// constants of package casework, repeated here because a domain package does
// not import the service.
const (
	kindRegistered = "registered"
	kindTransition = "transition"
	kindSupervised = "supervised"
	kindFeedback   = "supervision.feedback"
	kindSummoned   = "summoned"
	kindReportedIn = "summons.reported"
)

// facts is what the history of one case says, replayed event by event up to
// Query.Now. Every time in it comes from an event; the fields marked
// "record" come from the case record, because no event carries them.
type facts struct {
	p  *petitions.Petition // the record: kind, units, headcount, links, ratings
	lc *petitions.Lifecycle

	registered bool      // entered the ledger: a petition's register transition, a mediation's registration
	receivedAt time.Time // petition: the acceptance deadline's start (= received_at); mediation: record
	state      petitions.State
	deadlines  map[petitions.Step]petitions.Deadline // the latest of each step an event set

	// Acceptance decision of a petition (accept, not_accept or divert out
	// of registered/transferred), and the acceptance deadline in force then.
	decidedAt time.Time
	acceptDue *petitions.Deadline
	withdrawn bool // withdrawn before any decision

	acceptedAt time.Time // first accept: the organ's (petition) or the mediator's (mediation)
	repliedAt  time.Time // petition: the reply
	replyDue   *petitions.Deadline
	outcome    petitions.Outcome // of the reply

	closedAt time.Time // the last close that no 复查/复核 request reopened
	settled  bool      // that close was 息诉 (settled)
	resolved bool      // settled, or closing a 支持 reply (petition); performed (mediation)

	mediators   []string // mediators who accepted (mediation)
	effectiveAt time.Time
	appliedAt   time.Time // 司法确认 applied for
	performedAt time.Time
	breachedAt  time.Time

	owner string // 包案 leader: the start transition's input; record if no event names one

	supervisions []supervision
	summons      []summons
}

type supervision struct {
	issuedAt   time.Time
	due        petitions.Deadline
	feedbackAt time.Time
	adopted    bool
}

type summons struct {
	level    petitions.SummonLevel
	issuedAt time.Time
	due      time.Time
	units    []string
	reported map[string]time.Time
}

// replay reads the events of p (in CaseSeq order) up to now into facts. It
// fails on an event of another case or on event data that does not parse.
func replay(p *petitions.Petition, evs []*petitions.Event, lc *petitions.Lifecycle, now time.Time) (*facts, error) {
	f := &facts{p: p, lc: lc, deadlines: map[petitions.Step]petitions.Deadline{}}
	for _, e := range evs {
		if e.CaseID != p.ID {
			return nil, fmt.Errorf("stats: case %s: event %d belongs to case %q", p.ID, e.Seq, e.CaseID)
		}
		if e.At.After(now) {
			break
		}
		if err := f.apply(e); err != nil {
			return nil, fmt.Errorf("stats: case %s: event %d (%s): %w", p.ID, e.Seq, e.Kind, err)
		}
	}
	if f.owner == "" {
		f.owner = p.Owner
	}
	if f.registered && f.receivedAt.IsZero() {
		f.receivedAt = p.ReceivedAt
	}
	return f, nil
}

func (f *facts) apply(e *petitions.Event) error {
	switch e.Kind {
	case kindRegistered:
		var t transitioned
		if err := json.Unmarshal(e.Data, &t); err != nil {
			return err
		}
		if t.Transition != "" {
			f.transition(t)
			return nil
		}
		// A mediation, or a petition waiting as a draft: {lifecycle, state}.
		var d struct {
			State petitions.State `json:"state"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		f.state = d.State
		if f.p.Kind == petitions.KindMediation {
			f.registered = true
			f.receivedAt = f.p.ReceivedAt // record: the event carries no received date
			if f.receivedAt.IsZero() {
				f.receivedAt = e.At
			}
		}
	case kindTransition:
		var t transitioned
		if err := json.Unmarshal(e.Data, &t); err != nil {
			return err
		}
		f.transition(t)
	case kindSupervised:
		var d struct {
			Index       int                   `json:"index"`
			Supervision petitions.Supervision `json:"supervision"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		f.supervisions = append(f.supervisions, supervision{issuedAt: d.Supervision.IssuedAt, due: d.Supervision.Due})
	case kindFeedback:
		var d struct {
			Index   int  `json:"index"`
			Adopted bool `json:"adopted"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		if d.Index >= 0 && d.Index < len(f.supervisions) && f.supervisions[d.Index].feedbackAt.IsZero() {
			f.supervisions[d.Index].feedbackAt, f.supervisions[d.Index].adopted = e.At, d.Adopted
		}
	case kindSummoned:
		var d struct {
			Summons petitions.Summons `json:"summons"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		s := summons{level: d.Summons.Level, issuedAt: d.Summons.IssuedAt, due: d.Summons.ReportDue, reported: map[string]time.Time{}}
		for _, u := range d.Summons.Departments {
			s.units = append(s.units, u.UnitID)
		}
		f.summons = append(f.summons, s)
	case kindReportedIn:
		var d struct {
			Index int    `json:"index"`
			Unit  string `json:"unit"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			return err
		}
		if d.Index >= 0 && d.Index < len(f.summons) {
			if _, done := f.summons[d.Index].reported[d.Unit]; !done {
				f.summons[d.Index].reported[d.Unit] = e.At
			}
		}
	}
	return nil
}

// transitioned is the part of a petitions.Transitioned the figures read;
// decoding only it keeps Compute fast.
type transitioned struct {
	Transition string          `json:"transition"`
	From       petitions.State `json:"from"`
	To         petitions.State `json:"to"`
	ActorID    string          `json:"actor_id"`
	At         time.Time       `json:"at"`
	Input      struct {
		Outcome petitions.Outcome `json:"outcome"`
		Owner   string            `json:"owner"`
		Settled bool              `json:"settled"`
	} `json:"input"`
	Deadlines []petitions.Deadline `json:"deadlines"`
}

// transition applies one lifecycle transition: the state it reached, the
// deadlines it set, and the dates the figures count.
func (f *facts) transition(t transitioned) {
	decidable := t.From == petitions.StateRegistered || t.From == petitions.StateTransferred
	mediation := f.p.Kind == petitions.KindMediation
	// Facts that look at the deadline in force before this transition.
	switch {
	case !mediation && decidable && f.decidedAt.IsZero() &&
		(t.Transition == "accept" || t.Transition == "not_accept" || t.Transition == "divert"):
		f.decidedAt = t.At
		if d, ok := f.deadlines[petitions.StepAcceptance]; ok {
			f.acceptDue = &d
		}
	case !mediation && t.Transition == "withdraw" && f.decidedAt.IsZero():
		f.withdrawn = true
	case !mediation && t.Transition == "reply" && f.repliedAt.IsZero():
		f.repliedAt, f.outcome = t.At, t.Input.Outcome
		if d, ok := f.handlingDue(); ok {
			f.replyDue = &d
		}
	}
	for _, d := range t.Deadlines {
		f.deadlines[d.Step] = d
	}
	if t.Transition == "remediate" {
		delete(f.deadlines, petitions.StepMediation)
		delete(f.deadlines, petitions.StepConfirmation)
	}
	f.state = t.To
	switch t.Transition {
	case "register":
		f.registered = true
		if d, ok := f.deadlines[petitions.StepAcceptance]; ok {
			f.receivedAt = d.Start // effectRegister counts acceptance from received_at
		}
	case "accept":
		if f.acceptedAt.IsZero() {
			f.acceptedAt = t.At
		}
		if mediation && t.ActorID != "" && !slices.Contains(f.mediators, t.ActorID) {
			f.mediators = append(f.mediators, t.ActorID)
		}
	case "start":
		if t.Input.Owner != "" {
			f.owner = t.Input.Owner
		}
	case "request_review", "request_recheck":
		f.closedAt, f.settled, f.resolved = time.Time{}, false, false
	case "close":
		f.closedAt, f.settled = t.At, t.Input.Settled
		if !mediation {
			f.resolved = t.Input.Settled || f.outcome == petitions.OutcomeSupport
		}
	case "answer_review":
		f.outcome = t.Input.Outcome
	case "make_effective":
		if f.effectiveAt.IsZero() {
			f.effectiveAt = t.At
		}
	case "apply_confirmation":
		if f.appliedAt.IsZero() {
			f.appliedAt = t.At
		}
	case "fulfil":
		f.performedAt, f.resolved = t.At, true
	case "breach":
		f.breachedAt = t.At
	}
}

// handlingDue is the handling deadline in force: the extended one once
// handling was extended.
func (f *facts) handlingDue() (petitions.Deadline, bool) {
	if d, ok := f.deadlines[petitions.StepHandlingExtended]; ok {
		return d, true
	}
	d, ok := f.deadlines[petitions.StepHandling]
	return d, ok
}

// running returns the deadline running in the replayed state, as
// Lifecycle.Due does for the record.
func (f *facts) running() (petitions.Deadline, bool) {
	step, ok := f.lc.Timers[f.state]
	if !ok {
		return petitions.Deadline{}, false
	}
	if step == petitions.StepHandling {
		return f.handlingDue()
	}
	d, ok := f.deadlines[step]
	return d, ok
}

// active reports whether the replayed state is an active one.
func (f *facts) active() bool { return f.registered && f.lc.Active(f.state) }

// overdue reports whether the case is active and past its running deadline at now.
func (f *facts) overdue(now time.Time) bool {
	d, ok := f.running()
	return ok && f.active() && d.Passed(now)
}
