package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"hearingroom/petitions"
	"hearingroom/petitions/postgres"
)

func TestMigrateTwiceIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := openDSN(t, schemaDSN(t), false)
	if err := db.CheckSchema(ctx); !errors.Is(err, postgres.ErrSchema) {
		t.Fatalf("CheckSchema on an empty schema = %v, want ErrSchema", err)
	}
	first, err := db.Migrate(ctx)
	if err != nil || len(first) == 0 {
		t.Fatalf("first Migrate = %v, %v; want the migrations applied", first, err)
	}
	second, err := db.Migrate(ctx)
	if err != nil || len(second) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", second, err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	const servers = 4
	var wg sync.WaitGroup
	applied := make([][]string, servers)
	errs := make([]error, servers)
	for i := range servers {
		db := openDSN(t, dsn, false)
		wg.Go(func() { applied[i], errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	winners := 0
	for i := range servers {
		if errs[i] != nil {
			t.Errorf("server %d: Migrate: %v", i, errs[i])
		}
		if len(applied[i]) > 0 {
			winners++
		}
	}
	if winners != 1 {
		t.Errorf("%d servers applied migrations (%v), want exactly 1", winners, applied)
	}
	if err := openDSN(t, dsn, false).CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema: %v", err)
	}
}

func TestCheckSchemaRefusesBehindAndAhead(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	db := openDSN(t, dsn, true)
	c := connect(t, dsn)

	if _, err := c.Exec(ctx, `DELETE FROM schema_migrations WHERE name = '0001_ledger.sql'`); err != nil {
		t.Fatal(err)
	}
	err := db.CheckSchema(ctx)
	if !errors.Is(err, postgres.ErrSchema) || !strings.Contains(petitions.ErrorMessage(err), "behind") {
		t.Fatalf("CheckSchema on a schema behind = %v, want ErrSchema saying behind", err)
	}
	if petitions.ErrorCode(err) != petitions.EINTERNAL {
		t.Errorf("code = %q, want %q", petitions.ErrorCode(err), petitions.EINTERNAL)
	}

	if _, err := c.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ('0001_ledger.sql'), ('9999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	err = db.CheckSchema(ctx)
	if !errors.Is(err, postgres.ErrSchema) || !strings.Contains(petitions.ErrorMessage(err), "ahead") {
		t.Fatalf("CheckSchema on a schema ahead = %v, want ErrSchema saying ahead", err)
	}
}

func TestHistoryRefusesUpdateAndDelete(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	openDSN(t, dsn, true)
	c := connect(t, dsn)
	if _, err := c.Exec(ctx, `INSERT INTO ledger_events
		(seq, case_id, case_seq, kind, actor, actor_role, at, data, prev_hash, case_prev_hash, hash, case_hash)
		VALUES (1, '', 0, 'test', 'tester', 'auditor', now(), '{}', '', '', 'h', '')`); err != nil {
		t.Fatalf("insert: %v", err)
	}
	for _, stmt := range []string{
		`UPDATE ledger_events SET data = '{"x":1}' WHERE seq = 1`,
		`DELETE FROM ledger_events WHERE seq = 1`,
		`TRUNCATE ledger_events`,
	} {
		_, err := c.Exec(ctx, stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || !strings.Contains(pe.Message, "append-only") {
			t.Errorf("%s: err = %v, want the trigger's refusal", stmt, err)
		}
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM ledger_events WHERE data = '{}'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the event after the refusals: count %d, %v; want it unchanged", n, err)
	}
}
