// Package s3store is a recordings.ObjectStore in an S3 bucket (MinIO or any
// S3), through minio-go with path-style addressing.
//
// Put sends the caller's SHA-256 twice: as user metadata (X-Amz-Meta-Sha256,
// for people reading the bucket) and, for objects up to 5 GiB (one PUT), as
// the S3 checksum x-amz-checksum-sha256, which the server checks against the
// bytes it received and keeps. Stat reports only that server-checked digest.
package s3store

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"hearingroom/recordings"
)

// Config says where the bucket is.
type Config struct {
	Endpoint  string // host:port of the S3 API
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string // "" means us-east-1
	UseTLS    bool
	// PublicEndpoint is the host[:port] (or scheme://host[:port]) browsers
	// reach the S3 API at, if not Endpoint; presigned URLs name it.
	PublicEndpoint string
	// MaxRetries bounds minio-go's own retries of one request; 0 means its
	// default (10). The Uploader retries on its own.
	MaxRetries int
}

// singlePutMax is the largest object sent in one PUT (the S3 limit), so
// with a full-object SHA-256 checksum.
const singlePutMax = 5 << 30

// metaSHA256 is the user-metadata name of the caller's SHA-256.
const metaSHA256 = "Sha256"

// Store is a recordings.ObjectStore in an S3 bucket.
type Store struct {
	client  *minio.Client
	presign *minio.Client
	bucket  string
}

var _ recordings.ObjectStore = (*Store)(nil)

// New connects to the bucket, creating it if missing.
func New(ctx context.Context, c Config) (*Store, error) {
	if c.Endpoint == "" || c.Bucket == "" {
		return nil, errors.New("s3store: endpoint and bucket are required")
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	opts := func(secure bool) *minio.Options {
		return &minio.Options{
			Creds:           credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
			Secure:          secure,
			Region:          c.Region,
			BucketLookup:    minio.BucketLookupPath,
			TrailingHeaders: true,
			MaxRetries:      c.MaxRetries,
		}
	}
	client, err := minio.New(c.Endpoint, opts(c.UseTLS))
	if err != nil {
		return nil, fmt.Errorf("s3store: %w", err)
	}
	s := &Store{client: client, presign: client, bucket: c.Bucket}
	if c.PublicEndpoint != "" {
		host, secure := c.PublicEndpoint, c.UseTLS
		if strings.Contains(host, "://") {
			u, err := url.Parse(host)
			if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
				return nil, fmt.Errorf("s3store: public endpoint %q is not scheme://host[:port]", c.PublicEndpoint)
			}
			host, secure = u.Host, u.Scheme == "https"
		}
		// Presigning is local: with the region set, this client never
		// contacts the public endpoint.
		if s.presign, err = minio.New(host, opts(secure)); err != nil {
			return nil, fmt.Errorf("s3store: public endpoint: %w", err)
		}
	}
	ok, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3store: bucket %s: %w", c.Bucket, err)
	}
	if !ok {
		err := client.MakeBucket(ctx, c.Bucket, minio.MakeBucketOptions{Region: c.Region})
		if err != nil {
			if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
				return nil, fmt.Errorf("s3store: create bucket %s: %w", c.Bucket, err)
			}
		}
	}
	return s, nil
}

