package recordings_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hearingroom/recordings"
	"hearingroom/recordings/dirstore"
	"hearingroom/recordings/miniotest"
	"hearingroom/recordings/s3store"
)

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newDirStore(t *testing.T) *dirstore.Store {
	t.Helper()
	s, err := dirstore.New(t.TempDir(), []byte("0123456789abcdef"), "/recordings/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stored records OnStored calls.
type stored struct {
	mu    sync.Mutex
	calls map[string][]recordings.Upload
}

func (s *stored) onStored(ctx context.Context, u recordings.Upload) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = map[string][]recordings.Upload{}
	}
	s.calls[u.Key] = append(s.calls[u.Key], u)
	return nil
}

func (s *stored) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls[key])
}

func newUploader(t *testing.T, store recordings.ObjectStore, spool string, st *stored) *recordings.Uploader {
	t.Helper()
	u, err := recordings.NewUploader(recordings.UploaderConfig{
		Store:      store,
		Spool:      spool,
		OnStored:   st.onStored,
		Log:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		MinBackoff: 5 * time.Millisecond,
		MaxBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close(context.Background()) })
	return u
}

// spoolFiles writes n segments into the spool and returns key → content.
func spoolFiles(t *testing.T, spool, prefix string, n int) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for i := range n {
		name := fmt.Sprintf("%s-%d.webm", prefix, i)
		b := bytes.Repeat([]byte(name), 1000+i*777)
		if err := os.WriteFile(filepath.Join(spool, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
		files["hearing/"+name] = b
	}
	return files
}

func enqueueAll(t *testing.T, u *recordings.Uploader, spool string, files map[string][]byte) {
	t.Helper()
	for key := range files {
		path := filepath.Join(spool, strings.TrimPrefix(key, "hearing/"))
		if err := u.Enqueue(path, key, "video/webm", map[string]string{"hearing": "1"}); err != nil {
			t.Fatalf("Enqueue %s: %v", key, err)
		}
	}
}

func idle(t *testing.T, u *recordings.Uploader, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	if err := u.Idle(ctx); err != nil {
		t.Fatalf("uploads still pending (%d) after %v", u.Pending(), d)
	}
}

// checkStored asserts every file arrived intact, OnStored ran once for
// each, and the spool is empty.
func checkStored(t *testing.T, store recordings.ObjectStore, spool string, files map[string][]byte, st *stored) {
	t.Helper()
	for key, b := range files {
		info, err := store.Stat(t.Context(), key)
		if err != nil {
			t.Fatalf("Stat %s: %v", key, err)
		}
		if info.Size != int64(len(b)) || info.SHA256 != "" && info.SHA256 != digest(b) {
			t.Errorf("%s stored as %d bytes %s, want %d %s", key, info.Size, info.SHA256, len(b), digest(b))
		}
		rc, err := store.Open(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, b) {
			t.Errorf("%s: stored bytes differ", key)
		}
		if n := st.count(key); n != 1 {
			t.Errorf("OnStored called %d times for %s, want 1", n, key)
		}
		if n := st.count(key); n > 0 {
			if c := st.calls[key][0]; c.SHA256 != digest(b) || c.Size != int64(len(b)) || c.Meta["hearing"] != "1" {
				t.Errorf("OnStored got %+v", c)
			}
		}
	}
	ents, err := os.ReadDir(spool)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left in the spool: %s", e.Name())
	}
}

func TestUploaderDirStore(t *testing.T) {
	spool := t.TempDir()
	store := newDirStore(t)
	st := &stored{}
	u := newUploader(t, store, spool, st)
	u.Start(t.Context())
	files := spoolFiles(t, spool, "seg", 3)
	enqueueAll(t, u, spool, files)
	idle(t, u, 30*time.Second)
	checkStored(t, store, spool, files, st)
	if err := u.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestUploaderEnqueueRefuses(t *testing.T) {
	spool := t.TempDir()
	u := newUploader(t, newDirStore(t), spool, &stored{})
	outside := filepath.Join(t.TempDir(), "x.webm")
	os.WriteFile(outside, []byte("x"), 0o600)
	if err := u.Enqueue(outside, "k.webm", "video/webm", nil); err == nil {
		t.Error("Enqueue of a file outside the spool succeeded")
	}
	inside := filepath.Join(spool, "x.webm")
	os.WriteFile(inside, []byte("x"), 0o600)
	if err := u.Enqueue(inside, "../k.webm", "video/webm", nil); !errors.Is(err, recordings.ErrInvalidKey) {
		t.Errorf("Enqueue with a bad key = %v", err)
	}
	if err := u.Enqueue(filepath.Join(spool, "none.webm"), "k.webm", "video/webm", nil); err == nil {
		t.Error("Enqueue of a missing file succeeded")
	}
	if u.Pending() != 0 {
		t.Errorf("Pending = %d", u.Pending())
	}
}

// countingStore counts Put calls and lets a test wait for a count.
type countingStore struct {
	recordings.ObjectStore
	mu      sync.Mutex
	puts    int
	changed chan struct{}
}

func newCounting(s recordings.ObjectStore) *countingStore {
	return &countingStore{ObjectStore: s, changed: make(chan struct{})}
}

func (c *countingStore) Put(ctx context.Context, key string, r io.Reader, size int64, ct, sum string) error {
	err := c.ObjectStore.Put(ctx, key, r, size, ct, sum)
	c.mu.Lock()
	c.puts++
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return err
}

func (c *countingStore) waitPuts(t *testing.T, n int, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		c.mu.Lock()
		puts, ch := c.puts, c.changed
		c.mu.Unlock()
		if puts >= n {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("%d Put calls after %v, want %d", puts, d, n)
		}
	}
}

