package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// mustRunMain runs the whole server on 127.0.0.1 with ephemeral ports,
// loopback-only media and a temporary data dir, and closes it when the test ends.
func mustRunMain(tb testing.TB) *Main {
	tb.Helper()
	return mustRunMainWith(tb, nil)
}

// mustRunMainWith is mustRunMain with the configuration changed by change
// (if not nil) before the server starts.
func mustRunMainWith(tb testing.TB, change func(*Config)) *Main {
	tb.Helper()
	return mustRunMainLogged(tb, change, nil)
}

// mustRunMainLogged is mustRunMainWith whose log records also go to also
// (if not nil), whatever their level.
func mustRunMainLogged(tb testing.TB, change func(*Config), also slog.Handler) *Main {
	tb.Helper()
	m := NewMain()
	m.Config.DataDir = filepath.Join(tb.TempDir(), "data")
	m.Config.HTTPAddr = "127.0.0.1:0"
	m.Config.UDPAddr = "127.0.0.1:0"
	m.Config.TCPAddr = "127.0.0.1:0"
	m.Config.LoopbackOnly = true
	level := slog.LevelWarn
	switch os.Getenv("HEARINGROOM_TEST_LOG") {
	case "":
	case "info":
		level = slog.LevelInfo
	default:
		level = slog.LevelDebug
	}
	var w io.Writer = os.Stderr
	var h slog.Handler = slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	if also != nil {
		h = teeHandler{h, also}
	}
	m.Log = slog.New(h)
	if change != nil {
		change(&m.Config)
	}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("run server: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close server: %v", err)
		}
	})
	return m
}

// teeHandler sends each record to both handlers, each by its own level.
type teeHandler struct{ a, b slog.Handler }

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t.a.Enabled(ctx, l) || t.b.Enabled(ctx, l)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if t.a.Enabled(ctx, r.Level) {
		err = t.a.Handle(ctx, r.Clone())
	}
	if t.b.Enabled(ctx, r.Level) {
		if e := t.b.Handle(ctx, r.Clone()); err == nil {
			err = e
		}
	}
	return err
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t.a.WithAttrs(as), t.b.WithAttrs(as)}
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{t.a.WithGroup(name), t.b.WithGroup(name)}
}
