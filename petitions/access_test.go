package petitions

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// accTree is Fuyu in small: the county, two townships with a village each,
// four departments, and a station in each village.
func accTree() *UnitTree {
	t := NewUnitTree([]*Unit{
		{ID: "fuyu", Name: "富裕县", Level: UnitCounty, Code: "230227"},
		{ID: "t1", Name: "富裕镇", Level: UnitTownship, ParentID: "fuyu", Code: "230227100"},
		{ID: "t1-v1", Name: "富裕村", Level: UnitVillage, ParentID: "t1", Code: "230227100201"},
		{ID: "t2", Name: "友谊乡", Level: UnitTownship, ParentID: "fuyu", Code: "230227200"},
		{ID: "t2-v1", Name: "友谊村", Level: UnitVillage, ParentID: "t2", Code: "230227200201"},
		{ID: "d-land", Name: "自然资源局", Level: UnitDepartment, ParentID: "fuyu"},
		{ID: "d-labour", Name: "人社局", Level: UnitDepartment, ParentID: "fuyu"},
		{ID: "d-xfj", Name: "信访局", Level: UnitDepartment, ParentID: "fuyu"},
		{ID: "d-jw", Name: "纪委监委", Level: UnitDepartment, ParentID: "fuyu"},
	})
	t.SetStation("st-t1-v1", "t1-v1")
	t.SetStation("st-t2-v1", "t2-v1")
	return t
}

// accActors holds one actor per role, in the order of Roles().
var accActors = map[Role]Actor{
	RolePetitioner:    {ID: "pet-1", Roles: []RoleGrant{{RolePetitioner, "t1-v1"}}},
	RoleProxy:         {ID: "proxy-1", Roles: []RoleGrant{{RoleProxy, "t1-v1"}}},
	RoleGridWorker:    {ID: "grid-1", Roles: []RoleGrant{{RoleGridWorker, "t1-v1"}}},
	RoleTownship:      {ID: "town-1", Roles: []RoleGrant{{RoleTownship, "t1"}}},
	RoleDispatcher:    {ID: "disp-1", Roles: []RoleGrant{{RoleDispatcher, "d-xfj"}}},
	RoleDepartment:    {ID: "dept-1", Roles: []RoleGrant{{RoleDepartment, "d-land"}}},
	RoleMediator:      {ID: "med-1", Roles: []RoleGrant{{RoleMediator, "t1-v1"}}},
	RoleLeader:        {ID: "lead-1", Roles: []RoleGrant{{RoleLeader, "fuyu"}}},
	RoleAuditor:       {ID: "aud-1", Roles: []RoleGrant{{RoleAuditor, "d-jw"}}},
	RoleAdministrator: {ID: "adm-1", Roles: []RoleGrant{{RoleAdministrator, "fuyu"}}},
}

// accCase returns a case with a petitioner and a respondent who both have
// contact details; village is a village code, as the record keeps it.
func accCase(id string, lead, village, station string) *Petition {
	p := &Petition{ID: id, CaseNo: "230227-2026-" + id, QueryCode: "Q" + id, Kind: KindPetition,
		Class: ClassClaim, Category: "land_transfer", Channel: ChannelVisit, LeadUnit: lead,
		Village: village, StationID: station, Request: "请求处理", SummaryPublic: "土地流转纠纷",
		Parties: []Party{
			{ID: "a", Side: SidePetitioner, Name: "张三", Contact: Contact{IDNumber: "230227198001011234", Phone: "13812345678", Address: "富裕村三组5号"}},
			{ID: "b", Side: SideRespondent, Name: "李四", Contact: Contact{Phone: "13987654321"}},
		}}
	p.Normalize()
	return p
}

