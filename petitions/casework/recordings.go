package casework

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"hearingroom/petitions"
)

// PlaybackTTL is how long a playback URL works.
const PlaybackTTL = 10 * time.Minute

// Playback gives short-lived URLs of stored recordings: presigned for S3,
// signed by the server for the directory store. recordings.ObjectStore is
// one.
type Playback interface {
	URL(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Manifest lays a session's recordings on one timeline: time 0 is the
// session's start, each segment has its offset, and the moments a reviewer
// jumps to (joins, leaves, the recording's start and stop, and the case's
// events during the session) have theirs.
type Manifest struct {
	Session  *petitions.Session `json:"session"`
	Duration int64              `json:"duration_ms"`
	Segments []ManifestSegment  `json:"segments"`
	Moments  []Moment           `json:"moments"`
}

// ManifestSegment is one recorded file on the timeline. Index is its
// position in the session's recordings, which PlaybackURL takes.
type ManifestSegment struct {
	Index       int      `json:"index"`
	Participant string   `json:"participant"`
	Name        string   `json:"name,omitempty"`
	Role        string   `json:"role,omitempty"`
	Offset      int64    `json:"offset_ms"`
	Duration    int64    `json:"duration_ms"`
	Tracks      []string `json:"tracks,omitempty"`
	Width       int      `json:"width,omitempty"`
	Height      int      `json:"height,omitempty"`
	Interrupted bool     `json:"interrupted,omitempty"`
	Size        int64    `json:"size"`
	SHA256      string   `json:"sha256"`
}

// Moment is a point of the timeline a reviewer may jump to.
type Moment struct {
	Offset   int64  `json:"offset_ms"`
	Kind     string `json:"kind"` // "joined", "left", "recording.started", "transition", "summoned", …
	Identity string `json:"identity,omitempty"`
	Label    string `json:"label,omitempty"` // the transition's name, the leave's reason, …
}

// mayPlay decides whether a may play session ss's recordings (and read its
// manifest): under the case's rules (ActPlayRecording) when it has one, and
// for a session without a case the station's township and the county's
// supervisors. A refusal for a session a may not even read is ENOTFOUND.
func (s *Service) mayPlay(ctx context.Context, a petitions.Actor, ss *petitions.Session) error {
	if ss.CaseID != "" {
		_, _, _, err := s.load(ctx, a, ss.CaseID, petitions.ActPlayRecording)
		return err
	}
	tree, err := s.Tree(ctx)
	if err != nil {
		return err
	}
	if !mayReadUnlinked(a, ss, tree) {
		return petitions.Errorf(petitions.ENOTFOUND, "There is no session %s.", ss.ID)
	}
	if !isOfficial(a) {
		return petitions.Errorf(petitions.EFORBIDDEN, "Not permitted: recordings are for officials with jurisdiction.")
	}
	return nil
}

// logPlay appends the read of a recording to the session's case history,
// or to the ledger for a session without a case.
func (s *Service) logPlay(ctx context.Context, a petitions.Actor, ss *petitions.Session, r readLog) error {
	return s.appendEvent(ctx, ss.CaseID, KindRead, a, "", r)
}

// SessionManifest returns the manifest of session id, and logs the read.
func (s *Service) SessionManifest(ctx context.Context, a petitions.Actor, id string) (*Manifest, error) {
	ss, err := s.store.Session(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayPlay(ctx, a, ss); err != nil {
		return nil, err
	}
	if err := s.logPlay(ctx, a, ss, readLog{What: "manifest", Object: id}); err != nil {
		return nil, err
	}
	m := &Manifest{Session: ss, Segments: []ManifestSegment{}, Moments: []Moment{}}
	end := ss.End
	if end.IsZero() {
		end = s.now()
	}
	m.Duration = end.Sub(ss.Start).Milliseconds()
	offset := func(t time.Time) int64 { return max(0, t.Sub(ss.Start).Milliseconds()) }
	names := map[string]string{}
	for _, p := range ss.Participants {
		names[p.Identity] = p.Name
		for _, j := range p.Joins {
			m.Moments = append(m.Moments, Moment{Offset: offset(j.Joined), Kind: "joined", Identity: p.Identity})
			if !j.Left.IsZero() {
				m.Moments = append(m.Moments, Moment{Offset: offset(j.Left), Kind: "left", Identity: p.Identity, Label: j.LeaveReason})
			}
		}
	}
	for i, r := range ss.Recordings {
		m.Segments = append(m.Segments, ManifestSegment{Index: i, Participant: r.Participant, Name: names[r.Participant],
			Role: r.Role, Offset: offset(r.Start), Duration: r.DurationMS, Tracks: r.Tracks, Width: r.Width,
			Height: r.Height, Interrupted: r.Interrupted, Size: r.Size, SHA256: r.SHA256})
	}
	if ss.CaseID != "" {
		evs, err := s.store.Events(ctx, ss.CaseID)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.At.Before(ss.Start) || e.At.After(end) || e.Kind == KindRead {
				continue
			}
			mo := Moment{Offset: offset(e.At), Kind: e.Kind, Identity: e.Actor}
			var d struct {
				Transition string `json:"transition"`
				Session    string `json:"session"`
			}
			_ = json.Unmarshal(e.Data, &d)
			if d.Session != "" && d.Session != ss.ID {
				continue // another session's event
			}
			mo.Label = d.Transition
			m.Moments = append(m.Moments, mo)
		}
	}
	slices.SortStableFunc(m.Moments, func(x, y Moment) int { return int(x.Offset - y.Offset) })
	return m, nil
}

// PlaybackURL returns a short-lived URL of recording n of session id for a
// reader with jurisdiction, and logs the playback in the case's history.
func (s *Service) PlaybackURL(ctx context.Context, a petitions.Actor, id string, n int) (string, time.Time, error) {
	ss, err := s.store.Session(ctx, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.mayPlay(ctx, a, ss); err != nil {
		return "", time.Time{}, err
	}
	if n < 0 || n >= len(ss.Recordings) {
		return "", time.Time{}, petitions.Errorf(petitions.ENOTFOUND, "Session %s has no recording %d.", id, n)
	}
	if s.playback == nil {
		return "", time.Time{}, petitions.Errorf(petitions.EINTERNAL, "No recording store is configured.")
	}
	key := ss.Recordings[n].Object
	if err := s.logPlay(ctx, a, ss, readLog{What: "recording", Object: key}); err != nil {
		return "", time.Time{}, err
	}
	u, err := s.playback.URL(ctx, key, PlaybackTTL)
	if err != nil {
		return "", time.Time{}, err
	}
	return u, s.now().Add(PlaybackTTL), nil
}
