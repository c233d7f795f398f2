package stats

import (
	"context"

	"hearingroom/petitions"
)

// Backfill computes the facts of every case of store from its history
// (FactsOf) and saves them (Store.SaveFacts), a page of cases at a time,
// and returns how many it saved. Run it after a migration adds the facts
// table to a ledger that has cases, after loading cases past casework, or
// to repair facts a crash left behind their case. A case changed meanwhile
// keeps the newer facts (SaveFacts never goes back a version). A store
// that keeps the facts pre-summed (SumsRebuilder) then recomputes its sums
// from the facts, repairing them too.
func Backfill(ctx context.Context, store petitions.Store, lcs map[petitions.Kind]*petitions.Lifecycle) (int, error) {
	n := 0
	f := petitions.PetitionFilter{Limit: petitions.MaxListLimit}
	for {
		page, err := store.ListPetitions(ctx, f)
		if err != nil {
			return n, err
		}
		for _, p := range page {
			f.After = p.ID
			if err := SaveFactsOf(ctx, store, p, lcs); err != nil {
				return n, err
			}
			n++
		}
		if len(page) < f.Limit {
			break
		}
	}
	if rb, ok := store.(SumsRebuilder); ok {
		if err := rb.RebuildFactSums(ctx); err != nil {
			return n, err
		}
	}
	return n, nil
}

// SumsRebuilder is a store that keeps the facts pre-summed
// (petitions.FactSums) and can recompute the sums from the facts of every
// case: after facts were loaded in bulk without SaveFacts, or to repair
// them. Both adapters are.
type SumsRebuilder interface {
	RebuildFactSums(ctx context.Context) error
}

// SaveFactsOf recomputes the facts of case p, as stored at p.Version, from
// its stored history and saves them.
func SaveFactsOf(ctx context.Context, store petitions.Store, p *petitions.Petition, lcs map[petitions.Kind]*petitions.Lifecycle) error {
	evs, err := store.Events(ctx, p.ID)
	if err != nil {
		return err
	}
	f, err := FactsOf(p, evs, lcs)
	if err != nil {
		return err
	}
	return store.SaveFacts(ctx, f)
}
