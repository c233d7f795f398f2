package webm

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// TrackKind says whether a track carries video or audio.
type TrackKind int

// The kinds of track a recording holds.
const (
	Video TrackKind = iota + 1
	Audio
)

// Codec IDs accepted by Create.
const (
	CodecVP8  = "V_VP8"
	CodecVP9  = "V_VP9"
	CodecH264 = "V_MPEG4/ISO/AVC"
	CodecOpus = "A_OPUS"
)

// Track describes one track of a recording.
type Track struct {
	Number       uint64 // 1, 2, … (at most 126)
	Kind         TrackKind
	CodecID      string // CodecVP8, CodecVP9, CodecH264 or CodecOpus
	CodecPrivate []byte // OpusHead for Opus (a default is built if nil); avcC for H.264 (see AVCC)
	Width        int    // video
	Height       int    // video
	SampleRate   float64
	Channels     int
}

// ErrInvalidTracks is returned by Create for a track list it cannot record.
var ErrInvalidTracks = errors.New("webm: invalid tracks")

// DocType reports the EBML DocType for tracks: "matroska" when a track is
// H.264 (which WebM does not allow), "webm" otherwise.
func DocType(tracks []Track) string {
	for _, t := range tracks {
		if t.CodecID == CodecH264 {
			return "matroska"
		}
	}
	return "webm"
}

// AVCC builds an AVCDecoderConfigurationRecord (the CodecPrivate of an H.264
// track) from one SPS and one PPS NAL unit, without start codes. It uses
// 4-byte NAL length prefixes, so frames must be written in that form.
func AVCC(sps, pps []byte) []byte {
	b := make([]byte, 0, 11+len(sps)+len(pps))
	var profile, compat, level byte
	if len(sps) >= 4 {
		profile, compat, level = sps[1], sps[2], sps[3]
	}
	b = append(b, 1, profile, compat, level, 0xFF, 0xE1)
	b = binary.BigEndian.AppendUint16(b, uint16(len(sps)))
	b = append(b, sps...)
	b = append(b, 1)
	b = binary.BigEndian.AppendUint16(b, uint16(len(pps)))
	return append(b, pps...)
}

// OpusHead builds the 19-byte OpusHead for channels at 48 kHz with a
// pre-skip of 0 samples (the default CodecPrivate of an Opus track).
func OpusHead(channels int) []byte {
	b := append([]byte("OpusHead"), 1, byte(channels))
	b = binary.LittleEndian.AppendUint16(b, 0) // pre-skip
	b = binary.LittleEndian.AppendUint32(b, 48000)
	b = binary.LittleEndian.AppendUint16(b, 0) // output gain
	return append(b, 0)                        // channel mapping family
}

// opusPreSkip reads the pre-skip of an OpusHead, 0 if it is too short.
func opusPreSkip(head []byte) uint16 {
	if len(head) < 12 {
		return 0
	}
	return binary.LittleEndian.Uint16(head[10:12])
}

