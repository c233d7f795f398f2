// Command hearingroom runs the video hearing and mediation server: with no
// configuration, a whole county on one machine (embedded SFU, data under
// ./data). Subcommands: serve (the default), demo, token, migrate, ledger
// verify, version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"hearingroom/signaling"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hearingroom:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: hearingroom [serve] [flags]   run the server (see docs/configuration.md)
       hearingroom token --room R --identity I [--hidden] [--admin] [flags]
       hearingroom demo [--data-dir ./demo-data] [--cases 300] [--seed 1] [flags]
       hearingroom migrate [--data-dir D | --database URL]
       hearingroom ledger verify [--data-dir D | --database URL]
       hearingroom version`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "token":
		return token(args, stdout, stderr)
	case "demo":
		return demoCmd(ctx, args, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, stdout, stderr)
	case "ledger":
		return ledgerCmd(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "hearingroom", version)
		return nil
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

var version = "dev"

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := NewMain()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := parseConfig(&m.Config, fs, args, os.LookupEnv); err != nil {
		return err
	}
	return serveMain(ctx, m, stdout)
}

// serveMain runs m until SIGINT or SIGTERM (or ctx ends), then shuts down.
func serveMain(ctx context.Context, m *Main, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		return err
	}
	printWelcome(m, stdout)
	<-ctx.Done()
	m.Log.Info("hearingroom: shutting down")
	return m.Close()
}

// printWelcome prints the URLs to open on a fresh start: one demo room with
// an official, a villager and a hidden supervisor.
func printWelcome(m *Main, w io.Writer) {
	fmt.Fprintf(w, "\nhearingroom is running at %s\n\n", m.BaseURL())
	fmt.Fprintln(w, "Demo hearing room \"demo\" — open each link in its own browser window (valid 12 h):")
	for _, d := range []struct {
		label string
		g     signaling.Grant
	}{
		{"official 接访领导 (room admin)", signaling.Grant{Room: "demo", Identity: "official", Name: "接访领导", CanPublish: true, CanSubscribe: true, Admin: true}},
		{"villager 村民 (kiosk)", signaling.Grant{Room: "demo", Identity: "villager", Name: "村民", CanPublish: true, CanSubscribe: true}},
		{"supervisor 督查 (hidden observer)", signaling.Grant{Room: "demo", Identity: "supervisor", Name: "督查", CanSubscribe: true, Hidden: true}},
	} {
		link, err := m.JoinLink(d.g, 12*time.Hour)
		if err != nil {
			fmt.Fprintln(w, "  ", d.label, "error:", err)
			continue
		}
		fmt.Fprintf(w, "  %s\n    %s\n", d.label, link)
	}
	fmt.Fprintln(w, "\nAdd &lang=en to a link for English. Stop with Ctrl-C.")
}

func token(args []string, stdout, stderr io.Writer) error {
	m := NewMain()
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var g signaling.Grant
	var ttl time.Duration
	var noPublish bool
	fs.StringVar(&g.Room, "room", "", "room name (required)")
	fs.StringVar(&g.Identity, "identity", "", "participant identity (required): letters, digits, ._~+-")
	fs.StringVar(&g.Name, "name", "", "display name")
	fs.StringVar(&g.Metadata, "metadata", "", "participant metadata")
	fs.BoolVar(&g.Hidden, "hidden", false, "hidden observer: receives, never announced, cannot publish")
	fs.BoolVar(&g.Admin, "admin", false, "room admin: may mute and remove others")
	fs.BoolVar(&noPublish, "no-publish", false, "receive only")
	fs.DurationVar(&ttl, "ttl", time.Hour, "validity")
	if err := parseConfig(&m.Config, fs, args, os.LookupEnv); err != nil {
		return err
	}
	if g.Room == "" || g.Identity == "" {
		return errors.New("token: --room and --identity are required")
	}
	g.CanPublish, g.CanSubscribe = !noPublish && !g.Hidden, true
	keys := signaling.Keys{APIKey: m.Config.APIKey, Secret: m.Config.APISecret}
	if keys.APIKey == "" {
		s, err := loadSecrets(m.Config.DataDir)
		if err != nil {
			return err
		}
		keys = signaling.Keys{APIKey: s.APIKey, Secret: s.APISecret}
	}
	tok, err := keys.Mint(g, ttl)
	if err != nil {
		return err
	}
	base := m.Config.PublicURL
	if base == "" {
		base = defaultBaseURL(m.Config)
	}
	fmt.Fprintf(stdout, "%s/join#token=%s\n", base, tok)
	return nil
}
