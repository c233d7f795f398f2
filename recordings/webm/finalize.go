package webm

import (
	"fmt"
	"os"
)

// seekRegionLen is the room kept at the start of the Segment for the SeekHead
// (the rest is a Void); durationSlotLen is the room kept in Info for Duration.
const (
	seekRegionLen   = 128
	durationSlotLen = 11
)

// segment locates the parts of a file that finalising patches.
type segment struct {
	sizePos     int64 // the 8-byte Segment size field
	data        int64 // first byte of the Segment body; positions are relative to it
	seekPos     int64 // the SeekHead region
	seekLen     int
	infoPos     int64
	tracksPos   int64
	durationPos int64 // the Duration slot inside Info
}

// clusterInfo summarises one Cluster for the Cues.
type clusterInfo struct {
	pos   int64  // absolute offset of the Cluster element
	ts    int64  // Cluster Timecode, ms
	first uint64 // track of its first block
	key   bool   // whether its first block is a keyframe
}

// trackStat counts a track's blocks and remembers its last two timestamps (ms).
type trackStat struct {
	blocks     int
	last, prev int64
}

// add records one block at ts.
func (s *trackStat) add(ts int64) {
	s.blocks++
	s.prev, s.last = s.last, ts
}

// durationMs estimates a recording's duration: the latest block's time plus
// that track's last frame interval (capped at 250 ms).
func durationMs(stats map[uint64]*trackStat) float64 {
	var d int64
	for _, s := range stats {
		if s.blocks == 0 {
			continue
		}
		end := s.last
		if s.blocks >= 2 {
			end += min(s.last-s.prev, 250)
		}
		d = max(d, end)
	}
	return float64(d)
}

// seekEntry is one SeekHead entry: an element ID and its Segment-relative position.
type seekEntry struct {
	id  uint32
	pos int64
}

// buildSeekRegion returns a SeekHead for entries padded with a Void to exactly n bytes.
func buildSeekRegion(entries []seekEntry, n int) ([]byte, error) {
	var body []byte
	for _, e := range entries {
		var s []byte
		s = appendBytes(s, idSeekID, appendID(nil, e.id))
		s = appendUint(s, idSeekPosition, uint64(e.pos))
		body = appendBytes(body, idSeek, s)
	}
	for w := sizeLen(uint64(len(body))); w <= 8; w++ {
		rest := n - (4 + w + len(body))
		if rest == 0 || rest >= 2 {
			b := make([]byte, 0, n)
			b = appendID(b, idSeekHead)
			b = appendSizeN(b, uint64(len(body)), w)
			b = append(b, body...)
			if rest > 0 {
				b = appendVoid(b, rest)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("webm: SeekHead of %d bytes does not fit in %d", len(body), n)
}

// buildCues returns the Cues element: a CuePoint for every cluster that a
// video keyframe starts, or for every cluster when there is no video track
// (or no such cluster). It returns nil when there are no clusters.
func buildCues(s segment, tracks []Track, clusters []clusterInfo) []byte {
	var video uint64
	for _, t := range tracks {
		if t.Kind == Video {
			video = t.Number
		}
	}
	var body []byte
	add := func(c clusterInfo) {
		var p []byte
		p = appendUint(p, idCueTrack, c.first)
		p = appendUint(p, idCueClusterPosition, uint64(c.pos-s.data))
		var cp []byte
		cp = appendUint(cp, idCueTime, uint64(c.ts))
		cp = appendBytes(cp, idCueTrackPositions, p)
		body = appendBytes(body, idCuePoint, cp)
	}
	for _, c := range clusters {
		if video == 0 || (c.first == video && c.key) {
			add(c)
		}
	}
	if body == nil {
		for _, c := range clusters {
			add(c)
		}
	}
	if body == nil {
		return nil
	}
	return appendBytes(nil, idCues, body)
}

// finalize makes the file f seekable: it writes the Cues at end (dropping
// anything after), the Duration, the SeekHead and, last, the Segment size,
// which marks the file as finalised. It fsyncs before and after that mark.
func finalize(f *os.File, s segment, end int64, tracks []Track, clusters []clusterInfo, stats map[uint64]*trackStat) error {
	entries := []seekEntry{{idInfo, s.infoPos - s.data}, {idTracks, s.tracksPos - s.data}}
	cues := buildCues(s, tracks, clusters)
	if cues != nil {
		if _, err := f.WriteAt(cues, end); err != nil {
			return fmt.Errorf("webm: write cues: %w", err)
		}
		entries = append(entries, seekEntry{idCues, end - s.data})
	}
	total := end + int64(len(cues))
	if err := f.Truncate(total); err != nil {
		return fmt.Errorf("webm: truncate: %w", err)
	}
	if d := durationMs(stats); d > 0 {
		if _, err := f.WriteAt(appendFloat(nil, idDuration, d), s.durationPos); err != nil {
			return fmt.Errorf("webm: write duration: %w", err)
		}
	}
	region, err := buildSeekRegion(entries, s.seekLen)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(region, s.seekPos); err != nil {
		return fmt.Errorf("webm: write seek head: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("webm: sync: %w", err)
	}
	if _, err := f.WriteAt(appendSizeN(nil, uint64(total-s.data), 8), s.sizePos); err != nil {
		return fmt.Errorf("webm: write segment size: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("webm: sync: %w", err)
	}
	return nil
}
