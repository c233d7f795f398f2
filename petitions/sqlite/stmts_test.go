package sqlite

import (
	"context"
	"fmt"
	"testing"
)

// prepared reports whether query is among the write connection's prepared
// statements.
func (db *DB) prepared(query string) bool {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return db.stmts.prepared[query] != nil
}

func TestWriteStatementsArePreparedFromTheNextTransaction(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const query = `SELECT count(*) FROM units WHERE level = ?`
	count := func() int {
		t.Helper()
		var n int
		if err := db.inTx(ctx, func(tx *wtx) error {
			return tx.QueryRowContext(ctx, query, "county").Scan(&n)
		}); err != nil {
			t.Fatalf("inTx: %v", err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("counted %d county units in an empty ledger", n)
	}
	if db.prepared(query) {
		t.Fatal("the statement was prepared within the transaction that met it")
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO units (id, name, level, depth) VALUES ('c', 'County', 'county', 0)`); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("the prepared statement counted %d county units, want 1", n)
	}
	if !db.prepared(query) {
		t.Fatal("the statement met by the last transaction is not prepared for the next")
	}

	// A prepared statement survives a change of schema (SQLite prepares it
	// again) and a failing transaction.
	if _, err := db.write.ExecContext(ctx, `CREATE INDEX units_level ON units (level)`); err != nil {
		t.Fatal(err)
	}
	if err := db.inTx(ctx, func(tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO units (id, name, level, depth) VALUES ('t', 'Town', 'township', 1)`); err != nil {
			return err
		}
		return fmt.Errorf("give up")
	}); err == nil {
		t.Fatal("the failing transaction committed")
	}
	if n := count(); n != 1 {
		t.Fatalf("after a change of schema and a rollback the statement counted %d, want 1", n)
	}
}

func TestWriteStatementsAreBounded(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	for round := range 2 {
		if err := db.inTx(ctx, func(tx *wtx) error {
			for i := range maxStmts + 20 {
				var n int
				if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + %d`, round, i)).Scan(&n); err != nil {
					return err
				}
				if n != round+i {
					return fmt.Errorf("SELECT %d + %d = %d", round, i, n)
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	db.prepareNoted(ctx)
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if n := len(db.stmts.prepared) + len(db.stmts.noted); n > maxStmts {
		t.Fatalf("%d statements kept, more than %d", n, maxStmts)
	}
}

// A transaction that runs one statement many times binds it once: the
// bound statements live to the end of the transaction.
func TestWriteStatementsBindOnceATransaction(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const query = `SELECT ? + 1`
	run := func() map[string]int {
		var bound map[string]int
		if err := db.inTx(ctx, func(tx *wtx) error {
			for i := range 1000 {
				var n int
				if err := tx.QueryRowContext(ctx, query, i).Scan(&n); err != nil || n != i+1 {
					return fmt.Errorf("run %d: %d, %v", i, n, err)
				}
			}
			bound = map[string]int{}
			for q := range tx.bound {
				bound[q]++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return bound
	}
	run() // notes the statement
	if bound := run(); len(bound) != 1 || bound[query] != 1 {
		t.Fatalf("bound statements %v, want the one", bound)
	}
}

// A statement that cannot be prepared outside its transaction runs
// unprepared, and is not tried again.
func TestWriteStatementsThatCannotBePrepared(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const query = `SELECT count(*) FROM temp.scratch`
	for round := range 3 {
		if err := db.inTx(ctx, func(tx *wtx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE scratch (a)`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, query).Scan(&n); err != nil || n != 0 {
				return fmt.Errorf("count: %d, %v", n, err)
			}
			_, err := tx.ExecContext(ctx, `DROP TABLE temp.scratch`)
			return err
		}); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if s, kept := db.stmts.prepared[query]; !kept || s != nil || db.stmts.noted[query] {
		t.Errorf("the unpreparable statement: kept %v as %v, noted again %v", kept, s, db.stmts.noted[query])
	}
}
