package casework_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/sqlite"
)

var china = time.FixedZone("CST", 8*3600)

// fixture is a demo county in a SQLite ledger and a service over it whose
// clock the test sets.
type fixture struct {
	store *sqlite.DB
	svc   *casework.Service
	ps    *demo.People

	mu  sync.Mutex
	now time.Time
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := demo.Config{Seed: 3, Cases: 40}
	if _, err := demo.Load(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: db, ps: demo.NewPeople(cfg.Seed), now: time.Date(2026, 11, 2, 9, 0, 0, 0, china)}
	f.svc = casework.New(db, casework.Config{Now: f.clock})
	return f
}

// actor returns the demo person id as the access rules see him.
func (f *fixture) actor(t *testing.T, id string) petitions.Actor {
	t.Helper()
	p, err := f.store.Person(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.Actor()
}

func code(err error) string { return petitions.ErrorCode(err) }

// claim is a new 申诉求决 from a village of the first township.
func claim() *petitions.Petition {
	return &petitions.Petition{
		Kind: petitions.KindPetition, Class: petitions.ClassClaim, Category: "wage_arrears",
		Channel: petitions.ChannelVisit, Medium: petitions.MediumVideo,
		StationID: demo.StationID(demo.VillageID(0, 0)), Village: demo.VillageID(0, 0),
		Parties: []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "王秀英",
			Contact: petitions.Contact{Phone: "13800001234", Address: "富裕镇某村"}}},
		Request: "讨要拖欠工资12000元", Facts: "在某工地务工三个月未获工资",
		// What only the server writes is ignored:
		ID: "chosen-by-client", CaseNo: "X-1", State: petitions.StateClosed, Owner: "someone",
	}
}

func TestRegister(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)

	v, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	if v.ID == "chosen-by-client" || v.CaseNo == "X-1" || v.Owner != "" || v.FiledBy != official.ID {
		t.Errorf("server fields taken from the client: id %q no %q owner %q filed by %q", v.ID, v.CaseNo, v.Owner, v.FiledBy)
	}
	if v.State != petitions.StateRegistered || v.LeadUnit != demo.TownshipID(0) || len(v.QueryCode) != 6 {
		t.Errorf("registered case: state %s, lead %s, query code %q", v.State, v.LeadUnit, v.QueryCode)
	}
	if d, ok := v.Deadlines[petitions.StepAcceptance]; !ok || v.Due == nil || !d.Adjusted.Equal(v.Due.Adjusted) {
		t.Errorf("acceptance deadline not running: %+v, due %+v", v.Deadlines, v.Due)
	}
	if !slices.Contains(v.Allowed, "accept") || !slices.Contains(v.Allowed, "transfer") {
		t.Errorf("allowed = %v", v.Allowed)
	}
	// The serial follows the demo's cases of the year, and the next case
	// takes the next number.
	w, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.CaseNo, demo.CountyCode+"-2026-") || w.CaseNo <= v.CaseNo {
		t.Errorf("case numbers %s then %s", v.CaseNo, w.CaseNo)
	}
	if _, err := f.store.PetitionByNumber(ctx, v.CaseNo); err != nil {
		t.Errorf("stored under its number: %v", err)
	}
	// A fresh service (a restart) finds the last number in the store.
	again := casework.New(f.store, casework.Config{Now: f.clock})
	x, err := again.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	if x.CaseNo <= w.CaseNo {
		t.Errorf("after a restart the number %s does not follow %s", x.CaseNo, w.CaseNo)
	}

	// A proxy files; the case waits as a draft for an official.
	proxy := f.actor(t, f.ps.Proxies[0].ID)
	c := claim()
	c.ProxyLevel, c.OnBehalfOf, c.ConsentRef = petitions.ProxyVillage, "p1", "consent-2026-001"
	d, err := f.svc.Register(ctx, proxy, c)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != petitions.StateDraft {
		t.Errorf("proxy filing state = %s, want draft", d.State)
	}
	if _, err := f.svc.Transition(ctx, official, d.ID, casework.TransitionRequest{Name: "register"}); err != nil {
		t.Errorf("the official registers the draft: %v", err)
	}

	// Bad input changes nothing.
	bad := claim()
	bad.Category, bad.LeadUnit, bad.Request = "astrology", "nowhere", ""
	_, err = f.svc.Register(ctx, official, bad)
	var pe *petitions.Error
	if code(err) != petitions.EINVALID || !errorsAs(err, &pe) || pe.Fields["category"] == "" || pe.Fields["lead_unit"] == "" {
		t.Errorf("bad case: %v", err)
	}
	admin := f.actor(t, "admin.fuyu")
	if _, err := f.svc.Register(ctx, admin, claim()); code(err) != petitions.EFORBIDDEN {
		t.Errorf("administrator registers: %v", err)
	}
}

