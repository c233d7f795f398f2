package webm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Element IDs used by this package, as defined by the EBML and Matroska
// specifications (IDs keep their length-marker bits).
const (
	idEBML               = 0x1A45DFA3
	idEBMLVersion        = 0x4286
	idEBMLReadVersion    = 0x42F7
	idEBMLMaxIDLength    = 0x42F2
	idEBMLMaxSizeLength  = 0x42F3
	idDocType            = 0x4282
	idDocTypeVersion     = 0x4287
	idDocTypeReadVersion = 0x4285
	idVoid               = 0xEC

	idSegment      = 0x18538067
	idSeekHead     = 0x114D9B74
	idSeek         = 0x4DBB
	idSeekID       = 0x53AB
	idSeekPosition = 0x53AC

	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idDuration      = 0x4489
	idMuxingApp     = 0x4D80
	idWritingApp    = 0x5741

	idTracks            = 0x1654AE6B
	idTrackEntry        = 0xAE
	idTrackNumber       = 0xD7
	idTrackUID          = 0x73C5
	idTrackType         = 0x83
	idFlagLacing        = 0x9C
	idCodecID           = 0x86
	idCodecPrivate      = 0x63A2
	idCodecDelay        = 0x56AA
	idSeekPreRoll       = 0x56BB
	idVideo             = 0xE0
	idPixelWidth        = 0xB0
	idPixelHeight       = 0xBA
	idAudio             = 0xE1
	idSamplingFrequency = 0xB5
	idChannels          = 0x9F

	idCluster     = 0x1F43B675
	idTimecode    = 0xE7
	idSimpleBlock = 0xA3
	idBlockGroup  = 0xA0
	idBlock       = 0xA1

	idCues               = 0x1C53BB6B
	idCuePoint           = 0xBB
	idCueTime            = 0xB3
	idCueTrackPositions  = 0xB7
	idCueTrack           = 0xF7
	idCueClusterPosition = 0xF1
)

// unknownSize is the value of an all-ones size field: "size unknown".
const unknownSize = -1

// errShort reports that an element header or body runs past the data at hand.
var errShort = errors.New("webm: element truncated")

// idLen reports how many bytes the element ID id occupies.
func idLen(id uint32) int {
	switch {
	case id < 1<<8:
		return 1
	case id < 1<<16:
		return 2
	case id < 1<<24:
		return 3
	}
	return 4
}

// appendID appends the bytes of an element ID.
func appendID(b []byte, id uint32) []byte {
	for i := idLen(id) - 1; i >= 0; i-- {
		b = append(b, byte(id>>(8*i)))
	}
	return b
}

// sizeLen reports the shortest length of a size vint holding n.
func sizeLen(n uint64) int {
	l := 1
	for l < 8 && n >= 1<<(7*l)-1 {
		l++
	}
	return l
}

