package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/groupcommit"
)

// BatchFactsDay is when CreateInOneBatch's cases were received, in their
// statistics facts.
var BatchFactsDay = time.Date(2026, 3, 10, 9, 0, 0, 0, petitions.ChinaTime)

// CreateInOneBatch runs as one batch of the appender the creation of each
// case of ps with its event evs[i] (and facts: received on BatchFactsDay)
// and then, if stmt is not "", an item
// that executes stmt and appends no event. It returns each item's error;
// where a case was created, evs[i] is sealed.
func (db *DB) CreateInOneBatch(ctx context.Context, ps []*petitions.Petition, evs []*petitions.Event, stmt string) []error {
	var items []*appendItem
	for i, p := range ps {
		f := &petitions.CaseFacts{CaseID: p.ID, Version: 1, Registered: true, Kind: p.Kind, LeadUnit: p.LeadUnit,
			ReceivedAt: BatchFactsDay}
		it, err := db.createItem(p, evs[i], f)
		if err != nil {
			panic(err)
		}
		items = append(items, it)
	}
	if stmt != "" {
		items = append(items, &appendItem{write: func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error) {
			_, err := tx.Exec(ctx, stmt)
			return nil, err
		}})
	}
	batch := make([]*item, len(items))
	for i, it := range items {
		batch[i] = groupcommit.NewItem(ctx, it)
	}
	db.runBatch(ctx, batch)
	errs := make([]error, len(items))
	for i, it := range batch {
		errs[i] = it.Wait()
		if i < len(ps) && errs[i] == nil {
			ps[i].Version, *evs[i] = 1, *it.Job.sealed
		}
	}
	return errs
}

// AppendBatches returns how many batches the appender ran and how many
// items they held.
func (db *DB) AppendBatches() (batches, items int64) {
	return db.app.Batches.Load(), db.app.Items.Load()
}

// CaseEventQueries are the queries of a case's events, with an argument.
var CaseEventQueries = map[string][2]any{
	"last events of cases": {lastCaseEventsQuery, []string{"x"}},
	"last event of a case": {lastCaseEventQuery, "x"},
	"events of a case":     {caseEventsQuery, "x"},
}
