package petitions

import (
	"fmt"
	"slices"
	"time"
)

// DayCounter counts legal periods; *Calendar (calendar.go) is the one the
// server uses.
type DayCounter interface {
	// AddDays returns the last day of a period of days calendar days from
	// start, the start day not counted: nominal, and adjusted to the next
	// working day when nominal is a rest day.
	AddDays(start time.Time, days int) (nominal, adjusted time.Time)
	// AddWorkdays returns the last day of a period of n working days from
	// start, the start day not counted.
	AddWorkdays(start time.Time, n int) time.Time
}

// Lifecycle is the state machine of one kind of case, held as data in the
// manner of Request Tracker's lifecycles: its states, the transitions between
// them, the roles that may take each transition and the guards each must
// pass. Build one with PetitionLifecycle or MediationLifecycle; a Lifecycle
// is not changed after it is built and is safe for concurrent use.
type Lifecycle struct {
	Name string
	Kind Kind
	// Initial is the state a new case starts in.
	Initial State
	// States lists every state, Initial first.
	States []State
	// Inactive lists the states in which no work remains; the rest are
	// active.
	Inactive []State
	// Transitions are tried by name; names are unique within a lifecycle.
	Transitions []Transition
	// Timers names the step whose deadline runs while a case is in a state;
	// a case past that deadline is overdue.
	Timers map[State]Step
	// Periods are the time limits the transitions set deadlines from.
	Periods map[Step]Period
	// Days counts the periods. Transitions that set a deadline fail with
	// EINTERNAL when it is nil.
	Days DayCounter
}

// Transition is one allowed move of a lifecycle.
type Transition struct {
	Name string
	From []State
	To   State
	// Roles may take the transition; any other role gets EFORBIDDEN.
	Roles []Role
	// Guards must all pass, in order, before anything changes.
	Guards []Guard
	// Effect records the transition's consequences on the case (dates,
	// decisions, deadlines) after every check passed; Apply runs it on a
	// copy and sets State itself. Nil means the state change only.
	Effect func(p *Petition, in TransitionInput, env Env) error
	// Doc says what the transition means, with its legal ground.
	Doc string
}

// Guard is a named precondition of a transition.
type Guard struct {
	Name string
	// Check returns nil when the transition may go ahead, or an *Error:
	// EINVALID (with Fields) for missing or bad input, EDEADLINE when a
	// time limit refuses, EFORBIDDEN when the actor is not the person the
	// case requires, ECONFLICT when the case's record does not allow it. It
	// must not change p.
	Check func(p *Petition, in TransitionInput, now time.Time) error
}

// TransitionInput carries what a transition needs besides the case. Each
// transition reads only the fields its guards name; the rest are ignored.
type TransitionInput struct {
	// ActorID is the person acting (an account id or a party id). The
	// service sets it from the session; it is never taken from a request body.
	ActorID string `json:"actor_id,omitempty"`

	Reason       string       `json:"reason,omitempty"`        // free text: why
	ReasonCode   string       `json:"reason_code,omitempty"`   // not_accept: a NotAcceptedReasons code
	Route        string       `json:"route,omitempty"`         // divert: a DiversionRoutes code
	LinkedCase   string       `json:"linked_case,omitempty"`   // divert: the case opened in that procedure
	Outcome      Outcome      `json:"outcome,omitempty"`       // reply and review answers
	Text         string       `json:"text,omitempty"`          // reply: the text of the 处理意见书
	Document     string       `json:"document,omitempty"`      // the document served, signed or filed
	Manner       Manner       `json:"manner,omitempty"`        // how a notice was served; "" records none
	Unit         string       `json:"unit,omitempty"`          // receiving, lead or reviewing unit
	TransferType TransferType `json:"transfer_type,omitempty"` // transfer: 转送 or 交办
	Owner        string       `json:"owner,omitempty"`         // start: the 包案 leader
	Days         int          `json:"days,omitempty"`          // extend: extension; hold_hearing: hearing days
	Settled      bool         `json:"settled,omitempty"`       // close: the petitioner accepted the outcome (息诉)
	DossierNo    string       `json:"dossier_no,omitempty"`    // archive

	MediatorID    string        `json:"mediator_id,omitempty"`    // pick
	ScheduledAt   time.Time     `json:"scheduled_at,omitzero"`    // accept (mediation): the first session
	SelectionMode SelectionMode `json:"selection_mode,omitempty"` // pick; "" derives it from the role
	PartyID       string        `json:"party_id,omitempty"`       // refuse, end_by_party, sign
	PartyIDs      []string      `json:"party_ids,omitempty"`      // apply_confirmation: the applicants
	SignManner    SignManner    `json:"sign_manner,omitempty"`    // sign
	Agreement     *Agreement    `json:"agreement,omitempty"`      // reach_agreement
	Court         string        `json:"court,omitempty"`          // apply_confirmation
	RulingNo      string        `json:"ruling_no,omitempty"`      // confirm, reject_confirmation
}

