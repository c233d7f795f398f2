package recordings

import (
	"testing"
	"time"
)

// TestRTPClockWraps: a timestamp that wraps past 2^32 keeps counting up, so
// a long recording never jumps back and needs no cut.
func TestRTPClockWraps(t *testing.T) {
	c := newRTPClock(90000)
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	start := uint32(0xffff_0000)
	c.packet(start, base)
	var sc senderClock
	for i, ts := range []uint32{start + 45000, start + 90000, 0x0000_5000} {
		ext := c.unwrap(ts)
		want := base.Add(time.Duration(float64(uint32(ts-start)) / 90000 * float64(time.Second)))
		if got := c.wall(ext, &sc); !got.Equal(want) {
			t.Errorf("step %d: timestamp %#x at %v, want %v", i, ts, got, want)
		}
	}
	// A late packet from before the wrap maps to before it.
	if got := c.wall(c.unwrap(start+90000), &sc); !got.Equal(base.Add(time.Second)) {
		t.Errorf("a late packet at %v", got)
	}
}

// TestSenderClockAligns: with sender reports, a track's times follow the
// sender's clock shifted by the least (arrival − sender) seen.
func TestSenderClockAligns(t *testing.T) {
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var sc senderClock
	sc.observe(base.Add(7*time.Second), base.Add(40*time.Millisecond)) // the sender's clock is 7 s ahead
	sc.observe(base.Add(8*time.Second), base.Add(time.Second+20*time.Millisecond))
	c := newRTPClock(48000)
	c.packet(1000, base.Add(300*time.Millisecond)) // arrived late: the anchor alone would be wrong by 300 ms
	c.report(1000, base.Add(7*time.Second))
	if got, want := c.wall(c.unwrap(1000+48000), &sc), base.Add(time.Second+20*time.Millisecond); !got.Equal(want) {
		t.Errorf("wall %v, want %v", got, want)
	}
	if got := ntpTime(uint64(2208988800+10)<<32 | 1<<31); !got.Equal(time.Unix(10, 500_000_000)) {
		t.Errorf("ntpTime %v", got)
	}
}

// TestRTPClockLateFirstPacket: a first packet held up 1.5 s (a busy
// machine) does not put the track 1.5 s late: the next packets, on time,
// move the anchor back; a late packet afterwards moves nothing.
func TestRTPClockLateFirstPacket(t *testing.T) {
	c := newRTPClock(48000)
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	var sc senderClock
	c.packet(1000, base.Add(1500*time.Millisecond))
	c.packet(1000+960, base.Add(20*time.Millisecond))
	c.packet(1000+1920, base.Add(45*time.Millisecond)) // 5 ms of jitter
	c.packet(1000+2880, base.Add(900*time.Millisecond))
	if got := c.wall(c.unwrap(1000), &sc); !got.Equal(base) {
		t.Errorf("the first packet at %v, want %v", got, base)
	}
	if got, want := c.wall(c.unwrap(1000+48000), &sc), base.Add(time.Second); !got.Equal(want) {
		t.Errorf("a second in at %v, want %v", got, want)
	}
}
