package sfu

import (
	"strings"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"hearingroom/media"
)

func TestVP8Keyframe(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    []byte
		want bool
	}{
		{"key, no extension", []byte{0x10, 0x00, 0x9d, 0x01, 0x2a}, true},
		{"inter", []byte{0x10, 0x01}, false},
		{"continuation", []byte{0x00, 0x00}, false},
		{"other partition", []byte{0x11, 0x00}, false},
		{"key, 15-bit picture id", []byte{0x90, 0x80, 0x81, 0x23, 0x00}, true},
		{"inter, 7-bit picture id + tl0", []byte{0x90, 0xc0, 0x12, 0x05, 0x01}, false},
		{"key, picture id, tl0, tid", []byte{0x90, 0xe0, 0x12, 0x05, 0x40, 0x00}, true},
		{"truncated", []byte{0x90, 0x80}, false},
		{"empty", nil, false},
	} {
		if got := isVP8Keyframe(tc.p); got != tc.want {
			t.Errorf("%s: isVP8Keyframe = %v", tc.name, got)
		}
	}
}

func TestH264Keyframe(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    []byte
		want bool
	}{
		{"IDR", []byte{0x65, 0x88}, true},
		{"SPS", []byte{0x67, 0x42}, true},
		{"non-IDR", []byte{0x41, 0x9a}, false},
		{"STAP-A with SPS", []byte{0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}, true},
		{"STAP-A without", []byte{0x18, 0x00, 0x02, 0x06, 0x05}, false},
		{"FU-A start IDR", []byte{0x7c, 0x85}, true},
		{"FU-A middle IDR", []byte{0x7c, 0x05}, false},
		{"FU-A start non-IDR", []byte{0x7c, 0x81}, false},
		{"STAP-A truncated", []byte{0x18, 0x00}, false},
	} {
		if got := isH264Keyframe(tc.p); got != tc.want {
			t.Errorf("%s: isH264Keyframe = %v", tc.name, got)
		}
	}
}

func TestQualityIndex(t *testing.T) {
	for _, tc := range []struct {
		q    media.Quality
		n    int
		want int
	}{
		{media.Low, 1, 0}, {media.High, 1, 0},
		{media.Low, 2, 0}, {media.Medium, 2, 1}, {media.High, 2, 1},
		{media.Low, 3, 0}, {media.Medium, 3, 1}, {media.High, 3, 2},
	} {
		if got := qualityIndex(tc.q, tc.n); got != tc.want {
			t.Errorf("qualityIndex(%v, %d) = %d, want %d", tc.q, tc.n, got, tc.want)
		}
	}
	if got := nearestActive([]bool{true, false, false}, 2); got != 0 {
		t.Errorf("nearestActive falls back down: %d", got)
	}
	if got := nearestActive([]bool{false, false, true}, 0); got != 2 {
		t.Errorf("nearestActive falls back up: %d", got)
	}
}

func TestLayerOrder(t *testing.T) {
	for _, rids := range [][]string{{"h", "l"}, {"f", "h", "q"}, {"q", "f", "h"}, {"l", "m", "h"}} {
		up := &upTrack{done: make(chan struct{})}
		for _, r := range rids {
			up.addLayer(&upLayer{rid: r, rank: ridRank(r)})
		}
		var got []string
		for _, l := range up.layerList() {
			got = append(got, l.rid)
		}
		want := map[int][]string{2: {"l", "h"}, 3: nil}[len(rids)]
		if len(rids) == 3 {
			if rids[0] == "l" {
				want = []string{"l", "m", "h"}
			} else {
				want = []string{"q", "h", "f"}
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("layers from %v ordered %v, want %v", rids, got, want)
		}
	}
}

func TestPublishes(t *testing.T) {
	parse := func(s string) *sdp.SessionDescription {
		d := &sdp.SessionDescription{}
		if err := d.UnmarshalString(s); err != nil {
			t.Fatal(err)
		}
		return d
	}
	head := "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	video := "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"sendrecv with msid", video + "a=sendrecv\r\na=msid:s t\r\n", true},
		{"sendonly with ssrc", video + "a=sendonly\r\na=ssrc:1 cname:x\r\n", true},
		{"simulcast", video + "a=sendonly\r\na=simulcast:send l;h\r\n", true},
		{"recvonly", video + "a=recvonly\r\na=msid:s t\r\n", false},
		{"sendrecv without a track", video + "a=sendrecv\r\n", false},
		{"data channel only", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sendrecv\r\na=msid:s t\r\n", false},
	} {
		if got := publishes(parse(head + tc.body)); got != tc.want {
			t.Errorf("%s: publishes = %v", tc.name, got)
		}
	}
}

