package petitions

import "fmt"

// UnitLevel places a unit in the jurisdiction tree.
type UnitLevel string

// Unit levels. A county is the root; townships and departments hang under the
// county, villages under a township.
const (
	UnitCounty     UnitLevel = "county"     // 县
	UnitTownship   UnitLevel = "township"   // 乡镇
	UnitVillage    UnitLevel = "village"    // 村
	UnitDepartment UnitLevel = "department" // 县职能部门
)

// parentLevel holds, for each level, the level its parent must have ("" for
// the root).
var parentLevel = map[UnitLevel]UnitLevel{
	UnitCounty:     "",
	UnitTownship:   UnitCounty,
	UnitVillage:    UnitTownship,
	UnitDepartment: UnitCounty,
}

// Unit is one node of the jurisdiction tree: the county, a township, a
// village or a county department. Stations (reception rooms) belong to units.
type Unit struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Level    UnitLevel `json:"level"`
	ParentID string    `json:"parent_id,omitempty"`
	// Code is the 统计用区划代码 of a county, township or village.
	Code string `json:"code,omitempty"`
}

// ValidateUnits checks that units form one well-shaped tree: unique ids, a
// known level, exactly one county and no other root, and each parent present
// with the level the child's level requires (a township or a department
// under the county, a village under a township). It returns EINVALID with a
// message per offending unit id, or nil.
func ValidateUnits(units []Unit) error {
	pr := problems{}
	byID := make(map[string]Unit, len(units))
	for i, u := range units {
		if u.ID == "" {
			pr.add(fmt.Sprintf("units[%d].id", i), "required")
			continue
		}
		if _, dup := byID[u.ID]; dup {
			pr.add(u.ID, "duplicate id")
			continue
		}
		byID[u.ID] = u
	}
	counties := 0
	for _, u := range byID {
		want, ok := parentLevel[u.Level]
		switch {
		case !ok:
			pr.add(u.ID, "unknown level %q", u.Level)
		case u.Name == "":
			pr.add(u.ID, "name is required")
		case want == "":
			counties++
			if u.ParentID != "" {
				pr.add(u.ID, "a county has no parent")
			}
		case u.ParentID == "":
			pr.add(u.ID, "a %s needs a parent %s", u.Level, want)
		default:
			parent, ok := byID[u.ParentID]
			if !ok {
				pr.add(u.ID, "parent %q does not exist", u.ParentID)
			} else if parent.Level != want {
				pr.add(u.ID, "a %s belongs under a %s, not a %s", u.Level, want, parent.Level)
			}
		}
	}
	if len(units) > 0 && counties != 1 {
		pr.add("units", "exactly one county is required, found %d", counties)
	}
	return pr.err("The unit tree")
}

// Role is what a person does in the ledger. Access is role × jurisdiction ×
// relation to the case; a Role alone decides only which lifecycle
// transitions a person may take (Transition.Roles).
type Role string

// Roles (domain.md §4).
const (
	// RolePetitioner is a petitioner (信访人) or a party to a dispute (当事人);
	// no account is needed.
	RolePetitioner Role = "petitioner"
	// RoleProxy is a village, township or county proxy (代理员) who files for
	// a petitioner with a consent record.
	RoleProxy Role = "proxy"
	// RoleGridWorker (网格员) files grid reports and adds material.
	RoleGridWorker Role = "grid_worker"
	// RoleTownship is a township official: registers, accepts or declines,
	// transfers, replies.
	RoleTownship Role = "township_official"
	// RoleDispatcher is the county dispatcher (信访局/矛调中心): routes,
	// diverts, supervises, summons.
	RoleDispatcher Role = "county_dispatcher"
	// RoleDepartment is county department staff: handles assigned cases.
	RoleDepartment Role = "department_staff"
	// RoleMediator is a people's mediator (调解员).
	RoleMediator Role = "mediator"
	// RoleLeader is a leader: 包案 owner, receiving official, supervisor;
	// approves extensions as the unit head.
	RoleLeader Role = "leader"
	// RoleAuditor (纪检监察) reads everything and writes nothing.
	RoleAuditor Role = "auditor"
	// RoleAdministrator manages people, units, terminals and catalogues, and
	// never reads case content.
	RoleAdministrator Role = "administrator"
)

// Roles lists every role, in the order above.
func Roles() []Role {
	return []Role{RolePetitioner, RoleProxy, RoleGridWorker, RoleTownship, RoleDispatcher,
		RoleDepartment, RoleMediator, RoleLeader, RoleAuditor, RoleAdministrator}
}