// Put streams size bytes from r to the object key. The server refuses them
// (recordings.ErrDigestMismatch) if they do not match sha256.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType, sum string) error {
	if err := recordings.CheckKey(key); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("s3store: put %s: negative size %d", key, size)
	}
	if sum != "" && !recordings.ValidSHA256(sum) {
		return fmt.Errorf("s3store: put %s: %q is not a hex SHA-256", key, sum)
	}
	opts := minio.PutObjectOptions{ContentType: contentType}
	if sum != "" {
		opts.UserMetadata = map[string]string{metaSHA256: sum}
		if size <= singlePutMax {
			raw, _ := hex.DecodeString(sum)
			opts.UserMetadata["x-amz-checksum-sha256"] = base64.StdEncoding.EncodeToString(raw)
			opts.DisableMultipart = true
		}
	}
	// minio-go would buffer a reader with no known end; it has one here, and
	// a reader that ends early or late is an error.
	lr := &exactReader{r: r, left: size}
	info, err := s.client.PutObject(ctx, s.bucket, key, lr, size, opts)
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "BadDigest" || code == "XAmzContentChecksumMismatch" || code == "XAmzContentSHA256Mismatch" {
			return fmt.Errorf("s3store: put %s: %w: %v", key, recordings.ErrDigestMismatch, err)
		}
		if lr.err != nil {
			return fmt.Errorf("s3store: put %s: %w", key, lr.err)
		}
		return fmt.Errorf("s3store: put %s: %w", key, err)
	}
	if lr.err != nil {
		return fmt.Errorf("s3store: put %s: %w", key, lr.err)
	}
	if info.Size != size {
		return fmt.Errorf("s3store: put %s: stored %d of %d bytes: %w", key, info.Size, size, recordings.ErrDigestMismatch)
	}
	return nil
}

// exactReader reads exactly left bytes of r, recording in err a reader that
// ends before or goes on after them.
type exactReader struct {
	r    io.Reader
	left int64
	err  error
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(e.r, one[:]); n > 0 && e.err == nil {
			e.err = fmt.Errorf("content longer than its size: %w", recordings.ErrDigestMismatch)
			return 0, e.err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		e.err = fmt.Errorf("content ended %d bytes short: %w", e.left, recordings.ErrDigestMismatch)
		return n, e.err
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// Open returns the object's content, or recordings.ErrNotFound (wrapped).
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := recordings.CheckKey(key); err != nil {
		return nil, err
	}
	o, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.mapErr(key, err)
	}
	// GetObject is lazy: Stat sends the request, so a missing object is
	// reported here rather than on the first Read.
	if _, err := o.Stat(); err != nil {
		o.Close()
		return nil, s.mapErr(key, err)
	}
	return o, nil
}

// Stat describes the object, or returns recordings.ErrNotFound (wrapped).
// Its SHA256 is the server-checked S3 checksum, "" if the object has none.
func (s *Store) Stat(ctx context.Context, key string) (recordings.ObjectInfo, error) {
	if err := recordings.CheckKey(key); err != nil {
		return recordings.ObjectInfo{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{Checksum: true})
	if err != nil {
		return recordings.ObjectInfo{}, s.mapErr(key, err)
	}
	info := recordings.ObjectInfo{Key: key, Size: oi.Size, Modified: oi.LastModified}
	// A multipart checksum ends in -N and is not the object's digest.
	if raw, err := base64.StdEncoding.DecodeString(oi.ChecksumSHA256); err == nil && len(raw) == 32 {
		info.SHA256 = hex.EncodeToString(raw)
	}
	return info, nil
}

// MetadataSHA256 returns the SHA-256 the object was put with, as stored in
// its user metadata (not checked by the server), or "".
func (s *Store) MetadataSHA256(ctx context.Context, key string) (string, error) {
	if err := recordings.CheckKey(key); err != nil {
		return "", err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return "", s.mapErr(key, err)
	}
	return oi.UserMetadata[metaSHA256], nil
}

// Delete removes the object; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := recordings.CheckKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(s.mapErr(key, err), recordings.ErrNotFound) {
		return fmt.Errorf("s3store: delete %s: %w", key, err)
	}
	return nil
}

// URL returns a presigned GET URL valid for ttl (at most 7 days, the S3
// limit).
func (s *Store) URL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := recordings.CheckKey(key); err != nil {
		return "", err
	}
	u, err := s.presign.PresignedGetObject(ctx, s.bucket, key, ttl, nil)
	if err != nil {
		return "", fmt.Errorf("s3store: URL for %s: %w", key, err)
	}
	return u.String(), nil
}

func (s *Store) mapErr(key string, err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == "NoSuchKey" || resp.Code == "NotFound" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket" {
		return fmt.Errorf("s3store: %s: %w", key, recordings.ErrNotFound)
	}
	return fmt.Errorf("s3store: %s: %w", key, err)
}
