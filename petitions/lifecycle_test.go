package petitions

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The server's calendar is the lifecycles' day counter.
var _ DayCounter = (*Calendar)(nil)

// fakeDays counts calendar days in UTC; the only rest day is Sunday, so that
// a nominal due date on a Sunday is adjusted to Monday. Working days are
// Monday to Friday.
type fakeDays struct{}

func (fakeDays) AddDays(start time.Time, days int) (nominal, adjusted time.Time) {
	y, m, d := start.UTC().Date()
	nominal = time.Date(y, m, d+days, 0, 0, 0, 0, time.UTC)
	adjusted = nominal
	if adjusted.Weekday() == time.Sunday {
		adjusted = adjusted.AddDate(0, 0, 1)
	}
	return nominal, adjusted
}

func (fakeDays) AddWorkdays(start time.Time, n int) time.Time {
	y, m, d := start.UTC().Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// lcT0 is a Monday morning; fixtures place their steps relative to it.
var lcT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const lcDay = 24 * time.Hour

// lcDate is midnight UTC of a day in 2026.
func lcDate(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }

// lcStep is one transition of a fixture's history, at lcT0 + at.
type lcStep struct {
	tr    string
	actor Role
	in    TransitionInput
	at    time.Duration
}

// lcPath extends a fixture path with more steps.
func lcPath(base []lcStep, more ...lcStep) []lcStep {
	return append(slices.Clip(base), more...)
}

// lcBuild applies the steps to c and returns c and the time of the last step
// (lcT0 when there is none).
func lcBuild(t *testing.T, lc *Lifecycle, c *Petition, steps []lcStep) (*Petition, time.Time) {
	t.Helper()
	last := lcT0
	for _, s := range steps {
		last = lcT0.Add(s.at)
		if _, err := lc.Apply(c, s.tr, s.actor, s.in, last); err != nil {
			t.Fatalf("fixture step %s by %s: %v", s.tr, s.actor, err)
		}
	}
	return c, last
}

// lcRow is one case of a transition table. A row with code "" must succeed
// and land in want; a refused row names the guard that refuses (or "" for a
// refusal by state) and the code and field it refuses with.
type lcRow struct {
	name  string
	tr    string
	from  string // fixture key
	actor Role
	in    TransitionInput
	after time.Duration                             // after the fixture's last step; 0 means one hour
	mut   func(c *Petition)                         // changes the fixture before the row
	want  State                                     // success: the new state
	check func(*testing.T, *Petition, Transitioned) // success: the effects
	guard string                                    // refusal: the guard that refuses
	code  string                                    // refusal: the error code
	field string                                    // refusal: a field named in Fields
}

// lcRun runs the rows against fixtures built from base.
func lcRun(t *testing.T, lc *Lifecycle, base func() *Petition, fixtures map[string][]lcStep, rows []lcRow) {
	for _, r := range rows {
		t.Run(r.tr+"/"+r.name, func(t *testing.T) {
			steps, ok := fixtures[r.from]
			if !ok {
				t.Fatalf("no fixture %q", r.from)
			}
			c, last := lcBuild(t, lc, base(), steps)
			if r.mut != nil {
				r.mut(c)
			}
			after := r.after
			if after == 0 {
				after = time.Hour
			}
			now := last.Add(after)
			before := c.Clone()
			done, err := lc.Apply(c, r.tr, r.actor, r.in, now)
			if r.code == "" {
				if err != nil {
					t.Fatalf("Apply: %v", err)
				}
				if c.State != r.want || done.To != r.want || done.From != before.State ||
					done.Transition != r.tr || done.Actor != r.actor || !done.At.Equal(now) {
					t.Fatalf("state %s, result %+v; want %s → %s", c.State, done, before.State, r.want)
				}
				for _, d := range done.Deadlines {
					if c.Deadlines[d.Step] != d {
						t.Errorf("reported deadline %+v is not the stored one", d)
					}
				}
				if r.check != nil {
					r.check(t, c, done)
				}
				return
			}
			if err == nil {
				t.Fatalf("Apply succeeded (state %s); want %s", c.State, r.code)
			}
			if got := ErrorCode(err); got != r.code {
				t.Fatalf("code %s (%v); want %s", got, err, r.code)
			}
			if r.field != "" && ErrorFields(err)[r.field] == "" {
				t.Errorf("fields %v lack %q", ErrorFields(err), r.field)
			}
			if r.code == ECONFLICT && !slices.Equal(ErrorAllowed(err), lc.Allowed(before, r.actor)) {
				t.Errorf("allowed %v; want %v", ErrorAllowed(err), lc.Allowed(before, r.actor))
			}
			if r.guard != "" {
				tr, _ := lc.Transition(r.tr)
				i := slices.IndexFunc(tr.Guards, func(g Guard) bool { return g.Name == r.guard })
				if i < 0 {
					t.Fatalf("transition %s has no guard %s", r.tr, r.guard)
				}
				gerr := tr.Guards[i].Check(before.Clone(), r.in, now)
				if ErrorCode(gerr) != r.code || ErrorMessage(gerr) != ErrorMessage(err) {
					t.Errorf("guard %s says %v; Apply said %v", r.guard, gerr, err)
				}
			}
			if !reflect.DeepEqual(c, before) {
				t.Errorf("the case changed on a refused transition:\n got %+v\nwant %+v", c, before)
			}
		})
	}
}

// lcCoverage fails unless the rows hold a success for every transition and a
// refusal by every guard of every transition.
func lcCoverage(t *testing.T, lc *Lifecycle, rows []lcRow) {
	t.Helper()
	ok, refused := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		if r.code == "" {
			ok[r.tr] = true
		} else if r.guard != "" {
			refused[r.tr+"/"+r.guard] = true
		}
	}
	for _, tr := range lc.Transitions {
		if !ok[tr.Name] {
			t.Errorf("no successful row for %s", tr.Name)
		}
		for _, g := range tr.Guards {
			if !refused[tr.Name+"/"+g.Name] {
				t.Errorf("no row where guard %s refuses %s", g.Name, tr.Name)
			}
		}
	}
}

