package sfu

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"hearingroom/media"
)

// downTrack sends one upTrack to one subscriber. It implements
// webrtc.TrackLocal so that it writes with the subscriber's negotiated SSRC
// and payload type, and it splices layers so the subscriber sees one
// continuous sequence-number and timestamp space.
type downTrack struct {
	up     *upTrack
	sub    *Participant
	sender *webrtc.RTPSender

	qual   atomic.Int32
	target atomic.Pointer[upLayer]

	mu      sync.Mutex
	bound   bool
	ssrc    uint32
	pt      uint8
	writer  webrtc.TrackLocalWriter
	current *upLayer // nil: waiting for a keyframe
	started bool
	seqOff  uint16
	tsOff   uint32
	lastSeq uint16
	lastTS  uint32
	lastAt  int64 // unix nanos of the last packet written
	hdr     rtp.Header
	vp8     *vp8Rewriter // for VP8 with simulcast layers, else nil
}

func newDownTrack(up *upTrack, sub *Participant, q media.Quality) *downTrack {
	d := &downTrack{up: up, sub: sub}
	if strings.EqualFold(up.codec.MimeType, webrtc.MimeTypeVP8) {
		d.vp8 = &vp8Rewriter{}
	}
	d.qual.Store(int32(q))
	layers := up.layerList()
	if n := len(layers); n > 0 {
		d.target.Store(layers[qualityIndex(q, n)])
	}
	return d
}

// ID, RID, StreamID and Kind implement webrtc.TrackLocal.
func (d *downTrack) ID() string       { return d.up.id }
func (d *downTrack) RID() string      { return "" }
func (d *downTrack) StreamID() string { return d.up.owner.info.Identity }
func (d *downTrack) Kind() webrtc.RTPCodecType {
	if d.up.kind == media.Audio {
		return webrtc.RTPCodecTypeAudio
	}
	return webrtc.RTPCodecTypeVideo
}

// Bind implements webrtc.TrackLocal: it picks the subscriber's payload type
// for the publisher's codec.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	c, ok := matchCodec(d.up.codec, ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	d.mu.Lock()
	d.bound = true
	d.ssrc = uint32(ctx.SSRC())
	d.pt = uint8(c.PayloadType)
	d.writer = ctx.WriteStream()
	d.mu.Unlock()
	// Until the subscriber's media path is up its packets are dropped, and a
	// publisher ignores a second request soon after a first (Chrome: 300 ms):
	// a new connection asks when it connects (Participant.requestKeyframes).
	if d.sub.pc != nil && d.sub.pc.ConnectionState() == webrtc.PeerConnectionStateConnected {
		d.up.requestKeyframe(d.targetIndex(), false)
	}
	return c, nil
}

// Unbind implements webrtc.TrackLocal.
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.bound = false
	d.writer = nil
	d.mu.Unlock()
	return nil
}

func matchCodec(want webrtc.RTPCodecParameters, have []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	var fallback *webrtc.RTPCodecParameters
	for i, c := range have {
		if !strings.EqualFold(c.MimeType, want.MimeType) {
			continue
		}
		if c.SDPFmtpLine == want.SDPFmtpLine || !strings.EqualFold(want.MimeType, webrtc.MimeTypeH264) {
			return c, true
		}
		if fallback == nil && fmtpValue(c.SDPFmtpLine, "packetization-mode") == fmtpValue(want.SDPFmtpLine, "packetization-mode") {
			fallback = &have[i]
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return webrtc.RTPCodecParameters{}, false
}

func fmtpValue(line, key string) string {
	for _, kv := range strings.Split(line, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == key {
			return v
		}
	}
	return ""
}

// attach adds d to pc and starts its RTCP reader. With slot set, d goes
// into a receive slot the client offered (pion's AddTrack picks it), so the
// answer to that offer carries it; otherwise into a new send-only
// transceiver, which the next offer carries.
func (d *downTrack) attach(pc *webrtc.PeerConnection, slot bool) error {
	if slot {
		sender, err := pc.AddTrack(d)
		if err != nil {
			return err
		}
		d.sender = sender
	} else {
		tr, err := pc.AddTransceiverFromTrack(d, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			return err
		}
		d.sender = tr.Sender()
	}
	d.sub.wg.Add(1)
	go func() {
		defer d.sub.wg.Done()
		d.readRTCP()
	}()
	return nil
}

// readRTCP handles the subscriber's feedback: keyframe requests go to the
// publisher (rate-limited); NACKs are answered by the NACK interceptor.
func (d *downTrack) readRTCP() {
	stats := &d.sub.sfu.stats
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.up.requestKeyframe(d.targetIndex(), false)
			case *rtcp.TransportLayerNack:
				stats.nacks.Add(1)
			}
		}
	}
}

