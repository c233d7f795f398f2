package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"hearingroom/petitions"
	"hearingroom/petitions/postgres"
	"hearingroom/petitions/sqlite"
	ledgerstats "hearingroom/petitions/stats"
)

// ledger is the store the server keeps the ledger in, with its schema tools.
type ledger interface {
	petitions.Store
	Migrate(ctx context.Context) ([]string, error)
	CheckSchema(ctx context.Context) error
	Close() error
}

// ledgerFile is the embedded ledger's file inside the data dir.
const ledgerFile = "ledger.db"

// openLedger opens the configured store: PostgreSQL when --database is a
// postgres:// URL, else the SQLite file in the data dir. created reports
// that the SQLite file did not exist before (a fresh install).
func openLedger(ctx context.Context, c Config) (l ledger, created bool, err error) {
	if strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://") {
		db, err := postgres.Open(ctx, c.Database)
		if err != nil {
			return nil, false, fmt.Errorf("ledger: %w", err)
		}
		return db, false, nil
	}
	if c.Database != "" {
		return nil, false, fmt.Errorf("ledger: --database must be a postgres:// URL, or empty for the SQLite file in the data dir")
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, false, fmt.Errorf("ledger: %w", err)
	}
	path := filepath.Join(c.DataDir, ledgerFile)
	_, statErr := os.Stat(path)
	created = errors.Is(statErr, os.ErrNotExist)
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, false, fmt.Errorf("ledger: %w", err)
	}
	return db, created, nil
}

// openLedgerChecked opens the ledger for the server: a fresh embedded
// ledger is created with the current schema; any other must already be
// migrated (`hearingroom migrate`), or the server refuses to start.
func openLedgerChecked(ctx context.Context, c Config) (ledger, error) {
	l, created, err := openLedger(ctx, c)
	if err != nil {
		return nil, err
	}
	if created {
		if _, err := l.Migrate(ctx); err != nil {
			l.Close()
			return nil, fmt.Errorf("ledger: create: %w", err)
		}
	}
	if err := l.CheckSchema(ctx); err != nil {
		l.Close()
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return l, nil
}

// migrate applies the ledger's pending migrations.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := DefaultConfig()
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseConfig(&c, fs, args, os.LookupEnv); err != nil {
		return err
	}
	l, _, err := openLedger(ctx, c)
	if err != nil {
		return err
	}
	defer l.Close()
	applied, err := l.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "the ledger schema is up to date")
	}
	for _, m := range applied {
		fmt.Fprintln(stdout, "applied", m)
	}
	return nil
}

// ledgerCmd runs `hearingroom ledger verify`: it proves the whole history's
// hash chains and names the first event that does not match.
func ledgerCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "facts" {
		return factsCmd(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: hearingroom ledger verify|facts [--data-dir D | --database URL]")
	}
	c := DefaultConfig()
	fs := flag.NewFlagSet("ledger verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseConfig(&c, fs, args[1:], os.LookupEnv); err != nil {
		return err
	}
	l, created, err := openLedger(ctx, c)
	if err != nil {
		return err
	}
	defer l.Close()
	if created {
		return fmt.Errorf("ledger verify: no ledger in %s", c.DataDir)
	}
	if err := l.CheckSchema(ctx); err != nil {
		return fmt.Errorf("ledger verify: %w", err)
	}
	// The store's URL signing key is not used: verify only reads objects.
	objects, err := openObjectStore(ctx, c, "ledger verify reads, it signs no url")
	if err != nil {
		return fmt.Errorf("ledger verify: %w", err)
	}
	defer objects.close()
	r, err := petitions.VerifyStore(ctx, l, objectChecker(ctx, objects))
	if err != nil {
		return fmt.Errorf("ledger verify: reading the history: %w", err)
	}
	fmt.Fprintf(stdout, "%d events in %d cases; last seq %d, hash %s; %d recordings checked\n",
		r.Events, r.Cases, r.LastSeq, r.LastHash, r.Objects)
	for _, p := range r.ObjectProblems {
		fmt.Fprintf(stdout, "recording %s (event %d, case %q): %v\n", p.Ref.Object, p.Seq, p.CaseID, p.Err)
	}
	if r.FirstBad != nil {
		b := r.FirstBad
		return fmt.Errorf("ledger verify: %d events do not match; the first is seq %d (case %q): %s in %s",
			r.Bad, b.Seq, b.CaseID, b.Reason, b.Field)
	}
	if r.ObjectProblemCount > 0 {
		return fmt.Errorf("ledger verify: %d recordings are missing or changed", r.ObjectProblemCount)
	}
	fmt.Fprintln(stdout, "the ledger verifies: every event matches its chain and every recording its digest")
	return nil
}

// factsCmd runs `hearingroom ledger facts`: it recomputes the statistics
// facts of every case from its history (a ledger written before the facts
// existed, or after a failure to save them).
func factsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := DefaultConfig()
	fs := flag.NewFlagSet("ledger facts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseConfig(&c, fs, args, os.LookupEnv); err != nil {
		return err
	}
	l, created, err := openLedger(ctx, c)
	if err != nil {
		return err
	}
	defer l.Close()
	if created {
		return fmt.Errorf("ledger facts: no ledger in %s", c.DataDir)
	}
	if err := l.CheckSchema(ctx); err != nil {
		return fmt.Errorf("ledger facts: %w", err)
	}
	cal := petitions.DefaultCalendar()
	n, err := ledgerstats.Backfill(ctx, l, map[petitions.Kind]*petitions.Lifecycle{
		petitions.KindPetition:  petitions.PetitionLifecycle(cal, nil),
		petitions.KindMediation: petitions.MediationLifecycle(cal, nil),
	})
	if err != nil {
		return fmt.Errorf("ledger facts: after %d cases: %w", n, err)
	}
	fmt.Fprintf(stdout, "the statistics facts of %d cases are recomputed from their history\n", n)
	return nil
}
