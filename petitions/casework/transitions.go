package casework

import (
	"context"
	"slices"
	"strings"
	"time"

	"hearingroom/petitions"
)

// TransitionRequest asks for one transition of a case.
type TransitionRequest struct {
	Name  string                    `json:"name"`
	Input petitions.TransitionInput `json:"input"`
	// Version, when not 0, is the version of the case the request was made
	// from: a case changed since gives ECONFLICT instead of acting on what
	// the actor did not see.
	Version int64 `json:"version,omitempty"`
}

// Transition takes transition r.Name on case id for a and returns the case
// as it now stands. Errors, in the order they are checked: ENOTFOUND (no
// case, or one a may not read); EFORBIDDEN (no relation to the case that
// permits acting, or no role of a may take this transition); ECONFLICT (the
// case changed since r.Version, or the transition does not leave from its
// state: Allowed lists what a may do; of concurrent transitions exactly one
// wins, the others get ECONFLICT); EINVALID (an unknown transition, with
// Allowed, or missing input, per field); EDEADLINE (a time limit refuses).
func (s *Service) Transition(ctx context.Context, a petitions.Actor, id string, r TransitionRequest) (*CaseView, error) {
	p, tree, _, err := s.load(ctx, a, id, petitions.ActTransition)
	if err != nil {
		return nil, err
	}
	lc := s.lcs[p.Kind]
	if r.Version != 0 && r.Version != p.Version {
		e := petitions.Errorf(petitions.ECONFLICT, "The case changed since version %d; it is at version %d: read it again.", r.Version, p.Version)
		e.Allowed = s.allowed(a, p, tree)
		return nil, e
	}
	roles := petitions.ActingRoles(a, p, tree)
	role := roles[0] // Decide allowed ActTransition, so one grant gives standing
	t, known := lc.Transition(r.Name)
	if known {
		for _, rr := range roles {
			if slices.Contains(t.Roles, rr) {
				role = rr
				break
			}
		}
	}
	in := r.Input
	in.ActorID = a.ID // never taken from the request
	if in.Owner != "" && in.Owner != p.Owner {
		if err := s.checkOwner(ctx, in.Owner); err != nil {
			return nil, err
		}
	}
	version := p.Version
	done, err := lc.Apply(p, r.Name, role, in, s.now())
	if err != nil {
		return nil, s.withAllowed(err, a, p, tree)
	}
	ev, err := s.event(KindTransition, a, role, done)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdatePetition(ctx, p, version, ev); err != nil {
		if petitions.ErrorCode(err) == petitions.ECONFLICT {
			return nil, petitions.Errorf(petitions.ECONFLICT, "The case changed while %s was being taken: read it again.", r.Name)
		}
		return nil, err
	}
	s.refreshFacts(ctx, p)
	return s.view(a, p, tree, petitions.Decide(a, petitions.ActReadCase, p, tree).Redact), nil
}

// withAllowed replaces the Allowed list of an *Error from Apply (computed
// for one role) by the transitions a may take in all his roles.
func (s *Service) withAllowed(err error, a petitions.Actor, p *petitions.Petition, tree *petitions.UnitTree) error {
	e, ok := err.(*petitions.Error)
	if !ok || e.Allowed == nil {
		return err
	}
	c := *e
	c.Allowed = s.allowed(a, p, tree)
	return &c
}

// ListFilter narrows a list of cases. Zero fields match any case.
type ListFilter struct {
	State    petitions.State
	Kind     petitions.Kind
	LeadUnit string
	Overdue  bool // only cases overdue now
	// View names a worklist (Views): overdue, due_this_week, supervised,
	// red, repeat; "" lists every case.
	View     string
	Category string
	Risk     petitions.RiskLevel
	// Unit keeps the cases that name a unit of its subtree (lead, co-,
	// assigned, summoned, station or village unit).
	Unit string
	// Sort is one of petitions.Sorts; "" takes the view's own order (due
	// for overdue, due_this_week; supervised for supervised; id otherwise).
	Sort  string
	After string // the Next of the previous page, for the same Sort and View
	Limit int
}

// Worklists (ListFilter.View).
const (
	ViewOverdue     = "overdue"       // active, the running deadline passed; by due
	ViewDueThisWeek = "due_this_week" // active, due within 7 days and not yet overdue; by due
	ViewSupervised  = "supervised"    // active, supervised first, then by due
	ViewRed         = "red"           // active, risk red
	ViewRepeat      = "repeat"        // linked as a repeat petition (重复访)
)

// Views lists the worklists ListFilter.View knows.
func Views() []string {
	return []string{ViewOverdue, ViewDueThisWeek, ViewSupervised, ViewRed, ViewRepeat}
}

// ViewSort returns the order of a view when ListFilter.Sort is "": due for
// overdue and due_this_week, supervised for supervised, id otherwise.
func ViewSort(view string) string {
	switch view {
	case ViewOverdue, ViewDueThisWeek:
		return petitions.SortDue
	case ViewSupervised:
		return petitions.SortSupervised
	}
	return petitions.SortID
}

