package casework

import (
	"context"
	"strings"

	"hearingroom/petitions"
)

// The supervisor's video wall watches every running session, not only the
// station rooms: a mediation room that is at no station, a summoned
// department's session, a caucus. Whoever may watch a station unannounced
// (OfficialSeat with Hidden) may watch its sessions; a session at no
// station is watched by those with jurisdiction over its case (leaders
// reading it, the dispatcher, the auditor), and one with neither a station
// nor a case by county-wide watchers only.

// LiveCase is what the wall shows of the case a running session is linked
// to: no party, only the public summary.
type LiveCase struct {
	ID     string         `json:"case_id"`
	CaseNo string         `json:"case_no"`
	Kind   petitions.Kind `json:"case_kind"`
	// Title is the case's public summary, else its category's name.
	Title string `json:"title,omitempty"`
}

// RoomStation returns the station whose room (StationRoom), or a caucus
// room of it, room is, and false for a room of no station.
func RoomStation(room string) (string, bool) {
	main, _, _ := strings.Cut(room, "~caucus-")
	st, ok := strings.CutPrefix(main, StationRoom(""))
	return st, ok && st != ""
}

// watchRoles are the roles that may sit hidden in a room.
var watchRoles = []petitions.Role{petitions.RoleLeader, petitions.RoleDispatcher, petitions.RoleAuditor}

// watcher returns a with only the grants that may watch unannounced, and
// the first such role, or EFORBIDDEN when a has none.
func watcher(a petitions.Actor) (petitions.Actor, petitions.Role, error) {
	w := petitions.Actor{ID: a.ID}
	for _, g := range a.Roles {
		for _, r := range watchRoles {
			if g.Role == r {
				w.Roles = append(w.Roles, g)
			}
		}
	}
	if len(w.Roles) == 0 {
		return w, "", petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: no role of yours watches sessions unannounced.")
	}
	return w, w.Roles[0].Role, nil
}

// Watchable reports, as a nil error, whether a may watch the running
// session sess unannounced, and returns the case it is linked to (nil when
// it has none). EFORBIDDEN when a may not watch it.
func (s *Service) Watchable(ctx context.Context, a petitions.Actor, sess *petitions.Session) (*LiveCase, error) {
	w, _, err := watcher(a)
	if err != nil {
		return nil, err
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	var p *petitions.Petition
	if sess.CaseID != "" {
		if p, err = s.store.Petition(ctx, sess.CaseID); err != nil && petitions.ErrorCode(err) != petitions.ENOTFOUND {
			return nil, err
		}
	}
	station := sess.Station
	if st, ok := RoomStation(sess.Room); ok {
		station = st
	}
	switch {
	case station != "":
		if _, err := s.OfficialSeat(ctx, a, station, "", SeatRequest{Hidden: true}); err != nil {
			return nil, err
		}
	case p != nil:
		if !petitions.Decide(w, petitions.ActReadSession, p, tree).Allowed {
			return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: session %s belongs to a case outside your jurisdiction.", sess.ID)
		}
	default:
		countyWide := false
		for _, g := range w.Roles {
			countyWide = countyWide || g.Role != petitions.RoleLeader || tree.IsRoot(g.Unit)
		}
		if !countyWide {
			return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: session %s is at no station and of no case; county-wide watchers only.", sess.ID)
		}
	}
	if p == nil {
		return nil, nil
	}
	c := &LiveCase{ID: p.ID, CaseNo: p.CaseNo, Kind: p.Kind, Title: p.SummaryPublic}
	if c.Title == "" {
		for _, k := range s.cats {
			if k.Code == p.Category {
				c.Title = k.Name
			}
		}
	}
	return c, nil
}

// WatchSeat gives a a hidden seat in the room of the running session id,
// to watch it unannounced (the video wall). ENOTFOUND for no such session;
// ECONFLICT for one that has ended; EFORBIDDEN as Watchable.
func (s *Service) WatchSeat(ctx context.Context, a petitions.Actor, id, name string) (*Seat, error) {
	sess, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if sess.Status != petitions.SessionLive {
		return nil, petitions.Errorf(petitions.ECONFLICT, "Session %s is %s; only a running session is watched.", id, sess.Status)
	}
	if _, err := s.Watchable(ctx, a, sess); err != nil {
		return nil, err
	}
	_, role, _ := watcher(a)
	return &Seat{Room: sess.Room, Identity: a.ID, Name: name, Station: sess.Station,
		Kind: petitions.SessionMonitoring, Role: string(role), Hidden: true}, nil
}
