package client

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// captured is a marshalled packet and what ParsePacket says of it.
type captured struct {
	raw  []byte
	pkt  rtp.Packet
	info PacketInfo
}

// frames runs src for n frames and returns each frame's packets.
func frames(t *testing.T, src *Source, codec string, n int) [][]captured {
	t.Helper()
	var out [][]captured
	for range n {
		var frame []captured
		err := src.WriteFrame(func(p *rtp.Packet) error {
			raw, err := p.Marshal()
			if err != nil {
				return err
			}
			var c captured
			c.raw = raw
			if err := c.pkt.Unmarshal(raw); err != nil {
				return err
			}
			if c.info, err = ParsePacket(codec, raw); err != nil {
				return err
			}
			frame = append(frame, c)
			return nil
		})
		if err != nil {
			t.Fatalf("WriteFrame: %v", err)
		}
		out = append(out, frame)
	}
	return out
}

func newSource(t *testing.T, cfg SourceConfig) *Source {
	t.Helper()
	src, err := NewSource(cfg)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	return src
}

// checkFrame checks what every packetisation shares: payloads within the
// MTU, consecutive sequence numbers, one timestamp, the marker on the last
// packet only, and a tag on the expected layer sent within [before, after].
func checkFrame(t *testing.T, frame []captured, layer int, before, after time.Duration, wantTagged int) {
	t.Helper()
	tagged := 0
	for i, c := range frame {
		if len(c.pkt.Payload) > PayloadMTU {
			t.Errorf("packet %d: payload %d > MTU", i, len(c.pkt.Payload))
		}
		if c.info.PayloadLen != len(c.pkt.Payload) {
			t.Errorf("packet %d: PayloadLen %d, want %d", i, c.info.PayloadLen, len(c.pkt.Payload))
		}
		if i > 0 && c.pkt.SequenceNumber != frame[i-1].pkt.SequenceNumber+1 {
			t.Errorf("packet %d: seq %d after %d", i, c.pkt.SequenceNumber, frame[i-1].pkt.SequenceNumber)
		}
		if c.pkt.Timestamp != frame[0].pkt.Timestamp {
			t.Errorf("packet %d: timestamp %d, frame has %d", i, c.pkt.Timestamp, frame[0].pkt.Timestamp)
		}
		if last := i == len(frame)-1; c.pkt.Marker != last || c.info.Marker != last {
			t.Errorf("packet %d of %d: marker %v", i, len(frame), c.pkt.Marker)
		}
		if c.info.Tagged {
			tagged++
			if c.info.Tag.Layer != layer {
				t.Errorf("packet %d: tag layer %d, want %d", i, c.info.Tag.Layer, layer)
			}
			if c.info.Tag.Sent < before || c.info.Tag.Sent > after {
				t.Errorf("packet %d: tag sent %v not in [%v, %v]", i, c.info.Tag.Sent, before, after)
			}
		}
	}
	if tagged != wantTagged {
		t.Errorf("%d tagged packets, want %d", tagged, wantTagged)
	}
}

