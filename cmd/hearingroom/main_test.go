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
	m.Log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
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
