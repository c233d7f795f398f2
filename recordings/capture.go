package recordings

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"hearingroom/media"
	"hearingroom/petitions"
	"hearingroom/recordings/webm"
)

// Timing of a capture.
const (
	captureQueue   = 4096                   // packets and reports waiting for the capture's goroutine
	keyframeEvery  = time.Second            // at most one keyframe request per video track this often
	sampleMaxDelay = 500 * time.Millisecond // how long the sample builder waits for a late packet
	openAfter      = 1500 * time.Millisecond
	openAtLatest   = 3 * time.Second
	captureTick    = 250 * time.Millisecond
)

// capture records one participant of a room: its tracks' packets become
// frames (a sample builder per track reorders them and notices losses),
// the frames are laid on the server's clock (sender reports, senderClock)
// and written into WebM segments in the spool, each handed to the
// Manager when it closes. One goroutine owns everything but the queues.
type capture struct {
	m    *Manager
	room string
	part media.Participant
	log  *slog.Logger

	in   chan captureItem // packets and reports; full means drop (a loss)
	wake chan struct{}    // a track was added or closed

	mu    sync.Mutex
	added []*trackSink // sinks not yet taken by the goroutine
	done  bool         // the goroutine ended: the Manager makes a new capture

	dropped atomic.Int64

	// Owned by the goroutine.
	tracks       []*trackState
	clock        senderClock
	pending      []frame
	pendingSince time.Time
	w            *webm.Writer
	seg          *Segment
	path         string
	opened       time.Time
}

type captureItem struct {
	sink    *trackSink
	report  bool
	pkt     *rtp.Packet
	ntp     uint64
	rtpTime uint32
	ssrc    uint32
	at      time.Time
}

// frame is a whole frame waiting to be written.
type frame struct {
	t    *trackState
	ext  int64
	key  bool
	data []byte
}

// trackState is one track as the capture's goroutine sees it.
type trackState struct {
	sink   *trackSink
	codec  codecOf
	media  media.Codec
	ssrc   uint32
	clock  *rtpClock
	sb     *samplebuilder.SampleBuilder
	ready  bool // video: a keyframe came since the last loss or cut
	asked  time.Time
	number uint64 // its track number in the open file, 0 when not in it
	lastTS time.Duration
	width  int
	height int
	sps    []byte
	pps    []byte
}

// trackSink is the media.TrackSink of one track: it queues, never blocks.
type trackSink struct {
	c        *capture
	track    media.Track
	codec    media.Codec
	keyframe func()
	closed   atomic.Bool
}

var _ media.TrackSink = (*trackSink)(nil)

func (s *trackSink) WriteRTP(packet []byte, at time.Time) {
	p := &rtp.Packet{}
	if err := p.Unmarshal(append([]byte(nil), packet...)); err != nil {
		return
	}
	s.c.push(captureItem{sink: s, pkt: p, at: at})
}

func (s *trackSink) SenderReport(ssrc uint32, ntpTime uint64, rtpTime uint32, at time.Time) {
	s.c.push(captureItem{sink: s, report: true, ssrc: ssrc, ntp: ntpTime, rtpTime: rtpTime, at: at})
}

func (s *trackSink) Close() {
	if !s.closed.Swap(true) {
		s.c.poke()
	}
}

func (c *capture) push(it captureItem) {
	select {
	case c.in <- it:
	default:
		if n := c.dropped.Add(1); n == 1 || n%500 == 0 {
			c.log.Warn("recordings: capture queue full, packets dropped", "room", c.room, "identity", c.part.Identity, "dropped", n)
		}
	}
}

func (c *capture) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// add hands a new sink to the goroutine. It returns false if the capture
// has ended; the caller then starts a new one.
func (c *capture) add(s *trackSink) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	c.added = append(c.added, s)
	c.poke()
	return true
}

// run is the capture's goroutine. It ends, finishing the open segment, when
// every track has closed.
func (c *capture) run() {
	tick := time.NewTicker(captureTick)
	defer tick.Stop()
	for {
		select {
		case it := <-c.in:
			c.item(it)
		case <-c.wake:
		case now := <-tick.C:
			c.tick(now)
		}
		c.takeAdded()
		if c.closeTracks() {
			return
		}
		c.maybeOpen(time.Now())
	}
}

