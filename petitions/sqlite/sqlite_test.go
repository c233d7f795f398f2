package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"hearingroom/petitions"
	"hearingroom/petitions/storetest"
)

// MustOpenDB opens a migrated database in a temporary directory and closes it
// when tb ends.
func MustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(tb.TempDir(), "ledger.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) petitions.Store { return tamperDB{MustOpenDB(t)} })
}

// tamperDB is the store with storetest.Tamperer's back door, for tests only.
type tamperDB struct{ *DB }

var tamperable = map[string]bool{"actor": true, "kind": true, "data": true}

func (db tamperDB) TamperEvent(ctx context.Context, seq int64, field, value string) error {
	if !tamperable[field] {
		return fmt.Errorf("cannot tamper with %q", field)
	}
	_, err := db.write.ExecContext(ctx, `UPDATE ledger_events SET `+field+` = ? WHERE seq = ?`, value, seq)
	return err
}

func (db tamperDB) DeleteEvent(ctx context.Context, seq int64) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM ledger_events WHERE seq = ?`, seq)
	return err
}

func (db tamperDB) ForceTamperEvent(ctx context.Context, seq int64, field, value string) error {
	return db.inTx(ctx, func(tx *wtx) error {
		var trigger string
		if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'ledger_events_no_update'`).Scan(&trigger); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER ledger_events_no_update`); err != nil {
			return err
		}
		if !tamperable[field] {
			return fmt.Errorf("cannot tamper with %q", field)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_events SET `+field+` = ? WHERE seq = ?`, value, seq); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, trigger)
		return err
	})
}

func TestOpenRefusesMemory(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", "x.db?_pragma=foo"} {
		if _, err := Open(context.Background(), path); petitions.ErrorCode(err) != petitions.EINVALID {
			t.Errorf("Open(%q) = %v, want EINVALID", path, err)
		}
	}
}

func TestMigrateAndCheckSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := db.CheckSchema(ctx); !errors.Is(err, ErrSchema) || petitions.ErrorCode(err) != petitions.EINTERNAL {
		t.Fatalf("CheckSchema on an empty database = %v, want ErrSchema", err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) == 0 {
		t.Fatalf("Migrate = %v, %v", applied, err)
	}
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
	again, err := db.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate = %v, %v; want nothing applied", again, err)
	}

	if _, err := db.write.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckSchema(ctx); !errors.Is(err, ErrSchema) {
		t.Fatalf("CheckSchema with a future migration = %v, want ErrSchema", err)
	}

	var mode string
	if err := db.read.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if _, err := db.read.ExecContext(ctx, `DELETE FROM units`); err == nil {
		t.Errorf("a read connection wrote")
	}
}

func TestScanEventsAcrossBatches(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.batch = 3
	for i := range 10 {
		ev := &petitions.Event{Kind: "session.joined", Actor: "terminal-1", ActorRole: "proxy",
			At: db.now(), Data: []byte(fmt.Sprintf(`{"i":%d}`, i))}
		if err := db.AppendEvent(ctx, ev); err != nil {
			t.Fatalf("AppendEvent: %v", err)
		}
	}
	for _, from := range []int64{0, 1, 3, 4, 10, 11} {
		var seqs []int64
		if err := db.ScanEvents(ctx, from, func(e *petitions.Event) error { seqs = append(seqs, e.Seq); return nil }); err != nil {
			t.Fatalf("ScanEvents(%d): %v", from, err)
		}
		want := int64(10) - max(from, 1) + 1
		if int64(len(seqs)) != want || (len(seqs) > 0 && seqs[0] != max(from, 1)) {
			t.Errorf("ScanEvents(%d) = %v, want %d events from %d", from, seqs, want, max(from, 1))
		}
	}
	if r, err := petitions.VerifyStore(ctx, db, nil); err != nil || !r.OK() || r.Events != 10 {
		t.Errorf("VerifyStore = %+v, %v", r, err)
	}
}
