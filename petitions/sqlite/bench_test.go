package sqlite

import (
	"context"
	"encoding/json"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/storetest"
)

// BenchmarkWorklist loads storetest.BenchCases cases (a transaction per
// 1,000, the worklist columns written as CreatePetition writes them, no
// history) and measures a worklist page:
//
//	go test ./petitions/sqlite -run '^$' -bench Worklist -benchtime 400x
func BenchmarkWorklist(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	n := storetest.BenchCases()
	for lo := 1; lo <= n; lo += 1000 {
		err := db.inTx(ctx, func(tx *wtx) error {
			for i := lo; i < lo+1000 && i <= n; i++ {
				p := storetest.BenchCase(i)
				doc, err := json.Marshal(p)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO petitions
					(id, case_no, query_code_hash, lead_unit, state, kind, created_at, updated_at, version, doc)
					VALUES (?, ?, ?, ?, ?, ?, 0, 0, 1, ?)`, p.ID, p.CaseNo, petitions.QueryCodeHash(p.QueryCode),
					p.LeadUnit, string(p.State), string(p.Kind), string(doc)); err != nil {
					return err
				}
				if err := writeListing(ctx, tx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("load: %v", err)
		}
	}
	if _, err := db.write.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	storetest.BenchWorklists(b, db)
}