// accCases builds the representative cases; accused is the unit the
// "accused_own" case accuses, actor the person it otherwise relates to in
// every way (filer, owner, assignee in his role).
func accCases(a Actor) map[string]*Petition {
	own := accCase("own", "t1", "230227100201", "st-t1-v1")
	own.FiledBy = "proxy-1"
	other := accCase("other", "t2", "230227200201", "st-t2-v1")
	other.FiledBy = "proxy-9"
	dept := accCase("dept", "d-land", "230227200201", "st-t2-v1")
	summoned := accCase("summoned", "t2", "230227200201", "")
	summoned.Summons = []Summons{{Level: SummonQuick, By: "disp-1", Departments: []SummonedUnit{{UnitID: "d-land"}}}}

	g := a.Roles[0]
	accused := accCase("accused", g.Unit, "230227100201", "st-t1-v1")
	accused.Class, accused.FiledBy, accused.Owner = ClassAccusation, a.ID, a.ID
	accused.Parties[1] = Party{ID: "b", Side: SideRespondent, Name: g.Unit, Organisation: true}
	accused.Assignments = []Assignment{{PersonID: a.ID, UnitID: g.Unit, Role: g.Role}}
	accused.Normalize()

	conf := accCase("conf", "t1", "230227100201", "")
	conf.Class, conf.Owner, conf.FiledBy = ClassAccusation, "lead-1", "proxy-9"
	conf.Parties[1] = Party{ID: "b", Side: SideRespondent, Name: "人社局", Organisation: true}
	conf.Normalize()

	anon := accCase("anon", "d-land", "230227100201", "st-t1-v1")
	anon.Class, anon.Anonymous, anon.FiledBy = ClassSuggestion, true, "grid-1"

	medOn := accCase("med_on", "t1", "230227100201", "")
	medOn.Kind, medOn.Class = KindMediation, ""
	medOn.Mediation = &Mediation{SelectionMode: SelectBoard, MediatorIDs: []string{"med-1"}}
	medOff := accCase("med_off", "t2", "230227200201", "")
	medOff.Kind, medOff.Class = KindMediation, ""
	medOff.Mediation = &Mediation{SelectionMode: SelectBoard, MediatorIDs: []string{"med-2"}}

	return map[string]*Petition{"own_township": own, "other_township": other, "dept_assigned": dept,
		"summoned": summoned, "accused_own": accused, "confidential": conf, "anonymous": anon,
		"mediation_on": medOn, "mediation_off": medOff}
}