func TestVP8Source(t *testing.T) {
	src := newSource(t, SourceConfig{Codec: webrtc.MimeTypeVP8, Layer: 1})
	before := Now()
	fs := frames(t, src, webrtc.MimeTypeVP8, 61)
	after := Now()

	for n, frame := range fs {
		key := n == 0 || n == 60
		wantSize, wantPackets := DefaultInterframeSize, 2
		if key {
			wantSize, wantPackets = DefaultKeyframeSize, 13
		}
		if len(frame) != wantPackets {
			t.Fatalf("frame %d: %d packets, want %d", n, len(frame), wantPackets)
		}
		checkFrame(t, frame, 1, before, after, wantPackets)
		size := 0
		for i, c := range frame {
			p := c.pkt.Payload
			// Descriptor: X, S only on the first packet, partition 0, I with M.
			wantB0 := byte(0x80)
			if i == 0 {
				wantB0 = 0x90
			}
			if p[0] != wantB0 || p[1] != 0x80 || p[2]&0x80 == 0 {
				t.Errorf("frame %d packet %d: descriptor % x", n, i, p[:4])
			}
			if c.info.FrameStart != (i == 0) || c.info.Keyframe != (key && i == 0) {
				t.Errorf("frame %d packet %d: FrameStart %v Keyframe %v", n, i, c.info.FrameStart, c.info.Keyframe)
			}
			size += len(p) - vp8DescLen
		}
		if size != wantSize {
			t.Errorf("frame %d: %d bytes of VP8 data, want %d", n, size, wantSize)
		}
		hdr := frame[0].pkt.Payload[vp8DescLen:]
		if gotKey := hdr[0]&1 == 0; gotKey != key {
			t.Errorf("frame %d: keyframe bit says %v, want %v", n, gotKey, key)
		}
		if hdr[0]&0x10 == 0 {
			t.Errorf("frame %d: show_frame not set", n)
		}
		if key {
			if hdr[3] != 0x9d || hdr[4] != 0x01 || hdr[5] != 0x2a {
				t.Errorf("frame %d: start code % x", n, hdr[3:6])
			}
			w, h := binary.LittleEndian.Uint16(hdr[6:]), binary.LittleEndian.Uint16(hdr[8:])
			if w != 640 || h != 480 {
				t.Errorf("frame %d: size %dx%d", n, w, h)
			}
		}
		if n > 0 {
			prev := fs[n-1]
			if d := frame[0].pkt.Timestamp - prev[0].pkt.Timestamp; d != 3000 {
				t.Errorf("frame %d: timestamp step %d, want 3000", n, d)
			}
			if frame[0].pkt.SequenceNumber != prev[len(prev)-1].pkt.SequenceNumber+1 {
				t.Errorf("frame %d: sequence gap", n)
			}
			pid := func(c captured) uint16 { return binary.BigEndian.Uint16(c.pkt.Payload[2:]) & 0x7fff }
			if pid(frame[0]) != (pid(prev[0])+1)&0x7fff {
				t.Errorf("frame %d: picture id %d after %d", n, pid(frame[0]), pid(prev[0]))
			}
		}
	}
	// 60 frames = 2 s: one keyframe and 59 interframes ≈ 65.5 packets/s.
	packets := 0
	for _, f := range fs[:60] {
		packets += len(f)
	}
	if packets != 131 {
		t.Errorf("%d packets in 2 s, want 131", packets)
	}
	st := src.Stats()
	if st.Frames != 61 || st.Keyframes != 2 || st.Packets != 144 {
		t.Errorf("stats %+v", st)
	}
}

func TestVP8KeyframeRequest(t *testing.T) {
	src := newSource(t, SourceConfig{Codec: webrtc.MimeTypeVP8, KeyframeSize: 3000, InterframeSize: 500})
	frames(t, src, webrtc.MimeTypeVP8, 5)
	src.RequestKeyframe()
	fs := frames(t, src, webrtc.MimeTypeVP8, 3)
	if !fs[0][0].info.Keyframe || fs[1][0].info.Keyframe || fs[2][0].info.Keyframe {
		t.Errorf("keyframes after a request: %v %v %v",
			fs[0][0].info.Keyframe, fs[1][0].info.Keyframe, fs[2][0].info.Keyframe)
	}
	if len(fs[0]) != 3 || len(fs[1]) != 1 {
		t.Errorf("packets per frame %d, %d; want 3, 1", len(fs[0]), len(fs[1]))
	}
	// The periodic keyframe comes 60 frames after the requested one.
	fs = frames(t, src, webrtc.MimeTypeVP8, 58)
	if !fs[57][0].info.Keyframe {
		t.Error("no periodic keyframe 60 frames after the requested one")
	}
}

func TestH264Source(t *testing.T) {
	src := newSource(t, SourceConfig{Codec: webrtc.MimeTypeH264})
	before := Now()
	fs := frames(t, src, webrtc.MimeTypeH264, 2)
	after := Now()

	key := fs[0]
	stap := key[0].pkt.Payload
	if stap[0]&0x1f != 24 || stap[3]&0x1f != 7 {
		t.Fatalf("first packet is not a STAP-A with an SPS: % x", stap[:4])
	}
	if key[0].info.Keyframe || key[0].info.FrameStart {
		t.Error("STAP-A counted as a frame start")
	}
	checkFrame(t, key, 0, before, after, len(key)-1)
	body := 0
	for i, c := range key[1:] {
		p := c.pkt.Payload
		if p[0]&0x1f != 28 || p[1]&0x1f != 5 {
			t.Fatalf("IDR packet %d: not FU-A of an IDR: % x", i, p[:2])
		}
		if start, end := p[1]&0x80 != 0, p[1]&0x40 != 0; start != (i == 0) || end != (i == len(key)-2) {
			t.Errorf("IDR packet %d: S %v E %v", i, start, end)
		}
		if c.info.Keyframe != (i == 0) {
			t.Errorf("IDR packet %d: Keyframe %v", i, c.info.Keyframe)
		}
		body += len(p) - 2
	}
	if body+1 != DefaultKeyframeSize {
		t.Errorf("IDR NAL of %d bytes, want %d", body+1, DefaultKeyframeSize)
	}
	inter := fs[1]
	checkFrame(t, inter, 0, before, after, len(inter))
	if p := inter[0].pkt.Payload; p[0]&0x1f != 28 || p[1]&0x1f != 1 || inter[0].info.Keyframe {
		t.Errorf("interframe starts % x", p[:2])
	}

	small := newSource(t, SourceConfig{Codec: webrtc.MimeTypeH264, KeyframeSize: 900, InterframeSize: 300})
	fs = frames(t, small, webrtc.MimeTypeH264, 2)
	if len(fs[0]) != 2 || fs[0][1].pkt.Payload[0] != 0x65 || !fs[0][1].info.Keyframe || len(fs[0][1].pkt.Payload) != 900 {
		t.Errorf("small keyframe: %d packets", len(fs[0]))
	}
	if len(fs[1]) != 1 || fs[1][0].pkt.Payload[0] != 0x41 || !fs[1][0].info.Tagged {
		t.Errorf("small interframe: %d packets", len(fs[1]))
	}
}