func (d *downTrack) quality() media.Quality { return media.Quality(d.qual.Load()) }

func (d *downTrack) setQuality(q media.Quality) {
	d.qual.Store(int32(q))
	layers := d.up.layerList()
	if len(layers) == 0 {
		return
	}
	i := qualityIndex(q, len(layers))
	if d.setTarget(i) {
		d.up.requestKeyframe(i, false)
	}
}

// setTarget reports whether the target layer changed.
func (d *downTrack) setTarget(i int) bool {
	layers := d.up.layerList()
	if i < 0 || i >= len(layers) {
		return false
	}
	return d.target.Swap(layers[i]) != layers[i]
}

func (d *downTrack) targetIndex() int {
	t := d.target.Load()
	if t == nil {
		return len(d.up.layerList()) - 1
	}
	return d.up.layerIndex(t)
}

// waiting reports whether d waits for a keyframe of its target layer.
func (d *downTrack) waiting() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bound && d.current != d.target.Load()
}

// resync makes d wait for the next keyframe before sending again.
func (d *downTrack) resync() {
	d.mu.Lock()
	if d.up.kind == media.Video {
		d.current = nil
	}
	d.mu.Unlock()
}

// write forwards pkt from layer l if it is d's current layer, or switches to
// l at a keyframe when l is d's target. It reports whether it wrote.
func (d *downTrack) write(l *upLayer, pkt *rtp.Packet, key bool, now int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound {
		return false
	}
	var desc vp8Descriptor
	if d.vp8 != nil {
		var ok bool
		if desc, ok = parseVP8(pkt.Payload); !ok {
			return false
		}
	}
	switching := l != d.current
	if switching {
		target := d.target.Load()
		if target == nil {
			d.target.Store(l)
			target = l
		}
		if l != target || !key {
			return false
		}
		d.splice(pkt, now)
		if d.vp8 != nil {
			d.vp8.splice(desc)
		}
	}
	payload := pkt.Payload
	if d.vp8 != nil {
		payload = d.vp8.rewrite(payload, desc)
	}
	d.hdr.Version = 2
	d.hdr.Padding = false
	d.hdr.Marker = pkt.Marker
	d.hdr.PayloadType = d.pt
	d.hdr.SequenceNumber = pkt.SequenceNumber - d.seqOff
	d.hdr.Timestamp = pkt.Timestamp - d.tsOff
	d.hdr.SSRC = d.ssrc
	d.hdr.CSRC = nil
	d.hdr.Extension = false
	d.hdr.Extensions = d.hdr.Extensions[:0]
	// pion reports 0 bytes, and no error, while the subscriber's DTLS and
	// SRTP are not up: a keyframe lost that way must not count as the start.
	if n, err := d.writer.WriteRTP(&d.hdr, payload); err != nil || n == 0 {
		return false
	}
	if switching {
		d.current = l
	}
	d.lastSeq = d.hdr.SequenceNumber
	d.lastTS = d.hdr.Timestamp
	d.lastAt = now
	d.started = true
	return true
}

// splice sets the offsets so that pkt, the first packet of a new layer,
// follows the last packet sent in sequence and in time.
func (d *downTrack) splice(pkt *rtp.Packet, now int64) {
	if !d.started {
		d.seqOff, d.tsOff = 0, 0
		return
	}
	gap := uint32(1)
	if elapsed := now - d.lastAt; elapsed > 0 {
		if ticks := uint32(time.Duration(elapsed).Seconds() * float64(d.up.codec.ClockRate)); ticks > 0 {
			gap = ticks
		}
	}
	d.seqOff = pkt.SequenceNumber - (d.lastSeq + 1)
	d.tsOff = pkt.Timestamp - (d.lastTS + gap)
}

// hasReceiveSlot reports whether pc has a transceiver of kind that the
// client offered to receive on and that carries no track yet.
func hasReceiveSlot(pc *webrtc.PeerConnection, kind webrtc.RTPCodecType) bool {
	for _, t := range pc.GetTransceivers() {
		if t.Kind() == kind && t.Sender() == nil && t.Direction() == webrtc.RTPTransceiverDirectionSendonly {
			return true
		}
	}
	return false
}
