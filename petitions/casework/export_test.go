package casework_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/petitions/demo"
)

// objects is a recording store in memory.
type objects map[string][]byte

func (o objects) Open(_ context.Context, key string) (io.ReadCloser, error) {
	b, ok := o[key]
	if !ok {
		return nil, fmt.Errorf("no object %s", key)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// compositor is a fake Compositor that remembers what it was asked and
// writes the inputs' contents, in order, as the "MP4".
type compositor struct {
	tracks []casework.ExportTrack
	dur    time.Duration
	dir    string
}

func (c *compositor) composite(_ context.Context, tracks []casework.ExportTrack, dur time.Duration, out string) error {
	c.tracks, c.dur, c.dir = tracks, dur, filepath.Dir(out)
	var b bytes.Buffer
	for _, t := range tracks {
		in, err := os.ReadFile(t.Path)
		if err != nil {
			return err
		}
		b.Write(in)
	}
	return os.WriteFile(out, b.Bytes(), 0o600)
}

func ref(key string, content []byte, participant string, start time.Time, tracks ...string) petitions.RecordingRef {
	sum := sha256.Sum256(content)
	return petitions.RecordingRef{Object: key, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)),
		Participant: participant, Start: start, DurationMS: 3000, Tracks: tracks}
}

// exportEvents returns the data of every export event of case caseID, or
// the ledger-level ones for "".
func exportEvents(t *testing.T, f *fixture, caseID string) []map[string]any {
	t.Helper()
	ctx := context.Background()
	var evs []*petitions.Event
	if caseID != "" {
		var err error
		if evs, err = f.store.Events(ctx, caseID); err != nil {
			t.Fatal(err)
		}
	} else if err := f.store.ScanEvents(ctx, 0, func(e *petitions.Event) error {
		if e.CaseID == "" {
			c := *e
			c.Data = append(json.RawMessage{}, e.Data...)
			evs = append(evs, &c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		if e.Kind != casework.KindExport {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d["what"] == "session_video" {
			d["actor"] = e.Actor
			out = append(out, d)
		}
	}
	return out
}

func TestExportSession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := f.clock().Add(-time.Hour)
	store := objects{"s1/official-1.webm": []byte("official's first file"),
		"s1/official-2.webm": []byte("official's second file"), "s1/villager-1.webm": []byte("villager's file")}
	ss := &petitions.Session{ID: "ses-export", Kind: petitions.SessionHearing, Room: "hearing-export",
		Station: demo.StationID(demo.VillageID(0, 0)), Start: start, End: start.Add(10 * time.Second),
		Status: petitions.SessionEnded, Recorded: true,
		Participants: []petitions.SessionParticipant{
			{Identity: "official", Joins: []petitions.Presence{{Joined: start, Left: start.Add(10 * time.Second)}}},
			{Identity: "villager", Joins: []petitions.Presence{{Joined: start.Add(2 * time.Second), Left: start.Add(5 * time.Second)}}},
		},
		Recordings: []petitions.RecordingRef{
			ref("s1/official-1.webm", store["s1/official-1.webm"], "official", start, "video/VP8", "audio/opus"),
			ref("s1/villager-1.webm", store["s1/villager-1.webm"], "villager", start.Add(2*time.Second), "audio/opus"),
			ref("s1/official-2.webm", store["s1/official-2.webm"], "official", start.Add(3*time.Second), "video/VP8", "audio/opus"),
		}}
	if err := f.store.SaveSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	comp := &compositor{}
	svc := casework.New(f.store, casework.Config{Now: f.clock, Recordings: store, Compositor: comp.composite})

	// Another township's official may not know the session exists.
	var out bytes.Buffer
	other := f.actor(t, f.ps.TownshipOfficials(1)[0].ID)
	if err := svc.ExportSession(ctx, other, ss.ID, &out); code(err) != petitions.ENOTFOUND || out.Len() > 0 {
		t.Fatalf("another township's official: %v, %d bytes", err, out.Len())
	}

	// The auditor exports it: each file at its offset, under its participant.
	auditor := f.actor(t, f.ps.Auditor.ID)
	if err := svc.ExportSession(ctx, auditor, ss.ID, &out); err != nil {
		t.Fatal(err)
	}
	if want := "official's first filevillager's fileofficial's second file"; out.String() != want {
		t.Errorf("exported %q, want %q", out.String(), want)
	}
	if comp.dur != 10*time.Second || len(comp.tracks) != 3 {
		t.Fatalf("composited %d tracks over %v", len(comp.tracks), comp.dur)
	}
	for i, want := range []casework.ExportTrack{
		{Offset: 0, Label: "official"}, {Offset: 2 * time.Second, Label: "villager", NoVideo: true}, {Offset: 3 * time.Second, Label: "official"},
	} {
		want.Path = comp.tracks[i].Path
		if comp.tracks[i] != want {
			t.Errorf("track %d = %+v, want %+v", i, comp.tracks[i], want)
		}
	}
	if _, err := os.Stat(comp.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary directory is left: %v", err)
	}
	evs := exportEvents(t, f, "")
	if len(evs) != 1 || evs[0]["session"] != ss.ID || evs[0]["actor"] != auditor.ID {
		t.Fatalf("export events %v", evs)
	}
	objs, _ := evs[0]["objects"].([]any)
	if len(objs) != 3 || objs[1].(map[string]any)["sha256"] != ss.Recordings[1].SHA256 {
		t.Errorf("logged objects %v", objs)
	}
	sum := sha256.Sum256(out.Bytes())
	if evs[0]["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("logged digest %v, want the MP4's", evs[0]["sha256"])
	}

	// A file that differs from the ledger's digest is refused, and nothing
	// is written or logged.
	store["s1/villager-1.webm"] = []byte("villager's filE")
	out.Reset()
	err := svc.ExportSession(ctx, auditor, ss.ID, &out)
	if code(err) != petitions.ECONFLICT || out.Len() > 0 || !strings.Contains(petitions.ErrorMessage(err), "s1/villager-1.webm") {
		t.Errorf("altered recording: %v, %d bytes", err, out.Len())
	}
	if n := len(exportEvents(t, f, "")); n != 1 {
		t.Errorf("%d export events after a refused export, want 1", n)
	}
	store["s1/villager-1.webm"] = []byte("villager's file")

	// Linked to a case, the export is logged in the case's history.
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	v, err := svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LinkSession(ctx, official, ss.ID, v.ID); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := svc.ExportSession(ctx, official, ss.ID, &out); err != nil {
		t.Fatal(err)
	}
	if evs := exportEvents(t, f, v.ID); len(evs) != 1 || evs[0]["session"] != ss.ID || evs[0]["actor"] != official.ID {
		t.Errorf("the case's export events %v", evs)
	}
}

func TestExportSessionUnavailable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := f.clock().Add(-time.Hour)
	store := objects{"s2/a.webm": []byte("a")}
	ss := &petitions.Session{ID: "ses-unavailable", Kind: petitions.SessionHearing, Room: "hearing-unavailable",
		Station: demo.StationID(demo.VillageID(0, 0)), Start: start, End: start.Add(5 * time.Second),
		Status: petitions.SessionEnded, Participants: []petitions.SessionParticipant{}}
	if err := f.store.SaveSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	auditor := f.actor(t, f.ps.Auditor.ID)
	missing := func(context.Context, []casework.ExportTrack, time.Duration, string) error {
		return fmt.Errorf("%w: exec: ffmpeg: not found", casework.ErrNoCompositor)
	}

	// Without recordings there is nothing to export.
	svc := casework.New(f.store, casework.Config{Now: f.clock, Recordings: store, Compositor: missing})
	if err := svc.ExportSession(ctx, auditor, ss.ID, io.Discard); code(err) != petitions.ENOTFOUND {
		t.Errorf("no recordings: %v", err)
	}
	ss.Recorded, ss.Recordings = true, []petitions.RecordingRef{ref("s2/a.webm", store["s2/a.webm"], "a", start)}
	if err := f.store.SaveSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*casework.Service{
		"no compositor":   casework.New(f.store, casework.Config{Now: f.clock, Recordings: store}),
		"no ffmpeg found": svc,
	} {
		err := svc.ExportSession(ctx, auditor, ss.ID, io.Discard)
		if code(err) != petitions.EUNAVAILABLE || !strings.Contains(petitions.ErrorMessage(err), "apt-get install ffmpeg") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(exportEvents(t, f, "")); n != 0 {
		t.Errorf("%d export events, want none", n)
	}
}

// TestLinkMonitoringRefused checks that a station's monitoring session
// (watched all day, nobody heard) is never made part of a case: the
// hearing that follows in the room is a session of its own.
func TestLinkMonitoringRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := f.clock().Add(-time.Hour)
	ss := &petitions.Session{ID: "ses-monitoring", Kind: petitions.SessionMonitoring, Room: "reception.watched",
		Station: demo.StationID(demo.VillageID(0, 0)), Start: start, Status: petitions.SessionLive}
	if err := f.store.SaveSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	v, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	before, err := f.store.Events(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.LinkSession(ctx, official, ss.ID, v.ID); code(err) != petitions.EINVALID {
		t.Fatalf("linking a monitoring session: %v, want EINVALID", err)
	}
	after, err := f.store.Events(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Session(ctx, ss.ID)
	if err != nil || got.CaseID != "" || len(after) != len(before) {
		t.Errorf("after a refused link: session case %q (%v), %d events (was %d)", got.CaseID, err, len(after), len(before))
	}
}
