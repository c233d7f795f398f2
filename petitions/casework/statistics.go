package casework

import (
	"context"
	"slices"
	"sync"

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

// Statistics returns the oversight statistics of q over the cases of the
// ledger, with q.Now set to the service's clock: the figures of
// stats.Compute, summed by the store over the facts it keeps of each case
// (Store.AggregateFacts: one query for the unit, one per breakdown — the
// townships and departments, the mediators, the 包案 leaders) instead of a
// replay of every history. The figures aggregate every case of the unit,
// whoever reads them: access is decided for the unit, not case by case. It
// returns EINVALID for a bad period or an unknown unit, EFORBIDDEN for a
// caller who may not read that unit's statistics. The read is logged as a
// ledger-level "read" event {what: "statistics", unit, from, to}; a read
// that cannot be logged is refused.
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
	// The four sums at once: each is its own read, and the page waits for
	// the slowest rather than for all of them in turn.
	groupings := []string{petitions.GroupNone, petitions.GroupUnit, petitions.GroupMediator, petitions.GroupOwner}
	sums := make(map[string]map[string]*petitions.FactsTotals, len(groupings))
	errs := make([]error, len(groupings))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, g := range groupings {
		wg.Go(func() {
			got, err := s.store.AggregateFacts(ctx, stats.FactsQuery(q, tree, g))
			mu.Lock()
			sums[g], errs[i] = got, err
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	total := sums[petitions.GroupNone][""]
	if total == nil {
		total = petitions.NewFactsTotals()
	}
	byUnit := sums[petitions.GroupUnit]
	for _, u := range stats.BreakdownUnits(tree, q.Unit) {
		if byUnit[u] == nil {
			byUnit[u] = petitions.NewFactsTotals()
		}
	}
	rep := stats.Assemble(q, total, byUnit, sums[petitions.GroupMediator], sums[petitions.GroupOwner])
	return &rep, nil
}

// refreshFacts recomputes the statistics facts of case p from its stored
// history and saves them, after a change of p the store committed. A
// failure is logged, not returned: the change stands, and the case's
// facts lag until its next change or stats.Backfill.
func (s *Service) refreshFacts(ctx context.Context, p *petitions.Petition) {
	if err := stats.SaveFactsOf(context.WithoutCancel(ctx), s.store, p, s.lcs); err != nil {
		s.log.ErrorContext(ctx, "statistics facts not saved", "case", p.ID, "version", p.Version, "err", err)
	}
}

func unitLabel(unit string) string {
	if unit == "" {
		return "the county"
	}
	return unit
}
