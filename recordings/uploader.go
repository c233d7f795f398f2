package recordings

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// jobSuffix names the job file the Uploader writes beside a spool file.
const jobSuffix = ".upload.json"

// jobTempPrefix names a job file being written.
const jobTempPrefix = ".job-"

// Upload is one spool file on its way to the ObjectStore.
type Upload struct {
	Path        string            `json:"path"` // the spool file
	Key         string            `json:"key"`
	ContentType string            `json:"content_type"`
	Size        int64             `json:"size"`
	SHA256      string            `json:"sha256"` // hex, of the spool file when it was enqueued
	Meta        map[string]string `json:"meta,omitempty"`
}

// UploaderConfig configures an Uploader.
type UploaderConfig struct {
	Store ObjectStore
	Spool string // the spool directory; enqueued files must be under it
	// OnStored is called once the stored object was verified and before the
	// spool copy is removed (the caller records the digest in the ledger).
	// It must be idempotent: after a crash it may be called again for the
	// same upload. An error is retried like a failed upload.
	OnStored func(ctx context.Context, u Upload) error
	Log      *slog.Logger // nil: slog.Default()
	// MinBackoff and MaxBackoff bound the wait before retrying a failed
	// upload (doubling, with jitter); defaults 1 s and 1 min.
	MinBackoff, MaxBackoff time.Duration
	// ReadBack makes every upload read the stored object back and hash it,
	// even when the store reports a digest it checked itself.
	ReadBack bool
}

// Uploader moves finished spool files to an ObjectStore, never losing one.
// Each upload is put, verified (size and SHA-256 of the stored bytes: the
// digest the store checked, or the bytes read back and hashed), reported to
// OnStored, and only then removed from the spool, with its job file. Any
// failure is retried with capped exponential backoff; a job file in the
// spool makes a restarted Uploader resume the upload.
type Uploader struct {
	c   UploaderConfig
	log *slog.Logger

	mu      sync.Mutex
	jobs    map[string]*job // by spool path
	changed chan struct{}   // closed and replaced when jobs changes
	wake    chan struct{}   // a new job is due
	started bool
	stop    chan struct{}
	done    chan struct{}
	cancel  context.CancelFunc // cancels the in-flight upload
}

type job struct {
	Upload
	attempts int
	due      time.Time
}

// NewUploader checks the configuration; Start starts the uploads.
func NewUploader(c UploaderConfig) (*Uploader, error) {
	if c.Store == nil {
		return nil, errors.New("recordings: uploader: no store")
	}
	if c.Spool == "" {
		return nil, errors.New("recordings: uploader: no spool directory")
	}
	spool, err := filepath.Abs(c.Spool)
	if err != nil {
		return nil, fmt.Errorf("recordings: uploader: %w", err)
	}
	c.Spool = spool
	if err := os.MkdirAll(spool, 0o750); err != nil {
		return nil, fmt.Errorf("recordings: uploader: %w", err)
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	return &Uploader{
		c:       c,
		log:     log.With("component", "uploader"),
		jobs:    map[string]*job{},
		changed: make(chan struct{}),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}, nil
}

// Start queues the jobs found in the spool (left by an earlier run) and
// starts the background loop. It returns at once; ctx bounds the loop.
func (u *Uploader) Start(ctx context.Context) {
	u.mu.Lock()
	if u.started {
		u.mu.Unlock()
		return
	}
	u.started = true
	u.mu.Unlock()
	u.resume()
	go u.loop(ctx)
}

// resume queues the job files found under the spool.
func (u *Uploader) resume() {
	filepath.WalkDir(u.c.Spool, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			u.log.Error("reading the spool", "err", err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), jobTempPrefix) {
			os.Remove(p) // a job file half written before a crash
			return nil
		}
		if !strings.HasSuffix(p, jobSuffix) {
			return nil
		}
		b, err := os.ReadFile(p)
		var up Upload
		if err == nil {
			err = json.Unmarshal(b, &up)
		}
		if err == nil && (CheckKey(up.Key) != nil || !ValidSHA256(up.SHA256) || up.Size < 0) {
			err = errors.New("inconsistent job")
		}
		// The spool file is the one beside the job file, wherever the
		// spool has been moved since.
		up.Path = strings.TrimSuffix(p, jobSuffix)
		if err != nil {
			// Never delete it: a person must look at it.
			u.log.Error("unreadable upload job left in the spool", "job", p, "err", err)
			return nil
		}
		u.add(&job{Upload: up})
		u.log.Info("resuming upload", "key", up.Key, "path", up.Path)
		return nil
	})
}

