package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/postgres"
	"hearingroom/petitions/storetest"
)

// TestStore runs the conformance suite, each subtest on a schema of its own
// on the real server test.sh starts.
func TestStore(t *testing.T) {
	serverDSN(t) // skip (or fail under CI) before any subtest if there is no server
	storetest.Run(t, func(t *testing.T) petitions.Store {
		dsn := schemaDSN(t)
		return tamperDB{openDSN(t, dsn, true), connect(t, dsn)}
	})
}

// tamperDB is the store with storetest.Tamperer's back door, for tests only:
// plain SQL on a connection of its own, as an intruder would send it.
type tamperDB struct {
	*postgres.DB
	sql *pgx.Conn
}

var tamperable = map[string]bool{"actor": true, "kind": true, "data": true}

func (db tamperDB) TamperEvent(ctx context.Context, seq int64, field, value string) error {
	if !tamperable[field] {
		return fmt.Errorf("cannot tamper with %q", field)
	}
	_, err := db.sql.Exec(ctx, `UPDATE ledger_events SET `+field+` = $1 WHERE seq = $2`, value, seq)
	return err
}

func (db tamperDB) DeleteEvent(ctx context.Context, seq int64) error {
	_, err := db.sql.Exec(ctx, `DELETE FROM ledger_events WHERE seq = $1`, seq)
	return err
}

// ForceTamperEvent disables the append-only trigger, updates and enables it
// again in one transaction, which only the table's owner can do.
func (db tamperDB) ForceTamperEvent(ctx context.Context, seq int64, field, value string) error {
	if !tamperable[field] {
		return fmt.Errorf("cannot tamper with %q", field)
	}
	return pgx.BeginFunc(ctx, db.sql, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ALTER TABLE ledger_events DISABLE TRIGGER ledger_events_no_update_delete`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE ledger_events SET `+field+` = $1 WHERE seq = $2`, value, seq); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `ALTER TABLE ledger_events ENABLE TRIGGER ledger_events_no_update_delete`)
		return err
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dsn := schemaDSN(t)
	if _, err := postgres.Open(ctx, "postgres://127.0.0.1:bad-port/x"); petitions.ErrorCode(err) != petitions.EINVALID {
		t.Errorf("Open with a bad DSN = %v, want %s", err, petitions.EINVALID)
	}
	if _, err := postgres.Open(ctx, withParam(t, dsn, "pool_max_conns", "none")); petitions.ErrorCode(err) != petitions.EINVALID {
		t.Errorf("Open with pool_max_conns=none = %v, want %s", err, petitions.EINVALID)
	}
	// One connection serves a transaction and then the next caller.
	db := openDSN(t, withParam(t, dsn, "pool_max_conns", "1"), true)
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema with one connection: %v", err)
	}
	if _, err := db.Units(ctx); err != nil {
		t.Fatalf("Units with one connection: %v", err)
	}
}
