package s3store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hearingroom/recordings"
	"hearingroom/recordings/miniotest"
	"hearingroom/recordings/s3store"
	"hearingroom/recordings/storetest"
)

var buckets atomic.Int64

func newStore(t *testing.T, m *miniotest.Server) *s3store.Store {
	t.Helper()
	s, err := s3store.New(t.Context(), s3store.Config{
		Endpoint:  m.Endpoint,
		AccessKey: m.AccessKey,
		SecretKey: m.SecretKey,
		Bucket:    fmt.Sprintf("recordings-%d", buckets.Add(1)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	m := miniotest.Start(t)
	storetest.Run(t, func(t *testing.T) recordings.ObjectStore { return newStore(t, m) })
}

// The server checks the digest: a Put whose bytes do not match is refused,
// and Stat reports the digest of the bytes stored, kept as a checksum.
func TestChecksum(t *testing.T) {
	m := miniotest.Start(t)
	s := newStore(t, m)
	b := []byte("a recording segment")
	sum := sha256.Sum256(b)
	hexSum := hex.EncodeToString(sum[:])
	if err := s.Put(t.Context(), "seg.webm", bytes.NewReader(b), int64(len(b)), "video/webm", hexSum); err != nil {
		t.Fatal(err)
	}
	info, err := s.Stat(t.Context(), "seg.webm")
	if err != nil {
		t.Fatal(err)
	}
	if info.SHA256 != hexSum {
		t.Errorf("Stat SHA256 = %q, want %s", info.SHA256, hexSum)
	}
	if got, err := s.MetadataSHA256(t.Context(), "seg.webm"); err != nil || got != hexSum {
		t.Errorf("MetadataSHA256 = %q, %v", got, err)
	}
	wrong := strings.Repeat("ab", 32)
	err = s.Put(t.Context(), "bad.webm", bytes.NewReader(b), int64(len(b)), "video/webm", wrong)
	if !errors.Is(err, recordings.ErrDigestMismatch) {
		t.Errorf("Put with a wrong digest = %v, want ErrDigestMismatch", err)
	}
}

// PublicEndpoint names the host browsers reach; the signature still holds
// when that host forwards to the server (here it is the same server).
func TestPublicEndpoint(t *testing.T) {
	m := miniotest.Start(t)
	priv := newStore(t, m)
	if err := priv.Put(t.Context(), "p.json", strings.NewReader("{}"), 2, "application/json", ""); err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(m.Endpoint, ":")
	pub, err := s3store.New(t.Context(), s3store.Config{
		Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket:         fmt.Sprintf("recordings-%d", buckets.Load()),
		PublicEndpoint: "http://localhost:" + port,
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := pub.URL(t.Context(), "p.json", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://localhost:"+port+"/") {
		t.Fatalf("URL %s does not name the public endpoint", u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s = %d", u, resp.StatusCode)
	}
}
