package petitions

import (
	"slices"
	"strings"
)

// Actor is a signed-in person as the access rules see him: an id and the
// roles he holds, each scoped to a unit of the tree. A petitioner looking a
// case up by its query code is not an Actor: that lookup is handled apart.
type Actor struct {
	ID    string      `json:"id"`
	Roles []RoleGrant `json:"roles"`
}

// RoleGrant is one role held for one unit: a township official of one
// township, staff of one department, a mediator of one village committee.
type RoleGrant struct {
	Role Role   `json:"role"`
	Unit string `json:"unit"`
}

// Action is something an Actor asks to do. Case actions (IsCaseAction) are
// decided against one case; the others against the actor alone.
type Action string

// Actions.
const (
	ActReadCase      Action = "read_case"       // the case file, PII redacted if need be
	ActReadParties   Action = "read_parties"    // the parties' identities and contact details
	ActListCases     Action = "list_cases"      // a list, narrowed by ListScope and Filter
	ActRegisterCase  Action = "register_case"   // enter a new case
	ActTransition    Action = "transition"      // act on the case; the lifecycle checks the transition's roles
	ActAssign        Action = "assign"          // 派单/交办: hand the case to a unit or a person
	ActSupervise     Action = "supervise"       // 督办
	ActSummon        Action = "summon"          // 吹哨
	ActReadSession   Action = "read_session"    // a session's record: who, when, from where
	ActPlayRecording Action = "play_recording"  // a session's recording: faces and voices
	ActExportLedger  Action = "export_ledger"   // bulk export of the ledger
	ActManagePeople  Action = "manage_people"   // accounts and role grants
	ActManageUnits   Action = "manage_units"    // the unit tree, stations, terminals
	ActReadAccessLog Action = "read_access_log" // who read which case file
	ActVerify        Action = "verify"          // check the history's hash chain
)

// Actions lists every action, in the order above.
func Actions() []Action {
	return []Action{ActReadCase, ActReadParties, ActListCases, ActRegisterCase, ActTransition, ActAssign, ActSupervise,
		ActSummon, ActReadSession, ActPlayRecording, ActExportLedger, ActManagePeople, ActManageUnits, ActReadAccessLog, ActVerify}
}

// IsCaseAction reports whether act is decided against one case.
func (act Action) IsCaseAction() bool {
	switch act {
	case ActReadCase, ActReadParties, ActTransition, ActAssign, ActSupervise, ActSummon, ActReadSession, ActPlayRecording:
		return true
	}
	return false
}

// Writes reports whether act changes the ledger or its configuration.
func (act Action) Writes() bool {
	switch act {
	case ActRegisterCase, ActTransition, ActAssign, ActSupervise, ActSummon, ActManagePeople, ActManageUnits:
		return true
	}
	return false
}

// AccessDecision is the answer of Decide. (Decision, the 处理意见 of a case,
// is another type.) Reason says in a sentence why, for the access log and an
// EFORBIDDEN message; it never holds case content. Redact is set when a case
// may be read but its parties' PII may not: show Redacted(p) instead of p.
type AccessDecision struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	Redact  bool   `json:"redact,omitempty"`
}

// Err returns nil if d allows, or an EFORBIDDEN *Error carrying d.Reason.
func (d AccessDecision) Err() error {
	if d.Allowed {
		return nil
	}
	return Errorf(EFORBIDDEN, "Not permitted: %s.", d.Reason)
}

