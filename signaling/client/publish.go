package client

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// published is one track this client sends.
type published struct {
	info        Track
	transceiver *webrtc.RTPTransceiver
	layers      []*pubLayer
}

// pubLayer is one simulcast layer (or the only one) of a published track.
type pubLayer struct {
	rid   string
	track *webrtc.TrackLocalStaticRTP
	write func(*rtp.Packet) error
	src   *Source
	plis  atomic.Uint64
	firs  atomic.Uint64
	errs  atomic.Uint64
	due   time.Time // owned by runMedia
}

// addPublished creates the local tracks of spec: one sendonly transceiver,
// with one encoding per simulcast rid.
func (c *Client) addPublished(spec TrackSpec) error {
	rids := spec.Simulcast
	if len(rids) == 0 {
		rids = []string{""}
	}
	capability := webrtc.RTPCodecCapability{MimeType: spec.Codec, ClockRate: 90000}
	switch kindOfCodec(spec.Codec) {
	case codecOpus:
		capability.ClockRate, capability.Channels = 48000, 2
	case codecH264:
		capability.SDPFmtpLine = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
	}
	p := &published{info: Track{
		ID: spec.ID, Stream: c.you.Identity, Participant: c.you.Identity,
		Kind: spec.Kind, Codec: spec.Codec, Layers: spec.Simulcast,
	}}
	for i, rid := range rids {
		var opts []func(*webrtc.TrackLocalStaticRTP)
		if rid != "" {
			opts = append(opts, webrtc.WithRTPStreamID(rid))
		}
		track, err := webrtc.NewTrackLocalStaticRTP(capability, spec.ID, c.you.Identity, opts...)
		if err != nil {
			return fmt.Errorf("client: track %s: %w", spec.ID, err)
		}
		// Lower layers: half the resolution and a quarter of the bytes per step.
		down := len(rids) - 1 - i
		cfg := SourceConfig{Codec: spec.Codec, Layer: i}
		if spec.Kind == "video" {
			cfg.KeyframeSize = orDefault(spec.KeyframeSize, DefaultKeyframeSize) >> (2 * down)
			cfg.InterframeSize = orDefault(spec.InterframeSize, DefaultInterframeSize) >> (2 * down)
			cfg.Width, cfg.Height = 640>>down, 480>>down
		}
		src, err := NewSource(cfg)
		if err != nil {
			return err
		}
		p.layers = append(p.layers, &pubLayer{rid: rid, track: track, write: track.WriteRTP, src: src})
	}
	tr, err := c.pc.AddTransceiverFromTrack(p.layers[0].track,
		webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return fmt.Errorf("client: add track %s: %w", spec.ID, err)
	}
	for _, l := range p.layers[1:] {
		if err := tr.Sender().AddEncoding(l.track); err != nil {
			return fmt.Errorf("client: add encoding %s of %s: %w", l.rid, spec.ID, err)
		}
	}
	p.transceiver = tr
	c.mu.Lock()
	c.pubs = append(c.pubs, p)
	c.mu.Unlock()
	return nil
}

// configureSimulcast makes every simulcast layer's packets carry the mid and
// rid header extensions, with the ids of the offer: a pion receiver (the
// SFU) identifies undeclared simulcast SSRCs by them alone, from the first
// packet on.
func (c *Client) configureSimulcast(offer string, pubs []*published) error {
	var parsed *sdp.SessionDescription
	for _, p := range pubs {
		if len(p.layers) < 2 {
			continue
		}
		if parsed == nil {
			parsed = &sdp.SessionDescription{}
			if err := parsed.UnmarshalString(offer); err != nil {
				return fmt.Errorf("client: parse own offer: %w", err)
			}
		}
		mid := p.transceiver.Mid()
		midID, ridID := extmapIDs(parsed, mid)
		if midID == 0 || ridID == 0 {
			return fmt.Errorf("client: offer lacks mid/rid extensions for mid %q", mid)
		}
		for _, l := range p.layers {
			if err := l.src.SetHeaderExtension(midID, []byte(mid)); err != nil {
				return fmt.Errorf("client: mid extension: %w", err)
			}
			if err := l.src.SetHeaderExtension(ridID, []byte(l.rid)); err != nil {
				return fmt.Errorf("client: rid extension: %w", err)
			}
		}
	}
	return nil
}

func extmapIDs(s *sdp.SessionDescription, mid string) (midID, ridID uint8) {
	for _, m := range s.MediaDescriptions {
		if v, _ := m.Attribute(sdp.AttrKeyMID); v != mid {
			continue
		}
		for _, a := range m.Attributes {
			if a.Key != sdp.AttrKeyExtMap {
				continue
			}
			idStr, uri, _ := strings.Cut(a.Value, " ")
			idStr, _, _ = strings.Cut(idStr, "/") // "3/sendonly"
			id, err := strconv.ParseUint(idStr, 10, 8)
			if err != nil {
				continue
			}
			switch strings.TrimSpace(uri) {
			case sdp.SDESMidURI:
				midID = uint8(id)
			case sdp.SDESRTPStreamIDURI:
				ridID = uint8(id)
			}
		}
	}
	return midID, ridID
}