// takeAdded moves new sinks into tracks.
func (c *capture) takeAdded() {
	c.mu.Lock()
	added := c.added
	c.added = nil
	c.mu.Unlock()
	for _, s := range added {
		cod, _ := lookupCodec(s.codec.MimeType) // the Manager checked it
		t := &trackState{sink: s, codec: cod, media: s.codec, clock: newRTPClock(s.codec.ClockRate), ready: !cod.video}
		t.sb = samplebuilder.New(cod.maxLate, cod.depacket(), s.codec.ClockRate, samplebuilder.WithMaxTimeDelay(sampleMaxDelay))
		c.tracks = append(c.tracks, t)
		if c.w != nil {
			c.cut("tracks") // the file's tracks are fixed: a new one starts a new segment
		}
		c.askKey(t, time.Now())
	}
}

// closeTracks drops the tracks whose sinks closed, writing what they still
// hold, and reports whether the capture has ended. The Manager's lock is
// taken before the capture's, so that no sink is added to a capture that is
// ending.
func (c *capture) closeTracks() bool {
	closing := slices.ContainsFunc(c.tracks, func(t *trackState) bool { return t.sink.closed.Load() })
	if !closing && len(c.tracks) > 0 {
		return false
	}
	// A sink is closed after its last packet was queued: take them all.
	for queued := true; queued; {
		select {
		case it := <-c.in:
			c.item(it)
		default:
			queued = false
		}
	}
	for _, t := range slices.Clone(c.tracks) {
		if !t.sink.closed.Load() {
			continue
		}
		t.sb.Flush()
		c.drain(t)
		c.tracks = slices.DeleteFunc(c.tracks, func(x *trackState) bool { return x == t })
	}
	if len(c.tracks) > 0 {
		return false
	}
	c.m.mu.Lock()
	c.mu.Lock()
	if len(c.added) > 0 {
		c.mu.Unlock()
		c.m.mu.Unlock()
		return false
	}
	c.done = true
	c.mu.Unlock()
	c.m.mu.Unlock()
	if c.w == nil && len(c.pending) > 0 {
		c.open(time.Now())
	}
	c.finish("left")
	// Forgotten only now: Manager.Wait (and Close) return once the last
	// segment is handed over, not while it is still being closed. A new
	// sink of the participant meanwhile gets a new capture (done is set).
	c.m.mu.Lock()
	c.m.forget(c)
	c.m.mu.Unlock()
	return true
}

// item takes one packet or report.
func (c *capture) item(it captureItem) {
	c.takeAdded()
	t := c.track(it.sink)
	if t == nil {
		return
	}
	if it.report {
		if it.ssrc == t.ssrc {
			sender := ntpTime(it.ntp)
			t.clock.report(it.rtpTime, sender)
			c.clock.observe(sender, it.at)
		}
		return
	}
	p := it.pkt
	if t.ssrc != 0 && p.SSRC != t.ssrc {
		// Another layer: another clock and another stream of frames.
		t.sb.Flush()
		c.drain(t)
		// The cut (which may first open a file for the frames waiting)
		// comes before the clock is replaced: those frames are timed by
		// the old layer's clock, and a new clock would put them in year 1.
		if t.codec.video {
			c.cutFor(t, "layer")
			t.ready = false
		}
		// Frames of the old layer still waiting cannot be timed any more.
		c.pending = slices.DeleteFunc(c.pending, func(f frame) bool { return f.t == t })
		t.clock = newRTPClock(t.media.ClockRate)
		t.sb = samplebuilder.New(t.codec.maxLate, t.codec.depacket(), t.media.ClockRate, samplebuilder.WithMaxTimeDelay(sampleMaxDelay))
	}
	t.ssrc = p.SSRC
	t.clock.packet(p.Timestamp, it.at)
	t.sb.Push(p)
	c.drain(t)
}

func (c *capture) track(s *trackSink) *trackState {
	for _, t := range c.tracks {
		if t.sink == s {
			return t
		}
	}
	return nil
}

// drain pops every sample the track's builder has ready.
func (c *capture) drain(t *trackState) {
	for s := t.sb.Pop(); s != nil; s = t.sb.Pop() {
		c.sample(t, s.Data, s.PacketTimestamp, s.PrevDroppedPackets > 0)
	}
}

