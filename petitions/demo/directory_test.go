package demo_test

import (
	"context"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
)

// checkDirectory checks the stations, accounts and reception schedule
// demo.Load wrote into db and returns the ids of the stored stations.
func checkDirectory(t *testing.T, db petitions.Store, seed int64, sum demo.Summary) map[string]bool {
	t.Helper()
	ctx := context.Background()
	ss, err := db.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stations := map[string]bool{}
	for _, s := range ss {
		stations[s.ID] = true
	}
	// The county centre, 10 townships and their 90 villages.
	if len(ss) != 101 || sum.Stations != len(ss) || !stations[demo.CentreStationID] {
		t.Errorf("stored %d stations, summary says %d; centre stored: %v", len(ss), sum.Stations, stations[demo.CentreStationID])
	}

	ps := demo.NewPeople(seed)
	people, err := db.People(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != len(ps.All()) || sum.People != len(people) {
		t.Errorf("stored %d people, summary says %d, want %d", len(people), sum.People, len(ps.All()))
	}
	logins := demo.Logins(ps)
	if len(logins) != len(petitions.Roles())-1 {
		t.Errorf("%d sample logins for %d roles with accounts", len(logins), len(petitions.Roles())-1)
	}
	for _, l := range logins {
		p, err := db.PersonByLogin(ctx, l.Login)
		if err != nil {
			t.Errorf("%s (%s): %v", l.Login, l.Role, err)
			continue
		}
		if len(p.Roles) != 1 || p.Roles[0].Role != l.Role || p.Name != l.Name || p.Phone == "" {
			t.Errorf("%s: stored %+v, want role %s and name %s", l.Login, p, l.Role, l.Name)
		}
		if ok, _, err := petitions.CheckPassword(p.PasswordHash, demo.Password); !ok || err != nil {
			t.Errorf("%s: the demo password does not sign in: %v, %v", l.Login, ok, err)
		}
	}

	rs, err := db.Receptions(ctx, petitions.ReceptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// Two months of working days, plus the township deputies' Tuesdays.
	if len(rs) < 2*18 || sum.Receptions != len(rs) {
		t.Errorf("stored %d receptions, summary says %d", len(rs), sum.Receptions)
	}
	months := map[string]bool{}
	for _, r := range rs {
		months[r.Day[:7]] = true
		if !stations[r.Station] {
			t.Errorf("reception %s: station %s is not stored", r.ID, r.Station)
		}
	}
	if !months["2026-11"] || !months["2026-12"] || len(months) != 2 {
		t.Errorf("receptions in months %v, want 2026-11 and 2026-12", months)
	}
	return stations
}

func TestLogins(t *testing.T) {
	ps := demo.NewPeople(1)
	seen := map[petitions.Role]bool{}
	for _, l := range demo.Logins(ps) {
		if seen[l.Role] || l.Role == petitions.RolePetitioner {
			t.Errorf("role %s listed twice or a petitioner", l.Role)
		}
		seen[l.Role] = true
		if l.Login != petitions.NormalizeLogin(l.Login) || l.Name == "" || l.Unit == "" || l.RoleName == string(l.Role) {
			t.Errorf("login %+v", l)
		}
	}
	for _, r := range petitions.Roles()[1:] {
		if !seen[r] {
			t.Errorf("no sample login for %s", r)
		}
	}
}
