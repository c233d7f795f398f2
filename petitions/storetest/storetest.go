// Package storetest is the conformance suite of petitions.Store: every
// adapter runs Run against a fresh store of its own, so that SQLite and
// PostgreSQL keep exactly the same contract.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"hearingroom/petitions"
)

// Tamperer reaches a store's history table behind the store's back, as an
// intruder with SQL access would. An adapter's test wraps its store in one;
// Run skips the tamper tests for a store that is not a Tamperer.
type Tamperer interface {
	// TamperEvent runs a plain SQL UPDATE that sets column field (actor,
	// kind or data) of event seq to value. The store's guard must refuse it:
	// it returns the database's error, or nil if the row changed.
	TamperEvent(ctx context.Context, seq int64, field, value string) error
	// DeleteEvent runs a plain SQL DELETE of event seq; likewise refused.
	DeleteEvent(ctx context.Context, seq int64) error
	// ForceTamperEvent does what TamperEvent does with the guard lifted for
	// that one statement (dropped and restored in one transaction), and
	// returns an error only if it could not.
	ForceTamperEvent(ctx context.Context, seq int64, field, value string) error
}

// Run runs the suite. open returns a new, empty, migrated store for each
// subtest and arranges its cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) petitions.Store) {
	t.Run("Units", func(t *testing.T) { testUnits(t, open(t)) })
	t.Run("CreateGet", func(t *testing.T) { testCreateGet(t, open(t)) })
	t.Run("ByNumber", func(t *testing.T) { testByNumber(t, open(t)) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, open(t)) })
	t.Run("UpdateStale", func(t *testing.T) { testUpdateStale(t, open(t)) })
	t.Run("UpdateConcurrent", func(t *testing.T) { testUpdateConcurrent(t, open(t)) })
	t.Run("CreateWithFacts", func(t *testing.T) { testCreateWithFacts(t, open(t)) })
	t.Run("CreateConcurrent", func(t *testing.T) { testCreateConcurrent(t, open(t)) })
	t.Run("HistoryVerify", func(t *testing.T) { testHistoryVerify(t, open(t)) })
	t.Run("HistoryErrors", func(t *testing.T) { testHistoryErrors(t, open(t)) })
	t.Run("Tamper", func(t *testing.T) { testTamper(t, open(t)) })
	t.Run("List", func(t *testing.T) { testList(t, open(t)) })
	t.Run("WorklistFilters", func(t *testing.T) { testWorklistFilters(t, open(t)) })
	t.Run("WorklistCursor", func(t *testing.T) { testWorklistCursor(t, open(t)) })
	t.Run("WorklistScopeDemo", func(t *testing.T) { testWorklistScopeDemo(t, open(t)) })
	t.Run("WorklistUpdates", func(t *testing.T) { testWorklistUpdates(t, open(t)) })
	t.Run("FactsAggregate", func(t *testing.T) { testFactsAggregate(t, open(t)) })
	t.Run("FactsDemo", func(t *testing.T) { testFactsDemo(t, open(t)) })
	t.Run("SessionSaveGet", func(t *testing.T) { testSessionSaveGet(t, open(t)) })
	t.Run("SessionErrors", func(t *testing.T) { testSessionErrors(t, open(t)) })
	t.Run("SessionList", func(t *testing.T) { testSessionList(t, open(t)) })
	t.Run("SessionLink", func(t *testing.T) { testSessionLink(t, open(t)) })
	runPeople(t, open)
	t.Run("PeopleAll", func(t *testing.T) { testPeopleAll(t, open(t)) })
	t.Run("UpdatePerson", func(t *testing.T) { testUpdatePerson(t, open(t)) })
	t.Run("TerminalsList", func(t *testing.T) { testTerminalsList(t, open(t)) })
	t.Run("Stations", func(t *testing.T) { testStations(t, open(t)) })
	t.Run("Receptions", func(t *testing.T) { testReceptions(t, open(t)) })
	t.Run("ReminderEnqueue", func(t *testing.T) { testReminderEnqueue(t, open(t)) })
	t.Run("ReminderDelivery", func(t *testing.T) { testReminderDelivery(t, open(t)) })
	t.Run("ReminderRetry", func(t *testing.T) { testReminderRetry(t, open(t)) })
	t.Run("ReminderInbox", func(t *testing.T) { testReminderInbox(t, open(t)) })
	t.Run("ReminderConcurrent", func(t *testing.T) { testReminderConcurrent(t, open(t)) })
}

// t0 is the suite's clock: a morning in Fuyu, in China time.
var t0 = time.Date(2026, 5, 6, 9, 30, 15, 250_000_000, time.FixedZone("CST", 8*3600))

