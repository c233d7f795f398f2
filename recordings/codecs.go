package recordings

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"hearingroom/recordings/webm"
)

// codecOf is what the recorder knows of one codec: how to depacketise it,
// its Matroska codec id, and how to read keyframes and frame sizes.
type codecOf struct {
	name     string // "VP8", "H264", "opus"
	codecID  string
	video    bool
	maxLate  uint16 // the sample builder's reordering window, in packets
	depacket func() rtp.Depacketizer
}

// lookupCodec returns the recorder's codec for a MIME type, or false for a
// codec it does not write.
func lookupCodec(mime string) (codecOf, bool) {
	switch strings.ToLower(mime) {
	case "video/vp8":
		return codecOf{"VP8", "V_VP8", true, 256, func() rtp.Depacketizer { return &codecs.VP8Packet{} }}, true
	case "video/h264":
		return codecOf{"H264", "V_MPEG4/ISO/AVC", true, 256, func() rtp.Depacketizer { return &codecs.H264Packet{} }}, true
	case "audio/opus":
		return codecOf{"opus", "A_OPUS", false, 32, func() rtp.Depacketizer { return &codecs.OpusPacket{} }}, true
	}
	return codecOf{}, false
}

// vp8Key reports whether frame is a VP8 keyframe and, if so, its size
// (RFC 6386 §9.1).
func vp8Key(frame []byte) (key bool, width, height int) {
	if len(frame) < 10 || frame[0]&0x01 != 0 {
		return false, 0, 0
	}
	if frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a {
		return false, 0, 0
	}
	w := int(binary.LittleEndian.Uint16(frame[6:8]) & 0x3fff)
	h := int(binary.LittleEndian.Uint16(frame[8:10]) & 0x3fff)
	return true, w, h
}

// annexBUnits splits an H.264 Annex B stream into its NAL units.
func annexBUnits(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.Index(b, []byte{0, 0, 1})
		if i < 0 {
			out = append(out, b)
			break
		}
		if i > 0 {
			unit := bytes.TrimRight(b[:i], "\x00")
			if len(unit) > 0 {
				out = append(out, unit)
			}
		}
		b = b[i+3:]
	}
	return out
}

// h264Frame converts an Annex B access unit to the length-prefixed form
// Matroska stores, and reports whether it holds an IDR picture and the SPS
// and PPS it carries.
func h264Frame(au []byte) (frame []byte, key bool, sps, pps []byte) {
	for _, u := range annexBUnits(au) {
		switch u[0] & 0x1f {
		case 5:
			key = true
		case 7:
			sps = u
		case 8:
			pps = u
		}
		frame = binary.BigEndian.AppendUint32(frame, uint32(len(u)))
		frame = append(frame, u...)
	}
	return frame, key, sps, pps
}

// bitReader reads an RBSP bit by bit, Exp-Golomb codes included.
type bitReader struct {
	b   []byte
	pos int
	err bool
}

func (r *bitReader) bit() uint {
	if r.pos >= len(r.b)*8 {
		r.err = true
		return 0
	}
	v := uint(r.b[r.pos/8]>>(7-r.pos%8)) & 1
	r.pos++
	return v
}

func (r *bitReader) bits(n int) uint {
	var v uint
	for range n {
		v = v<<1 | r.bit()
	}
	return v
}

func (r *bitReader) ue() uint {
	zeros := 0
	for r.bit() == 0 && !r.err && zeros < 32 {
		zeros++
	}
	return (1<<zeros - 1) + r.bits(zeros)
}

func (r *bitReader) se() int {
	v := r.ue()
	if v%2 == 1 {
		return int(v+1) / 2
	}
	return -int(v / 2)
}

// h264Size reads the picture size from an SPS NAL unit (ITU-T H.264
// §7.3.2.1.1). It reports false for an SPS it cannot read (scaling
// matrices, which WebRTC encoders do not send).
func h264Size(sps []byte) (width, height int, ok bool) {
	if len(sps) < 4 {
		return 0, 0, false
	}
	rbsp := bytes.ReplaceAll(sps[1:], []byte{0, 0, 3}, []byte{0, 0})
	r := &bitReader{b: rbsp}
	profile := r.bits(8)
	r.bits(16) // constraint flags, level
	r.ue()     // seq_parameter_set_id
	chroma := uint(1)
	switch profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		if chroma = r.ue(); chroma == 3 {
			r.bit()
		}
		r.ue()
		r.ue()
		r.bit()
		if r.bit() == 1 { // seq_scaling_matrix_present_flag
			return 0, 0, false
		}
	}
	r.ue() // log2_max_frame_num_minus4
	switch r.ue() {
	case 0:
		r.ue()
	case 1:
		r.bit()
		r.se()
		r.se()
		for range r.ue() {
			r.se()
		}
	}
	r.ue()
	r.bit()
	wMbs, hMaps := r.ue()+1, r.ue()+1
	frameMbsOnly := r.bit()
	if frameMbsOnly == 0 {
		r.bit()
	}
	r.bit()
	var cl, cr, ct, cb uint
	if r.bit() == 1 {
		cl, cr, ct, cb = r.ue(), r.ue(), r.ue(), r.ue()
	}
	if r.err {
		return 0, 0, false
	}
	cropX, cropY := uint(2), uint(2)*(2-frameMbsOnly)
	if chroma == 0 || chroma == 3 {
		cropX, cropY = 1, 2-frameMbsOnly
	}
	width = int(wMbs*16 - (cl+cr)*cropX)
	height = int((2-frameMbsOnly)*hMaps*16 - (ct+cb)*cropY)
	return width, height, width > 0 && height > 0
}

// trackSpec returns the Matroska track of a recorded track.
func trackSpec(number uint64, t *trackState) webm.Track {
	w := webm.Track{Number: number, CodecID: t.codec.codecID}
	if t.codec.video {
		w.Kind, w.Width, w.Height = webm.Video, t.width, t.height
		if t.codec.name == "H264" {
			w.CodecPrivate = webm.AVCC(t.sps, t.pps)
		}
		return w
	}
	w.Kind, w.SampleRate, w.Channels = webm.Audio, 48000, 2
	return w
}
