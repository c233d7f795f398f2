// Package postgres is the server store of the ledger: petitions.Store on
// PostgreSQL through jackc/pgx v5. Its schema comes from embedded, versioned
// migrations (Migrate, under an advisory lock so that servers starting
// together do not collide); CheckSchema refuses a schema that does not match
// this program. The history table refuses UPDATE and DELETE by trigger.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"hearingroom/petitions"
	"hearingroom/petitions/groupcommit"
)

// DB is the PostgreSQL store, on a pgxpool connection pool. Open it with
// Open, bring its schema up to date with Migrate (or refuse a stale one with
// CheckSchema), and Close it. The writes that append to the history go
// through its appender (appender.go), which commits them in batches.
type DB struct {
	pool    *pgxpool.Pool
	app     *groupcommit.Queue[*appendItem]
	parents petitions.UnitParents // for the sums by unit
}

// Open connects to the server dsn names and checks that it answers. The DSN
// is a URL or key=value string as libpq takes it, with pgxpool's pool_*
// settings (pool_max_conns, …); parameters such as search_path are set on
// every connection. Open neither creates nor checks the schema: call Migrate
// or CheckSchema next.
func Open(ctx context.Context, dsn string) (*DB, error) {
	config, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID,
			"The PostgreSQL connection string is invalid."), err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return nil, internal(err, "connect to %s:%d", config.ConnConfig.Host, config.ConnConfig.Port)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, internal(err, "connect to %s:%d", config.ConnConfig.Host, config.ConnConfig.Port)
	}
	db := &DB{pool: pool}
	db.app = newAppender(db)
	return db, nil
}

// Close waits for the batch of appends being committed, fails those still
// waiting, and closes the connections to the server.
func (db *DB) Close() error {
	db.app.Close()
	db.pool.Close()
	return nil
}

var _ petitions.Store = (*DB)(nil)

// maxRetries bounds the runs of a write transaction that keeps losing races
// for a history sequence number.
const maxRetries = 10

// errRetry marks a write transaction worth running again.
var errRetry = errors.New("postgres: retry")

// inTx runs fn in a transaction, commits if fn returns nil and rolls back
// otherwise. A transaction that fails with errRetry in its chain is run
// again.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for range maxRetries {
		err = db.tx1(ctx, fn)
		if !errors.Is(err, errRetry) {
			return err
		}
	}
	return err
}

func (db *DB) tx1(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return internal(err, "begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return internal(err, "commit")
	}
	return nil
}

// withConn runs fn on a pooled connection outside any transaction.
func (db *DB) withConn(ctx context.Context, fn func(c *pgx.Conn) error) error {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return internal(err, "connect")
	}
	defer c.Release()
	return fn(c.Conn())
}

// internal wraps err, which is not a *petitions.Error, as EINTERNAL; a
// *petitions.Error passes unchanged.
func internal(err error, format string, args ...any) error {
	var pe *petitions.Error
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w: postgres: %s: %w", petitions.Errorf(petitions.EINTERNAL, "The ledger database failed."),
		fmt.Sprintf(format, args...), err)
}

// uniqueViolation returns the name of the unique constraint (or index) err
// violates, or "" if err is not a unique violation.
func uniqueViolation(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName
	}
	return ""
}

// badText reports whether err is the server refusing a string, such as one
// holding a NUL character, that a TEXT column cannot keep.
func badText(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "22021" || pe.Code == "22P05")
}