func errorsAs(err error, pe **petitions.Error) bool {
	e, ok := err.(*petitions.Error)
	*pe = e
	return ok
}

func TestTransitionsAndReads(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	v, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	// Not possible from registered: 409 with what is.
	_, err = f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "reply"})
	if e, ok := err.(*petitions.Error); !ok || e.Code != petitions.ECONFLICT || !slices.Contains(e.Allowed, "accept") {
		t.Fatalf("reply on a registered case: %v", err)
	}
	if _, err := f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "levitate"}); code(err) != petitions.EINVALID {
		t.Errorf("unknown transition: %v", err)
	}
	a, err := f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "accept", Version: v.Version,
		Input: petitions.TransitionInput{Manner: petitions.MannerInPerson, ActorID: "forged"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.State != petitions.StateAccepted || a.Version != v.Version+1 || a.Decision.DecidedBy != official.ID {
		t.Errorf("accepted: state %s version %d decided by %q", a.State, a.Version, a.Decision.DecidedBy)
	}
	if _, err := f.svc.Transition(ctx, official, v.ID, casework.TransitionRequest{Name: "start", Version: v.Version}); code(err) != petitions.ECONFLICT {
		t.Errorf("stale version: %v", err)
	}
	// Another township's official does not know the case exists.
	other := f.actor(t, f.ps.TownshipOfficials(1)[0].ID)
	if _, err := f.svc.Case(ctx, other, v.ID); code(err) != petitions.ENOTFOUND {
		t.Errorf("other township reads: %v", err)
	}
	if _, err := f.svc.Transition(ctx, other, v.ID, casework.TransitionRequest{Name: "start"}); code(err) != petitions.ENOTFOUND {
		t.Errorf("other township acts: %v", err)
	}
	// The auditor reads and cannot act; his reads are logged.
	auditor := f.actor(t, "auditor.fuyu")
	if _, err := f.svc.Case(ctx, auditor, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.History(ctx, auditor, v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Transition(ctx, auditor, v.ID, casework.TransitionRequest{Name: "start"}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("auditor acts: %v", err)
	}
	reads, err := f.svc.AccessLog(ctx, auditor, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	var whats []string
	for _, e := range reads {
		var r struct{ What string }
		_ = json.Unmarshal(e.Data, &r)
		if e.Actor != auditor.ID {
			t.Errorf("read logged for %s", e.Actor)
		}
		whats = append(whats, r.What)
	}
	if !slices.Equal(whats, []string{"case", "history"}) {
		t.Errorf("logged reads = %v", whats)
	}
	if _, err := f.svc.AccessLog(ctx, official, v.ID); code(err) != petitions.EFORBIDDEN {
		t.Errorf("official reads the access log: %v", err)
	}
	rep, err := f.svc.Verify(ctx, auditor, nil)
	if err != nil || !rep.OK() {
		t.Errorf("verify: %v %+v", err, rep.FirstBad)
	}
}

func TestDeadlineRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	leader := f.actor(t, f.ps.TownshipLeaders(0)[0].ID)
	v, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	steps := []casework.TransitionRequest{
		{Name: "accept", Input: petitions.TransitionInput{Manner: petitions.MannerInPerson}},
		{Name: "start", Input: petitions.TransitionInput{Unit: demo.TownshipID(0), Owner: leader.ID}},
	}
	for _, s := range steps {
		if _, err := f.svc.Transition(ctx, official, v.ID, s); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	// The handling period ran out 61 days later: an extension is refused
	// with 422.
	f.set(f.clock().AddDate(0, 0, 75))
	_, err = f.svc.Transition(ctx, leader, v.ID, casework.TransitionRequest{Name: "extend",
		Input: petitions.TransitionInput{Days: 30, Reason: "需要补充调查"}})
	if code(err) != petitions.EDEADLINE {
		t.Fatalf("extension after the deadline: %v", err)
	}
	cv, err := f.svc.Case(ctx, leader, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !cv.Overdue {
		t.Errorf("case past its handling deadline is not overdue")
	}
	page, err := f.svc.List(ctx, leader, casework.ListFilter{Overdue: true, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(page.Cases, func(s casework.CaseSummary) bool { return s.ID == v.ID && s.Overdue }) {
		t.Errorf("overdue list misses the case")
	}
}

func TestSuperviseAndSummon(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	dispatcher := f.actor(t, f.ps.Dispatchers[0].ID)
	v, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Supervise(ctx, official, v.ID, casework.SuperviseRequest{Reason: "x"}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("a township official supervises: %v", err)
	}
	if _, err := f.svc.Supervise(ctx, dispatcher, v.ID, casework.SuperviseRequest{}); code(err) != petitions.EINVALID {
		t.Errorf("supervision without reason: %v", err)
	}
	s, err := f.svc.Supervise(ctx, dispatcher, v.ID, casework.SuperviseRequest{Reason: "临近受理期限", Instruction: "三日内答复"})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Supervised || s.Supervisions[0].Due.Days != casework.SupervisionPeriod {
		t.Errorf("supervised %v, %+v", s.Supervised, s.Supervisions)
	}
	fb, err := f.svc.Feedback(ctx, official, v.ID, 0, casework.FeedbackRequest{Text: "已约谈用工单位", Adopted: true})
	if err != nil {
		t.Fatal(err)
	}
	if fb.Supervised {
		t.Errorf("still supervised after the feedback")
	}
	if _, err := f.svc.Feedback(ctx, official, v.ID, 0, casework.FeedbackRequest{Text: "again"}); code(err) != petitions.ECONFLICT {
		t.Errorf("second feedback: %v", err)
	}

	// The supervisor may set the answer's due date himself, from tomorrow
	// to 90 days ahead; a bad date changes nothing.
	today := petitions.ChinaDate(f.now)
	for _, bad := range []string{"2026-13-01", "01.12.2026", today.Format(time.DateOnly), today.AddDate(0, 0, 91).Format(time.DateOnly)} {
		if _, err := f.svc.Supervise(ctx, dispatcher, v.ID, casework.SuperviseRequest{Reason: "r", Due: bad}); code(err) != petitions.EINVALID {
			t.Errorf("due %s: %v", bad, err)
		}
	}
	due := today.AddDate(0, 0, 7)
	s, err = f.svc.Supervise(ctx, dispatcher, v.ID, casework.SuperviseRequest{Reason: "群众反映强烈", Due: due.Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Supervisions[len(s.Supervisions)-1].Due; len(s.Supervisions) != 2 || !got.Adjusted.Equal(due) || got.Days != 7 {
		t.Errorf("supervision due %+v, want %s (7 days); %d supervisions", got, due, len(s.Supervisions))
	}

	dept := demo.DeptID("renshe")
	if _, err := f.svc.Summon(ctx, dispatcher, v.ID, casework.SummonRequest{Level: "loud", Departments: []string{dept}}); code(err) != petitions.EINVALID {
		t.Errorf("unknown level: %v", err)
	}
	if _, err := f.svc.Summon(ctx, dispatcher, v.ID, casework.SummonRequest{Level: petitions.SummonQuick,
		Departments: []string{demo.TownshipID(1)}}); code(err) != petitions.EINVALID {
		t.Errorf("a township summoned as a department: %v", err)
	}
	sm, err := f.svc.Summon(ctx, official, v.ID, casework.SummonRequest{Level: petitions.SummonQuick, Departments: []string{dept}})
	if err != nil {
		t.Fatal(err)
	}
	if !sm.Summoned {
		t.Errorf("not summoned")
	}
	var staff petitions.Actor
	for _, p := range f.ps.Staff {
		if p.UnitID == dept {
			staff = f.actor(t, p.ID)
		}
	}
	if _, err := f.svc.Case(ctx, staff, v.ID); err != nil {
		t.Errorf("the summoned department cannot read the case: %v", err)
	}
	other := f.actor(t, f.ps.Staff[0].ID)
	if other.ID == staff.ID {
		other = f.actor(t, f.ps.Staff[1].ID)
	}
	if _, err := f.svc.ReportIn(ctx, other, v.ID, 0, dept, 0); code(err) != petitions.EFORBIDDEN {
		t.Errorf("another department reports in: %v", err)
	}
	r, err := f.svc.ReportIn(ctx, staff, v.ID, 0, dept, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Summoned {
		t.Errorf("still summoned after reporting in")
	}
	if _, err := f.svc.ReportIn(ctx, staff, v.ID, 0, dept, 0); code(err) != petitions.ECONFLICT {
		t.Errorf("reported twice: %v", err)
	}
}
