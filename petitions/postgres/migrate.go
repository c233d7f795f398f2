package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded migration file; its version is its name, and
// names sort in the order they apply.
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

// migrateLock takes the transaction-level advisory lock that serialises
// migrations of the current schema: a second server migrating at the same
// time waits, then finds the work done. The key is derived from the schema's
// name so that different schemas of one database migrate independently.
const migrateLock = `SELECT pg_advisory_xact_lock(hashtextextended('hearingroom.migrate:' || coalesce(current_schema(), ''), 0))`

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       TEXT PRIMARY KEY,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`

// Migrate applies, in name order, each embedded migration that the schema
// (the first of the search path) has not recorded in schema_migrations. All
// of them run in one transaction that holds an advisory lock, together with
// their records: either every pending migration is applied or none is. It
// returns the names it applied; none when the schema is up to date.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, internal(err, "read migrations")
	}
	var applied []string
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		applied = nil
		if _, err := tx.Exec(ctx, migrateLock); err != nil {
			return internal(err, "lock for migration")
		}
		if _, err := tx.Exec(ctx, createMigrationsTable); err != nil {
			return internal(err, "create schema_migrations")
		}
		done, err := appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if done[m.name] {
				continue
			}
			// Without arguments pgx sends the simple protocol, which runs a
			// file of several statements.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return internal(err, "migration %s", m.name)
			}
			if m.name == worklistMigration {
				if err := backfillWorklists(ctx, tx); err != nil {
					return internal(err, "migration %s: backfill", m.name)
				}
			}
			if m.name == unitSumsMigration {
				if err := rebuildFactSums(ctx, tx); err != nil {
					return internal(err, "migration %s: rebuild the sums", m.name)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, m.name); err != nil {
				return internal(err, "record migration %s", m.name)
			}
			applied = append(applied, m.name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

// ErrSchema is wrapped by the error CheckSchema returns for a schema that does
// not match this program's migrations.
var ErrSchema = errors.New("postgres: schema does not match this program")

// CheckSchema returns nil if the schema has exactly this program's migrations
// applied. Otherwise it returns an EINTERNAL error wrapping ErrSchema that
// says whether the schema is behind (run `hearingroom migrate`) or ahead
// (from a newer program).
func (db *DB) CheckSchema(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return internal(err, "read migrations")
	}
	var done map[string]bool
	err = db.withConn(ctx, func(c *pgx.Conn) error {
		var exists bool
		if err := c.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
			return internal(err, "look for schema_migrations")
		}
		if !exists {
			done = map[string]bool{}
			return nil
		}
		done, err = appliedMigrations(ctx, c)
		return err
	})
	if err != nil {
		return err
	}
	for _, m := range ms {
		if !done[m.name] {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINTERNAL,
				"The database schema is behind: migration %s is not applied; run hearingroom migrate.", m.name), ErrSchema)
		}
		delete(done, m.name)
	}
	for n := range done {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINTERNAL,
			"The database schema is ahead of this program: it has migration %s.", n), ErrSchema)
	}
	return nil
}

// querier is what pgx.Conn and pgx.Tx share for reading.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func appliedMigrations(ctx context.Context, q querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, internal(err, "read schema_migrations")
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, internal(err, "read schema_migrations")
	}
	done := make(map[string]bool, len(names))
	for _, n := range names {
		done[n] = true
	}
	return done, nil
}
