// Package webm writes WebM/Matroska recordings that are seekable once closed,
// and finalises (Repair) a recording that a crash cut short.
//
// A file holds one video track (VP8, VP9 or H.264) and/or one Opus track.
// Clusters are buffered in memory and written whole, with their final size,
// as soon as they close, so a crash loses at most the open cluster and the
// frames still waiting to be interleaved (about 1–2 s).
package webm

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// MaxInterleave is how far frames of different tracks may arrive out of
// timestamp order. The writer holds frames back this long to sort them.
const MaxInterleave = time.Second

// Cluster limits: a video keyframe starts a new cluster once the open one is
// clusterMinAge old (any frame does, in audio-only files); any frame does once
// it is clusterMaxAge old or clusterMaxBytes large. clusterMaxAge bounds what
// a crash loses when keyframes are rare (WebRTC senders send them on request
// only), so it is 2 s rather than the 5 s muxers often use.
const (
	clusterMinAge   = 1000 // ms
	clusterMaxAge   = 2000 // ms
	clusterMaxBytes = 2 << 20
	maxRelative     = 32767 // ms, the int16 relative timecode of a block
)

// Errors returned by WriteFrame and Close.
var (
	ErrClosed       = errors.New("webm: writer closed")
	ErrUnknownTrack = errors.New("webm: unknown track")
	ErrOutOfOrder   = errors.New("webm: timestamp out of order")
	ErrEmptyFrame   = errors.New("webm: empty frame")
)

// frame is one frame waiting to be interleaved.
type frame struct {
	track uint64
	ts    time.Duration
	key   bool
	data  []byte
}

// trackState is what the writer knows about one track.
type trackState struct {
	Track
	lastIn time.Duration // latest timestamp accepted
	seen   bool
}

// Writer writes one recording. It is not safe for concurrent use.
type Writer struct {
	f        *os.File
	seg      segment
	tracks   []Track
	state    []*trackState
	stats    map[uint64]*trackStat
	hasVideo bool

	off      int64 // end of what has been written
	pending  []frame
	free     [][]byte
	maxSeen  time.Duration
	clusters []clusterInfo

	cl      []byte // the open cluster, header included
	clOpen  bool
	clTS    int64
	clFirst uint64
	clKey   bool
	clVideo bool // whether the open cluster holds a video keyframe

	err    error // sticky write error
	closed bool
}

// Create creates path (which must not exist, mode 0600) and writes the EBML
// header, the Segment (its size unknown until Close), room for the SeekHead,
// Info with room for Duration, and Tracks. The DocType is DocType(tracks).
func Create(path string, tracks []Track) (*Writer, error) {
	tracks, err := checkTracks(tracks)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("webm: create: %w", err)
	}
	w := &Writer{f: f, tracks: tracks, stats: map[uint64]*trackStat{}}
	for _, t := range tracks {
		w.state = append(w.state, &trackState{Track: t})
		w.stats[t.Number] = &trackStat{}
		w.hasVideo = w.hasVideo || t.Kind == Video
	}
	head := w.header(DocType(tracks))
	_, err = f.Write(head)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("webm: create: %w", err)
	}
	w.off = int64(len(head))
	return w, nil
}

// header builds everything before the first Cluster and fills in w.seg.
func (w *Writer) header(docType string) []byte {
	var e []byte
	e = appendUint(e, idEBMLVersion, 1)
	e = appendUint(e, idEBMLReadVersion, 1)
	e = appendUint(e, idEBMLMaxIDLength, 4)
	e = appendUint(e, idEBMLMaxSizeLength, 8)
	e = appendBytes(e, idDocType, []byte(docType))
	e = appendUint(e, idDocTypeVersion, 4)
	e = appendUint(e, idDocTypeReadVersion, 2)
	b := appendBytes(nil, idEBML, e)

	b = appendID(b, idSegment)
	w.seg.sizePos = int64(len(b))
	b = append(b, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	w.seg.data = int64(len(b))
	w.seg.seekPos, w.seg.seekLen = w.seg.data, seekRegionLen
	w.seg.infoPos = w.seg.data + seekRegionLen

	var info []byte
	info = appendUint(info, idTimecodeScale, 1_000_000)
	slot := len(info)
	info = appendVoid(info, durationSlotLen)
	info = appendBytes(info, idMuxingApp, []byte("hearingroom/webm"))
	info = appendBytes(info, idWritingApp, []byte("hearingroom"))
	infoEl := appendID(nil, idInfo)
	infoEl = appendSize(infoEl, uint64(len(info)))
	w.seg.durationPos = w.seg.infoPos + int64(len(infoEl)+slot)
	infoEl = append(infoEl, info...)
	w.seg.tracksPos = w.seg.infoPos + int64(len(infoEl))

	var tr []byte
	for _, t := range w.tracks {
		tr = appendTrackEntry(tr, t)
	}
	region, err := buildSeekRegion([]seekEntry{
		{idInfo, w.seg.infoPos - w.seg.data},
		{idTracks, w.seg.tracksPos - w.seg.data},
	}, seekRegionLen)
	if err != nil {
		panic(err) // two entries always fit
	}
	b = append(b, region...)
	b = append(b, infoEl...)
	return appendBytes(b, idTracks, tr)
}

// track returns the state of track n, nil if there is none.
func (w *Writer) track(n uint64) *trackState {
	for _, s := range w.state {
		if s.Number == n {
			return s
		}
	}
	return nil
}

// WriteFrame adds one frame of track at ts (time since the start, ≥ 0).
// Frames of one track must come in non-decreasing ts order; frames of
// different tracks may be out of order by up to MaxInterleave. Audio frames
// are always marked as keyframes. The frame is copied. A rejected frame
// leaves the file unchanged and returns ErrUnknownTrack, ErrOutOfOrder,
// ErrEmptyFrame or ErrClosed; after a write error every call returns it.
func (w *Writer) WriteFrame(track uint64, ts time.Duration, keyframe bool, frame []byte) error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	st := w.track(track)
	switch {
	case st == nil:
		return fmt.Errorf("%w: %d", ErrUnknownTrack, track)
	case len(frame) == 0:
		return ErrEmptyFrame
	case ts < 0:
		return fmt.Errorf("%w: negative timestamp %v", ErrOutOfOrder, ts)
	case st.seen && ts < st.lastIn:
		return fmt.Errorf("%w: track %d at %v after %v", ErrOutOfOrder, track, ts, st.lastIn)
	case ts < w.maxSeen-MaxInterleave:
		return fmt.Errorf("%w: track %d at %v more than %v before %v", ErrOutOfOrder, track, ts, MaxInterleave, w.maxSeen)
	}
	st.seen, st.lastIn = true, ts
	w.maxSeen = max(w.maxSeen, ts)
	w.insert(track, ts, keyframe || st.Kind == Audio, frame)
	return w.release(w.watermark())
}

