package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions/storetest"
)

// BenchmarkStatisticsFacts loads the facts of storetest.BenchFactsCases
// cases (HEARINGROOM_BENCH_FACTS, default 100,000) with COPY, a
// transaction per 10,000, without the cases themselves (foreign keys off
// for the loading session), rebuilds their sums (RebuildFactSums, as after
// any bulk load), and measures the county statistics
// (storetest.BenchStatistics):
//
//	HEARINGROOM_TEST_POSTGRES=… HEARINGROOM_BENCH_FACTS=1000000 \
//	  go test ./petitions/postgres -run '^$' -bench StatisticsFacts -benchtime 100x -timeout 1h
//
// With HEARINGROOM_BENCH_SCHEMA=name the facts are loaded into that schema
// and kept there: the next run with the same name and count measures
// without loading them again (for working on the queries).
func BenchmarkStatisticsFacts(b *testing.B) {
	ctx := context.Background()
	dsn, loaded := keptSchemaDSN(b, os.Getenv("HEARINGROOM_BENCH_SCHEMA"), storetest.BenchFactsCases())
	db := openDSN(b, dsn, true)
	if loaded {
		storetest.BenchStatistics(b, db)
		return
	}
	for _, u := range storetest.BenchFactsUnits() {
		if err := db.CreateUnit(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	c := connect(b, dsn)
	if _, err := c.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		b.Fatal(err)
	}
	micro := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UnixMicro()
	}
	n := storetest.BenchFactsCases()
	for lo := 1; lo <= n; lo += 10000 {
		var facts, mediators, sups, summons [][]any
		for i := lo; i < lo+10000 && i <= n; i++ {
			f := storetest.BenchFacts(i)
			var days any
			if f.HasHandling {
				days = int32(f.HandlingDays)
			}
			facts = append(facts, []any{f.CaseID, f.Version, f.Registered, string(f.Kind), f.LeadUnit, f.StationUnit,
				f.VillageUnit, f.Owner, micro(f.ReceivedAt), int32(f.RepeatLinks), int32(f.Headcount), micro(f.AcceptDueDay),
				f.AcceptDecided, f.AcceptOnTime, micro(f.AcceptPassed), micro(f.RepliedAt), f.RepliedOnTime,
				micro(f.AcceptedAt), f.Resolved, micro(f.EffectiveAt), f.Applied, micro(f.PerfEndedAt), f.Performed,
				f.Active, micro(f.RunningPassed), micro(f.RunningDay), micro(f.ClosedAt), days, int32(f.Ratings),
				int32(f.Satisfied)})
			for _, m := range f.Mediators {
				mediators = append(mediators, []any{f.CaseID, m.ID, int32(m.Ratings), int32(m.Satisfied)})
			}
			for j, s := range f.Supervisions {
				sups = append(sups, []any{f.CaseID, int32(j), s.IssuedAt.UnixMicro(), s.Passed.UnixMicro(),
					micro(s.AnsweredAt), s.OnTime, s.Adopted, f.Registered, f.LeadUnit, f.StationUnit, f.VillageUnit})
			}
			for j, s := range f.Summons {
				summons = append(summons, []any{f.CaseID, int32(j), string(s.Level), s.Unit, s.IssuedAt.UnixMicro(),
					micro(s.Due), micro(s.ReportedAt), s.OnTime, s.Minutes, f.Registered, f.LeadUnit, f.StationUnit,
					f.VillageUnit})
			}
		}
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			for _, cp := range []struct {
				table string
				cols  []string
				rows  [][]any
			}{
				{"case_facts", []string{"case_id", "version", "registered", "kind", "lead_unit", "station_unit",
					"village_unit", "owner", "received_at", "repeat_links", "headcount", "accept_due_day",
					"accept_decided", "accept_on_time", "accept_passed", "replied_at", "replied_on_time", "accepted_at",
					"resolved", "effective_at", "applied", "perf_ended_at", "performed", "active", "running_passed",
					"running_day", "closed_at", "handling_days", "ratings", "satisfied"}, facts},
				{"case_fact_mediators", []string{"case_id", "mediator", "ratings", "satisfied"}, mediators},
				{"case_fact_supervisions", []string{"case_id", "n", "issued_at", "passed", "answered_at", "on_time",
					"adopted", "registered", "lead_unit", "station_unit", "village_unit"}, sups},
				{"case_fact_summons", []string{"case_id", "n", "level", "unit", "issued_at", "due", "reported_at",
					"on_time", "minutes", "registered", "lead_unit", "station_unit", "village_unit"}, summons},
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
	if err := db.RebuildFactSums(ctx); err != nil {
		b.Fatalf("rebuild sums: %v", err)
	}
	if _, err := c.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	storetest.BenchStatistics(b, db)
}

// keptSchemaDSN returns the DSN of schema name, made if need be and kept
// after the benchmark, and whether it holds the facts of n cases already;
// for an empty name, a schema of the benchmark's own (schemaDSN).
func keptSchemaDSN(b *testing.B, name string, n int) (string, bool) {
	if name == "" {
		return schemaDSN(b), false
	}
	dsn := serverDSN(b)
	admin := connect(b, dsn)
	ctx := context.Background()
	if _, err := admin.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
		b.Fatalf("create schema: %v", err)
	}
	var have int
	err := admin.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{name, "case_facts"}.Sanitize()).Scan(&have)
	return withParam(b, dsn, "search_path", name), err == nil && have == n
}
