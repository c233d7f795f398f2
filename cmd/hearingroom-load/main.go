// Command hearingroom-load measures the SFU the way docs/benchmarks.md
// describes: it starts a hearingroom server pinned to one CPU, joins N rooms
// of M synthetic participants (VP8 ≈ 500 kbit/s at 30 fps with a keyframe
// every 2 s, plus Opus) from this process pinned to another CPU, lets the
// load settle, and reports over a window: forwarded packets per server
// CPU-second, server RSS per participant, allocations per forwarded packet,
// and p50/p99 forwarding delay. It optionally saves a CPU profile of the
// server during the window. All traffic stays on 127.0.0.1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

type options struct {
	server     string
	rooms      int
	perRoom    int
	viewers    int
	settle     time.Duration
	window     time.Duration
	joinGap    time.Duration
	serverCPU  int
	loadCPU    int
	cpuProfile string
	label      string
	record     bool
}

func main() {
	var o options
	flag.StringVar(&o.server, "server", "", "path of the hearingroom binary to start (required)")
	flag.IntVar(&o.rooms, "rooms", 5, "rooms")
	flag.IntVar(&o.perRoom, "per-room", 4, "publishing participants per room; each subscribes to all others")
	flag.IntVar(&o.viewers, "viewers", 0, "hidden subscribe-only viewers per room")
	flag.DurationVar(&o.settle, "settle", 20*time.Second, "time after the last join before measuring")
	flag.DurationVar(&o.window, "window", 60*time.Second, "measurement window")
	flag.DurationVar(&o.joinGap, "join-gap", 150*time.Millisecond, "pause between joins")
	flag.IntVar(&o.serverCPU, "server-cpu", 0, "CPU to pin the server to (-1: no pinning)")
	flag.IntVar(&o.loadCPU, "load-cpu", 1, "CPU to pin this generator to (-1: no pinning)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write the server's CPU profile over the window to this file")
	flag.StringVar(&o.label, "label", "", "label of the result row (default: the load shape)")
	flag.BoolVar(&o.record, "record", false, "record every room (hearing policy); off by default, so the SFU alone is measured")
	flag.Parse()
	if o.server == "" {
		fmt.Fprintln(os.Stderr, "hearingroom-load: --server is required (go build -o /tmp/hearingroom ./cmd/hearingroom)")
		os.Exit(2)
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hearingroom-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.loadCPU >= 0 {
		var set unix.CPUSet
		set.Set(o.loadCPU)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			return fmt.Errorf("pin generator: %w", err)
		}
		// GOMAXPROCS stays at the machine's count: with one P, packet reads wait
		// behind the senders and the delays measured are the generator's own.
	}
	srv, err := startServer(ctx, o)
	if err != nil {
		return err
	}
	defer srv.stop()
	idle, err := srv.sample()
	if err != nil {
		return err
	}

	api, err := client.NewAPI(nil)
	if err != nil {
		return err
	}
	var clients []*client.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	av := []client.TrackSpec{{Kind: "video"}, {Kind: "audio"}}
	for r := 0; r < o.rooms; r++ {
		room := fmt.Sprintf("room-%d", r)
		for i := 0; i < o.perRoom+o.viewers; i++ {
			g := signaling.Grant{Room: room, Identity: fmt.Sprintf("p%d", i), CanPublish: true, CanSubscribe: true}
			specs := av
			if i >= o.perRoom {
				g = signaling.Grant{Room: room, Identity: fmt.Sprintf("v%d", i), CanSubscribe: true, Hidden: true}
				specs = nil
			}
			tok, err := srv.keys.Mint(g, time.Hour)
			if err != nil {
				return err
			}
			c, err := client.Dial(ctx, client.Options{URL: srv.wsURL, Token: tok, Publish: specs, API: api})
			if err != nil {
				return fmt.Errorf("join %s/%s: %w", room, g.Identity, err)
			}
			clients = append(clients, c)
			c.StartMedia()
			time.Sleep(o.joinGap)
		}
	}
	time.Sleep(o.settle)

	for _, c := range clients {
		c.ResetDelays()
	}
	recvBefore := received(clients)
	start, err := srv.sample()
	if err != nil {
		return err
	}
	profDone := make(chan error, 1)
	if o.cpuProfile != "" {
		go func() { profDone <- srv.profile(o.cpuProfile, o.window) }()
	} else {
		profDone <- nil
	}
	time.Sleep(o.window)
	end, err := srv.sample()
	if err != nil {
		return err
	}
	recvAfter := received(clients)
	if err := <-profDone; err != nil {
		return err
	}

	var delays client.Histogram
	for _, c := range clients {
		h := c.Delays()
		delays.Merge(&h)
	}
	n := o.rooms * (o.perRoom + o.viewers)
	secs := end.at.Sub(start.at).Seconds()
	cpu := end.cpu - start.cpu
	pkts := float64(end.packetsOut - start.packetsOut)
	label := o.label
	if label == "" {
		label = fmt.Sprintf("%d rooms × %d", o.rooms, o.perRoom)
		if o.viewers > 0 {
			label += fmt.Sprintf(" + %d hidden viewers each", o.viewers)
		}
	}
	fmt.Fprintf(out, "| load | participants | server CPU (%% of one core) | out packets/s | out packets per server CPU-second | RSS (MiB) | RSS per participant above idle (MiB) | allocs per forwarded packet | forwarding delay p50 / p99 | received ÷ forwarded |\n")
	fmt.Fprintf(out, "|---|---|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(out, "| %s | %d | %.1f | %.0f | **%.0f** | %.0f | %.2f | %.2f | %s / %s | %.4f |\n",
		label, n, 100*cpu/secs, pkts/secs, pkts/cpu, mib(end.rss), mib(end.rss-idle.rss)/float64(n),
		float64(end.mallocs-start.mallocs)/pkts, delays.Quantile(0.5).Round(10*time.Microsecond),
		delays.Quantile(0.99).Round(10*time.Microsecond), float64(recvAfter-recvBefore)/pkts)
	fmt.Fprintf(out, "\nidle RSS %.1f MiB; window %.1f s; server CPU %.2f s; %d delay samples\n", mib(idle.rss), secs, cpu, delays.Count())
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func received(cs []*client.Client) uint64 {
	var n uint64
	for _, c := range cs {
		for _, st := range c.Received() {
			n += st.Packets
		}
	}
	return n
}

func freePort(network string) (string, error) {
	if network == "udp" {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		defer c.Close()
		return c.LocalAddr().String(), nil
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

type server struct {
	cmd   *exec.Cmd
	base  string
	wsURL string
	keys  signaling.Keys
	dir   string
}

func startServer(ctx context.Context, o options) (*server, error) {
	httpAddr, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	udpAddr, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hearingroom-load-")
	if err != nil {
		return nil, err
	}
	s := &server{base: "http://" + httpAddr, wsURL: "ws://" + httpAddr + "/rtc", dir: dir,
		keys: signaling.Keys{APIKey: "HRload", Secret: strings.Repeat("L", 40)}}
	args := []string{o.server, "serve", "--data-dir", filepath.Join(dir, "data"), "--http-addr", httpAddr,
		"--udp-addr", udpAddr, "--tcp-addr", "", "--loopback-only", "--pprof", "--log-level", "warn"}
	if !o.record {
		args = append(args, "--record-kinds", "none")
	}
	if o.serverCPU >= 0 {
		args = append([]string{"taskset", "-c", fmt.Sprint(o.serverCPU)}, args...)
	}
	s.cmd = exec.CommandContext(ctx, args[0], args[1:]...)
	s.cmd.Env = append(os.Environ(), "HEARINGROOM_API_KEY="+s.keys.APIKey, "HEARINGROOM_API_SECRET="+s.keys.Secret)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server not ready at %s", s.base)
		}
		time.Sleep(100 * time.Millisecond)
	}
	slog.Debug("server ready", "url", s.base, "pid", s.cmd.Process.Pid)
	return s, nil
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(unix.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(s.dir)
}

func (s *server) profile(path string, d time.Duration) error {
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.base, int(d.Seconds())))
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
