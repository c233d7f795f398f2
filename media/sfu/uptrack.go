package sfu

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"hearingroom/media"
)

const (
	keyframeInterval = 500 * time.Millisecond // at most one PLI per layer this often
	layerIdle        = 1500 * time.Millisecond
	tickInterval     = 500 * time.Millisecond
)

// upTrack is one published track with its simulcast layers.
type upTrack struct {
	id     string
	owner  *Participant
	kind   media.Kind
	codec  webrtc.RTPCodecParameters
	remote string // the publisher's own track id
	isKey  func([]byte) bool

	// announce serialises what the room is told of this track, so that an
	// update never overtakes the publication or a staler update.
	announce  sync.Mutex
	announced bool

	mu     sync.Mutex
	layers []*upLayer // lowest quality first
	subs   atomic.Pointer[[]*downTrack]
	muted  atomic.Bool
	rec    atomic.Pointer[tap] // the recorder's, while the room is recorded; set under mu
	done   chan struct{}
	closed bool
}

// upLayer is one simulcast layer (or the only encoding) of an upTrack.
type upLayer struct {
	rid        string
	rank       int
	remote     *webrtc.TrackRemote
	lastPacket atomic.Int64 // unix nanos
	lastPLI    atomic.Int64
}

func newTrackID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "TR_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// onTrack is pion's callback for each incoming encoding.
func (p *Participant) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	if !p.canPublish.Load() {
		return
	}
	key := remote.StreamID() + "/" + remote.ID()
	p.mu.Lock()
	t := p.ups[key]
	created := t == nil
	if created {
		codec := remote.Codec()
		t = &upTrack{
			id: newTrackID(), owner: p, kind: media.Kind(remote.Kind().String()), codec: codec,
			remote: remote.ID(), done: make(chan struct{}),
		}
		switch strings.ToLower(codec.MimeType) {
		case "video/vp8":
			t.isKey = isVP8Keyframe
		case "video/h264":
			t.isKey = isH264Keyframe
		}
		empty := []*downTrack{}
		t.subs.Store(&empty)
		p.ups[key] = t
	}
	p.mu.Unlock()

	l := &upLayer{rid: remote.RID(), rank: ridRank(remote.RID()), remote: remote}
	l.lastPacket.Store(time.Now().UnixNano())
	if !t.addLayer(l) {
		return
	}
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		t.forward(l)
	}()
	go func() {
		defer p.wg.Done()
		t.readRTCP(l, receiver)
	}()
	if created {
		if t.kind == media.Video {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				t.tick()
			}()
		}
		p.room.publish(t)
	} else {
		t.retarget()
		t.recordTop()
		t.announceUpdate()
	}
}

// announceUpdate tells the room the track's current state, once it has
// been published.
func (t *upTrack) announceUpdate() {
	t.announce.Lock()
	defer t.announce.Unlock()
	if t.announced {
		info := t.info()
		t.owner.room.broadcast(nil, Event{Type: "track-updated", Track: &info})
	}
}

// ridRank orders simulcast rids by their conventional names.
func ridRank(rid string) int {
	switch strings.ToLower(rid) {
	case "q", "l", "low", "0":
		return 0
	case "m", "medium", "1":
		return 1
	case "h", "f", "high", "full", "2", "":
		return 2
	}
	return 1
}

func (t *upTrack) addLayer(l *upLayer) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	// "h" is the middle layer when "f" is the top one (q/h/f naming).
	if strings.EqualFold(l.rid, "f") {
		for _, o := range t.layers {
			if strings.EqualFold(o.rid, "h") {
				o.rank = 1
			}
		}
	}
	if strings.EqualFold(l.rid, "h") {
		for _, o := range t.layers {
			if strings.EqualFold(o.rid, "f") {
				l.rank = 1
			}
		}
	}
	layers := append(append([]*upLayer{}, t.layers...), l)
	for i := len(layers) - 1; i > 0 && layers[i].rank < layers[i-1].rank; i-- {
		layers[i], layers[i-1] = layers[i-1], layers[i]
	}
	t.layers = layers
	return true
}

func (t *upTrack) layerList() []*upLayer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.layers
}

func (t *upTrack) info() media.Track {
	t.mu.Lock()
	var rids []string
	if len(t.layers) > 1 || (len(t.layers) == 1 && t.layers[0].rid != "") {
		for _, l := range t.layers {
			rids = append(rids, l.rid)
		}
	}
	t.mu.Unlock()
	return media.Track{
		ID: t.id, Stream: t.owner.info.Identity, Participant: t.owner.info.Identity,
		Kind: t.kind, Codec: t.codec.MimeType, Layers: rids, Muted: t.muted.Load(),
	}
}

