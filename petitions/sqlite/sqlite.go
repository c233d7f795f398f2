// Package sqlite is the embedded store of the ledger: petitions.Store on
// SQLite through modernc.org/sqlite (pure Go, no cgo). The database is one
// file in WAL mode; writes are serialised on one connection, reads run
// concurrently on others.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"hearingroom/petitions"
	"hearingroom/petitions/groupcommit"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// BusyTimeout is how long a connection waits for a lock held by another
// process before it fails.
const BusyTimeout = 5 * time.Second

// DB is the SQLite store. Open it with Open, bring its schema up to date with
// Migrate (or refuse a stale one with CheckSchema), and Close it. The writes
// that append to the history go through its appender (appender.go), which
// commits them in batches.
type DB struct {
	write *sql.DB // one connection; every transaction BEGIN IMMEDIATE
	read  *sql.DB // query-only connections
	path  string
	now   func() time.Time
	batch int // events per query of ScanEvents
	app   *groupcommit.Queue[*appendItem]
	stmts stmtCache // the write transactions' prepared statements
	// parents is the units' parents, for the sums by unit.
	parents petitions.UnitParents
}

var _ petitions.Store = (*DB)(nil)

// Open opens (creating if need be) the database file at path, in WAL mode
// with foreign keys on and a busy timeout. It neither creates nor checks the
// schema: call Migrate or CheckSchema next. An in-memory database is not
// supported: the read and write connections must share one file.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") || strings.Contains(path, ":memory:") {
		return nil, petitions.Errorf(petitions.EINVALID, "The database path %q is not a plain file name.", path)
	}
	common := url.Values{}
	common.Set("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	// A page cache of 64 MiB a connection (SQLite's default is 2 MiB): a
	// county's indexes are read and written all over, and a miss is a read
	// from the file.
	common.Add("_pragma", "cache_size(-65536)")

	wq := url.Values{"_pragma": slices.Clone(common["_pragma"])}
	wq.Add("_pragma", "journal_mode(WAL)")
	wq.Add("_pragma", "synchronous(FULL)")
	// The journals of the appender's savepoints in memory, not in a
	// temporary file: writing each page a batch changes to one was a
	// sixth of the writer's time.
	wq.Add("_pragma", "temp_store(MEMORY)")
	wq.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, internal(err, "open %s", path)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, internal(err, "open %s", path)
	}

	rq := url.Values{"_pragma": slices.Clone(common["_pragma"])}
	rq.Add("_pragma", "query_only(1)")
	read, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err == nil {
		read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
		err = read.PingContext(ctx)
	}
	if err != nil {
		write.Close()
		if read != nil {
			read.Close()
		}
		return nil, internal(err, "open %s", path)
	}
	db := &DB{write: write, read: read, path: path, now: time.Now, batch: scanBatch}
	db.app = newAppender(db)
	return db, nil
}

// Close waits for the batch of appends being committed, fails those still
// waiting, and closes the database.
func (db *DB) Close() error {
	db.app.Close()
	db.closeStmts()
	return errors.Join(db.read.Close(), db.write.Close())
}

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// migration is one embedded migration file; its version is its name.
type migration struct{ name, sql string }

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	ms := make([]migration, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(migrationFS, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{strings.TrimPrefix(n, "migrations/"), string(b)})
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       TEXT PRIMARY KEY,
	applied_at INTEGER NOT NULL
)`

// Migrate applies, in name order, each embedded migration that the database
// has not recorded in schema_migrations, each in its own transaction
// together with its record. It returns the names it applied.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, internal(err, "read migrations")
	}
	if _, err := db.write.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, internal(err, "create schema_migrations")
	}
	var applied []string
	for _, m := range ms {
		done := false
		err := db.inTx(ctx, func(tx *wtx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, m.name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Tx.ExecContext(ctx, m.sql); err != nil { // a script: not a statement to keep
				return err
			}
			if m.name == worklistMigration {
				if err := backfillWorklists(ctx, tx); err != nil {
					return err
				}
			}
			if m.name == unitSumsMigration {
				if err := rebuildFactSums(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, m.name, db.now().UnixMicro())
			done = true
			return err
		})
		if err != nil {
			return applied, internal(err, "migration %s", m.name)
		}
		if done {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

// ErrSchema is wrapped by the error CheckSchema returns for a schema that does
// not match this program's migrations.
var ErrSchema = errors.New("sqlite: schema does not match this program")

// CheckSchema returns nil if the database has exactly this program's
// migrations applied. Otherwise it returns an EINTERNAL error wrapping
// ErrSchema that says whether the schema is behind (run `hearingroom
// migrate`) or ahead (from a newer program).
func (db *DB) CheckSchema(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return internal(err, "read migrations")
	}
	applied := map[string]bool{}
	var tables int
	if err := db.read.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables); err != nil {
		return internal(err, "read schema_migrations")
	}
	if tables > 0 {
		rows, err := db.read.QueryContext(ctx, `SELECT name FROM schema_migrations`)
		if err != nil {
			return internal(err, "read schema_migrations")
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return internal(err, "read schema_migrations")
			}
			applied[n] = true
		}
		if err := rows.Err(); err != nil {
			return internal(err, "read schema_migrations")
		}
	}
	for _, m := range ms {
		if !applied[m.name] {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINTERNAL,
				"The database schema is behind: migration %s is not applied; run hearingroom migrate.", m.name), ErrSchema)
		}
		delete(applied, m.name)
	}
	for n := range applied {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINTERNAL,
			"The database schema is ahead of this program: it has migration %s.", n), ErrSchema)
	}
	return nil
}

// maxRetries bounds the retries of a write transaction that lost a race for
// a history sequence number.
const maxRetries = 5

// errRetry marks a write transaction worth running again.
var errRetry = errors.New("sqlite: retry")

// inTx runs fn in a write transaction (BEGIN IMMEDIATE on the single write
// connection), commits if fn returns nil and rolls back otherwise. A
// transaction that fails with errRetry in its chain is run again.
func (db *DB) inTx(ctx context.Context, fn func(tx *wtx) error) error {
	var err error
	for range maxRetries {
		err = db.tx1(ctx, fn)
		if !errors.Is(err, errRetry) {
			return err
		}
	}
	return err
}

func (db *DB) tx1(ctx context.Context, fn func(tx *wtx) error) error {
	db.prepareNoted(ctx)
	tx, err := db.begin(ctx, nil)
	if err != nil {
		return internal(err, "begin")
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return internal(err, "commit")
	}
	return nil
}

// internal wraps err, which is not an *petitions.Error, as EINTERNAL; an
// *petitions.Error passes unchanged.
func internal(err error, format string, args ...any) error {
	var pe *petitions.Error
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", petitions.Errorf(petitions.EINTERNAL, "The ledger database failed."),
		fmt.Sprintf(format, args...), err)
}

// constraint returns the extended result code of a constraint violation in
// err's chain, or 0.
func constraint(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		return se.Code()
	}
	return 0
}

// isUnique reports whether err is a violation of a primary key or unique
// constraint.
func isUnique(err error) bool {
	c := constraint(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
