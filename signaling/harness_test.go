package signaling_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"hearingroom/media/sfu"
	"hearingroom/signaling"
	"hearingroom/signaling/client"
)

// waitLong bounds every wait: generous, for a busy 2-core machine.
const waitLong = 45 * time.Second

var keys = signaling.Keys{APIKey: "HRtest", Secret: strings.Repeat("t", 40)}

type server struct {
	url string // ws://127.0.0.1:port/rtc
	sfu *sfu.SFU
	h   *signaling.Handler
}

// newServer runs an SFU and the signaling handler on loopback. It checks at
// cleanup, after everything is closed, that no goroutine was left behind.
func newServer(t *testing.T, tune ...func(*signaling.Handler)) *server {
	t.Helper()
	return newServerWith(t, sfu.Config{}, tune...)
}

// newServerWith is newServer with an SFU configured by cfg (always
// loopback only).
func newServerWith(t *testing.T, cfg sfu.Config, tune ...func(*signaling.Handler)) *server {
	t.Helper()
	cfg.LoopbackOnly = true
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		goleak.VerifyNone(t, ignore, goleak.IgnoreAnyFunction("github.com/pion/transport/v5/vnet.(*Router).Start"))
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("HEARINGROOM_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := sfu.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	h := signaling.NewHandler(s, keys, log)
	for _, f := range tune {
		f(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
		s.Close()
	})
	return &server{url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/rtc", sfu: s, h: h}
}

func token(t testing.TB, g signaling.Grant) string {
	t.Helper()
	tok, err := keys.Mint(g, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// publisher is the grant of an ordinary participant.
func publisher(room, id string) signaling.Grant {
	return signaling.Grant{Room: room, Identity: id, Name: id, CanPublish: true, CanSubscribe: true}
}

var av = []client.TrackSpec{{Kind: "video", ID: "cam"}, {Kind: "audio", ID: "mic"}}

// join dials s as g, publishing specs, starts media and closes at cleanup.
func (s *server) join(t *testing.T, g signaling.Grant, specs ...client.TrackSpec) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{URL: s.url, Token: token(t, g), Publish: specs})
	if err != nil {
		t.Fatalf("join %s: %v", g.Identity, err)
	}
	t.Cleanup(func() { c.Close() })
	c.StartMedia()
	return c
}

// waitFor waits for cond on c, failing with what after waitLong.
func waitFor(t *testing.T, c *client.Client, what string, cond func(*client.Client) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := c.WaitFor(ctx, cond); err != nil {
		t.Fatalf("%s: waiting for %s: %v", c.Identity(), what, err)
	}
}

// receiving reports whether c has received at least n packets of each of
// from's tracks named in ids.
func receiving(from string, n uint64, ids ...string) func(*client.Client) bool {
	return func(c *client.Client) bool {
		for _, id := range ids {
			if st := statsOf(c, from, id); st.Packets < n {
				return false
			}
		}
		return true
	}
}

// statsOf returns what c received of from's track whose publisher-side id
// was pubID (the server renames tracks; the announcement maps them).
func statsOf(c *client.Client, from, pubID string) client.TrackStats {
	for _, tr := range c.Tracks() {
		if tr.Participant != from || tr.Kind != kindOf(pubID) {
			continue
		}
		if st, ok := c.ReceivedFrom(from, tr.ID); ok {
			return st
		}
	}
	return client.TrackStats{}
}

func kindOf(id string) string {
	if id == "mic" {
		return "audio"
	}
	return "video"
}

// raw is a bare WebSocket for feeding the server bad input.
type raw struct {
	t  *testing.T
	ws *websocket.Conn
}

func (s *server) raw(t *testing.T) *raw {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &raw{t: t, ws: ws}
}

func (r *raw) send(frame string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := r.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		r.t.Fatalf("send %s: %v", frame, err)
	}
}

// expect reads frames until one of type typ arrives (skipping pings,
// candidates and room events) and returns it.
func (r *raw) expect(typ string) map[string]any {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	for {
		_, b, err := r.ws.Read(ctx)
		if err != nil {
			r.t.Fatalf("waiting for %q: %v", typ, err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			r.t.Fatalf("server sent non-JSON %q", b)
		}
		if m["type"] == typ {
			return m
		}
	}
}

// expectError reads until an error frame and checks its code.
func (r *raw) expectError(code string) {
	r.t.Helper()
	m := r.expect("error")
	if m["code"] != code {
		r.t.Fatalf("error code = %v (%v), want %s", m["code"], m["message"], code)
	}
}

// expectClose reads until the server closes and checks the close code.
func (r *raw) expectClose(code websocket.StatusCode) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	for {
		_, _, err := r.ws.Read(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != code {
			r.t.Fatalf("close = %v (%v), want %v", got, err, code)
		}
		return
	}
}
