package stats_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// builder drives one hand-made case through its lifecycle and keeps the
// events a store would.
type builder struct {
	t   *testing.T
	lc  *petitions.Lifecycle
	p   *petitions.Petition
	evs []*petitions.Event
}

func day(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, china) }

func newPetition(t *testing.T, lc *petitions.Lifecycle, id string, received time.Time) *builder {
	t.Helper()
	p := &petitions.Petition{ID: id, CaseNo: "C-" + id, Kind: petitions.KindPetition, Class: petitions.ClassClaim,
		Category: "other", Channel: petitions.ChannelVisit, Medium: petitions.MediumInPerson, Village: "v",
		LeadUnit: "t", Request: "要求处理", Facts: "事实", ReceivedAt: received, State: petitions.StateDraft,
		Parties: []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "张三"}}}
	p.Normalize()
	b := &builder{t: t, lc: lc, p: p}
	b.step("registered", "register", petitions.RoleTownship, petitions.TransitionInput{ActorID: "official"}, received)
	return b
}

func (b *builder) step(kind, name string, role petitions.Role, in petitions.TransitionInput, at time.Time) {
	b.t.Helper()
	done, err := b.lc.Apply(b.p, name, role, in, at)
	if err != nil {
		b.t.Fatalf("%s %s: %v", b.p.ID, name, err)
	}
	b.event(kind, at, done)
}

func (b *builder) do(name string, role petitions.Role, in petitions.TransitionInput, at time.Time) {
	b.t.Helper()
	if in.ActorID == "" {
		in.ActorID = "official"
	}
	b.step("transition", name, role, in, at)
}

func (b *builder) event(kind string, at time.Time, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		b.t.Fatal(err)
	}
	b.evs = append(b.evs, &petitions.Event{Seq: int64(len(b.evs) + 1), CaseSeq: int64(len(b.evs) + 1), CaseID: b.p.ID,
		Kind: kind, Actor: "x", ActorRole: "x", At: at, Data: raw})
}

