package webm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ErrNotOurs is returned for a file that is not a recording this package
// can read or repair: no EBML header, no Segment, no Tracks, or a layout
// Create does not write.
var ErrNotOurs = errors.New("webm: not a recording written by this package")

// maxBody bounds the elements read into memory whole.
const (
	maxHeadBody    = 1 << 20
	maxClusterBody = 256 << 20
)

// Info describes a recording.
type Info struct {
	DocType   string
	Tracks    []Track
	Duration  time.Duration // the Duration element, or estimated from the blocks
	Blocks    map[uint64]int
	Clusters  int  // complete clusters
	CuePoints int  // 0 when the file has no Cues
	Finalized bool // whether Close or Repair completed (the Segment has its size)
}

// scan is what reading a file's structure found.
type scan struct {
	docType     string
	seg         segment
	segSizeLen  int
	segSize     int64
	fileSize    int64
	tracks      []Track
	duration    float64
	hasDuration bool
	clusters    []clusterInfo
	stats       map[uint64]*trackStat
	cuePoints   int
	keep        int64   // end of the last complete Cluster, or of Tracks
	partial     *header // a Cluster cut short by the end of the file

	onBlock func(track uint64, ts int64, key bool) // tests watch the blocks with it
}

// Probe reads the structure of the recording at path without changing it.
func Probe(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("webm: probe: %w", err)
	}
	defer f.Close()
	s, err := scanFile(f, nil)
	if err != nil {
		return Info{}, err
	}
	return s.info(), nil
}

// finalized reports whether the Segment has a size that fits in the file.
func (s *scan) finalized() bool {
	return s.segSize != unknownSize && s.seg.data+s.segSize <= s.fileSize
}

// info summarises the scan.
func (s *scan) info() Info {
	in := Info{
		DocType:   s.docType,
		Tracks:    s.tracks,
		Blocks:    map[uint64]int{},
		Clusters:  len(s.clusters),
		CuePoints: s.cuePoints,
		Finalized: s.finalized(),
	}
	d := s.duration
	if !s.hasDuration {
		d = durationMs(s.stats)
	}
	in.Duration = time.Duration(d * float64(time.Millisecond))
	for n, st := range s.stats {
		in.Blocks[n] = st.blocks
	}
	return in
}

// readBody reads the body of h, which must be complete and at most limit bytes.
func readBody(r io.ReaderAt, h header, limit int64) ([]byte, error) {
	if h.size > limit {
		return nil, fmt.Errorf("webm: element %#x of %d bytes is too large", h.id, h.size)
	}
	b := make([]byte, h.size)
	if _, err := r.ReadAt(b, h.data); err != nil {
		return nil, fmt.Errorf("webm: read element %#x at %d: %w", h.id, h.pos, err)
	}
	return b, nil
}

// scanFile reads the EBML header and walks the Segment's top-level elements;
// onBlock, if not nil, sees every block of the complete clusters.
func scanFile(f *os.File, onBlock func(track uint64, ts int64, key bool)) (*scan, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("webm: stat: %w", err)
	}
	s := &scan{fileSize: fi.Size(), stats: map[uint64]*trackStat{}, onBlock: onBlock}
	h, err := readHeader(f, 0, s.fileSize)
	if err != nil || h.id != idEBML || h.size == unknownSize || h.end() > s.fileSize {
		return nil, fmt.Errorf("%w: no EBML header", ErrNotOurs)
	}
	body, err := readBody(f, h, maxHeadBody)
	if err != nil {
		return nil, err
	}
	children(body, h.data, func(c header, d []byte) error {
		if c.id == idDocType {
			s.docType = string(d)
		}
		return nil
	})
	if s.docType != "webm" && s.docType != "matroska" {
		return nil, fmt.Errorf("%w: DocType %q", ErrNotOurs, s.docType)
	}
	sh, err := readHeader(f, h.end(), s.fileSize)
	if err != nil || sh.id != idSegment {
		return nil, fmt.Errorf("%w: no Segment", ErrNotOurs)
	}
	s.seg.sizePos, s.seg.data, s.segSizeLen, s.segSize = sh.pos+4, sh.data, sh.sizeLen, sh.size
	end := s.fileSize
	if s.finalized() {
		end = s.seg.data + s.segSize
	}
	if err := s.walk(f, end); err != nil {
		return nil, err
	}
	if len(s.tracks) == 0 {
		return nil, fmt.Errorf("%w: no Tracks", ErrNotOurs)
	}
	if s.seg.seekPos != 0 && s.seg.infoPos > s.seg.seekPos {
		s.seg.seekLen = int(s.seg.infoPos - s.seg.seekPos)
	}
	return s, nil
}

