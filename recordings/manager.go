package recordings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"hearingroom/media"
	"hearingroom/petitions"
	"hearingroom/recordings/webm"
)

// DefaultMaxSegment is how long a segment runs before it is cut, so that a
// long hearing reaches the object store piece by piece.
const DefaultMaxSegment = 15 * time.Minute

// RoomSwitch turns recording of a room on and off in the media server and
// tells its participants (the recording indicator); *sfu.SFU is one.
type RoomSwitch interface {
	SetRecording(room string, on bool) error
}

// Ledger is what the recorder tells the ledger and asks of it;
// *petitions.SessionRecorder is one.
type Ledger interface {
	// LiveSession returns the id of the session live in room.
	LiveSession(room string) (string, bool)
	// RecordingStarted and RecordingStopped record the start and the end
	// of a room's recording as events of its session.
	RecordingStarted(room string, at time.Time)
	RecordingStopped(room string, at time.Time)
}

// Policy says which sessions are recorded.
type Policy struct {
	// Kinds are the kinds of session recorded unless the room asks
	// otherwise; DefaultPolicy records hearings and mediations.
	Kinds map[petitions.SessionKind]bool
}

// DefaultPolicy records hearings and mediations; a caucus (背对背) only when
// the room asks for it, a monitoring session never.
func DefaultPolicy() Policy {
	return Policy{Kinds: map[petitions.SessionKind]bool{petitions.SessionHearing: true, petitions.SessionMediation: true}}
}

// Config configures a Manager.
type Config struct {
	Spool  string     // directory of the segments being written and waiting for upload
	Rooms  RoomSwitch // required
	Ledger Ledger     // required
	// Segment is called with each finished segment (closed, or finalised
	// by Recover); it hands the file to the Uploader. An error leaves the
	// file in the spool for the next Recover.
	Segment    func(path string, seg *Segment) error
	Policy     Policy
	MaxSegment time.Duration // DefaultMaxSegment when 0
	Log        *slog.Logger
}

// Manager is the recording participant of every room: a media.Observer
// that decides from the first participants' metadata whether a room is
// recorded (Policy; a participant holding the admin grant may ask with
// {"record": true|false} in his metadata, which is how a caucus is
// recorded), switches the room's recording on (everyone sees the
// indicator), and a media.Recorder whose sinks write each participant's
// audio and video into WebM segments in the spool.
type Manager struct {
	cfg        Config
	spool      string
	maxSegment time.Duration
	log        *slog.Logger

	mu       sync.Mutex
	captures map[string]*capture // by room and identity
	rooms    map[string]*roomState
	// indexes numbers each participant's segments in a room's session,
	// across captures: a rejoin continues the count.
	indexes  map[string]int
	idle     chan struct{} // closed and replaced when the last capture ends
	switches []roomSwitch  // waiting for the switcher, in order
	wake     chan struct{}
	stop     chan struct{}
	stopped  chan struct{}
}

// roomSwitch is one SetRecording call to make.
type roomSwitch struct {
	room string
	on   bool
}

type roomState struct {
	members map[string]int // joins minus leaves, by identity
	// keep counts, by identity, the seats that keep a recording going:
	// those the policy records (a hearing's, a mediation's) and an admin
	// who asked for it. When the last leaves while others stay (a kiosk
	// keeping watch, a leader on the wall), the recording stops and the
	// next join decides again.
	keep     map[string]int
	decided  bool
	record   bool
	askedOff bool // an admin asked for no recording
}

var (
	_ media.Observer = (*Manager)(nil)
	_ media.Recorder = (*Manager)(nil)
)

