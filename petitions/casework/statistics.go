package casework

import (
	"context"
	"iter"
	"slices"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// statsLog is the content of the KindRead event of a statistics read.
type statsLog struct {
	What string `json:"what"` // "statistics"
	Unit string `json:"unit"` // "" for the county
	From string `json:"from"` // first day, DayLayout
	To   string `json:"to"`   // last day, inclusive
}

// mayReadStatistics reports whether a may read the statistics of unit (""
// is the county): a leader for his unit or below (a county leader for
// anything), the dispatcher and the auditor for anything, a township
// official for his township or below.
func mayReadStatistics(a petitions.Actor, unit string, tree *petitions.UnitTree) bool {
	return slices.ContainsFunc(a.Roles, func(g petitions.RoleGrant) bool {
		switch g.Role {
		case petitions.RoleDispatcher, petitions.RoleAuditor:
			return true
		case petitions.RoleLeader:
			return tree.IsRoot(g.Unit) || tree.IsWithin(unit, g.Unit)
		case petitions.RoleTownship:
			return tree.IsWithin(unit, g.Unit)
		}
		return false
	})
}

// Statistics returns the oversight statistics of q (stats.Compute) over the
// cases of the ledger, computed from their histories, with q.Now set to the
// service's clock. The figures aggregate every case of the unit, whoever
// reads them: access is decided for the unit, not case by case. It returns
// EINVALID for a bad period or an unknown unit, EFORBIDDEN for a caller who
// may not read that unit's statistics. The read is logged as a ledger-level
// "read" event {what: "statistics", unit, from, to}; a read that cannot be
// logged is refused.
func (s *Service) Statistics(ctx context.Context, a petitions.Actor, q stats.Query) (*stats.Report, error) {
	q.Now = s.now()
	if err := q.Validate(); err != nil {
		return nil, err
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := tree.Unit(q.Unit); q.Unit != "" && !ok {
		return nil, invalid("unit", "unknown unit")
	}
	if !mayReadStatistics(a, q.Unit, tree) {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: you may not read the statistics of %s.", unitLabel(q.Unit))
	}
	if err := s.appendEvent(ctx, "", KindRead, a, "", statsLog{What: "statistics", Unit: q.Unit,
		From: Day(q.From), To: Day(q.To.Add(-1))}); err != nil {
		return nil, err
	}
	var readErr error
	rep, err := stats.Compute(q, tree, s.casesWithHistory(ctx, &readErr), s.lcs)
	if readErr != nil {
		return nil, readErr
	}
	if err != nil {
		return nil, err
	}
	return &rep, nil
}

// casesWithHistory streams every case of the ledger with its history, a
// page of cases at a time; the first error reading the store ends the
// stream and is left in *errp.
func (s *Service) casesWithHistory(ctx context.Context, errp *error) iter.Seq2[*petitions.Petition, []*petitions.Event] {
	return func(yield func(*petitions.Petition, []*petitions.Event) bool) {
		f := petitions.PetitionFilter{Limit: petitions.MaxListLimit}
		for {
			page, err := s.store.ListPetitions(ctx, f)
			if err != nil {
				*errp = err
				return
			}
			for _, p := range page {
				f.After = p.ID
				evs, err := s.store.Events(ctx, p.ID)
				if err != nil {
					*errp = err
					return
				}
				if !yield(p, evs) {
					return
				}
			}
			if len(page) < f.Limit {
				return
			}
		}
	}
}

func unitLabel(unit string) string {
	if unit == "" {
		return "the county"
	}
	return unit
}
