package petitions

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestErrors(t *testing.T) {
	e := &Error{Code: EINVALID, Message: "The case is invalid.", Fields: map[string]string{"request": "required", "category": "required"}}
	if got := e.Error(); got != "petitions: invalid: The case is invalid. (category: required; request: required)" {
		t.Errorf("Error() = %q", got)
	}
	c := Errorf(ECONFLICT, "A case that is %s cannot %s.", "closed", "reply")
	c.Allowed = []string{"archive"}
	if got := c.Error(); got != "petitions: conflict: A case that is closed cannot reply. [allowed: archive]" {
		t.Errorf("Error() = %q", got)
	}
	wrapped := fmt.Errorf("store: %w", c)
	for _, tc := range []struct {
		err                 error
		code, msg           string
		fields, allowedWant bool
	}{
		{nil, "", "", false, false},
		{e, EINVALID, "The case is invalid.", true, false},
		{wrapped, ECONFLICT, "A case that is closed cannot reply.", false, true},
		{errors.New("disk on fire"), EINTERNAL, "Internal error.", false, false},
	} {
		if ErrorCode(tc.err) != tc.code || ErrorMessage(tc.err) != tc.msg ||
			(ErrorFields(tc.err) != nil) != tc.fields || (ErrorAllowed(tc.err) != nil) != tc.allowedWant {
			t.Errorf("%v: code %q, message %q, fields %v, allowed %v", tc.err,
				ErrorCode(tc.err), ErrorMessage(tc.err), ErrorFields(tc.err), ErrorAllowed(tc.err))
		}
	}
}

