package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
)

// SQLite parses a statement each time it runs one that is not prepared, and
// a registration runs about twenty: parsing was a quarter of the writer's
// time. The write transactions therefore run their statements prepared,
// once for the life of the write connection.
//
// database/sql can only prepare a statement for the pool on a free
// connection, and the write pool's one connection is never free inside a
// write transaction. So a statement a transaction meets for the first time
// runs unprepared and is noted; the next write transaction prepares the
// noted statements before it takes the connection (prepareNoted), and runs
// them as tx.StmtContext of those, which reuses the connection's prepared
// statement.

// maxStmts bounds the statements kept prepared: the write paths have a few
// dozen texts; a text built with a varying number of placeholders would
// otherwise grow the cache without end.
const maxStmts = 256

// stmtCache is the write connection's prepared statements by text.
type stmtCache struct {
	mu       sync.Mutex
	prepared map[string]*sql.Stmt
	noted    map[string]bool
}

// wtx is a write transaction whose ExecContext, QueryContext and
// QueryRowContext run prepared statements (see stmtCache).
type wtx struct {
	*sql.Tx
	c *stmtCache
	// origins is the stations' and villages' units the transaction has
	// resolved (resolveOrigin).
	origins map[string]string
	// bound is the prepared statements bound to this transaction, by text:
	// database/sql keeps each bound statement to the end of the
	// transaction, so one is made per text, not per run (a migration's
	// backfill runs millions).
	bound map[string]*sql.Stmt
}

// stmt returns the transaction's statement for query, or nil (noting the
// query) if it is not prepared yet.
func (tx *wtx) stmt(ctx context.Context, query string) *sql.Stmt {
	if s, ok := tx.bound[query]; ok {
		return s
	}
	c := tx.c
	c.mu.Lock()
	s, ok := c.prepared[query]
	if !ok && len(c.prepared)+len(c.noted) < maxStmts {
		if c.noted == nil {
			c.noted = map[string]bool{}
		}
		c.noted[query] = true
	}
	c.mu.Unlock()
	if s == nil { // not prepared yet, or never (prepareNoted failed)
		return nil
	}
	if tx.bound == nil {
		tx.bound = map[string]*sql.Stmt{}
	}
	b := tx.Tx.StmtContext(ctx, s)
	tx.bound[query] = b
	return b
}

// ExecContext runs query with args in the transaction.
func (tx *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query with args in the transaction.
func (tx *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with args in the transaction.
func (tx *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// prepareNoted prepares on the write pool the statements write
// transactions have noted. The caller must not hold the write connection.
// A statement that fails to prepare (a script of several, say) is kept as
// nil and runs unprepared from then on: its error, if it is one, is the
// transaction's to report.
func (db *DB) prepareNoted(ctx context.Context) {
	c := &db.stmts
	c.mu.Lock()
	noted := c.noted
	c.noted = nil
	c.mu.Unlock()
	for q := range noted {
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil && ctx.Err() != nil {
			continue // not the statement's fault: noted again when next run
		}
		if err != nil {
			slog.Debug("sqlite: statement left unprepared", "err", err)
			s = nil
		}
		c.mu.Lock()
		if c.prepared == nil {
			c.prepared = map[string]*sql.Stmt{}
		}
		if old := c.prepared[q]; old != nil {
			old.Close()
		}
		c.prepared[q] = s
		c.mu.Unlock()
	}
}

// closeStmts closes the prepared statements.
func (db *DB) closeStmts() {
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.prepared {
		if s != nil {
			s.Close()
		}
	}
	c.prepared, c.noted = nil, nil
}

// begin begins a write transaction on conn (on the write pool if conn is
// nil). Call prepareNoted before taking conn.
func (db *DB) begin(ctx context.Context, conn *sql.Conn) (*wtx, error) {
	var tx *sql.Tx
	var err error
	if conn != nil {
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = db.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	return &wtx{Tx: tx, c: &db.stmts}, nil
}