func TestLoopbackOnlySDP(t *testing.T) {
	in := "v=0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n" +
		"a=candidate:2 1 udp 2130706431 192.0.2.7 5000 typ host\r\n" +
		"a=candidate:3 1 udp 2130706431 abc.local 5000 typ host\r\na=end-of-candidates\r\n"
	out := loopbackOnlySDP(in)
	if !strings.Contains(out, "127.0.0.1") || strings.Contains(out, "192.0.2.7") || strings.Contains(out, ".local") {
		t.Fatalf("filtered SDP:\n%s", out)
	}
	if !loopbackCandidate("candidate:1 1 udp 1 ::1 9 typ host") || loopbackCandidate("candidate:1 1 udp 1 10.0.0.1 9 typ host") {
		t.Fatal("loopbackCandidate")
	}
}

func TestMatchCodec(t *testing.T) {
	have := append(append([]webrtc.RTPCodecParameters{}, videoCodecs...), audioCodecs...)
	c, ok := matchCodec(videoCodecs[2], have)
	if !ok || c.PayloadType != videoCodecs[2].PayloadType {
		t.Fatalf("H.264 42001f matched %v %v", c, ok)
	}
	other := videoCodecs[1]
	other.SDPFmtpLine = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"
	if c, ok := matchCodec(other, have); !ok || fmtpValue(c.SDPFmtpLine, "packetization-mode") != "1" {
		t.Fatalf("H.264 fallback matched %v %v", c, ok)
	}
	if _, ok := matchCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/AV1"}}, have); ok {
		t.Fatal("AV1 matched")
	}
}

// fakeWriter stands in for a bound PeerConnection's write stream.
type fakeWriter struct {
	packets int
	last    rtp.Header
}

func (w *fakeWriter) WriteRTP(h *rtp.Header, p []byte) (int, error) {
	w.packets++
	w.last = *h
	return len(p), nil
}
func (w *fakeWriter) Write(b []byte) (int, error) { return len(b), nil }

// newTestTrack builds an up-track with layers and n bound down-tracks.
func newTestTrack(rids []string, n int) (*upTrack, []*downTrack, []*fakeWriter) {
	owner := &Participant{info: media.Participant{Identity: "pub"}, sfu: &SFU{}}
	up := &upTrack{id: "TR_x", owner: owner, kind: media.Video, isKey: isVP8Keyframe, done: make(chan struct{}),
		codec: videoCodecs[0]}
	empty := []*downTrack{}
	up.subs.Store(&empty)
	for _, r := range rids {
		up.addLayer(&upLayer{rid: r, rank: ridRank(r)})
	}
	var ds []*downTrack
	var ws []*fakeWriter
	for i := 0; i < n; i++ {
		d := newDownTrack(up, &Participant{}, media.High)
		w := &fakeWriter{}
		d.bound, d.ssrc, d.pt, d.writer = true, uint32(1000+i), 96, w
		up.addSubscriber(d)
		ds = append(ds, d)
		ws = append(ws, w)
	}
	return up, ds, ws
}

func vp8Packet(seq uint16, ts uint32, key bool) *rtp.Packet {
	p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, SSRC: 42, PayloadType: 100}}
	if key {
		p.Payload = []byte{0x10, 0x00, 0x9d, 0x01, 0x2a, 0, 0, 0, 0}
	} else {
		p.Payload = []byte{0x10, 0x01, 0, 0}
	}
	return p
}