func TestPetitionValidate(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name  string
		base  func() *Petition
		mut   func(*Petition)
		field string // "" = valid
	}{
		{"petition", lcPetition, func(*Petition) {}, ""},
		{"mediation", lcMediation, func(*Petition) {}, ""},
		{"anonymous suggestion", lcPetition, func(p *Petition) {
			p.Class, p.Anonymous, p.Parties, p.ProxyLevel, p.OnBehalfOf, p.ConsentRef = ClassSuggestion, true, nil, "", "", ""
		}, ""},
		{"group visit", lcPetition, func(p *Petition) {
			for i := 2; i <= 6; i++ {
				p.Parties = append(p.Parties, Party{ID: fmt.Sprint("p", i), Side: SidePetitioner, Name: fmt.Sprint("村民", i)})
			}
			p.Headcount, p.Representatives = 40, []string{"p1", "p2", "p3", "p4", "p5"}
		}, ""},
		{"attachment", lcPetition, func(p *Petition) {
			p.Attachments = []Attachment{{ID: "a1", Name: "考勤表.jpg", MIME: "image/jpeg", Size: 1, SHA256: sha}}
		}, ""},

		{"no kind", lcPetition, func(p *Petition) { p.Kind = "" }, "kind"},
		{"unknown kind", lcPetition, func(p *Petition) { p.Kind = "hotline" }, "kind"},
		{"no class", lcPetition, func(p *Petition) { p.Class = "" }, "class"},
		{"unknown class", lcPetition, func(p *Petition) { p.Class = "praise" }, "class"},
		{"mediation with a class", lcMediation, func(p *Petition) { p.Class = ClassClaim }, "class"},
		{"petition with mediation details", lcPetition, func(p *Petition) { p.Mediation = &Mediation{} }, "mediation"},
		{"no category", lcPetition, func(p *Petition) { p.Category = "" }, "category"},
		{"no channel", lcPetition, func(p *Petition) { p.Channel = "" }, "channel"},
		{"video is not a channel", lcPetition, func(p *Petition) { p.Channel = "video" }, "channel"},
		{"unknown medium", lcPetition, func(p *Petition) { p.Medium = "pigeon" }, "medium"},
		{"no risk level", lcPetition, func(p *Petition) { p.RiskLevel = "" }, "risk_level"},
		{"unknown risk level", lcPetition, func(p *Petition) { p.RiskLevel = "orange" }, "risk_level"},
		{"no request", lcPetition, func(p *Petition) { p.Request = "" }, "request"},
		{"claim without facts", lcPetition, func(p *Petition) { p.Facts = "" }, "facts"},
		{"mediation without facts", lcMediation, func(p *Petition) { p.Facts = "" }, "facts"},
		{"accusation not confidential", lcPetition, func(p *Petition) { p.Class = ClassAccusation }, "confidential"},
		{"anonymous claim", lcPetition, func(p *Petition) { p.Anonymous = true }, "anonymous"},
		{"anonymous mediation", lcMediation, func(p *Petition) { p.Anonymous = true }, "anonymous"},
		{"no petitioner", lcPetition, func(p *Petition) { p.Parties = p.Parties[1:]; p.ProxyLevel, p.OnBehalfOf = "", "" }, "parties"},
		{"mediation with one side", lcMediation, func(p *Petition) { p.Parties = p.Parties[:1] }, "parties"},
		{"party without id", lcPetition, func(p *Petition) { p.Parties[1].ID = "" }, "parties[1].id"},
		{"duplicate party", lcPetition, func(p *Petition) { p.Parties[1].ID = "p1" }, "parties[1].id"},
		{"party without side", lcPetition, func(p *Petition) { p.Parties[1].Side = "" }, "parties[1].side"},
		{"party without name", lcPetition, func(p *Petition) { p.Parties[0].Name = "" }, "parties[0].name"},
		{"no headcount", lcPetition, func(p *Petition) { p.Headcount = 0 }, "headcount"},
		{"six representatives", lcPetition, func(p *Petition) {
			p.Headcount, p.Representatives = 50, []string{"p1", "p1", "p1", "p1", "p1", "p1"}
		}, "representatives"},
		{"more representatives than people", lcPetition, func(p *Petition) { p.Representatives = []string{"p1", "p1"} }, "representatives"},
		{"respondent as representative", lcPetition, func(p *Petition) { p.Headcount, p.Representatives = 3, []string{"r1"} }, "representatives[0]"},
		{"representative twice", lcPetition, func(p *Petition) { p.Headcount, p.Representatives = 3, []string{"p1", "p1"} }, "representatives[1]"},
		{"proxy without consent", lcPetition, func(p *Petition) { p.ConsentRef = "" }, "consent_ref"},
		{"proxy for nobody", lcPetition, func(p *Petition) { p.OnBehalfOf = "" }, "on_behalf_of"},
		{"proxy for the respondent", lcPetition, func(p *Petition) { p.OnBehalfOf = "r1" }, "on_behalf_of"},
		{"unknown proxy level", lcPetition, func(p *Petition) { p.ProxyLevel = "province" }, "proxy_level"},
		{"on behalf without a proxy", lcPetition, func(p *Petition) { p.ProxyLevel = "" }, "proxy_level"},
		{"lead unit as co-unit", lcPetition, func(p *Petition) { p.CoUnits = []string{"township-3"} }, "co_units[0]"},
		{"co-unit twice", lcPetition, func(p *Petition) { p.CoUnits = []string{"police", "police"} }, "co_units[1]"},
		{"empty co-unit", lcPetition, func(p *Petition) { p.CoUnits = []string{""} }, "co_units[0]"},
		{"attachment without digest", lcPetition, func(p *Petition) {
			p.Attachments = []Attachment{{ID: "a1", Name: "n", SHA256: strings.ToUpper(sha)}}
		}, "attachments[0].sha256"},
		{"attachment without id", lcPetition, func(p *Petition) { p.Attachments = []Attachment{{Name: "n", SHA256: sha}} }, "attachments[0].id"},
		{"attachment without name", lcPetition, func(p *Petition) { p.Attachments = []Attachment{{ID: "a", SHA256: sha}} }, "attachments[0].name"},
		{"negative size", lcPetition, func(p *Petition) { p.Attachments = []Attachment{{ID: "a", Name: "n", SHA256: sha, Size: -1}} }, "attachments[0].size"},
		{"bad agreement", lcMediation, func(p *Petition) {
			p.Mediation = &Mediation{Agreement: &Agreement{Form: FormWritten, Parties: []string{"p1", "nobody"}, Facts: "f", Issues: "i", Terms: "t", PerformanceManner: "m"}}
		}, "mediation.agreement.parties[1]"},
		{"agreement form", lcMediation, func(p *Petition) {
			a := lcAgreement("sung")
			p.Mediation = &Mediation{Agreement: a}
		}, "mediation.agreement.form"},
		{"agreement party twice", lcMediation, func(p *Petition) {
			a := lcAgreement(FormOral)
			a.Parties = []string{"p1", "p1"}
			p.Mediation = &Mediation{Agreement: a}
		}, "mediation.agreement.parties[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.base()
			tc.mut(p)
			before := p.Clone()
			err := p.Validate()
			if !reflect.DeepEqual(p, before) {
				t.Error("Validate changed the case")
			}
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || ErrorFields(err)[tc.field] == "" {
				t.Errorf("Validate: %v; want a message for %s", err, tc.field)
			}
		})
	}
}

