package casework

import (
	"context"
	"slices"
	"time"

	"hearingroom/petitions"
)

// SessionsToday returns the sessions started today (China time, by the
// service's clock) at the reception rooms of unit's subtree (every unit
// when unit is "") that a may read: the station's unit must be in a's list
// scope (ListScope: every unit for a dispatcher, an auditor or a county
// leader, a's own subtrees otherwise), and a session linked to a case only
// if Decide lets a read that case's sessions. They come by station, then
// start, then id; an empty slice when there are none. It returns
// EFORBIDDEN if a may list no cases and EINVALID if unit is not in the tree.
func (s *Service) SessionsToday(ctx context.Context, a petitions.Actor, unit string) ([]*petitions.Session, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if err := petitions.Decide(a, petitions.ActListCases, nil, tree).Err(); err != nil {
		return nil, err
	}
	if _, ok := tree.Unit(unit); unit != "" && !ok {
		e := petitions.Errorf(petitions.EINVALID, "There is no unit %s.", unit)
		e.Fields = map[string]string{"unit": "is not a unit of the tree"}
		return nil, e
	}
	scope := petitions.ListScope(a, tree)
	stations, err := s.store.Stations(ctx)
	if err != nil {
		return nil, err
	}
	y, m, d := s.now().In(china).Date()
	from := time.Date(y, m, d, 0, 0, 0, 0, china)
	out := []*petitions.Session{}
	cases := map[string]bool{} // case id → a may read its sessions
	for _, st := range stations {
		if unit != "" && !tree.IsWithin(st.Unit, unit) || !scope.AllUnits && !slices.Contains(scope.Units, st.Unit) {
			continue
		}
		f := petitions.SessionFilter{Station: st.ID, StartFrom: from, StartTo: from.AddDate(0, 0, 1), Limit: petitions.MaxListLimit}
		var ofStation []*petitions.Session
		for {
			ss, err := s.store.Sessions(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, x := range ss {
				f.After = x.ID
				if ok, err := s.mayReadSessionsOf(ctx, a, x.CaseID, tree, cases); err != nil {
					return nil, err
				} else if ok {
					ofStation = append(ofStation, x)
				}
			}
			if len(ss) < f.Limit {
				break
			}
		}
		slices.SortStableFunc(ofStation, func(x, y *petitions.Session) int { return x.Start.Compare(y.Start) })
		out = append(out, ofStation...)
	}
	return out, nil
}

// mayReadSessionsOf reports whether a may read the sessions of case id
// ("" for a session of no case: the station decides), remembering the
// answer in seen.
func (s *Service) mayReadSessionsOf(ctx context.Context, a petitions.Actor, id string, tree *petitions.UnitTree, seen map[string]bool) (bool, error) {
	if id == "" {
		return true, nil
	}
	if ok, done := seen[id]; done {
		return ok, nil
	}
	p, err := s.store.Petition(ctx, id)
	if petitions.ErrorCode(err) == petitions.ENOTFOUND {
		seen[id] = false
		return false, nil
	}
	if err != nil {
		return false, err
	}
	seen[id] = petitions.Decide(a, petitions.ActReadSession, p, tree).Allowed
	return seen[id], nil
}
