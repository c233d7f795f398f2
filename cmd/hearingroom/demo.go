package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// demoCmd runs `hearingroom demo`: it fills a new data dir with a county
// ledger like Fuyu's (units, stations, accounts, the reception schedule,
// cases in every state of both lifecycles, sessions), prints a sample login
// per role, then serves it like `serve`.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := NewMain()
	m.Config.DataDir = "./demo-data"
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg demo.Config
	fs.IntVar(&cfg.Cases, "cases", 300, "cases to generate")
	fs.Int64Var(&cfg.Seed, "seed", 1, "generator seed (the same seed gives the same ledger)")
	if err := parseConfig(&m.Config, fs, args, os.LookupEnv); err != nil {
		return err
	}
	if m.Config.Database != "" {
		return errors.New("demo: the demo ledger is the embedded SQLite one; drop --database")
	}
	if err := loadDemo(ctx, m.Config, cfg, stdout); err != nil {
		return err
	}
	kiosk, err := enrolDemoKiosk(ctx, m.Config, cfg.Seed)
	if err != nil {
		return fmt.Errorf("demo: enrol the village kiosk: %w", err)
	}
	// serveMain's steps, with the kiosk's link printed once the address is known.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		return err
	}
	printWelcome(m, stdout)
	kiosk.print(stdout, m.BaseURL())
	<-ctx.Done()
	m.Log.Info("hearingroom: shutting down")
	return m.Close()
}

// demoKiosk is the village terminal the demo enrols, so that its kiosk
// page opens at once.
type demoKiosk struct {
	station  *petitions.Station
	terminal *petitions.Terminal
	cred     string
	official demo.Person // who takes its calls
}

// enrolDemoKiosk pairs a terminal to the first village's station in the
// demo ledger of c, as the administrator would.
func enrolDemoKiosk(ctx context.Context, c Config, seed int64) (*demoKiosk, error) {
	l, err := openLedgerChecked(ctx, c)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	svc := casework.New(l, casework.Config{})
	ps := demo.NewPeople(seed)
	admin := petitions.Actor{ID: ps.Administrator.ID, Roles: []petitions.RoleGrant{{Role: ps.Administrator.Role, Unit: ps.Administrator.UnitID}}}
	id := demo.StationID(demo.VillageID(0, 0))
	pr, err := svc.IssuePairing(ctx, admin, id)
	if err != nil {
		return nil, err
	}
	en, err := svc.Redeem(ctx, pr.Code, "村委会接访终端（演示）")
	if err != nil {
		return nil, err
	}
	k := &demoKiosk{terminal: en.Terminal, cred: en.Credential, official: ps.TownshipOfficials(0)[0]}
	for _, st := range demo.Stations() {
		if st.ID == id {
			k.station = st
		}
	}
	if k.station == nil {
		return nil, fmt.Errorf("no station %s", id)
	}
	return k, nil
}

// print prints the kiosk's link (the device credential travels in the
// fragment, which the page keeps and removes from the address bar).
func (k *demoKiosk) print(w io.Writer, base string) {
	if k == nil {
		return
	}
	fmt.Fprintf(w, "\nVillage kiosk 村委会接访终端 of %s (enrolled; open %s China time, when it publishes its camera):\n  %s/kiosk#device=%s\n",
		k.station.Name, k.station.OpenHours(), base, k.cred)
	fmt.Fprintf(w, "Its calls are taken by %s (login %s, password %s) and the county's dispatchers.\n",
		k.official.Name, petitions.NormalizeLogin(k.official.ID), demo.Password)
	fmt.Fprintf(w, "\nPages 页面 (sign in with the logins above):\n"+
		"  %[1]s/desk        接访工作台, officials and mediators\n"+
		"  %[1]s/wall        督办台 video wall, leaders (also %[1]s/dashboard)\n"+
		"  %[1]s/register    代理登记, village staff (also %[1]s/board, the mediator board)\n"+
		"  %[1]s/agreement   parties confirm a mediation agreement with their receipt\n", base)
}

// loadDemo creates the demo ledger in c.DataDir, which must not hold a
// ledger yet: the demo never overwrites data.
func loadDemo(ctx context.Context, c Config, cfg demo.Config, stdout io.Writer) error {
	if _, err := os.Stat(filepath.Join(c.DataDir, ledgerFile)); err == nil {
		return fmt.Errorf("demo: %s already holds a ledger; remove it or choose another --data-dir", c.DataDir)
	}
	l, err := openLedgerChecked(ctx, c)
	if err != nil {
		return err
	}
	defer l.Close()
	sum, err := demo.Load(ctx, l, cfg)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(stdout, "demo ledger in %s: %d units, %d stations, %d people, %d receptions, %d cases, %d events, %d sessions, %d overdue\n",
		c.DataDir, sum.Units, sum.Stations, sum.People, sum.Receptions, sum.Cases, sum.Events, sum.Sessions, sum.Overdue)
	for kind, states := range sum.States {
		names := make([]string, 0, len(states))
		for s := range states {
			names = append(names, string(s))
		}
		sort.Strings(names)
		fmt.Fprintf(stdout, "  %s:", kind)
		for _, s := range names {
			fmt.Fprintf(stdout, " %s %d", s, states[petitions.State(s)])
		}
		fmt.Fprintln(stdout)
	}
	printLogins(stdout, demo.Logins(demo.NewPeople(cfg.Seed)))
	return nil
}

// printLogins prints a table of demo accounts to sign in with, one per
// role, each with the shared demo password. The Chinese columns come last:
// tabwriter counts a wide character as one cell.
func printLogins(w io.Writer, logins []demo.Login) {
	fmt.Fprintf(w, "\nSign in as one of (every demo account has the password %s):\n", demo.Password)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\tpassword %s\t%s %s，%s\n",
			strings.ReplaceAll(string(l.Role), "_", " "), l.Login, demo.Password, l.RoleName, l.Name, l.Unit)
	}
	tw.Flush()
}
