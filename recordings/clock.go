package recordings

import (
	"time"
)

// ntpEpochOffset is the number of seconds from 1900 (NTP's epoch) to 1970.
const ntpEpochOffset = 2208988800

// ntpTime converts an NTP timestamp (RTCP sender reports) to a time.
func ntpTime(ntp uint64) time.Time {
	secs := int64(ntp>>32) - ntpEpochOffset
	frac := (ntp & 0xffffffff) * 1_000_000_000 >> 32
	return time.Unix(secs, int64(frac))
}

// senderClock maps one participant's sender clock (the NTP times in its
// sender reports) to the server's: offset is the least (arrival − sender
// time) seen, the sender's clock error plus the shortest network delay. One
// offset per participant keeps its audio and video aligned with each other
// (both are stamped by one clock) and anchors them on the server's timeline
// with the other participants'.
type senderClock struct {
	known  bool
	offset time.Duration
}

func (c *senderClock) observe(sender, arrival time.Time) {
	d := arrival.Sub(sender)
	if !c.known || d < c.offset {
		c.offset, c.known = d, true
	}
}

// rtpClock turns one track's RTP timestamps into server wall-clock times.
// Timestamps are unwrapped into a 64-bit count, so a 32-bit wrap is just a
// larger number. Until the track's first sender report the mapping is
// anchored at the packet that arrived with the least delay (the first
// packet, moved earlier by any later one that came sooner for its time: a
// first packet a busy machine held up would put the track ahead of the
// others); after it, at the report's NTP time translated by the
// participant's senderClock.
type rtpClock struct {
	rate float64 // ticks per second

	started bool
	last    uint32 // last timestamp seen
	ext     int64  // its unwrapped value

	anchorExt  int64 // the first packet's unwrapped timestamp
	anchorWall time.Time

	srKnown bool
	srExt   int64     // the last report's RTP time, unwrapped
	srWall  time.Time // its NTP time, on the sender's clock
}

func newRTPClock(rate uint32) *rtpClock {
	if rate == 0 {
		rate = 90000
	}
	return &rtpClock{rate: float64(rate)}
}

// unwrap returns ts as an unwrapped 64-bit timestamp near the last one seen.
func (c *rtpClock) unwrap(ts uint32) int64 {
	if !c.started {
		c.started, c.last, c.ext = true, ts, int64(ts)
		return c.ext
	}
	e := c.ext + int64(int32(ts-c.last))
	if e > c.ext {
		c.last, c.ext = ts, e
	}
	return e
}

// packet notes a packet with timestamp ts that arrived at at.
func (c *rtpClock) packet(ts uint32, at time.Time) {
	e := c.unwrap(ts)
	if c.anchorWall.IsZero() {
		c.anchorExt, c.anchorWall = e, at
		return
	}
	if w := at.Add(-c.since(c.anchorExt, e)); w.Before(c.anchorWall) {
		c.anchorWall = w // it came sooner for its time than the anchor did
	}
}

// report notes a sender report: RTP time rtpTS is sender time ntp.
func (c *rtpClock) report(rtpTS uint32, sender time.Time) {
	if !c.started {
		return // a report before any packet: nothing to unwrap against
	}
	c.srExt, c.srWall, c.srKnown = c.unwrap(rtpTS), sender, true
}

// wall returns the server time of unwrapped timestamp ext.
func (c *rtpClock) wall(ext int64, sc *senderClock) time.Time {
	if c.srKnown && sc.known {
		return c.srWall.Add(c.since(c.srExt, ext) + sc.offset)
	}
	return c.anchorWall.Add(c.since(c.anchorExt, ext))
}

func (c *rtpClock) since(from, to int64) time.Duration {
	return time.Duration(float64(to-from) / c.rate * float64(time.Second))
}
