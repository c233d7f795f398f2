package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/storetest"
)

// BenchmarkWorklist loads storetest.BenchCases cases with COPY, a
// transaction per 1,000 (the worklist columns from petitions.ListingOf, as
// CreatePetition writes them; no history; the cases name no station or
// village), then measures a worklist page:
//
//	HEARINGROOM_TEST_POSTGRES=… go test ./petitions/postgres -run '^$' -bench Worklist -benchtime 400x
func BenchmarkWorklist(b *testing.B) {
	dsn := schemaDSN(b)
	db := openDSN(b, dsn, true)
	ctx := context.Background()
	c := connect(b, dsn)
	n := storetest.BenchCases()
	for lo := 1; lo <= n; lo += 1000 {
		var rows, units, persons [][]any
		for i := lo; i < lo+1000 && i <= n; i++ {
			p := storetest.BenchCase(i)
			doc, err := json.Marshal(p)
			if err != nil {
				b.Fatal(err)
			}
			l := petitions.ListingOf(p)
			var due any
			if !l.DueAt.IsZero() {
				due = l.DueAt
			}
			rows = append(rows, []any{p.ID, p.CaseNo, petitions.QueryCodeHash(p.QueryCode), p.LeadUnit, string(p.State),
				string(p.Kind), time.Now(), time.Now(), int64(1), string(doc), due, l.DueKey(), l.Active, l.Supervised,
				string(l.Risk), int16(l.RiskRank), l.Category, l.ReceivedAt.UnixMicro(), l.Repeat, l.Owner, l.FiledBy})
			for _, u := range l.Units {
				units = append(units, []any{p.ID, u})
			}
			for _, x := range l.Persons {
				persons = append(persons, []any{p.ID, x})
			}
		}
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			for _, cp := range []struct {
				table string
				cols  []string
				rows  [][]any
			}{
				{"petitions", []string{"id", "case_no", "query_code_hash", "lead_unit", "state", "kind", "created_at",
					"updated_at", "version", "doc", "due_at", "due_key", "active", "supervised", "risk", "risk_rank",
					"category", "received_at", "repeat", "owner", "filed_by"}, rows},
				{"petition_units", []string{"petition_id", "unit"}, units},
				{"petition_persons", []string{"petition_id", "person"}, persons},
			} {
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.cols, pgx.CopyFromRows(cp.rows)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("load: %v", err)
		}
	}
	if _, err := c.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	storetest.BenchWorklists(b, db)
}