func TestOpusSource(t *testing.T) {
	src := newSource(t, SourceConfig{Codec: webrtc.MimeTypeOpus})
	if src.FrameInterval() != 20*time.Millisecond {
		t.Errorf("interval %v", src.FrameInterval())
	}
	before := Now()
	fs := frames(t, src, webrtc.MimeTypeOpus, 3)
	after := Now()
	for n, f := range fs {
		if len(f) != 1 || len(f[0].pkt.Payload) != OpusFrameSize {
			t.Fatalf("frame %d: %d packets", n, len(f))
		}
		c := f[0]
		if c.pkt.Marker || !c.info.Tagged || c.info.Tag.Sent < before || c.info.Tag.Sent > after {
			t.Errorf("frame %d: marker %v info %+v", n, c.pkt.Marker, c.info)
		}
		if n > 0 && c.pkt.Timestamp-fs[n-1][0].pkt.Timestamp != 960 {
			t.Errorf("frame %d: timestamp step %d", n, c.pkt.Timestamp-fs[n-1][0].pkt.Timestamp)
		}
	}
}

// A forwarder may add header extensions, CSRCs and padding, and use a
// 7-bit picture id or TL0PICIDX: the tag must still be found.
func TestParsePacketVariants(t *testing.T) {
	src := newSource(t, SourceConfig{Codec: webrtc.MimeTypeVP8, Layer: 2})
	if err := src.SetHeaderExtension(4, []byte("0")); err != nil {
		t.Fatal(err)
	}
	if err := src.SetHeaderExtension(10, []byte("h")); err != nil {
		t.Fatal(err)
	}
	fs := frames(t, src, webrtc.MimeTypeVP8, 1)
	first := fs[0][0]
	if string(first.pkt.GetExtension(10)) != "h" || string(first.pkt.GetExtension(4)) != "0" {
		t.Fatal("header extensions missing")
	}
	if !first.info.Tagged || first.info.Tag.Layer != 2 || !first.info.Keyframe {
		t.Fatalf("with extensions: %+v", first.info)
	}

	p := first.pkt.Clone()
	p.CSRC = []uint32{7, 8}
	p.Padding, p.PaddingSize = true, 5
	// Rewrite the descriptor: 7-bit picture id plus TL0PICIDX (X, I, L).
	vp8 := p.Payload[vp8DescLen:]
	p.Payload = append([]byte{0x90, 0xc0, 0x12, 0x34}, vp8...)
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	info, err := ParsePacket("video/VP8", raw)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Tagged || info.Tag != first.info.Tag || !info.Keyframe || info.PayloadLen != len(p.Payload) {
		t.Errorf("rewritten: %+v, want tag %+v", info, first.info.Tag)
	}
	if _, err := ParsePacket("video/VP8", raw[:10]); err == nil {
		t.Error("a 10-byte packet parsed")
	}
	plain, _ := (&rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{0x90, 0x80, 0x81, 0, 0, 1, 2}}).Marshal()
	if info, err := ParsePacket("video/VP8", plain); err != nil || info.Tagged || !info.Keyframe {
		t.Errorf("untagged payload: %+v, %v", info, err)
	}
}

