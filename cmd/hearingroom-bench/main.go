// Command hearingroom-bench measures the ledger at county scale (issue 5):
// it creates and migrates a ledger (--database postgres://… or --sqlite
// path), bulk-loads the demo county with --cases cases (demo.BulkLoad,
// about ten events a case with --reads), then measures through the
// casework service, at each of the --concurrency levels: worklist pages of
// a township official, a county leader and the dispatcher (first and
// second pages), case files (Service.Case for random ids, as the county
// leader), registering cases (Service.Register, sustained for
// --create-for), `ledger verify` over the whole history, and the xlsx
// ledger of one township's year (Service.ExportLedger). It prints a
// Markdown table of p50, p95 and max with the counts. Every loop is bound
// in time and in count; all traffic stays local.
//
//	hearingroom-bench --database postgres://postgres@127.0.0.1:55445/hr?sslmode=disable --cases 1000000
//	hearingroom-bench --sqlite /tmp/hr.db --cases 100000
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions/demo"
	"hearingroom/petitions/postgres"
	"hearingroom/petitions/sqlite"
)

type options struct {
	database, sqlite string
	cases            int
	reads            float64
	years            int
	seed             int64
	load             bool
	concurrency      []int
	samples          int
	budget           time.Duration // per measurement and concurrency
	createFor        time.Duration
	only             string
	cpuProfile       string
}

func main() {
	var o options
	var conc string
	flag.StringVar(&o.database, "database", "", "PostgreSQL URL of the ledger")
	flag.StringVar(&o.sqlite, "sqlite", "", "SQLite file of the ledger")
	flag.IntVar(&o.cases, "cases", 100_000, "cases to load")
	flag.Float64Var(&o.reads, "reads", 3.4, "read events added to each case on average (demo.BulkConfig.Reads)")
	flag.IntVar(&o.years, "years", 10, "years the cases are received over, ending 2026-11-01")
	flag.Int64Var(&o.seed, "seed", 1, "seed of the demo generator")
	flag.BoolVar(&o.load, "load", true, "load the cases (false: measure the ledger as it is)")
	flag.StringVar(&conc, "concurrency", "1,4", "concurrency levels, comma-separated")
	flag.IntVar(&o.samples, "samples", 400, "most requests per measurement and concurrency")
	flag.DurationVar(&o.budget, "budget", 30*time.Second, "longest time per measurement and concurrency")
	flag.DurationVar(&o.createFor, "create-for", 30*time.Second, "how long registering cases is sustained")
	flag.StringVar(&o.only, "only", "", "measure only these, comma-separated: lists, cases, create, verify, export")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write this process's CPU profile of the measurements to this file")
	flag.Parse()
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "hearingroom-bench: bad --concurrency %q\n", conc)
			os.Exit(2)
		}
		o.concurrency = append(o.concurrency, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "hearingroom-bench:", err)
		os.Exit(1)
	}
}

// ledger is what the benchmark needs of a store.
type ledger interface {
	demo.BulkStore
	Close() error
}

func run(ctx context.Context, o options) error {
	var (
		store   ledger
		analyze func(context.Context) error
		err     error
	)
	switch {
	case o.database != "" && o.sqlite == "":
		var db *postgres.DB
		if db, err = postgres.Open(ctx, o.database); err == nil {
			_, err = db.Migrate(ctx)
		}
		store = db
		analyze = func(ctx context.Context) error {
			c, err := pgx.Connect(ctx, o.database)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			_, err = c.Exec(ctx, `VACUUM ANALYZE`)
			return err
		}
	case o.sqlite != "" && o.database == "":
		var db *sqlite.DB
		if db, err = sqlite.Open(ctx, o.sqlite); err == nil {
			_, err = db.Migrate(ctx)
		}
		store = db
		analyze = func(ctx context.Context) error {
			c, err := sql.Open("sqlite", o.sqlite)
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.ExecContext(ctx, `ANALYZE`)
			return err
		}
	default:
		return fmt.Errorf("give one of --database and --sqlite")
	}
	if err != nil {
		return err
	}
	defer store.Close()

	to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	cfg := demo.Config{Seed: o.seed, Cases: o.cases, From: to.AddDate(-o.years, 0, 0), To: to}
	var rows []row
	if o.load {
		start := time.Now()
		sum, err := demo.BulkLoad(ctx, store, cfg, demo.BulkConfig{Reads: o.reads})
		took := time.Since(start)
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		rows = append(rows, row{name: "bulk load", conc: 1, n: sum.Cases, took: took,
			note: fmt.Sprintf("%d cases, %d events, %d sessions in %s: %.0f cases/s, %.0f events/s", sum.Cases, sum.Events,
				sum.Sessions, took.Round(time.Second), float64(sum.Cases)/took.Seconds(), float64(sum.Events)/took.Seconds())})
		fmt.Fprintln(os.Stderr, rows[0].note)
		start = time.Now()
		if err := analyze(ctx); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		fmt.Fprintf(os.Stderr, "analyze: %s\n", time.Since(start).Round(time.Millisecond))
	}
	b, err := newBench(ctx, store, o)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	more, err := b.run(ctx)
	rows = append(rows, more...)
	printTable(os.Stdout, o, rows)
	return err
}