// lcAllStates checks, for every transition, that every role it does not
// name gets EFORBIDDEN, and that from every state it does not leave a role it
// names gets ECONFLICT listing what that role may do; the case never changes.
func lcAllStates(t *testing.T, lc *Lifecycle, base func() *Petition) {
	for _, tr := range lc.Transitions {
		for _, role := range Roles() {
			if slices.Contains(tr.Roles, role) {
				continue
			}
			c := base()
			c.State = tr.From[0]
			before := c.Clone()
			_, err := lc.Apply(c, tr.Name, role, TransitionInput{ActorID: "x"}, lcT0)
			if ErrorCode(err) != EFORBIDDEN {
				t.Errorf("%s by %s: %v; want forbidden", tr.Name, role, err)
			}
			if !reflect.DeepEqual(c, before) {
				t.Errorf("%s by %s changed the case", tr.Name, role)
			}
		}
		for _, s := range lc.States {
			if slices.Contains(tr.From, s) {
				continue
			}
			c := base()
			c.State = s
			before := c.Clone()
			_, err := lc.Apply(c, tr.Name, tr.Roles[0], TransitionInput{}, lcT0)
			if ErrorCode(err) != ECONFLICT {
				t.Errorf("%s from %s: %v; want conflict", tr.Name, s, err)
			}
			if want := lc.Allowed(before, tr.Roles[0]); !slices.Equal(ErrorAllowed(err), want) {
				t.Errorf("%s from %s: allowed %v; want %v", tr.Name, s, ErrorAllowed(err), want)
			}
			if !reflect.DeepEqual(c, before) {
				t.Errorf("%s from %s changed the case", tr.Name, s)
			}
		}
	}
}

// lcPetition is a complete petition filed by a village proxy, in draft.
func lcPetition() *Petition {
	return &Petition{
		ID: "case-1", CaseNo: "230227-2026-0001", QueryCode: "7Q4K9M",
		Kind: KindPetition, Class: ClassClaim, Category: "wage_arrears",
		Channel: ChannelVisit, Medium: MediumVideo, StationID: "station-v17", TerminalID: "term-v17",
		FiledBy: "proxy-7", OnBehalfOf: "p1", ProxyLevel: ProxyVillage, ConsentRef: "consent-0042",
		Parties: []Party{
			{ID: "p1", Side: SidePetitioner, Name: "王某", Village: "230227101201", Contact: Contact{Phone: "13800000000"}},
			{ID: "r1", Side: SideRespondent, Name: "某建筑公司", Organisation: true},
		},
		Headcount: 1, Request: "支付拖欠工资", Facts: "2025年在某工地务工, 工资未结清", Reasons: "有考勤记录",
		RiskLevel: RiskGreen, LeadUnit: "township-3", State: StateDraft, ReceivedAt: lcT0.Add(-lcDay),
	}
}

// Actors of the petition fixtures.
var (
	lcTownship = TransitionInput{ActorID: "official-3"}
	lcDept     = TransitionInput{ActorID: "labour-1"}
)

// lcIn returns in with the actor of base.
func lcIn(base TransitionInput, in TransitionInput) TransitionInput {
	in.ActorID = base.ActorID
	return in
}

// petitionFixtures builds each fixture from the one before it: received on
// Sunday 1 March, registered Monday 2 March 09:00 (lcT0), accepted on the
// 4th (handling due Sunday 3 May, adjusted Monday 4 May), replied on the
// 12th (复查 window to Saturday 11 April), and so on.
func petitionFixtures() map[string][]lcStep {
	f := map[string][]lcStep{"draft": nil}
	f["registered"] = lcPath(f["draft"], lcStep{"register", RoleTownship, lcTownship, 0})
	f["transferred"] = lcPath(f["registered"], lcStep{"transfer", RoleDispatcher,
		TransitionInput{ActorID: "dispatch-1", Unit: "labour-bureau", TransferType: TransferAssign}, 1 * lcDay})
	f["accepted"] = lcPath(f["registered"], lcStep{"accept", RoleTownship, lcTownship, 2 * lcDay})
	f["in_progress"] = lcPath(f["accepted"], lcStep{"start", RoleTownship, lcIn(lcTownship, TransitionInput{Owner: "leader-1"}), 3 * lcDay})
	f["extended"] = lcPath(f["in_progress"], lcStep{"extend", RoleLeader,
		TransitionInput{ActorID: "leader-1", Days: 30, Reason: "需多部门核查"}, 50 * lcDay})
	f["replied"] = lcPath(f["in_progress"], lcStep{"reply", RoleTownship, lcIn(lcTownship, TransitionInput{Outcome: OutcomeSupport}), 10 * lcDay})
	f["closed"] = lcPath(f["replied"], lcStep{"close", RoleTownship, lcIn(lcTownship, TransitionInput{Settled: true}), 11 * lcDay})
	f["review_requested"] = lcPath(f["replied"], lcStep{"request_review", RolePetitioner,
		TransitionInput{ActorID: "p1", Unit: "county-gov"}, 12 * lcDay})
	f["review_answered"] = lcPath(f["review_requested"], lcStep{"answer_review", RoleDispatcher,
		TransitionInput{ActorID: "dispatch-1", Outcome: OutcomeExplain}, 20 * lcDay})
	f["closed_after_review"] = lcPath(f["review_answered"], lcStep{"close", RoleDispatcher,
		TransitionInput{ActorID: "dispatch-1", Settled: true}, 21 * lcDay})
	f["recheck_requested"] = lcPath(f["review_answered"], lcStep{"request_recheck", RolePetitioner,
		TransitionInput{ActorID: "p1", Unit: "city-gov"}, 22 * lcDay})
	f["terminated"] = lcPath(f["recheck_requested"], lcStep{"answer_recheck", RoleDispatcher,
		TransitionInput{ActorID: "dispatch-1", Outcome: OutcomeReject}, 30 * lcDay})
	f["not_accepted"] = lcPath(f["registered"], lcStep{"not_accept", RoleTownship,
		lcIn(lcTownship, TransitionInput{ReasonCode: "labour_dispute"}), 2 * lcDay})
	f["diverted"] = lcPath(f["registered"], lcStep{"divert", RoleDispatcher,
		TransitionInput{ActorID: "dispatch-1", Route: "arbitration"}, 2 * lcDay})
	f["withdrawn"] = lcPath(f["registered"], lcStep{"withdraw", RolePetitioner,
		TransitionInput{ActorID: "p1", Document: "withdrawal-1"}, 2 * lcDay})
	return f
}

