package petitions

import (
	"fmt"
	"strings"
	"time"
)

// Person is an official with an account: a login, a password (its hash only)
// and the roles he holds, each scoped to a unit. Petitioners and parties have
// no account and are not Persons.
type Person struct {
	ID    string `json:"id"`
	Login string `json:"login"` // unique; kept as NormalizeLogin returns it
	Name  string `json:"name"`
	// Phone is confidential: shown to administrators managing the account,
	// never in a case file or a list of people.
	Phone    string      `json:"phone,omitempty"`
	Roles    []RoleGrant `json:"roles"`
	Disabled bool        `json:"disabled,omitempty"` // may not sign in
	// PasswordHash is the PHC string HashPassword returns, "" when no
	// password is set. It never leaves the server.
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Listed returns a copy of p fit for a list of people or another official's
// eyes: without the phone number and the password hash.
func (p *Person) Listed() *Person {
	c := *p
	c.Phone, c.PasswordHash = "", ""
	c.Roles = append([]RoleGrant{}, p.Roles...)
	return &c
}

// NormalizeLogin returns login as logins are stored and looked up: without
// surrounding spaces, in lower case.
func NormalizeLogin(login string) string {
	return strings.ToLower(strings.TrimSpace(login))
}

// Actor returns p as the access rules see him: his id and a copy of his
// roles. A disabled person has no roles.
func (p *Person) Actor() Actor {
	a := Actor{ID: p.ID, Roles: []RoleGrant{}}
	if !p.Disabled {
		a.Roles = append(a.Roles, p.Roles...)
	}
	return a
}

// Validate returns EINVALID with a message per bad field if p has no id,
// login or name, a login that is not normalized, or a role grant without a
// role or a unit, or if p is nil; nil otherwise.
func (p *Person) Validate() error {
	if p == nil {
		return Errorf(EINVALID, "No person given.")
	}
	pr := problems{}
	if p.ID == "" {
		pr.add("id", "required")
	}
	switch {
	case p.Login == "":
		pr.add("login", "required")
	case p.Login != NormalizeLogin(p.Login):
		pr.add("login", "must be lower case without surrounding spaces")
	}
	if strings.TrimSpace(p.Name) == "" {
		pr.add("name", "required")
	}
	for i, g := range p.Roles {
		if g.Role == "" {
			pr.add(fmt.Sprintf("roles[%d].role", i), "required")
		}
		if g.Unit == "" {
			pr.add(fmt.Sprintf("roles[%d].unit", i), "required")
		}
	}
	return pr.err("The person")
}

// Terminal is a device enrolled to a station (reception room) with a
// pairing code: the kiosk or village terminal that starts sessions. It signs
// in with a device credential whose hash the store keeps, and can only start
// sessions for its Station. A revoked terminal's credential no longer works.
type Terminal struct {
	ID         string    `json:"id"`
	Station    string    `json:"station"`
	Unit       string    `json:"unit"` // the unit the station belongs to
	Name       string    `json:"name"`
	EnrolledAt time.Time `json:"enrolled_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"` // zero while in service
}

// Revoked reports whether t's credential has been revoked.
func (t *Terminal) Revoked() bool { return !t.RevokedAt.IsZero() }

// CanStart reports whether t may start a session at station: only at its own,
// and only while not revoked.
func (t *Terminal) CanStart(station string) bool {
	return !t.Revoked() && station != "" && station == t.Station
}
