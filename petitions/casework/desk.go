package casework

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hearingroom/petitions"
)

// What the official's desk (/desk) needs besides lifecycles and overlays:
// the minutes of a hearing (接访记录), re-grading a case's risk (分类定级),
// finding a case while the petitioner waits, and the seat a summoned
// department takes in the live room (吹哨报到).

// Kinds of the events the desk's requests append.
const (
	KindMinutes    = "minutes"     // a part of the minutes of a hearing or a mediation
	KindRiskGraded = "risk.graded" // the risk level changed (分类定级)
)

// MaxMinutes bounds the text of one minutes entry, in characters.
const MaxMinutes = 20000

// MinutesRequest is one entry of the minutes of a case: what was said, by
// whom, in a session (when held in one).
type MinutesRequest struct {
	Text    string `json:"text"`
	Session string `json:"session,omitempty"` // the media session the entry was written in
	Version int64  `json:"version,omitempty"`
}

// Minutes appends an entry to the minutes of case id. Whoever may act on
// the case may write them (EFORBIDDEN otherwise); the text is required and
// at most MaxMinutes characters (EINVALID); a case no longer active is
// ECONFLICT, as is a Version other than the case's. The entry is an event
// of kind KindMinutes in the case's history, where the minutes are read.
func (s *Service) Minutes(ctx context.Context, a petitions.Actor, id string, r MinutesRequest) (*CaseView, error) {
	text := strings.TrimSpace(r.Text)
	switch {
	case text == "":
		return nil, invalid("text", "required: what was said")
	case utf8.RuneCountInString(text) > MaxMinutes:
		return nil, invalid("text", "at most 20000 characters per entry")
	case len(r.Session) > 64:
		return nil, invalid("session", "must be a session id")
	}
	return s.overlay(ctx, a, id, petitions.ActTransition, r.Version, KindMinutes, func(*petitions.Petition, time.Time) (any, error) {
		return map[string]string{"text": text, "session": r.Session}, nil
	})
}

// GradeRequest sets a case's risk level.
type GradeRequest struct {
	Level   petitions.RiskLevel `json:"level"`
	Reason  string              `json:"reason,omitempty"`
	Version int64               `json:"version,omitempty"`
}

// Grade sets the risk level of case id (分类定级): green, yellow or red
// (EINVALID otherwise). Whoever may act on the case may grade it; the
// same level again is ECONFLICT, so that the history holds changes only.
func (s *Service) Grade(ctx context.Context, a petitions.Actor, id string, r GradeRequest) (*CaseView, error) {
	switch r.Level {
	case petitions.RiskGreen, petitions.RiskYellow, petitions.RiskRed:
	default:
		return nil, invalid("level", "must be green, yellow or red")
	}
	if utf8.RuneCountInString(r.Reason) > 2000 {
		return nil, invalid("reason", "at most 2000 characters")
	}
	return s.overlay(ctx, a, id, petitions.ActTransition, r.Version, KindRiskGraded, func(p *petitions.Petition, _ time.Time) (any, error) {
		if p.RiskLevel == r.Level {
			return nil, petitions.Errorf(petitions.ECONFLICT, "The case is %s already.", r.Level)
		}
		from := p.RiskLevel
		p.RiskLevel = r.Level
		return map[string]any{"from": from, "to": r.Level, "reason": r.Reason}, nil
	})
}

// findScan bounds how many of the newest cases in scope Find reads for a
// name or a query code: the desk looks for a case of the day's petitioner,
// not through the archive (the worklists and the export do that).
const findScan = 2000

