package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions/postgres"
)

// serverDSN returns the server the tests use, from HEARINGROOM_TEST_POSTGRES
// (test.sh starts a throwaway one and sets it). Without it the test is
// skipped, or fails under CI=true, where a missing server is a broken run.
func serverDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("HEARINGROOM_TEST_POSTGRES")
	if dsn != "" {
		return dsn
	}
	const why = "HEARINGROOM_TEST_POSTGRES is not set: no PostgreSQL to test against (./test.sh starts one)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
	return ""
}

// schemaDSN creates a schema of its own for the test, dropped at cleanup,
// and returns the server's DSN with the schema as its search path, so that
// tests running at once never see each other's tables.
func schemaDSN(t testing.TB) string {
	t.Helper()
	dsn := serverDSN(t)
	schema := "test_" + randomHex(t, 8)
	admin := connect(t, dsn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParam(t, dsn, "search_path", schema)
}

// withParam returns dsn, a URL or key=value string, with one more parameter.
func withParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " " + key + "=" + value
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("HEARINGROOM_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// connect opens a plain connection, closed at cleanup.
func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// openDB opens the store on a fresh schema of its own, migrated, and closes
// it at cleanup (before the schema is dropped).
func openDB(t testing.TB) *postgres.DB {
	t.Helper()
	return openDSN(t, schemaDSN(t), true)
}

func openDSN(t testing.TB, dsn string, migrate bool) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	return db
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
