package casework

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// CaseView is a case file as one reader may see it: the record (Redacted
// when the reader may not see the parties' personal data) with the overlays
// computed at the time of reading and the transitions the reader may take.
type CaseView struct {
	*petitions.Petition
	Redacted   bool                `json:"redacted"`
	Overdue    bool                `json:"overdue"`
	Supervised bool                `json:"supervised"`
	Summoned   bool                `json:"summoned"`
	Due        *petitions.Deadline `json:"due,omitempty"`
	// Allowed lists the transitions the reader may take now (guards not
	// evaluated).
	Allowed []string `json:"allowed"`
}

// view builds the CaseView of p for a, redacted if redact.
func (s *Service) view(a petitions.Actor, p *petitions.Petition, tree *petitions.UnitTree, redact bool) *CaseView {
	lc := s.lcs[p.Kind]
	v := &CaseView{Petition: p, Redacted: redact, Allowed: s.allowed(a, p, tree),
		Supervised: p.Supervised(), Summoned: p.Summoned()}
	if lc != nil {
		v.Overdue = lc.Overdue(p, s.now())
		if d, ok := lc.Due(p); ok && lc.Active(p.State) {
			v.Due = &d
		}
	}
	if redact {
		v.Petition = petitions.Redacted(p)
	}
	return v
}