// insert queues a copy of a frame in timestamp order: after frames of equal
// timestamp, except that a video keyframe goes before them so it can start
// the cluster.
func (w *Writer) insert(track uint64, ts time.Duration, key bool, data []byte) {
	first := key && w.track(track).Kind == Video
	var buf []byte
	if n := len(w.free); n > 0 {
		buf, w.free = w.free[n-1][:0], w.free[:n-1]
	}
	fr := frame{track: track, ts: ts, key: key, data: append(buf, data...)}
	i := len(w.pending)
	for i > 0 && (w.pending[i-1].ts > ts || first && w.pending[i-1].ts == ts) {
		i--
	}
	w.pending = append(w.pending, frame{})
	copy(w.pending[i+1:], w.pending[i:])
	w.pending[i] = fr
}

// watermark reports the time up to which no frame can still arrive earlier:
// each track's next frame comes no earlier than its last one, nor earlier
// than MaxInterleave before the latest frame.
func (w *Writer) watermark() time.Duration {
	floor := w.maxSeen - MaxInterleave
	wm := w.maxSeen
	for _, s := range w.state {
		b := floor
		if s.seen {
			b = max(s.lastIn, floor)
		}
		wm = min(wm, b)
	}
	return wm
}

// release moves the queued frames at or before wm into clusters.
func (w *Writer) release(wm time.Duration) error {
	n := 0
	for n < len(w.pending) && w.pending[n].ts <= wm {
		if err := w.addBlock(w.pending[n]); err != nil {
			return err
		}
		w.free = append(w.free, w.pending[n].data)
		n++
	}
	if n > 0 {
		rest := copy(w.pending, w.pending[n:])
		clear(w.pending[rest:])
		w.pending = w.pending[:rest]
	}
	return nil
}

// addBlock appends fr as a SimpleBlock, first closing the open cluster when fr
// should start a new one.
func (w *Writer) addBlock(fr frame) error {
	ms := int64(fr.ts / time.Millisecond)
	video := w.track(fr.track).Kind == Video
	if w.clOpen {
		age := ms - w.clTS
		start := age > maxRelative || age >= clusterMaxAge || len(w.cl) >= clusterMaxBytes
		if w.hasVideo {
			start = start || (video && fr.key && (age >= clusterMinAge || !w.clVideo))
		} else {
			start = start || age >= clusterMinAge
		}
		if start {
			if err := w.flushCluster(); err != nil {
				return err
			}
		}
	}
	if !w.clOpen {
		w.clOpen = true
		w.cl = appendID(w.cl[:0], idCluster)
		w.cl = append(w.cl, make([]byte, 8)...)
		w.cl = appendUint(w.cl, idTimecode, uint64(ms))
		w.clTS, w.clFirst, w.clKey, w.clVideo = ms, fr.track, fr.key, false
	}
	w.clVideo = w.clVideo || (video && fr.key)
	w.cl = appendID(w.cl, idSimpleBlock)
	w.cl = appendSize(w.cl, uint64(4+len(fr.data)))
	rel := ms - w.clTS
	flags := byte(0)
	if fr.key {
		flags = 0x80
	}
	w.cl = append(w.cl, 0x80|byte(fr.track), byte(rel>>8), byte(rel), flags)
	w.cl = append(w.cl, fr.data...)
	w.stats[fr.track].add(ms)
	return nil
}

// flushCluster writes the open cluster whole, with its final size.
func (w *Writer) flushCluster() error {
	if !w.clOpen {
		return nil
	}
	appendSizeN(w.cl[4:4], uint64(len(w.cl)-12), 8)
	if _, err := w.f.WriteAt(w.cl, w.off); err != nil {
		w.err = fmt.Errorf("webm: write cluster: %w", err)
		return w.err
	}
	w.clusters = append(w.clusters, clusterInfo{pos: w.off, ts: w.clTS, first: w.clFirst, key: w.clKey})
	w.off += int64(len(w.cl))
	w.cl, w.clOpen = w.cl[:0], false
	return nil
}

// Close writes the queued frames and the open cluster, then the Cues, the
// Duration, the SeekHead and the Segment size; it fsyncs and closes the file.
// A second Close returns ErrClosed.
func (w *Writer) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	err := w.err
	if err == nil {
		err = w.release(w.maxSeen)
	}
	if err == nil {
		err = w.flushCluster()
	}
	if err == nil {
		err = finalize(w.f, w.seg, w.off, w.tracks, w.clusters, w.stats)
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("webm: close: %w", cerr)
	}
	return err
}