// sample takes one whole frame of track t.
func (c *capture) sample(t *trackState, data []byte, ts uint32, lost bool) {
	now := time.Now()
	f := frame{t: t, ext: t.clock.unwrap(ts), data: data}
	if t.codec.video {
		if lost {
			t.ready = false // what follows refers to what was lost
		}
		var w, h int
		switch t.codec.name {
		case "VP8":
			f.key, w, h = vp8Key(data)
		case "H264":
			var sps, pps []byte
			f.data, f.key, sps, pps = h264Frame(data)
			if sps != nil {
				t.sps = sps
				w, h, _ = h264Size(sps)
			}
			if pps != nil {
				t.pps = pps
			}
			if f.key && (t.sps == nil || t.pps == nil) {
				f.key = false // a keyframe without its parameter sets cannot start a file
			}
		}
		if !f.key && !t.ready {
			c.askKey(t, now)
			return
		}
		if f.key {
			if w > 0 && (w != t.width || h != t.height) {
				c.cutFor(t, "resolution")
				t.width, t.height = w, h
			}
			t.ready = true
		}
	}
	if c.w == nil || t.number == 0 {
		if len(c.pending) == 0 {
			c.pendingSince = now
		}
		c.pending = append(c.pending, f)
		return
	}
	c.write(f)
}

// askKey asks the publisher of a video track for a keyframe, at most once
// every keyframeEvery.
func (c *capture) askKey(t *trackState, now time.Time) {
	if !t.codec.video || now.Sub(t.asked) < keyframeEvery {
		return
	}
	t.asked = now
	if t.sink.keyframe != nil {
		t.sink.keyframe()
	}
}

// tick repeats keyframe requests, cuts a segment that is long enough, and
// lets maybeOpen open a file whose wait is over.
func (c *capture) tick(now time.Time) {
	for _, t := range c.tracks {
		if !t.ready {
			c.askKey(t, now)
		}
	}
	if c.w != nil && now.Sub(c.opened) >= c.m.maxSegment {
		c.cut("length")
	}
}

// maybeOpen opens a segment once every live track has a frame waiting and
// their sender reports are known (or openAfter has passed); after
// openAtLatest it opens with the tracks that have frames.
func (c *capture) maybeOpen(now time.Time) {
	if c.w != nil || len(c.pending) == 0 {
		return
	}
	waited := now.Sub(c.pendingSince)
	all, synced := true, c.clock.known
	for _, t := range c.tracks {
		if !slices.ContainsFunc(c.pending, func(f frame) bool { return f.t == t }) {
			all = false
		}
		synced = synced && t.clock.srKnown
	}
	if (all && (synced || waited >= openAfter)) || waited >= openAtLatest {
		c.open(now)
	}
}

// open starts a segment with the tracks that have frames pending and writes
// those frames, earliest first.
func (c *capture) open(now time.Time) {
	var ts []*trackState
	origin := time.Time{}
	for _, f := range c.pending {
		if !slices.Contains(ts, f.t) {
			ts = append(ts, f.t)
		}
		if w := f.t.clock.wall(f.ext, &c.clock); origin.IsZero() || w.Before(origin) {
			origin = w
		}
	}
	seg := &Segment{Room: c.room, Identity: c.part.Identity, Name: c.part.Name, Role: c.m.role(c.part),
		Station: petitions.ParticipantStation(c.part.Metadata), Index: c.m.nextIndex(c.room, c.part.Identity), Start: origin.UTC()}
	seg.Session = c.m.sessionOf(c.room)
	var specs []webm.Track
	for i, t := range ts {
		t.number, t.lastTS = uint64(i+1), -time.Millisecond // nothing written yet
		specs = append(specs, trackSpec(t.number, t))
		seg.Tracks = append(seg.Tracks, t.media.MimeType)
		if t.codec.video {
			seg.Width, seg.Height = t.width, t.height
		}
	}
	ext := ".webm"
	if webm.DocType(specs) == "matroska" {
		ext = ".mkv"
	}
	seg.File = fmt.Sprintf("%s-%s-%02d%s", safeName(c.part.Identity), origin.UTC().Format("20060102T150405.000Z"), seg.Index, ext)
	dir := filepath.Join(c.m.spool, safeName(c.room))
	path := filepath.Join(dir, seg.File)
	err := os.MkdirAll(dir, 0o750)
	if err == nil {
		err = saveMeta(path, seg)
	}
	var w *webm.Writer
	if err == nil {
		w, err = webm.Create(path, specs)
	}
	if err != nil {
		c.log.Error("recordings: cannot open a segment; its frames are lost", "room", c.room, "identity", c.part.Identity, "err", err)
		c.pending = nil
		return
	}
	c.w, c.seg, c.path, c.opened = w, seg, path, now
	pending := c.pending
	c.pending = nil
	slices.SortStableFunc(pending, func(a, b frame) int {
		return a.t.clock.wall(a.ext, &c.clock).Compare(b.t.clock.wall(b.ext, &c.clock))
	})
	for _, f := range pending {
		c.write(f)
	}
}

