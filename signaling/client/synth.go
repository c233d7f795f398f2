package client

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Shape of the synthetic media, after /work/shared/benchmark-method.md.
const (
	// PayloadMTU is the largest RTP payload a Source writes.
	PayloadMTU = 1200
	// DefaultKeyframeSize and DefaultInterframeSize are the top layer's
	// video frame sizes in bytes (VP8 frame data, descriptors excluded).
	DefaultKeyframeSize   = 15000
	DefaultInterframeSize = 1864
	// DefaultKeyframeInterval is the period of unrequested keyframes.
	DefaultKeyframeInterval = 2 * time.Second
	// VideoFrameInterval is the video frame period (30 fps).
	VideoFrameInterval = time.Second / 30
	// OpusFrameSize and OpusFrameInterval shape the audio: 80-byte frames
	// every 20 ms.
	OpusFrameSize     = 80
	OpusFrameInterval = 20 * time.Millisecond
)

// TrackSpec describes one track to publish.
type TrackSpec struct {
	Kind  string // "audio" or "video"
	Codec string // webrtc.MimeTypeVP8, MimeTypeH264 or MimeTypeOpus; empty: VP8 for video, Opus for audio
	// Simulcast lists the rids of the simulcast layers, lowest quality first
	// (e.g. {"l", "h"}); empty for a single layer. Layer i carries i in its
	// payload tag; lower layers send smaller frames (a quarter per step).
	Simulcast []string
	// ID is the MediaStreamTrack id offered; empty means a generated one
	// ("video-1a2b3c4d"). The server announces its own track ids (TR_…),
	// and those name tracks in "mute" and "layer" frames.
	ID string
	// KeyframeSize and InterframeSize override the top layer's video frame
	// sizes; zero means the defaults.
	KeyframeSize, InterframeSize int
}

func (s TrackSpec) normalize() (TrackSpec, error) {
	switch s.Kind {
	case "video":
		if s.Codec == "" {
			s.Codec = webrtc.MimeTypeVP8
		}
		if !strings.EqualFold(s.Codec, webrtc.MimeTypeVP8) && !strings.EqualFold(s.Codec, webrtc.MimeTypeH264) {
			return s, fmt.Errorf("client: video codec %q not supported", s.Codec)
		}
	case "audio":
		if s.Codec == "" {
			s.Codec = webrtc.MimeTypeOpus
		}
		if !strings.EqualFold(s.Codec, webrtc.MimeTypeOpus) {
			return s, fmt.Errorf("client: audio codec %q not supported", s.Codec)
		}
		if len(s.Simulcast) > 0 {
			return s, fmt.Errorf("client: audio cannot be simulcast")
		}
	default:
		return s, fmt.Errorf("client: track kind %q is neither audio nor video", s.Kind)
	}
	if s.ID == "" {
		s.ID = fmt.Sprintf("%s-%08x", s.Kind, rand.Uint32())
	}
	return s, nil
}

// SourceConfig configures a Source.
type SourceConfig struct {
	Codec string // webrtc.MimeTypeVP8, MimeTypeH264 or MimeTypeOpus
	Layer int    // written into every payload tag (0–255)
	// Video only; zero values mean the defaults (15,000 / 1,864 bytes,
	// 2 s, 640×480).
	KeyframeSize, InterframeSize int
	KeyframeInterval             time.Duration
	Width, Height                int
}

// Source generates the synthetic RTP of one simulcast layer of one track:
// valid VP8 (or H.264, or Opus) packetisation of frames of the configured
// sizes, with a Tag in every payload. A Source is driven by one goroutine;
// RequestKeyframe and Stats may be called from any.
type Source struct {
	codec     string
	layer     byte
	video     bool
	keySize   int
	interSize int
	keyEvery  int // frames between unrequested keyframes
	width     int
	height    int
	interval  time.Duration
	step      uint32 // RTP timestamp increment per frame

	pkt       rtp.Packet
	buf       []byte
	sinceKey  int // frames since the last keyframe; -1 before the first
	pictureID uint16

	forceKey  atomic.Bool
	frames    atomic.Uint64
	keyframes atomic.Uint64
	packets   atomic.Uint64
	bytes     atomic.Uint64
}

