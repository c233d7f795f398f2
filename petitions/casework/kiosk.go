package casework

// What a village terminal does besides calling in: the parties' rating of a
// session (评单), its watch while the station is open, and the session live
// in its room.

import (
	"context"
	"fmt"
	"time"

	"hearingroom/petitions"
)

// Scores of a rating as the kiosk sends them.
var kioskScores = map[string]petitions.Score{
	"satisfied":   petitions.ScoreSatisfied,
	"basic":       petitions.ScoreBasicSatisfied,
	"unsatisfied": petitions.ScoreUnsatisfied,
}

// Rating is a party's rating (评单) of a session, given at the station's
// terminal with three faces.
type Rating struct {
	Session  string          `json:"session"`
	Case     string          `json:"case,omitempty"`
	Station  string          `json:"station"`
	Terminal string          `json:"terminal"`
	Kind     string          `json:"kind"`
	Score    petitions.Score `json:"score"`
	At       time.Time       `json:"at"`
}

// Rate records the parties' rating of session given at terminal t: an
// event of the session's case, or a ledger-level one for a session not
// linked to a case. score is "satisfied", "basic" or "unsatisfied"
// (EINVALID otherwise). The session must be one the terminal took part in
// (ENOTFOUND otherwise); a terminal rates a session once (ECONFLICT).
func (b *Calls) Rate(ctx context.Context, t *petitions.Terminal, session, score string) (*Rating, error) {
	sc, ok := kioskScores[score]
	if !ok {
		return nil, invalid("score", "must be satisfied, basic or unsatisfied")
	}
	if session == "" {
		return nil, invalid("session", "required")
	}
	ss, err := b.svc.store.Session(ctx, session)
	if petitions.ErrorCode(err) == petitions.ENOTFOUND || err == nil && (ss.Station != t.Station || ss.Participant("terminal."+t.ID) == nil) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no session %s of this terminal.", session)
	}
	if err != nil {
		return nil, err
	}
	key := t.ID + "\x00" + ss.ID
	b.rateMu.Lock()
	defer b.rateMu.Unlock()
	if b.rated[key] {
		return nil, petitions.Errorf(petitions.ECONFLICT, "This session is rated already.")
	}
	r := &Rating{Session: ss.ID, Case: ss.CaseID, Station: ss.Station, Terminal: t.ID, Kind: string(ss.Kind),
		Score: sc, At: b.svc.now()}
	dev := petitions.Actor{ID: "terminal." + t.ID, Roles: []petitions.RoleGrant{{Role: "terminal", Unit: t.Unit}}}
	if ss.CaseID != "" {
		err = b.svc.rateCase(ctx, ss.CaseID, dev, r)
	} else {
		err = b.svc.appendEvent(ctx, "", KindRated, dev, "terminal", r)
	}
	if err != nil {
		return nil, fmt.Errorf("casework: rating of session %s: %w", ss.ID, err)
	}
	b.rated[key] = true
	return r, nil
}

// rateCase adds the kiosk's rating r to case id's record, where the
// satisfaction figures count it (stats.FactsOf): of the mediator, for a
// mediation a mediator took; else of the handling. The terminal stands
// for the parties at its station, so no case permission is asked of it.
// A concurrent change of the case is read again, up to three times.
func (s *Service) rateCase(ctx context.Context, id string, dev petitions.Actor, r *Rating) error {
	var err error
	for range 3 {
		var p *petitions.Petition
		if p, err = s.store.Petition(ctx, id); err != nil {
			return err
		}
		rating := petitions.Rating{Target: "handling", TargetID: p.LeadUnit, Score: r.Score, At: r.At}
		if m := p.Mediation; p.Kind == petitions.KindMediation && m != nil && len(m.MediatorIDs) > 0 {
			rating.Target, rating.TargetID = "mediator", m.MediatorIDs[len(m.MediatorIDs)-1]
		}
		stored := p.Version
		p.Ratings = append(p.Ratings, rating)
		var ev *petitions.Event
		if ev, err = s.event(KindRated, dev, "terminal", r); err != nil {
			return err
		}
		if err = s.store.UpdatePetition(ctx, p, stored, ev); petitions.ErrorCode(err) != petitions.ECONFLICT {
			if err == nil {
				s.refreshFacts(ctx, p)
			}
			return err
		}
	}
	return err
}

// PresenceSeat gives terminal t its seat in its station's room while the
// station is open: it publishes its camera for the leaders' wall, as a
// monitoring session that is not recorded. ECONFLICT when the station is
// closed now.
func (b *Calls) PresenceSeat(ctx context.Context, t *petitions.Terminal) (*Seat, error) {
	if !t.CanStart(t.Station) {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: this terminal is revoked.")
	}
	place, err := b.PlaceOf(ctx, t.Station)
	if err != nil {
		return nil, err
	}
	if !place.Open {
		return nil, petitions.Errorf(petitions.ECONFLICT, "The station is closed now (open %s).", place.Hours)
	}
	return &Seat{Room: StationRoom(t.Station), Identity: "terminal." + t.ID, Name: t.Name, Station: t.Station,
		Kind: petitions.SessionMonitoring, Role: "villager"}, nil
}

// LiveSession returns the session live now in terminal t's station room,
// ENOTFOUND when there is none or the terminal is not in it.
func (b *Calls) LiveSession(ctx context.Context, t *petitions.Terminal) (*petitions.Session, error) {
	ss, err := b.svc.store.Sessions(ctx, petitions.SessionFilter{Room: StationRoom(t.Station), Live: true, Limit: petitions.MaxListLimit})
	if err != nil {
		return nil, err
	}
	for i := len(ss) - 1; i >= 0; i-- {
		if ss[i].Participant("terminal."+t.ID) != nil {
			return ss[i], nil
		}
	}
	return nil, petitions.Errorf(petitions.ENOTFOUND, "No session is live at this station.")
}