// deadlineIs checks a stored deadline.
func deadlineIs(t *testing.T, c *Petition, step Step, start time.Time, days int, nominal, adjusted time.Time) {
	t.Helper()
	d, ok := c.Deadlines[step]
	if !ok {
		t.Fatalf("no %s deadline", step)
	}
	if !d.Start.Equal(start) || d.Days != days || !d.Nominal.Equal(nominal) || !d.Adjusted.Equal(adjusted) || d.Citation == "" {
		t.Errorf("%s deadline %+v; want start %v, %d days, nominal %v, adjusted %v", step, d, start, days, nominal, adjusted)
	}
}

func petitionRows() []lcRow {
	notice := func(typ NoticeType) func(*testing.T, *Petition, Transitioned) {
		return func(t *testing.T, c *Petition, _ Transitioned) {
			if n := c.Notices; len(n) == 0 || n[len(n)-1].Type != typ || n[len(n)-1].Manner != MannerInPerson {
				t.Errorf("notices %+v; want a %s notice served in person", n, typ)
			}
		}
	}
	return []lcRow{
		// register
		{name: "ok", tr: "register", from: "draft", actor: RoleTownship, in: lcTownship, want: StateRegistered,
			check: func(t *testing.T, c *Petition, done Transitioned) {
				if !c.RegisteredAt.Equal(lcT0.Add(time.Hour)) {
					t.Errorf("registered at %v", c.RegisteredAt)
				}
				// received Sunday 1 March + 15 days = Monday 16 March
				deadlineIs(t, c, StepAcceptance, lcT0.Add(-lcDay), 15, lcDate(3, 16), lcDate(3, 16))
				if len(done.Deadlines) != 1 || done.Deadlines[0].Step != StepAcceptance {
					t.Errorf("reported deadlines %+v", done.Deadlines)
				}
			}},
		{name: "received now when unknown", tr: "register", from: "draft", actor: RoleDispatcher, in: lcTownship,
			mut: func(c *Petition) { c.ReceivedAt = time.Time{} }, want: StateRegistered,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if !c.ReceivedAt.Equal(c.RegisteredAt) {
					t.Errorf("received %v, registered %v", c.ReceivedAt, c.RegisteredAt)
				}
			}},
		{name: "incomplete", tr: "register", from: "draft", actor: RoleTownship, in: lcTownship,
			mut: func(c *Petition) { c.Request = "" }, guard: "content_complete", code: EINVALID, field: "request"},

		// withdraw
		{name: "draft without document", tr: "withdraw", from: "draft", actor: RolePetitioner, want: StateWithdrawn},
		{name: "in progress, signed", tr: "withdraw", from: "in_progress", actor: RoleProxy,
			in: TransitionInput{ActorID: "proxy-7", Document: "withdrawal-7"}, want: StateWithdrawn},
		{name: "unsigned", tr: "withdraw", from: "registered", actor: RolePetitioner, in: TransitionInput{ActorID: "p1"},
			guard: "withdrawal_signed", code: EINVALID, field: "document"},
		{name: "after the reply", tr: "withdraw", from: "replied", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1", Document: "w"}, code: ECONFLICT},

		// accept
		{name: "ok", tr: "accept", from: "registered", actor: RoleTownship,
			in: lcIn(lcTownship, TransitionInput{Manner: MannerInPerson, Document: "受理告知书-1"}), want: StateAccepted,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				now := lcT0.Add(time.Hour)
				if !c.AcceptedAt.Equal(now) || c.Decision == nil || c.Decision.Result != DecisionAccepted || c.Decision.DecidedBy != "official-3" {
					t.Errorf("accepted at %v, decision %+v", c.AcceptedAt, c.Decision)
				}
				// 2 March + 60 days = Friday 1 May
				deadlineIs(t, c, StepHandling, now, 60, lcDate(5, 1), lcDate(5, 1))
				notice(NoticeAccepted)(t, c, Transitioned{})
			}},
		{name: "by the receiver, late", tr: "accept", from: "transferred", actor: RoleDepartment,
			in: lcIn(lcDept, TransitionInput{Unit: "labour-bureau"}), after: 20 * lcDay, want: StateAccepted,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				// accepted Monday 23 March + 60 = Friday 22 May; Sunday-adjusted dues are tested below
				deadlineIs(t, c, StepHandling, lcT0.Add(21*lcDay), 60, lcDate(5, 22), lcDate(5, 22))
				if c.LeadUnit != "labour-bureau" || len(c.Notices) != 0 {
					t.Errorf("lead %s, notices %v", c.LeadUnit, c.Notices)
				}
			}},
		{name: "bad manner", tr: "accept", from: "registered", actor: RoleTownship,
			in: TransitionInput{Manner: "carrier pigeon"}, guard: "notice_manner", code: EINVALID, field: "manner"},

		// not_accept
		{name: "ok", tr: "not_accept", from: "registered", actor: RoleDispatcher,
			in:   TransitionInput{ActorID: "dispatch-1", ReasonCode: "civil_dispute", Reason: "应向法院起诉", Manner: MannerInPerson},
			want: StateNotAccepted, check: func(t *testing.T, c *Petition, _ Transitioned) {
				if d := c.Decision; d == nil || d.Result != DecisionNotAccepted || d.ReasonCode != "civil_dispute" || d.Reason == "" {
					t.Errorf("decision %+v", d)
				}
				notice(NoticeNotAccepted)(t, c, Transitioned{})
			}},
		{name: "no reason code", tr: "not_accept", from: "transferred", actor: RoleDepartment, in: lcDept,
			guard: "reason_code", code: EINVALID, field: "reason_code"},
		{name: "unknown reason code", tr: "not_accept", from: "registered", actor: RoleTownship,
			in: TransitionInput{ReasonCode: "too_busy"}, guard: "reason_code", code: EINVALID, field: "reason_code"},
		{name: "bad manner", tr: "not_accept", from: "registered", actor: RoleTownship,
			in: TransitionInput{ReasonCode: "civil_dispute", Manner: "fax"}, guard: "notice_manner", code: EINVALID, field: "manner"},

		// transfer
		{name: "ok", tr: "transfer", from: "registered", actor: RoleDispatcher,
			in: TransitionInput{ActorID: "dispatch-1", Unit: "labour-bureau", TransferType: TransferForward}, after: 4 * lcDay,
			want: StateTransferred, check: func(t *testing.T, c *Petition, done Transitioned) {
				now := lcT0.Add(4 * lcDay)
				if c.LeadUnit != "labour-bureau" || len(c.Transfers) != 1 || c.Transfers[0].From != "township-3" ||
					c.Transfers[0].Type != TransferForward {
					t.Errorf("lead %s, transfers %+v", c.LeadUnit, c.Transfers)
				}
				// Friday 6 March + 15 = Saturday 21 March; objection: 5 working days = Friday 13 March
				deadlineIs(t, c, StepAcceptance, now, 15, lcDate(3, 21), lcDate(3, 21))
				deadlineIs(t, c, StepObjection, now, 5, lcDate(3, 13), lcDate(3, 13))
				if len(done.Deadlines) != 2 {
					t.Errorf("reported deadlines %+v", done.Deadlines)
				}
			}},
		{name: "no unit", tr: "transfer", from: "registered", actor: RoleTownship,
			in: TransitionInput{TransferType: TransferAssign}, guard: "receiving_unit", code: EINVALID, field: "unit"},
		{name: "to itself", tr: "transfer", from: "registered", actor: RoleTownship,
			in: TransitionInput{Unit: "township-3", TransferType: TransferAssign}, guard: "receiving_unit", code: EINVALID, field: "unit"},
		{name: "no type", tr: "transfer", from: "registered", actor: RoleTownship,
			in: TransitionInput{Unit: "labour-bureau"}, guard: "receiving_unit", code: EINVALID, field: "transfer_type"},

		// object
		{name: "ok", tr: "object", from: "transferred", actor: RoleDepartment,
			in: lcIn(lcDept, TransitionInput{Reason: "不属本部门职责"}), after: 4 * lcDay, want: StateRegistered,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.LeadUnit != "township-3" || c.Transfers[0].ObjectionReason == "" || c.Transfers[0].ObjectedAt.IsZero() {
					t.Errorf("lead %s, transfers %+v", c.LeadUnit, c.Transfers)
				}
				if _, ok := c.Deadlines[StepObjection]; ok {
					t.Error("the objection deadline outlived the objection")
				}
				deadlineIs(t, c, StepAcceptance, lcT0.Add(-lcDay), 15, lcDate(3, 16), lcDate(3, 16))
			}},
		{name: "no reason", tr: "object", from: "transferred", actor: RoleDepartment, in: lcDept,
			guard: "objection_reason", code: EINVALID, field: "reason"},
		{name: "too late", tr: "object", from: "transferred", actor: RoleDepartment,
			in: lcIn(lcDept, TransitionInput{Reason: "不属本部门职责"}), after: 8 * lcDay,
			guard: "objection_window", code: EDEADLINE},

		// divert
		{name: "ok", tr: "divert", from: "in_progress", actor: RoleDepartment,
			in: lcIn(lcDept, TransitionInput{Route: "litigation", LinkedCase: "case-9"}), want: StateDiverted,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if d := c.Decision; d == nil || d.Result != DecisionDiverted || d.Route != "litigation" {
					t.Errorf("decision %+v", d)
				}
				if len(c.Links) != 1 || c.Links[0] != (Link{Kind: LinkDiverted, CaseID: "case-9"}) {
					t.Errorf("links %+v", c.Links)
				}
			}},
		{name: "unknown route", tr: "divert", from: "registered", actor: RoleDispatcher,
			in: TransitionInput{Route: "petition again"}, guard: "route", code: EINVALID, field: "route"},

		// start
		{name: "ok", tr: "start", from: "accepted", actor: RoleDepartment,
			in: lcIn(lcDept, TransitionInput{Unit: "labour-bureau", Owner: "leader-2"}), want: StateInProgress,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.LeadUnit != "labour-bureau" || c.Owner != "leader-2" {
					t.Errorf("lead %s, owner %s", c.LeadUnit, c.Owner)
				}
			}},
		{name: "no owner", tr: "start", from: "accepted", actor: RoleTownship, in: lcTownship,
			guard: "lead_and_owner", code: EINVALID, field: "owner"},
		{name: "no lead unit", tr: "start", from: "accepted", actor: RoleTownship, in: TransitionInput{Owner: "leader-1"},
			mut: func(c *Petition) { c.LeadUnit = "" }, guard: "lead_and_owner", code: EINVALID, field: "unit"},

		// extend
		{name: "ok", tr: "extend", from: "in_progress", actor: RoleLeader,
			in: TransitionInput{ActorID: "leader-1", Days: 30, Reason: "需多部门核查", Manner: MannerInPerson}, want: StateInProgress,
			check: func(t *testing.T, c *Petition, done Transitioned) {
				x := c.Extension
				if x == nil || x.Days != 30 || x.ApprovedBy != "leader-1" || x.Reason == "" {
					t.Errorf("extension %+v", x)
				}
				// accepted 4 March: 60 days → Sunday 3 May (adjusted Monday 4 May), 90 days → Tuesday 2 June
				accepted := lcT0.Add(2 * lcDay)
				deadlineIs(t, c, StepHandling, accepted, 60, lcDate(5, 3), lcDate(5, 4))
				deadlineIs(t, c, StepHandlingExtended, accepted, 90, lcDate(6, 2), lcDate(6, 2))
				if len(done.Deadlines) != 1 || done.Deadlines[0].Step != StepHandlingExtended {
					t.Errorf("reported deadlines %+v", done.Deadlines)
				}
				notice(NoticeExtension)(t, c, done)
			}},
		{name: "last day, adjusted", tr: "extend", from: "in_progress", actor: RoleLeader,
			in: TransitionInput{ActorID: "leader-1", Days: 1, Reason: "r"}, after: 60*lcDay - time.Hour, want: StateInProgress},
		{name: "twice", tr: "extend", from: "extended", actor: RoleLeader,
			in: TransitionInput{ActorID: "leader-1", Days: 5, Reason: "again"}, guard: "not_extended", code: EDEADLINE},
		{name: "zero days", tr: "extend", from: "in_progress", actor: RoleLeader,
			in: TransitionInput{ActorID: "leader-1", Reason: "r"}, guard: "extension_days", code: EINVALID, field: "days"},
		{name: "31 days", tr: "extend", from: "in_progress", actor: RoleLeader,
			in: TransitionInput{ActorID: "leader-1", Days: 31, Reason: "r"}, guard: "extension_days", code: EDEADLINE},
		{name: "no reason", tr: "extend", from: "in_progress", actor: RoleLeader,
			in: TransitionInput{ActorID: "leader-1", Days: 10}, guard: "extension_reason", code: EINVALID, field: "reason"},
		{name: "no approver", tr: "extend", from: "in_progress", actor: RoleLeader,
			in: TransitionInput{Days: 10, Reason: "r"}, guard: "approved_by_head", code: EINVALID, field: "actor_id"},
		{name: "after the due date", tr: "extend", from: "in_progress", actor: RoleLeader,
			in: TransitionInput{ActorID: "leader-1", Days: 10, Reason: "r"}, after: 61 * lcDay,
			guard: "before_handling_due", code: EDEADLINE},
		{name: "bad manner", tr: "extend", from: "in_progress", actor: RoleLeader,
			in:    TransitionInput{ActorID: "leader-1", Days: 10, Reason: "r", Manner: "telepathy"},
			guard: "notice_manner", code: EINVALID, field: "manner"},

		// reply
		{name: "ok", tr: "reply", from: "in_progress", actor: RoleDepartment,
			in: lcIn(lcDept, TransitionInput{Outcome: OutcomeExplain, Text: "已说明政策", Manner: MannerInPerson}), want: StateReplied,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				now := lcT0.Add(3*lcDay + time.Hour)
				if r := c.Reply; r == nil || r.Outcome != OutcomeExplain || !r.ServedAt.Equal(now) || !c.RepliedAt.Equal(now) {
					t.Errorf("reply %+v at %v", r, c.RepliedAt)
				}
				// Thursday 5 March + 30 = Saturday 4 April
				deadlineIs(t, c, StepReviewRequest, now, 30, lcDate(4, 4), lcDate(4, 4))
				notice(NoticeReply)(t, c, Transitioned{})
			}},
		{name: "no outcome", tr: "reply", from: "in_progress", actor: RoleTownship, in: lcTownship,
			guard: "outcome", code: EINVALID, field: "outcome"},
		{name: "bad manner", tr: "reply", from: "in_progress", actor: RoleTownship,
			in: TransitionInput{Outcome: OutcomeReject, Manner: "x"}, guard: "notice_manner", code: EINVALID, field: "manner"},

		// request_review: replied Thursday 12 March, window to Saturday 11 April
		{name: "ok", tr: "request_review", from: "replied", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1", Unit: "county-gov"}, want: StateReviewRequested,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				now := lcT0.Add(10*lcDay + time.Hour)
				if len(c.Reviews) != 1 || c.Reviews[0].Level != LevelReview || c.Reviews[0].Organ != "county-gov" {
					t.Errorf("reviews %+v", c.Reviews)
				}
				deadlineIs(t, c, StepReview, now, 30, lcDate(4, 11), lcDate(4, 11))
			}},
		{name: "last evening of the window", tr: "request_review", from: "replied", actor: RoleProxy,
			in: TransitionInput{ActorID: "proxy-7"}, after: 30*lcDay + 14*time.Hour, want: StateReviewRequested},
		{name: "closed by settlement, in the window", tr: "request_review", from: "closed", actor: RoleDepartment,
			in: lcDept, want: StateReviewRequested, check: func(t *testing.T, c *Petition, _ Transitioned) {
				if c.Settled || !c.ClosedAt.IsZero() {
					t.Errorf("reopened case: settled %v, closed at %v", c.Settled, c.ClosedAt)
				}
			}},
		{name: "anonymous", tr: "request_review", from: "replied", actor: RolePetitioner, in: TransitionInput{ActorID: "p1"},
			mut: func(c *Petition) { c.Anonymous = true }, guard: "identified", code: EINVALID, field: "anonymous"},
		{name: "second 复查", tr: "request_review", from: "closed_after_review", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1"}, guard: "first_review", code: ECONFLICT},
		{name: "after the window", tr: "request_review", from: "replied", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1"}, after: 31 * lcDay, guard: "review_window", code: EDEADLINE},

		// answer_review
		{name: "ok", tr: "answer_review", from: "review_requested", actor: RoleDispatcher,
			in:   TransitionInput{ActorID: "dispatch-1", Outcome: OutcomeReject, Manner: MannerInPerson, Document: "复查意见书-1"},
			want: StateReviewAnswered, check: func(t *testing.T, c *Petition, _ Transitioned) {
				now := lcT0.Add(12*lcDay + time.Hour)
				if r := c.Reviews[0]; !r.AnsweredAt.Equal(now) || r.Outcome != OutcomeReject || r.Document == "" {
					t.Errorf("review %+v", r)
				}
				// Saturday 14 March + 30 = Monday 13 April
				deadlineIs(t, c, StepRecheckRequest, now, 30, lcDate(4, 13), lcDate(4, 13))
				notice(NoticeReview)(t, c, Transitioned{})
			}},
		{name: "no outcome", tr: "answer_review", from: "review_requested", actor: RoleDepartment, in: lcDept,
			guard: "outcome", code: EINVALID, field: "outcome"},
		{name: "bad manner", tr: "answer_review", from: "review_requested", actor: RoleDepartment,
			in: TransitionInput{Outcome: OutcomeSupport, Manner: "x"}, guard: "notice_manner", code: EINVALID, field: "manner"},

		// request_recheck: 复查 answered Sunday 22 March, window to Tuesday 21 April
		{name: "ok", tr: "request_recheck", from: "review_answered", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1", Unit: "city-gov"}, want: StateRecheckRequested,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				now := lcT0.Add(20*lcDay + time.Hour)
				if len(c.Reviews) != 2 || c.Reviews[1].Level != LevelRecheck || c.Reviews[1].Organ != "city-gov" {
					t.Errorf("reviews %+v", c.Reviews)
				}
				deadlineIs(t, c, StepRecheck, now, 30, lcDate(4, 21), lcDate(4, 21))
			}},
		{name: "closed by settlement, in the window", tr: "request_recheck", from: "closed_after_review", actor: RoleProxy,
			in: TransitionInput{ActorID: "proxy-7"}, want: StateRecheckRequested},
		{name: "anonymous", tr: "request_recheck", from: "review_answered", actor: RolePetitioner,
			mut: func(c *Petition) { c.Anonymous = true }, guard: "identified", code: EINVALID, field: "anonymous"},
		{name: "without a 复查", tr: "request_recheck", from: "closed", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1"}, guard: "review_answered", code: ECONFLICT},
		{name: "after the window", tr: "request_recheck", from: "review_answered", actor: RolePetitioner,
			in: TransitionInput{ActorID: "p1"}, after: 31 * lcDay, guard: "recheck_window", code: EDEADLINE},

		// hold_hearing: 复核 requested Tuesday 24 March, due Thursday 23 April
		{name: "ok", tr: "hold_hearing", from: "recheck_requested", actor: RoleDepartment,
			in: lcIn(lcDept, TransitionInput{Days: 3}), want: StateRecheckRequested,
			check: func(t *testing.T, c *Petition, done Transitioned) {
				requested := lcT0.Add(22 * lcDay)
				if c.Reviews[1].HearingDays != 3 {
					t.Errorf("hearing days %d", c.Reviews[1].HearingDays)
				}
				// 33 days → Sunday 26 April, adjusted Monday 27 April
				deadlineIs(t, c, StepRecheck, requested, 33, lcDate(4, 26), lcDate(4, 27))
				if len(done.Deadlines) != 1 {
					t.Errorf("reported deadlines %+v", done.Deadlines)
				}
			}},
		{name: "no days", tr: "hold_hearing", from: "recheck_requested", actor: RoleDispatcher,
			guard: "hearing_days", code: EINVALID, field: "days"},

		// answer_recheck
		{name: "ok", tr: "answer_recheck", from: "recheck_requested", actor: RoleDispatcher,
			in: TransitionInput{ActorID: "dispatch-1", Outcome: OutcomeReject, Manner: MannerInPerson}, want: StateTerminated,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if r := c.Reviews[1]; r.AnsweredAt.IsZero() || r.Outcome != OutcomeReject {
					t.Errorf("recheck %+v", r)
				}
				notice(NoticeRecheck)(t, c, Transitioned{})
			}},
		{name: "no outcome", tr: "answer_recheck", from: "recheck_requested", actor: RoleDispatcher,
			guard: "outcome", code: EINVALID, field: "outcome"},
		{name: "bad manner", tr: "answer_recheck", from: "recheck_requested", actor: RoleDispatcher,
			in: TransitionInput{Outcome: OutcomeReject, Manner: "x"}, guard: "notice_manner", code: EINVALID, field: "manner"},

		// close
		{name: "settled", tr: "close", from: "replied", actor: RoleLeader, in: TransitionInput{ActorID: "leader-1", Settled: true},
			want: StateClosed, check: func(t *testing.T, c *Petition, _ Transitioned) {
				if !c.Settled || c.ClosedAt.IsZero() {
					t.Errorf("settled %v, closed %v", c.Settled, c.ClosedAt)
				}
			}},
		{name: "window lapsed", tr: "close", from: "replied", actor: RoleTownship, in: lcTownship, after: 31 * lcDay,
			want: StateClosed},
		{name: "复核 window lapsed", tr: "close", from: "review_answered", actor: RoleDispatcher, after: 31 * lcDay,
			want: StateClosed},
		{name: "window open", tr: "close", from: "replied", actor: RoleTownship, in: lcTownship,
			guard: "window_lapsed_or_settled", code: EDEADLINE},
		{name: "复核 window open", tr: "close", from: "review_answered", actor: RoleDispatcher,
			guard: "window_lapsed_or_settled", code: EDEADLINE},

		// archive
		{name: "terminated", tr: "archive", from: "terminated", actor: RoleDispatcher,
			in: TransitionInput{ActorID: "dispatch-1", DossierNo: "2026-XF-0001"}, want: StateArchived,
			check: func(t *testing.T, c *Petition, _ Transitioned) {
				if a := c.Archive; a == nil || a.DossierNo != "2026-XF-0001" || a.ArchivedBy != "dispatch-1" || c.ArchivedAt.IsZero() {
					t.Errorf("archive %+v at %v", a, c.ArchivedAt)
				}
			}},
		{name: "not accepted", tr: "archive", from: "not_accepted", actor: RoleTownship, in: TransitionInput{DossierNo: "d"}, want: StateArchived},
		{name: "diverted", tr: "archive", from: "diverted", actor: RoleDepartment, in: TransitionInput{DossierNo: "d"}, want: StateArchived},
		{name: "withdrawn", tr: "archive", from: "withdrawn", actor: RoleTownship, in: TransitionInput{DossierNo: "d"}, want: StateArchived},
		{name: "closed, window lapsed", tr: "archive", from: "closed", actor: RoleTownship, in: TransitionInput{DossierNo: "d"},
			after: 30 * lcDay, want: StateArchived},
		{name: "no dossier number", tr: "archive", from: "terminated", actor: RoleDispatcher,
			guard: "dossier_no", code: EINVALID, field: "dossier_no"},
		{name: "closed, window open", tr: "archive", from: "closed", actor: RoleTownship, in: TransitionInput{DossierNo: "d"},
			guard: "window_lapsed", code: EDEADLINE},
	}
}