func (t *upTrack) subscribers() []*downTrack { return *t.subs.Load() }

func (t *upTrack) addSubscriber(d *downTrack) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	old := *t.subs.Load()
	subs := make([]*downTrack, len(old), len(old)+1)
	copy(subs, old)
	subs = append(subs, d)
	t.subs.Store(&subs)
	return true
}

func (t *upTrack) removeSubscriber(d *downTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.subs.Load()
	subs := make([]*downTrack, 0, len(old))
	for _, o := range old {
		if o != d {
			subs = append(subs, o)
		}
	}
	t.subs.Store(&subs)
}

// close ends t: its tick goroutine stops, and its recording sink, if any,
// is closed.
func (t *upTrack) close() {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		close(t.done)
	}
	k := t.rec.Swap(nil)
	t.mu.Unlock()
	if k != nil {
		k.close()
	}
}

// setMuted reports whether the state changed.
func (t *upTrack) setMuted(muted bool) bool {
	if t.muted.Swap(muted) == muted {
		return false
	}
	if !muted {
		for _, d := range t.subscribers() {
			d.resync()
		}
		for i := range t.layerList() {
			t.requestKeyframe(i, true)
		}
	}
	return true
}

// forward reads one layer's packets and hands each to every subscriber, and
// to the recorder when it records this layer (before any rewriting, and
// muted or not). It ends when the publisher's PeerConnection closes.
func (t *upTrack) forward(l *upLayer) {
	stats := &t.owner.sfu.stats
	out := t.owner.sfu.udp
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue
		}
		at := time.Now()
		now := at.UnixNano()
		l.lastPacket.Store(now)
		stats.packetsIn.Add(1)
		if k := t.rec.Load(); k != nil && k.layer.Load() == l {
			k.writeRTP(buf[:n], at)
		}
		if t.muted.Load() {
			continue
		}
		key := t.isKey == nil || t.isKey(pkt.Payload)
		sent, bytes := 0, 0
		out.cork()
		for _, d := range *t.subs.Load() {
			if d.write(l, &pkt, key, now) {
				sent++
				bytes += n
			}
		}
		out.uncork()
		if sent > 0 {
			stats.packetsOut.Add(uint64(sent))
			stats.bytesOut.Add(uint64(bytes))
		}
	}
}

// layerIndex returns the index of l among t's layers, or -1.
func (t *upTrack) layerIndex(l *upLayer) int {
	for i, o := range t.layerList() {
		if o == l {
			return i
		}
	}
	return -1
}

// requestKeyframe sends a PLI for layer i, at most once per keyframeInterval
// unless force is set.
func (t *upTrack) requestKeyframe(i int, force bool) {
	if t.kind != media.Video {
		return
	}
	layers := t.layerList()
	if i < 0 || i >= len(layers) {
		return
	}
	l := layers[i]
	now := time.Now().UnixNano()
	last := l.lastPLI.Load()
	if !force && now-last < int64(keyframeInterval) {
		return
	}
	if !l.lastPLI.CompareAndSwap(last, now) {
		return
	}
	t.owner.sfu.stats.plis.Add(1)
	_ = t.owner.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(l.remote.SSRC())}})
}

// tick re-chooses each subscriber's layer from what is flowing and repeats
// keyframe requests for subscribers still waiting for one.
func (t *upTrack) tick() {
	tk := time.NewTicker(tickInterval)
	defer tk.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-t.owner.done:
			return
		case <-tk.C:
			t.retarget()
		}
	}
}

// retarget sets every subscriber's target layer: the one it asked for if
// that layer is flowing, else the nearest flowing one.
func (t *upTrack) retarget() {
	layers := t.layerList()
	now := time.Now().UnixNano()
	active := make([]bool, len(layers))
	for i, l := range layers {
		active[i] = now-l.lastPacket.Load() < int64(layerIdle)
	}
	for _, d := range t.subscribers() {
		want := qualityIndex(d.quality(), len(layers))
		target := nearestActive(active, want)
		if d.setTarget(target) || d.waiting() {
			t.requestKeyframe(target, false)
		}
	}
}

// qualityIndex maps a quality to a layer index among n layers, lowest first.
func qualityIndex(q media.Quality, n int) int {
	switch {
	case n <= 1:
		return 0
	case q == media.Low:
		return 0
	case q == media.High || n == 2:
		return n - 1
	default:
		return n / 2
	}
}

func nearestActive(active []bool, want int) int {
	if want < len(active) && active[want] {
		return want
	}
	for i := want - 1; i >= 0; i-- {
		if active[i] {
			return i
		}
	}
	for i := want + 1; i < len(active); i++ {
		if active[i] {
			return i
		}
	}
	return want
}