// accMatrix is THE permission matrix: role × case → one character per
// action in Actions() order, grouped as
//
//	ReadCase ReadParties | ListCases RegisterCase | Transition Assign
//	Supervise Summon | ReadSession PlayRecording | ExportLedger ManagePeople
//	ManageUnits ReadAccessLog Verify
//
// Y allowed, R allowed with Redact, . refused.
var accMatrix = map[Role]map[string]string{
	RolePetitioner: {
		"own_township": ".. .. .... .. .....", "other_township": ".. .. .... .. .....",
		"dept_assigned": ".. .. .... .. .....", "summoned": ".. .. .... .. .....",
		"accused_own": ".. .. .... .. .....", "confidential": ".. .. .... .. .....",
		"anonymous": ".. .. .... .. .....", "mediation_on": ".. .. .... .. .....",
		"mediation_off": ".. .. .... .. .....",
	},
	RoleProxy: {
		"own_township": "YY YY Y... Y. .....", "other_township": ".. YY .... .. .....",
		"dept_assigned": ".. YY .... .. .....", "summoned": ".. YY .... .. .....",
		"accused_own": ".. YY .... .. .....", "confidential": ".. YY .... .. .....",
		"anonymous": ".. YY .... .. .....", "mediation_on": ".. YY .... .. .....",
		"mediation_off": ".. YY .... .. .....",
	},
	RoleGridWorker: {
		"own_township": ".. YY .... .. .....", "other_township": ".. YY .... .. .....",
		"dept_assigned": ".. YY .... .. .....", "summoned": ".. YY .... .. .....",
		"accused_own": ".. YY .... .. .....", "confidential": ".. YY .... .. .....",
		"anonymous": "YY YY Y... Y. .....", "mediation_on": ".. YY .... .. .....",
		"mediation_off": ".. YY .... .. .....",
	},
	RoleTownship: {
		"own_township": "YY YY YY.Y YY .....", "other_township": ".. YY .... .. .....",
		"dept_assigned": ".. YY .... .. .....", "summoned": ".. YY .... .. .....",
		"accused_own": ".. YY .... .. .....", "confidential": "YY YY YY.Y YY .....",
		"anonymous": "R. YY .... R. .....", "mediation_on": "YY YY YY.Y YY .....",
		"mediation_off": ".. YY .... .. .....",
	},
	RoleDispatcher: {
		"own_township": "YY YY YYYY YY Y....", "other_township": "YY YY YYYY YY Y....",
		"dept_assigned": "YY YY YYYY YY Y....", "summoned": "YY YY YYYY YY Y....",
		"accused_own": ".. YY .... .. Y....", "confidential": "YY YY YYYY YY Y....",
		"anonymous": "YY YY YYYY YY Y....", "mediation_on": "YY YY YYYY YY Y....",
		"mediation_off": "YY YY YYYY YY Y....",
	},
	RoleDepartment: {
		"own_township": ".. YY .... .. .....", "other_township": ".. YY .... .. .....",
		"dept_assigned": "YY YY YY.. YY .....", "summoned": "YY YY .... YY .....",
		"accused_own": ".. YY .... .. .....", "confidential": ".. YY .... .. .....",
		"anonymous": "YY YY YY.. YY .....", "mediation_on": ".. YY .... .. .....",
		"mediation_off": ".. YY .... .. .....",
	},
	RoleMediator: { // a mediator registers mediations only
		"own_township": ".. Y. .... .. .....", "other_township": ".. Y. .... .. .....",
		"dept_assigned": ".. Y. .... .. .....", "summoned": ".. Y. .... .. .....",
		"accused_own": ".. Y. .... .. .....", "confidential": ".. Y. .... .. .....",
		"anonymous": ".. Y. .... .. .....", "mediation_on": "YY YY Y... YY .....",
		"mediation_off": ".. YY .... .. .....",
	},
	RoleLeader: { // a county leader who owns the confidential case
		"own_township": "YY Y. ..Y. YY .....", "other_township": "YY Y. ..Y. YY .....",
		"dept_assigned": "YY Y. ..Y. YY .....", "summoned": "YY Y. ..Y. YY .....",
		"accused_own": ".. Y. .... .. .....", "confidential": "YY Y. YYYY YY .....",
		"anonymous": "R. Y. ..Y. R. .....", "mediation_on": "YY Y. ..Y. YY .....",
		"mediation_off": "YY Y. ..Y. YY .....",
	},
	RoleAuditor: {
		"own_township": "YY Y. .... YY Y..YY", "other_township": "YY Y. .... YY Y..YY",
		"dept_assigned": "YY Y. .... YY Y..YY", "summoned": "YY Y. .... YY Y..YY",
		"accused_own": ".. Y. .... .. Y..YY", "confidential": "YY Y. .... YY Y..YY",
		"anonymous": "YY Y. .... YY Y..YY", "mediation_on": "YY Y. .... YY Y..YY",
		"mediation_off": "YY Y. .... YY Y..YY",
	},
	RoleAdministrator: {
		"own_township": ".. .. .... .. .YY..", "other_township": ".. .. .... .. .YY..",
		"dept_assigned": ".. .. .... .. .YY..", "summoned": ".. .. .... .. .YY..",
		"accused_own": ".. .. .... .. .YY..", "confidential": ".. .. .... .. .YY..",
		"anonymous": ".. .. .... .. .YY..", "mediation_on": ".. .. .... .. .YY..",
		"mediation_off": ".. .. .... .. .YY..",
	},
}