func TestPetitionLifecycleTransitions(t *testing.T) {
	lc := PetitionLifecycle(fakeDays{}, nil)
	lcRun(t, lc, lcPetition, petitionFixtures(), petitionRows())
}

func TestPetitionLifecycleCoverage(t *testing.T) {
	lcCoverage(t, PetitionLifecycle(fakeDays{}, nil), petitionRows())
}

func TestPetitionLifecycleRolesAndStates(t *testing.T) {
	lcAllStates(t, PetitionLifecycle(fakeDays{}, nil), lcPetition)
}

func TestLifecycleCheck(t *testing.T) {
	for _, lc := range []*Lifecycle{PetitionLifecycle(fakeDays{}, nil), MediationLifecycle(fakeDays{}, nil)} {
		if err := lc.Check(); err != nil {
			t.Errorf("%s: %v", lc.Name, err)
		}
		reached := map[State]bool{lc.Initial: true}
		for range lc.States {
			for _, tr := range lc.Transitions {
				if slices.ContainsFunc(tr.From, func(s State) bool { return reached[s] }) {
					reached[tr.To] = true
				}
			}
		}
		for _, s := range lc.States {
			if !reached[s] {
				t.Errorf("%s: state %s cannot be reached", lc.Name, s)
			}
			leaves := slices.ContainsFunc(lc.Transitions, func(tr Transition) bool { return slices.Contains(tr.From, s) })
			if leaves != (s != StateArchived) {
				t.Errorf("%s: state %s: has a way out = %v", lc.Name, s, leaves)
			}
		}
	}
	broken := []func(*Lifecycle){
		func(l *Lifecycle) { l.Initial = "nowhere" },
		func(l *Lifecycle) { l.Inactive = append(l.Inactive, l.Initial) },
		func(l *Lifecycle) { l.Inactive = append(l.Inactive, "gone") },
		func(l *Lifecycle) { l.Timers["limbo"] = StepHandling },
		func(l *Lifecycle) { l.Timers[StateDraft] = "nap" },
		func(l *Lifecycle) { l.Transitions = append(l.Transitions, l.Transitions[0]) },
		func(l *Lifecycle) { l.Transitions[0].Roles = nil },
		func(l *Lifecycle) { l.Transitions[0].To = "limbo" },
		func(l *Lifecycle) { l.Transitions[0].Guards = append(l.Transitions[0].Guards, Guard{Name: "nil"}) },
	}
	for i, b := range broken {
		lc := PetitionLifecycle(fakeDays{}, nil)
		b(lc)
		if ErrorCode(lc.Check()) != EINTERNAL {
			t.Errorf("broken lifecycle %d passes Check", i)
		}
	}
}

