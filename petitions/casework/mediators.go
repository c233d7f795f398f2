package casework

import (
	"context"
	"slices"
	"time"

	"hearingroom/petitions"
)

// BoardEntry is one mediator on the mediator board (点单式调解): who he is,
// what he is good at, and how the parties he mediated for rated him. It
// holds nothing confidential: the board hangs in the village committee.
type BoardEntry struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Unit        string   `json:"unit"`
	UnitName    string   `json:"unit_name"`
	Specialties []string `json:"specialties"`
	Intro       string   `json:"intro,omitempty"`
	Photo       string   `json:"photo,omitempty"`
	// Cases counts the mediations he accepted, Agreements those that
	// reached an agreement in effect; Rated the ratings parties gave him
	// on his closed cases and Satisfied the satisfied or basically
	// satisfied ones. Satisfaction is Satisfied ÷ Rated, nil before any rating.
	Cases        int      `json:"cases"`
	Agreements   int      `json:"agreements"`
	Rated        int      `json:"rated"`
	Satisfied    int      `json:"satisfied"`
	Satisfaction *float64 `json:"satisfaction"`
}

// MediatorBoard lists the mediators the parties at a unit may pick from:
// those of the unit itself, of every unit above it (the village's
// committee, the township's) and of the county's departments (the
// mediation centre), nearest first, each with his record over the whole
// ledger. Disabled accounts are left out. unit may
// be a station id, which stands for its unit.
func (s *Service) MediatorBoard(ctx context.Context, unit string) ([]BoardEntry, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if u, ok := tree.StationUnit(unit); ok {
		unit = u
	}
	if _, ok := tree.Unit(unit); !ok {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no unit or station %s.", unit)
	}
	now := s.now()
	totals, err := s.store.AggregateFacts(ctx, petitions.FactsQuery{
		From: time.Unix(0, 0), To: now.Add(time.Second), Now: now, SoonDay: now, GroupBy: petitions.GroupMediator})
	if err != nil {
		return nil, err
	}
	board := []BoardEntry{}
	seen := map[string]bool{}
	// The unit, the units above it, then the county's departments (the
	// mediation centre, 矛调中心), which serve every village.
	units := append([]string{unit}, tree.Ancestors(unit)...)
	for _, root := range tree.Roots() {
		for _, d := range tree.Subtree(root) {
			if u, _ := tree.Unit(d); u.Level == petitions.UnitDepartment && !slices.Contains(units, d) {
				units = append(units, d)
			}
		}
	}
	for _, u := range units {
		people, err := s.store.People(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			if p.Disabled || seen[p.ID] || !slices.ContainsFunc(p.Roles, func(g petitions.RoleGrant) bool {
				return g.Role == petitions.RoleMediator && g.Unit == u
			}) {
				continue
			}
			seen[p.ID] = true
			board = append(board, boardEntry(p, u, unitName(tree, u), totals[p.ID]))
		}
	}
	return board, nil
}

// boardEntry is the board's line for mediator p of unit, with his totals
// (nil: none yet).
func boardEntry(p *petitions.Person, unit, unitName string, t *petitions.FactsTotals) BoardEntry {
	e := BoardEntry{ID: p.ID, Name: p.Name, Unit: unit, UnitName: unitName, Specialties: []string{}}
	if f := p.Profile; f != nil {
		e.Specialties = append(e.Specialties, f.Specialties...)
		e.Intro, e.Photo = f.Intro, f.Photo
	}
	if t != nil {
		e.Cases, e.Agreements, e.Rated, e.Satisfied = t.MedAccepted, t.MedEffective, t.Ratings, t.Satisfied
		if t.Ratings > 0 {
			r := float64(t.Satisfied) / float64(t.Ratings)
			e.Satisfaction = &r
		}
	}
	return e
}