// walk visits the Segment's children up to end, stopping at a truncated one.
func (s *scan) walk(f *os.File, end int64) error {
	for pos := s.seg.data; pos < end; {
		h, err := readHeader(f, pos, end)
		if errors.Is(err, errShort) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.size == unknownSize {
			if h.id == idCluster {
				return fmt.Errorf("%w: Cluster of unknown size at %d", ErrNotOurs, pos)
			}
			return nil
		}
		if h.end() > end {
			if h.id == idCluster {
				s.partial = &h
			}
			return nil
		}
		if err := s.element(f, h); err != nil {
			return err
		}
		pos = h.end()
	}
	return nil
}

// element records what one complete top-level element tells.
func (s *scan) element(f *os.File, h header) error {
	switch h.id {
	case idSeekHead:
		if h.pos == s.seg.data {
			s.seg.seekPos = h.pos
		}
	case idInfo:
		body, err := readBody(f, h, maxHeadBody)
		if err != nil {
			return err
		}
		s.seg.infoPos = h.pos
		return s.parseInfo(body, h.data)
	case idTracks:
		body, err := readBody(f, h, maxHeadBody)
		if err != nil {
			return err
		}
		s.seg.tracksPos, s.keep = h.pos, h.end()
		return children(body, h.data, func(c header, d []byte) error {
			if c.id != idTrackEntry {
				return nil
			}
			t, err := parseTrackEntry(d, c.data)
			if err == nil {
				s.tracks = append(s.tracks, t)
				s.stats[t.Number] = &trackStat{}
			}
			return err
		})
	case idCluster:
		body, err := readBody(f, h, maxClusterBody)
		if err != nil {
			return err
		}
		ci := clusterInfo{pos: h.pos}
		if _, _, err := s.parseCluster(body, h.data, &ci); err != nil {
			return fmt.Errorf("webm: cluster at %d: %w", h.pos, err)
		}
		s.clusters, s.keep = append(s.clusters, ci), h.end()
	case idCues:
		body, err := readBody(f, h, maxClusterBody)
		if err != nil {
			return err
		}
		return children(body, h.data, func(c header, _ []byte) error {
			if c.id == idCuePoint {
				s.cuePoints++
			}
			return nil
		})
	}
	return nil
}

// parseInfo reads the TimecodeScale, the Duration and where its slot is.
func (s *scan) parseInfo(body []byte, base int64) error {
	return children(body, base, func(c header, d []byte) error {
		switch {
		case c.id == idTimecodeScale && decodeUint(d) != 1_000_000:
			return fmt.Errorf("%w: TimecodeScale %d", ErrNotOurs, decodeUint(d))
		case c.id == idDuration:
			s.duration, s.hasDuration = decodeFloat(d), true
			if c.end()-c.pos == durationSlotLen {
				s.seg.durationPos = c.pos
			}
		case c.id == idVoid && c.end()-c.pos == durationSlotLen:
			s.seg.durationPos = c.pos
		}
		return nil
	})
}

// parseCluster reads a Cluster body into ci and the track stats. It returns
// how many bytes of body hold complete children and how many blocks they
// have; a truncated child ends it with errShort.
func (s *scan) parseCluster(body []byte, base int64, ci *clusterInfo) (used, blocks int, err error) {
	for used < len(body) {
		h, err := parseHeader(body[used:], base+int64(used))
		if err != nil {
			return used, blocks, err
		}
		start := int(h.data - base)
		if h.size == unknownSize || int64(start)+h.size > int64(len(body)) {
			return used, blocks, errShort
		}
		d := body[start : start+int(h.size)]
		switch h.id {
		case idTimecode:
			ci.ts = int64(decodeUint(d))
		case idSimpleBlock:
			if err := s.block(d, ci, blocks == 0, true); err != nil {
				return used, blocks, err
			}
			blocks++
		case idBlockGroup:
			err := children(d, h.data, func(c header, bd []byte) error {
				if c.id != idBlock {
					return nil
				}
				blocks++
				return s.block(bd, ci, blocks == 1, false)
			})
			if err != nil {
				return used, blocks, err
			}
		}
		used = start + int(h.size)
	}
	return used, blocks, nil
}

// block records one (Simple)Block body of the cluster ci.
func (s *scan) block(d []byte, ci *clusterInfo, first, simple bool) error {
	track, n, err := readSize(d)
	if err != nil || track <= 0 || len(d) < n+3 {
		return fmt.Errorf("webm: bad block header")
	}
	rel := int64(int16(uint16(d[n])<<8 | uint16(d[n+1])))
	if first {
		ci.first, ci.key = uint64(track), simple && d[n+2]&0x80 != 0
	}
	st := s.stats[uint64(track)]
	if st == nil {
		return fmt.Errorf("webm: block of unknown track %d", track)
	}
	st.add(ci.ts + rel)
	if s.onBlock != nil {
		s.onBlock(uint64(track), ci.ts+rel, d[n+2]&0x80 != 0)
	}
	return nil
}