// accRow renders the decisions of a on p in the matrix's notation.
func accRow(a Actor, p *Petition, tree *UnitTree) string {
	var b strings.Builder
	for i, act := range Actions() {
		if i == 2 || i == 4 || i == 8 || i == 10 {
			b.WriteByte(' ')
		}
		switch d := Decide(a, act, p, tree); {
		case d.Allowed && d.Redact:
			b.WriteByte('R')
		case d.Allowed:
			b.WriteByte('Y')
		default:
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestPermissionMatrix(t *testing.T) {
	tree := accTree()
	for _, role := range Roles() {
		a, ok := accActors[role]
		rows := accMatrix[role]
		if !ok || rows == nil {
			t.Fatalf("the matrix has no row for role %s", role)
		}
		cases := accCases(a)
		if len(rows) != len(cases) {
			t.Errorf("%s: the matrix has %d cases, want %d", role, len(rows), len(cases))
		}
		for name, p := range cases {
			if got, want := accRow(a, p, tree), rows[name]; got != want {
				t.Errorf("%s on %s:\n got %s\nwant %s (%s)", role, name, got, want,
					Decide(a, ActReadCase, p, tree).Reason)
			}
		}
	}
}

func TestAuditorNeverWrites(t *testing.T) {
	tree := accTree()
	a := Actor{ID: "aud-1", Roles: []RoleGrant{{RoleAuditor, "d-jw"}, {RoleAuditor, "fuyu"}}}
	cases := accCases(accActors[RoleDispatcher])
	cases["none"] = nil
	for name, p := range cases {
		for _, act := range Actions() {
			if d := Decide(a, act, p, tree); act.Writes() && d.Allowed {
				t.Errorf("auditor may %s on %s: %s", act, name, d.Reason)
			}
		}
	}
}

func TestAdministratorReadsNoContent(t *testing.T) {
	tree := accTree()
	a := accActors[RoleAdministrator]
	content := []Action{ActReadCase, ActReadParties, ActListCases, ActReadSession, ActPlayRecording,
		ActExportLedger, ActReadAccessLog}
	for name, p := range accCases(accActors[RoleDispatcher]) {
		for _, act := range content {
			if d := Decide(a, act, p, tree); d.Allowed {
				t.Errorf("administrator may %s on %s: %s", act, name, d.Reason)
			}
		}
	}
	if s := ListScope(a, tree); s.AllUnits || s.Units != nil || s.OwnerID != "" || s.FiledBy != "" || s.PersonID != "" {
		t.Errorf("administrator's list scope = %+v, want empty", s)
	}
	if got := Filter(a, tree, []*Petition{accCase("x", "t1", "", "")}); len(got) != 0 {
		t.Errorf("Filter gave the administrator %d cases", len(got))
	}
}

func TestConfidentiality(t *testing.T) {
	tree := accTree()
	town := accActors[RoleTownship]
	against := func(unit string) *Petition {
		p := accCase("acc", "t1", "230227100201", "")
		p.Class = ClassAccusation
		p.Parties[1] = Party{ID: "b", Side: SideRespondent, Name: unit, Organisation: true}
		p.Normalize()
		return p
	}
	tests := []struct {
		name string
		a    Actor
		p    *Petition
		want bool
	}{
		{"township reads an accusation against its village", town, against("富裕村"), true},
		{"a village proxy never sees an accusation against its township", Actor{ID: "proxy-1",
			Roles: []RoleGrant{{RoleProxy, "t1-v1"}}}, func() *Petition { p := against("t1"); p.FiledBy = "proxy-1"; return p }(), false},
		{"accused by code", town, against("230227100"), false},
		{"accused by a longer name", town, against("富裕镇人民政府"), false},
		{"a department named inside a longer name", accActors[RoleDispatcher], against("富裕县信访局"), false},
		{"the county is accused only by an exact match", town, against("富裕县某公司"), true},
		{"another hat does not lift the bar", Actor{ID: "x", Roles: []RoleGrant{{RoleDispatcher, "d-xfj"},
			{RoleTownship, "t1"}}}, against("t1"), false},
		{"the bar is for confidential cases only", town, func() *Petition {
			p := against("t1")
			p.Class, p.Confidential = ClassClaim, false
			return p
		}(), true},
		{"a recused dispatcher sees nothing", accActors[RoleDispatcher], func() *Petition {
			p := accCase("r", "t2", "", "")
			p.Assignments = []Assignment{{PersonID: "disp-1", UnitID: "d-xfj", Recused: true, RecusalReason: "亲属"}}
			return p
		}(), false},
		{"a recused township official sees nothing of his own case", town, func() *Petition {
			p := accCase("r", "t1", "", "")
			p.Assignments = []Assignment{{PersonID: "town-1", UnitID: "t1", Recused: true}}
			return p
		}(), false},
	}
	for _, tt := range tests {
		d := Decide(tt.a, ActReadCase, tt.p, tree)
		if d.Allowed != tt.want {
			t.Errorf("%s: Allowed = %v (%s), want %v", tt.name, d.Allowed, d.Reason, tt.want)
		}
		if !d.Allowed && ErrorCode(d.Err()) != EFORBIDDEN {
			t.Errorf("%s: Err() = %v, want EFORBIDDEN", tt.name, d.Err())
		}
	}
}

func TestDecideEdges(t *testing.T) {
	tree := accTree()
	town := accActors[RoleTownship]
	conf := accCases(town)["confidential"]
	if d := Decide(accActors[RoleAuditor], ActReadCase, conf, nil); d.Allowed {
		t.Error("a confidential case was decided without the unit tree")
	}
	if d := Decide(town, ActReadCase, nil, tree); d.Allowed {
		t.Error("a case action without a case was allowed")
	}
	d := Decide(accActors[RoleLeader], ActTransition, accCase("x", "t1", "", ""), tree)
	if d.Allowed || !strings.Contains(d.Reason, "does not permit transition") {
		t.Errorf("leader's transition outside his remit: %+v", d)
	}
	if d := Decide(Actor{ID: "x", Roles: []RoleGrant{{"janitor", "t1"}}}, ActReadCase, accCase("x", "t1", "", ""), tree); d.Allowed {
		t.Error("an unknown role reads a case")
	}
	// Two hats: the most permissive wins.
	both := Actor{ID: "town-1", Roles: []RoleGrant{{RoleTownship, "t2"}, {RoleLeader, "t1"}}}
	if got, want := accRow(both, accCases(both)["own_township"], tree), "YY YY YYYY YY ....."; got != want {
		t.Errorf("township official of t2 and head of t1 on t1's case: %s, want %s", got, want)
	}
}

func TestMediatorCandidate(t *testing.T) {
	tree := accTree()
	med := accActors[RoleMediator]
	p := accCase("cand", "t1", "", "")
	p.Kind, p.Class = KindMediation, ""
	p.Mediation = &Mediation{SelectionMode: SelectBoard, Candidate: "med-1"}
	if got, want := accRow(med, p, tree), "YY YY Y... Y. ....."; got != want {
		t.Errorf("candidate on an open mediation: %s, want %s", got, want)
	}
	p.Anonymous = true
	if got, want := accRow(med, p, tree), "R. YY Y... R. ....."; got != want {
		t.Errorf("candidate on an anonymous mediation: %s, want %s", got, want)
	}
	p.Mediation.Candidate = ""
	p.Mediation.Declines = []Decline{{MediatorID: "med-1", Reason: "回避"}}
	if Decide(med, ActReadCase, p, tree).Allowed {
		t.Error("a mediator who declined still reads the case")
	}
}

func TestListScopeCoversReadableCases(t *testing.T) {
	tree := accTree()
	for _, role := range Roles() {
		a := accActors[role]
		s := ListScope(a, tree)
		for name, p := range accCases(a) {
			if Decide(a, ActReadCase, p, tree).Allowed && !s.Matches(p, tree) {
				t.Errorf("%s may read %s but its scope %+v does not match it", role, name, s)
			}
		}
	}
	s := ListScope(accActors[RoleTownship], tree)
	if want := []string{"t1", "t1-v1"}; !slices.Equal(s.Units, want) || s.AllUnits {
		t.Errorf("township scope = %+v, want units %v", s, want)
	}
}

func TestFilter(t *testing.T) {
	tree := accTree()
	cases := accCases(accActors[RoleDispatcher])
	var all []*Petition
	for _, name := range []string{"own_township", "other_township", "anonymous", "confidential"} {
		all = append(all, cases[name])
	}
	got := Filter(accActors[RoleTownship], tree, all)
	if len(got) != 3 || got[0] != all[0] || got[2] != all[3] {
		t.Fatalf("Filter returned %d cases, want own, anonymous (redacted), confidential as given", len(got))
	}
	if got[1] == all[2] || got[1].Parties[0].Contact != (Contact{}) {
		t.Errorf("the anonymous case was not redacted: %+v", got[1].Parties[0])
	}
}

func TestRedactedLeavesNoPII(t *testing.T) {
	p := accCase("pii", "t1", "230227100201", "st-t1-v1")
	p.Parties = append(p.Parties,
		Party{ID: "c", Side: SidePetitioner, Name: "王小明", Village: "230227100201",
			Contact: Contact{IDNumber: "23022719900202567X", Phone: "0452-3456789", Address: "富裕镇幸福街8号"}},
		Party{ID: "d", Side: SideRespondent, Name: "富裕镇人民政府", Organisation: true,
			Contact: Contact{Phone: "0452-3111111", Address: "富裕镇政府路1号"}})
	p.Representatives = []string{"a", "c"}
	p.Facts = "张三(电话13812345678)与王小明住富裕镇幸福街8号; 另一号码 15500001111。"
	p.Reply = &Reply{Outcome: OutcomeExplain, Text: "已电话告知王小明 0452-3456789"}
	p.FollowUps = []FollowUp{{By: "town-1", PartyID: "a", Manner: "phone", Result: "张三满意, 身份证230227198001011234"}}
	p.Mediation = &Mediation{Agreement: &Agreement{Parties: []string{"a", "b"}, Facts: "李四欠张三工资", Terms: "李四付款"}}
	p.Attachments = []Attachment{{ID: "f1", Name: "张三身份证.jpg"}, {ID: "f2", Name: "证据(已遮蔽).jpg", RedactedOf: "f1"}}
	orig, _ := json.Marshal(p)

	r := Redacted(p)
	if after, _ := json.Marshal(p); string(after) != string(orig) {
		t.Fatal("Redacted changed its argument")
	}
	var secrets []string
	for _, pt := range p.Parties {
		secrets = append(secrets, pt.Contact.IDNumber, pt.Contact.Phone, pt.Contact.Address)
		if !pt.Organisation {
			secrets = append(secrets, pt.Name)
		}
	}
	secrets = append(secrets, "15500001111", p.QueryCode)
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range v {
				walk(path+"[]", e)
			}
		case string:
			for _, s := range secrets {
				if s != "" && strings.Contains(v, s) {
					t.Errorf("%s = %q still holds %q", path, v, s)
				}
			}
		}
	}
	walk("$", doc)
	if r.SummaryPublic != p.SummaryPublic || r.ID != p.ID || r.CaseNo != p.CaseNo || r.Parties[3].Name != "富裕镇人民政府" {
		t.Errorf("Redacted lost what is not PII: %+v", r)
	}
	if r.Parties[0].Name != "张*" || len(r.Attachments) != 1 || r.Attachments[0].ID != "f2" {
		t.Errorf("names %q, attachments %+v", r.Parties[0].Name, r.Attachments)
	}
	p.Anonymous = true
	if n := Redacted(p).Parties[0].Name; n != "" {
		t.Errorf("anonymous petitioner's name = %q, want empty", n)
	}
}

func TestMasked(t *testing.T) {
	for in, want := range map[string]string{"张三": "张*", "欧阳娜娜": "欧***", "王": "*", "": "", " 李四 ": "李*", "Ann": "A**"} {
		if got := Masked(in); got != want {
			t.Errorf("Masked(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUnitTree(t *testing.T) {
	tree := accTree()
	if got := tree.Ancestors("t1-v1"); !slices.Equal(got, []string{"t1", "fuyu"}) {
		t.Errorf("Ancestors(t1-v1) = %v", got)
	}
	for _, c := range []struct {
		unit, anc string
		want      bool
	}{{"t1-v1", "t1", true}, {"t1-v1", "fuyu", true}, {"t1", "t1", true}, {"t1", "t1-v1", false},
		{"t2-v1", "t1", false}, {"", "", false}, {"ghost", "ghost", true}, {"ghost", "fuyu", false}} {
		if got := tree.IsWithin(c.unit, c.anc); got != c.want {
			t.Errorf("IsWithin(%q, %q) = %v", c.unit, c.anc, got)
		}
	}
	if got := tree.Subtree("t2"); !slices.Equal(got, []string{"t2", "t2-v1"}) {
		t.Errorf("Subtree(t2) = %v", got)
	}
	if id, ok := tree.Resolve("230227200201"); !ok || id != "t2-v1" {
		t.Errorf("Resolve(code) = %q, %v", id, ok)
	}
	if !tree.IsRoot("fuyu") || tree.IsRoot("t1") || tree.IsRoot("ghost") {
		t.Error("IsRoot is wrong")
	}
	var none *UnitTree
	if none.IsWithin("a", "b") || none.Ancestors("a") != nil {
		t.Error("a nil tree knows units")
	}
}
