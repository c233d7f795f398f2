package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"

	"hearingroom/media/sfu"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/recordings"
	"hearingroom/recordings/dirstore"
	"hearingroom/recordings/s3store"
)

// mediaPrefix is where the directory store's signed playback URLs are
// served.
const mediaPrefix = "/media/"

// objectStore is the recording store the configuration names: an S3
// bucket when --s3-endpoint is set, else the objects directory in the data
// dir. media, for the directory store, serves its signed URLs; origin, for
// S3, is the origin the browser plays from (for the page's CSP).
type objectStore struct {
	recordings.ObjectStore
	media  http.Handler
	origin string
	close  func() error
}

func openObjectStore(ctx context.Context, c Config, secret string) (*objectStore, error) {
	if c.S3Endpoint == "" {
		d, err := dirstore.New(filepath.Join(c.DataDir, "recordings", "store"), derivedKey(secret, "hearingroom media urls v1"), mediaPrefix)
		if err != nil {
			return nil, fmt.Errorf("recordings: %w", err)
		}
		return &objectStore{ObjectStore: d, media: d.Handler(), close: d.Close}, nil
	}
	s, err := s3store.New(ctx, s3store.Config{Endpoint: c.S3Endpoint, AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey,
		Bucket: c.S3Bucket, Region: c.S3Region, UseTLS: c.S3TLS, PublicEndpoint: c.S3PublicEndpoint})
	if err != nil {
		return nil, fmt.Errorf("recordings: %w", err)
	}
	scheme, host := "http", c.S3Endpoint
	if c.S3TLS {
		scheme = "https"
	}
	if p := c.S3PublicEndpoint; p != "" {
		host = p
		if u, err := url.Parse(p); err == nil && u.Host != "" {
			scheme, host = u.Scheme, u.Host
		}
	}
	return &objectStore{ObjectStore: s, origin: scheme + "://" + host, close: func() error { return nil }}, nil
}