// Enqueue hashes the spool file at path, writes its job file beside it, and
// queues its upload to key. The file must be under the spool directory and
// must not change afterwards.
func (u *Uploader) Enqueue(path, key, contentType string, meta map[string]string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("recordings: enqueue %s: %w", path, err)
	}
	if rel, err := filepath.Rel(u.c.Spool, abs); err != nil || rel == "." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == ".." {
		return fmt.Errorf("recordings: enqueue %s: not under the spool %s", path, u.c.Spool)
	}
	if strings.HasSuffix(abs, jobSuffix) {
		return fmt.Errorf("recordings: enqueue %s: a job file", path)
	}
	size, sum, err := hashFile(abs)
	if err != nil {
		return fmt.Errorf("recordings: enqueue %s: %w", path, err)
	}
	up := Upload{Path: abs, Key: key, ContentType: contentType, Size: size, SHA256: sum, Meta: meta}
	b, err := json.MarshalIndent(up, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileSync(abs+jobSuffix, b); err != nil {
		return fmt.Errorf("recordings: enqueue %s: %w", path, err)
	}
	u.add(&job{Upload: up})
	return nil
}

func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// writeFileSync writes name through a temp file, fsyncs and renames it, and
// fsyncs the directory.
func writeFileSync(name string, b []byte) error {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, jobTempPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (u *Uploader) add(j *job) {
	u.mu.Lock()
	u.jobs[j.Path] = j // a re-enqueued path replaces its job
	u.changedLocked()
	u.mu.Unlock()
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *Uploader) changedLocked() {
	close(u.changed)
	u.changed = make(chan struct{})
}

// Pending returns the number of uploads not yet stored, the in-flight one
// included.
func (u *Uploader) Pending() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.jobs)
}

// Wait blocks until no upload to key is pending (at once if none is), or
// until ctx is done.
func (u *Uploader) Wait(ctx context.Context, key string) error {
	return u.waitFor(ctx, func() bool {
		for _, j := range u.jobs {
			if j.Key == key {
				return false
			}
		}
		return true
	})
}

// Idle blocks until no upload is pending, or until ctx is done.
func (u *Uploader) Idle(ctx context.Context) error {
	return u.waitFor(ctx, func() bool { return len(u.jobs) == 0 })
}

