package dirstore_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hearingroom/recordings"
	"hearingroom/recordings/dirstore"
	"hearingroom/recordings/storetest"
)

// newServed returns a store in a temp directory whose URLs an httptest
// server answers.
func newServed(t *testing.T) (*dirstore.Store, string) {
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	s, err := dirstore.New(dir, []byte("0123456789abcdef-signing-key"), srv.URL+"/recordings/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mux := http.NewServeMux()
	mux.Handle("/recordings/", s.Handler())
	h = mux
	return s, dir
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) recordings.ObjectStore {
		s, _ := newServed(t)
		return s
	})
}

func TestLayoutAndModes(t *testing.T) {
	s, dir := newServed(t)
	b := []byte("evidence")
	if err := s.Put(t.Context(), "h/1/seg.webm", strings.NewReader(string(b)), int64(len(b)), "video/webm", ""); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "objects", "h", "1", "seg.webm"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("object mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Join(dir, "objects", "h", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm()&^0o750 != 0 {
		t.Errorf("directory mode %v, want at most 0750", di.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, "meta", "h", "1", "seg.webm.json")); err != nil {
		t.Errorf("digest sidecar: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("tmp holds %d leftovers", len(ents))
	}
	// Deleting the last object removes the directories it leaves empty.
	if err := s.Delete(t.Context(), "h/1/seg.webm"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "objects", "h")); !os.IsNotExist(err) {
		t.Errorf("objects/h after Delete: %v", err)
	}
}

// A symlink planted inside the root cannot lead outside it.
func TestSymlinkEscape(t *testing.T) {
	s, dir := newServed(t)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.json"), []byte("{}"), 0o600)
	if err := os.Symlink(outside, filepath.Join(dir, "objects", "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "link/secret.json"); err == nil {
		t.Error("Stat followed a symlink out of the root")
	}
	if err := s.Put(t.Context(), "link/new.json", strings.NewReader("{}"), 2, "application/json", ""); err == nil {
		t.Error("Put followed a symlink out of the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "new.json")); err == nil {
		t.Error("a file was written outside the root")
	}
}

func TestHandlerStatus(t *testing.T) {
	s, _ := newServed(t)
	if err := s.Put(t.Context(), "a.mp4", strings.NewReader("mp4"), 3, "video/mp4", ""); err != nil {
		t.Fatal(err)
	}
	u, err := s.URL(t.Context(), "a.mp4", 60e9)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" || resp.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("GET = %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	for _, bad := range []string{strings.Split(u, "?")[0], strings.Split(u, "&")[0], u + "x"} {
		resp, err := http.Get(bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s = %d, want 403", bad, resp.StatusCode)
		}
	}
	resp, err = http.Post(u, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST = %d, want 405", resp.StatusCode)
	}
}
