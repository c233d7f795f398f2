package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
	"hearingroom/petitions/demo"
	"hearingroom/petitions/sqlite"
)

// TestLedgerCommands: the server creates the embedded ledger on first start;
// migrate reports it current; ledger verify proves a clean history and
// names the first tampered event.
func TestLedgerCommands(t *testing.T) {
	ctx := context.Background()
	m := mustRunMain(t)
	dir := m.Config.DataDir
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--data-dir", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "up to date") {
		t.Fatalf("migrate said %q", out.String())
	}

	// Three events on one case, written through the store.
	db, err := sqlite.Open(ctx, filepath.Join(dir, ledgerFile))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i, kind := range []string{"note", "read", "note"} {
		data, _ := json.Marshal(map[string]any{"n": i})
		ev := &petitions.Event{Kind: kind, Actor: "clerk", ActorRole: "administrator", At: at.Add(time.Duration(i) * time.Minute), Data: data}
		if err := db.AppendEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out.Reset()
	if err := run(ctx, []string{"ledger", "verify", "--data-dir", dir}, &out, io.Discard); err != nil {
		t.Fatalf("verify a clean ledger: %v (%s)", err, out.String())
	}
	if !strings.Contains(out.String(), "3 events") {
		t.Fatalf("verify said %q", out.String())
	}

	// Change one byte of event 2 behind the store's back.
	raw, err := sql.Open("sqlite", filepath.Join(dir, ledgerFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE ledger_events SET actor = 'clerK' WHERE seq = 2`); err == nil {
		t.Fatal("the history accepted an UPDATE")
	}
	for _, q := range []string{`DROP TRIGGER ledger_events_no_update`, `UPDATE ledger_events SET actor = 'clerK' WHERE seq = 2`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	err = run(ctx, []string{"ledger", "verify", "--data-dir", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "seq 2") {
		t.Fatalf("verify of a tampered ledger = %v, want it to name seq 2", err)
	}

	// The server refuses to start on a schema that is ahead of it.
	raw, _ = sql.Open("sqlite", filepath.Join(dir, ledgerFile))
	if _, err := raw.Exec(`INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	m2 := NewMain()
	m2.Config.DataDir, m2.Config.HTTPAddr, m2.Config.UDPAddr, m2.Config.TCPAddr = dir, "127.0.0.1:0", "127.0.0.1:0", ""
	m2.Log = m.Log
	if err := m2.Run(ctx); err == nil {
		m2.Close()
		t.Fatal("the server started on a schema ahead of it")
	}
}

// TestLedgerOnPostgres: migrate, verify and the server's start-up check on a
// real PostgreSQL (started by test.sh), in a schema of the test's own.
func TestLedgerOnPostgres(t *testing.T) {
	dsn := os.Getenv("HEARINGROOM_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("HEARINGROOM_TEST_POSTGRES is not set: ./test.sh starts PostgreSQL and sets it")
		}
		t.Skip("HEARINGROOM_TEST_POSTGRES is not set; ./test.sh starts PostgreSQL and sets it")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("cmd_test_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db := u.String()

	// The server refuses an unmigrated PostgreSQL ledger.
	m := NewMain()
	m.Config.DataDir, m.Config.Database = t.TempDir(), db
	m.Config.HTTPAddr, m.Config.UDPAddr, m.Config.TCPAddr = "127.0.0.1:0", "127.0.0.1:0", ""
	m.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(ctx); err == nil || !strings.Contains(err.Error(), "migrate") {
		m.Close()
		t.Fatalf("start on an unmigrated database = %v, want a refusal naming migrate", err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--database", db}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "applied") {
		t.Fatalf("migrate = %v, %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"ledger", "verify", "--database", db}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "0 events") {
		t.Fatalf("verify = %v, %q", err, out.String())
	}
	m = NewMain()
	m.Config.DataDir, m.Config.Database = t.TempDir(), db
	m.Config.HTTPAddr, m.Config.UDPAddr, m.Config.TCPAddr = "127.0.0.1:0", "127.0.0.1:0", ""
	m.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(ctx); err != nil {
		t.Fatalf("start on a migrated database: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDemoCommand: demo fills a new data dir with a county ledger that
// verifies, prints a login per role that signs in over HTTP with the demo
// password, serves it, and refuses to touch a data dir that has a ledger.
func TestDemoCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--data-dir", dir, "--cases", "120", "--http-addr", "127.0.0.1:0",
			"--udp-addr", "127.0.0.1:0", "--tcp-addr", "", "--log-level", "error"}, out, io.Discard)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.tail(1<<20), "Stop with Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("demo ended early: %v\n%s", err, out.tail(1<<20))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not serving after 2 min:\n%s", out.tail(1<<20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	printed := out.tail(1 << 20)
	for _, want := range []string{"120 cases", "101 stations", "people", "receptions", "password " + demo.Password} {
		if !strings.Contains(printed, want) {
			t.Errorf("demo output lacks %q:\n%s", want, printed)
		}
	}
	for _, l := range demo.Logins(demo.NewPeople(1)) {
		if !strings.Contains(printed, l.Login) || !strings.Contains(printed, l.RoleName) {
			t.Errorf("demo output lacks the %s login %s (%s):\n%s", l.Role, l.Login, l.RoleName, printed)
		}
	}
	base := regexp.MustCompile(`hearingroom is running at (\S+)`).FindStringSubmatch(printed)
	if base == nil {
		t.Fatalf("no base URL in:\n%s", printed)
	}
	for pw, code := range map[string]int{demo.Password: http.StatusOK, "not-the-demo-password": http.StatusUnauthorized} {
		body, _ := json.Marshal(map[string]string{"login": "dispatcher.01", "password": pw})
		resp, err := http.Post(base[1]+"/api/v1/session", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("sign in as dispatcher.01 with %q: %s, want %d", pw, resp.Status, code)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var vout bytes.Buffer
	if err := run(context.Background(), []string{"ledger", "verify", "--data-dir", dir}, &vout, io.Discard); err != nil {
		t.Fatalf("verify the demo ledger: %v", err)
	}
	if err := run(context.Background(), []string{"demo", "--data-dir", dir}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "already holds a ledger") {
		t.Fatalf("demo over an existing ledger = %v", err)
	}
}

// TestLedgerFactsCommand: `ledger facts` recomputes the statistics facts of
// every case of a ledger.
func TestLedgerFactsCommand(t *testing.T) {
	ctx := context.Background()
	c := DefaultConfig()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	if err := loadDemo(ctx, c, demo.Config{Cases: 40, Seed: 3}, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"ledger", "facts", "--data-dir", c.DataDir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "of 40 cases") {
		t.Errorf("ledger facts said %q", out.String())
	}
	if err := run(ctx, []string{"ledger", "facts", "--data-dir", filepath.Join(t.TempDir(), "none")}, io.Discard, io.Discard); err == nil {
		t.Errorf("ledger facts on no ledger succeeded")
	}
}
