// Package storetest is the conformance suite every recordings.ObjectStore
// passes: recordings/dirstore and recordings/s3store (against a real MinIO)
// run it in their tests.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hearingroom/recordings"
)

// Run runs the suite. newStore returns an empty store for one subtest; the
// URLs it makes must be reachable with http.DefaultClient (serve a directory
// store's Handler with httptest).
func Run(t *testing.T, newStore func(t *testing.T) recordings.ObjectStore) {
	tests := []struct {
		name string
		fn   func(*testing.T, recordings.ObjectStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"NotFound", testNotFound},
		{"InvalidKeys", testInvalidKeys},
		{"WrongSizeOrDigest", testWrongSizeOrDigest},
		{"Large", testLarge},
		{"URL", testURL},
		{"URLExpires", testURLExpires},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func put(t *testing.T, s recordings.ObjectStore, key string, b []byte) {
	t.Helper()
	err := s.Put(ctx(t), key, bytes.NewReader(b), int64(len(b)), recordings.ContentTypeFor(key), digest(b))
	if err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

// check asserts that key holds exactly b, through Stat and Open.
func check(t *testing.T, s recordings.ObjectStore, key string, b []byte) {
	t.Helper()
	info, err := s.Stat(ctx(t), key)
	if err != nil {
		t.Fatalf("Stat %s: %v", key, err)
	}
	if info.Key != key || info.Size != int64(len(b)) {
		t.Errorf("Stat %s = key %q size %d, want size %d", key, info.Key, info.Size, len(b))
	}
	if info.SHA256 != "" && info.SHA256 != digest(b) {
		t.Errorf("Stat %s: SHA256 %s, want %s or none", key, info.SHA256, digest(b))
	}
	if info.Modified.IsZero() || time.Since(info.Modified) > time.Hour || time.Until(info.Modified) > time.Minute {
		t.Errorf("Stat %s: Modified %v is not about now", key, info.Modified)
	}
	rc, err := s.Open(ctx(t), key)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if !bytes.Equal(got, b) {
		t.Errorf("Open %s: %d bytes (SHA-256 %s), want %d (%s)", key, len(got), digest(got), len(b), digest(b))
	}
}

func testRoundTrip(t *testing.T, s recordings.ObjectStore) {
	for _, key := range []string{"a.webm", "hearing-1/2026/seg_0001.webm", "x/y/z/meta.json", "A.B-c_d"} {
		b := []byte("content of " + key)
		put(t, s, key, b)
		check(t, s, key, b)
	}
	empty := "empty.json"
	put(t, s, empty, nil)
	check(t, s, empty, nil)

	if err := s.Delete(ctx(t), "a.webm"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Stat(ctx(t), "a.webm"); !errors.Is(err, recordings.ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx(t), "a.webm"); err != nil {
		t.Errorf("Delete of a deleted key = %v, want nil", err)
	}
	// Deleting one object leaves its neighbours alone.
	if err := s.Delete(ctx(t), "x/y/z/meta.json"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	check(t, s, "hearing-1/2026/seg_0001.webm", []byte("content of hearing-1/2026/seg_0001.webm"))
	put(t, s, "x/y/z/again.json", []byte("{}"))
	check(t, s, "x/y/z/again.json", []byte("{}"))
}

func testOverwrite(t *testing.T, s recordings.ObjectStore) {
	put(t, s, "seg.webm", bytes.Repeat([]byte("first "), 1000))
	second := []byte("second, shorter")
	put(t, s, "seg.webm", second)
	check(t, s, "seg.webm", second)
}

func testNotFound(t *testing.T, s recordings.ObjectStore) {
	put(t, s, "dir/present.webm", []byte("x"))
	for _, key := range []string{"missing.webm", "dir/missing.webm", "dir", "nodir/missing.webm", "dir/present.webm/below"} {
		if _, err := s.Stat(ctx(t), key); !errors.Is(err, recordings.ErrNotFound) {
			t.Errorf("Stat %s = %v, want ErrNotFound", key, err)
		}
		rc, err := s.Open(ctx(t), key)
		if !errors.Is(err, recordings.ErrNotFound) {
			t.Errorf("Open %s = %v, want ErrNotFound", key, err)
		}
		if rc != nil {
			rc.Close()
		}
		if err := s.Delete(ctx(t), key); err != nil {
			t.Errorf("Delete %s = %v, want nil", key, err)
		}
	}
	check(t, s, "dir/present.webm", []byte("x"))
}

// noRead fails the test if anything reads it.
type noRead struct{ t *testing.T }

func (r noRead) Read([]byte) (int, error) {
	r.t.Error("Put read the content of an invalid key")
	return 0, io.EOF
}

func testInvalidKeys(t *testing.T, s recordings.ObjectStore) {
	bad := []string{"", "/a", "a/", "a//b", ".", "..", "../x", "a/../b", "./a", "a/.", "a b", `a\b`,
		"é.webm", "a\x00b", "a?b", "a#b", "a%2fb", "a:b", strings.Repeat("k", recordings.MaxKeyLen+1)}
	for _, key := range bad {
		if recordings.ValidKey(key) {
			t.Errorf("ValidKey(%q) = true", key)
		}
		checkInvalid := func(op string, err error) {
			t.Helper()
			if !errors.Is(err, recordings.ErrInvalidKey) {
				t.Errorf("%s %q = %v, want ErrInvalidKey", op, key, err)
			}
		}
		checkInvalid("Put", s.Put(ctx(t), key, noRead{t}, 1, "video/webm", ""))
		_, err := s.Stat(ctx(t), key)
		checkInvalid("Stat", err)
		_, err = s.Open(ctx(t), key)
		checkInvalid("Open", err)
		checkInvalid("Delete", s.Delete(ctx(t), key))
		_, err = s.URL(ctx(t), key, time.Minute)
		checkInvalid("URL", err)
	}
	for _, key := range []string{"a", "a.b", "..a", "a..", ".hidden", "a/b/c", strings.Repeat("k", recordings.MaxKeyLen)} {
		if !recordings.ValidKey(key) {
			t.Errorf("ValidKey(%q) = false", key)
		}
	}
}

func testWrongSizeOrDigest(t *testing.T, s recordings.ObjectStore) {
	b := []byte("twelve bytes")
	// A reader shorter than the size is an error and stores nothing.
	if err := s.Put(ctx(t), "short.webm", bytes.NewReader(b), 100, "video/webm", ""); err == nil {
		t.Error("Put with a short reader succeeded")
	} else if info, err := s.Stat(ctx(t), "short.webm"); !errors.Is(err, recordings.ErrNotFound) {
		t.Errorf("after a short Put, Stat = %+v, %v; want ErrNotFound", info, err)
	}
	// A wrong digest is refused, or at least never reported as the object's.
	wrong := digest([]byte("something else"))
	err := s.Put(ctx(t), "wrong.webm", bytes.NewReader(b), int64(len(b)), "video/webm", wrong)
	if err == nil {
		info, err := s.Stat(ctx(t), "wrong.webm")
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		if info.SHA256 == wrong {
			t.Errorf("Stat reports the wrong digest the object was put with")
		}
	} else if !errors.Is(err, recordings.ErrDigestMismatch) {
		t.Errorf("Put with a wrong digest = %v, want ErrDigestMismatch", err)
	}
	// A malformed digest is an error.
	if err := s.Put(ctx(t), "bad.webm", bytes.NewReader(b), int64(len(b)), "video/webm", "XYZ"); err == nil {
		t.Error("Put with a malformed digest succeeded")
	}
}

// stream is a deterministic pseudo-random content of n bytes.
func stream(seed uint64, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}), n)
}

func testLarge(t *testing.T, s recordings.ObjectStore) {
	const size = 20 << 20
	h := sha256.New()
	io.Copy(h, stream(1, size))
	sum := hex.EncodeToString(h.Sum(nil))
	// Not a bytes.Reader: the store must stream, it cannot seek or size it.
	r := struct{ io.Reader }{stream(1, size)}
	if err := s.Put(ctx(t), "large/seg.webm", r, size, "video/webm", sum); err != nil {
		t.Fatalf("Put: %v", err)
	}
	info, err := s.Stat(ctx(t), "large/seg.webm")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if info.Size != size || info.SHA256 != "" && info.SHA256 != sum {
		t.Errorf("Stat = size %d SHA256 %s, want %d %s", info.Size, info.SHA256, size, sum)
	}
	rc, err := s.Open(ctx(t), "large/seg.webm")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	h.Reset()
	n, err := io.Copy(h, rc)
	if err != nil || n != size || hex.EncodeToString(h.Sum(nil)) != sum {
		t.Errorf("read back %d bytes (err %v), SHA-256 %x; want %d, %s", n, err, h.Sum(nil), size, sum)
	}
}

func get(t *testing.T, u string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, resp.Header, b
}

func testURL(t *testing.T, s recordings.ObjectStore) {
	b, _ := io.ReadAll(stream(2, 100_000))
	key := "hearing-7/seg_0003.webm"
	put(t, s, key, b)
	u, err := s.URL(ctx(t), key, time.Hour)
	if err != nil {
		t.Fatalf("URL: %v", err)
	}

	code, h, body := get(t, u)
	if code != http.StatusOK || !bytes.Equal(body, b) {
		t.Fatalf("GET = %d with %d bytes, want 200 with %d", code, len(body), len(b))
	}
	if ct := h.Get("Content-Type"); ct != "video/webm" {
		t.Errorf("Content-Type = %q, want video/webm", ct)
	}

	code, h, body = get(t, u, "Range", "bytes=1000-1999")
	if code != http.StatusPartialContent || !bytes.Equal(body, b[1000:2000]) {
		t.Errorf("GET Range 1000-1999 = %d with %d bytes (equal %v), want 206 with the 1000 bytes",
			code, len(body), bytes.Equal(body, b[1000:2000]))
	}
	if cr := h.Get("Content-Range"); cr != fmt.Sprintf("bytes 1000-1999/%d", len(b)) {
		t.Errorf("Content-Range = %q", cr)
	}
	code, _, body = get(t, u, "Range", "bytes=-10")
	if code != http.StatusPartialContent || !bytes.Equal(body, b[len(b)-10:]) {
		t.Errorf("GET Range -10 = %d with %q", code, body)
	}

	for _, tampered := range tamper(t, u) {
		if code, _, _ := get(t, tampered); code != http.StatusForbidden {
			t.Errorf("GET tampered %s = %d, want 403", tampered, code)
		}
	}

	// A signed URL of a key with no object is refused or not found.
	u, err = s.URL(ctx(t), "hearing-7/none.webm", time.Hour)
	if err != nil {
		t.Fatalf("URL: %v", err)
	}
	if code, _, _ := get(t, u); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Errorf("GET missing = %d, want 404 (or 403)", code)
	}
}

// tamper returns variants of a signed URL: another signature, another key,
// a later expiry.
func tamper(t *testing.T, raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	q := u.Query()
	for name := range q {
		v := q.Get(name)
		switch strings.ToLower(name) {
		case "sig", "x-amz-signature":
			c := byte('A')
			if v[len(v)-2] == 'A' {
				c = 'B'
			}
			q2 := u.Query()
			q2.Set(name, v[:len(v)-2]+string(c)+v[len(v)-1:])
			out = append(out, withQuery(u, q2))
		case "exp", "x-amz-expires":
			q2 := u.Query()
			q2.Set(name, v+"0")
			out = append(out, withQuery(u, q2))
		}
	}
	if len(out) != 2 {
		t.Fatalf("URL %s: no signature or expiry parameter found to tamper with", raw)
	}
	other := *u
	other.Path = strings.Replace(u.Path, "seg_0003", "seg_0004", 1)
	out = append(out, other.String())
	return out
}

func withQuery(u *url.URL, q url.Values) string {
	v := *u
	v.RawQuery = q.Encode()
	return v.String()
}

func testURLExpires(t *testing.T, s recordings.ObjectStore) {
	put(t, s, "exp.webm", []byte("soon gone"))
	u, err := s.URL(ctx(t), "exp.webm", time.Second)
	if err != nil {
		t.Fatalf("URL: %v", err)
	}
	// Expiry has a resolution of a second: wait for it, within a deadline.
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _, _ := get(t, u)
		if code == http.StatusForbidden {
			return
		}
		if code != http.StatusOK {
			t.Fatalf("GET = %d, want 200 before it expires and 403 after", code)
		}
		if time.Now().After(deadline) {
			t.Fatal("a URL valid for 1 s was still served after 15 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func testConcurrent(t *testing.T, s recordings.ObjectStore) {
	const n = 8
	contents := make([][]byte, n)
	for i := range contents {
		contents[i], _ = io.ReadAll(stream(uint64(10+i), int64(200_000+i)))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("conc/seg_%d.webm", i)
			errs[i] = s.Put(ctx(t), key, bytes.NewReader(contents[i]), int64(len(contents[i])), "video/webm", digest(contents[i]))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	for i := range n {
		check(t, s, fmt.Sprintf("conc/seg_%d.webm", i), contents[i])
	}
}
