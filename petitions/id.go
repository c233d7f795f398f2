package petitions

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"
)

// NewID returns a UUID version 7 (RFC 9562) made at at: 48 bits of Unix
// milliseconds, then 74 random bits. Ids sort by time to the millisecond,
// so a new row lands at the right edge of every index keyed by its id — a
// few hot pages rather than one random page per index, which took a case's
// registration on SQLite at 100,000 cases from ≈ 200 to over 1,000 a
// second — and Store.Sessions pages in roughly chronological order.
func NewID(at time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(errors.Join(errors.New("petitions: no randomness"), err))
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	copy(b[:6], ms[2:])
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
