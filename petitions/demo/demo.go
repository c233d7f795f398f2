// Package demo builds a demonstration ledger modelled on 富裕县 (Fuyu
// County, Qiqihar): its unit tree and reception rooms (units.go), the people
// who receive, handle and mediate, each with an account that signs in with
// the shared demo Password (accounts.go), a monthly reception schedule
// (接访排班), and a generator (generate.go) that streams all of it, then
// realistic cases in every state of both lifecycles, with their events and
// sessions, into an Emitter such as a petitions.Store.
//
// Everything but the password hash is deterministic for a seed. Names are
// generated from common surnames; phone numbers are visibly fake
// (138-0000-xxxx).
package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"hearingroom/petitions"
)

// Person is someone of the demo county who acts on cases. The id is what
// events name as actors and the login of his account (see Accounts).
type Person struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Role   petitions.Role `json:"role"`
	UnitID string         `json:"unit_id"`
	Title  string         `json:"title"`
	// Specialties are the category codes a mediator is known for.
	Specialties []string `json:"specialties,omitempty"`
}

// People are the demo county's leaders, officials, mediators, dispatchers,
// department staff, village proxies and grid workers, with the auditor and
// the administrator who hold accounts but act on no case.
type People struct {
	Leaders       []Person // county leaders first, then two per township
	Officials     []Person // two per township
	Mediators     []Person // six at the county centre, two per township
	Dispatchers   []Person // at the 信访局/矛调中心
	Staff         []Person // one per department
	Proxies       []Person // one village proxy (代理员) per village
	GridWorkers   []Person // one grid worker (网格员) per township
	Auditor       Person   // 纪检监察, for the county
	Administrator Person   // manages accounts, for the county
}

// NewPeople returns the people of the demo county, named from seed.
func NewPeople(seed int64) *People {
	r := rand.New(rand.NewPCG(uint64(seed), 0x70656f706c65))
	ps := &People{}
	mk := func(id string, role petitions.Role, unit, title string) Person {
		return Person{ID: id, Name: personName(r), Role: role, UnitID: unit, Title: title}
	}
	for i, title := range []string{"县委书记", "县长", "县委副书记", "常务副县长", "县委常委、政法委书记", "副县长（分管信访）"} {
		ps.Leaders = append(ps.Leaders, mk(fmt.Sprintf("leader.%s.%02d", CountyID, i+1), petitions.RoleLeader, CountyID, title))
	}
	cats := petitions.DefaultCategories()
	for i := range 3 {
		ps.Dispatchers = append(ps.Dispatchers, mk(fmt.Sprintf("dispatcher.%02d", i+1), petitions.RoleDispatcher, DeptID("xinfang"), "矛调中心调度员"))
	}
	for i := range 6 {
		m := mk(fmt.Sprintf("mediator.%s.%02d", CountyID, i+1), petitions.RoleMediator, DeptID("xinfang"), "矛调中心专职调解员")
		m.Specialties = []string{cats[i%len(cats)].Code, cats[(i+5)%len(cats)].Code}
		ps.Mediators = append(ps.Mediators, m)
	}
	for t, tw := range townships {
		u := TownshipID(t)
		head, deputy := "镇长", "副镇长（分管信访）"
		if tw.name[len(tw.name)-3:] == "乡" {
			head, deputy = "乡长", "副乡长（分管信访）"
		}
		ps.Leaders = append(ps.Leaders, mk("leader."+u+".1", petitions.RoleLeader, u, head),
			mk("leader."+u+".2", petitions.RoleLeader, u, deputy))
		ps.Officials = append(ps.Officials, mk("official."+u+".1", petitions.RoleTownship, u, "综治信访办主任"),
			mk("official."+u+".2", petitions.RoleTownship, u, "综治信访办干事"))
		for i := range 2 {
			m := mk(fmt.Sprintf("mediator.%s.%d", u, i+1), petitions.RoleMediator, u, "人民调解委员会调解员")
			m.Specialties = []string{cats[(t+i*3)%len(cats)].Code}
			ps.Mediators = append(ps.Mediators, m)
		}
		for v := range tw.villages {
			ps.Proxies = append(ps.Proxies, mk("proxy."+VillageID(t, v), petitions.RoleProxy, VillageID(t, v), "村级代理员"))
		}
	}
	for _, d := range departments {
		ps.Staff = append(ps.Staff, mk("staff."+DeptID(d.slug), petitions.RoleDepartment, DeptID(d.slug), "信访专干"))
	}
	// Drawn last, so that the names above stay what they were before.
	for t := range townships {
		ps.GridWorkers = append(ps.GridWorkers, mk("grid."+TownshipID(t)+".1", petitions.RoleGridWorker, TownshipID(t), "专职网格员"))
	}
	ps.Auditor = mk("auditor."+CountyID, petitions.RoleAuditor, CountyID, "县纪委监委派驻纪检监察组")
	ps.Administrator = mk("admin."+CountyID, petitions.RoleAdministrator, CountyID, "系统管理员")
	return ps
}

