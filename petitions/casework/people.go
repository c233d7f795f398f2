package casework

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"hearingroom/petitions"
)

// NewPerson is an account an administrator opens.
type NewPerson struct {
	Login    string                `json:"login"`
	Name     string                `json:"name"`
	Phone    string                `json:"phone,omitempty"`
	Roles    []petitions.RoleGrant `json:"roles"`
	Password string                `json:"password"`
	Profile  *petitions.Profile    `json:"profile,omitempty"` // a mediator's board profile
}

// PersonChange changes an account; nil fields are kept.
type PersonChange struct {
	Name     *string                `json:"name,omitempty"`
	Phone    *string                `json:"phone,omitempty"`
	Roles    *[]petitions.RoleGrant `json:"roles,omitempty"`
	Disabled *bool                  `json:"disabled,omitempty"`
	// Profile replaces the board profile; an empty object removes it.
	Profile *petitions.Profile `json:"profile,omitempty"`
}

// PasswordChange sets a password: an administrator resets anyone's, a
// person changes his own by giving the current one.
type PasswordChange struct {
	Current  string `json:"current,omitempty"`
	Password string `json:"password"`
}

// personLog is what the history records of an account: never the phone.
type personLog struct {
	ID       string                `json:"id"`
	Login    string                `json:"login"`
	Roles    []petitions.RoleGrant `json:"roles"`
	Disabled bool                  `json:"disabled"`
}

// People returns the accounts holding a role for unit (everyone when unit
// is ""), phone numbers included: the administrator's view.
func (s *Service) People(ctx context.Context, a petitions.Actor, unit string) ([]*petitions.Person, error) {
	if err := petitions.Decide(a, petitions.ActManagePeople, nil, nil).Err(); err != nil {
		return nil, err
	}
	return s.store.People(ctx, unit)
}

// CreatePerson opens an account. Every role's unit must exist, and the
// password must pass the password rules (EINVALID on field "password").
func (s *Service) CreatePerson(ctx context.Context, a petitions.Actor, n NewPerson) (*petitions.Person, error) {
	if err := petitions.Decide(a, petitions.ActManagePeople, nil, nil).Err(); err != nil {
		return nil, err
	}
	p := &petitions.Person{ID: newID(), Login: petitions.NormalizeLogin(n.Login), Name: n.Name, Phone: n.Phone,
		Roles: n.Roles, Profile: n.Profile, CreatedAt: s.now()}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkGrants(ctx, p.Roles); err != nil {
		return nil, err
	}
	hash, err := petitions.HashPassword(n.Password)
	if err != nil {
		return nil, err
	}
	p.PasswordHash = hash
	if err := s.store.CreatePerson(ctx, p); err != nil {
		return nil, err
	}
	if err := s.appendEvent(ctx, "", KindPersonSaved, a, "", personLog{p.ID, p.Login, p.Roles, p.Disabled}); err != nil {
		return nil, err
	}
	return p, nil
}

// UpdatePerson changes account id as c says.
func (s *Service) UpdatePerson(ctx context.Context, a petitions.Actor, id string, c PersonChange) (*petitions.Person, error) {
	if err := petitions.Decide(a, petitions.ActManagePeople, nil, nil).Err(); err != nil {
		return nil, err
	}
	p, err := s.store.Person(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Name != nil {
		p.Name = *c.Name
	}
	if c.Phone != nil {
		p.Phone = *c.Phone
	}
	if c.Roles != nil {
		p.Roles = *c.Roles
		if err := s.checkGrants(ctx, p.Roles); err != nil {
			return nil, err
		}
	}
	if c.Profile != nil {
		p.Profile = c.Profile
		if f := c.Profile; len(f.Specialties) == 0 && f.Intro == "" && f.Photo == "" {
			p.Profile = nil
		}
	}
	if c.Disabled != nil {
		if *c.Disabled && id == a.ID {
			return nil, petitions.Errorf(petitions.ECONFLICT, "An administrator cannot disable his own account.")
		}
		p.Disabled = *c.Disabled
	}
	if err := s.store.UpdatePerson(ctx, p); err != nil {
		return nil, err
	}
	if err := s.appendEvent(ctx, "", KindPersonSaved, a, "", personLog{p.ID, p.Login, p.Roles, p.Disabled}); err != nil {
		return nil, err
	}
	return p, nil
}

// SetPassword sets the password of account id: an administrator may reset
// anyone's; anyone may change his own given the current password (a wrong
// one is EUNAUTHORIZED). Setting it ends the account's sessions (the
// cookie's signature covers the hash).
func (s *Service) SetPassword(ctx context.Context, a petitions.Actor, id string, c PasswordChange) error {
	admin := petitions.Decide(a, petitions.ActManagePeople, nil, nil).Allowed
	if !admin && id != a.ID {
		return petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: only an administrator sets another person's password.")
	}
	p, err := s.store.Person(ctx, id)
	if err != nil {
		return err
	}
	if id == a.ID {
		ok, _, err := petitions.CheckPassword(p.PasswordHash, c.Current)
		if err != nil || !ok {
			return petitions.Errorf(petitions.EUNAUTHORIZED, "The current password is wrong.")
		}
	}
	hash, err := petitions.HashPassword(c.Password)
	if err != nil {
		return err
	}
	if err := s.store.SetPasswordHash(ctx, id, hash); err != nil {
		return err
	}
	return s.appendEvent(ctx, "", KindPassword, a, "", map[string]string{"person": id})
}

// checkGrants refuses a grant whose unit the tree does not know, or whose
// role is not a role of the ledger.
func (s *Service) checkGrants(ctx context.Context, grants []petitions.RoleGrant) error {
	tree, err := s.Tree(ctx)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	for i, g := range grants {
		if _, ok := tree.Unit(g.Unit); !ok {
			fields[fmt.Sprintf("roles[%d].unit", i)] = fmt.Sprintf("unknown unit %q", g.Unit)
		}
		if !slices.Contains(petitions.Roles(), g.Role) || g.Role == petitions.RolePetitioner {
			fields[fmt.Sprintf("roles[%d].role", i)] = fmt.Sprintf("unknown role %q", g.Role)
		}
	}
	if len(fields) > 0 {
		e := petitions.Errorf(petitions.EINVALID, "The roles name what the ledger does not know.")
		e.Fields = fields
		return e
	}
	return nil
}

// Leader is a line of the leaders' directory: whom a case can be given to
// as its 包案 leader. Names and units only; never a phone or a login.
type Leader struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Units []string `json:"units"` // the units he leads
}