func TestLifecycleApplyErrors(t *testing.T) {
	lc := PetitionLifecycle(fakeDays{}, nil)

	c := lcPetition()
	c.State = StateInProgress
	before := c.Clone()
	_, err := lc.Apply(c, "approve", RoleTownship, TransitionInput{}, lcT0)
	if ErrorCode(err) != EINVALID || !slices.Equal(ErrorAllowed(err), []string{"withdraw", "divert", "reply"}) {
		t.Errorf("unknown transition: %v", err)
	}

	_, err = lc.Apply(c, "accept", RoleTownship, TransitionInput{}, lcT0)
	if ErrorCode(err) != ECONFLICT || !strings.Contains(err.Error(), "allowed: withdraw, divert, reply") {
		t.Errorf("invalid transition: %v", err)
	}
	_, err = lc.Apply(c, "accept", RoleAuditor, TransitionInput{}, lcT0)
	if ErrorCode(err) != EFORBIDDEN {
		t.Errorf("auditor: %v", err)
	}
	m := lcMediation()
	if _, err := lc.Apply(m, "register", RoleTownship, TransitionInput{}, lcT0); ErrorCode(err) != EINTERNAL {
		t.Errorf("mediation on the petition lifecycle: %v", err)
	}
	if !reflect.DeepEqual(c, before) {
		t.Error("refused transitions changed the case")
	}

	// A lifecycle without a day counter cannot set deadlines, and says so.
	bare := PetitionLifecycle(nil, nil)
	c = lcPetition()
	if _, err := bare.Apply(c, "register", RoleTownship, TransitionInput{}, lcT0); ErrorCode(err) != EINTERNAL {
		t.Errorf("no day counter: %v", err)
	}
	if c.State != StateDraft || !c.RegisteredAt.IsZero() {
		t.Errorf("failed effect changed the case: %s %v", c.State, c.RegisteredAt)
	}
	// Nor without the period.
	periods := DefaultPeriods()
	delete(periods, StepAcceptance)
	c = lcPetition()
	if _, err := PetitionLifecycle(fakeDays{}, periods).Apply(c, "register", RoleTownship, TransitionInput{}, lcT0); ErrorCode(err) != EINTERNAL {
		t.Errorf("no period: %v", err)
	}
}

