package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearingroom/signaling"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServerEndpoints(t *testing.T) {
	m := mustRunMain(t)
	base := m.BaseURL()
	for path, want := range map[string]string{
		"/healthz": "ok", "/readyz": "ready", "/": "视频接访", "/join": "<html",
		"/metrics": "hearingroom_rtp_packets_forwarded_total",
	} {
		code, body := get(t, http.DefaultClient, base+path)
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d %.80q, want 200 containing %q", path, code, body, want)
		}
	}
	if code, _ := get(t, http.DefaultClient, base+"/static/join.js"); code != 200 {
		t.Errorf("GET /static/join.js = %d", code)
	}
	if code, _ := get(t, http.DefaultClient, base+"/nope"); code != 404 {
		t.Errorf("GET /nope = %d", code)
	}
	st, err := os.Stat(filepath.Join(m.Config.DataDir, "secrets.json"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("secrets.json: %v %v", err, st)
	}
	if _, err := os.Stat(filepath.Join(m.Config.DataDir, "recordings")); err != nil {
		t.Errorf("recordings dir: %v", err)
	}
	link, err := m.JoinLink(signaling.Grant{Room: "r", Identity: "a", CanSubscribe: true}, time.Minute)
	if err != nil || !strings.HasPrefix(link, base+"/join#token=") {
		t.Fatalf("JoinLink = %q, %v", link, err)
	}
	tok, _ := url.QueryUnescape(strings.TrimPrefix(link, base+"/join#token="))
	if g, err := m.Keys().Verify(tok); err != nil || g.Room != "r" {
		t.Fatalf("link token: %+v %v", g, err)
	}

	// Once closing, the server is no longer ready.
	m.stopping.Store(true)
	if code, _ := get(t, http.DefaultClient, base+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz while stopping = %d", code)
	}
	m.stopping.Store(false)
}

func TestServerSelfSignedTLS(t *testing.T) {
	m := NewMain()
	m.Config.DataDir = t.TempDir()
	m.Config.HTTPAddr, m.Config.UDPAddr, m.Config.TCPAddr = "127.0.0.1:0", "127.0.0.1:0", ""
	m.Config.TLSSelfSigned = true
	m.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !strings.HasPrefix(m.BaseURL(), "https://127.0.0.1:") {
		t.Fatalf("base URL %s", m.BaseURL())
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if code, body := get(t, c, m.BaseURL()+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz over TLS = %d %q", code, body)
	}
}

func TestTokenCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"token", "--data-dir", dir, "--room", "hearing-1", "--identity", "leader",
		"--hidden", "--http-addr", ":9443", "--tls-self-signed"}, &out, &errb)
	if err != nil {
		t.Fatalf("token: %v (%s)", err, errb.String())
	}
	link := strings.TrimSpace(out.String())
	if !strings.HasPrefix(link, "https://localhost:9443/join#token=") {
		t.Fatalf("link %q", link)
	}
	s, err := loadSecrets(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := signaling.Keys{APIKey: s.APIKey, Secret: s.APISecret}.Verify(strings.SplitN(link, "#token=", 2)[1])
	if err != nil || !g.Hidden || g.CanPublish || g.Room != "hearing-1" || g.Identity != "leader" {
		t.Fatalf("grant %+v %v", g, err)
	}
	for _, args := range [][]string{
		{"token", "--data-dir", dir, "--room", "r"},
		{"token", "--data-dir", dir, "--room", "r", "--identity", "has space"},
		{"nonsense"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestServeUntilSignal runs the serve command as the binary does: it prints
// the demo links, serves, and on its context's end (SIGTERM) shuts down
// cleanly and returns.
func TestServeUntilSignal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0",
			"--udp-addr", "127.0.0.1:0", "--tcp-addr", "", "--log-level", "error"}, out, io.Discard)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.tail(1<<20), "Stop with Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("no welcome after 30 s: %q", out.tail(1<<20))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"http://127.0.0.1:", "/join#token=", "official", "villager", "supervisor"} {
		if !strings.Contains(out.tail(1<<20), want) {
			t.Errorf("welcome lacks %q:\n%s", want, out.tail(1<<20))
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after the signal")
	}
}