// appendSizeN appends n as a size vint of exactly l bytes.
func appendSizeN(b []byte, n uint64, l int) []byte {
	v := n | 1<<(7*l)
	for i := l - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// appendSize appends n as the shortest size vint.
func appendSize(b []byte, n uint64) []byte { return appendSizeN(b, n, sizeLen(n)) }

// appendUint appends an unsigned-integer element in its shortest form.
func appendUint(b []byte, id uint32, v uint64) []byte {
	l := 1
	for l < 8 && v >= 1<<(8*l) {
		l++
	}
	b = appendID(b, id)
	b = append(b, 0x80|byte(l))
	for i := l - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// appendFloat appends an 8-byte float element.
func appendFloat(b []byte, id uint32, v float64) []byte {
	b = appendID(b, id)
	b = append(b, 0x88)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(v))
}

// appendBytes appends a binary or string element.
func appendBytes(b []byte, id uint32, data []byte) []byte {
	b = appendID(b, id)
	b = appendSize(b, uint64(len(data)))
	return append(b, data...)
}

// appendVoid appends a Void element of exactly n bytes in total (n ≥ 2).
func appendVoid(b []byte, n int) []byte {
	b = append(b, idVoid)
	if n-2 < 127 {
		b = appendSizeN(b, uint64(n-2), 1)
		return append(b, make([]byte, n-2)...)
	}
	b = appendSizeN(b, uint64(n-9), 8)
	return append(b, make([]byte, n-9)...)
}

// readID decodes an element ID at the start of b and returns it with its length.
func readID(b []byte) (uint32, int, error) {
	if len(b) == 0 {
		return 0, 0, errShort
	}
	l := vintLen(b[0])
	if l == 0 || l > 4 {
		return 0, 0, fmt.Errorf("webm: invalid element ID byte %#x", b[0])
	}
	if len(b) < l {
		return 0, 0, errShort
	}
	var id uint32
	for _, c := range b[:l] {
		id = id<<8 | uint32(c)
	}
	return id, l, nil
}

// readSize decodes a size vint at the start of b; unknownSize stands for all ones.
func readSize(b []byte) (int64, int, error) {
	if len(b) == 0 {
		return 0, 0, errShort
	}
	l := vintLen(b[0])
	if l == 0 {
		return 0, 0, fmt.Errorf("webm: invalid size byte %#x", b[0])
	}
	if len(b) < l {
		return 0, 0, errShort
	}
	v := uint64(b[0]) & (0xFF >> l)
	for _, c := range b[1:l] {
		v = v<<8 | uint64(c)
	}
	if v == 1<<(7*l)-1 {
		return unknownSize, l, nil
	}
	return int64(v), l, nil
}

// vintLen reports the length announced by the first byte of a vint, 0 if invalid.
func vintLen(c byte) int {
	for l := 1; l <= 8; l++ {
		if c&(0x80>>(l-1)) != 0 {
			return l
		}
	}
	return 0
}

// header is the start of one element: its ID, where it begins, where its body
// begins, and the body's size (unknownSize if not known).
type header struct {
	id        uint32
	pos, data int64
	sizeLen   int
	size      int64
}

// end reports where the element's body ends; it needs a known size.
func (h header) end() int64 { return h.data + h.size }

// readHeader reads the element header at pos of r; data past limit is not read.
func readHeader(r io.ReaderAt, pos, limit int64) (header, error) {
	var buf [12]byte
	n := int64(len(buf))
	if limit-pos < n {
		n = limit - pos
	}
	if n <= 0 {
		return header{}, errShort
	}
	got, err := r.ReadAt(buf[:n], pos)
	if err != nil && !errors.Is(err, io.EOF) {
		return header{}, fmt.Errorf("webm: read header at %d: %w", pos, err)
	}
	return parseHeader(buf[:got], pos)
}

// parseHeader decodes the element header at the start of b, which lies at pos.
func parseHeader(b []byte, pos int64) (header, error) {
	id, il, err := readID(b)
	if err != nil {
		return header{}, err
	}
	size, sl, err := readSize(b[il:])
	if err != nil {
		return header{}, err
	}
	return header{id: id, pos: pos, data: pos + int64(il+sl), sizeLen: sl, size: size}, nil
}

// children calls fn for each complete child element in body, which starts at
// file offset base; it stops at the first truncated element and returns errShort.
func children(body []byte, base int64, fn func(h header, data []byte) error) error {
	off := 0
	for off < len(body) {
		h, err := parseHeader(body[off:], base+int64(off))
		if err != nil {
			return err
		}
		start := int(h.data - base)
		if h.size == unknownSize || int64(start)+h.size > int64(len(body)) {
			return errShort
		}
		end := start + int(h.size)
		if err := fn(h, body[start:end]); err != nil {
			return err
		}
		off = end
	}
	return nil
}

// decodeUint decodes a big-endian unsigned integer element body.
func decodeUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// decodeFloat decodes a 4- or 8-byte float element body.
func decodeFloat(b []byte) float64 {
	switch len(b) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(b))
	}
	return 0
}
