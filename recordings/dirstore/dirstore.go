// Package dirstore is a recordings.ObjectStore in a local directory, the
// embedded default.
//
// Layout under the root: objects/<key> holds the content, meta/<key>.json
// its size, content type and SHA-256 (checked while writing), tmp/ the files
// being written. Every access goes through an os.Root, so no key can reach
// outside the root. Files are written to tmp/, fsynced, and renamed into
// place; files are 0600 and directories 0750.
//
// A file system cannot hold both "a" and "a/b": a Put of one while the other
// exists fails. One Store at a time may use a directory (New clears tmp/).
package dirstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"hearingroom/recordings"
)

const (
	objectsDir = "objects"
	metaDir    = "meta"
	tmpDir     = "tmp"
)

// errNotDir is what the file system says when a key's parent is an object.
var errNotDir error = syscall.ENOTDIR

// Store is a recordings.ObjectStore in a directory.
type Store struct {
	root       *os.Root
	key        []byte
	urlPrefix  string
	pathPrefix string
	now        func() time.Time

	mu sync.Mutex // serialises renames, meta updates and directory removal
}

var _ recordings.ObjectStore = (*Store)(nil)

type meta struct {
	Size        int64  `json:"size"`
	ContentType string `json:"content_type,omitempty"`
	SHA256      string `json:"sha256"`
}

// New opens (creating it if needed) the store in the directory root.
// signingKey (at least 16 bytes) signs the URLs URL returns; urlPrefix is
// what they start with, e.g. "/recordings/" or "https://host/recordings/",
// and must end in "/".
func New(root string, signingKey []byte, urlPrefix string) (*Store, error) {
	if len(signingKey) < 16 {
		return nil, errors.New("dirstore: the signing key must be at least 16 bytes")
	}
	u, err := url.Parse(urlPrefix)
	if err != nil || !strings.HasSuffix(u.Path, "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("dirstore: URL prefix %q must be a path or URL ending in /", urlPrefix)
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("dirstore: %w", err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("dirstore: %w", err)
	}
	for _, d := range []string{objectsDir, metaDir, tmpDir} {
		if err := r.Mkdir(d, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			r.Close()
			return nil, fmt.Errorf("dirstore: %w", err)
		}
	}
	// Leftovers of writes interrupted by a crash.
	if err := r.RemoveAll(tmpDir); err == nil {
		err = r.Mkdir(tmpDir, 0o750)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("dirstore: %w", err)
		}
	}
	return &Store{
		root:       r,
		key:        append([]byte(nil), signingKey...),
		urlPrefix:  urlPrefix,
		pathPrefix: u.Path,
		now:        time.Now,
	}, nil
}

// Close releases the store's directory handle.
func (s *Store) Close() error { return s.root.Close() }

func objectName(key string) string { return objectsDir + "/" + key }
func metaName(key string) string   { return metaDir + "/" + key + ".json" }