// Decide says whether a may take act, on case p for a case action (p is
// ignored otherwise; a case action with a nil p is refused). The rule is
// role × jurisdiction × relation to the case, over every grant a holds; the
// most permissive grant wins, except that two bars hold for every grant:
//
//   - a person recused from the case (an Assignment with Recused) may do
//     nothing with it (信访条例 Art. 30);
//   - a confidential case (every 检举控告 is) is invisible to anyone holding a
//     grant at or under a unit the case accuses (AccusedUnits; Art. 23).
//
// Parties' PII of a sensitive case (confidential or anonymous) is shown only
// to a grant with a handling relation: the handling unit, the owner (包案),
// the mediator who accepted, the filer, the dispatcher and the auditor. Any
// other reader gets Redact, and is refused ActReadParties and ActPlayRecording.
// Decide never fails: an unknown role or unit simply grants nothing, and
// with a nil tree every confidential case is refused.
func Decide(a Actor, act Action, p *Petition, tree *UnitTree) AccessDecision {
	if !act.IsCaseAction() {
		return decideGlobal(a, act, p)
	}
	if p == nil {
		return AccessDecision{Reason: "no case given"}
	}
	for _, as := range p.Assignments {
		if as.Recused && a.ID != "" && as.PersonID == a.ID {
			return AccessDecision{Reason: "recused from this case"}
		}
	}
	if p.Confidential || p.Class == ClassAccusation {
		if tree == nil {
			return AccessDecision{Reason: "a confidential case needs the unit tree to be decided"}
		}
		for _, unit := range AccusedUnits(p, tree) {
			for _, g := range a.Roles {
				if tree.IsWithin(g.Unit, unit) {
					return AccessDecision{Reason: "the case accuses the actor's unit"}
				}
			}
		}
	}
	var best standing
	for _, g := range a.Roles {
		best = best.or(grantStanding(a.ID, g, p, tree))
	}
	sensitive := p.Confidential || p.Anonymous || p.Class == ClassAccusation
	pii := best.read && (best.handles || !sensitive)
	var allowed bool
	switch act {
	case ActReadCase, ActReadSession:
		allowed = best.read
	case ActReadParties:
		allowed = pii
	case ActPlayRecording:
		allowed = pii && best.play
	case ActTransition:
		allowed = best.act
	case ActAssign:
		allowed = best.assign
	case ActSupervise:
		allowed = best.supervise
	case ActSummon:
		allowed = best.summon
	}
	redact := allowed && !pii && (act == ActReadCase || act == ActReadSession)
	d := AccessDecision{Allowed: allowed, Reason: best.why, Redact: redact}
	switch {
	case allowed:
	case best.why == "":
		d.Reason = "no role with jurisdiction over or a relation to this case"
	case best.read && !pii && (act == ActReadParties || act == ActPlayRecording):
		d.Reason = "the personal data of a confidential or anonymous case are for its handlers only"
	default:
		d.Reason = best.why + ", which does not permit " + string(act)
	}
	return d
}

// globalRoles holds, for each action that is not a case action, the roles
// that may take it.
var globalRoles = map[Action][]Role{
	ActListCases: {RoleProxy, RoleGridWorker, RoleTownship, RoleDispatcher, RoleDepartment,
		RoleMediator, RoleLeader, RoleAuditor},
	ActRegisterCase:  {RoleProxy, RoleGridWorker, RoleTownship, RoleDispatcher, RoleDepartment, RoleMediator},
	ActExportLedger:  {RoleDispatcher, RoleAuditor},
	ActManagePeople:  {RoleAdministrator},
	ActManageUnits:   {RoleAdministrator},
	ActReadAccessLog: {RoleAuditor},
	ActVerify:        {RoleAuditor},
}

// decideGlobal decides an action that is not about one case. For
// ActRegisterCase a non-nil p is the case to be entered: a mediator may enter
// mediations only.
func decideGlobal(a Actor, act Action, p *Petition) AccessDecision {
	roles, ok := globalRoles[act]
	if !ok {
		return AccessDecision{Reason: "unknown action"}
	}
	for _, g := range a.Roles {
		if !slices.Contains(roles, g.Role) {
			continue
		}
		if act == ActRegisterCase && g.Role == RoleMediator && p != nil && p.Kind != KindMediation {
			continue
		}
		return AccessDecision{Allowed: true, Reason: string(g.Role) + " may " + string(act)}
	}
	return AccessDecision{Reason: "no role of the actor may " + string(act)}
}

// standing is what one grant (or the union of several) allows on one case.
type standing struct {
	read                      bool // may read the case
	handles                   bool // has a handling relation: may see PII of a sensitive case
	play                      bool // may play recordings (with PII)
	act                       bool // may take transitions
	assign, supervise, summon bool
	why                       string // the relation that gave the most
}

// or returns the union of s and t; the reason of the one that reads and
// handles more is kept.
func (s standing) or(t standing) standing {
	why := s.why
	if (t.read && !s.read) || (t.handles && !s.handles) || (t.act && !s.act) || why == "" {
		why = t.why
	}
	return standing{
		read: s.read || t.read, handles: s.handles || t.handles, play: s.play || t.play,
		act: s.act || t.act, assign: s.assign || t.assign,
		supervise: s.supervise || t.supervise, summon: s.summon || t.summon, why: why,
	}
}

