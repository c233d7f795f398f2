package casework

import (
	"context"
	"slices"
	"sync"
	"time"

	"hearingroom/petitions"
)

// How long the board keeps what it holds.
const (
	CallTTL       = 10 * time.Minute // a call waits this long before it expires
	InvitationTTL = 2 * time.Minute  // an invitation stays pending this long
	boardMemory   = time.Hour        // finished calls and invitations are kept this long, for their answers
	maxWaiting    = 1000             // waiting calls and pending invitations on one board, at most
)

// KindRated is the kind of the event that records a party's rating (评单)
// of a session given at the station's terminal.
const KindRated = "session.rated"

// CallState is where a call stands.
type CallState string

// Call states.
const (
	CallWaiting   CallState = "waiting"
	CallAccepted  CallState = "accepted"
	CallCancelled CallState = "cancelled"
	CallExpired   CallState = "expired"
)

// InvitationState is where an invitation stands.
type InvitationState string

// Invitation states.
const (
	InvitationPending  InvitationState = "pending"
	InvitationAccepted InvitationState = "accepted"
	InvitationDeclined InvitationState = "declined"
	InvitationExpired  InvitationState = "expired"
)

// Who names a person on the board: his account and his name.
type Who struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Call is a station calling in (呼叫接访): it waits in the queue of the
// officials who may receive at the station until one accepts it, the
// terminal cancels it, or it expires after CallTTL.
type Call struct {
	ID          string                `json:"id"`
	Station     string                `json:"station"`
	StationName string                `json:"station_name"`
	Village     string                `json:"village"`
	Township    string                `json:"township"`
	Kind        petitions.SessionKind `json:"kind"`
	State       CallState             `json:"state"`
	// Position is the call's place in its receiver's queue, 1 for the
	// next one; 0 once it no longer waits.
	Position   int       `json:"position"`
	Since      time.Time `json:"since"`
	AcceptedBy *Who      `json:"accepted_by"`
	// Receiver is today's receiving official of the station (or of the
	// nearest unit above it that has one), nil when the schedule names
	// none.
	Receiver *Who `json:"receiver"`

	terminal string
	expires  time.Time
	finished time.Time
}

// Invitation is an official inviting a station into a session: the
// station's terminal answers it, by itself or by a tap.
type Invitation struct {
	ID      string                `json:"id"`
	Station string                `json:"station"`
	Kind    petitions.SessionKind `json:"kind"`
	From    Who                   `json:"from"`
	State   InvitationState       `json:"state"`
	At      time.Time             `json:"at"`

	expires  time.Time
	finished time.Time
}

// Calls is the call board: the stations' calls waiting for an official
// and the officials' invitations waiting for a station's answer.
//
// The board is in memory and per process: a restart forgets it (the
// terminals call again) and, in a scale-out deployment, each server
// instance has its own, so a county's terminals and officials must reach
// the same instance. What happens in the sessions themselves is in the
// ledger; the board only brings the parties together.
type Calls struct {
	svc *Service

	mu          sync.Mutex
	calls       map[string]*Call
	invitations map[string]*Invitation

	rateMu sync.Mutex      // held while a rating is written: a double tap rates once
	rated  map[string]bool // terminal id + session id: rated already (per process)
}

// NewCalls returns an empty call board over svc.
func NewCalls(svc *Service) *Calls {
	return &Calls{svc: svc, calls: map[string]*Call{}, invitations: map[string]*Invitation{}, rated: map[string]bool{}}
}

// sweep expires what waited too long and forgets what finished long ago;
// b.mu is held.
func (b *Calls) sweep(now time.Time) {
	for id, c := range b.calls {
		if c.State == CallWaiting && !now.Before(c.expires) {
			c.State, c.finished = CallExpired, now
		}
		if c.State != CallWaiting && now.Sub(c.finished) > boardMemory {
			delete(b.calls, id)
		}
	}
	for id, inv := range b.invitations {
		if inv.State == InvitationPending && !now.Before(inv.expires) {
			inv.State, inv.finished = InvitationExpired, now
		}
		if inv.State != InvitationPending && now.Sub(inv.finished) > boardMemory {
			delete(b.invitations, id)
		}
	}
}

// pending counts the waiting calls and pending invitations; b.mu is held.
func (b *Calls) pending() int {
	n := 0
	for _, c := range b.calls {
		if c.State == CallWaiting {
			n++
		}
	}
	for _, inv := range b.invitations {
		if inv.State == InvitationPending {
			n++
		}
	}
	return n
}