// checkTracks validates tracks for Create and fills in defaults.
func checkTracks(tracks []Track) ([]Track, error) {
	if len(tracks) == 0 || len(tracks) > 2 {
		return nil, fmt.Errorf("%w: want one or two tracks, got %d", ErrInvalidTracks, len(tracks))
	}
	out := make([]Track, len(tracks))
	seen := map[TrackKind]bool{}
	for i, t := range tracks {
		if t.Number == 0 || t.Number > 126 {
			return nil, fmt.Errorf("%w: track number %d not in 1..126", ErrInvalidTracks, t.Number)
		}
		if i == 1 && t.Number == tracks[0].Number {
			return nil, fmt.Errorf("%w: duplicate track number %d", ErrInvalidTracks, t.Number)
		}
		if seen[t.Kind] {
			return nil, fmt.Errorf("%w: more than one track of kind %d", ErrInvalidTracks, t.Kind)
		}
		seen[t.Kind] = true
		switch {
		case t.Kind == Video && (t.CodecID == CodecVP8 || t.CodecID == CodecVP9 || t.CodecID == CodecH264):
			if t.Width <= 0 || t.Height <= 0 {
				return nil, fmt.Errorf("%w: video track %d needs a size", ErrInvalidTracks, t.Number)
			}
			if t.CodecID == CodecH264 && len(t.CodecPrivate) == 0 {
				return nil, fmt.Errorf("%w: H.264 track %d needs an avcC", ErrInvalidTracks, t.Number)
			}
		case t.Kind == Audio && t.CodecID == CodecOpus:
			if t.Channels <= 0 {
				t.Channels = 2
			}
			if t.SampleRate <= 0 {
				t.SampleRate = 48000
			}
			if t.CodecPrivate == nil {
				t.CodecPrivate = OpusHead(t.Channels)
			}
		default:
			return nil, fmt.Errorf("%w: track %d: kind %d with codec %q", ErrInvalidTracks, t.Number, t.Kind, t.CodecID)
		}
		t.CodecPrivate = append([]byte(nil), t.CodecPrivate...)
		out[i] = t
	}
	return out, nil
}

// appendTrackEntry appends the TrackEntry element describing t.
func appendTrackEntry(b []byte, t Track) []byte {
	var c []byte
	c = appendUint(c, idTrackNumber, t.Number)
	c = appendUint(c, idTrackUID, t.Number)
	c = appendUint(c, idTrackType, uint64(trackType(t.Kind)))
	c = appendUint(c, idFlagLacing, 0)
	c = appendBytes(c, idCodecID, []byte(t.CodecID))
	if len(t.CodecPrivate) > 0 {
		c = appendBytes(c, idCodecPrivate, t.CodecPrivate)
	}
	switch t.Kind {
	case Video:
		var v []byte
		v = appendUint(v, idPixelWidth, uint64(t.Width))
		v = appendUint(v, idPixelHeight, uint64(t.Height))
		c = appendBytes(c, idVideo, v)
	case Audio:
		if t.CodecID == CodecOpus {
			c = appendUint(c, idCodecDelay, uint64(opusPreSkip(t.CodecPrivate))*1e9/48000)
			c = appendUint(c, idSeekPreRoll, 80_000_000)
		}
		var a []byte
		a = appendFloat(a, idSamplingFrequency, t.SampleRate)
		a = appendUint(a, idChannels, uint64(t.Channels))
		c = appendBytes(c, idAudio, a)
	}
	return appendBytes(b, idTrackEntry, c)
}

// trackType maps a kind to the Matroska TrackType value.
func trackType(k TrackKind) int {
	if k == Audio {
		return 2
	}
	return 1
}

// parseTrackEntry decodes a TrackEntry body.
func parseTrackEntry(body []byte, base int64) (Track, error) {
	var t Track
	err := children(body, base, func(h header, d []byte) error {
		switch h.id {
		case idTrackNumber:
			t.Number = decodeUint(d)
		case idTrackType:
			switch decodeUint(d) {
			case 1:
				t.Kind = Video
			case 2:
				t.Kind = Audio
			}
		case idCodecID:
			t.CodecID = string(d)
		case idCodecPrivate:
			t.CodecPrivate = append([]byte(nil), d...)
		case idVideo:
			return children(d, h.data, func(h header, d []byte) error {
				switch h.id {
				case idPixelWidth:
					t.Width = int(decodeUint(d))
				case idPixelHeight:
					t.Height = int(decodeUint(d))
				}
				return nil
			})
		case idAudio:
			return children(d, h.data, func(h header, d []byte) error {
				switch h.id {
				case idSamplingFrequency:
					t.SampleRate = decodeFloat(d)
				case idChannels:
					t.Channels = int(decodeUint(d))
				}
				return nil
			})
		}
		return nil
	})
	return t, err
}