// While MinIO is down the uploads stay pending and in the spool; once it
// is back they all arrive, verified, and the spool empties.
func TestUploaderMinIOOutage(t *testing.T) {
	m := miniotest.Start(t)
	s3, err := s3store.New(t.Context(), s3store.Config{
		Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: "outage", MaxRetries: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	store := newCounting(s3)
	spool := t.TempDir()
	st := &stored{}
	u := newUploader(t, store, spool, st)
	u.Start(t.Context())

	m.Stop()
	files := spoolFiles(t, spool, "outage", 3)
	enqueueAll(t, u, spool, files)
	// Every upload fails a few times over.
	store.waitPuts(t, 3*4, time.Minute)
	if n := u.Pending(); n != 3 {
		t.Errorf("Pending = %d while MinIO is down, want 3", n)
	}
	for key, b := range files {
		name := filepath.Join(spool, strings.TrimPrefix(key, "hearing/"))
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("spool file %s: %v", name, err)
		}
		if _, err := os.Stat(name + ".upload.json"); err != nil {
			t.Errorf("job file: %v", err)
		}
		if n := st.count(key); n != 0 {
			t.Errorf("OnStored called for %s while MinIO is down", key)
		}
	}

	m.Restart()
	idle(t, u, 2*time.Minute)
	checkStored(t, s3, spool, files, st)
	for key, b := range files {
		if got, err := s3.MetadataSHA256(t.Context(), key); err != nil || got != digest(b) {
			t.Errorf("%s: metadata SHA-256 %q (%v)", key, got, err)
		}
	}
}

// failingStore refuses every Put.
type failingStore struct{ recordings.ObjectStore }

func (failingStore) Put(context.Context, string, io.Reader, int64, string, string) error {
	return errors.New("store unavailable")
}

// A new Uploader finds the jobs an earlier one left in the spool.
func TestUploaderResume(t *testing.T) {
	spool := t.TempDir()
	store := newDirStore(t)
	first := newCounting(failingStore{store})
	st := &stored{}
	u1 := newUploader(t, first, spool, st)
	u1.Start(t.Context())
	files := spoolFiles(t, spool, "resume", 2)
	enqueueAll(t, u1, spool, files)
	first.waitPuts(t, 2, 30*time.Second)
	if err := u1.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := u1.Pending(); n != 2 {
		t.Fatalf("Pending after Close = %d, want 2", n)
	}

	// A crash after the spool file was removed but before its job file
	// was: the object is stored, OnStored is called again (it is
	// idempotent) and the job file goes.
	done := []byte("already stored")
	if err := store.Put(t.Context(), "hearing/done.webm", bytes.NewReader(done), int64(len(done)), "video/webm", digest(done)); err != nil {
		t.Fatal(err)
	}
	job := fmt.Sprintf(`{"path":%q,"key":"hearing/done.webm","content_type":"video/webm","size":%d,"sha256":%q,"meta":{"hearing":"1"}}`,
		filepath.Join(spool, "done.webm"), len(done), digest(done))
	if err := os.WriteFile(filepath.Join(spool, "done.webm.upload.json"), []byte(job), 0o600); err != nil {
		t.Fatal(err)
	}
	files["hearing/done.webm"] = done

	u2 := newUploader(t, store, spool, st)
	u2.Start(t.Context())
	idle(t, u2, 30*time.Second)
	checkStored(t, store, spool, files, st)
}

// corruptStore stores altered bytes for its first bad Puts, hiding the
// digest from the inner store (so that it cannot refuse them) and,
// if hideDigest, from Stat too (so that only reading back finds them).
type corruptStore struct {
	recordings.ObjectStore
	mu         sync.Mutex
	bad        int
	hideDigest bool
}

func (c *corruptStore) Put(ctx context.Context, key string, r io.Reader, size int64, ct, sum string) error {
	c.mu.Lock()
	corrupt := c.bad > 0
	c.bad--
	c.mu.Unlock()
	if !corrupt {
		return c.ObjectStore.Put(ctx, key, r, size, ct, sum)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	b[len(b)/2] ^= 0x40
	return c.ObjectStore.Put(ctx, key, bytes.NewReader(b), size, ct, "")
}

func (c *corruptStore) Stat(ctx context.Context, key string) (recordings.ObjectInfo, error) {
	info, err := c.ObjectStore.Stat(ctx, key)
	if c.hideDigest {
		info.SHA256 = ""
	}
	return info, err
}

func TestUploaderDetectsCorruption(t *testing.T) {
	for _, hide := range []bool{false, true} {
		t.Run(fmt.Sprintf("hideDigest=%v", hide), func(t *testing.T) {
			spool := t.TempDir()
			inner := newDirStore(t)
			bad := &corruptStore{ObjectStore: inner, bad: 2, hideDigest: hide}
			store := newCounting(bad)
			st := &stored{}
			u := newUploader(t, store, spool, st)
			u.Start(t.Context())
			files := spoolFiles(t, spool, "corrupt", 1)
			enqueueAll(t, u, spool, files)
			idle(t, u, 30*time.Second)
			store.mu.Lock()
			puts := store.puts
			store.mu.Unlock()
			if puts != 3 {
				t.Errorf("%d Puts, want 3 (two corrupted, refused and retried)", puts)
			}
			checkStored(t, inner, spool, files, st)
		})
	}
}
