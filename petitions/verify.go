package petitions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// Verify's work is split the way the chain allows. Each event's Hash and
// CaseHash are links from the previous hashes the event itself stores, so
// canonicalising and hashing an event needs no other event: workers do it
// for whole batches at once, on every core. What needs the events before it
// (Seq continues, PrevHash is the last Hash, the case's tip) is a few
// comparisons, done by one goroutine that takes the batches in Seq order.
// The batches in flight are bounded, so memory still grows with the number
// of cases only.

// EventBatchScanner is implemented by a Store that can hand its history over
// in batches the caller keeps; VerifyStore uses it when the store has it.
type EventBatchScanner interface {
	// ScanEventBatches calls fn with the events with Seq >= fromSeq, in Seq
	// order, in consecutive non-empty batches. The batch is fn's: the store
	// never touches it again, and fn may keep it after it returns. If fn
	// returns an error, ScanEventBatches stops and returns that error
	// unchanged.
	ScanEventBatches(ctx context.Context, fromSeq int64, fn func([]Event) error) error
}

// verifyBatchLen is the most events in one batch of the verifier: Verify
// and a store without ScanEventBatches gather that many, a store's larger
// batch is cut.
const verifyBatchLen = 1024

// verifyBatch is a batch of events on its way through the verifier.
type verifyBatch struct {
	events []Event
	faults []linkFault   // what the worker found, in event order; only events with a fault
	done   chan struct{} // closed when faults is complete
}

// linkFault is what a worker found wrong in one event on its own: the
// event has no canonical content, or a stored link is not the one computed
// from its stored previous hash. Whether the fault is reported depends on
// what the sequential checks find first.
type linkFault struct {
	i        int    // the event's index in its batch
	err      error  // no canonical content
	hash     string // the Hash computed, if it is not the one stored
	caseHash string // the CaseHash computed, if it is not the one stored (events of a case only)
}

// verifyScan runs the verifier over the batches scan passes to emit, which
// it may keep. scan's error ends the verification after the batches
// emitted before it.
func verifyScan(scan func(emit func([]Event) error) error, objects ObjectChecker) (Report, error) {
	workers := runtime.GOMAXPROCS(0)
	// Batches in flight: enough for every worker to have one waiting while
	// the checker is on another; no more, so memory stays bounded (by
	// 2*workers*verifyBatchLen events, and the store batches they are in).
	inOrder := make(chan *verifyBatch, 2*workers)
	work := make(chan *verifyBatch, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			l := newLinker()
			for b := range work {
				b.faults = l.check(b.events)
				close(b.done)
			}
		})
	}
	var scanErr error
	go func() {
		defer close(work)
		defer close(inOrder)
		scanErr = scan(func(events []Event) error {
			// A store's batch goes in parts of verifyBatchLen, so that the
			// events in flight are as many whatever the store's batches.
			for len(events) > 0 {
				n := min(len(events), verifyBatchLen)
				b := &verifyBatch{events: events[:n:n], done: make(chan struct{})}
				inOrder <- b
				work <- b
				events = events[n:]
			}
			return nil
		})
	}()

	v := newVerifier(objects != nil)
	for b := range inOrder {
		<-b.done
		v.checkBatch(b)
	}
	wg.Wait()
	r := &v.report
	r.Cases = len(v.cases)
	r.LastHash = strings.Clone(r.LastHash) // not the batch's storage
	if scanErr != nil {
		return *r, fmt.Errorf("petitions: verify after event %d: %w", r.LastSeq, scanErr)
	}
	if objects != nil {
		v.checkObjects(objects)
	}
	return *r, nil
}

// errNoEvent is what Verify reports of a next that returns neither an
// event nor an error.
var errNoEvent = errors.New("next returned no event and no error")

// eventCopier gathers events that their source may reuse into batches of
// verifyBatchLen that are the verifier's own.
type eventCopier struct {
	batch []Event
	data  []byte // where the copies' Data live, several events to one allocation
}

// add copies e into the batch, and emits the batch when it is full.
func (c *eventCopier) add(e *Event, emit func([]Event) error) error {
	if c.batch == nil {
		c.batch = make([]Event, 0, verifyBatchLen)
	}
	cp := *e
	if n := len(e.Data); n > 0 {
		if cap(c.data)-len(c.data) < n {
			c.data = make([]byte, 0, max(64<<10, n))
		}
		start := len(c.data)
		c.data = append(c.data, e.Data...)
		cp.Data = c.data[start:len(c.data):len(c.data)]
	}
	c.batch = append(c.batch, cp)
	if len(c.batch) == verifyBatchLen {
		return c.flush(emit)
	}
	return nil
}

// flush emits the events gathered, if any.
func (c *eventCopier) flush(emit func([]Event) error) error {
	if len(c.batch) == 0 {
		return nil
	}
	b := c.batch
	c.batch = nil
	return emit(b)
}

// linker is a worker's scratch space: it canonicalises events and computes
// their links.
type linker struct {
	json canonicalizer
	buf  []byte // a previous hash (hashLen bytes) followed by the canonical content
	tmp  []byte // a previous hash of another length followed by the canonical content
	link [hashLen]byte
}

// hashLen is the length of a link: SHA-256 in hexadecimal.
const hashLen = 2 * sha256.Size

func newLinker() *linker {
	return &linker{buf: make([]byte, hashLen, 1024)}
}

// check canonicalises each event and checks its Hash and, for an event of a
// case, its CaseHash against its own stored previous hashes, and returns
// the faults it found.
func (l *linker) check(events []Event) []linkFault {
	var faults []linkFault
	for i := range events {
		e := &events[i]
		canon, err := appendCanonicalEvent(l.buf[:hashLen], e, &l.json)
		if err != nil {
			faults = append(faults, linkFault{i: i, err: err})
			continue
		}
		l.buf = canon
		f := linkFault{i: i}
		if !l.linked(e.PrevHash, e.Hash) {
			f.hash = string(l.link[:])
		}
		if e.CaseID != "" && !l.linked(e.CasePrevHash, e.CaseHash) {
			f.caseHash = string(l.link[:])
		}
		if f.hash != "" || f.caseHash != "" {
			faults = append(faults, f)
		}
	}
	return faults
}

// linked reports whether want is ChainHash(prev, canonical content in
// l.buf), which it leaves in l.link.
func (l *linker) linked(prev, want string) bool {
	var sum [sha256.Size]byte
	if len(prev) == hashLen {
		copy(l.buf, prev)
		sum = sha256.Sum256(l.buf)
	} else {
		l.tmp = append(append(l.tmp[:0], prev...), l.buf[hashLen:]...)
		sum = sha256.Sum256(l.tmp)
	}
	hex.Encode(l.link[:], sum[:])
	return string(l.link[:]) == want
}