// Find returns the cases a may read that q names, at most limit (1–50):
// a case number exactly (any age), else a six-digit query code or a part
// of a party's name among the findScan newest cases in a's scope. Names are
// matched only in cases whose parties a may see. The result holds list
// lines (CaseSummary), never names; opening one (Case) is the logged read.
// A q shorter than two characters or longer than 64 is EINVALID.
func (s *Service) Find(ctx context.Context, a petitions.Actor, q string, limit int) ([]CaseSummary, error) {
	q = strings.TrimSpace(q)
	if n := utf8.RuneCountInString(q); n < 2 || n > 64 {
		return nil, invalid("q", "2 to 64 characters: a case number, a query code or a name")
	}
	limit = min(max(limit, 1), 50)
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if err := petitions.Decide(a, petitions.ActListCases, nil, tree).Err(); err != nil {
		return nil, err
	}
	now := s.now()
	out := []CaseSummary{}
	if p, err := s.store.PetitionByNumber(ctx, q); err == nil {
		if petitions.Decide(a, petitions.ActReadCase, p, tree).Allowed {
			out = append(out, s.summary(p, now))
		}
		return out, nil
	} else if petitions.ErrorCode(err) != petitions.ENOTFOUND {
		return nil, err
	}
	scope := petitions.ListScope(a, tree)
	f := petitions.PetitionFilter{Scope: &scope, Sort: petitions.SortReceived, Limit: petitions.MaxListLimit}
	for read := 0; read < findScan; {
		batch, err := s.store.ListPetitions(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, p := range batch {
			f.After = petitions.CursorOf(p, f.Sort)
			if !matches(a, p, tree, q) {
				continue
			}
			out = append(out, s.summary(p, now))
			if len(out) == limit {
				return out, nil
			}
		}
		read += len(batch)
		if len(batch) < f.Limit {
			break
		}
	}
	return out, nil
}

// matches reports whether q is p's query code or part of the name of one
// of its parties that a may see.
func matches(a petitions.Actor, p *petitions.Petition, tree *petitions.UnitTree, q string) bool {
	d := petitions.Decide(a, petitions.ActReadCase, p, tree)
	if !d.Allowed {
		return false
	}
	if p.QueryCode == q {
		return true
	}
	if d.Redact {
		return false
	}
	return slices.ContainsFunc(p.Parties, func(pt petitions.Party) bool { return strings.Contains(pt.Name, q) })
}

// SummonedSeatRequest asks for a summoned department's seat in the live
// room of a case: the department (a unit of the summons) and the station
// whose room the hearing is held in.
type SummonedSeatRequest struct {
	Unit    string `json:"unit"`
	Station string `json:"station"`
}

// SummonedSeat reports department r.Unit in to summons index of case id
// (ReportIn, unless it reported already) and gives a, its staff, a seat in
// the room of station r.Station, where the case is being heard: the
// station must be the case's own or that of a session linked to it
// (ECONFLICT otherwise). The rules of ReportIn apply: only the summoned
// department's staff (or the dispatcher) are let in. It returns the seat
// and the case after the report-in.
func (s *Service) SummonedSeat(ctx context.Context, a petitions.Actor, id string, index int, name string, r SummonedSeatRequest) (*Seat, *CaseView, error) {
	p, tree, _, err := s.load(ctx, a, id, petitions.ActReadCase)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := tree.StationUnit(r.Station); !ok {
		return nil, nil, invalid("station", "is not a station")
	}
	if r.Station != p.StationID {
		ss, err := s.store.Sessions(ctx, petitions.SessionFilter{CaseID: id, Station: r.Station, Limit: 1})
		if err != nil {
			return nil, nil, err
		}
		if len(ss) == 0 {
			return nil, nil, petitions.Errorf(petitions.ECONFLICT, "The case is not being heard at station %s.", r.Station)
		}
	}
	v, err := s.ReportIn(ctx, a, id, index, r.Unit, 0)
	if petitions.ErrorCode(err) == petitions.ECONFLICT && reported(p, index, r.Unit) {
		v, err = s.Case(ctx, a, id) // joining again after a dropped line
	}
	if err != nil {
		return nil, nil, err
	}
	role := petitions.RoleDispatcher
	if slices.ContainsFunc(a.Roles, func(g petitions.RoleGrant) bool {
		return g.Role == petitions.RoleDepartment && tree.IsWithin(r.Unit, g.Unit)
	}) {
		role = petitions.RoleDepartment
	}
	seat := &Seat{Room: StationRoom(r.Station), Identity: a.ID, Name: name, Station: r.Station,
		Kind: petitions.SessionHearing, Role: string(role)}
	if p.Kind == petitions.KindMediation {
		seat.Kind = petitions.SessionMediation
	}
	return seat, v, nil
}

// reported reports whether unit reported in to summons index of p.
func reported(p *petitions.Petition, index int, unit string) bool {
	if index < 0 || index >= len(p.Summons) {
		return false
	}
	return slices.ContainsFunc(p.Summons[index].Departments, func(d petitions.SummonedUnit) bool {
		return d.UnitID == unit && !d.ReportedAt.IsZero()
	})
}