// view returns a copy of c with its position in its receiver's queue;
// b.mu is held.
func (b *Calls) view(c *Call) *Call {
	v := *c
	if v.AcceptedBy != nil {
		w := *v.AcceptedBy
		v.AcceptedBy = &w
	}
	if v.Receiver != nil {
		w := *v.Receiver
		v.Receiver = &w
	}
	v.Position = 0
	if c.State == CallWaiting {
		v.Position = 1
		for _, o := range b.calls {
			if o.State == CallWaiting && o != c && sameQueue(o, c) &&
				(o.Since.Before(c.Since) || o.Since.Equal(c.Since) && o.ID < c.ID) {
				v.Position++
			}
		}
	}
	return &v
}

// sameQueue reports whether two calls wait for the same receiver: today's
// receiving official, or, with none scheduled, the officials of the same
// township.
func sameQueue(a, b *Call) bool {
	if a.Receiver != nil || b.Receiver != nil {
		return a.Receiver != nil && b.Receiver != nil && a.Receiver.ID == b.Receiver.ID
	}
	return a.Township == b.Township
}

func validKind(k petitions.SessionKind) bool {
	return k == petitions.SessionHearing || k == petitions.SessionMediation
}

// Place describes a station as its terminal's home screen shows it.
type Place struct {
	Station  *petitions.Station `json:"station"`
	Village  string             `json:"village"`
	Township string             `json:"township"`
	County   string             `json:"county"`
	Hours    string             `json:"hours"` // the station's opening hours, DefaultHours when unset
	Open     bool               `json:"open"`  // whether it is open now
	Now      time.Time          `json:"now"`
}