func TestDownTrackSplicesLayers(t *testing.T) {
	up, ds, ws := newTestTrack([]string{"l", "h"}, 1)
	d, w := ds[0], ws[0]
	low, high := up.layerList()[0], up.layerList()[1]
	d.setTarget(1)
	// Waits for a keyframe of its target; ignores the other layer.
	if d.write(high, vp8Packet(500, 9000, false), false, 1) || d.write(low, vp8Packet(10, 100, true), true, 1) {
		t.Fatal("wrote before a keyframe of the target layer")
	}
	if !d.write(high, vp8Packet(501, 9000, true), true, 1) {
		t.Fatal("did not start at the keyframe")
	}
	if w.last.SSRC != 1000 || w.last.PayloadType != 96 || w.last.SequenceNumber != 501 {
		t.Fatalf("rewritten header %+v", w.last)
	}
	d.write(high, vp8Packet(502, 12000, false), false, 2)
	// Switch down: continues at 503 with a later timestamp.
	d.setTarget(0)
	if d.write(low, vp8Packet(11, 200, false), false, 3) {
		t.Fatal("switched on a delta frame")
	}
	if !d.write(low, vp8Packet(12, 300, true), true, int64(33_000_000)) {
		t.Fatal("did not switch at the keyframe")
	}
	if w.last.SequenceNumber != 503 || w.last.Timestamp <= 12000 {
		t.Fatalf("splice: seq %d ts %d", w.last.SequenceNumber, w.last.Timestamp)
	}
	spliced := w.last.Timestamp
	if d.write(high, vp8Packet(503, 15000, false), false, 4) {
		t.Fatal("old layer still forwarded")
	}
	d.write(low, vp8Packet(13, 400, false), false, 5)
	if w.last.SequenceNumber != 504 || w.last.Timestamp != spliced+100 {
		t.Fatalf("after splice: %+v", w.last)
	}
}

// BenchmarkForward measures the SFU's own per-packet work: one packet from
// a publisher handed to four down-tracks (a mediation room's fan-out),
// without pion's interceptors and SRTP, which the load tool measures.
func BenchmarkForward(b *testing.B) {
	up, ds, _ := newTestTrack([]string{""}, 4)
	l := up.layerList()[0]
	for _, d := range ds {
		d.setTarget(0)
	}
	pkt := vp8Packet(1, 1, true)
	pkt.Payload = make([]byte, 1100)
	pkt.Payload[0] = 0x10
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pkt.SequenceNumber++
		for _, d := range *up.subs.Load() {
			d.write(l, pkt, i == 0, int64(i))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ds)), "ns/forward")
}

// vp8WithIDs is a VP8 payload with a 15-bit picture ID and a TL0PICIDX.
func vp8WithIDs(pic uint16, tl0 uint8, key bool) []byte {
	first := byte(0x01)
	if key {
		first = 0x00
	}
	return []byte{0x90, 0xc0, 0x80 | byte(pic>>8), byte(pic), tl0, first, 0, 0}
}

type recordingWriter struct{ payloads [][]byte }

func (w *recordingWriter) WriteRTP(h *rtp.Header, p []byte) (int, error) {
	w.payloads = append(w.payloads, append([]byte(nil), p...))
	return len(p), nil
}
func (w *recordingWriter) Write(b []byte) (int, error) { return len(b), nil }

// TestVP8IDsContinueAcrossLayers: after a switch the receiver sees picture
// IDs and TL0PICIDX continue from the last ones sent, whatever the new
// layer's own counters are.
func TestVP8IDsContinueAcrossLayers(t *testing.T) {
	up, ds, _ := newTestTrack([]string{"l", "h"}, 1)
	d := ds[0]
	w := &recordingWriter{}
	d.writer = w
	low, high := up.layerList()[0], up.layerList()[1]
	d.setTarget(0)
	pkt := func(seq uint16, payload []byte) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: uint32(seq) * 3000}, Payload: payload}
	}
	d.write(low, pkt(1, vp8WithIDs(100, 7, true)), true, 1)
	d.write(low, pkt(2, vp8WithIDs(101, 8, false)), false, 2)
	d.setTarget(1)
	d.write(high, pkt(50, vp8WithIDs(30000, 200, true)), true, 3)
	d.write(high, pkt(51, vp8WithIDs(30001, 201, false)), false, 4)
	d.write(high, pkt(52, vp8WithIDs(32767, 202, false)), false, 5) // wraps
	want := []struct {
		pic uint16
		tl0 uint8
	}{{100, 7}, {101, 8}, {102, 9}, {103, 10}, {(102 + 32767 - 30000) & 0x7fff, 11}}
	if len(w.payloads) != len(want) {
		t.Fatalf("%d packets written", len(w.payloads))
	}
	for i, p := range w.payloads {
		desc, ok := parseVP8(p)
		if !ok || desc.picID != want[i].pic || desc.tl0Idx != want[i].tl0 {
			t.Errorf("packet %d: picture ID %d TL0 %d, want %d %d", i, desc.picID, desc.tl0Idx, want[i].pic, want[i].tl0)
		}
		if !desc.pic15 {
			t.Errorf("packet %d lost its 15-bit picture ID", i)
		}
	}
	if isVP8Keyframe(w.payloads[2]) != true {
		t.Error("the rewritten keyframe is no longer a keyframe")
	}
}