// Env is what an Effect may use besides the case and the input.
type Env struct {
	Now   time.Time
	Actor Role
	lc    *Lifecycle
}

// Deadline returns the deadline of step: its period's days plus extra,
// counted from start by the lifecycle's DayCounter (in working days when the
// period says so; then Adjusted equals Nominal, a working day already). It
// fails with EINTERNAL when the lifecycle has no period for step or no
// DayCounter.
func (e Env) Deadline(step Step, start time.Time, extra int) (Deadline, error) {
	if e.lc == nil {
		return Deadline{}, Errorf(EINTERNAL, "No lifecycle to count %s in.", step)
	}
	per, ok := e.lc.Periods[step]
	if !ok {
		return Deadline{}, Errorf(EINTERNAL, "Lifecycle %s has no period for %s.", e.lc.Name, step)
	}
	if e.lc.Days == nil {
		return Deadline{}, Errorf(EINTERNAL, "Lifecycle %s has no day counter.", e.lc.Name)
	}
	d := Deadline{Step: step, Start: start, Days: per.Days + extra, Citation: per.Citation}
	if per.Workdays {
		d.Nominal = e.lc.Days.AddWorkdays(start, d.Days)
		d.Adjusted = d.Nominal
	} else {
		d.Nominal, d.Adjusted = e.lc.Days.AddDays(start, d.Days)
	}
	return d, nil
}

// Transitioned describes a transition that Apply made: what a history event
// records.
type Transitioned struct {
	Lifecycle  string          `json:"lifecycle"`
	Transition string          `json:"transition"`
	From       State           `json:"from"`
	To         State           `json:"to"`
	Actor      Role            `json:"actor"`
	ActorID    string          `json:"actor_id,omitempty"`
	At         time.Time       `json:"at"`
	Input      TransitionInput `json:"input"`
	// Deadlines are the deadlines the transition set or changed.
	Deadlines []Deadline `json:"deadlines,omitempty"`
}

// Transition returns the transition with the given name.
func (l *Lifecycle) Transition(name string) (Transition, bool) {
	for _, t := range l.Transitions {
		if t.Name == name {
			return t, true
		}
	}
	return Transition{}, false
}

// Active reports whether s is a state of the lifecycle in which work remains.
func (l *Lifecycle) Active(s State) bool {
	return slices.Contains(l.States, s) && !slices.Contains(l.Inactive, s)
}

// Allowed returns the names of the transitions, in table order, that actor's
// role may take from p's current state. Guards are not evaluated: a listed
// transition may still be refused for its input or a deadline.
func (l *Lifecycle) Allowed(p *Petition, actor Role) []string {
	var names []string
	for _, t := range l.Transitions {
		if slices.Contains(t.From, p.State) && slices.Contains(t.Roles, actor) {
			names = append(names, t.Name)
		}
	}
	return names
}

// Apply takes the transition called name on p for an actor in role actor at
// time now. The checks run in this order, and the first that fails decides
// the error:
//
//   - p is not of the lifecycle's kind: EINTERNAL;
//   - no transition has that name: EINVALID, with Allowed;
//   - actor's role may not take it: EFORBIDDEN;
//   - p's state is not one it leaves from: ECONFLICT, with Allowed (the
//     transitions actor may take from the current state);
//   - a guard refuses: the guard's error (EINVALID, EDEADLINE, EFORBIDDEN
//     or ECONFLICT, the last with Allowed filled in).
//
// On success Apply changes p (state, dates, deadlines, records) and returns
// what it did. On any error p is left exactly as it was. Apply does not check
// jurisdiction or the actor's relation to the case: the service does that
// before it calls Apply.
func (l *Lifecycle) Apply(p *Petition, name string, actor Role, in TransitionInput, now time.Time) (Transitioned, error) {
	if p.Kind != l.Kind {
		return Transitioned{}, Errorf(EINTERNAL, "A %s case cannot follow the %s lifecycle.", p.Kind, l.Name)
	}
	t, ok := l.Transition(name)
	if !ok {
		e := Errorf(EINVALID, "There is no transition %q.", name)
		e.Allowed = l.Allowed(p, actor)
		return Transitioned{}, e
	}
	if !slices.Contains(t.Roles, actor) {
		return Transitioned{}, Errorf(EFORBIDDEN, "Role %s may not %s a case.", actor, name)
	}
	if !slices.Contains(t.From, p.State) {
		e := Errorf(ECONFLICT, "A case that is %s cannot %s.", p.State, name)
		e.Allowed = l.Allowed(p, actor)
		return Transitioned{}, e
	}
	c := p.Clone()
	for _, g := range t.Guards {
		if err := g.Check(c, in, now); err != nil {
			return Transitioned{}, l.withAllowed(err, p, actor)
		}
	}
	if t.Effect != nil {
		if err := t.Effect(c, in, Env{Now: now, Actor: actor, lc: l}); err != nil {
			return Transitioned{}, err
		}
	}
	c.State = t.To
	done := Transitioned{
		Lifecycle: l.Name, Transition: name, From: p.State, To: t.To,
		Actor: actor, ActorID: in.ActorID, At: now, Input: in,
	}
	for _, step := range sortedSteps(c.Deadlines) {
		if d := c.Deadlines[step]; d != p.Deadlines[step] {
			done.Deadlines = append(done.Deadlines, d)
		}
	}
	*p = *c
	return done, nil
}

