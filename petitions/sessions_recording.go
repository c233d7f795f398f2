package petitions

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"hearingroom/media"
)

// Kinds of the history events that record a session's recording: when it
// started and stopped (Data {"session", "room"}); each stored file is a
// KindRecordingStored event.
const (
	KindRecordingStarted = "recording.started"
	KindRecordingStopped = "recording.stopped"
)

// storedFact asks the recorder's goroutine to attach a stored recording.
type storedFact struct {
	room    string
	session string    // "" when the recorder could not tell at the time
	at      time.Time // a time within the session, to find it when session is ""
	ref     RecordingRef
	done    chan error
}

// LiveSession returns the id of the session live in room, as far as the
// facts recorded so far tell.
func (r *SessionRecorder) LiveSession(room string) (string, bool) {
	id, ok := r.rooms.Load(media.MainRoom(room))
	if !ok {
		return "", false
	}
	return id.(string), true
}

// RecordingStarted records that room's recording started at at; it never
// blocks.
func (r *SessionRecorder) RecordingStarted(room string, at time.Time) {
	on := true
	r.enqueue(sessionFact{recording: &on, room: room, at: at})
}

// RecordingStopped records that room's recording stopped at at; it never
// blocks.
func (r *SessionRecorder) RecordingStopped(room string, at time.Time) {
	off := false
	r.enqueue(sessionFact{recording: &off, room: room, at: at})
}

func (r *SessionRecorder) recordingSwitched(f sessionFact) {
	s := r.live[f.room]
	if s == nil && !*f.recording {
		s = r.recent[f.room] // the stop of a session whose last leave came first
	}
	if s == nil {
		r.log.Warn("sessions: recording switched in a room without a session", "room", f.room, "on", *f.recording)
		return
	}
	kind := KindRecordingStopped
	if *f.recording {
		kind = KindRecordingStarted
		if !s.Recorded {
			s.Recorded = true
			r.save(s)
		}
	}
	raw, err := json.Marshal(map[string]string{"session": s.ID, "room": s.Room})
	if err == nil {
		ctx, cancel := context.WithTimeout(r.ctx, sessionStoreTimeout)
		defer cancel()
		err = r.store.AppendEvent(ctx, &Event{CaseID: s.CaseID, Kind: kind, Actor: SessionActor,
			ActorRole: SessionActorRole, At: f.at, Data: raw})
	}
	if err != nil {
		r.failed.Add(1)
		r.log.Error("sessions: append event", "session", s.ID, "kind", kind, "err", err)
	}
}

// AddRecording attaches a stored recording file to its session: a
// KindRecordingStored event in the session's history (its case's, or the
// ledger's) and a reference in the session. session names it; when it is
// "" the session of room that was live at at is taken. Attaching a file
// the session holds already does nothing, so a caller may repeat it after a
// crash. It waits for the recorder's goroutine, so that it never races with
// a join or a leave being saved; after Close it works on the store
// directly.
func (r *SessionRecorder) AddRecording(ctx context.Context, room, session string, at time.Time, ref RecordingRef) error {
	f := &storedFact{room: media.MainRoom(room), session: session, at: at, ref: ref, done: make(chan error, 1)}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return r.addRecording(ctx, f, false)
	}
	select {
	case r.facts <- sessionFact{stored: f}:
		r.mu.RUnlock()
	case <-ctx.Done():
		r.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-f.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// addRecording does the work of AddRecording; live says whether the caller
// is the goroutine, which owns the live sessions.
func (r *SessionRecorder) addRecording(ctx context.Context, f *storedFact, live bool) error {
	ctx, cancel := context.WithTimeout(ctx, sessionStoreTimeout)
	defer cancel()
	var s *Session
	for _, l := range r.live {
		if live && (l.ID == f.session || (f.session == "" && l.Room == f.room)) {
			s = l
		}
	}
	if s == nil {
		var err error
		if s, err = r.findSession(ctx, f); err != nil {
			return err
		}
	}
	if slices.ContainsFunc(s.Recordings, func(x RecordingRef) bool { return x.Object == f.ref.Object }) {
		return nil
	}
	raw, err := json.Marshal(f.ref)
	if err != nil {
		return err
	}
	ev := &Event{CaseID: s.CaseID, Kind: KindRecordingStored, Actor: SessionActor, ActorRole: SessionActorRole,
		At: time.Now(), Data: raw}
	if err := r.store.AppendEvent(ctx, ev); err != nil {
		return err
	}
	s.Recordings = append(s.Recordings, f.ref)
	s.Recorded = true
	return r.store.SaveSession(ctx, s)
}

// findSession reads the session f names from the store, or the session of
// f.room that covers f.at.
func (r *SessionRecorder) findSession(ctx context.Context, f *storedFact) (*Session, error) {
	if f.session != "" {
		return r.store.Session(ctx, f.session)
	}
	var found *Session
	filter := SessionFilter{Room: f.room, Limit: MaxListLimit}
	for {
		list, err := r.store.Sessions(ctx, filter)
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			filter.After = s.ID
			if !f.at.Before(s.Start) && (s.End.IsZero() || !f.at.After(s.End)) {
				found = s
			}
		}
		if len(list) < filter.Limit {
			break
		}
	}
	if found == nil {
		return nil, Errorf(ENOTFOUND, "No session of room %s covers %s.", f.room, f.at.Format(time.RFC3339))
	}
	return found, nil
}