// grantStanding applies one grant's role to case p, before the bars of
// Decide.
func grantStanding(actorID string, g RoleGrant, p *Petition, tree *UnitTree) standing {
	personal := assignedTo(p, actorID, g.Role)
	switch g.Role {
	case RoleAuditor:
		return standing{read: true, handles: true, play: true, why: "the auditor reads every case"}
	case RoleDispatcher:
		return standing{read: true, handles: true, play: true, act: true, assign: true,
			supervise: true, summon: true, why: "the county dispatcher"}
	case RoleTownship:
		handles := anyWithin(tree, handlingUnits(p), g.Unit) ||
			(p.LeadUnit == "" && anyWithin(tree, originUnits(p, tree), g.Unit)) || personal
		if handles {
			return standing{read: true, handles: true, play: true, act: true, assign: true, summon: true,
				why: "the case is handled within the official's township"}
		}
		if anyWithin(tree, originUnits(p, tree), g.Unit) {
			return standing{read: true, play: true, why: "the case came from the official's township"}
		}
	case RoleDepartment:
		if anyWithin(tree, handlingUnits(p), g.Unit) || personal {
			return standing{read: true, handles: true, play: true, act: true, assign: true,
				why: "the case is assigned to the department"}
		}
		if anyWithin(tree, summonedUnits(p), g.Unit) {
			return standing{read: true, play: true, why: "the department is summoned to the case"}
		}
	case RoleLeader:
		heads := g.Unit != "" && (p.LeadUnit == g.Unit || slices.Contains(p.CoUnits, g.Unit))
		if (actorID != "" && p.Owner == actorID) || personal || heads {
			return standing{read: true, handles: true, play: true, act: true, assign: true,
				supervise: true, summon: true, why: "the leader owns the case or heads its handling unit"}
		}
		if tree.IsRoot(g.Unit) || anyWithin(tree, append(handlingUnits(p), originUnits(p, tree)...), g.Unit) {
			return standing{read: true, play: true, supervise: true, why: "the case is within the leader's jurisdiction"}
		}
	case RoleMediator:
		if personal || (p.Mediation != nil && slices.Contains(p.Mediation.MediatorIDs, actorID)) {
			return standing{read: true, handles: true, play: true, act: true, why: "the mediator is on the case"}
		}
		if p.Mediation != nil && p.Mediation.Candidate == actorID {
			return standing{read: true, act: true, why: "the parties picked the mediator, who has not yet accepted"}
		}
	case RoleProxy, RoleGridWorker:
		if p.FiledBy != "" && p.FiledBy == actorID {
			return standing{read: true, handles: true, act: true, why: "the actor filed the case"}
		}
	}
	return standing{}
}

// assignedTo reports whether the case names the person, in role (or with no
// role), in a live assignment.
func assignedTo(p *Petition, personID string, role Role) bool {
	for _, as := range p.Assignments {
		if personID != "" && as.PersonID == personID && !as.Recused && (as.Role == role || as.Role == "") {
			return true
		}
	}
	return false
}

// handlingUnits returns the units handling p: its lead unit, co-units and
// the units of its live assignments.
func handlingUnits(p *Petition) []string {
	us := append([]string{p.LeadUnit}, p.CoUnits...)
	for _, as := range p.Assignments {
		if !as.Recused {
			us = append(us, as.UnitID)
		}
	}
	return us
}

// originUnits returns the units p came from: its station's unit and the unit
// its Village code names.
func originUnits(p *Petition, tree *UnitTree) []string {
	var us []string
	if u, ok := tree.StationUnit(p.StationID); ok {
		us = append(us, u)
	}
	if u, ok := tree.Resolve(p.Village); ok {
		us = append(us, u)
	}
	return us
}

// summonedUnits returns the departments any summons of p called.
func summonedUnits(p *Petition) []string {
	var us []string
	for _, s := range p.Summons {
		for _, d := range s.Departments {
			us = append(us, d.UnitID)
		}
	}
	return us
}

// anyWithin reports whether one of units is within ancestor.
func anyWithin(tree *UnitTree, units []string, ancestor string) bool {
	for _, u := range units {
		if tree.IsWithin(u, ancestor) {
			return true
		}
	}
	return false
}

// AccusedUnits returns the units of the tree that case p accuses. The case
// record has no field for it, so it is derived from the respondent parties
// that are organisations: the unit whose id, code or name equals the party's
// Name or ID, or else every unit whose name the party's Name contains
// ("富裕镇人民政府" accuses 富裕镇), the county itself only by an exact
// match. The loose match errs towards hiding. An accused person's unit
// cannot be derived; until the record holds it, recusal is the guard there.
func AccusedUnits(p *Petition, tree *UnitTree) []string {
	var us []string
	for _, pt := range p.Parties {
		if pt.Side != SideRespondent || !pt.Organisation {
			continue
		}
		found := false
		for _, ref := range []string{pt.Name, pt.ID} {
			if u, ok := tree.Resolve(ref); ok {
				found = true
				if !slices.Contains(us, u) {
					us = append(us, u)
				}
			}
		}
		if found || tree == nil {
			continue
		}
		for id, u := range tree.units {
			if u.ParentID != "" && u.Name != "" && strings.Contains(pt.Name, u.Name) && !slices.Contains(us, id) {
				us = append(us, id)
			}
		}
	}
	slices.Sort(us)
	return us
}

