package petitions

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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
	// Profile is what the mediator board shows of the person; nil: none.
	Profile *Profile `json:"profile,omitempty"`
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
	if p.Profile != nil {
		f := *p.Profile
		f.Specialties = slices.Clone(f.Specialties)
		c.Profile = &f
	}
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
	if p.Profile != nil {
		p.Profile.validate(pr)
	}
	return pr.err("The person")
}

// Profile is what the mediator board (点单式调解) shows of a mediator for
// the parties to choose by: what he is good at, a few words of his own and
// a photo.
type Profile struct {
	// Specialties are category codes or short words (婚姻家庭, 土地承包).
	Specialties []string `json:"specialties,omitempty"`
	Intro       string   `json:"intro,omitempty"`
	// Photo is a data URL of a PNG, JPEG or WebP image of at most
	// MaxPhotoBytes: the server keeps it with the person, so that nothing
	// on the board is loaded from elsewhere.
	Photo string `json:"photo,omitempty"`
}

// Bounds of a Profile.
const (
	MaxSpecialties    = 8
	MaxSpecialtyRunes = 40
	MaxIntroRunes     = 300
	MaxPhotoBytes     = 256 << 10
)

// photoPrefixes are the data URL prefixes a Profile.Photo may have.
var photoPrefixes = []string{"data:image/png;base64,", "data:image/jpeg;base64,", "data:image/webp;base64,"}

func (f *Profile) validate(pr problems) {
	if len(f.Specialties) > MaxSpecialties {
		pr.add("profile.specialties", "at most %d", MaxSpecialties)
	}
	for i, s := range f.Specialties {
		if n := utf8.RuneCountInString(strings.TrimSpace(s)); n == 0 || n > MaxSpecialtyRunes {
			pr.add(fmt.Sprintf("profile.specialties[%d]", i), "1 to %d characters", MaxSpecialtyRunes)
		}
	}
	if utf8.RuneCountInString(f.Intro) > MaxIntroRunes {
		pr.add("profile.intro", "at most %d characters", MaxIntroRunes)
	}
	if f.Photo == "" {
		return
	}
	i := slices.IndexFunc(photoPrefixes, func(p string) bool { return strings.HasPrefix(f.Photo, p) })
	if i < 0 {
		pr.add("profile.photo", "must be a data URL of a PNG, JPEG or WebP image")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(f.Photo[len(photoPrefixes[i]):])
	switch {
	case err != nil:
		pr.add("profile.photo", "is not valid base64")
	case len(raw) > MaxPhotoBytes:
		pr.add("profile.photo", "at most %d KiB", MaxPhotoBytes>>10)
	}
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

// ProfileColumn returns f as a store keeps it: JSON, "" for none.
func ProfileColumn(f *Profile) (string, error) {
	if f == nil {
		return "", nil
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// ParseProfileColumn reads a profile ProfileColumn wrote; nil for "".
func ParseProfileColumn(s string) (*Profile, error) {
	if s == "" {
		return nil, nil
	}
	var f Profile
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, err
	}
	return &f, nil
}