func TestCountKeyframeRequests(t *testing.T) {
	raw, err := rtcp.Marshal([]rtcp.Packet{
		&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 2}}},
		&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 2},
		&rtcp.FullIntraRequest{SenderSSRC: 1, MediaSSRC: 2, FIR: []rtcp.FIREntry{{SSRC: 2}}},
		&rtcp.PictureLossIndication{SenderSSRC: 1, MediaSSRC: 2},
		&rtcp.TransportLayerNack{SenderSSRC: 1, MediaSSRC: 2, Nacks: []rtcp.NackPair{{PacketID: 5}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if plis, firs := countKeyframeRequests(raw); plis != 2 || firs != 1 {
		t.Errorf("plis %d firs %d, want 2 1", plis, firs)
	}
	if plis, firs := countKeyframeRequests(raw[:3]); plis+firs != 0 {
		t.Error("counted in a truncated packet")
	}
}

func TestHistogram(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * time.Microsecond)
	}
	if h.Count() != 1000 || h.Min() != time.Microsecond || h.Max() != time.Millisecond {
		t.Fatalf("count %d min %v max %v", h.Count(), h.Min(), h.Max())
	}
	if m := h.Mean(); m < 500*time.Microsecond || m > 501*time.Microsecond {
		t.Errorf("mean %v", m)
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		want := time.Duration(q * float64(time.Millisecond))
		got := h.Quantile(q)
		if got < want || float64(got) > float64(want)*1.125 {
			t.Errorf("q%.2f = %v, want within 12.5%% above %v", q, got, want)
		}
	}
	if h.Quantile(1) != time.Millisecond {
		t.Errorf("q1 = %v", h.Quantile(1))
	}
	var g Histogram
	g.Add(-time.Second)
	g.Add(time.Hour)
	g.Merge(&h)
	if g.Count() != 1002 || g.Min() != 0 || g.Max() != time.Hour {
		t.Errorf("merged: count %d min %v max %v", g.Count(), g.Min(), g.Max())
	}
	for v := uint64(0); v < 1<<20; v = v*3/2 + 1 {
		if i := histIndex(v); histUpper(i) < v || (i > 0 && histUpper(i-1) >= v) {
			t.Fatalf("value %d in bucket %d (upper %d)", v, i, histUpper(i))
		}
	}
}

func TestMessageJSON(t *testing.T) {
	data, err := json.Marshal(Message{Type: TypeMute, ParticipantID: "kiosk", TrackID: "audio-1", Muted: false})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); got != `{"type":"mute","participant":"kiosk","track":"audio-1","muted":false}` {
		t.Errorf("mute frame %s", got)
	}
	data, _ = json.Marshal(Message{Type: TypeLayer, Quality: "low"})
	if got := string(data); got != `{"type":"layer","quality":"low"}` {
		t.Errorf("layer frame %s", got)
	}

	var m Message
	in := `{"type":"track-published","track":{"id":"v1","stream":"a","participant":"a","kind":"video",` +
		`"codec":"video/VP8","layers":["l","h"]},"by":"admin"}`
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if m.Track == nil || m.TrackID != "v1" || len(m.Track.Layers) != 2 || m.By != "admin" || string(m.Raw) != in {
		t.Errorf("decoded %+v", m)
	}
	in = `{"type":"muted","track":"v1","muted":true,"by":{"identity":"clerk"},"participant":{"identity":"b"}}`
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if m.Track != nil || m.TrackID != "v1" || !m.Muted || m.By != "clerk" || m.ParticipantID != "b" {
		t.Errorf("decoded %+v", m)
	}
	in = `{"type":"recording","recording":true}`
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != TypeRecording || !m.Recording {
		t.Errorf("decoded %+v", m)
	}
	data, _ = json.Marshal(Message{Type: TypeRecording})
	if got := string(data); got != `{"type":"recording","recording":false}` {
		t.Errorf("recording frame %s", got)
	}
	if err := json.Unmarshal([]byte(`{"type":"x","track":5}`), &m); err == nil ||
		!strings.Contains(err.Error(), "track") {
		t.Errorf("bad track field: %v", err)
	}
}

func TestTrackSpecNormalize(t *testing.T) {
	s, err := TrackSpec{Kind: "video", Simulcast: []string{"l", "h"}}.normalize()
	if err != nil || s.Codec != webrtc.MimeTypeVP8 || !strings.HasPrefix(s.ID, "video-") {
		t.Errorf("video: %+v, %v", s, err)
	}
	for _, bad := range []TrackSpec{
		{Kind: "audio", Simulcast: []string{"l"}},
		{Kind: "video", Codec: "video/AV1"},
		{Kind: "data"},
	} {
		if _, err := bad.normalize(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// The generator's own per-packet work must stay negligible next to pion's.
func BenchmarkVP8Frame(b *testing.B) {
	src, err := NewSource(SourceConfig{Codec: webrtc.MimeTypeVP8})
	if err != nil {
		b.Fatal(err)
	}
	packets := 0
	emit := func(*rtp.Packet) error { packets++; return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := src.WriteFrame(emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
}

func BenchmarkParsePacket(b *testing.B) {
	src, err := NewSource(SourceConfig{Codec: webrtc.MimeTypeVP8})
	if err != nil {
		b.Fatal(err)
	}
	var raw []byte
	if err := src.WriteFrame(func(p *rtp.Packet) error {
		raw, err = p.Marshal()
		return err
	}); err != nil {
		b.Fatal(err)
	}
	var rt recvTrack
	rt.stats.LastLayer = -1
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		info, err := parsePacket(codecVP8, raw)
		if err != nil || !info.Tagged {
			b.Fatal(err)
		}
		rt.add(&info, now)
	}
}