// newPetition returns a registered petition numbered n.
func newPetition(n int, unit string) *petitions.Petition {
	p := &petitions.Petition{
		ID:        fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		CaseNo:    fmt.Sprintf("230722-2026-%05d", n),
		QueryCode: fmt.Sprintf("Q%07d", n),
		Kind:      petitions.KindPetition,
		Class:     petitions.ClassClaim,
		Category:  "wage_arrears",
		Channel:   petitions.ChannelVisit,
		Medium:    petitions.MediumVideo,
		Parties: []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "王芳",
			Contact: petitions.Contact{Phone: "13800000000"}}},
		Request:      "追讨拖欠工资",
		Facts:        "工地拖欠三个月工资",
		LeadUnit:     unit,
		State:        "registered",
		ReceivedAt:   t0,
		RegisteredAt: t0,
	}
	p.Normalize()
	return p
}

// newEvent returns an unsealed event of kind at t0 + minutes.
func newEvent(kind string, minutes int, data string) *petitions.Event {
	return &petitions.Event{Kind: kind, Actor: "张伟", ActorRole: string(petitions.RoleTownship),
		At: t0.Add(time.Duration(minutes) * time.Minute), Data: json.RawMessage(data)}
}

// create stores p with its registered event, failing t on error.
func create(t *testing.T, s petitions.Store, p *petitions.Petition) *petitions.Event {
	t.Helper()
	ev := newEvent("registered", 0, `{"to":"registered"}`)
	if err := s.CreatePetition(context.Background(), p, ev); err != nil {
		t.Fatalf("CreatePetition %s: %v", p.ID, err)
	}
	return ev
}

// wantCode fails t unless err has the given code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := petitions.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// sameCase fails t unless got and want encode to the same JSON.
func sameCase(t *testing.T, got, want *petitions.Petition) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("case differs:\n got %s\nwant %s", g, w)
	}
}

// countEvents returns the number of events in the whole history.
func countEvents(t *testing.T, s petitions.Store) int {
	t.Helper()
	n := 0
	if err := s.ScanEvents(context.Background(), 1, func(*petitions.Event) error { n++; return nil }); err != nil {
		t.Fatalf("ScanEvents: %v", err)
	}
	return n
}

// verifyOK fails t unless the whole history verifies clean.
func verifyOK(t *testing.T, s petitions.Store) petitions.Report {
	t.Helper()
	r, err := petitions.VerifyStore(context.Background(), s, nil)
	if err != nil {
		t.Fatalf("VerifyStore: %v", err)
	}
	if !r.OK() {
		t.Fatalf("VerifyStore: first bad event %s (%d bad)", r.FirstBad, r.Bad)
	}
	return r
}

func testUnits(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	tree := []*petitions.Unit{
		{ID: "fuyu", Name: "富裕县", Level: petitions.UnitCounty, Code: "230227"},
		{ID: "fuyu-town", Name: "富裕镇", Level: petitions.UnitTownship, ParentID: "fuyu"},
		{ID: "dept-labour", Name: "人社局", Level: petitions.UnitDepartment, ParentID: "fuyu"},
		{ID: "v-01", Name: "一村", Level: petitions.UnitVillage, ParentID: "fuyu-town"},
	}
	for _, u := range tree {
		if err := s.CreateUnit(ctx, u); err != nil {
			t.Fatalf("CreateUnit %s: %v", u.ID, err)
		}
	}
	got, err := s.Unit(ctx, "fuyu")
	if err != nil || *got != *tree[0] {
		t.Fatalf("Unit(fuyu) = %+v, %v; want %+v", got, err, tree[0])
	}
	_, err = s.Unit(ctx, "nowhere")
	wantCode(t, "Unit(nowhere)", err, petitions.ENOTFOUND)
	wantCode(t, "duplicate unit", s.CreateUnit(ctx, &petitions.Unit{ID: "fuyu", Name: "x", Level: petitions.UnitCounty}), petitions.ECONFLICT)
	wantCode(t, "unit with missing parent", s.CreateUnit(ctx, &petitions.Unit{ID: "v-02", Name: "二村",
		Level: petitions.UnitVillage, ParentID: "nowhere"}), petitions.EINVALID)
	wantCode(t, "unit without name", s.CreateUnit(ctx, &petitions.Unit{ID: "v-03"}), petitions.EINVALID)

	all, err := s.Units(ctx)
	if err != nil {
		t.Fatalf("Units: %v", err)
	}
	var ids []string
	seen := map[string]bool{}
	for _, u := range all {
		if u.ParentID != "" && !seen[u.ParentID] {
			t.Errorf("Units: %s comes before its parent %s", u.ID, u.ParentID)
		}
		seen[u.ID] = true
		ids = append(ids, u.ID)
	}
	if want := "[fuyu dept-labour fuyu-town v-01]"; fmt.Sprint(ids) != want {
		t.Errorf("Units = %v, want %s", ids, want)
	}
	units := make([]petitions.Unit, len(all))
	for i, u := range all {
		units[i] = *u
	}
	if err := petitions.ValidateUnits(units); err != nil {
		t.Errorf("the stored tree does not validate: %v", err)
	}
}

