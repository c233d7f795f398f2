package client

import (
	"slices"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// maxLayers bounds the layer indexes counted per track.
const maxLayers = 8

// TrackStats counts what arrived on one received track.
type TrackStats struct {
	Stream string // MediaStream id: the publisher's identity
	Track  string // MediaStreamTrack id
	Kind   string // "audio" or "video"
	Codec  string // MIME type

	Packets uint64
	Bytes   uint64 // RTP payload bytes, padding excluded
	// Frames counts the first packets of video frames and Keyframes those
	// of keyframes.
	Frames, Keyframes uint64
	// Tagged counts the packets with a synthetic tag; LayerPackets[i] those
	// tagged with layer i (its length is the highest layer seen plus one).
	Tagged       uint64
	LayerPackets []uint64
	// LastLayer is the layer of the last tagged packet, -1 before the first.
	LastLayer int
	// SSRCs lists the distinct SSRCs seen, in order of arrival.
	SSRCs []uint32
	// Lost counts sequence numbers skipped over, an estimate of loss;
	// OutOfOrder counts packets older than the newest one. A forwarder that
	// rewrites sequence numbers well keeps both at zero across layer
	// switches.
	Lost, OutOfOrder uint64
	// First and Last are the arrival times of the first and last packets.
	First, Last time.Time
	// MeanDelay and MaxDelay are the forwarding delays of tagged packets
	// (arrival minus the sender's tag).
	MeanDelay, MaxDelay time.Duration
}

// recvTrack accumulates one received track's stats. Its reader goroutine
// writes; snapshots read under mu.
type recvTrack struct {
	mu      sync.Mutex
	stats   TrackStats
	layers  [maxLayers]uint64
	nLayers int
	delays  Histogram
	lastSeq uint16
}

// onTrack starts a reader goroutine for a remote track.
func (c *Client) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	key := Key(t.StreamID(), t.ID())
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	rt := c.received[key]
	if rt == nil {
		rt = &recvTrack{stats: TrackStats{
			Stream: t.StreamID(), Track: t.ID(), Kind: t.Kind().String(),
			Codec: t.Codec().MimeType, LastLayer: -1,
		}}
		c.received[key] = rt
	}
	c.wg.Add(1)
	c.mu.Unlock()
	c.log.Debug("receiving track", "stream", t.StreamID(), "track", t.ID(),
		"codec", t.Codec().MimeType, "ssrc", uint32(t.SSRC()))
	go c.readTrack(t, rt)
}

// readTrack reads RTP from t into one reused buffer until the track ends.
func (c *Client) readTrack(t *webrtc.TrackRemote, rt *recvTrack) {
	defer c.wg.Done()
	kind := kindOfCodec(t.Codec().MimeType)
	buf := make([]byte, 1500)
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		info, err := parsePacket(kind, buf[:n])
		if err != nil {
			continue
		}
		now := time.Now()
		rt.mu.Lock()
		rt.add(&info, now)
		rt.mu.Unlock()
	}
}

func (rt *recvTrack) add(info *PacketInfo, now time.Time) {
	s := &rt.stats
	if s.Packets == 0 {
		s.First = now
	} else if d := int16(info.Seq - rt.lastSeq); d > 1 {
		s.Lost += uint64(d - 1)
	} else if d <= 0 {
		s.OutOfOrder++
	}
	if s.Packets == 0 || int16(info.Seq-rt.lastSeq) > 0 {
		rt.lastSeq = info.Seq
	}
	s.Packets++
	s.Bytes += uint64(info.PayloadLen)
	s.Last = now
	if info.FrameStart {
		s.Frames++
	}
	if info.Keyframe {
		s.Keyframes++
	}
	if !slices.Contains(s.SSRCs, info.SSRC) {
		s.SSRCs = append(s.SSRCs, info.SSRC)
	}
	if info.Tagged {
		s.Tagged++
		s.LastLayer = info.Tag.Layer
		if info.Tag.Layer < maxLayers {
			rt.layers[info.Tag.Layer]++
			rt.nLayers = max(rt.nLayers, info.Tag.Layer+1)
		}
		rt.delays.Add(now.Sub(processStart) - info.Tag.Sent)
	}
}

func (rt *recvTrack) snapshot() TrackStats {
	s := rt.stats
	s.SSRCs = slices.Clone(s.SSRCs)
	s.LayerPackets = slices.Clone(rt.layers[:rt.nLayers])
	s.MeanDelay, s.MaxDelay = rt.delays.Mean(), rt.delays.Max()
	return s
}

// Received returns the stats of every track received so far, by
// Key(stream, track). A track removed and added again keeps counting under
// its key.
func (c *Client) Received() map[string]TrackStats {
	c.mu.Lock()
	tracks := make(map[string]*recvTrack, len(c.received))
	for k, rt := range c.received {
		tracks[k] = rt
	}
	c.mu.Unlock()
	out := make(map[string]TrackStats, len(tracks))
	for k, rt := range tracks {
		rt.mu.Lock()
		out[k] = rt.snapshot()
		rt.mu.Unlock()
	}
	return out
}

// ReceivedFrom returns the stats of the track trackID published by identity
// (its stream id), and whether any of it arrived.
func (c *Client) ReceivedFrom(identity, trackID string) (TrackStats, bool) {
	c.mu.Lock()
	rt := c.received[Key(identity, trackID)]
	c.mu.Unlock()
	if rt == nil {
		return TrackStats{}, false
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.snapshot(), true
}

// Delays returns the forwarding delays (arrival time minus the tag's send
// time) of every tagged packet received since Dial or the last ResetDelays,
// over all tracks. Senders and receivers must share this process's clock:
// the delays are meaningful only between clients of one process.
func (c *Client) Delays() Histogram {
	var h Histogram
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rt := range c.received {
		rt.mu.Lock()
		h.Merge(&rt.delays)
		rt.mu.Unlock()
	}
	return h
}

// ResetDelays forgets the delays recorded so far (the per-track MeanDelay
// and MaxDelay included), to measure over a window.
func (c *Client) ResetDelays() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rt := range c.received {
		rt.mu.Lock()
		rt.delays = Histogram{}
		rt.mu.Unlock()
	}
}
