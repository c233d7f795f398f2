package casework

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hearingroom/petitions"
)

// Recordings reads stored recordings; recordings.ObjectStore is one.
type Recordings interface {
	// Open returns the content of the object stored under key.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// ExportTrack is one recorded file on a session's timeline.
type ExportTrack struct {
	Path   string        // the file, local to the server
	Offset time.Duration // where its time 0 lies after the session's start
	// Label is the participant's identity: the tracks with the same label
	// are one participant's, shown in one place.
	Label string
	// NoVideo and NoAudio say that the file lacks that kind of track.
	NoVideo, NoAudio bool
}

// Compositor renders tracks into one MP4 file (H.264 and AAC) dur long at
// outPath. It returns ErrNoCompositor (wrapped) when the program it needs
// is not installed.
type Compositor func(ctx context.Context, tracks []ExportTrack, dur time.Duration, outPath string) error

// ErrNoCompositor is returned (wrapped) by a Compositor whose program is
// missing.
var ErrNoCompositor = errors.New("casework: no video compositor is installed")

// exportLog is the content of the KindExport event of a session's export.
type exportLog struct {
	What    string         `json:"what"` // "session_video"
	Session string         `json:"session"`
	Objects []objectDigest `json:"objects"` // the recordings exported, as the ledger holds them
	SHA256  string         `json:"sha256"`  // of the MP4 handed out
	Size    int64          `json:"size"`
}

type objectDigest struct {
	Object string `json:"object"`
	SHA256 string `json:"sha256"`
}

// ExportSession writes one composite MP4 of session id's recordings to w,
// for handing to a court or an archive, and logs the export (with the
// recordings' digests and the MP4's) in the case's history, or the
// ledger's for a session without a case. Everyone who may play the
// recordings may export them. Every recording is checked against the size
// and SHA-256 the ledger holds for it before anything is rendered, and
// nothing is written to w until the MP4 is complete.
//
// It returns ENOTFOUND for an unknown session, one the caller may not
// read, or one without recordings; EFORBIDDEN when the caller may read but
// not play it; ECONFLICT when a stored recording does not match its digest;
// EUNAVAILABLE when the server has no compositor (ffmpeg).
func (s *Service) ExportSession(ctx context.Context, a petitions.Actor, id string, w io.Writer) error {
	ss, err := s.store.Session(ctx, id)
	if err != nil {
		return err
	}
	if err := s.mayPlay(ctx, a, ss); err != nil {
		return err
	}
	if len(ss.Recordings) == 0 {
		return petitions.Errorf(petitions.ENOTFOUND, "Session %s has no recordings.", id)
	}
	if s.compositor == nil {
		return errNoFFmpeg()
	}
	if s.recordings == nil {
		return petitions.Errorf(petitions.EINTERNAL, "No recording store is configured.")
	}
	dir, err := os.MkdirTemp("", "hearingroom-export-")
	if err != nil {
		return fmt.Errorf("casework: export %s: %w", id, err)
	}
	defer os.RemoveAll(dir)

	tracks := make([]ExportTrack, len(ss.Recordings))
	digests := make([]objectDigest, len(ss.Recordings))
	dur := s.sessionEnd(ss).Sub(ss.Start)
	for i, r := range ss.Recordings {
		path := filepath.Join(dir, fmt.Sprintf("%03d.webm", i))
		if err := s.fetchVerified(ctx, r, path); err != nil {
			return fmt.Errorf("casework: export %s: %w", id, err)
		}
		t := ExportTrack{Path: path, Offset: r.Start.Sub(ss.Start), Label: r.Participant}
		if len(r.Tracks) > 0 {
			t.NoVideo = !hasTrack(r.Tracks, "video/")
			t.NoAudio = !hasTrack(r.Tracks, "audio/")
		}
		tracks[i], digests[i] = t, objectDigest{Object: r.Object, SHA256: r.SHA256}
		dur = max(dur, t.Offset+time.Duration(r.DurationMS)*time.Millisecond)
	}

	out := filepath.Join(dir, "session.mp4")
	if err := s.compositor(ctx, tracks, max(dur, time.Second), out); err != nil {
		if errors.Is(err, ErrNoCompositor) {
			return errNoFFmpeg()
		}
		return fmt.Errorf("casework: export %s: %w", id, err)
	}
	f, err := os.Open(out)
	if err != nil {
		return fmt.Errorf("casework: export %s: %w", id, err)
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("casework: export %s: %w", id, err)
	}
	ev := exportLog{What: "session_video", Session: id, Objects: digests, SHA256: hex.EncodeToString(h.Sum(nil)), Size: size}
	if err := s.appendEvent(ctx, ss.CaseID, KindExport, a, "", ev); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("casework: export %s: %w", id, err)
	}
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("casework: export %s: writing: %w", id, err)
	}
	return nil
}

// errNoFFmpeg is the refusal of an export on a server without ffmpeg.
func errNoFFmpeg() error {
	return petitions.Errorf(petitions.EUNAVAILABLE,
		"ffmpeg is not installed on this server; install it (apt-get install ffmpeg) to export sessions.")
}

// sessionEnd is when ss ended, or now while it is live.
func (s *Service) sessionEnd(ss *petitions.Session) time.Time {
	if ss.End.IsZero() {
		return s.now()
	}
	return ss.End
}

// fetchVerified copies recording r to path, refusing with ECONFLICT content
// whose size or SHA-256 differs from what the ledger holds.
func (s *Service) fetchVerified(ctx context.Context, r petitions.RecordingRef, path string) error {
	rc, err := s.recordings.Open(ctx, r.Object)
	if err != nil {
		return fmt.Errorf("open %s: %w", r.Object, err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", r.Object, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != r.Size || !strings.EqualFold(sum, r.SHA256) {
		s.log.Error("casework: a recording does not match the ledger", "object", r.Object,
			"size", n, "ledger_size", r.Size, "sha256", sum, "ledger_sha256", r.SHA256)
		return petitions.Errorf(petitions.ECONFLICT,
			"The stored recording %s does not match the size and SHA-256 the ledger holds for it; it is not exported.", r.Object)
	}
	return nil
}

func hasTrack(tracks []string, prefix string) bool {
	for _, t := range tracks {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}