// Leaders returns the enabled people holding the leader role, by name, for
// the officials who pick a case's 包案 leader and the pages that show him.
// Officials may read it; a petitioner, proxy or grid worker may not
// (EFORBIDDEN).
func (s *Service) Leaders(ctx context.Context, a petitions.Actor) ([]Leader, error) {
	if !isOfficial(a) {
		return nil, petitions.Errorf(petitions.EFORBIDDEN, "Only officials may read the leaders' directory.")
	}
	people, err := s.store.People(ctx, "")
	if err != nil {
		return nil, err
	}
	leaders := []Leader{}
	for _, p := range people {
		if l, ok := leaderOf(p); ok {
			leaders = append(leaders, l)
		}
	}
	slices.SortFunc(leaders, func(x, y Leader) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return leaders, nil
}

// leaderOf returns p's directory line if p is an enabled leader.
func leaderOf(p *petitions.Person) (Leader, bool) {
	l := Leader{ID: p.ID, Name: p.Name}
	for _, g := range p.Roles {
		if g.Role == petitions.RoleLeader && !slices.Contains(l.Units, g.Unit) {
			l.Units = append(l.Units, g.Unit)
		}
	}
	return l, len(l.Units) > 0 && !p.Disabled
}

// isOfficial reports whether a holds a role of the government side: any
// but petitioner, village proxy and grid worker.
func isOfficial(a petitions.Actor) bool {
	return slices.ContainsFunc(a.Roles, func(g petitions.RoleGrant) bool {
		return g.Role != petitions.RolePetitioner && g.Role != petitions.RoleProxy && g.Role != petitions.RoleGridWorker
	})
}

// checkOwner returns nil if id names an enabled leader, who may own (包案)
// a case, and an EINVALID error on field "owner" otherwise.
func (s *Service) checkOwner(ctx context.Context, id string) error {
	p, err := s.store.Person(ctx, id)
	if petitions.ErrorCode(err) == petitions.ENOTFOUND {
		p, err = nil, nil
	}
	if err != nil {
		return err
	}
	if p == nil {
		return invalidOwner("There is no person " + id + ".")
	}
	if _, ok := leaderOf(p); !ok {
		return invalidOwner(p.Name + " is not an enabled leader: a 包案 leader must be one.")
	}
	return nil
}

func invalidOwner(msg string) error {
	e := petitions.Errorf(petitions.EINVALID, "The 包案 leader is not valid: %s", msg)
	e.Fields = map[string]string{"owner": msg}
	return e
}

// Names returns the names of the actors of evs, by id: what a case's
// history and access log show beside each event. A person is named by his
// name, a kiosk ("terminal.<id>") by its terminal's; the system has none.
// The caller has read the events; who acted on a case is part of it.
func (s *Service) Names(ctx context.Context, evs []*petitions.Event) (map[string]string, error) {
	names := map[string]string{}
	var terminals map[string]string // read once, if a kiosk acted
	for _, e := range evs {
		if _, done := names[e.Actor]; done || e.Actor == "" {
			continue
		}
		if id, ok := strings.CutPrefix(e.Actor, "terminal."); ok {
			if terminals == nil {
				ts, err := s.store.Terminals(ctx, "")
				if err != nil {
					return nil, err
				}
				terminals = map[string]string{}
				for _, t := range ts {
					terminals[t.ID] = t.Name
				}
			}
			names[e.Actor] = terminals[id]
			continue
		}
		p, err := s.store.Person(ctx, e.Actor)
		switch {
		case petitions.ErrorCode(err) == petitions.ENOTFOUND:
			names[e.Actor] = ""
		case err != nil:
			return nil, err
		default:
			names[e.Actor] = p.Name
		}
	}
	maps.DeleteFunc(names, func(_, name string) bool { return name == "" })
	return names, nil
}