// startRTCPReaders starts one goroutine per sent layer reading its RTCP:
// pion's interceptors need it read, and a PLI or FIR makes the next frame of
// that layer a keyframe. They end when the PeerConnection closes.
func (c *Client) startRTCPReaders(pubs []*published) {
	for _, p := range pubs {
		sender := p.transceiver.Sender()
		for _, l := range p.layers {
			read := func(b []byte) (int, error) {
				n, _, err := sender.Read(b)
				return n, err
			}
			if l.rid != "" {
				read = func(b []byte) (int, error) {
					n, _, err := sender.ReadSimulcast(b, l.rid)
					return n, err
				}
			}
			c.wg.Add(1)
			go c.readRTCP(l, read)
		}
	}
}

func (c *Client) readRTCP(l *pubLayer, read func([]byte) (int, error)) {
	defer c.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, err := read(buf)
		if err != nil {
			return
		}
		plis, firs := countKeyframeRequests(buf[:n])
		if plis+firs > 0 {
			l.plis.Add(uint64(plis))
			l.firs.Add(uint64(firs))
			l.src.RequestKeyframe()
		}
	}
}

// countKeyframeRequests counts the PLIs and FIRs in a compound RTCP packet
// without allocating.
func countKeyframeRequests(b []byte) (plis, firs int) {
	for len(b) >= 4 {
		format, pt := b[0]&0x1f, b[1]
		size := 4 * (int(binary.BigEndian.Uint16(b[2:])) + 1)
		switch {
		case pt == 206 && format == 1:
			plis++
		case pt == 206 && format == 4:
			firs++
		}
		if size > len(b) {
			break
		}
		b = b[size:]
	}
	return plis, firs
}

// StartMedia starts sending the synthetic media of every published track:
// one goroutine drives all of them. It returns at once; calling it again
// does nothing, and media stops when the session ends. Packets written
// before the PeerConnection is connected are dropped.
func (c *Client) StartMedia() {
	c.mediaOnce.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.mediaStarted = true
		c.runMediaLocked(c.pubs)
	})
}

// maxLag is how far behind schedule a layer may fall before frames are
// skipped rather than sent in a burst.
const maxLag = 250 * time.Millisecond

// runMediaLocked starts the media of pubs, with c.mu held.
func (c *Client) runMediaLocked(pubs []*published) {
	if len(pubs) == 0 || c.ended {
		return
	}
	c.wg.Add(1)
	go c.runMedia(slices.Clone(pubs))
}

func (c *Client) runMedia(pubs []*published) {
	defer c.wg.Done()
	var layers []*pubLayer
	start := time.Now()
	for _, p := range pubs {
		for _, l := range p.layers {
			l.due = start
			layers = append(layers, l)
		}
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		next := now.Add(time.Second)
		for _, l := range layers {
			if !now.Before(l.due) {
				iv := l.src.FrameInterval()
				if lag := now.Sub(l.due); lag > maxLag {
					n := int(lag / iv)
					l.src.SkipFrames(n)
					l.due = l.due.Add(time.Duration(n) * iv)
				}
				if err := l.src.WriteFrame(l.write); err != nil && l.errs.Add(1) == 1 {
					c.log.Debug("write media", "track", l.track.ID(), "rid", l.rid, "err", err)
				}
				l.due = l.due.Add(iv)
			}
			if l.due.Before(next) {
				next = l.due
			}
		}
		timer.Reset(time.Until(next))
	}
}

// SendStats describes one sent layer.
type SendStats struct {
	TrackID string
	RID     string // empty without simulcast
	Layer   int    // index in TrackSpec.Simulcast
	SourceStats
	PLIs, FIRs  uint64 // keyframe requests received
	WriteErrors uint64
}

// Sent returns the counters of every sent layer, in publishing order.
func (c *Client) Sent() []SendStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []SendStats
	for _, p := range c.pubs {
		for i, l := range p.layers {
			out = append(out, SendStats{
				TrackID: p.info.ID, RID: l.rid, Layer: i, SourceStats: l.src.Stats(),
				PLIs: l.plis.Load(), FIRs: l.firs.Load(), WriteErrors: l.errs.Load(),
			})
		}
	}
	return out
}

// Published returns the tracks this client publishes, with the ids it
// offered. The server announces them under ids of its own; OwnTracks
// returns those.
func (c *Client) Published() []Track {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Track, 0, len(c.pubs))
	for _, p := range c.pubs {
		out = append(out, p.info)
	}
	return out
}

// OwnTracks returns this client's tracks as the server announced them (with
// the room-wide ids that "mute" takes), sorted by id.
func (c *Client) OwnTracks() []Track {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Track, 0, len(c.own))
	for _, t := range c.own {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
