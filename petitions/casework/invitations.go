package casework

// An official invites a station into a session; its kiosk answers (by
// itself, with a chime, unless its staff turned that off).

import (
	"context"
	"slices"

	"hearingroom/petitions"
)

// Invite invites station into a session of kind with a (named name), and
// returns the invitation with his seat in the station's room. EINVALID for
// a kind other than hearing or mediation, ENOTFOUND for no such station,
// EFORBIDDEN when a may not receive there, ECONFLICT when the station has
// an invitation pending already.
func (b *Calls) Invite(ctx context.Context, a petitions.Actor, name, station string, kind petitions.SessionKind) (*Invitation, *Seat, error) {
	if !validKind(kind) {
		return nil, nil, invalid("kind", "must be hearing or mediation")
	}
	seat, err := b.svc.OfficialSeat(ctx, a, station, name, SeatRequest{Kind: kind})
	if err != nil {
		return nil, nil, err
	}
	now := b.svc.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	for _, o := range b.invitations {
		if o.Station == station && o.State == InvitationPending {
			return nil, nil, petitions.Errorf(petitions.ECONFLICT, "%s has invited this station already; wait for its answer.", o.From.Name)
		}
	}
	if b.pending() >= maxWaiting {
		return nil, nil, petitions.Errorf(petitions.EUNAVAILABLE, "Too many calls are waiting; try again later.")
	}
	inv := &Invitation{ID: newID(), Station: station, Kind: kind, From: Who{ID: a.ID, Name: name},
		State: InvitationPending, At: now, expires: now.Add(InvitationTTL)}
	b.invitations[inv.ID] = inv
	v := *inv
	return &v, seat, nil
}

// Invitation returns invitation id to its official, or to anyone who may
// receive at its station; ENOTFOUND otherwise.
func (b *Calls) Invitation(ctx context.Context, a petitions.Actor, id string) (*Invitation, error) {
	b.mu.Lock()
	b.sweep(b.svc.now())
	inv, ok := b.invitations[id]
	var v Invitation
	if ok {
		v = *inv
	}
	b.mu.Unlock()
	if !ok || (v.From.ID != a.ID && !b.mayReceive(ctx, a, v.Station, v.Kind)) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no invitation %s.", id)
	}
	return &v, nil
}

// Invitations returns the pending invitations of terminal t's station,
// oldest first.
func (b *Calls) Invitations(t *petitions.Terminal) []*Invitation {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(b.svc.now())
	out := []*Invitation{}
	for _, inv := range b.invitations {
		if inv.Station == t.Station && inv.State == InvitationPending {
			v := *inv
			out = append(out, &v)
		}
	}
	slices.SortFunc(out, func(x, y *Invitation) int { return x.At.Compare(y.At) })
	return out
}

// Answer accepts or declines invitation id for terminal t. ENOTFOUND when
// it is not for t's station, ECONFLICT when it is no longer pending.
func (b *Calls) Answer(t *petitions.Terminal, id string, accept bool) (*Invitation, error) {
	now := b.svc.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep(now)
	inv, ok := b.invitations[id]
	switch {
	case !ok || inv.Station != t.Station:
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no invitation %s for this station.", id)
	case inv.State != InvitationPending:
		return nil, petitions.Errorf(petitions.ECONFLICT, "The invitation is %s already.", inv.State)
	}
	inv.State, inv.finished = InvitationDeclined, now
	if accept {
		inv.State = InvitationAccepted
	}
	v := *inv
	return &v, nil
}