// withAllowed fills in Allowed on an ECONFLICT *Error that lacks it.
func (l *Lifecycle) withAllowed(err error, p *Petition, actor Role) error {
	if e, ok := err.(*Error); ok && e.Code == ECONFLICT && e.Allowed == nil {
		c := *e
		c.Allowed = l.Allowed(p, actor)
		return &c
	}
	return err
}

// Due returns the deadline running in p's current state: the Timers step's
// deadline (the extended one for handling, once extended). It reports false
// when no deadline runs in that state or none has been set.
func (l *Lifecycle) Due(p *Petition) (Deadline, bool) {
	return runningDeadline(l.Timers, p)
}

// runningDeadline returns the deadline of the step timers names for p's
// state: Due's rule, shared with RunningDue.
func runningDeadline(timers map[State]Step, p *Petition) (Deadline, bool) {
	step, ok := timers[p.State]
	if !ok {
		return Deadline{}, false
	}
	if step == StepHandling {
		if d, ok := p.Deadlines[StepHandlingExtended]; ok {
			return d, true
		}
	}
	d, ok := p.Deadlines[step]
	return d, ok
}

// Overdue reports whether p is in an active state whose running deadline
// has passed at now (computed, never stored).
func (l *Lifecycle) Overdue(p *Petition, now time.Time) bool {
	d, ok := l.Due(p)
	return ok && l.Active(p.State) && d.Passed(now)
}

// Check reports whether the lifecycle is well formed: Initial and every
// From, To, Inactive and Timers state among States, unique transition names,
// at least one role and one source state per transition, a named Check for
// every guard, a period for every timer step, Initial active. It returns an
// EINTERNAL *Error naming the first fault, or nil.
func (l *Lifecycle) Check() error {
	known := func(s State) bool { return slices.Contains(l.States, s) }
	fault := func(format string, args ...any) error {
		return Errorf(EINTERNAL, "Lifecycle %s: %s.", l.Name, fmt.Sprintf(format, args...))
	}
	if len(l.States) == 0 || l.States[0] != l.Initial {
		return fault("the initial state %q is not the first state", l.Initial)
	}
	if slices.Contains(l.Inactive, l.Initial) {
		return fault("the initial state is inactive")
	}
	for _, s := range l.Inactive {
		if !known(s) {
			return fault("inactive state %q is unknown", s)
		}
	}
	for s, step := range l.Timers {
		if !known(s) {
			return fault("timer state %q is unknown", s)
		}
		if _, ok := l.Periods[step]; !ok && step != StepPerformance {
			return fault("timer step %q has no period", step)
		}
	}
	seen := map[string]bool{}
	for _, t := range l.Transitions {
		if t.Name == "" || seen[t.Name] {
			return fault("transition name %q is empty or repeated", t.Name)
		}
		seen[t.Name] = true
		if len(t.From) == 0 || len(t.Roles) == 0 {
			return fault("transition %s has no source state or no role", t.Name)
		}
		for _, s := range append(slices.Clone(t.From), t.To) {
			if !known(s) {
				return fault("transition %s uses unknown state %q", t.Name, s)
			}
		}
		for _, g := range t.Guards {
			if g.Name == "" || g.Check == nil {
				return fault("transition %s has an unnamed or empty guard", t.Name)
			}
		}
	}
	return nil
}

// sortedSteps returns the keys of m in order.
func sortedSteps(m map[Step]Deadline) []Step {
	steps := make([]Step, 0, len(m))
	for s := range m {
		steps = append(steps, s)
	}
	slices.Sort(steps)
	return steps
}