// PlaceOf returns the station, its village, township and county names,
// and whether it is open now.
// It returns ENOTFOUND for a station that does not exist.
func (b *Calls) PlaceOf(ctx context.Context, station string) (*Place, error) {
	stations, err := b.svc.store.Stations(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(stations, func(s *petitions.Station) bool { return s.ID == station })
	if i < 0 {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no station %s.", station)
	}
	tree, err := b.svc.Tree(ctx)
	if err != nil {
		return nil, err
	}
	now := b.svc.now()
	p := &Place{Station: stations[i], Hours: stations[i].OpenHours(), Open: stations[i].OpenAt(now), Now: now}
	unit := stations[i].Unit
	for _, id := range append([]string{unit}, tree.Ancestors(unit)...) {
		u, ok := tree.Unit(id)
		if !ok {
			continue
		}
		switch u.Level {
		case petitions.UnitVillage:
			p.Village = u.Name
		case petitions.UnitTownship:
			p.Township = u.Name
		case petitions.UnitCounty:
			p.County = u.Name
		}
	}
	return p, nil
}

// Receivers returns today's receiving officials of station: those the
// schedule names at the station, else at the stations of the nearest unit
// above it that has any (a village calls in to its township's hall).
func (b *Calls) Receivers(ctx context.Context, station string) ([]Receiver, error) {
	rs, err := b.svc.Today(ctx, station)
	if err != nil || len(rs) > 0 {
		return rs, err
	}
	tree, err := b.svc.Tree(ctx)
	if err != nil {
		return nil, err
	}
	unit, ok := tree.StationUnit(station)
	if !ok {
		return rs, nil
	}
	stations, err := b.svc.store.Stations(ctx)
	if err != nil {
		return nil, err
	}
	for _, up := range tree.Ancestors(unit) {
		for _, st := range stations {
			if st.Unit != up {
				continue
			}
			more, err := b.svc.Today(ctx, st.ID)
			if err != nil {
				return nil, err
			}
			rs = append(rs, more...)
		}
		if len(rs) > 0 {
			return rs, nil
		}
	}
	return rs, nil
}

// Call puts terminal t's station in the queue. It returns EINVALID for a
// kind other than hearing or mediation, EFORBIDDEN for a revoked terminal,
// ECONFLICT when the terminal already has a call waiting, and EUNAVAILABLE
// when the board is full.
func (b *Calls) Call(ctx context.Context, t *petitions.Terminal, kind petitions.SessionKind) (*Call, error) {
	if !validKind(kind) {
		return nil, invalid("kind", "must be hearing or mediation")
	}
	if !t.CanStart(t.Station) {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: this terminal is revoked.")
	}
	place, err := b.PlaceOf(ctx, t.Station)
	if err != nil {
		return nil, err
	}
	rs, err := b.Receivers(ctx, t.Station)
	if err != nil {
		return nil, err
	}
	now := b.svc.now()
	c := &Call{ID: newID(), Station: t.Station, StationName: place.Station.Name, Village: place.Village,
		Township: place.Township, Kind: kind, State: CallWaiting, Since: now, terminal: t.ID, expires: now.Add(CallTTL)}
	if len(rs) > 0 && rs[0].Reception != nil {
		c.Receiver = &Who{ID: rs[0].Reception.LeaderID, Name: rs[0].Name}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	for _, o := range b.calls {
		if o.terminal == t.ID && o.State == CallWaiting {
			return nil, petitions.Errorf(petitions.ECONFLICT, "This terminal is already waiting (call %s); cancel it first.", o.ID)
		}
	}
	if b.pending() >= maxWaiting {
		return nil, petitions.Errorf(petitions.EUNAVAILABLE, "Too many calls are waiting; try again later.")
	}
	b.calls[c.ID] = c
	return b.view(c), nil
}

// TerminalCall returns call id of terminal t, or ENOTFOUND when there is
// none (or it is another terminal's).
func (b *Calls) TerminalCall(t *petitions.Terminal, id string) (*Call, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(b.svc.now())
	c, ok := b.calls[id]
	if !ok || c.terminal != t.ID {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no call %s of this terminal.", id)
	}
	return b.view(c), nil
}

// Cancel withdraws terminal t's call id. Cancelling a call cancelled or
// expired already does nothing; ECONFLICT when an official has accepted
// it, ENOTFOUND when it is not the terminal's.
func (b *Calls) Cancel(t *petitions.Terminal, id string) error {
	now := b.svc.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	c, ok := b.calls[id]
	switch {
	case !ok || c.terminal != t.ID:
		return petitions.Errorf(petitions.ENOTFOUND, "There is no call %s of this terminal.", id)
	case c.State == CallAccepted:
		return petitions.Errorf(petitions.ECONFLICT, "The call was accepted by %s already.", c.AcceptedBy.Name)
	case c.State == CallWaiting:
		c.State, c.finished = CallCancelled, now
	}
	return nil
}

// mayReceive reports whether a may take a seat at station for kind: the
// rule of OfficialSeat.
func (b *Calls) mayReceive(ctx context.Context, a petitions.Actor, station string, kind petitions.SessionKind) bool {
	_, err := b.svc.OfficialSeat(ctx, a, station, "", SeatRequest{Kind: kind})
	return err == nil
}

// Waiting returns the waiting calls of the stations a may receive at,
// oldest first.
func (b *Calls) Waiting(ctx context.Context, a petitions.Actor) ([]*Call, error) {
	b.mu.Lock()
	b.sweep(b.svc.now())
	var all []*Call
	for _, c := range b.calls {
		if c.State == CallWaiting {
			all = append(all, b.view(c))
		}
	}
	b.mu.Unlock()
	out := []*Call{}
	for _, c := range all {
		if b.mayReceive(ctx, a, c.Station, c.Kind) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y *Call) int {
		if c := x.Since.Compare(y.Since); c != 0 {
			return c
		}
		return compareStrings(x.ID, y.ID)
	})
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Accept takes call id for a (named name) and returns it with his seat in
// the station's room. ENOTFOUND for no such call, EFORBIDDEN when a may not
// receive at its station, ECONFLICT when it no longer waits (another
// official took it, the terminal cancelled it, or it expired).
func (b *Calls) Accept(ctx context.Context, a petitions.Actor, name, id string) (*Call, *Seat, error) {
	b.mu.Lock()
	c, ok := b.calls[id]
	var station string
	var kind petitions.SessionKind
	if ok {
		station, kind = c.Station, c.Kind
	}
	b.mu.Unlock()
	if !ok {
		return nil, nil, petitions.Errorf(petitions.ENOTFOUND, "There is no call %s.", id)
	}
	seat, err := b.svc.OfficialSeat(ctx, a, station, name, SeatRequest{Kind: kind})
	if err != nil {
		return nil, nil, err
	}
	now := b.svc.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	switch c.State {
	case CallAccepted:
		return nil, nil, petitions.Errorf(petitions.ECONFLICT, "The call was accepted by %s already.", c.AcceptedBy.Name)
	case CallCancelled:
		return nil, nil, petitions.Errorf(petitions.ECONFLICT, "The station cancelled the call.")
	case CallExpired:
		return nil, nil, petitions.Errorf(petitions.ECONFLICT, "The call expired after waiting %v.", CallTTL)
	}
	c.State, c.finished, c.AcceptedBy = CallAccepted, now, &Who{ID: a.ID, Name: name}
	return b.view(c), seat, nil
}