// Put stores size bytes from r under key. It fails with
// recordings.ErrDigestMismatch if sha256 is not "" and does not match them.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType, sum string) error {
	if err := recordings.CheckKey(key); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("dirstore: put %s: negative size %d", key, size)
	}
	if sum != "" && !recordings.ValidSHA256(sum) {
		return fmt.Errorf("dirstore: put %s: %q is not a hex SHA-256", key, sum)
	}
	tmp, err := s.createTemp()
	if err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	committed := false
	defer func() {
		if !committed {
			s.root.Remove(tmp)
		}
	}()
	got, err := s.writeTemp(ctx, tmp, r, size)
	if err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	if sum != "" && got != sum {
		return fmt.Errorf("dirstore: put %s: SHA-256 %s, expected %s: %w", key, got, sum, recordings.ErrDigestMismatch)
	}
	m, err := json.Marshal(meta{Size: size, ContentType: contentType, SHA256: got})
	if err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := path.Dir(key)
	if err := s.root.MkdirAll(path.Join(objectsDir, dir), 0o750); err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	if err := s.root.MkdirAll(path.Join(metaDir, dir), 0o750); err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	// The old digest goes first: a crash before the new one is written leaves
	// an object without a digest, never one with the wrong digest.
	if err := s.root.Remove(metaName(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	if err := s.root.Rename(tmp, objectName(key)); err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	committed = true
	if err := s.writeFile(metaName(key), m); err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	if err := s.syncDir(path.Join(objectsDir, dir)); err != nil {
		return fmt.Errorf("dirstore: put %s: %w", key, err)
	}
	return nil
}

func (s *Store) createTemp() (string, error) {
	var b [12]byte
	rand.Read(b[:])
	name := tmpDir + "/" + hex.EncodeToString(b[:])
	f, err := s.root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	return name, f.Close()
}

// writeTemp copies exactly size bytes of r into the file name, fsyncs it and
// returns their hex SHA-256.
func (s *Store) writeTemp(ctx context.Context, name string, r io.Reader, size int64) (string, error) {
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(f, h), ctxReader{ctx, r}, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("content ended after %d of %d bytes: %w", n, size, recordings.ErrDigestMismatch)
		}
		return "", err
	}
	var one [1]byte
	if m, _ := io.ReadFull(r, one[:]); m > 0 {
		return "", fmt.Errorf("content longer than %d bytes: %w", size, recordings.ErrDigestMismatch)
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (s *Store) writeFile(name string, data []byte) error {
	tmp, err := s.createTemp()
	if err != nil {
		return err
	}
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err == nil {
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = s.root.Rename(tmp, name)
	}
	if err != nil {
		s.root.Remove(tmp)
	}
	return err
}

func (s *Store) syncDir(name string) error {
	d, err := s.root.Open(name)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Open returns the object's content, or recordings.ErrNotFound (wrapped).
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	f, _, err := s.open(key)
	return f, err
}

func (s *Store) open(key string) (*os.File, fs.FileInfo, error) {
	if err := recordings.CheckKey(key); err != nil {
		return nil, nil, err
	}
	f, err := s.root.Open(objectName(key))
	if err != nil {
		return nil, nil, s.notFound(key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("dirstore: %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("dirstore: %s: %w", key, recordings.ErrNotFound)
	}
	return f, fi, nil
}

func (s *Store) notFound(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
		return fmt.Errorf("dirstore: %s: %w", key, recordings.ErrNotFound)
	}
	return fmt.Errorf("dirstore: %w", err)
}

// Stat describes the object, or returns recordings.ErrNotFound (wrapped).
func (s *Store) Stat(ctx context.Context, key string) (recordings.ObjectInfo, error) {
	f, fi, err := s.open(key)
	if err != nil {
		return recordings.ObjectInfo{}, err
	}
	f.Close()
	info := recordings.ObjectInfo{Key: key, Size: fi.Size(), Modified: fi.ModTime()}
	if m, ok := s.meta(key); ok && m.Size == fi.Size() {
		info.SHA256 = m.SHA256
	}
	return info, nil
}

func (s *Store) meta(key string) (meta, bool) {
	var m meta
	b, err := s.root.ReadFile(metaName(key))
	if err != nil || json.Unmarshal(b, &m) != nil || !recordings.ValidSHA256(m.SHA256) {
		return meta{}, false
	}
	return m, true
}

// Delete removes the object; a missing key is not an error. Directories
// left empty are removed.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := recordings.CheckKey(key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if fi, err := s.root.Lstat(objectName(key)); err == nil && fi.IsDir() {
		return nil // a directory of other keys, not an object
	}
	removed := false
	for _, name := range []string{metaName(key), objectName(key)} {
		err := s.root.Remove(name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errNotDir) {
			return fmt.Errorf("dirstore: delete %s: %w", key, err)
		}
		removed = removed || err == nil
	}
	if removed {
		for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
			if !s.removeEmptyDir(path.Join(objectsDir, dir)) || !s.removeEmptyDir(path.Join(metaDir, dir)) {
				break
			}
		}
	}
	return nil
}

// removeEmptyDir removes the directory name if it is one and empty.
func (s *Store) removeEmptyDir(name string) bool {
	fi, err := s.root.Lstat(name)
	if err != nil || !fi.IsDir() {
		return false
	}
	return s.root.Remove(name) == nil
}

// URL returns urlPrefix + key + "?exp=<unix>&sig=<base64url HMAC-SHA256(key|exp)>",
// valid until ttl passes, for Handler to serve.
func (s *Store) URL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := recordings.CheckKey(key); err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", fmt.Errorf("dirstore: URL for %s: ttl %v is not positive", key, ttl)
	}
	exp := strconv.FormatInt(s.now().Add(ttl).Unix(), 10)
	return s.urlPrefix + key + "?exp=" + exp + "&sig=" + s.sign(key, exp), nil
}

func (s *Store) sign(key, exp string) string {
	m := hmac.New(sha256.New, s.key)
	io.WriteString(m, key)
	io.WriteString(m, "|")
	io.WriteString(m, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Handler serves the URLs URL returns. It expects the request path as in
// the URL, prefix included (mount it at the prefix's path without
// http.StripPrefix). It answers 403 to a bad or expired signature, 404 to a
// missing object, serves Range requests, and marks every answer
// Cache-Control: private, no-store.
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "private, no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key, ok := strings.CutPrefix(r.URL.Path, s.pathPrefix)
	if !ok || !recordings.ValidKey(key) {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	exp, sig := q.Get("exp"), q.Get("sig")
	expAt, err := strconv.ParseInt(exp, 10, 64)
	want := s.sign(key, exp)
	if err != nil || !hmac.Equal([]byte(sig), []byte(want)) || s.now().Unix() > expAt {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	f, fi, err := s.open(key)
	if errors.Is(err, recordings.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", recordings.ContentTypeFor(key))
	if m, ok := s.meta(key); ok && m.Size == fi.Size() {
		w.Header().Set("ETag", `"`+m.SHA256+`"`)
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
