package casework_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/casework"
	"hearingroom/recordings"
	"hearingroom/recordings/dirstore"
)

// recorded is a hearing of a case of the first township with one stored
// recording, in a directory store served over HTTP.
type recorded struct {
	f       *fixture
	objects *dirstore.Store
	server  *httptest.Server
	caseID  string
	session *petitions.Session
	key     string
}

func newRecorded(t *testing.T) *recorded {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	objects, err := dirstore.New(t.TempDir(), bytes.Repeat([]byte("k"), 32), "/media/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { objects.Close() })
	server := httptest.NewServer(objects.Handler())
	t.Cleanup(server.Close)
	f.svc = casework.New(f.store, casework.Config{Now: f.clock, Playback: objects})

	official := f.actor(t, f.ps.TownshipOfficials(0)[0].ID)
	v, err := f.svc.Register(ctx, official, claim())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("a recorded hearing, as bytes")
	sum := sha256.Sum256(body)
	key := "230227/fuyu/2026/11/02/s1/villager-00.webm"
	if err := objects.Put(ctx, key, bytes.NewReader(body), int64(len(body)), "video/webm", hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	start := f.clock().Add(-time.Hour)
	s := &petitions.Session{ID: "s1", Kind: petitions.SessionHearing, Room: "reception.x", CaseID: v.ID,
		Start: start, End: start.Add(30 * time.Minute), Status: petitions.SessionEnded, Recorded: true,
		Participants: []petitions.SessionParticipant{{Identity: "villager", Name: "王秀英", Role: "villager",
			Joins: []petitions.Presence{{Joined: start, Left: start.Add(30 * time.Minute)}}}},
		Recordings: []petitions.RecordingRef{{Object: key, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(body)),
			Participant: "villager", Role: "villager", Start: start.Add(2 * time.Second), DurationMS: 1_798_000,
			Tracks: []string{"video/VP8", "audio/opus"}}}}
	if err := f.store.SaveSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	ev := &petitions.Event{Kind: petitions.KindRecordingStored, Actor: "hearingroom", ActorRole: "system", At: start,
		CaseID: v.ID, Data: json.RawMessage(`{"object":"` + key + `","sha256":"` + hex.EncodeToString(sum[:]) + `","size":28}`)}
	if err := f.store.AppendEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	return &recorded{f: f, objects: objects, server: server, caseID: v.ID, session: s, key: key}
}

// reads returns the "what" of the read events of the case by actor.
func (r *recorded) reads(t *testing.T, actor string) []string {
	t.Helper()
	evs, err := r.f.store.Events(context.Background(), r.caseID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		var d struct{ What, Object string }
		if e.Kind == casework.KindRead && e.Actor == actor && json.Unmarshal(e.Data, &d) == nil {
			out = append(out, d.What+":"+d.Object)
		}
	}
	return out
}

// TestPlaybackPermission: a township official of another township is
// refused a playback URL; the auditor gets one, it plays, and the play is
// logged in the case's history.
func TestPlaybackPermission(t *testing.T) {
	r := newRecorded(t)
	ctx := context.Background()
	other := r.f.actor(t, r.f.ps.TownshipOfficials(1)[0].ID)
	if _, _, err := r.f.svc.PlaybackURL(ctx, other, "s1", 0); code(err) != petitions.ENOTFOUND {
		t.Errorf("another township's official: %v", err)
	}
	if _, err := r.f.svc.SessionManifest(ctx, other, "s1"); code(err) != petitions.ENOTFOUND {
		t.Errorf("another township's official reads the manifest: %v", err)
	}
	admin := r.f.actor(t, "admin.fuyu")
	if _, _, err := r.f.svc.PlaybackURL(ctx, admin, "s1", 0); code(err) != petitions.EFORBIDDEN {
		t.Errorf("the administrator: %v", err)
	}
	auditor := r.f.actor(t, "auditor.fuyu")
	if _, _, err := r.f.svc.PlaybackURL(ctx, auditor, "s1", 5); code(err) != petitions.ENOTFOUND {
		t.Errorf("no such recording: %v", err)
	}
	u, exp, err := r.f.svc.PlaybackURL(ctx, auditor, "s1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if exp.Sub(r.f.clock()) != casework.PlaybackTTL {
		t.Errorf("expires %v", exp)
	}
	resp, err := http.Get(r.server.URL + u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("playing %s: %s", u, resp.Status)
	}
	if got := r.reads(t, auditor.ID); len(got) != 1 || got[0] != "recording:"+r.key {
		t.Errorf("the auditor's logged reads: %v", got)
	}
	m, err := r.f.svc.SessionManifest(ctx, auditor, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Segments) != 1 || m.Segments[0].Offset != 2000 || m.Segments[0].Name != "王秀英" || m.Duration != 1_800_000 {
		t.Errorf("manifest %+v", m.Segments)
	}
	if got := r.reads(t, auditor.ID); len(got) != 2 || got[1] != "manifest:s1" {
		t.Errorf("the auditor's logged reads: %v", got)
	}
}

// TestRetentionAndLegalHold: an expired recording of a case under legal
// hold is kept; once the hold is released it is purged, the purge is an
// event, and the history still verifies.
func TestRetentionAndLegalHold(t *testing.T) {
	r := newRecorded(t)
	ctx := context.Background()
	ret := casework.Retention{petitions.SessionHearing: 365 * 24 * time.Hour}
	if n, err := r.f.svc.PurgeRecordings(ctx, ret, r.objects); err != nil || n != 0 {
		t.Fatalf("purged %d before the retention ended: %v", n, err)
	}
	dispatcher := r.f.actor(t, r.f.ps.Dispatchers[0].ID)
	official := r.f.actor(t, r.f.ps.TownshipOfficials(0)[0].ID)
	if _, err := r.f.svc.Hold(ctx, official, r.caseID, casework.HoldRequest{Reason: "x"}); code(err) != petitions.EFORBIDDEN {
		t.Errorf("a township official holds: %v", err)
	}
	if _, err := r.f.svc.Hold(ctx, dispatcher, r.caseID, casework.HoldRequest{}); code(err) != petitions.EINVALID {
		t.Errorf("a hold without a reason: %v", err)
	}
	v, err := r.f.svc.Hold(ctx, dispatcher, r.caseID, casework.HoldRequest{Reason: "行政诉讼（2027）黑0227行初1号"})
	if err != nil || v.LegalHold == nil {
		t.Fatalf("hold: %v", err)
	}
	if _, err := r.f.svc.Hold(ctx, dispatcher, r.caseID, casework.HoldRequest{Reason: "again"}); code(err) != petitions.ECONFLICT {
		t.Errorf("held twice: %v", err)
	}

	r.f.set(r.f.clock().AddDate(2, 0, 0))
	if n, err := r.f.svc.PurgeRecordings(ctx, ret, r.objects); err != nil || n != 0 {
		t.Fatalf("purged %d of a case under legal hold: %v", n, err)
	}
	if _, err := r.objects.Stat(ctx, r.key); err != nil {
		t.Fatalf("the held recording is gone: %v", err)
	}
	if _, err := r.f.svc.Release(ctx, dispatcher, r.caseID, casework.HoldRequest{Reason: "判决生效"}); err != nil {
		t.Fatal(err)
	}
	if n, err := r.f.svc.PurgeRecordings(ctx, ret, r.objects); err != nil || n != 1 {
		t.Fatalf("purged %d after the release: %v", n, err)
	}
	if _, err := r.objects.Stat(ctx, r.key); !errors.Is(err, recordings.ErrNotFound) {
		t.Errorf("the expired recording is still stored: %v", err)
	}
	s, err := r.f.store.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Recordings) != 0 || len(s.PurgedRecordings) != 1 {
		t.Errorf("session after the purge: %d kept, %d purged", len(s.Recordings), len(s.PurgedRecordings))
	}
	evs, err := r.f.store.Events(ctx, r.caseID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range evs {
		kinds[e.Kind]++
	}
	if kinds[petitions.KindRecordingPurged] != 1 || kinds[casework.KindHoldSet] != 1 || kinds[casework.KindHoldReleased] != 1 {
		t.Errorf("history kinds %v", kinds)
	}
	rep, err := petitions.VerifyStore(ctx, r.f.store, func(key, sum string, size int64) error {
		if _, err := r.objects.Stat(ctx, key); errors.Is(err, recordings.ErrNotFound) {
			return fs.ErrNotExist
		}
		return nil
	})
	if err != nil || !rep.OK() {
		t.Errorf("verify after the purge: %+v, %v", rep, err)
	}
	if n, err := r.f.svc.PurgeRecordings(ctx, ret, r.objects); err != nil || n != 0 {
		t.Errorf("a second purge: %d, %v", n, err)
	}
}

func TestParseRetention(t *testing.T) {
	r, err := casework.ParseRetention([]string{"hearing=30d", "caucus=forever"})
	if err != nil || r[petitions.SessionHearing] != 30*24*time.Hour || r[petitions.SessionCaucus] != 0 ||
		r[petitions.SessionMediation] != casework.DefaultRetention()[petitions.SessionMediation] {
		t.Errorf("parsed %v, %v", r, err)
	}
	for _, bad := range []string{"hearing", "party=3d", "hearing=-1d", "hearing=abc"} {
		if _, err := casework.ParseRetention([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
