package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// row is one line of the result table: a measurement at one concurrency.
type row struct {
	name   string
	conc   int
	n      int // requests (or cases, rows) measured
	errors int
	times  []time.Duration // per request; empty for a single timed run
	took   time.Duration   // wall time of the whole measurement
	goal   string
	note   string
}

// bench holds what the measurements share.
type bench struct {
	o        options
	store    ledger
	svc      *casework.Service
	official petitions.Actor // township 0
	leader   petitions.Actor // the county
	dispatch petitions.Actor
	ids      []string // random cases, for case files
}

func newBench(ctx context.Context, store ledger, o options) (*bench, error) {
	b := &bench{o: o, store: store, svc: casework.New(store, casework.Config{})}
	ps := demo.NewPeople(o.seed)
	for _, a := range []struct {
		id string
		to *petitions.Actor
	}{{ps.TownshipOfficials(0)[0].ID, &b.official}, {ps.CountyLeaders()[0].ID, &b.leader}, {ps.Dispatchers[0].ID, &b.dispatch}} {
		p, err := store.Person(ctx, a.id)
		if err != nil {
			return nil, fmt.Errorf("actor %s: %w", a.id, err)
		}
		*a.to = p.Actor()
	}
	// Random cases: the first case after a random id, for as many ids as
	// the case-file measurement can use.
	r := rand.New(rand.NewPCG(uint64(o.seed), 7))
	for range min(2000, o.samples*len(o.concurrency)) {
		after := petitions.CursorOf(&petitions.Petition{ID: fmt.Sprintf("%08x", r.Uint32())}, petitions.SortID)
		page, err := store.ListPetitions(ctx, petitions.PetitionFilter{After: after, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(page) == 1 {
			b.ids = append(b.ids, page[0].ID)
		}
	}
	if len(b.ids) == 0 {
		return nil, fmt.Errorf("the ledger holds no case")
	}
	return b, nil
}

func (b *bench) wants(name string) bool {
	return b.o.only == "" || slices.Contains(strings.Split(b.o.only, ","), name)
}

func (b *bench) run(ctx context.Context) ([]row, error) {
	var rows []row
	for _, m := range []struct {
		name string
		fn   func(context.Context, int) ([]row, error)
	}{{"lists", b.lists}, {"cases", b.cases}, {"create", b.create}} {
		if !b.wants(m.name) {
			continue
		}
		for _, c := range b.o.concurrency {
			rs, err := m.fn(ctx, c)
			rows = append(rows, rs...)
			if err != nil {
				return rows, err
			}
		}
	}
	if b.wants("verify") {
		r, err := b.verify(ctx)
		rows = append(rows, r)
		if err != nil {
			return rows, err
		}
	}
	if b.wants("export") {
		r, err := b.export(ctx)
		rows = append(rows, r)
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// measure runs fn(i, restart) from conc workers until samples requests are
// done or budget has passed, and returns their latencies and the errors. A
// request is timed from when fn is called, or from its last call of
// restart, to when it returns.
func measure(ctx context.Context, conc, samples int, budget time.Duration, fn func(i int, restart func()) error) row {
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	var mu sync.Mutex
	r := row{conc: conc}
	next := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= samples {
					return
				}
				t := time.Now()
				err := fn(i, func() { t = time.Now() })
				d := time.Since(t)
				mu.Lock()
				r.times = append(r.times, d)
				if err != nil {
					if r.errors == 0 {
						r.note = err.Error()
					}
					r.errors++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.took = time.Since(start)
	r.n = len(r.times)
	return r
}

// lists measures worklist pages: each actor's views in turn, every other
// request the second page (its first page fetched untimed just before).
func (b *bench) lists(ctx context.Context, conc int) ([]row, error) {
	views := append([]string{""}, casework.Views()...)
	var rows []row
	for _, a := range []struct {
		who   string
		actor petitions.Actor
	}{{"township official", b.official}, {"county leader", b.leader}, {"dispatcher", b.dispatch}} {
		r := measure(ctx, conc, b.o.samples, b.o.budget, func(i int, restart func()) error {
			f := casework.ListFilter{View: views[(i/2)%len(views)], Limit: 50}
			if i%2 == 1 {
				page, err := b.svc.List(ctx, a.actor, f)
				if err != nil {
					return err
				}
				if page.Next == "" {
					return nil // no second page: measure the first again
				}
				f.After = page.Next
				restart()
			}
			_, err := b.svc.List(ctx, a.actor, f)
			return err
		})
		r.name, r.goal = "list page: "+a.who, "p95 < 50 ms"
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "%s ×%d: p95 %s\n", r.name, conc, pct(r.times, 95))
	}
	return rows, nil
}

// cases measures case files of random cases, read by the county leader.
func (b *bench) cases(ctx context.Context, conc int) ([]row, error) {
	r := measure(ctx, conc, b.o.samples, b.o.budget, func(i int, _ func()) error {
		_, err := b.svc.Case(ctx, b.leader, b.ids[(i*7919)%len(b.ids)])
		return err
	})
	r.name, r.goal = "case file (Service.Case)", "p95 < 30 ms"
	fmt.Fprintf(os.Stderr, "%s ×%d: p95 %s\n", r.name, conc, pct(r.times, 95))
	return []row{r}, nil
}

// create registers cases as the township official for createFor.
func (b *bench) create(ctx context.Context, conc int) ([]row, error) {
	p := &petitions.Petition{
		Kind: petitions.KindPetition, Class: petitions.ClassClaim, Category: "wage_arrears",
		Channel: petitions.ChannelVisit, Medium: petitions.MediumVideo,
		StationID: demo.StationID(demo.VillageID(0, 0)), Village: demo.VillageID(0, 0),
		Parties: []petitions.Party{{ID: "p1", Side: petitions.SidePetitioner, Name: "王秀英",
			Contact: petitions.Contact{Phone: "13800001234", Address: "富裕镇某村"}}},
		Request: "讨要拖欠工资12000元", Facts: "在某工地务工三个月未获工资",
	}
	r := measure(ctx, conc, 1<<30, b.o.createFor, func(int, func()) error {
		_, err := b.svc.Register(ctx, b.official, p)
		return err
	})
	r.name, r.goal = "create (Service.Register)", "≥ 1,000 cases/s"
	rate := float64(r.n-r.errors) / r.took.Seconds()
	r.note = strings.TrimSpace(fmt.Sprintf("%.0f cases/s over %s %s", rate, r.took.Round(time.Second), r.note))
	fmt.Fprintf(os.Stderr, "%s ×%d: %s\n", r.name, conc, r.note)
	return []row{r}, nil
}

// verify proves the whole history, as `hearingroom ledger verify` does. The
// note gives the CPU time the benchmark's process spent (reading, decoding,
// hashing), so that what the database server took is the rest of the
// machine's.
func (b *bench) verify(ctx context.Context) (row, error) {
	cpu0 := processCPU()
	start := time.Now()
	rep, err := petitions.VerifyStore(ctx, b.store, nil)
	r := row{name: "ledger verify", conc: 1, n: int(rep.Events), took: time.Since(start), goal: "< 60 s"}
	cpu := processCPU() - cpu0
	r.note = fmt.Sprintf("%d events in %s: %.0f events/s, ok %v; this process %s CPU (%.1f cores of %d)",
		rep.Events, r.took.Round(time.Millisecond), float64(rep.Events)/r.took.Seconds(), rep.OK(),
		cpu.Round(time.Millisecond), cpu.Seconds()/r.took.Seconds(), runtime.NumCPU())
	fmt.Fprintf(os.Stderr, "%s: %s\n", r.name, r.note)
	if err == nil && !rep.OK() {
		err = fmt.Errorf("ledger verify: the history does not verify: %+v", rep.FirstBad)
	}
	return r, err
}

// processCPU returns the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// export writes the xlsx ledger of township 0's cases received in 2025,
// as the dispatcher, three times.
func (b *bench) export(ctx context.Context) (row, error) {
	china := time.FixedZone("CST", 8*3600)
	f := casework.ExportFilter{Unit: demo.TownshipID(0), Format: casework.FormatXLSX,
		From: time.Date(2025, 1, 1, 0, 0, 0, 0, china), To: time.Date(2026, 1, 1, 0, 0, 0, 0, china)}
	var rows, size int
	r := measure(ctx, 1, 3, 5*time.Minute, func(int, func()) error {
		w := &counter{}
		n, err := b.svc.ExportLedger(ctx, b.dispatch, f, w)
		rows, size = n, w.n
		return err
	})
	r.name, r.goal = "xlsx export, one township's year", "< 10 s"
	r.note = strings.TrimSpace(fmt.Sprintf("%d rows, %d KiB %s", rows, size/1024, r.note))
	fmt.Fprintf(os.Stderr, "%s: p95 %s, %s\n", r.name, pct(r.times, 95), r.note)
	return r, nil
}

type counter struct{ n int }

func (c *counter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// pct returns the p-th percentile of ts (nearest rank), or "—".
func pct(ts []time.Duration, p int) string {
	if len(ts) == 0 {
		return "—"
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return ms(s[max(i-1, 0)])
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func printTable(w io.Writer, o options, rows []row) {
	store := "PostgreSQL"
	if o.sqlite != "" {
		store = "SQLite"
	}
	fmt.Fprintf(w, "\n%s, %d cases loaded (%d years), %s\n\n", store, o.cases, o.years, time.Now().Format(time.DateTime))
	fmt.Fprintln(w, "| measurement | concurrency | n | errors | p50 | p95 | max | goal | note |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		p50, p95, mx := pct(r.times, 50), pct(r.times, 95), pct(r.times, 100)
		if len(r.times) == 0 {
			p50, p95, mx = "—", "—", ms(r.took)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s | %s |\n", r.name, r.conc, r.n, r.errors, p50, p95, mx, r.goal,
			strings.ReplaceAll(r.note, "|", "/"))
	}
}