func TestLifecycleAllowed(t *testing.T) {
	lc := PetitionLifecycle(fakeDays{}, nil)
	c := lcPetition()
	for _, tc := range []struct {
		state State
		role  Role
		want  []string
	}{
		{StateDraft, RoleTownship, []string{"register", "withdraw"}},
		{StateDraft, RolePetitioner, []string{"withdraw"}},
		{StateRegistered, RoleDispatcher, []string{"withdraw", "not_accept", "transfer", "divert"}},
		{StateRegistered, RoleTownship, []string{"withdraw", "accept", "not_accept", "transfer", "divert"}},
		{StateInProgress, RoleLeader, []string{"extend"}},
		{StateReplied, RolePetitioner, []string{"request_review"}},
		{StateClosed, RolePetitioner, []string{"request_review", "request_recheck"}},
		{StateClosed, RoleDispatcher, []string{"request_review", "request_recheck", "archive"}},
		{StateArchived, RoleDispatcher, nil},
		{StateRegistered, RoleAuditor, nil},
		{StateRegistered, RoleAdministrator, nil},
	} {
		c.State = tc.state
		if got := lc.Allowed(c, tc.role); !slices.Equal(got, tc.want) {
			t.Errorf("%s for %s: %v; want %v", tc.state, tc.role, got, tc.want)
		}
	}
}