// NewManager returns a Manager; call Recover before the media server takes
// joins.
func NewManager(c Config) (*Manager, error) {
	if c.Spool == "" || c.Rooms == nil || c.Ledger == nil || c.Segment == nil {
		return nil, errors.New("recordings: a manager needs a spool, a room switch, a ledger and a segment handler")
	}
	if err := os.MkdirAll(c.Spool, 0o750); err != nil {
		return nil, fmt.Errorf("recordings: spool: %w", err)
	}
	if c.Policy.Kinds == nil {
		c.Policy = DefaultPolicy()
	}
	if c.MaxSegment <= 0 {
		c.MaxSegment = DefaultMaxSegment
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	m := &Manager{cfg: c, spool: c.Spool, maxSegment: c.MaxSegment, log: c.Log,
		captures: map[string]*capture{}, rooms: map[string]*roomState{}, indexes: map[string]int{}, idle: make(chan struct{}),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go m.switcher()
	return m, nil
}

// switcher makes the SetRecording calls in the order they were decided, off
// the Observer's goroutine (the media server may call the Observer with
// its locks held).
func (m *Manager) switcher() {
	defer close(m.stopped)
	for {
		m.mu.Lock()
		todo := m.switches
		m.switches = nil
		m.mu.Unlock()
		for _, sw := range todo {
			if err := m.cfg.Rooms.SetRecording(sw.room, sw.on); err != nil {
				m.log.Warn("recordings: cannot switch the room's recording", "room", sw.room, "on", sw.on, "err", err)
			}
		}
		select {
		case <-m.wake:
		case <-m.stop:
			return
		}
	}
}

// Close waits, until ctx ends, for every capture to hand its segments
// over (the media server has closed the sinks), then stops the manager.
func (m *Manager) Close(ctx context.Context) error {
	err := m.Wait(ctx)
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.stopped
	return err
}

// ParticipantJoined decides, at the first join that settles it, whether the
// room is recorded, and if so switches it on; a later seat the policy
// records (a hearing in a room under watch) or an admin's wish switches it
// too.
func (m *Manager) ParticipantJoined(room string, p media.Participant, at time.Time) {
	m.mu.Lock()
	rs := m.rooms[room]
	if rs == nil {
		rs = &roomState{members: map[string]int{}, keep: map[string]int{}}
		m.rooms[room] = rs
	}
	rs.members[p.Identity]++
	recorded := !p.Hidden && m.cfg.Policy.Kinds[petitions.SessionKindOf(room, p.Metadata)]
	ask, asked := recordAsked(p)
	asked = asked && p.Admin
	if recorded || asked && ask {
		rs.keep[p.Identity]++
	}
	on := rs.record
	switch {
	case asked: // an admin's wish decides
		rs.decided, rs.askedOff, on = true, !ask, ask
	case !rs.decided && !p.Hidden: // the first who is not hidden decides by his seat
		rs.decided, on = true, recorded
	case recorded && !rs.askedOff: // a hearing's seat in a room kept under watch
		on = true
	}
	if on != rs.record {
		rs.record = on
		m.switchRoom(room, on, at)
	}
	m.mu.Unlock()
}

// ParticipantLeft forgets the room when its last participant leaves; its
// recording stops with it, or earlier, when the last seat that keeps it
// going leaves (see roomState.keep).
func (m *Manager) ParticipantLeft(room, identity, _ string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := m.rooms[room]
	if rs == nil {
		return
	}
	if rs.members[identity]--; rs.members[identity] <= 0 {
		delete(rs.members, identity)
	}
	if rs.keep[identity]--; rs.keep[identity] <= 0 {
		delete(rs.keep, identity)
	}
	if len(rs.members) > 0 && rs.record && len(rs.keep) == 0 {
		// The hearing is over; the watch that stays is not recorded.
		rs.decided, rs.record, rs.askedOff = false, false, false
		m.switchRoom(room, false, at)
		return
	}
	if len(rs.members) == 0 {
		delete(m.rooms, room)
		for k := range m.indexes {
			if strings.HasPrefix(k, room+"\x00") {
				delete(m.indexes, k)
			}
		}
		if rs.record {
			m.switchRoom(room, false, at)
		}
	}
}

// switchRoom records that room's recording starts or stops and queues the
// switch for the switcher; m.mu is held.
func (m *Manager) switchRoom(room string, on bool, at time.Time) {
	if on {
		m.cfg.Ledger.RecordingStarted(room, at)
	} else {
		m.cfg.Ledger.RecordingStopped(room, at)
	}
	m.switches = append(m.switches, roomSwitch{room, on})
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// recordAsked reads {"record": bool} from p's metadata.
func recordAsked(p media.Participant) (bool, bool) {
	var meta struct {
		Record *bool `json:"record"`
	}
	if json.Unmarshal([]byte(p.Metadata), &meta) != nil || meta.Record == nil {
		return false, false
	}
	return *meta.Record, true
}

// Recording reports whether the manager records room.
func (m *Manager) Recording(room string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := m.rooms[room]
	return rs != nil && rs.record
}

// TrackStarted gives the media server a sink for a track of a recorded
// room, in the capture of its participant.
func (m *Manager) TrackStarted(room string, p media.Participant, t media.Track, c media.Codec, keyframe func()) media.TrackSink {
	if _, ok := lookupCodec(c.MimeType); !ok {
		m.log.Warn("recordings: codec not recorded", "room", room, "identity", p.Identity, "codec", c.MimeType)
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := room + "\x00" + p.Identity
	cp := m.captures[key]
	for {
		if cp == nil {
			cp = &capture{m: m, room: room, part: p, log: m.log,
				in: make(chan captureItem, captureQueue), wake: make(chan struct{}, 1)}
			m.captures[key] = cp
			go cp.run()
		}
		s := &trackSink{c: cp, track: t, codec: c, keyframe: keyframe}
		if cp.add(s) {
			return s
		}
		cp = nil // it ended a moment ago
	}
}

// nextIndex returns the number of a participant's next segment in the
// room's session.
func (m *Manager) nextIndex(room, identity string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := room + "\x00" + identity
	n := m.indexes[key]
	m.indexes[key] = n + 1
	return n
}

// forget removes an ending capture; m.mu is held.
func (m *Manager) forget(c *capture) {
	key := c.room + "\x00" + c.part.Identity
	if m.captures[key] == c {
		delete(m.captures, key)
	}
	if len(m.captures) == 0 {
		close(m.idle)
		m.idle = make(chan struct{})
	}
}

// Wait returns once no participant is being captured (every sink closed and
// every segment handed over), or when ctx ends.
func (m *Manager) Wait(ctx context.Context) error {
	for {
		m.mu.Lock()
		n, idle := len(m.captures), m.idle
		m.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("recordings: %d participants still being captured: %w", n, ctx.Err())
		}
	}
}

func (m *Manager) role(p media.Participant) string { return petitions.ParticipantRole(p) }

func (m *Manager) sessionOf(room string) string {
	id, _ := m.cfg.Ledger.LiveSession(room)
	return id
}

// segmentDone records a closed segment's sidecar and hands it over.
func (m *Manager) segmentDone(path string, seg *Segment) {
	if err := saveMeta(path, seg); err != nil {
		m.log.Error("recordings: segment meta", "file", path, "err", err)
		return
	}
	if err := m.cfg.Segment(path, seg); err != nil {
		m.log.Error("recordings: segment not handed over; the next start retries", "file", path, "err", err)
	}
}

// Recover hands over the segments a previous run left in the spool: those
// it closed but could not hand over, and those a crash cut short, which
// webm.Repair first finalises (reason "interrupted"). Files the Uploader
// holds already (Queued) are left to it. It returns how many segments it
// handed over.
func (m *Manager) Recover() (int, error) {
	n := 0
	err := filepath.WalkDir(m.spool, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !(strings.HasSuffix(path, ".webm") || strings.HasSuffix(path, ".mkv")) || Queued(path) {
			return nil
		}
		seg, err := loadMeta(path)
		if err != nil {
			m.log.Error("recordings: a spool file without its meta is left alone", "file", path, "err", err)
			return nil
		}
		if seg.Reason == "" {
			info, err := webm.Repair(path)
			if err != nil {
				m.log.Error("recordings: cannot finalise an interrupted segment; it is left in the spool", "file", path, "err", err)
				return nil
			}
			if info.Clusters == 0 {
				// Opened just before the crash: not one frame reached
				// the file, which no player could open.
				m.log.Warn("recordings: an interrupted segment holds no frame; removed", "file", path,
					"identity", seg.Identity, "start", seg.Start)
				if err := errors.Join(os.Remove(path), RemoveMeta(path)); err != nil {
					m.log.Error("recordings: removing an empty segment", "file", path, "err", err)
				}
				return nil
			}
			seg.Duration, seg.Reason = info.Duration, "interrupted"
		}
		m.segmentDone(path, seg)
		n++
		return nil
	})
	return n, err
}

// safeName keeps the characters of s that are safe in a file name and an
// object key.
func safeName(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	if out == "" || out == "." || out == ".." {
		return "_"
	}
	return out
}
