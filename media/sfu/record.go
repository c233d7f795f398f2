package sfu

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"hearingroom/media"
)

// ErrNoRecorder is returned by SetRecording when Config.Recorder is nil:
// a room is never announced as recorded when nothing records it.
var ErrNoRecorder = errors.New("sfu: no recorder configured")

// SetRecording turns the recording of a room on or off and tells everyone in
// it (an Event of type "recording") when that changes.
//
// On, Config.Recorder is told of every track published in the room, those
// already there and those to come, and each sink it returns receives the
// packets of the track's best layer: the highest simulcast layer present,
// switched to when a higher one appears. Packets of muted tracks are passed
// on too: muting is a forwarding decision, the record keeps what arrives.
// Off, every sink of the room is closed.
//
// A recorded room outlives its participants: it stays, empty, until its
// recording is turned off, so that whoever joins next is recorded too.
//
// It returns ErrNotFound when the room does not exist (nobody ever joined
// it, or it emptied while not recorded), and ErrNoRecorder to turn on a
// recording without a Recorder.
func (s *SFU) SetRecording(room string, on bool) error {
	if on && s.cfg.Recorder == nil {
		return ErrNoRecorder
	}
	s.mu.Lock()
	r := s.rooms[room]
	s.mu.Unlock()
	if r == nil {
		return ErrNotFound
	}
	r.recMu.Lock()
	defer r.recMu.Unlock()
	// The room may have emptied and been dropped meanwhile; checked under
	// s.mu, as dropRoom decides, so the flag is never set on a dropped room.
	s.mu.Lock()
	if s.rooms[room] != r {
		s.mu.Unlock()
		return ErrNotFound
	}
	r.mu.Lock()
	changed := r.recording != on
	r.recording = on
	tracks := make([]*upTrack, 0, len(r.tracks))
	for _, t := range r.tracks {
		tracks = append(tracks, t)
	}
	r.mu.Unlock()
	s.mu.Unlock()

	if !changed {
		return nil
	}
	r.broadcast(nil, Event{Type: "recording", Recording: on})
	for _, t := range tracks {
		if on {
			t.startRecording(s.cfg.Recorder)
		} else {
			t.stopRecording()
		}
	}
	if !on {
		s.dropRoom(r)
	}
	return nil
}

// Recording reports whether the named room is being recorded.
func (s *SFU) Recording(room string) bool {
	s.mu.Lock()
	r := s.rooms[room]
	s.mu.Unlock()
	return r != nil && r.Recording()
}

// Recording reports whether the room is being recorded.
func (r *Room) Recording() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.recording
}

// tap is the recorder's hold on one up-track: its sink and the layer it
// records. The forwarding and RTCP goroutines call the sink under a read
// lock, so that once close has taken the lock nothing more reaches it.
type tap struct {
	sink  media.TrackSink
	layer atomic.Pointer[upLayer]

	mu     sync.RWMutex
	closed bool
}

func (k *tap) writeRTP(b []byte, at time.Time) {
	k.mu.RLock()
	if !k.closed {
		k.sink.WriteRTP(b, at)
	}
	k.mu.RUnlock()
}

func (k *tap) senderReport(ssrc uint32, ntp uint64, rtpTime uint32, at time.Time) {
	k.mu.RLock()
	if !k.closed {
		k.sink.SenderReport(ssrc, ntp, rtpTime, at)
	}
	k.mu.RUnlock()
}

// close closes the sink, once.
func (k *tap) close() {
	k.mu.Lock()
	done := k.closed
	k.closed = true
	k.mu.Unlock()
	if !done {
		k.sink.Close()
	}
}

// startRecording offers t to rec and taps it if rec returns a sink. The
// room's recMu serialises it with stopRecording; t.close may run at any time.
func (t *upTrack) startRecording(rec media.Recorder) {
	t.mu.Lock()
	skip := t.closed || t.rec.Load() != nil
	t.mu.Unlock()
	if skip {
		return
	}
	k := &tap{}
	keyframe := func() { t.requestKeyframe(t.layerIndex(k.layer.Load()), false) }
	codec := media.Codec{MimeType: t.codec.MimeType, ClockRate: t.codec.ClockRate,
		Channels: t.codec.Channels, Fmtp: t.codec.SDPFmtpLine}
	sink := rec.TrackStarted(t.owner.room.name, t.owner.info, t.info(), codec, keyframe)
	if sink == nil {
		return
	}
	k.sink = sink
	t.mu.Lock()
	if t.closed || len(t.layers) == 0 {
		t.mu.Unlock()
		k.close()
		return
	}
	top := t.layers[len(t.layers)-1]
	k.layer.Store(top)
	t.rec.Store(k)
	t.mu.Unlock()
	t.requestKeyframe(t.layerIndex(top), true)
}

// stopRecording closes t's sink, if any.
func (t *upTrack) stopRecording() {
	t.mu.Lock()
	k := t.rec.Swap(nil)
	t.mu.Unlock()
	if k != nil {
		k.close()
	}
}

// recordTop moves the recording to t's highest layer, if it is not there,
// and asks for a keyframe of it. It reports whether it moved.
func (t *upTrack) recordTop() bool {
	t.mu.Lock()
	k := t.rec.Load()
	if k == nil || len(t.layers) == 0 {
		t.mu.Unlock()
		return false
	}
	i := len(t.layers) - 1
	moved := k.layer.Swap(t.layers[i]) != t.layers[i]
	t.mu.Unlock()
	if moved {
		t.requestKeyframe(i, true)
	}
	return moved
}

// readRTCP reads layer l's incoming RTCP until the receiver closes. Reading
// it runs pion's interceptors (the receiver reports take the sender
// reports' timing from it); the sender reports of the recorded layer go to
// the recorder.
func (t *upTrack) readRTCP(l *upLayer, r *webrtc.RTPReceiver) {
	buf := make([]byte, 1500)
	for {
		var n int
		var err error
		if l.rid == "" {
			n, _, err = r.Read(buf)
		} else {
			n, _, err = r.ReadSimulcast(buf, l.rid)
		}
		if err != nil {
			return
		}
		k := t.rec.Load()
		if k == nil || k.layer.Load() != l {
			continue
		}
		pkts, err := rtcp.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		at := time.Now()
		ssrc := uint32(l.remote.SSRC())
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == ssrc {
				k.senderReport(sr.SSRC, sr.NTPTime, sr.RTPTime, at)
			}
		}
	}
}