func TestLifecycleOverdue(t *testing.T) {
	lc := PetitionLifecycle(fakeDays{}, nil)
	f := petitionFixtures()

	// Registered on 2 March after receipt on 1 March: due Monday 16 March.
	c, _ := lcBuild(t, lc, lcPetition(), f["registered"])
	if d, ok := lc.Due(c); !ok || d.Step != StepAcceptance {
		t.Fatalf("due %+v %v", d, ok)
	}
	if lc.Overdue(c, time.Date(2026, 3, 16, 23, 59, 0, 0, time.UTC)) {
		t.Error("overdue on the due day")
	}
	if !lc.Overdue(c, lcDate(3, 17)) {
		t.Error("not overdue the day after")
	}

	// Handling nominally due Sunday 3 May is adjusted to Monday 4 May.
	c, _ = lcBuild(t, lc, lcPetition(), f["in_progress"])
	if lc.Overdue(c, time.Date(2026, 5, 4, 20, 0, 0, 0, time.UTC)) || !lc.Overdue(c, lcDate(5, 5)) {
		t.Error("handling: the adjusted day is not the last day")
	}
	// Once extended, the extended deadline runs.
	c, _ = lcBuild(t, lc, lcPetition(), f["extended"])
	if d, _ := lc.Due(c); d.Step != StepHandlingExtended || lc.Overdue(c, lcDate(5, 5)) || !lc.Overdue(c, lcDate(6, 3)) {
		t.Errorf("extended: due %+v", d)
	}

	// No deadline runs while the petitioner may ask for 复查, nor when closed.
	for _, key := range []string{"replied", "closed", "terminated"} {
		c, _ = lcBuild(t, lc, lcPetition(), f[key])
		if _, ok := lc.Due(c); ok || lc.Overdue(c, lcDate(12, 31)) {
			t.Errorf("%s: a deadline runs", key)
		}
	}
	// An inactive state is never overdue, whatever deadlines it holds.
	c, _ = lcBuild(t, lc, lcPetition(), f["in_progress"])
	c.State = StateWithdrawn
	if lc.Overdue(c, lcDate(12, 31)) {
		t.Error("a withdrawn case is overdue")
	}
}