// All returns everyone, in the order of the fields of People.
func (ps *People) All() []Person {
	var all []Person
	for _, group := range [][]Person{ps.Leaders, ps.Officials, ps.Mediators, ps.Dispatchers, ps.Staff, ps.Proxies, ps.GridWorkers} {
		all = append(all, group...)
	}
	return append(all, ps.Auditor, ps.Administrator)
}

// CountyLeaders returns the county-level leaders.
func (ps *People) CountyLeaders() []Person { return ps.Leaders[:6] }

// TownshipLeaders returns the head and the deputy for petitions of township t.
func (ps *People) TownshipLeaders(t int) []Person { return ps.Leaders[6+2*t : 8+2*t] }

// TownshipOfficials returns the two petition officials of township t.
func (ps *People) TownshipOfficials(t int) []Person { return ps.Officials[2*t : 2*t+2] }

// TownshipMediators returns the two mediators of township t.
func (ps *People) TownshipMediators(t int) []Person { return ps.Mediators[6+2*t : 8+2*t] }

// CountyMediators returns the mediators of the county centre.
func (ps *People) CountyMediators() []Person { return ps.Mediators[:6] }

// Reception is one day on which a leader receives petitioners at a station.
type Reception struct {
	Date      time.Time `json:"date"` // the day, at 08:30 China time
	LeaderID  string    `json:"leader_id"`
	UnitID    string    `json:"unit_id"`
	StationID string    `json:"station_id"`
	Note      string    `json:"note,omitempty"`
}

// Schedule is a monthly reception schedule (接访排班), in date order.
type Schedule []Reception

// On returns the receptions of the day of t.
func (s Schedule) On(t time.Time) []Reception {
	y, m, d := t.In(china).Date()
	var out []Reception
	for _, r := range s {
		if ry, rm, rd := r.Date.Date(); ry == y && rm == m && rd == d {
			out = append(out, r)
		}
	}
	return out
}

// NewSchedule returns the reception schedule of the month of month: on
// every working day a county leader receives at a township station, the
// leaders and townships in rotation; and each township's deputy receives at
// the township's own station every Tuesday that is a working day.
func NewSchedule(ps *People, cal *petitions.Calendar, month time.Time) Schedule {
	y, m, _ := month.In(china).Date()
	var s Schedule
	k := 0
	county := ps.CountyLeaders()
	for d := time.Date(y, m, 1, 8, 30, 0, 0, china); d.Month() == m; d = d.AddDate(0, 0, 1) {
		if !cal.IsWorkday(d) {
			continue
		}
		t := k % len(townships)
		s = append(s, Reception{Date: d, LeaderID: county[k%len(county)].ID, UnitID: TownshipID(t), StationID: StationID(TownshipID(t)), Note: "县级领导轮流接访"})
		k++
		if d.Weekday() == time.Tuesday {
			for t := range townships {
				s = append(s, Reception{Date: d, LeaderID: ps.TownshipLeaders(t)[1].ID, UnitID: TownshipID(t), StationID: StationID(TownshipID(t)), Note: "乡镇领导每周二接访日"})
			}
		}
	}
	return s
}