func (u *Uploader) waitFor(ctx context.Context, cond func() bool) error {
	for {
		u.mu.Lock()
		ok, ch := cond(), u.changed
		u.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Close stops the loop and waits for the in-flight upload to end; if ctx
// ends first, the upload is cancelled (to be resumed by the next run).
// Pending jobs stay in the spool.
func (u *Uploader) Close(ctx context.Context) error {
	u.mu.Lock()
	started := u.started
	select {
	case <-u.stop:
	default:
		close(u.stop)
	}
	u.mu.Unlock()
	if !started {
		return nil
	}
	select {
	case <-u.done:
		return nil
	case <-ctx.Done():
		u.mu.Lock()
		if u.cancel != nil {
			u.cancel()
		}
		u.mu.Unlock()
		<-u.done
		return ctx.Err()
	}
}

func (u *Uploader) loop(ctx context.Context) {
	defer close(u.done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		j, wait := u.next()
		if j == nil {
			timer.Reset(wait)
			select {
			case <-u.stop:
				return
			case <-ctx.Done():
				return
			case <-u.wake:
			case <-timer.C:
			}
			continue
		}
		select {
		case <-u.stop:
			return
		default:
		}
		jctx, cancel := context.WithCancel(ctx)
		u.mu.Lock()
		u.cancel = cancel
		u.mu.Unlock()
		err := u.upload(jctx, j.Upload)
		cancel()
		u.mu.Lock()
		u.cancel = nil
		if err == nil {
			if u.jobs[j.Path] == j {
				delete(u.jobs, j.Path)
			}
			u.changedLocked()
			u.mu.Unlock()
			u.log.Info("recording stored", "key", j.Key, "size", j.Size, "sha256", j.SHA256, "attempts", j.attempts+1)
			continue
		}
		j.attempts++
		delay := backoff(u.c.MinBackoff, u.c.MaxBackoff, j.attempts)
		j.due = time.Now().Add(delay)
		u.changedLocked()
		u.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		u.log.Warn("upload failed; will retry", "key", j.Key, "path", j.Path, "attempt", j.attempts, "retry_in", delay.Round(time.Millisecond), "err", err)
	}
}

// next returns the job due first, or nil and how long until one is due.
func (u *Uploader) next() (*job, time.Duration) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var first *job
	for _, j := range u.jobs {
		if first == nil || j.due.Before(first.due) || j.due.Equal(first.due) && j.Path < first.Path {
			first = j
		}
	}
	if first == nil {
		return nil, time.Hour
	}
	if d := time.Until(first.due); d > 0 {
		return nil, d
	}
	return first, 0
}

// backoff returns the wait before retry number attempt (from 1): doubling
// from min, capped at max, with up to half of it taken off at random.
func backoff(min, max time.Duration, attempt int) time.Duration {
	d := min
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d - rand.N(d/2+1)
}

// upload puts one spool file, verifies the stored object, reports it and
// removes the spool copy.
func (u *Uploader) upload(ctx context.Context, up Upload) error {
	f, err := os.Open(up.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return u.finishMissing(ctx, up)
	}
	if err != nil {
		return err
	}
	h := sha256.New()
	err = u.c.Store.Put(ctx, up.Key, io.TeeReader(f, h), up.Size, up.ContentType, up.SHA256)
	f.Close()
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != up.SHA256 {
		return fmt.Errorf("spool file %s changed since it was enqueued (SHA-256 %s, was %s): %w", up.Path, got, up.SHA256, ErrDigestMismatch)
	}
	if err := u.verify(ctx, up); err != nil {
		return err
	}
	if u.c.OnStored != nil {
		if err := u.c.OnStored(ctx, up); err != nil {
			return fmt.Errorf("recording the stored upload: %w", err)
		}
	}
	if err := os.Remove(up.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(up.Path + jobSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(up.Path))
}

// verify checks that the store holds exactly the upload's bytes: the size,
// and the SHA-256 the store checked, or, if it kept none (or ReadBack is
// set), the SHA-256 of the bytes read back.
func (u *Uploader) verify(ctx context.Context, up Upload) error {
	info, err := u.c.Store.Stat(ctx, up.Key)
	if err != nil {
		return fmt.Errorf("verifying %s: %w", up.Key, err)
	}
	if info.Size != up.Size {
		return fmt.Errorf("verifying %s: stored %d bytes, want %d: %w", up.Key, info.Size, up.Size, ErrDigestMismatch)
	}
	if info.SHA256 != "" && info.SHA256 != up.SHA256 {
		return fmt.Errorf("verifying %s: stored SHA-256 %s, want %s: %w", up.Key, info.SHA256, up.SHA256, ErrDigestMismatch)
	}
	if info.SHA256 != "" && !u.c.ReadBack {
		return nil
	}
	rc, err := u.c.Store.Open(ctx, up.Key)
	if err != nil {
		return fmt.Errorf("verifying %s: %w", up.Key, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return fmt.Errorf("verifying %s: reading back: %w", up.Key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != up.Size || got != up.SHA256 {
		return fmt.Errorf("verifying %s: read back %d bytes with SHA-256 %s, want %d with %s: %w", up.Key, n, got, up.Size, up.SHA256, ErrDigestMismatch)
	}
	return nil
}

// finishMissing handles a job whose spool file is gone: after a crash
// between removing the file and its job file, the object is stored and
// OnStored was called; it is checked and the job file removed. Otherwise
// the evidence is lost: that is logged as an error and retried, so the job
// file stays for a person to see.
func (u *Uploader) finishMissing(ctx context.Context, up Upload) error {
	if err := u.verify(ctx, up); err != nil {
		u.log.Error("spool file missing and not in the store", "key", up.Key, "path", up.Path, "err", err)
		return fmt.Errorf("spool file %s is missing: %w", up.Path, err)
	}
	if u.c.OnStored != nil {
		if err := u.c.OnStored(ctx, up); err != nil {
			return fmt.Errorf("recording the stored upload: %w", err)
		}
	}
	if err := os.Remove(up.Path + jobSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Queued reports whether the spool file path has a job file: the Uploader
// holds it (or will resume it at Start).
func Queued(path string) bool {
	_, err := os.Stat(path + jobSuffix)
	return err == nil
}