func testCreateGet(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	ev := create(t, s, p)
	if p.Version != 1 {
		t.Errorf("after CreatePetition, Version = %d, want 1", p.Version)
	}
	if ev.Seq != 1 || ev.CaseSeq != 1 || ev.CaseID != p.ID || ev.Hash == "" || ev.CaseHash == "" {
		t.Errorf("registered event not sealed: %+v", ev)
	}
	got, err := s.Petition(ctx, p.ID)
	if err != nil {
		t.Fatalf("Petition: %v", err)
	}
	sameCase(t, got, p)

	_, err = s.Petition(ctx, "00000000-0000-4000-8000-999999999999")
	wantCode(t, "Petition(missing)", err, petitions.ENOTFOUND)

	dupID := newPetition(1, "fuyu-town")
	dupID.CaseNo = "230722-2026-99999"
	wantCode(t, "CreatePetition(same id)", s.CreatePetition(ctx, dupID, newEvent("registered", 1, `{}`)), petitions.ECONFLICT)
	dupNo := newPetition(2, "fuyu-town")
	dupNo.CaseNo = p.CaseNo
	wantCode(t, "CreatePetition(same number)", s.CreatePetition(ctx, dupNo, newEvent("registered", 1, `{}`)), petitions.ECONFLICT)
	_, err = s.Petition(ctx, dupNo.ID)
	wantCode(t, "Petition(refused duplicate)", err, petitions.ENOTFOUND)

	noNumber := newPetition(3, "fuyu-town")
	noNumber.CaseNo = ""
	wantCode(t, "CreatePetition(no number)", s.CreatePetition(ctx, noNumber, newEvent("registered", 1, `{}`)), petitions.EINVALID)
	unsealable := newPetition(4, "fuyu-town")
	wantCode(t, "CreatePetition(event without kind)", s.CreatePetition(ctx, unsealable, newEvent("", 1, `{}`)), petitions.EINVALID)
	_, err = s.Petition(ctx, unsealable.ID)
	wantCode(t, "Petition(case whose event was refused)", err, petitions.ENOTFOUND)

	if n := countEvents(t, s); n != 1 {
		t.Errorf("history holds %d events after refused creations, want 1", n)
	}
	verifyOK(t, s)
}

func testByNumber(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(7, "fuyu-town")
	create(t, s, p)
	create(t, s, newPetition(8, "fuyu-town"))
	got, err := s.PetitionByNumber(ctx, p.CaseNo)
	if err != nil {
		t.Fatalf("PetitionByNumber: %v", err)
	}
	sameCase(t, got, p)
	_, err = s.PetitionByNumber(ctx, "230722-2026-00000")
	wantCode(t, "PetitionByNumber(missing)", err, petitions.ENOTFOUND)
}

func testUpdate(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	p.State = "accepted"
	p.AcceptedAt = t0.Add(time.Hour)
	ev := newEvent("transition", 60, `{"from":"registered","to":"accepted"}`)
	if err := s.UpdatePetition(ctx, p, 1, ev); err != nil {
		t.Fatalf("UpdatePetition: %v", err)
	}
	if p.Version != 2 || ev.CaseSeq != 2 || ev.Seq != 2 {
		t.Errorf("after UpdatePetition: Version %d, event seq %d case seq %d; want 2, 2, 2", p.Version, ev.Seq, ev.CaseSeq)
	}
	got, err := s.Petition(ctx, p.ID)
	if err != nil {
		t.Fatalf("Petition: %v", err)
	}
	sameCase(t, got, p)
	evs, err := s.Events(ctx, p.ID)
	if err != nil || len(evs) != 2 || evs[1].Kind != "transition" || evs[1].Hash != ev.Hash {
		t.Fatalf("Events = %d events, %v; want registered and the transition", len(evs), err)
	}
	missing := newPetition(9, "fuyu-town")
	wantCode(t, "UpdatePetition(missing)", s.UpdatePetition(ctx, missing, 1, newEvent("transition", 61, `{}`)), petitions.ENOTFOUND)
	wantCode(t, "UpdatePetition(no event)", s.UpdatePetition(ctx, p, 2, nil), petitions.EINVALID)
	verifyOK(t, s)
}

