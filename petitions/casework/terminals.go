package casework

import (
	"context"
	"strings"
	"time"

	"hearingroom/petitions"
)

// StationRoom returns the media room of a station's reception: one room per
// station, a new session each time it fills after being empty.
func StationRoom(station string) string { return "reception." + station }

// Stations returns every station.
func (s *Service) Stations(ctx context.Context) ([]*petitions.Station, error) {
	return s.store.Stations(ctx)
}

// CreateStation adds a reception room to a unit (administrators).
func (s *Service) CreateStation(ctx context.Context, a petitions.Actor, st *petitions.Station) error {
	if err := petitions.Decide(a, petitions.ActManageUnits, nil, nil).Err(); err != nil {
		return err
	}
	if err := s.store.CreateStation(ctx, st); err != nil {
		return err
	}
	s.forgetTree()
	return s.appendEvent(ctx, "", KindStation, a, "", st)
}

// StationChange is what an administrator may change of a station: its
// name and its opening hours (see petitions.Station); empty keeps it.
type StationChange struct {
	Name  string `json:"name,omitempty"`
	Hours string `json:"hours,omitempty"`
}

// UpdateStation changes the name or opening hours of station id
// (administrators): its terminal follows the new hours at its next look at
// the station, publishing its camera only while the station is open. The
// change is logged with the station as it now is.
func (s *Service) UpdateStation(ctx context.Context, a petitions.Actor, id string, ch StationChange) (*petitions.Station, error) {
	if err := petitions.Decide(a, petitions.ActManageUnits, nil, nil).Err(); err != nil {
		return nil, err
	}
	var st *petitions.Station
	ss, err := s.store.Stations(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range ss {
		if x.ID == id {
			st = x
		}
	}
	if st == nil {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no station %s.", id)
	}
	if ch.Name != "" {
		st.Name = ch.Name
	}
	if ch.Hours != "" {
		st.Hours = ch.Hours
	}
	if err := s.store.UpdateStation(ctx, st); err != nil {
		return nil, err
	}
	s.forgetTree()
	return st, s.appendEvent(ctx, "", KindStationChanged, a, "", st)
}

// Pairing is a one-time code that enrols a terminal to a station.
type Pairing struct {
	Code    string    `json:"code"`
	Station string    `json:"station"`
	Expires time.Time `json:"expires"`
}

// IssuePairing returns a new pairing code for station (administrators). The
// code is shown once; the store keeps its hash.
func (s *Service) IssuePairing(ctx context.Context, a petitions.Actor, station string) (*Pairing, error) {
	if err := petitions.Decide(a, petitions.ActManageUnits, nil, nil).Err(); err != nil {
		return nil, err
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := tree.StationUnit(station); !ok {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no station %s.", station)
	}
	code, hash := petitions.NewPairingCode()
	exp := s.now().Add(petitions.PairingTTL)
	if err := s.store.CreatePairing(ctx, hash, station, exp); err != nil {
		return nil, err
	}
	if err := s.appendEvent(ctx, "", KindPairing, a, "", map[string]any{"station": station, "expires": exp}); err != nil {
		return nil, err
	}
	return &Pairing{Code: code, Station: station, Expires: exp}, nil
}

// Enrolment is what a terminal receives once when it redeems a pairing
// code: its record and its device credential, which nothing stores.
type Enrolment struct {
	Terminal   *petitions.Terminal `json:"terminal"`
	Credential string              `json:"credential"`
}

// Redeem enrols a terminal called name with pairing code. It returns
// EINVALID for a code of the wrong shape or a missing name, ENOTFOUND for a
// code never issued, ECONFLICT for one used already and EDEADLINE for one
// expired. The caller rate-limits attempts.
func (s *Service) Redeem(ctx context.Context, code, name string) (*Enrolment, error) {
	switch {
	case !petitions.ValidPairingCode(code):
		return nil, invalid("code", "must be the 8 characters the administrator gave")
	case strings.TrimSpace(name) == "":
		return nil, invalid("name", "required: what the terminal is, where")
	}
	secret, secretHash := petitions.NewDeviceSecret()
	t := &petitions.Terminal{ID: newID(), Name: strings.TrimSpace(name)}
	if err := s.store.RedeemPairing(ctx, petitions.HashPairingCode(code), t, secretHash, s.now()); err != nil {
		if petitions.ErrorCode(err) == petitions.ENOTFOUND {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "No such pairing code: ask the administrator for a new one.")
		}
		return nil, err
	}
	if tree, err := s.Tree(ctx); err == nil {
		t.Unit, _ = tree.StationUnit(t.Station)
	}
	dev := petitions.Actor{ID: "terminal." + t.ID, Roles: []petitions.RoleGrant{{Role: "terminal", Unit: t.Unit}}}
	if err := s.appendEvent(ctx, "", KindEnrolled, dev, "terminal", t); err != nil {
		return nil, err
	}
	return &Enrolment{Terminal: t, Credential: secret}, nil
}

// Terminal returns the terminal a device credential signs in, or
// EUNAUTHORIZED for an unknown or revoked one.
func (s *Service) Terminal(ctx context.Context, credential string) (*petitions.Terminal, error) {
	if credential == "" {
		return nil, petitions.Errorf(petitions.EUNAUTHORIZED, "No device credential.")
	}
	t, err := s.store.TerminalByCredential(ctx, petitions.HashDeviceSecret(credential))
	if petitions.ErrorCode(err) == petitions.ENOTFOUND {
		return nil, petitions.Errorf(petitions.EUNAUTHORIZED, "The device credential is unknown or revoked.")
	}
	return t, err
}

// Terminals lists the terminals of station (every one when ""),
// administrators only.
func (s *Service) Terminals(ctx context.Context, a petitions.Actor, station string) ([]*petitions.Terminal, error) {
	if err := petitions.Decide(a, petitions.ActManageUnits, nil, nil).Err(); err != nil {
		return nil, err
	}
	return s.store.Terminals(ctx, station)
}

// Revoke revokes terminal id's credential (administrators).
func (s *Service) Revoke(ctx context.Context, a petitions.Actor, id string) error {
	if err := petitions.Decide(a, petitions.ActManageUnits, nil, nil).Err(); err != nil {
		return err
	}
	if err := s.store.RevokeTerminal(ctx, id); err != nil {
		return err
	}
	return s.appendEvent(ctx, "", KindRevoked, a, "", map[string]string{"terminal": id})
}

// SessionStart asks for a session at a station.
type SessionStart struct {
	Station string                `json:"station"`
	Kind    petitions.SessionKind `json:"kind,omitempty"` // hearing when ""
}

// Seat is what a terminal needs to join its station's room: the web layer
// mints a token for it.
type Seat struct {
	Room     string                `json:"room"`
	Identity string                `json:"identity"`
	Name     string                `json:"name"`
	Station  string                `json:"station"`
	Kind     petitions.SessionKind `json:"kind"`
	// Role is the participant's role the session records: "villager" for
	// a terminal, the person's role for an official.
	Role string `json:"role"`
	// Hidden seats watch without being announced (a leader monitoring).
	Hidden bool `json:"hidden,omitempty"`
}

// StartSession gives terminal t a seat in its station's room. A terminal
// starts sessions for its own station only (EFORBIDDEN otherwise), and
// only hearings and mediations.
func (s *Service) StartSession(t *petitions.Terminal, r SessionStart) (*Seat, error) {
	if r.Station == "" {
		r.Station = t.Station
	}
	if !t.CanStart(r.Station) {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: this terminal is enrolled to station %s only.", t.Station)
	}
	if r.Kind == "" {
		r.Kind = petitions.SessionHearing
	}
	if r.Kind != petitions.SessionHearing && r.Kind != petitions.SessionMediation {
		return nil, invalid("kind", "a terminal starts a hearing or a mediation")
	}
	return &Seat{Room: StationRoom(r.Station), Identity: "terminal." + t.ID, Name: t.Name, Station: r.Station,
		Kind: r.Kind, Role: "villager"}, nil
}

// SeatRequest asks for an official's seat in a station's room.
type SeatRequest struct {
	Kind   petitions.SessionKind `json:"kind,omitempty"`   // hearing when ""
	Hidden bool                  `json:"hidden,omitempty"` // watch unannounced: leaders, the dispatcher, the auditor
}

// OfficialSeat gives a signed-in person a seat in station's room: anyone
// holding a receiving or handling role for the station's unit or a unit
// above it. Hidden seats (monitoring) are for leaders, the dispatcher and
// the auditor; the auditor sits hidden only. The identity is the person's
// id, which is how the schedule's adherence recognises a reception held.
func (s *Service) OfficialSeat(ctx context.Context, a petitions.Actor, station string, name string, r SeatRequest) (*Seat, error) {
	tree, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	unit, ok := tree.StationUnit(station)
	if !ok {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no station %s.", station)
	}
	if r.Kind == "" {
		r.Kind = petitions.SessionHearing
	}
	if r.Hidden {
		r.Kind = petitions.SessionMonitoring
	}
	if !r.Kind.Valid() {
		return nil, invalid("kind", "must be hearing, mediation, caucus or monitoring")
	}
	for _, g := range a.Roles {
		within := tree.IsWithin(unit, g.Unit) || tree.IsRoot(g.Unit)
		var role string
		switch g.Role {
		case petitions.RoleDispatcher: // county-wide, from the 矛调中心
			role = string(g.Role)
		case petitions.RoleLeader:
			if within {
				role = string(g.Role)
			}
		case petitions.RoleTownship, petitions.RoleMediator, petitions.RoleDepartment:
			if within && !r.Hidden {
				role = string(g.Role)
			}
		case petitions.RoleAuditor:
			if r.Hidden {
				role = string(g.Role)
			}
		}
		if role != "" {
			return &Seat{Room: StationRoom(station), Identity: a.ID, Name: name, Station: station,
				Kind: r.Kind, Role: role, Hidden: r.Hidden}, nil
		}
	}
	return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: no role of yours receives at %s%s.", station,
		map[bool]string{true: " unannounced", false: ""}[r.Hidden])
}
