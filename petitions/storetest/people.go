package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
)

// runPeople runs the suite's tests of people, pairing codes and terminals (Run
// includes them);
// open is as for Run.
func runPeople(t *testing.T, open func(t *testing.T) petitions.Store) {
	t.Run("People", func(t *testing.T) { testPeople(t, open(t)) })
	t.Run("PeopleByUnit", func(t *testing.T) { testPeopleByUnit(t, open(t)) })
	t.Run("Pairing", func(t *testing.T) { testPairing(t, open(t)) })
	t.Run("PairingConcurrent", func(t *testing.T) { testPairingConcurrent(t, open(t)) })
}

// newPerson returns a township official of unit numbered n.
func newPerson(n int, unit string) *petitions.Person {
	return &petitions.Person{
		ID:        fmt.Sprintf("person-%03d", n),
		Login:     fmt.Sprintf("official%d", n),
		Name:      fmt.Sprintf("王明%d", n),
		Phone:     "13900000000",
		Roles:     []petitions.RoleGrant{{Role: petitions.RoleTownship, Unit: unit}, {Role: petitions.RoleLeader, Unit: unit}},
		CreatedAt: t0,
	}
}

// samePerson fails t unless got and want agree field by field.
func samePerson(t *testing.T, what string, got, want *petitions.Person) {
	t.Helper()
	if got.ID != want.ID || got.Login != want.Login || got.Name != want.Name || got.Phone != want.Phone ||
		got.Disabled != want.Disabled || got.PasswordHash != want.PasswordHash || !got.CreatedAt.Equal(want.CreatedAt) ||
		fmt.Sprint(got.Roles) != fmt.Sprint(want.Roles) || fmt.Sprint(got.Profile) != fmt.Sprint(want.Profile) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testPeople(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPerson(1, "fuyu-town")
	p.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$a2V5"
	if err := s.CreatePerson(ctx, p); err != nil {
		t.Fatalf("CreatePerson: %v", err)
	}
	got, err := s.Person(ctx, p.ID)
	if err != nil {
		t.Fatalf("Person: %v", err)
	}
	samePerson(t, "Person", got, p)
	got, err = s.PersonByLogin(ctx, " Official1 ")
	if err != nil {
		t.Fatalf("PersonByLogin: %v", err)
	}
	samePerson(t, "PersonByLogin", got, p)

	_, err = s.Person(ctx, "nobody")
	wantCode(t, "Person(missing)", err, petitions.ENOTFOUND)
	_, err = s.PersonByLogin(ctx, "nobody")
	wantCode(t, "PersonByLogin(missing)", err, petitions.ENOTFOUND)

	sameID := newPerson(1, "fuyu-town")
	sameID.Login = "other"
	wantCode(t, "CreatePerson(same id)", s.CreatePerson(ctx, sameID), petitions.ECONFLICT)
	sameLogin := newPerson(2, "fuyu-town")
	sameLogin.Login = p.Login
	wantCode(t, "CreatePerson(same login)", s.CreatePerson(ctx, sameLogin), petitions.ECONFLICT)
	_, err = s.Person(ctx, sameLogin.ID)
	wantCode(t, "Person(refused duplicate)", err, petitions.ENOTFOUND)
	wantCode(t, "CreatePerson(no login)", s.CreatePerson(ctx, &petitions.Person{ID: "x", Name: "x"}), petitions.EINVALID)
	wantCode(t, "CreatePerson(login not normalized)", s.CreatePerson(ctx,
		&petitions.Person{ID: "x", Login: "Upper", Name: "x"}), petitions.EINVALID)

	// Without CreatedAt the store's clock is used; without roles, none.
	bare := &petitions.Person{ID: "person-009", Login: "clerk", Name: "李秀兰"}
	if err := s.CreatePerson(ctx, bare); err != nil {
		t.Fatalf("CreatePerson(bare): %v", err)
	}
	got, err = s.Person(ctx, bare.ID)
	if err != nil || got.CreatedAt.IsZero() || !got.CreatedAt.Equal(bare.CreatedAt) || len(got.Roles) != 0 || got.PasswordHash != "" {
		t.Fatalf("Person(bare) = %+v, %v; want created now, no roles, no password", got, err)
	}

	const h2 = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdDI$a2V5Mg"
	if err := s.SetPasswordHash(ctx, p.ID, h2); err != nil {
		t.Fatalf("SetPasswordHash: %v", err)
	}
	if got, err := s.PersonByLogin(ctx, p.Login); err != nil || got.PasswordHash != h2 {
		t.Fatalf("after SetPasswordHash: %+v, %v", got, err)
	}
	wantCode(t, "SetPasswordHash(missing)", s.SetPasswordHash(ctx, "nobody", h2), petitions.ENOTFOUND)
	wantCode(t, "SetPasswordHash(empty)", s.SetPasswordHash(ctx, p.ID, ""), petitions.EINVALID)

	// A mediator's board profile is kept, replaced and removed with him;
	// a bad one changes nothing.
	m := newPerson(3, "fuyu-town")
	m.Roles = []petitions.RoleGrant{{Role: petitions.RoleMediator, Unit: "fuyu-town"}}
	m.Profile = &petitions.Profile{Specialties: []string{"婚姻家庭", "邻里纠纷"}, Intro: "从事人民调解二十年",
		Photo: "data:image/png;base64,iVBORw0KGgo="}
	if err := s.CreatePerson(ctx, m); err != nil {
		t.Fatalf("CreatePerson(profile): %v", err)
	}
	if got, err := s.Person(ctx, m.ID); err != nil {
		t.Fatalf("Person(profile): %v", err)
	} else {
		samePerson(t, "Person(profile)", got, m)
	}
	m.Profile = &petitions.Profile{Specialties: []string{"土地承包"}}
	if err := s.UpdatePerson(ctx, m); err != nil {
		t.Fatalf("UpdatePerson(profile): %v", err)
	}
	bad := *m
	bad.Profile = &petitions.Profile{Photo: "https://example.invalid/face.png"}
	wantCode(t, "UpdatePerson(photo from elsewhere)", s.UpdatePerson(ctx, &bad), petitions.EINVALID)
	if got, err := s.Person(ctx, m.ID); err != nil {
		t.Fatalf("Person(profile updated): %v", err)
	} else {
		samePerson(t, "Person(profile updated)", got, m)
	}
	m.Profile = nil
	if err := s.UpdatePerson(ctx, m); err != nil {
		t.Fatalf("UpdatePerson(no profile): %v", err)
	}
	if got, _ := s.Person(ctx, m.ID); got == nil || got.Profile != nil {
		t.Fatalf("Person(profile removed) = %+v", got)
	}
}

func testPeopleByUnit(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	for i, unit := range []string{"tangchi", "fuyu-town", "tangchi", "dept-labour"} {
		if err := s.CreatePerson(ctx, newPerson(4-i, unit)); err != nil {
			t.Fatalf("CreatePerson: %v", err)
		}
	}
	mediator := newPerson(9, "fuyu-town")
	mediator.Roles = append(mediator.Roles, petitions.RoleGrant{Role: petitions.RoleMediator, Unit: "tangchi"})
	if err := s.CreatePerson(ctx, mediator); err != nil {
		t.Fatalf("CreatePerson: %v", err)
	}
	for unit, want := range map[string]string{
		"tangchi":     "[person-002 person-004 person-009]",
		"fuyu-town":   "[person-003 person-009]",
		"dept-labour": "[person-001]",
		"nowhere":     "[]",
	} {
		got, err := s.People(ctx, unit)
		if err != nil {
			t.Fatalf("People(%s): %v", unit, err)
		}
		ids := make([]string, len(got))
		for i, p := range got {
			ids[i] = p.ID
		}
		if fmt.Sprint(ids) != want || got == nil {
			t.Errorf("People(%s) = %v (nil %v), want %s", unit, ids, got == nil, want)
		}
	}
	got, err := s.People(ctx, "tangchi")
	if err != nil || len(got) != 3 {
		t.Fatalf("People(tangchi) = %d, %v", len(got), err)
	}
	samePerson(t, "People(tangchi)[2]", got[2], mediator)
}

func testPairing(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	code, hash := petitions.NewPairingCode()
	expires := t0.Add(petitions.PairingTTL)
	if err := s.CreatePairing(ctx, hash, "st-shiqiao", expires); err != nil {
		t.Fatalf("CreatePairing: %v", err)
	}
	wantCode(t, "CreatePairing(same code)", s.CreatePairing(ctx, hash, "st-other", expires), petitions.ECONFLICT)
	wantCode(t, "CreatePairing(no station)", s.CreatePairing(ctx, "ab", "", expires), petitions.EINVALID)

	secret, secretHash := petitions.NewDeviceSecret()
	_, err := s.TerminalByCredential(ctx, secretHash)
	wantCode(t, "TerminalByCredential(before enrolment)", err, petitions.ENOTFOUND)

	wantCode(t, "RedeemPairing(unknown)", s.RedeemPairing(ctx, petitions.HashPairingCode("ZZZZZZZZ"),
		&petitions.Terminal{ID: "kiosk-x"}, secretHash, t0), petitions.ENOTFOUND)
	wantCode(t, "RedeemPairing(no terminal id)", s.RedeemPairing(ctx, hash,
		&petitions.Terminal{}, secretHash, t0), petitions.EINVALID)
	wantCode(t, "RedeemPairing(at expiry)", s.RedeemPairing(ctx, hash,
		&petitions.Terminal{ID: "kiosk-1"}, secretHash, expires), petitions.EDEADLINE)

	term := &petitions.Terminal{ID: "kiosk-1", Station: "ignored", Unit: "v-01", Name: "石桥村接访室"}
	at := t0.Add(10 * time.Minute)
	if err := s.RedeemPairing(ctx, petitions.HashPairingCode(code), term, secretHash, at); err != nil {
		t.Fatalf("RedeemPairing: %v", err)
	}
	if term.Station != "st-shiqiao" || !term.EnrolledAt.Equal(at) {
		t.Errorf("after RedeemPairing: %+v; want station st-shiqiao, enrolled at %v", term, at)
	}
	got, err := s.TerminalByCredential(ctx, petitions.HashDeviceSecret(secret))
	if err != nil {
		t.Fatalf("TerminalByCredential: %v", err)
	}
	if got.ID != term.ID || got.Station != "st-shiqiao" || got.Unit != "v-01" || got.Name != term.Name ||
		!got.EnrolledAt.Equal(at) || got.Revoked() {
		t.Errorf("TerminalByCredential = %+v, want %+v", got, term)
	}

	// One time only.
	_, other := petitions.NewDeviceSecret()
	wantCode(t, "RedeemPairing(used)", s.RedeemPairing(ctx, hash, &petitions.Terminal{ID: "kiosk-2"}, other, at), petitions.ECONFLICT)

	// A refused enrolment leaves the code unused.
	_, hash2 := petitions.NewPairingCode()
	if err := s.CreatePairing(ctx, hash2, "st-tangchi", expires); err != nil {
		t.Fatalf("CreatePairing: %v", err)
	}
	wantCode(t, "RedeemPairing(existing terminal id)", s.RedeemPairing(ctx, hash2,
		&petitions.Terminal{ID: "kiosk-1"}, other, at), petitions.ECONFLICT)
	wantCode(t, "RedeemPairing(existing credential)", s.RedeemPairing(ctx, hash2,
		&petitions.Terminal{ID: "kiosk-2"}, secretHash, at), petitions.ECONFLICT)
	if err := s.RedeemPairing(ctx, hash2, &petitions.Terminal{ID: "kiosk-2"}, other, at); err != nil {
		t.Fatalf("RedeemPairing after refused ones: %v", err)
	}

	// Revocation.
	if err := s.RevokeTerminal(ctx, "kiosk-1"); err != nil {
		t.Fatalf("RevokeTerminal: %v", err)
	}
	_, err = s.TerminalByCredential(ctx, secretHash)
	wantCode(t, "TerminalByCredential(revoked)", err, petitions.ENOTFOUND)
	if err := s.RevokeTerminal(ctx, "kiosk-1"); err != nil {
		t.Errorf("RevokeTerminal(twice): %v", err)
	}
	wantCode(t, "RevokeTerminal(missing)", s.RevokeTerminal(ctx, "kiosk-9"), petitions.ENOTFOUND)
	if got, err := s.TerminalByCredential(ctx, other); err != nil || got.ID != "kiosk-2" || got.Station != "st-tangchi" {
		t.Errorf("the other terminal = %+v, %v; want kiosk-2 at st-tangchi, still enrolled", got, err)
	}
}

func testPairingConcurrent(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	const workers = 8
	_, hash := petitions.NewPairingCode()
	if err := s.CreatePairing(ctx, hash, "st-shiqiao", t0.Add(petitions.PairingTTL)); err != nil {
		t.Fatalf("CreatePairing: %v", err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, workers)
	secrets := make([]string, workers)
	for w := range workers {
		_, secrets[w] = petitions.NewDeviceSecret()
		wg.Go(func() {
			<-start
			errs[w] = s.RedeemPairing(ctx, hash, &petitions.Terminal{ID: fmt.Sprintf("kiosk-%d", w)}, secrets[w], t0)
		})
	}
	close(start)
	wg.Wait()
	won := -1
	for w, err := range errs {
		switch petitions.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Fatalf("workers %d and %d both redeemed one code", won, w)
			}
			won = w
		case petitions.ECONFLICT:
		default:
			t.Fatalf("worker %d: %v", w, err)
		}
	}
	if won < 0 {
		t.Fatalf("none of %d concurrent redeems won", workers)
	}
	for w, secret := range secrets {
		_, err := s.TerminalByCredential(ctx, secret)
		if w == won && err != nil {
			t.Errorf("the winner's terminal: %v", err)
		}
		if w != won {
			wantCode(t, fmt.Sprintf("a loser's terminal (%d)", w), err, petitions.ENOTFOUND)
		}
	}
}