func testUpdateStale(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	first := p.Clone()
	first.State = "accepted"
	if err := s.UpdatePetition(ctx, first, 1, newEvent("transition", 1, `{"to":"accepted"}`)); err != nil {
		t.Fatalf("UpdatePetition: %v", err)
	}
	stale := p.Clone()
	stale.State = "not_accepted"
	ev := newEvent("transition", 2, `{"to":"not_accepted"}`)
	wantCode(t, "UpdatePetition(stale version)", s.UpdatePetition(ctx, stale, 1, ev), petitions.ECONFLICT)
	if ev.Seq != 0 || ev.Hash != "" || stale.Version != 1 {
		t.Errorf("a refused update changed its arguments: event %+v, version %d", ev, stale.Version)
	}
	got, err := s.Petition(ctx, p.ID)
	if err != nil {
		t.Fatalf("Petition: %v", err)
	}
	sameCase(t, got, first)
	if evs, err := s.Events(ctx, p.ID); err != nil || len(evs) != 2 {
		t.Errorf("Events after a stale update = %d, %v; want 2", len(evs), err)
	}
	verifyOK(t, s)
}

func testUpdateConcurrent(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	const workers, rounds = 8, 5
	p := newPetition(1, "fuyu-town")
	create(t, s, p)
	for round := range rounds {
		version := int64(round + 1)
		start := make(chan struct{})
		var wg, ready sync.WaitGroup
		errs := make([]error, workers)
		for w := range workers {
			wg.Add(1)
			ready.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.Petition(ctx, p.ID)
				ready.Done()
				if err == nil && c.Version != version {
					err = fmt.Errorf("read version %d, want %d", c.Version, version)
				}
				if err != nil {
					errs[w] = err
					return
				}
				c.Owner = fmt.Sprintf("leader-%d-%d", round, w)
				<-start
				errs[w] = s.UpdatePetition(ctx, c, version, newEvent("transition", round*10+w, fmt.Sprintf(`{"worker":%d}`, w)))
			}()
		}
		ready.Wait() // all read the same version before any writes
		close(start)
		wg.Wait()
		won := 0
		for w, err := range errs {
			switch petitions.ErrorCode(err) {
			case "":
				won++
			case petitions.ECONFLICT:
			default:
				t.Fatalf("round %d worker %d: %v", round, w, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d of %d concurrent updates won, want exactly 1", round, won, workers)
		}
	}
	got, err := s.Petition(ctx, p.ID)
	if err != nil || got.Version != rounds+1 {
		t.Fatalf("after %d rounds: version %v, %v; want %d", rounds, got, err, rounds+1)
	}
	evs, err := s.Events(ctx, p.ID)
	if err != nil || len(evs) != rounds+1 {
		t.Fatalf("after %d rounds: %d events, %v; want %d", rounds, len(evs), err, rounds+1)
	}
	verifyOK(t, s)
}

func testList(t *testing.T, s petitions.Store) {
	ctx := context.Background()
	for i := range 7 {
		unit := "fuyu-town"
		if i%2 == 1 {
			unit = "tangchi"
		}
		p := newPetition(i+1, unit)
		if i >= 5 {
			p.State = "accepted"
		}
		create(t, s, p)
	}
	ids := func(ps []*petitions.Petition) []int {
		var n []int
		for _, p := range ps {
			var k int
			fmt.Sscanf(p.CaseNo, "230722-2026-%d", &k)
			n = append(n, k)
		}
		return n
	}
	var pages [][]int
	f := petitions.PetitionFilter{Limit: 3}
	for range 5 {
		page, err := s.ListPetitions(ctx, f)
		if err != nil {
			t.Fatalf("ListPetitions: %v", err)
		}
		if len(page) == 0 {
			break
		}
		pages = append(pages, ids(page))
		f.After = page[len(page)-1].ID
	}
	if got, want := fmt.Sprint(pages), "[[1 2 3] [4 5 6] [7]]"; got != want {
		t.Errorf("pages of 3 = %s, want %s", got, want)
	}
	for _, c := range []struct {
		f    petitions.PetitionFilter
		want string
	}{
		{petitions.PetitionFilter{LeadUnit: "tangchi"}, "[2 4 6]"},
		{petitions.PetitionFilter{State: "accepted"}, "[6 7]"},
		{petitions.PetitionFilter{LeadUnit: "fuyu-town", State: "registered", After: newPetition(1, "").ID}, "[3 5]"},
		{petitions.PetitionFilter{Kind: petitions.KindMediation}, "[]"},
	} {
		got, err := s.ListPetitions(ctx, c.f)
		if err != nil {
			t.Fatalf("ListPetitions(%+v): %v", c.f, err)
		}
		if fmt.Sprint(ids(got)) != c.want {
			t.Errorf("ListPetitions(%+v) = %v, want %s", c.f, ids(got), c.want)
		}
		if got == nil {
			t.Errorf("ListPetitions(%+v) returned nil, want an empty slice", c.f)
		}
	}
	got, err := s.ListPetitions(ctx, petitions.PetitionFilter{Limit: 1})
	if err != nil || len(got) != 1 || got[0].Version != 1 {
		t.Errorf("ListPetitions(limit 1) = %d cases, %v; want one, with its version", len(got), err)
	}
}
