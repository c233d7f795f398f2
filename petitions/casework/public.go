package casework

import (
	"cmp"
	"context"
	"slices"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/ledgerexport"
)

// PublicCase is a case as anyone may see it, in the public (Open311) view:
// its number, its category, where it stands and who handles it, its public
// summary and the village it is from. Nothing in it names a person.
type PublicCase struct {
	CaseNo     string
	Kind       petitions.Kind
	Category   string // the category's code
	State      petitions.State
	Active     bool   // open, in Open311's words
	StateName  string // in Chinese
	Result     string // in Chinese, "" until there is one (ledgerexport.Result)
	Summary    string // SummaryPublic, the only text shown
	Agency     string // the lead unit's name
	Address    string // the township's and the village's names, never finer
	ReceivedAt time.Time
	UpdatedAt  time.Time // the latest date the case file holds
	Due        time.Time // the running deadline's adjusted day, zero when none
}

// PublicFilter selects public cases. Zero fields match any case.
type PublicFilter struct {
	CaseNos    []string // only these; the other fields are then ignored
	Categories []string // category codes
	From, To   time.Time
	Status     string // "open", "closed" or ""
}

// IsPublic reports whether case p may be shown to the public at all: a
// registered case that is neither confidential, nor an accusation (检举控告),
// nor anonymous. Everything else about a public case is still shown only as
// PublicCase has it.
func IsPublic(p *petitions.Petition) bool {
	return !p.Confidential && p.Class != petitions.ClassAccusation && !p.Anonymous && p.State != petitions.StateDraft
}

// PublicCases returns the public cases f selects, newest first. Nobody
// signs in for them and the reads are not logged: nothing personal is in
// them.
func (s *Service) PublicCases(ctx context.Context, f PublicFilter) ([]PublicCase, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	var out []PublicCase
	if len(f.CaseNos) > 0 {
		for _, no := range f.CaseNos {
			p, err := s.store.PetitionByNumber(ctx, no)
			if petitions.ErrorCode(err) == petitions.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			if IsPublic(p) {
				out = append(out, s.public(p, tree))
			}
		}
		return out, nil
	}
	sf := petitions.PetitionFilter{Limit: petitions.MaxListLimit}
	for {
		batch, err := s.store.ListPetitions(ctx, sf)
		if err != nil {
			return nil, err
		}
		for _, p := range batch {
			sf.After = p.ID
			switch {
			case !IsPublic(p),
				len(f.Categories) > 0 && !slices.Contains(f.Categories, p.Category),
				!f.From.IsZero() && p.ReceivedAt.Before(f.From),
				!f.To.IsZero() && !p.ReceivedAt.Before(f.To):
				continue
			}
			c := s.public(p, tree)
			if (f.Status == "open" && !c.Active) || (f.Status == "closed" && c.Active) {
				continue
			}
			out = append(out, c)
		}
		if len(batch) < sf.Limit {
			break
		}
	}
	slices.SortFunc(out, func(a, b PublicCase) int {
		return cmp.Or(b.ReceivedAt.Compare(a.ReceivedAt), cmp.Compare(b.CaseNo, a.CaseNo))
	})
	return out, nil
}

// PublicCaseByNumber returns public case caseNo, or ENOTFOUND, also for a
// case that is not public.
func (s *Service) PublicCaseByNumber(ctx context.Context, caseNo string) (PublicCase, error) {
	cs, err := s.PublicCases(ctx, PublicFilter{CaseNos: []string{caseNo}})
	if err != nil {
		return PublicCase{}, err
	}
	if len(cs) == 0 {
		return PublicCase{}, petitions.Errorf(petitions.ENOTFOUND, "There is no public case %s.", caseNo)
	}
	return cs[0], nil
}

// public returns p as the public sees it.
func (s *Service) public(p *petitions.Petition, tree *petitions.UnitTree) PublicCase {
	c := PublicCase{
		CaseNo: p.CaseNo, Kind: p.Kind, Category: p.Category, State: p.State,
		StateName: ledgerexport.StateName(p.State), Result: ledgerexport.Result(p),
		Summary: p.SummaryPublic, ReceivedAt: p.ReceivedAt, UpdatedAt: lastChange(p),
	}
	if p.LeadUnit != "" {
		c.Agency = unitName(tree, p.LeadUnit)
	}
	if id, ok := tree.Resolve(p.Village); ok {
		if u, _ := tree.Unit(id); u.Level == petitions.UnitVillage || u.Level == petitions.UnitTownship {
			if u.Level == petitions.UnitVillage {
				c.Address = unitName(tree, u.ParentID)
			}
			c.Address += u.Name
		}
	}
	if lc := s.lcs[p.Kind]; lc != nil {
		c.Active = lc.Active(p.State)
		if d, ok := lc.Due(p); ok && c.Active {
			c.Due = d.Adjusted
		}
	}
	return c
}

// lastChange returns the latest date case p's file holds.
func lastChange(p *petitions.Petition) time.Time {
	ts := []time.Time{p.ReceivedAt, p.RegisteredAt, p.AcceptedAt, p.RepliedAt, p.ClosedAt, p.ArchivedAt}
	if p.Decision != nil {
		ts = append(ts, p.Decision.DecidedAt)
	}
	if p.Reply != nil {
		ts = append(ts, p.Reply.ServedAt)
	}
	if p.Extension != nil {
		ts = append(ts, p.Extension.ApprovedAt)
	}
	for _, t := range p.Transfers {
		ts = append(ts, t.At, t.ObjectedAt)
	}
	for _, r := range p.Reviews {
		ts = append(ts, r.RequestedAt, r.AnsweredAt)
	}
	for _, n := range p.Notices {
		ts = append(ts, n.ServedAt)
	}
	for _, sv := range p.Supervisions {
		ts = append(ts, sv.IssuedAt, sv.FeedbackAt)
	}
	for _, f := range p.FollowUps {
		ts = append(ts, f.At)
	}
	if m := p.Mediation; m != nil && m.Agreement != nil {
		ts = append(ts, m.Agreement.ReachedAt, m.Agreement.EffectiveAt)
	}
	var last time.Time
	for _, t := range ts {
		if t.After(last) {
			last = t
		}
	}
	return last
}