// NewSource returns a Source, with random initial sequence number and
// timestamp.
func NewSource(cfg SourceConfig) (*Source, error) {
	if cfg.Layer < 0 || cfg.Layer > 255 {
		return nil, fmt.Errorf("client: layer %d out of range", cfg.Layer)
	}
	s := &Source{
		codec:    strings.ToLower(cfg.Codec),
		layer:    byte(cfg.Layer),
		buf:      make([]byte, PayloadMTU),
		sinceKey: -1,
	}
	s.pkt.Version = 2
	s.pkt.SequenceNumber = uint16(rand.Uint32())
	s.pkt.Timestamp = rand.Uint32()
	s.pictureID = uint16(rand.Uint32()) & 0x7fff
	switch s.codec {
	case strings.ToLower(webrtc.MimeTypeOpus):
		s.interval, s.step = OpusFrameInterval, 960
		return s, nil
	case strings.ToLower(webrtc.MimeTypeVP8), strings.ToLower(webrtc.MimeTypeH264):
	default:
		return nil, fmt.Errorf("client: codec %q not supported", cfg.Codec)
	}
	s.video = true
	s.interval, s.step = VideoFrameInterval, 3000
	s.keySize = orDefault(cfg.KeyframeSize, DefaultKeyframeSize)
	s.interSize = orDefault(cfg.InterframeSize, DefaultInterframeSize)
	s.keySize = max(s.keySize, vp8KeyHeaderLen+TagSize)
	s.interSize = max(s.interSize, vp8InterHeaderLen+TagSize)
	period := cfg.KeyframeInterval
	if period <= 0 {
		period = DefaultKeyframeInterval
	}
	s.keyEvery = max(1, int(period/VideoFrameInterval))
	s.width = orDefault(cfg.Width, 640)
	s.height = orDefault(cfg.Height, 480)
	return s, nil
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// FrameInterval is the time between two frames.
func (s *Source) FrameInterval() time.Duration { return s.interval }

// RequestKeyframe makes the next video frame a keyframe.
func (s *Source) RequestKeyframe() { s.forceKey.Store(true) }

// SetHeaderExtension adds (or replaces) an RTP header extension written on
// every packet from now on, such as the mid and rid a simulcast receiver
// needs to identify the layer.
func (s *Source) SetHeaderExtension(id uint8, payload []byte) error {
	return s.pkt.Header.SetExtension(id, payload)
}

// SkipFrames advances the clock by n frames without sending them (the
// driver fell behind).
func (s *Source) SkipFrames(n int) {
	s.pkt.Timestamp += uint32(n) * s.step
	if s.sinceKey >= 0 {
		s.sinceKey += n
	}
}

// SourceStats counts what a Source wrote.
type SourceStats struct {
	Frames, Keyframes, Packets, Bytes uint64 // Bytes: RTP payload bytes
}

// Stats returns the counters.
func (s *Source) Stats() SourceStats {
	return SourceStats{
		Frames: s.frames.Load(), Keyframes: s.keyframes.Load(),
		Packets: s.packets.Load(), Bytes: s.bytes.Load(),
	}
}

// WriteFrame packetises the next frame and passes each packet to emit in
// order. The packet and its payload are reused: emit must not keep them.
// PayloadType and SSRC are left for the writer (pion's TrackLocalStaticRTP
// sets them). It stops at, and returns, the first error of emit.
func (s *Source) WriteFrame(emit func(*rtp.Packet) error) error {
	sent := int64(time.Since(processStart))
	var err error
	switch s.codec {
	case "audio/opus":
		err = s.writeOpus(sent, emit)
	default:
		key := s.sinceKey < 0 || s.sinceKey+1 >= s.keyEvery || s.forceKey.Swap(false)
		if key {
			s.sinceKey = 0
			s.keyframes.Add(1)
		} else {
			s.sinceKey++
		}
		if s.codec == "video/vp8" {
			err = s.writeVP8(key, sent, emit)
		} else {
			err = s.writeH264(key, sent, emit)
		}
	}
	s.frames.Add(1)
	s.pkt.Timestamp += s.step
	return err
}

func (s *Source) emit(n int, marker bool, emit func(*rtp.Packet) error) error {
	s.pkt.Payload = s.buf[:n]
	s.pkt.Marker = marker
	err := emit(&s.pkt)
	s.pkt.SequenceNumber++
	s.packets.Add(1)
	s.bytes.Add(uint64(n))
	return err
}

func (s *Source) writeOpus(sent int64, emit func(*rtp.Packet) error) error {
	s.buf[0] = 0xf8 // TOC: CELT-only, fullband, 20 ms, mono, one frame
	putTag(s.buf[1:], s.layer, sent)
	return s.emit(OpusFrameSize, false, emit)
}

const (
	vp8DescLen        = 4  // X, I with a 15-bit picture id
	vp8InterHeaderLen = 3  // frame tag
	vp8KeyHeaderLen   = 10 // frame tag, start code, size
)

// writeVP8 writes a frame of size bytes of VP8 data (RFC 7741): every packet
// has a 4-byte descriptor; the first has S set and partition index 0 and
// starts with the VP8 payload header. The tag follows the header in the
// first packet and the descriptor in the others.
func (s *Source) writeVP8(key bool, sent int64, emit func(*rtp.Packet) error) error {
	size, hdrLen := s.interSize, vp8InterHeaderLen
	if key {
		size, hdrLen = s.keySize, vp8KeyHeaderLen
	}
	s.pictureID = (s.pictureID + 1) & 0x7fff
	for off := 0; off < size; {
		chunk := min(size-off, PayloadMTU-vp8DescLen)
		p := s.buf
		p[0] = 0x80 // X
		if off == 0 {
			p[0] |= 0x10 // S, partition index 0
		}
		p[1] = 0x80 // I
		p[2] = 0x80 | byte(s.pictureID>>8)
		p[3] = byte(s.pictureID)
		body := p[vp8DescLen:]
		at := 0
		if off == 0 {
			putVP8Header(body, key, size-hdrLen, s.width, s.height)
			at = hdrLen
		}
		if chunk >= at+TagSize {
			putTag(body[at:], s.layer, sent)
		}
		off += chunk
		if err := s.emit(vp8DescLen+chunk, off == size, emit); err != nil {
			return err
		}
	}
	return nil
}

// putVP8Header writes the VP8 payload header (RFC 6386 9.1): the 3-byte
// frame tag, and for keyframes the start code and the frame size.
func putVP8Header(b []byte, key bool, partition, width, height int) {
	tag := uint32(min(partition, 0x7ffff))<<5 | 1<<4 // show_frame, version 0
	if !key {
		tag |= 1 // P: interframe
	}
	b[0], b[1], b[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	if key {
		b[3], b[4], b[5] = 0x9d, 0x01, 0x2a
		binary.LittleEndian.PutUint16(b[6:], uint16(width&0x3fff))
		binary.LittleEndian.PutUint16(b[8:], uint16(height&0x3fff))
	}
}

// H.264 parameter sets: constrained baseline, level 3.1, 640×480.
const (
	h264SPS = "\x67\x42\xe0\x1f\xda\x02\x80\xf6\x40"
	h264PPS = "\x68\xce\x3c\x80"
)

// writeH264 writes one NAL unit of size bytes (RFC 6184, packetization-mode
// 1): a single NAL unit packet if it fits, FU-A fragments otherwise. A
// keyframe is an IDR preceded by a STAP-A packet with SPS and PPS (no tag).
// The tag follows the NAL header (single) or the FU header (FU-A).
func (s *Source) writeH264(key bool, sent int64, emit func(*rtp.Packet) error) error {
	size, nal := s.interSize, byte(0x41) // NRI 2, non-IDR slice
	if key {
		size, nal = s.keySize, 0x65 // NRI 3, IDR slice
		p := s.buf
		p[0] = 0x78 // NRI 3, STAP-A
		n := 1
		for _, ps := range [...]string{h264SPS, h264PPS} {
			binary.BigEndian.PutUint16(p[n:], uint16(len(ps)))
			n += 2 + copy(p[n+2:], ps)
		}
		if err := s.emit(n, false, emit); err != nil {
			return err
		}
	}
	if size <= PayloadMTU {
		s.buf[0] = nal
		putTag(s.buf[1:], s.layer, sent)
		return s.emit(size, true, emit)
	}
	body := size - 1 // the NAL header travels in the FU indicator and header
	for off := 0; off < body; {
		chunk := min(body-off, PayloadMTU-2)
		p := s.buf
		p[0] = nal&0xe0 | 28 // FU-A indicator
		p[1] = nal & 0x1f
		if off == 0 {
			p[1] |= 0x80 // S
		}
		if off+chunk == body {
			p[1] |= 0x40 // E
		}
		if chunk >= TagSize {
			putTag(p[2:], s.layer, sent)
		}
		off += chunk
		if err := s.emit(2+chunk, off == body, emit); err != nil {
			return err
		}
	}
	return nil
}