// storeFilter turns f into the store's filter at now, for the actor's
// scope; an unknown view, sort or unit is EINVALID.
func storeFilter(f ListFilter, scope petitions.Scope, tree *petitions.UnitTree, now time.Time) (petitions.PetitionFilter, error) {
	sf := petitions.PetitionFilter{LeadUnit: f.LeadUnit, State: f.State, Kind: f.Kind, Category: f.Category,
		Risk: f.Risk, Scope: &scope, Sort: f.Sort, After: f.After, Limit: f.Limit}
	active := true
	// overdue at now ⇔ due ≤ now; due is in whole microseconds.
	overdue := now.Truncate(time.Microsecond).Add(time.Microsecond)
	bad := func(field, msg string) error {
		e := petitions.Errorf(petitions.EINVALID, "The list query is not valid.")
		e.Fields = map[string]string{field: msg}
		return e
	}
	if f.Overdue {
		sf.Active, sf.DueBefore = &active, overdue
	}
	switch f.View {
	case "":
	case ViewOverdue:
		sf.Active, sf.DueBefore = &active, overdue
	case ViewDueThisWeek:
		sf.Active, sf.DueFrom, sf.DueBefore = &active, overdue, now.AddDate(0, 0, 7)
	case ViewSupervised:
		sf.Active = &active
	case ViewRed:
		sf.Active, sf.Risk = &active, petitions.RiskRed
		if f.Risk != "" && f.Risk != petitions.RiskRed {
			return sf, bad("risk", "the red worklist holds red cases only")
		}
	case ViewRepeat:
		sf.Repeat = true
	default:
		return sf, bad("view", "must be one of "+strings.Join(Views(), ", "))
	}
	if sf.Sort == "" {
		sf.Sort = ViewSort(f.View)
	}
	if !slices.Contains(petitions.Sorts(), sf.Sort) {
		return sf, bad("sort", "must be one of "+strings.Join(petitions.Sorts(), ", "))
	}
	if f.Unit != "" {
		if sf.Units = tree.Subtree(f.Unit); sf.Units == nil {
			return sf, bad("unit", "is not a unit of the tree")
		}
	}
	return sf, nil
}

// CaseSummary is a line of a case list: what a worklist shows, without the
// parties, the request or anything else a case file holds. Opening the file
// (Case) is the read that is logged.
type CaseSummary struct {
	ID            string              `json:"id"`
	CaseNo        string              `json:"case_no"`
	Kind          petitions.Kind      `json:"kind"`
	Class         petitions.Class     `json:"class,omitempty"`
	Category      string              `json:"category"`
	Channel       petitions.Channel   `json:"channel"`
	State         petitions.State     `json:"state"`
	RiskLevel     petitions.RiskLevel `json:"risk_level"`
	MajorUrgent   bool                `json:"major_urgent"`
	Confidential  bool                `json:"confidential"`
	LeadUnit      string              `json:"lead_unit,omitempty"`
	Owner         string              `json:"owner,omitempty"`
	ReceivedAt    time.Time           `json:"received_at,omitzero"`
	SummaryPublic string              `json:"summary_public,omitempty"`
	Due           *petitions.Deadline `json:"due,omitempty"`
	Overdue       bool                `json:"overdue"`
	Supervised    bool                `json:"supervised"`
	Summoned      bool                `json:"summoned"`
	Version       int64               `json:"version"`
}

// CasePage is one page of a list; Next, when not "", is the After of the
// following page.
type CasePage struct {
	Cases []CaseSummary `json:"cases"`
	Next  string        `json:"next,omitempty"`
}

// List returns the cases a may read that f selects, in f's order, a page
// at a time. The store applies f and a's scope (ListScope) in SQL; each
// case it returns is then kept only if Decide lets a read it (recusal and
// accusation bars, which the store cannot see), so the store is read until
// the page is full or the list ends. It returns EINVALID (per field) for an
// unknown view, sort or unit, or a cursor of another sort.
func (s *Service) List(ctx context.Context, a petitions.Actor, f ListFilter) (*CasePage, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if err := petitions.Decide(a, petitions.ActListCases, nil, tree).Err(); err != nil {
		return nil, err
	}
	now := s.now()
	sf, err := storeFilter(f, petitions.ListScope(a, tree), tree, now)
	if err != nil {
		return nil, err
	}
	want := sf.ListLimit()
	// A page's worth first: Decide seldom refuses a case in scope, and
	// every case read is decoded. After a refusal, larger batches.
	sf.Limit = want
	page := &CasePage{Cases: []CaseSummary{}}
	for {
		batch, err := s.store.ListPetitions(ctx, sf)
		if err != nil {
			return nil, err
		}
		for _, p := range batch {
			sf.After = petitions.CursorOf(p, sf.Sort)
			if !petitions.Decide(a, petitions.ActReadCase, p, tree).Allowed {
				continue
			}
			page.Cases = append(page.Cases, s.summary(p, now))
			if len(page.Cases) == want {
				page.Next = sf.After
				return page, nil
			}
		}
		if len(batch) < sf.Limit {
			return page, nil
		}
		sf.Limit = min(2*sf.Limit, petitions.MaxListLimit)
	}
}

// summary returns the list line of p at now.
func (s *Service) summary(p *petitions.Petition, now time.Time) CaseSummary {
	sum := CaseSummary{
		ID: p.ID, CaseNo: p.CaseNo, Kind: p.Kind, Class: p.Class, Category: p.Category, Channel: p.Channel,
		State: p.State, RiskLevel: p.RiskLevel, MajorUrgent: p.MajorUrgent, Confidential: p.Confidential,
		LeadUnit: p.LeadUnit, Owner: p.Owner, ReceivedAt: p.ReceivedAt, SummaryPublic: p.SummaryPublic,
		Supervised: p.Supervised(), Summoned: p.Summoned(), Version: p.Version,
	}
	if lc := s.lcs[p.Kind]; lc != nil {
		sum.Overdue = lc.Overdue(p, now)
		if d, ok := lc.Due(p); ok && lc.Active(p.State) {
			sum.Due = &d
		}
	}
	return sum
}