// derivedKey derives a purpose's key from the server's secret.
func derivedKey(secret, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// recordingKey returns the object key of a segment:
// county/unit/YYYY/MM/DD/session/file, the unit being the station's.
func recordingKey(tree *petitions.UnitTree, seg *recordings.Segment) string {
	county, unit := "county", "unassigned"
	if roots := tree.Roots(); len(roots) > 0 {
		county = roots[0]
		if u, ok := tree.Unit(roots[0]); ok && u.Code != "" {
			county = u.Code
		}
	}
	if u, ok := tree.StationUnit(seg.Station); ok {
		unit = u
	}
	session := seg.Session
	if session == "" {
		session = "room-" + seg.Room
	}
	day := casework.Day(seg.Start)
	return strings.Join([]string{keySafe(county), keySafe(unit), day[:4], day[5:7], day[8:10], keySafe(session), seg.File}, "/")
}

// keySafe keeps a key element within recordings.ValidKey's alphabet.
func keySafe(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	if strings.Trim(out, ".") == "" {
		return "_"
	}
	return out
}

// recordingRef is what the ledger keeps of a stored segment.
func recordingRef(u recordings.Upload, seg *recordings.Segment) petitions.RecordingRef {
	return petitions.RecordingRef{Object: u.Key, SHA256: u.SHA256, Size: u.Size,
		Participant: seg.Identity, Role: seg.Role, Start: seg.Start, DurationMS: seg.Duration.Milliseconds(),
		Tracks: seg.Tracks, Width: seg.Width, Height: seg.Height, Interrupted: seg.Reason == "interrupted"}
}

// segmentMeta is how a segment travels through the Uploader's job file.
const segmentMeta = "segment"

func encodeSegment(seg *recordings.Segment) map[string]string {
	b, _ := json.Marshal(seg) // a Segment always marshals
	return map[string]string{segmentMeta: string(b)}
}

func decodeSegment(u recordings.Upload) (*recordings.Segment, error) {
	var seg recordings.Segment
	if err := json.Unmarshal([]byte(u.Meta[segmentMeta]), &seg); err != nil {
		return nil, fmt.Errorf("recordings: upload %s carries no segment: %w", u.Key, err)
	}
	return &seg, nil
}

// recorder holds the recording pipeline of a running server.
type recorder struct {
	uploader *recordings.Uploader
	manager  *recordings.Manager
}

// startRecorder builds the pipeline: segments from the manager go to the
// uploader, whose stored objects are attached to their sessions. Segments
// a previous run left in the spool are finalised and queued again.
func startRecorder(ctx context.Context, c Config, store *objectStore, rooms recordings.RoomSwitch,
	sessions *petitions.SessionRecorder, cases *casework.Service, log *slog.Logger) (*recorder, error) {
	spool := filepath.Join(c.DataDir, "recordings", "spool")
	up, err := recordings.NewUploader(recordings.UploaderConfig{Store: store, Spool: spool, Log: log,
		MinBackoff: c.UploadMinBackoff, MaxBackoff: c.UploadMaxBackoff,
		OnStored: func(ctx context.Context, u recordings.Upload) error {
			seg, err := decodeSegment(u)
			if err != nil {
				return err
			}
			if err := sessions.AddRecording(ctx, seg.Room, seg.Session, seg.Start, recordingRef(u, seg)); err != nil {
				return err
			}
			// The segment's sidecar served Recover; the job file holds the
			// segment now, and the uploader removes the file and its job
			// next: without this the spool keeps every sidecar forever.
			return recordings.RemoveMeta(u.Path)
		}})
	if err != nil {
		return nil, err
	}
	policy := recordings.DefaultPolicy()
	if len(c.RecordKinds) > 0 {
		policy.Kinds = map[petitions.SessionKind]bool{}
		for _, k := range c.RecordKinds {
			if k != "none" {
				policy.Kinds[petitions.SessionKind(k)] = true
			}
		}
	}
	mgr, err := recordings.NewManager(recordings.Config{Spool: spool, Rooms: rooms, Ledger: sessions, Policy: policy, Log: log,
		Segment: func(path string, seg *recordings.Segment) error {
			tree, err := cases.Tree(context.Background())
			if err != nil {
				return err
			}
			return up.Enqueue(path, recordingKey(tree, seg), seg.ContentType(), encodeSegment(seg))
		}})
	if err != nil {
		return nil, err
	}
	if n, err := mgr.Recover(); err != nil {
		log.Error("recordings: recovering the spool", "err", err)
	} else if n > 0 {
		log.Warn("recordings: segments left by the last run handed over", "segments", n)
	}
	up.Start(context.WithoutCancel(ctx))
	return &recorder{uploader: up, manager: mgr}, nil
}

// close waits for the captures to hand their segments over, then stops the
// uploader (what is not uploaded yet stays in the spool for the next
// start). The store is the caller's to close.
func (r *recorder) close(ctx context.Context) error {
	return errors.Join(r.manager.Close(ctx), r.uploader.Close(ctx))
}

// lateRooms is the recordings' RoomSwitch until the SFU exists: the SFU is
// made after the recorder it is given.
type lateRooms struct{ sfu atomic.Pointer[sfu.SFU] }

func (l *lateRooms) SetRecording(room string, on bool) error {
	s := l.sfu.Load()
	if s == nil {
		return errors.New("recordings: no media server yet")
	}
	return s.SetRecording(room, on)
}

// objectChecker checks a recording reference against the store: present,
// of its size, and of its SHA-256, the stored bytes read and hashed.
func objectChecker(ctx context.Context, store recordings.ObjectStore) petitions.ObjectChecker {
	return func(key, sum string, size int64) error {
		info, err := store.Stat(ctx, key)
		if errors.Is(err, recordings.ErrNotFound) {
			return fmt.Errorf("%w: %s", fs.ErrNotExist, key)
		}
		if err != nil {
			return err
		}
		if info.Size != size {
			return fmt.Errorf("object %s has %d bytes, the ledger says %d", key, info.Size, size)
		}
		// The bytes are hashed even when the store keeps a digest: a
		// file changed behind the store's back keeps its old digest.
		{
			rc, err := store.Open(ctx, key)
			if err != nil {
				return err
			}
			h := sha256.New()
			_, err = io.Copy(h, rc)
			rc.Close()
			if err != nil {
				return err
			}
			info.SHA256 = hex.EncodeToString(h.Sum(nil))
		}
		if info.SHA256 != sum {
			return fmt.Errorf("object %s has SHA-256 %s, the ledger says %s", key, info.SHA256, sum)
		}
		return nil
	}
}