func TestPetitionNormalize(t *testing.T) {
	p := lcPetition()
	p.Class, p.RiskLevel, p.Headcount = ClassAccusation, "", 0
	p.Parties = append(p.Parties, Party{ID: "p2", Side: SidePetitioner, Name: "赵某"})
	p.Normalize()
	if !p.Confidential || p.RiskLevel != RiskGreen || p.Headcount != 2 {
		t.Errorf("confidential %v, risk %s, headcount %d", p.Confidential, p.RiskLevel, p.Headcount)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("normalized accusation: %v", err)
	}
	a := &Petition{Anonymous: true}
	a.Normalize()
	if a.Headcount != 1 {
		t.Errorf("anonymous headcount %d", a.Headcount)
	}
}

// lcFullCase is a case with every nested record set, for Clone and JSON.
func lcFullCase() *Petition {
	p := lcMediation()
	at := lcT0
	p.Representatives, p.CoUnits = []string{"p1"}, []string{"police"}
	p.Assignments = []Assignment{{PersonID: "m1", UnitID: "village-17", Role: RoleMediator, AssignedAt: at}}
	p.Deadlines = map[Step]Deadline{StepMediation: {Step: StepMediation, Start: at, Days: 30, Nominal: at, Adjusted: at}}
	p.Decision = &Decision{Result: DecisionAccepted, DecidedAt: at}
	p.Transfers = []Transfer{{From: "a", To: "b", Type: TransferAssign, At: at}}
	p.Extension = &Extension{Days: 10, Reason: "r", ApprovedBy: "l", ApprovedAt: at}
	p.Reply = &Reply{Outcome: OutcomeSupport, ServedAt: at}
	p.Reviews = []Review{{Level: LevelReview, RequestedAt: at}}
	p.Notices = []Notice{{Type: NoticeReply, Manner: MannerSMS, ServedAt: at}}
	p.Archive = &Archive{DossierNo: "d", At: at}
	p.Supervisions = []Supervision{{By: "leader-1", Reason: "stalled", IssuedAt: at}}
	p.Summons = []Summons{{Level: SummonEmergency, By: "d", IssuedAt: at, Departments: []SummonedUnit{{UnitID: "police"}}}}
	p.FollowUps = []FollowUp{{By: "m1", PartyID: "p1", Manner: MannerPhone, Result: "满意", At: at}}
	p.Ratings = []Rating{{PartyID: "p1", Target: "mediator", TargetID: "m1", Score: ScoreSatisfied, At: at}}
	p.Links = []Link{{Kind: LinkCourtCase, Ref: "(2026)黑0227民初1号"}}
	p.Attachments = []Attachment{{ID: "a", Name: "n", SHA256: strings.Repeat("0", 64), UploadedAt: at}}
	p.Mediation = &Mediation{
		MediatorIDs: []string{"m1"}, Declines: []Decline{{MediatorID: "m0", Reason: "r", At: at}},
		Agreement:    lcAgreement(FormWritten),
		Confirmation: &JudicialConfirmation{Applicants: []string{"p1", "r1"}, Court: "c", AppliedAt: at},
	}
	p.Mediation.Agreement.Signatures = []Signature{{PartyID: "p1", Manner: SignSeal, At: at}}
	return p
}

func TestPetitionClone(t *testing.T) {
	p := lcFullCase()
	c := p.Clone()
	if !reflect.DeepEqual(p, c) {
		t.Fatal("the clone differs")
	}
	// Change everything reachable in the clone; p must not move.
	want := lcFullCase()
	c.Parties[0].Name = "x"
	c.Representatives[0], c.CoUnits[0] = "x", "x"
	c.Assignments[0].Recused = true
	c.Deadlines[StepMediation] = Deadline{}
	c.Decision.Result, c.Extension.Days, c.Reply.Text, c.Archive.DossierNo = "x", 1, "x", "x"
	c.Transfers[0].To, c.Reviews[0].HearingDays, c.Notices[0].Manner = "x", 9, "x"
	c.Supervisions[0].Adopted, c.Summons[0].Departments[0].ReportedAt = true, lcT0
	c.FollowUps[0].Result, c.Ratings[0].Score, c.Links[0].Ref, c.Attachments[0].Name = "x", "x", "x", "x"
	m := c.Mediation
	m.MediatorIDs[0], m.Declines[0].Reason = "x", "x"
	m.Agreement.Parties[0], m.Agreement.Signatures[0].Manner, m.Agreement.Terms = "x", "x", "x"
	m.Confirmation.Applicants[0], m.Confirmation.Court = "x", "x"
	if !reflect.DeepEqual(p, want) {
		t.Errorf("changing the clone changed the original")
	}
	if (&Petition{}).Clone().Deadlines != nil {
		t.Error("a nil map became non-nil")
	}
}