// TestPetitionLifecycleWithCalendar runs a registration against the real
// calendar: received before the 2026 Labour Day holiday.
func TestPetitionLifecycleWithCalendar(t *testing.T) {
	lc := PetitionLifecycle(DefaultCalendar(), nil)
	c := lcPetition()
	c.ReceivedAt = time.Date(2026, 4, 20, 10, 0, 0, 0, ChinaTime)
	if _, err := lc.Apply(c, "register", RoleTownship, TransitionInput{ActorID: "official-3"}, c.ReceivedAt); err != nil {
		t.Fatal(err)
	}
	d := c.Deadlines[StepAcceptance]
	nominal, adjusted := DefaultCalendar().AddDays(c.ReceivedAt, 15)
	if !d.Nominal.Equal(nominal) || !d.Adjusted.Equal(adjusted) || d.Nominal.After(d.Adjusted) {
		t.Errorf("deadline %+v; calendar says %v, %v", d, nominal, adjusted)
	}
}

// TestLifecycleRobust forces every source state of every transition onto
// bare cases, without the records a real history would have left, and
// applies it with empty and with full input: Apply must never panic, and a
// refused transition must leave the case as it was.
func TestLifecycleRobust(t *testing.T) {
	full := TransitionInput{
		ActorID: "m1", Reason: "r", ReasonCode: "civil_dispute", Route: "litigation", LinkedCase: "c9",
		Outcome: OutcomeSupport, Text: "t", Document: "d", Manner: MannerMail, Unit: "u", TransferType: TransferForward,
		Owner: "o", Days: 3, Settled: true, DossierNo: "n", MediatorID: "m1", PartyID: "p1",
		PartyIDs: []string{"p1", "r1"}, SignManner: SignSeal, Agreement: lcAgreement(FormWritten), Court: "c", RulingNo: "r",
	}
	for _, tc := range []struct {
		lc   *Lifecycle
		base func() *Petition
	}{
		{PetitionLifecycle(fakeDays{}, nil), lcPetition},
		{MediationLifecycle(fakeDays{}, nil), lcMediation},
	} {
		for _, tr := range tc.lc.Transitions {
			for _, s := range tr.From {
				for _, role := range tr.Roles {
					for _, in := range []TransitionInput{{}, full} {
						c := tc.base()
						c.State = s
						before := c.Clone()
						func() {
							defer func() {
								if r := recover(); r != nil {
									t.Errorf("%s from %s by %s: panic %v", tr.Name, s, role, r)
								}
							}()
							if _, err := tc.lc.Apply(c, tr.Name, role, in, lcT0); err != nil && !reflect.DeepEqual(c, before) {
								t.Errorf("%s from %s by %s: refused (%v) but changed the case", tr.Name, s, role, err)
							}
						}()
					}
				}
			}
		}
	}
}
