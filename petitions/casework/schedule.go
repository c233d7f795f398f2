package casework

import (
	"context"
	"slices"
	"time"

	"hearingroom/petitions"
)

// Schedule returns the reception schedule f selects. The schedule is
// published (信访工作条例 Art. 10), so anyone signed in may read it.
func (s *Service) Schedule(ctx context.Context, f petitions.ReceptionFilter) ([]*petitions.Reception, error) {
	return s.store.Receptions(ctx, f)
}

// Receiver is a leader receiving at a station on a day, as the kiosk shows
// him: his name, not his account.
type Receiver struct {
	Reception *petitions.Reception `json:"reception"`
	Name      string               `json:"name"`
}

// Today answers the kiosk's "who receives today" for station.
func (s *Service) Today(ctx context.Context, station string) ([]Receiver, error) {
	rs, err := s.store.Receptions(ctx, petitions.ReceptionFilter{Station: station, From: Day(s.now()), To: Day(s.now())})
	if err != nil {
		return nil, err
	}
	out := []Receiver{}
	for _, r := range rs {
		name := ""
		if p, err := s.store.Person(ctx, r.LeaderID); err == nil {
			name = p.Name
		}
		out = append(out, Receiver{Reception: r, Name: name})
	}
	return out, nil
}

// mayPlan reports whether a may change the schedule of station: an
// administrator or the dispatcher anywhere, a township official for the
// stations of his township.
func mayPlan(a petitions.Actor, station string, tree *petitions.UnitTree) bool {
	unit, _ := tree.StationUnit(station)
	return slices.ContainsFunc(a.Roles, func(g petitions.RoleGrant) bool {
		switch g.Role {
		case petitions.RoleAdministrator, petitions.RoleDispatcher:
			return true
		case petitions.RoleTownship:
			return tree.IsWithin(unit, g.Unit)
		}
		return false
	})
}

// Plan adds r to the schedule. The station must exist (ENOTFOUND) and a
// may plan it (EFORBIDDEN); the leader must be an account that receives (a
// leader or a township official; EINVALID otherwise).
func (s *Service) Plan(ctx context.Context, a petitions.Actor, r *petitions.Reception) (*petitions.Reception, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := tree.StationUnit(r.Station); !ok {
		return nil, invalid("station", "unknown station")
	}
	if !mayPlan(a, r.Station, tree) {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: you do not plan receptions at %s.", r.Station)
	}
	leader, err := s.store.Person(ctx, r.LeaderID)
	if err != nil || !slices.ContainsFunc(leader.Roles, func(g petitions.RoleGrant) bool {
		return g.Role == petitions.RoleLeader || g.Role == petitions.RoleTownship
	}) {
		return nil, invalid("leader_id", "must be the account of a leader or a township official")
	}
	c := *r
	c.ID, c.CreatedBy, c.CreatedAt = newID(), a.ID, s.now()
	if err := s.store.CreateReception(ctx, &c); err != nil {
		return nil, err
	}
	if err := s.appendEvent(ctx, "", KindScheduled, a, "", &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Unplan removes schedule entry id.
func (s *Service) Unplan(ctx context.Context, a petitions.Actor, id string) error {
	tree, err := s.Tree(ctx)
	if err != nil {
		return err
	}
	rs, err := s.store.Receptions(ctx, petitions.ReceptionFilter{})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(rs, func(r *petitions.Reception) bool { return r.ID == id })
	if i < 0 {
		return petitions.Errorf(petitions.ENOTFOUND, "There is no reception %s.", id)
	}
	if !mayPlan(a, rs[i].Station, tree) {
		return petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: you do not plan receptions at %s.", rs[i].Station)
	}
	if err := s.store.DeleteReception(ctx, id); err != nil {
		return err
	}
	return s.appendEvent(ctx, "", KindUnscheduled, a, "", rs[i])
}

// Adherence is one leader's 接访台账执行率 over a period: of the reception
// days scheduled (up to today), how many he held.
type Adherence struct {
	LeaderID  string   `json:"leader_id"`
	Name      string   `json:"name"`
	Scheduled int      `json:"scheduled"`
	Held      int      `json:"held"`
	Rate      float64  `json:"rate"`            // Held ÷ Scheduled; 0 when nothing was scheduled
	Missed    []string `json:"missed,omitzero"` // the days scheduled and not held
}

// Adherence returns, per leader in leader order, the receptions scheduled
// between from and to (inclusive days; never after today) and how many were
// held: a reception is held when a session of its station's room started
// that day with the leader taking part. Leaders, the dispatcher and the
// auditor may read it.
func (s *Service) Adherence(ctx context.Context, a petitions.Actor, from, to string) ([]Adherence, error) {
	if !slices.ContainsFunc(a.Roles, func(g petitions.RoleGrant) bool {
		return g.Role == petitions.RoleLeader || g.Role == petitions.RoleDispatcher || g.Role == petitions.RoleAuditor
	}) {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: adherence is for leaders, the dispatcher and the auditor.")
	}
	if today := Day(s.now()); to == "" || to > today {
		to = today
	}
	rs, err := s.store.Receptions(ctx, petitions.ReceptionFilter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	held := map[string]bool{} // station room + day + identity
	rooms := map[string]bool{}
	for _, r := range rs {
		room := StationRoom(r.Station)
		if rooms[room] {
			continue
		}
		rooms[room] = true
		if err := s.sessionsOf(ctx, room, func(ss *petitions.Session) {
			for _, pt := range ss.Participants {
				for _, j := range pt.Joins {
					held[room+"|"+Day(j.Joined)+"|"+pt.Identity] = true
				}
			}
		}); err != nil {
			return nil, err
		}
	}
	by := map[string]*Adherence{}
	var order []string
	for _, r := range rs {
		ad, ok := by[r.LeaderID]
		if !ok {
			ad = &Adherence{LeaderID: r.LeaderID}
			if p, err := s.store.Person(ctx, r.LeaderID); err == nil {
				ad.Name = p.Name
			}
			by[r.LeaderID] = ad
			order = append(order, r.LeaderID)
		}
		ad.Scheduled++
		if held[StationRoom(r.Station)+"|"+r.Day+"|"+r.LeaderID] {
			ad.Held++
		} else {
			ad.Missed = append(ad.Missed, r.Day)
		}
	}
	slices.Sort(order)
	out := make([]Adherence, 0, len(order))
	for _, id := range order {
		ad := by[id]
		ad.Rate = float64(ad.Held) / float64(ad.Scheduled)
		out = append(out, *ad)
	}
	return out, nil
}

// sessionsOf calls fn for every session of room.
func (s *Service) sessionsOf(ctx context.Context, room string, fn func(*petitions.Session)) error {
	f := petitions.SessionFilter{Room: room, Limit: petitions.MaxListLimit}
	for {
		ss, err := s.store.Sessions(ctx, f)
		if err != nil {
			return err
		}
		for _, x := range ss {
			fn(x)
			f.After = x.ID
		}
		if len(ss) < f.Limit {
			return nil
		}
	}
}

// Month returns the first and last day of the month of t, as DayLayout days.
func Month(t time.Time) (from, to string) {
	t = t.In(china)
	first := time.Date(t.Year(), t.Month(), 1, 12, 0, 0, 0, china)
	return first.Format(petitions.DayLayout), first.AddDate(0, 1, -1).Format(petitions.DayLayout)
}
