package recordings

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// ErrNotFound is returned (wrapped) by ObjectStore.Open and ObjectStore.Stat
// when no object is stored under the key.
var ErrNotFound = errors.New("recordings: no such object")

// ErrInvalidKey is returned (wrapped) by every ObjectStore method given a key
// that ValidKey rejects, before any I/O.
var ErrInvalidKey = errors.New("recordings: invalid object key")

// ErrDigestMismatch is returned (wrapped) when content does not match the
// SHA-256 or size it was stored or uploaded with.
var ErrDigestMismatch = errors.New("recordings: content does not match its size or SHA-256")

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key  string
	Size int64
	// SHA256 is the hex SHA-256 of the content if the store kept it, else "".
	// A store sets it only to a digest it checked against the bytes it stored.
	SHA256   string
	Modified time.Time
}

// ObjectStore stores recording segments under keys (see ValidKey).
type ObjectStore interface {
	// Put stores size bytes read from r under key (replacing any object there)
	// with the content type and the hex SHA-256 the caller computed (kept as
	// metadata where the store can). A store that can check the digest does,
	// and fails the Put on a mismatch; a short or long r is an error.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType, sha256 string) error
	// Open returns the object's content. It returns ErrNotFound (wrapped) if
	// no object is stored under key.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the object. It returns ErrNotFound (wrapped) if no object
	// is stored under key.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Delete removes the object; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// URL returns a URL a browser can GET (Range requests included) until ttl
	// passes: presigned for S3; for the directory store a server path signed
	// with HMAC.
	URL(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// MaxKeyLen is the longest key ValidKey accepts, in bytes.
const MaxKeyLen = 512

// ValidKey reports whether key is a safe object key: segments of
// [A-Za-z0-9._-] separated by "/", no empty, "." or ".." segment, at most
// MaxKeyLen bytes.
func ValidKey(key string) bool {
	if key == "" || len(key) > MaxKeyLen {
		return false
	}
	start := 0
	for i := 0; i <= len(key); i++ {
		if i < len(key) && key[i] != '/' {
			c := key[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
			continue
		}
		seg := key[start:i]
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		start = i + 1
	}
	return true
}

// CheckKey returns an error wrapping ErrInvalidKey if ValidKey rejects key.
func CheckKey(key string) error {
	if !ValidKey(key) {
		return &KeyError{Key: key}
	}
	return nil
}

// KeyError reports a key ValidKey rejects; it unwraps to ErrInvalidKey.
type KeyError struct{ Key string }

func (e *KeyError) Error() string {
	k := e.Key
	if len(k) > 64 {
		k = k[:64] + "…"
	}
	return "recordings: invalid object key " + strconv.Quote(k)
}

func (e *KeyError) Unwrap() error { return ErrInvalidKey }

// ContentTypeFor returns the content type for a key's extension: .webm
// video/webm, .mkv video/x-matroska, .mp4 video/mp4, .json application/json,
// anything else application/octet-stream.
func ContentTypeFor(key string) string {
	ext := ""
	for i := len(key) - 1; i >= 0 && key[i] != '/'; i-- {
		if key[i] == '.' {
			ext = key[i:]
			break
		}
	}
	switch ext {
	case ".webm":
		return "video/webm"
	case ".mkv":
		return "video/x-matroska"
	case ".mp4":
		return "video/mp4"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}

// ValidSHA256 reports whether s is a lowercase hex SHA-256 (64 characters).
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
