package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/stats"
)

// TestBulkLoad checks a store's BulkLoad against the one-by-one path: the
// demo ledger loaded with demo.Load into one store and with demo.BulkLoad
// into another holds the same cases, the same history (hash for hash) and
// the same worklists, scoped by every unit and person, and verifies. open
// returns a new, migrated, empty store.
func TestBulkLoad(t *testing.T, open func(t *testing.T) demo.BulkStore) {
	ctx := context.Background()
	cfg := demo.Config{Seed: 11, Cases: 250}
	one, bulk := open(t), open(t)
	want, err := demo.Load(ctx, one, cfg)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got, err := demo.BulkLoad(ctx, bulk, cfg, demo.BulkConfig{})
	if err != nil {
		t.Fatalf("BulkLoad: %v", err)
	}
	if got.Cases != want.Cases || got.Events != want.Events || got.Sessions != want.Sessions {
		t.Fatalf("BulkLoad wrote %d cases, %d events, %d sessions; Load %d, %d, %d",
			got.Cases, got.Events, got.Sessions, want.Cases, want.Events, want.Sessions)
	}
	r, err := petitions.VerifyStore(ctx, bulk, nil)
	if err != nil || !r.OK() {
		t.Fatalf("VerifyStore after BulkLoad: %+v, %v", r, err)
	}
	if r.Events != int64(want.Events) {
		t.Errorf("VerifyStore read %d events, want %d", r.Events, want.Events)
	}

	all := func(s petitions.Store, f petitions.PetitionFilter) []*petitions.Petition {
		t.Helper()
		var list []*petitions.Petition
		f.Limit = petitions.MaxListLimit
		for {
			page, err := s.ListPetitions(ctx, f)
			if err != nil {
				t.Fatalf("ListPetitions(%+v): %v", f, err)
			}
			list = append(list, page...)
			if len(page) < f.Limit {
				return list
			}
			f.After = petitions.CursorOf(page[len(page)-1], f.Sort)
		}
	}
	ids := func(ps []*petitions.Petition) []string {
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids
	}
	ones, bulks := all(one, petitions.PetitionFilter{}), all(bulk, petitions.PetitionFilter{})
	if len(ones) != len(bulks) || len(ones) != want.Cases {
		t.Fatalf("%d cases one by one, %d in bulk; want %d", len(ones), len(bulks), want.Cases)
	}
	for i := range ones {
		a, _ := json.Marshal(ones[i])
		b, _ := json.Marshal(bulks[i])
		if string(a) != string(b) {
			t.Fatalf("case %d differs:\none by one %s\nin bulk    %s", i, a, b)
		}
		ea, err := one.Events(ctx, ones[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		eb, err := bulk.Events(ctx, ones[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ea) != len(eb) {
			t.Fatalf("case %s: %d events one by one, %d in bulk", ones[i].ID, len(ea), len(eb))
		}
		for j := range ea {
			a, _ := json.Marshal(ea[j])
			b, _ := json.Marshal(eb[j])
			if string(a) != string(b) {
				t.Fatalf("case %s event %d differs:\none by one %s\nin bulk    %s", ones[i].ID, j, a, b)
			}
		}
	}

	// The side tables: every unit's and every person's scope, every sort.
	people := demo.NewPeople(cfg.Seed).All()
	var scopes []petitions.Scope
	for _, u := range demo.Units() {
		scopes = append(scopes, petitions.Scope{Units: []string{u.ID}})
	}
	for _, p := range people {
		scopes = append(scopes, petitions.Scope{PersonID: p.ID}, petitions.Scope{OwnerID: p.ID}, petitions.Scope{FiledBy: p.ID})
	}
	for i, s := range scopes {
		f := petitions.PetitionFilter{Scope: &s, Sort: petitions.Sorts()[i%len(petitions.Sorts())]}
		a, b := ids(all(one, f)), ids(all(bulk, f))
		if len(a) != len(b) {
			t.Fatalf("scope %+v: %d cases one by one, %d in bulk", s, len(a), len(b))
		}
		for j := range a {
			if a[j] != b[j] {
				t.Fatalf("scope %+v, sort %s: case %d is %s one by one, %s in bulk", s, f.Sort, j, a[j], b[j])
			}
		}
	}

	// The statistics: the facts loaded in bulk sum as Load's (written one
	// case at a time by stats.Backfill), for the county and a township,
	// each grouping, whole months and their edges.
	tree := storeTree(t, one)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for _, unit := range []string{"", demo.TownshipID(0)} {
		for _, g := range []string{petitions.GroupNone, petitions.GroupUnit, petitions.GroupOwner, petitions.GroupMediator} {
			q := stats.FactsQuery(stats.Query{From: now.AddDate(-1, 0, -9), To: now, Now: now, Unit: unit}, tree, g)
			a, err := one.AggregateFacts(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := bulk.AggregateFacts(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if unit == "" && g == petitions.GroupNone && (a[""] == nil || a[""].Received == 0) {
				t.Fatalf("no cases received in the statistics' year: %+v", a)
			}
			sameTotals(t, fmt.Sprintf("unit %q by %q, in bulk", unit, g), b, a)
		}
	}

	// Read events added in bulk still verify.
	more := open(t)
	sum, err := demo.BulkLoad(ctx, more, demo.Config{Seed: 3, Cases: 120}, demo.BulkConfig{Reads: 3.5})
	if err != nil {
		t.Fatalf("BulkLoad with reads: %v", err)
	}
	r, err = petitions.VerifyStore(ctx, more, nil)
	if err != nil || !r.OK() || r.Events != int64(sum.Events) {
		t.Fatalf("VerifyStore after BulkLoad with reads: %+v (want %d events), %v", r, sum.Events, err)
	}
	if sum.Events < sum.Cases*8 {
		t.Errorf("BulkLoad with 3.5 reads a case wrote %d events for %d cases", sum.Events, sum.Cases)
	}
}
