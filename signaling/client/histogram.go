package client

import (
	"math/bits"
	"time"
)

// histSub is the number of buckets per power of two: values are kept to
// within 1/histSub (12.5%).
const (
	histSubBits = 3
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits + 1) * histSub
)

// Histogram records durations in fixed memory (about 4 KiB): exact count,
// sum, minimum and maximum, and log-linear buckets 12.5% wide for
// quantiles. The zero value is empty and ready. It is not safe for
// concurrent use; the client hands out copies.
type Histogram struct {
	count    uint64
	sum      time.Duration
	min, max time.Duration
	buckets  [histBuckets]uint64
}

func histIndex(v uint64) int {
	if v < histSub {
		return int(v)
	}
	e := bits.Len64(v) - 1 // position of the top bit, >= histSubBits
	return (e-histSubBits+1)*histSub + int(v>>(e-histSubBits))&(histSub-1)
}

// histUpper returns the largest value that falls in bucket i.
func histUpper(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	e := i/histSub + histSubBits - 1
	mant := uint64(histSub + i%histSub)
	return (mant+1)<<(e-histSubBits) - 1
}

// Add records one duration; negative ones count as zero.
func (h *Histogram) Add(d time.Duration) {
	d = max(d, 0)
	if h.count == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.count++
	h.sum += d
	h.buckets[histIndex(uint64(d))]++
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.count += o.count
	h.sum += o.sum
	for i, n := range o.buckets {
		h.buckets[i] += n
	}
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.count }

// Min and Max return the extremes (zero when empty).
func (h *Histogram) Min() time.Duration { return h.min }

// Max returns the largest value recorded (zero when empty).
func (h *Histogram) Max() time.Duration { return h.max }

// Mean returns the average (zero when empty).
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return h.sum / time.Duration(h.count)
}

// Quantile returns an upper bound, within 12.5%, of the q-quantile
// (0 ≤ q ≤ 1), never above Max. It returns zero when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := uint64(q*float64(h.count) + 0.5)
	rank = min(max(rank, 1), h.count)
	var seen uint64
	for i, n := range h.buckets {
		seen += n
		if seen >= rank {
			return min(time.Duration(histUpper(i)), h.max)
		}
	}
	return h.max
}