// Filter returns the cases of cases that a may read (ActReadCase), in order:
// each as given when a may see its parties, or as Redacted otherwise.
func Filter(a Actor, tree *UnitTree, cases []*Petition) []*Petition {
	out := make([]*Petition, 0, len(cases))
	for _, p := range cases {
		d := Decide(a, ActReadCase, p, tree)
		switch {
		case !d.Allowed:
		case d.Redact:
			out = append(out, Redacted(p))
		default:
			out = append(out, p)
		}
	}
	return out
}

// Scope is what a list query may be narrowed to before Filter decides case by
// case: a case is in scope when AllUnits is set, when a unit it names (lead
// unit, co-units, assignment units, summoned departments, its station's unit,
// the unit of its Village code) is in Units, when its Owner is OwnerID, when
// it was FiledBy FiledBy, or when PersonID is named in its Assignments or as
// its mediation's candidate or mediator. Empty fields match nothing. Scope is
// a superset: it ignores recusal, accusations and roles, so a store's list
// must still go through Filter (or Decide) before it is shown.
type Scope struct {
	AllUnits bool     `json:"all_units,omitempty"`
	Units    []string `json:"units,omitempty"` // sorted, each unit's subtree spelled out
	OwnerID  string   `json:"owner_id,omitempty"`
	FiledBy  string   `json:"filed_by,omitempty"`
	PersonID string   `json:"person_id,omitempty"`
}

// ListScope returns the Scope of the cases a may list. It is empty for an
// actor who may not list cases (an administrator, a petitioner).
func ListScope(a Actor, tree *UnitTree) Scope {
	var s Scope
	units := map[string]bool{}
	for _, g := range a.Roles {
		switch g.Role {
		case RoleAuditor, RoleDispatcher:
			s.AllUnits = true
		case RoleTownship, RoleDepartment:
			for _, u := range tree.Subtree(g.Unit) {
				units[u] = true
			}
			s.PersonID = a.ID
		case RoleLeader:
			if tree.IsRoot(g.Unit) {
				s.AllUnits = true
			}
			for _, u := range tree.Subtree(g.Unit) {
				units[u] = true
			}
			s.OwnerID, s.PersonID = a.ID, a.ID
		case RoleMediator:
			s.PersonID = a.ID
		case RoleProxy, RoleGridWorker:
			s.FiledBy = a.ID
		}
	}
	for u := range units {
		s.Units = append(s.Units, u)
	}
	slices.Sort(s.Units)
	return s
}

// Matches reports whether case p is in scope s: the in-memory twin of the
// query a store builds from s.
func (s Scope) Matches(p *Petition, tree *UnitTree) bool {
	if s.AllUnits {
		return true
	}
	names := append(handlingUnits(p), summonedUnits(p)...)
	for _, u := range append(names, originUnits(p, tree)...) {
		if u != "" && slices.Contains(s.Units, u) {
			return true
		}
	}
	switch {
	case s.OwnerID != "" && p.Owner == s.OwnerID, s.FiledBy != "" && p.FiledBy == s.FiledBy:
		return true
	case s.PersonID == "":
		return false
	case p.Mediation != nil && (p.Mediation.Candidate == s.PersonID || slices.Contains(p.Mediation.MediatorIDs, s.PersonID)):
		return true
	}
	for _, as := range p.Assignments {
		if as.PersonID == s.PersonID {
			return true
		}
	}
	return false
}

// ActingRoles returns, in the order of a's grants and without repeats, the
// roles in which a may act on case p (ActTransition): the roles of the
// grants whose own standing permits it. The caller has checked Decide
// first, which applies the bars (recusal, accused unit) to every grant; the
// lifecycle then decides which transitions each role may take.
func ActingRoles(a Actor, p *Petition, tree *UnitTree) []Role {
	var roles []Role
	for _, g := range a.Roles {
		if grantStanding(a.ID, g, p, tree).act && !slices.Contains(roles, g.Role) {
			roles = append(roles, g.Role)
		}
	}
	return roles
}