// TestComputeKnownAnswers checks the tricky definitions on two petitions
// whose every figure is worked out by hand.
func TestComputeKnownAnswers(t *testing.T) {
	cal := petitions.DefaultCalendar()
	lc := petitions.PetitionLifecycle(cal, nil)
	tree := petitions.NewUnitTree([]*petitions.Unit{{ID: "c", Name: "县", Level: petitions.UnitCounty},
		{ID: "t", Name: "镇", Level: petitions.UnitTownship, ParentID: "c"},
		{ID: "v", Name: "村", Level: petitions.UnitVillage, ParentID: "t"},
		{ID: "d", Name: "局", Level: petitions.UnitDepartment, ParentID: "c"}})
	handler, leader := petitions.RoleTownship, petitions.RoleLeader

	// A: accepted the next day, extended, replied after the nominal 60 days
	// but within the extension, closed settled (息诉); rated twice.
	a := newPetition(t, lc, "a", day(1, 5, 9, 0))
	a.do("accept", handler, petitions.TransitionInput{}, day(1, 6, 10, 0))
	a.do("start", handler, petitions.TransitionInput{Owner: "leader.x"}, day(1, 7, 10, 0))
	a.do("extend", leader, petitions.TransitionInput{ActorID: "leader.x", Days: 30, Reason: "情况复杂"}, day(3, 5, 10, 0))
	a.do("reply", handler, petitions.TransitionInput{Outcome: petitions.OutcomeExplain}, day(3, 20, 10, 0))
	a.do("close", handler, petitions.TransitionInput{Settled: true}, day(3, 25, 10, 0))
	a.p.Ratings = []petitions.Rating{{PartyID: "p1", Target: "handling", Score: petitions.ScoreBasicSatisfied},
		{PartyID: "p1", Target: "handling", Score: petitions.ScoreUnsatisfied}}
	// The record is not what the figures read: blank its dates.
	a.p.AcceptedAt, a.p.RepliedAt, a.p.ClosedAt = time.Time{}, time.Time{}, time.Time{}

	// B: a group visit with two repeat visits, accepted after its 15 days,
	// replied after its 60 days without an extension; supervised and
	// answered late; an emergency summons answered 45 minutes in (due 30).
	b := newPetition(t, lc, "b", day(1, 5, 9, 0))
	b.p.Headcount = 8
	b.p.Links = []petitions.Link{{Kind: petitions.LinkRepeat, CaseID: "old1"}, {Kind: petitions.LinkRepeat, CaseID: "old2"}}
	b.do("accept", handler, petitions.TransitionInput{}, day(1, 25, 10, 0))
	b.do("start", handler, petitions.TransitionInput{Owner: "leader.y"}, day(1, 26, 10, 0))
	sup := petitions.Supervision{IssuedAt: day(2, 1, 9, 0), Due: petitions.Deadline{Adjusted: time.Date(2026, 3, 3, 0, 0, 0, 0, china)}}
	b.event("supervised", sup.IssuedAt, map[string]any{"index": 0, "supervision": sup})
	b.event("summoned", day(2, 1, 10, 0), map[string]any{"index": 0, "summons": petitions.Summons{Level: petitions.SummonEmergency,
		IssuedAt: day(2, 1, 10, 0), ReportDue: day(2, 1, 10, 30), Departments: []petitions.SummonedUnit{{UnitID: "d"}}}})
	b.event("summons.reported", day(2, 1, 10, 45), map[string]any{"index": 0, "unit": "d", "late": true})
	b.event("supervision.feedback", day(3, 10, 9, 0), map[string]any{"index": 0, "adopted": false, "late": true})
	b.do("reply", handler, petitions.TransitionInput{Outcome: petitions.OutcomeReject}, day(4, 10, 10, 0))
	// An event after Now is ignored.
	b.do("close", handler, petitions.TransitionInput{Settled: true}, day(9, 1, 10, 0))

	cases := func(yield func(*petitions.Petition, []*petitions.Event) bool) {
		for _, x := range []*builder{a, b} {
			if !yield(x.p, x.evs) {
				return
			}
		}
	}
	q := stats.Query{From: day(1, 1, 0, 0), To: day(7, 1, 0, 0), Now: day(8, 1, 0, 0)}
	rep, err := stats.Compute(q, tree, cases, map[petitions.Kind]*petitions.Lifecycle{petitions.KindPetition: lc})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]float64{
		"received_cases": {2, 0}, "received_visits": {4, 0}, "persons": {9, 0}, "group_visits": {1, 0},
		"repeat_rate": {1, 2}, "accepted": {2, 0}, "on_time_acceptance": {1, 2}, "on_time_completion": {1, 2},
		"resolution_rate": {1, 2}, "active_now": {1, 0}, "overdue_now": {0, 1},
		"handling_days_mean": {78, 1}, "handling_days_median": {78, 0}, "handling_days_p90": {78, 0},
		"participation": {1, 1}, "satisfaction": {1, 2},
		"supervisions_issued": {1, 0}, "supervisions_on_time": {0, 1}, "supervision_adoption": {0, 1},
		"summons_emergency_called": {1, 0}, "summons_emergency_on_time": {0, 1}, "summons_emergency_median_minutes": {45, 0},
		"summons_quick_called": {0, 0},
	}
	for key, w := range want {
		f, ok := stats.Find(rep.Figures, key)
		if !ok {
			t.Errorf("no figure %s", key)
			continue
		}
		if f.Numerator != w[0] || f.Denominator != w[1] {
			t.Errorf("%s = %v ÷ %v, want %v ÷ %v", key, f.Numerator, f.Denominator, w[0], w[1])
		}
	}
	if f, _ := stats.Find(rep.Figures, "on_time_completion"); f.Value != 0.5 {
		t.Errorf("on_time_completion value %v, want 0.5", f.Value)
	}
	owners := map[string][3]float64{"leader.x": {1, 1, 0}, "leader.y": {1, 0, 0}}
	for o, w := range owners {
		fs := rep.ByOwner[o]
		for i, key := range []string{"owner_cases", "owner_closed", "owner_overdue"} {
			if f, _ := stats.Find(fs, key); f.Numerator != w[i] {
				t.Errorf("%s: %s = %v, want %v", o, key, f.Numerator, w[i])
			}
		}
	}
	if fs := rep.ByUnit["d"]; len(fs) == 0 {
		t.Error("no figures for the department")
	} else if f, _ := stats.Find(fs, "received_cases"); f.Numerator != 0 {
		t.Errorf("the department received %v cases, want 0: a summons does not make a case its own", f.Numerator)
	}
	if f, _ := stats.Find(rep.ByUnit["t"], "received_cases"); f.Numerator != 2 {
		t.Errorf("the township received %v cases, want 2", f.Numerator)
	}

	// The same ledger at a later Now: B is closed (settled) after the period.
	q.Now = day(9, 2, 0, 0)
	rep, err = stats.Compute(q, tree, cases, map[petitions.Kind]*petitions.Lifecycle{petitions.KindPetition: lc})
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := stats.Find(rep.Figures, "resolution_rate"); f.Numerator != 2 {
		t.Errorf("resolved %v as of September, want 2 (accepted in the period, resolved by now)", f.Numerator)
	}
	if f, _ := stats.Find(rep.Figures, "handling_days_mean"); f.Denominator != 1 {
		t.Errorf("closed in the period %v, want 1 (B closed after it)", f.Denominator)
	}
}

func TestQueryValidate(t *testing.T) {
	now := day(8, 1, 0, 0)
	for _, tc := range []struct {
		q     stats.Query
		field string
	}{
		{stats.Query{To: now, Now: now}, "from"},
		{stats.Query{From: now, Now: now}, "to"},
		{stats.Query{From: now, To: now, Now: now}, "to"},
		{stats.Query{From: now, To: now.AddDate(6, 0, 0), Now: now}, "to"},
		{stats.Query{From: now, To: now.AddDate(0, 0, 1)}, "now"},
	} {
		err := tc.q.Validate()
		var pe *petitions.Error
		if !errors.As(err, &pe) || pe.Code != petitions.EINVALID || pe.Fields[tc.field] == "" {
			t.Errorf("%+v: %v, want EINVALID on %s", tc.q, err, tc.field)
		}
	}
}
