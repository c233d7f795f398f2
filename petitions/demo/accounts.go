package demo

import (
	"fmt"
	"sync"
	"time"

	"hearingroom/petitions"
)

// Password is the password of every demo account. It is printed by
// `hearingroom demo`: the demo ledger is for showing, never for real cases.
const Password = "hearingroom-demo"

// passwordHash hashes Password once per process: argon2id is deliberately
// slow, and the demo has hundreds of accounts.
var passwordHash = sync.OnceValues(func() (string, error) {
	return petitions.HashPassword(Password)
})

// Accounts returns an account for everyone in ps, in the order of
// People.All: the person's id as id and login, one role grant for his role
// and unit, a visibly fake phone number (138-0000-0001 on), hash as the
// password hash (a hash of Password, shared to save time) and created at.
func Accounts(ps *People, hash string, at time.Time) []*petitions.Person {
	all := ps.All()
	out := make([]*petitions.Person, 0, len(all))
	for i, p := range all {
		acc := &petitions.Person{
			ID: p.ID, Login: petitions.NormalizeLogin(p.ID), Name: p.Name,
			Phone:        fmt.Sprintf("138-0000-%04d", i+1),
			Roles:        []petitions.RoleGrant{{Role: p.Role, Unit: p.UnitID}},
			PasswordHash: hash, CreatedAt: at,
		}
		if p.Role == petitions.RoleMediator {
			// The board shows a mediator's specialties and title; demo
			// mediators have no photo (the board draws the surname).
			acc.Profile = &petitions.Profile{Specialties: p.Specialties, Intro: p.Title}
		}
		out = append(out, acc)
	}
	return out
}

// Receptions returns the entries of s as the store keeps them, with ids
// made of the day and the leader ("reception.2026-11-02.leader.fuyu.01"),
// created by createdBy at at.
func Receptions(s Schedule, createdBy string, at time.Time) []*petitions.Reception {
	out := make([]*petitions.Reception, 0, len(s))
	for _, r := range s {
		day := r.Date.In(china).Format(petitions.DayLayout)
		out = append(out, &petitions.Reception{
			ID: "reception." + day + "." + r.LeaderID, Day: day, Station: r.StationID, LeaderID: r.LeaderID,
			Note: r.Note, CreatedBy: createdBy, CreatedAt: at,
		})
	}
	return out
}

// Login is a demo account to try the application with.
type Login struct {
	Role     petitions.Role
	RoleName string // in Chinese, e.g. 矛调中心调度员
	Login    string
	Name     string
	Unit     string // the unit's name, a village's with its township's
}

// roleNames are the Chinese names of the roles.
var roleNames = map[petitions.Role]string{
	petitions.RolePetitioner:    "信访人/当事人",
	petitions.RoleProxy:         "村级代理员",
	petitions.RoleGridWorker:    "网格员",
	petitions.RoleTownship:      "乡镇信访干部",
	petitions.RoleDispatcher:    "矛调中心调度员",
	petitions.RoleDepartment:    "部门信访专干",
	petitions.RoleMediator:      "人民调解员",
	petitions.RoleLeader:        "接访领导",
	petitions.RoleAuditor:       "纪检监察",
	petitions.RoleAdministrator: "系统管理员",
}

// RoleName returns the Chinese name of role, or role itself if it has none.
func RoleName(role petitions.Role) string {
	if n, ok := roleNames[role]; ok {
		return n
	}
	return string(role)
}

// Logins returns one sample account per role that has accounts (every role
// but the petitioner), in the order of petitions.Roles: the proxy of
// 富裕镇东升村, the grid worker and the official of 富裕镇, a dispatcher,
// the staff of the 人社局, a county-centre mediator, the 副县长 in charge of
// petitions, the auditor and the administrator.
func Logins(ps *People) []Login {
	staff := ps.Staff[0]
	for _, s := range ps.Staff {
		if s.UnitID == DeptID("renshe") {
			staff = s
		}
	}
	names := unitNames()
	var out []Login
	for _, p := range []Person{ps.Proxies[0], ps.GridWorkers[0], ps.Officials[0], ps.Dispatchers[0], staff,
		ps.CountyMediators()[0], ps.CountyLeaders()[5], ps.Auditor, ps.Administrator} {
		out = append(out, Login{Role: p.Role, RoleName: RoleName(p.Role), Login: petitions.NormalizeLogin(p.ID),
			Name: p.Name, Unit: names[p.UnitID]})
	}
	return out
}

// unitNames maps the demo unit ids to their names, a village's prefixed
// with its township's.
func unitNames() map[string]string {
	names := map[string]string{}
	for _, u := range Units() {
		names[u.ID] = u.Name
		if u.Level == petitions.UnitVillage {
			names[u.ID] = names[u.ParentID] + u.Name
		}
	}
	return names
}

// directory emits the stations, the accounts and the reception schedule of
// the month of Config.To and the next: what exists before the first case.
func (g *gen) directory() error {
	for _, s := range Stations() {
		if err := g.emit.CreateStation(g.ctx, s); err != nil {
			return fmt.Errorf("demo: station %s: %w", s.ID, err)
		}
	}
	hash, err := passwordHash()
	if err != nil {
		return fmt.Errorf("demo: hash the demo password: %w", err)
	}
	for _, p := range Accounts(g.people, hash, g.cfg.From) {
		if err := g.emit.CreatePerson(g.ctx, p); err != nil {
			return fmt.Errorf("demo: person %s: %w", p.ID, err)
		}
	}
	y, m, _ := g.cfg.To.In(china).Date()
	for _, month := range []time.Time{time.Date(y, m, 1, 12, 0, 0, 0, china), time.Date(y, m+1, 1, 12, 0, 0, 0, china)} {
		for _, r := range Receptions(NewSchedule(g.people, g.cal, month), g.people.Administrator.ID, g.cfg.To) {
			if err := g.emit.CreateReception(g.ctx, r); err != nil {
				return fmt.Errorf("demo: reception %s: %w", r.ID, err)
			}
		}
	}
	return nil
}
