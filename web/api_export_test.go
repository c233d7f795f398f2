package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// exportObjects is a recording store in memory.
type exportObjects map[string][]byte

func (o exportObjects) Open(_ context.Context, key string) (io.ReadCloser, error) {
	b, ok := o[key]
	if !ok {
		return nil, errors.New("no object " + key)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// A session's export is an MP4 attachment; every failure before it is a
// JSON error, 503 without ffmpeg.
func TestAPISessionExport(t *testing.T) {
	e := newAPIEnv(t)
	content := []byte("a recorded file")
	sum := sha256.Sum256(content)
	start := e.Now().Add(-time.Hour)
	ss := &petitions.Session{ID: "ses-export", Kind: petitions.SessionHearing, Room: "hearing-export",
		Station: demo.StationID(demo.VillageID(0, 0)), Start: start, End: start.Add(5 * time.Second),
		Status: petitions.SessionEnded, Recorded: true, Participants: []petitions.SessionParticipant{},
		Recordings: []petitions.RecordingRef{{Object: "ses-export/a.webm", SHA256: hex.EncodeToString(sum[:]),
			Size: int64(len(content)), Participant: "a", Start: start}}}
	if err := e.db.SaveSession(e.ctx, ss); err != nil {
		t.Fatal(err)
	}
	auditor := e.asRole(petitions.RoleAuditor)
	path := "/api/v1/sessions/" + ss.ID + "/export.mp4"

	r := auditor.do("GET", path, nil)
	if r.Status != http.StatusServiceUnavailable || str(r.Body, "code") != petitions.EUNAVAILABLE ||
		!strings.Contains(str(r.Body, "message"), "ffmpeg") {
		t.Errorf("without ffmpeg: %d %s", r.Status, r.Raw)
	}
	if r := auditor.do("GET", "/api/v1/sessions/no-such-session/export.mp4", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown session: %d %s", r.Status, r.Raw)
	}

	// The same ledger served with a compositor.
	var fail atomic.Bool
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := casework.New(e.db, casework.Config{Now: e.Now, Log: log, Recordings: exportObjects{"ses-export/a.webm": content},
		Compositor: func(_ context.Context, _ []casework.ExportTrack, _ time.Duration, out string) error {
			if fail.Load() {
				return errors.New("ffmpeg: exit status 1")
			}
			return os.WriteFile(out, []byte("an mp4"), 0o600)
		}})
	sessions := &Sessions{People: e.db, Key: bytes.Repeat([]byte("k"), 32), TTL: 12 * time.Hour,
		Limiter: petitions.NewSignInLimiter(), Log: log, Now: time.Now}
	srv := httptest.NewServer(New(Options{Sessions: sessions,
		Lookup: &Lookup{Cases: e.db, Limiter: petitions.NewSignInLimiter(), Log: log, Now: time.Now},
		API:    &API{Cases: svc, Sessions: sessions, Log: log, Now: time.Now}, Log: log}))
	t.Cleanup(srv.Close)
	c := *auditor
	c.base = srv.URL

	r = c.do("GET", path, nil)
	if r.Status != http.StatusOK || string(r.Raw) != "an mp4" {
		t.Fatalf("export: %d %s", r.Status, r.Raw)
	}
	if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "video/mp4" ||
		cd != "attachment; filename=session-ses-export.mp4" {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	fail.Store(true)
	if r := c.do("GET", path, nil); r.Status != http.StatusInternalServerError || str(r.Body, "code") != petitions.EINTERNAL {
		t.Errorf("a failed render: %d %s", r.Status, r.Raw)
	}
}