// write adds one frame to the open file, its time never going back nor
// repeating: the file keeps milliseconds, and two frames of a track in the
// same millisecond (a sender report moved the clock back a little) make
// demuxers complain of non-monotonic timestamps.
func (c *capture) write(f frame) {
	if c.w == nil {
		return // an error cut the file while open wrote the frames waiting
	}
	ts := max(f.t.clock.wall(f.ext, &c.clock).Sub(c.seg.Start), 0)
	if last := f.t.lastTS.Truncate(time.Millisecond); ts.Truncate(time.Millisecond) <= last {
		ts = last + time.Millisecond
	}
	f.t.lastTS = ts
	err := c.w.WriteFrame(f.t.number, ts, f.key, f.data)
	switch {
	case errors.Is(err, webm.ErrOutOfOrder):
		// The track's time went back against the others' by more than the
		// file can interleave: its first sender report came after the file
		// opened on arrival times that a busy machine delayed. A new
		// segment starts at this frame, on the corrected clock (a video
		// frame that is not a keyframe waits for the keyframe cut asks for).
		c.log.Warn("recordings: a track's clock moved back; a new segment starts", "file", c.path, "err", err)
		c.cut("clock")
		if f.t.codec.video && !f.key {
			return
		}
		f.t.ready = true
		if len(c.pending) == 0 {
			c.pendingSince = time.Now()
		}
		c.pending = append(c.pending, f)
	case err != nil:
		c.log.Error("recordings: write failed; the segment is cut", "file", c.path, "err", err)
		c.cut("error")
	}
}

// cutFor cuts the segment if it holds frames of t, written or waiting:
// what comes next of t cannot go into the same file.
func (c *capture) cutFor(t *trackState, reason string) {
	if t.number == 0 && !slices.ContainsFunc(c.pending, func(f frame) bool { return f.t == t }) {
		return
	}
	if c.w == nil {
		c.open(time.Now())
	}
	c.cut(reason)
}

// cut ends the open segment; video waits for a keyframe before the next.
func (c *capture) cut(reason string) {
	c.finish(reason)
	for _, t := range c.tracks {
		t.number = 0
		if t.codec.video {
			t.ready, t.asked = false, time.Time{} // a cut needs a keyframe at once
			c.askKey(t, time.Now())
		}
	}
}

// finish closes the open file, if any, and hands the segment over.
func (c *capture) finish(reason string) {
	if c.w == nil {
		return
	}
	w, seg, path := c.w, c.seg, c.path
	c.w, c.seg, c.path = nil, nil, ""
	var last time.Duration
	for _, t := range c.tracks {
		last = max(last, t.lastTS)
		t.number = 0
	}
	if err := w.Close(); err != nil {
		c.log.Error("recordings: closing a segment failed; Repair will finalise it at the next start", "file", path, "err", err)
		return
	}
	if info, err := webm.Probe(path); err == nil {
		last = info.Duration
	}
	seg.Duration, seg.Reason = last, reason
	c.log.Info("recordings: segment closed", "file", seg.File, "reason", reason, "duration", last,
		"width", seg.Width, "height", seg.Height, "dropped", c.dropped.Load())
	if seg.Session == "" {
		seg.Session = c.m.sessionOf(c.room)
	}
	c.m.segmentDone(path, seg)
}