// allowed returns the transitions a may take on p in any role he acts in.
func (s *Service) allowed(a petitions.Actor, p *petitions.Petition, tree *petitions.UnitTree) []string {
	names := []string{}
	lc := s.lcs[p.Kind]
	if lc == nil || !petitions.Decide(a, petitions.ActTransition, p, tree).Allowed {
		return names
	}
	for _, r := range petitions.ActingRoles(a, p, tree) {
		for _, n := range lc.Allowed(p, r) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// load reads case id and decides act on it for a. A caller whose roles
// read no case file (an administrator) gets EFORBIDDEN; a case a may not
// read is reported as not found, so that its existence does not leak (a
// confidential case and the unit it accuses); a case a may read but not act
// on gives EFORBIDDEN.
func (s *Service) load(ctx context.Context, a petitions.Actor, id string, act petitions.Action) (*petitions.Petition, *petitions.UnitTree, petitions.AccessDecision, error) {
	// Whoever reads no case file at all (an administrator) is told so
	// before the case is looked up: the same answer for every id.
	if d := petitions.Decide(a, petitions.ActListCases, nil, nil); !d.Allowed {
		return nil, nil, d, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: your roles do not read case files.")
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, nil, petitions.AccessDecision{}, err
	}
	p, err := s.store.Petition(ctx, id)
	if err != nil {
		return nil, nil, petitions.AccessDecision{}, err
	}
	read := petitions.Decide(a, petitions.ActReadCase, p, tree)
	if !read.Allowed {
		return nil, nil, read, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", id)
	}
	d := read
	if act != petitions.ActReadCase {
		d = petitions.Decide(a, act, p, tree)
		if err := d.Err(); err != nil {
			return nil, nil, d, err
		}
	}
	return p, tree, d, nil
}

// readLog is the content of a KindRead event.
type readLog struct {
	What     string `json:"what"` // "case", "history", "sessions", "session", "recording"
	Object   string `json:"object,omitempty"`
	Redacted bool   `json:"redacted"`
}

// logRead appends the KindRead event of a's read of case id. A read that
// cannot be logged is refused: the log is the condition of the read.
func (s *Service) logRead(ctx context.Context, a petitions.Actor, id string, r readLog) error {
	return s.appendEvent(ctx, id, KindRead, a, "", r)
}

// Case returns case id as a may read it, and logs the read.
func (s *Service) Case(ctx context.Context, a petitions.Actor, id string) (*CaseView, error) {
	p, tree, d, err := s.load(ctx, a, id, petitions.ActReadCase)
	if err != nil {
		return nil, err
	}
	if err := s.logRead(ctx, a, id, readLog{What: "case", Redacted: d.Redact}); err != nil {
		return nil, err
	}
	return s.view(a, p, tree, d.Redact), nil
}

// History returns the events of case id, and logs the read. A reader who
// may not see the parties gets each event without its Data, which may quote
// them.
func (s *Service) History(ctx context.Context, a petitions.Actor, id string) ([]*petitions.Event, error) {
	_, _, d, err := s.load(ctx, a, id, petitions.ActReadCase)
	if err != nil {
		return nil, err
	}
	evs, err := s.store.Events(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.logRead(ctx, a, id, readLog{What: "history", Redacted: d.Redact}); err != nil {
		return nil, err
	}
	if d.Redact {
		for _, e := range evs {
			e.Data = nil
		}
	}
	return evs, nil
}

// Register enters the new case p for a and returns it as stored. The server
// decides what the filer may not: the id, the case number, the query code,
// the state and everything a lifecycle records later. A petition entered by
// someone who may register it (a township official, a department, the
// dispatcher) is registered at once, its acceptance deadline running; one
// a village proxy or grid worker files waits as a draft for an official to
// register it. A mediation starts as applied.
func (s *Service) Register(ctx context.Context, a petitions.Actor, p *petitions.Petition) (*CaseView, error) {
	if p == nil {
		return nil, petitions.Errorf(petitions.EINVALID, "No case given.")
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if err := petitions.Decide(a, petitions.ActRegisterCase, p, tree).Err(); err != nil {
		return nil, err
	}
	now := s.now()
	c := p.Clone()
	resetServerFields(c)
	c.ID, c.FiledBy = newID(), a.ID
	if c.ReceivedAt.IsZero() || c.ReceivedAt.After(now) {
		c.ReceivedAt = now
	}
	if err := s.checkReferences(c, tree); err != nil {
		return nil, err
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	lc := s.lcs[c.Kind]
	c.State = lc.Initial
	role, grantUnit := registeringGrant(a, c, lc)
	if c.LeadUnit == "" && grantUnit != "" {
		c.LeadUnit = grantUnit
	}
	var data any = map[string]any{"lifecycle": lc.Name, "state": c.State}
	if c.Kind == petitions.KindPetition && role != "" {
		done, err := lc.Apply(c, "register", role, petitions.TransitionInput{ActorID: a.ID}, now)
		if err != nil {
			return nil, err
		}
		data = done
	}
	if role == "" {
		role = primaryRole(a)
	}
	code, err := queryCode()
	if err != nil {
		return nil, err
	}
	c.QueryCode = code
	for try := range 5 {
		if c.CaseNo, err = s.nextCaseNo(ctx, tree, c.ReceivedAt, try > 0); err != nil {
			return nil, err
		}
		var ev *petitions.Event
		if ev, err = s.event(KindRegistered, a, role, data); err != nil {
			return nil, err
		}
		// err, not a new variable: a store error must reach the check below.
		err = s.store.CreatePetitionWithFacts(ctx, c, ev, s.registeredFacts(ctx, c, ev))
		if petitions.ErrorCode(err) != petitions.ECONFLICT {
			break // another server took the number: take the next
		}
	}
	if err != nil {
		return nil, err
	}
	return s.view(a, c, tree, false), nil
}

// registeredFacts returns the statistics facts of c as it is about to be
// created with its one event ev, stored with it in one transaction. A
// failure is logged and gives nil: the case is created, and its facts lag
// until its next change or stats.Backfill.
func (s *Service) registeredFacts(ctx context.Context, c *petitions.Petition, ev *petitions.Event) *petitions.CaseFacts {
	p := c.Clone()
	p.Version = 1
	e := *ev
	e.CaseID, e.At = p.ID, e.At.Truncate(time.Microsecond) // as Seal stores it
	f, err := stats.FactsOf(p, []*petitions.Event{&e}, s.lcs)
	if err != nil {
		s.log.ErrorContext(ctx, "statistics facts not saved", "case", p.ID, "version", p.Version, "err", err)
		return nil
	}
	return f
}

// registeringGrant returns the role (and its unit) in which a registers c:
// the first grant whose role may take the "register" transition of a
// petition, or for a mediation the first that may enter one. It returns ""
// when a may only file (a proxy): the petition waits as a draft.
func registeringGrant(a petitions.Actor, c *petitions.Petition, lc *petitions.Lifecycle) (petitions.Role, string) {
	t, _ := lc.Transition("register")
	for _, g := range a.Roles {
		if c.Kind == petitions.KindPetition && slices.Contains(t.Roles, g.Role) {
			return g.Role, g.Unit
		}
		if c.Kind == petitions.KindMediation && (g.Role == petitions.RoleMediator || g.Role == petitions.RoleTownship ||
			g.Role == petitions.RoleDispatcher || g.Role == petitions.RoleDepartment) {
			return g.Role, g.Unit
		}
	}
	return "", ""
}

// resetServerFields clears what only the server and the lifecycles write.
func resetServerFields(c *petitions.Petition) {
	c.ID, c.CaseNo, c.QueryCode, c.State, c.Version = "", "", "", "", 0
	c.RegisteredAt, c.AcceptedAt, c.RepliedAt, c.ClosedAt, c.ArchivedAt =
		time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	c.Deadlines, c.Decision, c.Transfers, c.Extension, c.Reply = nil, nil, nil, nil, nil
	c.Reviews, c.Notices, c.Settled, c.Archive = nil, nil, false, nil
	c.Supervisions, c.Summons, c.FollowUps, c.Ratings, c.Assignments = nil, nil, nil, nil, nil
	c.Owner = ""
	if c.Mediation != nil {
		m := *c.Mediation
		m.MediatorIDs, m.Candidate = nil, ""
		c.Mediation = &m
	}
}

// checkReferences refuses a category outside the catalogue and a unit or
// station the tree does not know.
func (s *Service) checkReferences(c *petitions.Petition, tree *petitions.UnitTree) error {
	fields := map[string]string{}
	if c.Category != "" && !slices.ContainsFunc(s.cats, func(k petitions.Category) bool { return k.Code == c.Category }) {
		fields["category"] = fmt.Sprintf("unknown category %q", c.Category)
	}
	if _, ok := tree.Unit(c.LeadUnit); c.LeadUnit != "" && !ok {
		fields["lead_unit"] = fmt.Sprintf("unknown unit %q", c.LeadUnit)
	}
	for i, u := range c.CoUnits {
		if _, ok := tree.Unit(u); !ok {
			fields[fmt.Sprintf("co_units[%d]", i)] = fmt.Sprintf("unknown unit %q", u)
		}
	}
	if _, ok := tree.StationUnit(c.StationID); c.StationID != "" && !ok {
		fields["station_id"] = fmt.Sprintf("unknown station %q", c.StationID)
	}
	if _, ok := tree.Resolve(c.Village); c.Village != "" && !ok {
		fields["village"] = fmt.Sprintf("unknown village %q", c.Village)
	}
	if len(fields) > 0 {
		e := petitions.Errorf(petitions.EINVALID, "The case names what the ledger does not know.")
		e.Fields = fields
		return e
	}
	return nil
}

// queryCode returns a random six-digit query code.
func queryCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("casework: query code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// nextCaseNo returns the next public case number of the year of at:
// 县码-年-序号, the serial seven digits. Serials are dense from 1, so the
// first number of a year after a start is found by searching the store
// (exponentially, then by halves); after that a counter runs in memory and
// the store is not asked. A number another server took meanwhile makes
// CreatePetition fail with ECONFLICT, and the caller asks again with probe
// set: the counter then skips the numbers the store holds.
func (s *Service) nextCaseNo(ctx context.Context, tree *petitions.UnitTree, at time.Time, probe bool) (string, error) {
	prefix := "hr"
	if root := rootUnit(tree); root != nil {
		prefix = root.Code
		if prefix == "" {
			prefix = root.ID
		}
	}
	year := at.In(china).Year()
	number := func(n int) string { return fmt.Sprintf("%s-%d-%07d", prefix, year, n) }
	exists := func(n int) (bool, error) {
		_, err := s.store.PetitionByNumber(ctx, number(n))
		switch petitions.ErrorCode(err) {
		case "":
			return true, nil
		case petitions.ENOTFOUND:
			return false, nil
		}
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last, known := s.serial[year]
	if !known {
		lo, hi := 0, 1 // number(lo) exists (or lo is 0); number(hi) is to be tried
		for {
			ok, err := exists(hi)
			if err != nil {
				return "", err
			}
			if !ok {
				break
			}
			lo, hi = hi, hi*2
		}
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			ok, err := exists(mid)
			if err != nil {
				return "", err
			}
			if ok {
				lo = mid
			} else {
				hi = mid
			}
		}
		last = lo
	}
	for {
		last++
		if !probe {
			break
		}
		ok, err := exists(last)
		if err != nil {
			return "", err
		}
		if !ok {
			break
		}
	}
	s.serial[year] = last
	return number(last), nil
}

// rootUnit returns the county, or nil for an empty tree.
func rootUnit(tree *petitions.UnitTree) *petitions.Unit {
	for _, id := range tree.Roots() {
		u, _ := tree.Unit(id)
		return u
	}
	return nil
}