func TestPetitionJSON(t *testing.T) {
	p := lcFullCase()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"case_no"`, `"query_code"`, `"risk_level"`, `"deadlines":{"mediation"`, `"performance_manner"`, `"sha256"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	if strings.Contains(string(b), `"archived_at"`) {
		t.Error("a zero time is written")
	}
	var back Petition
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if string(b) != string(b2) {
		t.Errorf("round trip differs:\n%s\n%s", b, b2)
	}
}

func TestOverlays(t *testing.T) {
	p := lcPetition()
	if p.Supervised() || p.Summoned() {
		t.Fatal("a fresh case has overlays")
	}
	p.Supervisions = []Supervision{{By: "leader-1", IssuedAt: lcT0}}
	p.Summons = []Summons{{Level: SummonQuick, Departments: []SummonedUnit{{UnitID: "a", ReportedAt: lcT0}, {UnitID: "b"}}}}
	if !p.Supervised() || !p.Summoned() {
		t.Fatal("open overlays not seen")
	}
	p.Supervisions[0].FeedbackAt = lcT0
	p.Summons[0].Departments[1].ReportedAt = lcT0
	if p.Supervised() || p.Summoned() {
		t.Error("answered overlays still open")
	}
}

func TestDeadlinePassed(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	d := Deadline{Adjusted: time.Date(2026, 5, 6, 0, 0, 0, 0, cst)}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{time.Date(2026, 5, 6, 23, 59, 59, 0, cst), false},
		{time.Date(2026, 5, 7, 0, 0, 0, 0, cst), true},
		{time.Date(2026, 5, 6, 15, 59, 0, 0, time.UTC), false}, // 23:59 in China
		{time.Date(2026, 5, 6, 16, 0, 0, 0, time.UTC), true},   // 00:00 on the 7th in China
	} {
		if got := d.Passed(tc.now); got != tc.want {
			t.Errorf("Passed(%v) = %v", tc.now, got)
		}
	}
}

func TestCatalogues(t *testing.T) {
	for name, cs := range map[string][]Code{"reasons": NotAcceptedReasons(), "routes": DiversionRoutes()} {
		seen := map[string]bool{}
		for _, c := range cs {
			if c.Code == "" || c.Name == "" || seen[c.Code] {
				t.Errorf("%s: bad or repeated entry %+v", name, c)
			}
			seen[c.Code] = true
		}
	}
	cats := map[string]bool{}
	for _, c := range DefaultCategories() {
		cats[c.Code] = true
	}
	if len(cats) != 10 || !cats["elevator_installation"] || !cats["other"] {
		t.Errorf("categories %v", cats)
	}
	for step, p := range DefaultPeriods() {
		if p.Step != step || p.Days <= 0 || p.Citation == "" {
			t.Errorf("period %s: %+v", step, p)
		}
	}
}

func TestValidateUnits(t *testing.T) {
	tree := []Unit{
		{ID: "fuyu", Name: "富裕县", Level: UnitCounty, Code: "230227"},
		{ID: "t1", Name: "富裕镇", Level: UnitTownship, ParentID: "fuyu"},
		{ID: "v1", Name: "某村", Level: UnitVillage, ParentID: "t1"},
		{ID: "d1", Name: "县人社局", Level: UnitDepartment, ParentID: "fuyu"},
	}
	if err := ValidateUnits(tree); err != nil {
		t.Fatalf("valid tree: %v", err)
	}
	for _, tc := range []struct {
		name  string
		mut   func([]Unit) []Unit
		field string
	}{
		{"no id", func(u []Unit) []Unit { u[2].ID = ""; return u }, "units[2].id"},
		{"duplicate", func(u []Unit) []Unit { return append(u, u[1]) }, "t1"},
		{"unknown level", func(u []Unit) []Unit { u[1].Level = "province"; return u }, "t1"},
		{"no name", func(u []Unit) []Unit { u[3].Name = ""; return u }, "d1"},
		{"county with a parent", func(u []Unit) []Unit { u[0].ParentID = "t1"; return u }, "fuyu"},
		{"orphan village", func(u []Unit) []Unit { u[2].ParentID = ""; return u }, "v1"},
		{"missing parent", func(u []Unit) []Unit { u[2].ParentID = "t9"; return u }, "v1"},
		{"village under the county", func(u []Unit) []Unit { u[2].ParentID = "fuyu"; return u }, "v1"},
		{"department under a township", func(u []Unit) []Unit { u[3].ParentID = "t1"; return u }, "d1"},
		{"two counties", func(u []Unit) []Unit {
			return append(u, Unit{ID: "other", Name: "另一县", Level: UnitCounty})
		}, "units"},
	} {
		units := tc.mut(append([]Unit(nil), tree...))
		if err := ValidateUnits(units); ErrorCode(err) != EINVALID || ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: %v; want a message for %s", tc.name, err, tc.field)
		}
	}
}
