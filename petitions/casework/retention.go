package casework

import (
	"context"
	"fmt"
	"strings"
	"time"

	"hearingroom/petitions"
)

// Kinds of the events that set and release a legal hold.
const (
	KindHoldSet      = "legal_hold.set"
	KindHoldReleased = "legal_hold.released"
)

// Retention is how long the recordings of each kind of session are kept
// after the session ended; a kind absent (or 0) is kept for ever.
type Retention map[petitions.SessionKind]time.Duration

// day is the unit retention is counted in.
const day = 24 * time.Hour

// DefaultRetention keeps hearings and mediations ten years (the petition
// file's own retention), a caucus three, a supervisor's monitoring 180 days.
func DefaultRetention() Retention {
	return Retention{
		petitions.SessionHearing:    3650 * day,
		petitions.SessionMediation:  3650 * day,
		petitions.SessionCaucus:     1095 * day,
		petitions.SessionMonitoring: 180 * day,
	}
}

// ParseRetention reads "hearing=3650d,caucus=365d,…" over DefaultRetention;
// "0" or "forever" keeps a kind for ever.
func ParseRetention(items []string) (Retention, error) {
	r := DefaultRetention()
	for _, it := range items {
		kind, val, ok := strings.Cut(it, "=")
		k := petitions.SessionKind(strings.TrimSpace(kind))
		if !ok || !k.Valid() {
			return nil, fmt.Errorf("retention %q: want kind=days, kind one of hearing, mediation, caucus, monitoring", it)
		}
		val = strings.TrimSuffix(strings.TrimSpace(val), "d")
		if val == "forever" || val == "0" {
			r[k] = 0
			continue
		}
		var n int
		if _, err := fmt.Sscanf(val, "%d", &n); err != nil || n < 1 {
			return nil, fmt.Errorf("retention %q: the days must be a positive number, 0 or forever", it)
		}
		r[k] = time.Duration(n) * day
	}
	return r, nil
}

// Remover deletes stored recordings; recordings.ObjectStore is one.
type Remover interface {
	Delete(ctx context.Context, key string) error
}

// HoldRequest sets or releases a legal hold.
type HoldRequest struct {
	Reason  string `json:"reason"`
	Version int64  `json:"version,omitempty"`
}

// Hold puts case id under a legal hold: its recordings outlive their
// retention until the hold is released. Whoever may supervise the case may
// (the dispatcher, a leader with jurisdiction); the reason is required.
func (s *Service) Hold(ctx context.Context, a petitions.Actor, id string, r HoldRequest) (*CaseView, error) {
	if strings.TrimSpace(r.Reason) == "" {
		return nil, invalid("reason", "required: the order, the court case or the inspection")
	}
	return s.holdChange(ctx, a, id, r.Version, KindHoldSet, func(p *petitions.Petition, now time.Time) (any, error) {
		if p.LegalHold != nil {
			return nil, petitions.Errorf(petitions.ECONFLICT, "The case is under a legal hold since %s.", p.LegalHold.At.Format(time.DateTime))
		}
		p.LegalHold = &petitions.LegalHold{By: a.ID, Reason: r.Reason, At: now}
		return p.LegalHold, nil
	})
}

// Release lifts case id's legal hold.
func (s *Service) Release(ctx context.Context, a petitions.Actor, id string, r HoldRequest) (*CaseView, error) {
	if strings.TrimSpace(r.Reason) == "" {
		return nil, invalid("reason", "required: why the evidence is no longer needed")
	}
	return s.holdChange(ctx, a, id, r.Version, KindHoldReleased, func(p *petitions.Petition, now time.Time) (any, error) {
		if p.LegalHold == nil {
			return nil, petitions.Errorf(petitions.ECONFLICT, "The case is not under a legal hold.")
		}
		held := *p.LegalHold
		p.LegalHold = nil
		return map[string]any{"released": held, "reason": r.Reason}, nil
	})
}

// holdChange is overlay without the rule that the case be active: a closed
// case is the one most often held.
func (s *Service) holdChange(ctx context.Context, a petitions.Actor, id string, version int64, kind string,
	change func(p *petitions.Petition, now time.Time) (any, error)) (*CaseView, error) {
	p, tree, _, err := s.load(ctx, a, id, petitions.ActSupervise)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != p.Version {
		return nil, petitions.Errorf(petitions.ECONFLICT, "The case changed since version %d; it is at version %d: read it again.", version, p.Version)
	}
	stored := p.Version
	data, err := change(p, s.now())
	if err != nil {
		return nil, err
	}
	ev, err := s.event(kind, a, "", data)
	if err != nil {
		return nil, err
	}
	if err := s.store.UpdatePetition(ctx, p, stored, ev); err != nil {
		return nil, err
	}
	s.refreshFacts(ctx, p)
	return s.view(a, p, tree, petitions.Decide(a, petitions.ActReadCase, p, tree).Redact), nil
}

// system is the actor of what the server does on its own.
var system = petitions.Actor{ID: petitions.SessionActor, Roles: []petitions.RoleGrant{{Role: petitions.SessionActorRole}}}

// PurgeRecordings deletes the recordings whose retention has ended: those
// of every ended session older than its kind's retention whose case (if
// any) is not under a legal hold. Each deletion is a KindRecordingPurged
// event in the session's case (or the ledger), and the reference moves to
// the session's PurgedRecordings, so `ledger verify` no longer looks for
// the object. It returns how many files it purged.
func (s *Service) PurgeRecordings(ctx context.Context, ret Retention, rm Remover) (int, error) {
	now := s.now()
	n := 0
	f := petitions.SessionFilter{Limit: petitions.MaxListLimit}
	for {
		list, err := s.store.Sessions(ctx, f)
		if err != nil {
			return n, err
		}
		for _, ss := range list {
			f.After = ss.ID
			keep := ret[ss.Kind]
			if ss.Status == petitions.SessionLive || len(ss.Recordings) == 0 || keep == 0 || now.Before(ss.End.Add(keep)) {
				continue
			}
			if ss.CaseID != "" {
				p, err := s.store.Petition(ctx, ss.CaseID)
				if err != nil {
					return n, err
				}
				if p.LegalHold != nil {
					continue
				}
			}
			k, err := s.purgeSession(ctx, ss, keep, rm)
			n += k
			if err != nil {
				return n, err
			}
		}
		if len(list) < f.Limit {
			return n, nil
		}
	}
}

// purgeSession deletes every recording of ss and records it.
func (s *Service) purgeSession(ctx context.Context, ss *petitions.Session, keep time.Duration, rm Remover) (int, error) {
	n := 0
	for len(ss.Recordings) > 0 {
		ref := ss.Recordings[0]
		if err := rm.Delete(ctx, ref.Object); err != nil {
			return n, fmt.Errorf("casework: purge %s: %w", ref.Object, err)
		}
		err := s.appendEvent(ctx, ss.CaseID, petitions.KindRecordingPurged, system, petitions.SessionActorRole, map[string]any{
			"object": ref.Object, "sha256": ref.SHA256, "session": ss.ID, "reason": "retention",
			"retention_days": int(keep / day), "ended": ss.End})
		if err != nil {
			return n, err
		}
		ss.Recordings = ss.Recordings[1:]
		ss.PurgedRecordings = append(ss.PurgedRecordings, ref)
		if err := s.store.SaveSession(ctx, ss); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
