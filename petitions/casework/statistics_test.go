package casework_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/stats"
)

func TestStatistics(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := stats.Query{From: time.Date(2025, 1, 1, 0, 0, 0, 0, china), To: time.Date(2026, 11, 1, 0, 0, 0, 0, china)}
	town, other := demo.TownshipID(0), demo.TownshipID(1)
	for _, tc := range []struct {
		who  string
		unit string
		want string
	}{
		{f.ps.Dispatchers[0].ID, "", ""},
		{f.ps.Auditor.ID, other, ""},
		{f.ps.CountyLeaders()[0].ID, "", ""},
		{f.ps.TownshipLeaders(0)[0].ID, town, ""},
		{f.ps.TownshipLeaders(0)[0].ID, demo.VillageID(0, 1), ""},
		{f.ps.TownshipLeaders(0)[0].ID, "", petitions.EFORBIDDEN},
		{f.ps.TownshipLeaders(0)[0].ID, other, petitions.EFORBIDDEN},
		{f.ps.TownshipOfficials(0)[0].ID, town, ""},
		{f.ps.TownshipOfficials(0)[0].ID, other, petitions.EFORBIDDEN},
		{f.ps.Mediators[0].ID, town, petitions.EFORBIDDEN},
		{f.ps.Staff[0].ID, "", petitions.EFORBIDDEN},
		{f.ps.Administrator.ID, "", petitions.EFORBIDDEN},
		{f.ps.Dispatchers[0].ID, "nowhere", petitions.EINVALID},
	} {
		qq := q
		qq.Unit = tc.unit
		rep, err := f.svc.Statistics(ctx, f.actor(t, tc.who), qq)
		if code(err) != tc.want && !(tc.want == "" && err == nil) {
			t.Errorf("%s for %q: %v, want %q", tc.who, tc.unit, err, tc.want)
			continue
		}
		if err == nil && ((tc.unit == "" && rep.Cases == 0) || len(rep.Figures) == 0 || !rep.Query.Now.Equal(f.clock())) {
			t.Errorf("%s for %q: %d cases, %d figures, now %v", tc.who, tc.unit, rep.Cases, len(rep.Figures), rep.Query.Now)
		}
	}

	// The read is logged, ledger-level, with the unit and the days.
	disp := f.actor(t, f.ps.Dispatchers[0].ID)
	q.Unit = town
	if _, err := f.svc.Statistics(ctx, disp, q); err != nil {
		t.Fatal(err)
	}
	var last *petitions.Event
	if err := f.store.ScanEvents(ctx, 1, func(e *petitions.Event) error {
		c := *e
		c.Data = append([]byte(nil), e.Data...)
		last = &c
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var d map[string]string
	_ = json.Unmarshal(last.Data, &d)
	if last.Kind != "read" || last.CaseID != "" || last.Actor != disp.ID || d["what"] != "statistics" ||
		d["unit"] != town || d["from"] != "2025-01-01" || d["to"] != "2026-10-31" {
		t.Errorf("last event %s %q by %s: %s", last.Kind, last.CaseID, last.Actor, last.Data)
	}

	// A bad period is refused before anything is read or logged.
	q.To = q.From
	if _, err := f.svc.Statistics(ctx, disp, q); code(err) != petitions.EINVALID {
		t.Errorf("empty period: %v, want invalid", err)
	}
}
