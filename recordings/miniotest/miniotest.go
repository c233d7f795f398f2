// Package miniotest runs a real MinIO server for tests, as a separate
// process (MinIO is AGPL: it is never linked into hearingroom).
//
// The binary is $HEARINGROOM_MINIO, else <module root>/.cache/bin/minio
// (where ./test.sh builds it), else minio on $PATH. Without one a test is
// skipped, or fails under CI=true.
package miniotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Version is the MinIO release ./test.sh builds.
const Version = "v0.0.0-20260212201848-7aac2a2c5b7c"

// readyTimeout is how long a start may take; MinIO is usually ready in
// about a second, a loaded CI machine may need far longer.
const readyTimeout = 60 * time.Second

// Server is a running MinIO server with one data directory.
type Server struct {
	// Endpoint is host:port, without a scheme (the server speaks plain HTTP).
	Endpoint  string
	AccessKey string
	SecretKey string

	t    testing.TB
	bin  string
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start starts a MinIO server on 127.0.0.1 and a free port with a fresh data
// directory, waits until it is ready, and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("miniotest: %v", err)
		}
		t.Skipf("miniotest: %v", err)
	}
	s := &Server{
		t:         t,
		bin:       bin,
		dir:       t.TempDir(),
		AccessKey: "hearingroom",
		SecretKey: "hearingroom-secret",
	}
	t.Cleanup(s.Stop)
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("miniotest: %v", err)
		}
		s.Endpoint = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("miniotest: %v", lastErr)
	return nil
}

// Binary returns the path of the MinIO server binary, or an error that says
// how to build one.
func Binary() (string, error) {
	if p := os.Getenv("HEARINGROOM_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("HEARINGROOM_MINIO: %w", err)
		}
		return p, nil
	}
	root := moduleRoot()
	if root != "" {
		p := filepath.Join(root, ".cache", "bin", "minio")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	} else {
		root = "<module root>"
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no MinIO server binary: run ./test.sh, or build it with "+
		"GOBIN=%s/.cache/bin go install github.com/minio/minio@%s, or set HEARINGROOM_MINIO",
		root, Version)
}

// moduleRoot returns the nearest directory above the working directory
// holding a go.mod, or "".
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server and waits until it is ready.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("already running")
	}
	cmd := exec.Command(s.bin, "server", "--quiet", "--address", s.Endpoint, filepath.Join(s.dir, "data"))
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	log := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = log, log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	if err := s.waitReady(done); err != nil {
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("MinIO on %s: %w\n%s", s.Endpoint, err, log.String())
	}
	s.cmd, s.done = cmd, done
	return nil
}

// waitReady polls until the server answers a signed request: its health
// check turns ready before its identity subsystem is, and until then
// requests fail with "Server not initialized yet".
func (s *Server) waitReady(exited <-chan struct{}) error {
	client, err := minio.New(s.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region:     "us-east-1",
		MaxRetries: 1,
	})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(readyTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, err)
		}
		select {
		case <-exited:
			return errors.New("exited before it was ready")
		case <-tick.C:
		}
	}
}

// Stop kills the server and waits for it to exit; its data directory and
// port are kept for Restart. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

// Restart starts the server again on the same port with the same data
// directory (stopping it first if it runs) and waits until it is ready.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	// The port was just released; another process may take it meanwhile,
	// which a few retries cannot fix but a slow socket release can.
	for range 3 {
		if err = s.start(); err == nil {
			return
		}
	}
	s.t.Fatalf("miniotest: restart: %v", err)
}

// URL returns the server's base URL, http://host:port.
func (s *Server) URL() string { return "http://" + s.Endpoint }

// syncBuffer is a bytes.Buffer safe for the process's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 1<<20 {
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
