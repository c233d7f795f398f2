package client

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// processStart is the reference instant of the send times in payload tags,
// so that every client of one process (test or load generator) shares one
// monotonic clock. It is set once, when the package is initialised, and
// never written again.
var processStart = time.Now()

// Now returns the current time on the clock of payload tags: the monotonic
// time since the package was initialised.
func Now() time.Duration { return time.Since(processStart) }

// TagSize is the size of the tag in every synthetic payload: the bytes "hr",
// the layer index, and the send time in nanoseconds (big endian).
const TagSize = 11

// Tag is what a synthetic payload says about itself.
type Tag struct {
	Layer int           // index of the simulcast layer (0 without simulcast)
	Sent  time.Duration // send time, on the clock of Now
}

func putTag(b []byte, layer byte, sent int64) {
	b[0], b[1], b[2] = 'h', 'r', layer
	binary.BigEndian.PutUint64(b[3:], uint64(sent))
}

func parseTag(b []byte) (Tag, bool) {
	if len(b) < TagSize || b[0] != 'h' || b[1] != 'r' {
		return Tag{}, false
	}
	return Tag{Layer: int(b[2]), Sent: time.Duration(binary.BigEndian.Uint64(b[3:]))}, true
}

// PacketInfo describes one RTP packet of synthetic media.
type PacketInfo struct {
	SSRC       uint32
	Seq        uint16
	Timestamp  uint32
	Marker     bool
	PayloadLen int  // padding excluded
	FrameStart bool // video: the first packet of a frame
	Keyframe   bool // video: the first packet of a keyframe (VP8 P bit clear, H.264 IDR)
	Tagged     bool // the payload carries a Tag
	Tag        Tag
}

type codecKind uint8

const (
	codecOther codecKind = iota
	codecVP8
	codecH264
	codecOpus
)

func kindOfCodec(mime string) codecKind {
	switch strings.ToLower(mime) {
	case "video/vp8":
		return codecVP8
	case "video/h264":
		return codecH264
	case "audio/opus":
		return codecOpus
	}
	return codecOther
}

var errShortPacket = errors.New("client: malformed RTP packet")

// ParsePacket parses a marshalled RTP packet of the given codec (a MIME
// type) without allocating. Payloads not made by a Source parse too, with
// Tagged false; it fails only on a malformed RTP header or VP8 descriptor.
func ParsePacket(codec string, b []byte) (PacketInfo, error) {
	return parsePacket(kindOfCodec(codec), b)
}

func parsePacket(kind codecKind, b []byte) (PacketInfo, error) {
	var info PacketInfo
	if len(b) < 12 || b[0]>>6 != 2 {
		return info, errShortPacket
	}
	info.Marker = b[1]&0x80 != 0
	info.Seq = binary.BigEndian.Uint16(b[2:])
	info.Timestamp = binary.BigEndian.Uint32(b[4:])
	info.SSRC = binary.BigEndian.Uint32(b[8:])
	off := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < off+4 {
			return info, errShortPacket
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	}
	end := len(b)
	if b[0]&0x20 != 0 && end > 0 {
		end -= int(b[end-1])
	}
	if off > end {
		return info, errShortPacket
	}
	p := b[off:end]
	info.PayloadLen = len(p)
	switch kind {
	case codecVP8:
		return info, parseVP8(&info, p)
	case codecH264:
		parseH264(&info, p)
	case codecOpus:
		if len(p) > 1 {
			info.Tag, info.Tagged = parseTag(p[1:])
		}
	}
	return info, nil
}

func parseVP8(info *PacketInfo, p []byte) error {
	if len(p) < 1 {
		return errShortPacket
	}
	i := 1
	if p[0]&0x80 != 0 { // X
		if len(p) < 2 {
			return errShortPacket
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I
			if len(p) <= i {
				return errShortPacket
			}
			if p[i]&0x80 != 0 { // M: 15-bit picture id
				i += 2
			} else {
				i++
			}
		}
		if ext&0x40 != 0 { // L
			i++
		}
		if ext&0x30 != 0 { // T or K
			i++
		}
	}
	if i > len(p) {
		return errShortPacket
	}
	body := p[i:]
	if p[0]&0x10 != 0 && p[0]&0x07 == 0 { // S, partition 0
		info.FrameStart = true
		if len(body) < vp8InterHeaderLen {
			return nil
		}
		if body[0]&1 == 0 {
			info.Keyframe = true
			body = body[min(len(body), vp8KeyHeaderLen):]
		} else {
			body = body[vp8InterHeaderLen:]
		}
	}
	info.Tag, info.Tagged = parseTag(body)
	return nil
}

func parseH264(info *PacketInfo, p []byte) {
	if len(p) < 1 {
		return
	}
	switch nal := p[0] & 0x1f; {
	case nal >= 1 && nal <= 23:
		info.FrameStart = nal == 1 || nal == 5
		info.Keyframe = nal == 5
		info.Tag, info.Tagged = parseTag(p[1:])
	case nal == 28 && len(p) >= 2: // FU-A
		if p[1]&0x80 != 0 {
			info.FrameStart = true
			info.Keyframe = p[1]&0x1f == 5
		}
		info.Tag, info.Tagged = parseTag(p[2:])
	}
}
