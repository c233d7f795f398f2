package webm

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Repair finalises a recording that Create started and a crash cut short. It
// keeps every complete Cluster and, of a Cluster cut short, every complete
// block; it drops what follows, then writes the Cues, the Duration, the
// SeekHead and the Segment size as Close does. A finalised file is left as it
// is. Repair returns the Info of the result, or an error wrapping ErrNotOurs
// for a file this package did not write.
func Repair(path string) (Info, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return Info{}, fmt.Errorf("webm: repair: %w", err)
	}
	defer f.Close()
	s, err := scanFile(f, nil)
	if err != nil {
		return Info{}, err
	}
	if s.finalized() {
		return s.info(), nil
	}
	if s.segSizeLen != 8 || s.seg.seekPos == 0 || s.seg.seekLen < 80 || s.seg.durationPos == 0 || s.seg.tracksPos == 0 {
		return Info{}, fmt.Errorf("%w: unexpected layout", ErrNotOurs)
	}
	if s.partial != nil {
		if err := s.salvage(f, *s.partial); err != nil {
			return Info{}, err
		}
	}
	if err := finalize(f, s.seg, s.keep, s.tracks, s.clusters, s.stats); err != nil {
		return Info{}, err
	}
	s, err = scanFile(f, nil)
	if err != nil {
		return Info{}, err
	}
	return s.info(), nil
}

// salvage keeps the complete blocks of the Cluster h that the end of the
// file cut short, giving it its shortened size; without any, it is dropped.
func (s *scan) salvage(f *os.File, h header) error {
	n := min(s.fileSize-h.data, maxClusterBody)
	body := make([]byte, n)
	if _, err := f.ReadAt(body, h.data); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("webm: read cluster at %d: %w", h.pos, err)
	}
	ci := clusterInfo{pos: h.pos}
	saved := s.stats
	s.stats = cloneStats(saved)
	used, blocks, err := s.parseCluster(body, h.data, &ci)
	if err != nil && !errors.Is(err, errShort) {
		s.stats = saved
		return nil // a damaged tail: drop the whole cluster
	}
	if blocks == 0 {
		s.stats = saved
		return nil
	}
	size := appendSizeN(nil, uint64(used), h.sizeLen)
	if _, err := f.WriteAt(size, h.data-int64(h.sizeLen)); err != nil {
		return fmt.Errorf("webm: resize cluster at %d: %w", h.pos, err)
	}
	s.clusters = append(s.clusters, ci)
	s.keep = h.data + int64(used)
	return nil
}

// cloneStats copies track stats so a failed parse can be undone.
func cloneStats(in map[uint64]*trackStat) map[uint64]*trackStat {
	out := make(map[uint64]*trackStat, len(in))
	for k, v := range in {
		c := *v
		out[k] = &c
	}
	return out
}
