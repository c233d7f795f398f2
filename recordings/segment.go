package recordings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Segment describes one recorded file: one participant's audio and video
// over a stretch of a session, on the server's clock. A participant's
// recording is cut into a new segment when a track is added, the
// resolution or the simulcast layer changes, he rejoins, or MaxSegment
// passes; the manifest lays the segments on one timeline by Start.
type Segment struct {
	File     string `json:"file"` // base name in the spool, and the object key's last element
	Room     string `json:"room"`
	Station  string `json:"station,omitempty"` // the reception room the participant joined from
	Session  string `json:"session,omitempty"`
	Identity string `json:"identity"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role,omitempty"`
	Index    int    `json:"index"` // the participant's segments in the session, from 0
	// Tracks are the codecs in the file, e.g. "video/VP8", "audio/opus".
	Tracks []string `json:"tracks"`
	Width  int      `json:"width,omitempty"`
	Height int      `json:"height,omitempty"`
	// Start is the server time of the file's time 0; Duration its length.
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	// Reason says why the segment ended: "left", "tracks", "resolution",
	// "layer", "length", "clock" (a track's time went back against the
	// others'), "error", "stopped", "shutdown" or "interrupted" (a crash
	// cut it short and Repair finalised it).
	Reason string `json:"reason,omitempty"`
}

// ContentType returns the MIME type of the segment's file.
func (s *Segment) ContentType() string {
	if len(s.File) > 4 && s.File[len(s.File)-4:] == ".mkv" {
		return "video/x-matroska"
	}
	return "video/webm"
}

// metaPath is where the sidecar of a spool file is kept.
func metaPath(path string) string { return path + ".meta.json" }

// saveMeta writes s as the sidecar of path, replacing it atomically.
func saveMeta(path string, s *Segment) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := metaPath(path) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("recordings: segment meta: %w", err)
	}
	if err := os.Rename(tmp, metaPath(path)); err != nil {
		return fmt.Errorf("recordings: segment meta: %w", err)
	}
	return nil
}

// RemoveMeta removes the sidecar of the spool file path, if any: once the
// file is stored, nothing reads it again (the Uploader's job file carries
// the segment until the upload is done).
func RemoveMeta(path string) error {
	if err := os.Remove(metaPath(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("recordings: segment meta: %w", err)
	}
	return nil
}

// loadMeta reads the sidecar of path.
func loadMeta(path string) (*Segment, error) {
	b, err := os.ReadFile(metaPath(path))
	if err != nil {
		return nil, fmt.Errorf("recordings: segment meta: %w", err)
	}
	var s Segment
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("recordings: segment meta %s: %w", metaPath(path), err)
	}
	return &s, nil
}
