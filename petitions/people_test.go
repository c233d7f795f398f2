package petitions

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPeopleActor(t *testing.T) {
	p := &Person{ID: "u1", Login: "wangming", Name: "王明", Phone: "13800000000", PasswordHash: "$argon2id$secret",
		Roles: []RoleGrant{{RoleTownship, "t1"}, {RoleLeader, "t1"}}}
	a := p.Actor()
	if a.ID != "u1" || len(a.Roles) != 2 || a.Roles[1] != (RoleGrant{RoleLeader, "t1"}) {
		t.Fatalf("Actor = %+v", a)
	}
	a.Roles[0].Unit = "t2"
	if p.Roles[0].Unit != "t1" {
		t.Errorf("Actor shares its roles with the person")
	}
	p.Disabled = true
	if a := p.Actor(); len(a.Roles) != 0 {
		t.Errorf("a disabled person's Actor has roles %v", a.Roles)
	}
	l := p.Listed()
	if l.Phone != "" || l.PasswordHash != "" || l.Name != p.Name || p.Phone == "" {
		t.Errorf("Listed = %+v from %+v; want the phone and hash dropped, the person kept", l, p)
	}
	l.Roles[0].Unit = "t3"
	if p.Roles[0].Unit != "t1" {
		t.Errorf("Listed shares its roles with the person")
	}
	b, _ := json.Marshal(p)
	if strings.Contains(string(b), "argon2id") {
		t.Errorf("the password hash is in the JSON: %s", b)
	}
}

func TestPeopleValidate(t *testing.T) {
	ok := &Person{ID: "u1", Login: "wangming", Name: "王明", Roles: []RoleGrant{{RoleTownship, "t1"}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	bad := &Person{Login: " WangMing", Roles: []RoleGrant{{Unit: "t1"}, {Role: RoleMediator}}}
	f := ErrorFields(bad.Validate())
	for _, k := range []string{"id", "login", "name", "roles[0].role", "roles[1].unit"} {
		if f[k] == "" {
			t.Errorf("Validate: no message for %s in %v", k, f)
		}
	}
	if NormalizeLogin(" WangMing ") != "wangming" {
		t.Errorf("NormalizeLogin")
	}
}

func TestPeopleTerminal(t *testing.T) {
	term := &Terminal{ID: "k1", Station: "st-shiqiao", Unit: "t1-v1", EnrolledAt: time.Now()}
	if !term.CanStart("st-shiqiao") || term.CanStart("st-other") || term.CanStart("") {
		t.Errorf("CanStart is wrong for an enrolled terminal")
	}
	term.RevokedAt = time.Now()
	if !term.Revoked() || term.CanStart("st-shiqiao") {
		t.Errorf("a revoked terminal can start sessions")
	}
}
