package casework

import (
	"context"
	"slices"
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
	After    string
	Limit    int
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

// List returns the cases a may read that f selects, in id order, a page at
// a time. The store is read in pages narrowed by f; each case is kept if it
// is in a's scope (ListScope) and Decide lets a read it.
func (s *Service) List(ctx context.Context, a petitions.Actor, f ListFilter) (*CasePage, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if err := petitions.Decide(a, petitions.ActListCases, nil, tree).Err(); err != nil {
		return nil, err
	}
	sf := petitions.PetitionFilter{LeadUnit: f.LeadUnit, State: f.State, Kind: f.Kind, After: f.After, Limit: f.Limit}
	want := sf.ListLimit()
	sf.Limit = petitions.MaxListLimit
	scope := petitions.ListScope(a, tree)
	now := s.now()
	page := &CasePage{Cases: []CaseSummary{}}
	for {
		batch, err := s.store.ListPetitions(ctx, sf)
		if err != nil {
			return nil, err
		}
		for _, p := range batch {
			sf.After = p.ID
			if !scope.Matches(p, tree) || !petitions.Decide(a, petitions.ActReadCase, p, tree).Allowed {
				continue
			}
			sum := s.summary(p, now)
			if f.Overdue && !sum.Overdue {
				continue
			}
			page.Cases = append(page.Cases, sum)
			if len(page.Cases) == want {
				page.Next = p.ID
				return page, nil
			}
		}
		if len(batch) < sf.Limit {
			return page, nil
		}
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
