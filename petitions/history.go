package petitions

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The history of the ledger is append-only and hash-chained twice: every event
// links to the event before it in the whole ledger (PrevHash, Hash) and, when
// it belongs to a case, to the event before it in that case (CasePrevHash,
// CaseHash). A link is ChainHash(previous hash, canonical content); the first
// link of a chain has an empty previous hash. Changing, removing, inserting or
// reordering events breaks a link that Verify finds and names. A writer able
// to recompute every hash can still rewrite the history, or drop its newest
// events; comparing Report.LastSeq and Report.LastHash with a signed
// checkpoint of the head (domain.md section 6) catches that.

// ErrChain is wrapped by every error about the history's chain: an event Seal
// refuses, or content with no canonical form.
var ErrChain = errors.New("petitions: history chain")

// KindRecordingStored is the kind of the event that records a stored
// recording; its Data holds {"object": key, "sha256": hex digest, "size": bytes}.
const KindRecordingStored = "recording.stored"

// KindRecordingPurged is the kind of the event that records a recording
// deleted when its retention ended; its Data holds at least {"object": key}.
const KindRecordingPurged = "recording.purged"

// Event is one entry of the history. Events are never changed or removed
// once sealed; a correction is a new event.
type Event struct {
	Seq       int64           `json:"seq"`        // ledger-wide sequence, from 1, without gaps
	CaseSeq   int64           `json:"case_seq"`   // per-case sequence, from 1; 0 for a ledger-level event
	CaseID    string          `json:"case_id"`    // the case, or "" for a ledger-level event
	Kind      string          `json:"kind"`       // "registered", "transition", "read", "session.joined", KindRecordingStored, "purged", …
	Actor     string          `json:"actor"`      // who did it
	ActorRole string          `json:"actor_role"` // in which role
	At        time.Time       `json:"at"`         // when; hashed as an instant, to the nanosecond (Seal keeps microseconds)
	Data      json.RawMessage `json:"data"`       // a JSON object, the facts of this kind of event; store it as text, not as jsonb, which rewrites numbers

	PrevHash     string `json:"prev_hash"`      // Hash of event Seq-1; "" for Seq 1
	CasePrevHash string `json:"case_prev_hash"` // CaseHash of the case's event CaseSeq-1; "" for CaseSeq 0 or 1
	Hash         string `json:"hash"`           // ChainHash(PrevHash, canonical content)
	CaseHash     string `json:"case_hash"`      // ChainHash(CasePrevHash, canonical content); "" for a ledger-level event
}

// Seal makes e the next event of the ledger: prev must be the last event of
// the ledger (nil if there is none) and casePrev the last event of e.CaseID
// (nil if the case has none, and always nil for a ledger-level event, whose
// CaseID is ""). The caller appends e in the same transaction in which it read
// prev and casePrev, so that no other event slips in between.
//
// Seal fills Seq, CaseSeq, PrevHash, CasePrevHash, Hash and CaseHash; it
// replaces Data by its canonical form ({} when Data is empty) and truncates At
// to whole microseconds, the precision of PostgreSQL's timestamptz, so that
// what a store keeps is exactly what was hashed. It refuses, with an error
// wrapping ErrChain and leaving e unchanged, an event that is already sealed,
// that lacks Kind, Actor, ActorRole or At, whose Data has no canonical form,
// a KindRecordingStored event without a valid recording reference, and a
// prev or casePrev that is not a sealed event fitting e.
func Seal(prev, casePrev *Event, e *Event) error {
	if e == nil {
		return fmt.Errorf("%w: seal: no event", ErrChain)
	}
	switch {
	case e.Seq != 0 || e.CaseSeq != 0 || e.PrevHash != "" || e.CasePrevHash != "" || e.Hash != "" || e.CaseHash != "":
		return fmt.Errorf("%w: seal: event is already sealed (seq %d)", ErrChain, e.Seq)
	case e.Kind == "":
		return fmt.Errorf("%w: seal: event has no kind", ErrChain)
	case e.Actor == "":
		return fmt.Errorf("%w: seal: event has no actor", ErrChain)
	case e.ActorRole == "":
		return fmt.Errorf("%w: seal: event has no actor role", ErrChain)
	case e.At.IsZero():
		return fmt.Errorf("%w: seal: event has no time", ErrChain)
	}
	s := *e
	s.At = e.At.Truncate(time.Microsecond)
	if len(bytes.TrimSpace(s.Data)) == 0 {
		s.Data = json.RawMessage("{}")
	}
	data, err := CanonicalJSON(s.Data)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	s.Data = data
	if s.Kind == KindRecordingStored {
		if _, err := parseRecordingRef(s.Data); err != nil {
			return fmt.Errorf("seal: %w", err)
		}
	}

	s.Seq = 1
	if prev != nil {
		if prev.Seq < 1 || !isChainHash(prev.Hash) {
			return fmt.Errorf("%w: seal: previous event is not sealed", ErrChain)
		}
		s.Seq, s.PrevHash = prev.Seq+1, prev.Hash
	}
	switch {
	case s.CaseID == "" && casePrev != nil:
		return fmt.Errorf("%w: seal: ledger-level event given a previous case event", ErrChain)
	case s.CaseID == "":
	case casePrev == nil:
		s.CaseSeq = 1
	case casePrev.CaseID != s.CaseID:
		return fmt.Errorf("%w: seal: previous case event is of case %q, not %q", ErrChain, casePrev.CaseID, s.CaseID)
	case casePrev.CaseSeq < 1 || !isChainHash(casePrev.CaseHash) || prev == nil || casePrev.Seq > prev.Seq:
		return fmt.Errorf("%w: seal: previous case event is not a sealed event before prev", ErrChain)
	default:
		s.CaseSeq, s.CasePrevHash = casePrev.CaseSeq+1, casePrev.CaseHash
	}

	canon, err := appendCanonicalEvent(nil, &s, new(canonicalizer))
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	s.Hash = ChainHash(s.PrevHash, canon)
	if s.CaseID != "" {
		s.CaseHash = ChainHash(s.CasePrevHash, canon)
	}
	*e = s
	return nil
}

// isChainHash reports whether h is a link as ChainHash writes it: 64
// lowercase hexadecimal digits.
func isChainHash(h string) bool {
	if len(h) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// RecordingRef is the Data of a KindRecordingStored event.
type RecordingRef struct {
	Object string `json:"object"` // the object's key in the recording store
	SHA256 string `json:"sha256"` // lowercase hex digest of its bytes
	Size   int64  `json:"size"`   // its length in bytes

	// What the file holds, for the review's timeline; Verify checks only
	// the three fields above.
	Participant string    `json:"participant,omitempty"` // the identity recorded
	Role        string    `json:"role,omitempty"`
	Start       time.Time `json:"start,omitzero"` // server time of the file's time 0
	DurationMS  int64     `json:"duration_ms,omitempty"`
	Tracks      []string  `json:"tracks,omitempty"` // e.g. "video/VP8", "audio/opus"
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	// Interrupted is set for a file a crash cut short and the next start
	// finalised.
	Interrupted bool `json:"interrupted,omitempty"`
}

func parseRecordingRef(data []byte) (RecordingRef, error) {
	var raw struct {
		Object *string `json:"object"`
		SHA256 *string `json:"sha256"`
		Size   *int64  `json:"size"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return RecordingRef{}, fmt.Errorf("%w: recording reference: %v", ErrChain, err)
	}
	switch {
	case raw.Object == nil || *raw.Object == "":
		return RecordingRef{}, fmt.Errorf("%w: recording reference has no object", ErrChain)
	case raw.SHA256 == nil || !isChainHash(*raw.SHA256):
		return RecordingRef{}, fmt.Errorf("%w: recording reference has no lowercase hex sha256", ErrChain)
	case raw.Size == nil || *raw.Size < 0:
		return RecordingRef{}, fmt.Errorf("%w: recording reference has no size", ErrChain)
	}
	return RecordingRef{Object: *raw.Object, SHA256: *raw.SHA256, Size: *raw.Size}, nil
}

// Reasons a Mismatch gives.
const (
	ReasonSequenceGap = "sequence gap"       // Seq is not the previous Seq + 1 (or 1 first)
	ReasonPrevHash    = "prev hash mismatch" // PrevHash is not the previous event's Hash
	ReasonHash        = "hash mismatch"      // Hash is not the one recomputed from the event
	ReasonCaseChain   = "case chain broken"  // CaseSeq, CasePrevHash or CaseHash does not follow the case's previous event
	ReasonMalformed   = "malformed event"    // the event has no canonical content
)

// Mismatch names an event that does not fit the chain.
type Mismatch struct {
	Seq    int64  `json:"seq"`     // the event's Seq, as stored
	CaseID string `json:"case_id"` // its case, as stored
	Field  string `json:"field"`   // the field found wrong: seq, prev_hash, hash, case_seq, case_prev_hash, case_hash or data
	Reason string `json:"reason"`  // one of the Reason constants
	Want   string `json:"want"`    // what the chain requires there
	Got    string `json:"got"`     // what the event holds
}

func (m *Mismatch) String() string {
	return fmt.Sprintf("event %d (case %q): %s: %s is %q, want %q", m.Seq, m.CaseID, m.Reason, m.Field, m.Got, m.Want)
}

// ObjectChecker checks one stored object: it returns nil when the object
// exists with exactly that size and SHA-256 digest, an error wrapping
// fs.ErrNotExist when it is missing, and another error when it differs or
// cannot be read.
type ObjectChecker func(key, sha256 string, size int64) error

// ObjectProblem is a recording reference that did not check out.
type ObjectProblem struct {
	Seq    int64        `json:"seq"`     // the KindRecordingStored event
	CaseID string       `json:"case_id"` // its case
	Ref    RecordingRef `json:"ref"`
	Err    error        `json:"-"` // from the ObjectChecker, or wrapping ErrChain for a malformed reference
}

// MarshalJSON writes the problem with its error as text ("error").
func (p ObjectProblem) MarshalJSON() ([]byte, error) {
	type plain ObjectProblem
	msg := ""
	if p.Err != nil {
		msg = p.Err.Error()
	}
	return json.Marshal(struct {
		plain
		Error string `json:"error"`
	}{plain(p), msg})
}

// MaxObjectProblems bounds Report.ObjectProblems; ObjectProblemCount counts all.
const MaxObjectProblems = 1000

// Report is the outcome of Verify.
type Report struct {
	Events   int64     `json:"events"`    // events read
	Cases    int       `json:"cases"`     // distinct cases seen
	FirstBad *Mismatch `json:"first_bad"` // the first event, in Seq order, that breaks a chain; nil if none
	Bad      int64     `json:"bad"`       // events that break a chain, FirstBad included

	LastSeq  int64  `json:"last_seq"`  // Seq of the last event read: compare with a signed checkpoint
	LastHash string `json:"last_hash"` // its Hash

	Objects            int64           `json:"objects"`              // recording references checked
	ObjectProblems     []ObjectProblem `json:"object_problems"`      // the first MaxObjectProblems problems, in Seq order
	ObjectProblemCount int64           `json:"object_problem_count"` // all problems
}

// OK reports whether the history verified clean: no chain broken, no object
// problem.
func (r *Report) OK() bool { return r.FirstBad == nil && r.ObjectProblemCount == 0 }

// Verify reads the whole history from next, in Seq order, and checks that each
// event follows the one before it: Seq continues the sequence, PrevHash is the
// previous Hash, Hash is recomputed from the event, and, for an event of a
// case, that CaseSeq, CasePrevHash and CaseHash continue that case's chain the
// same way (a ledger-level event has CaseSeq 0 and no case hashes). Each event
// is checked against its stored predecessor, so one altered event is counted
// once (twice if its Hash or CaseHash was altered: the next event of the
// chain still links to the original), and Verify reads on to the end. When an
// event breaks several rules the first in that order is reported.
//
// If objects is not nil, Verify calls it, after the last event, for every
// KindRecordingStored event whose object no KindRecordingPurged event
// removed, and records the references that fail in the report without
// stopping; it keeps those references until then.
//
// next returns the events one at a time and io.EOF after the last. Verify
// copies each event (next may reuse one) into batches that it canonicalises
// and hashes on every core, while the events' links are compared in Seq
// order; it keeps a bounded number of batches, and of the history only the
// last hash of each case, so its memory grows with the number of cases, not
// of events. An error from next other than io.EOF ends Verify, which returns
// that error and the report on the events before it.
func Verify(next func() (*Event, error), objects ObjectChecker) (Report, error) {
	return verifyScan(func(emit func([]Event) error) error {
		var c eventCopier
		for {
			e, err := next()
			if err == nil && e == nil {
				err = errNoEvent
			}
			if err != nil {
				if ferr := c.flush(emit); ferr != nil {
					return ferr
				}
				if err == io.EOF {
					return nil
				}
				return err
			}
			if err := c.add(e, emit); err != nil {
				return err
			}
		}
	}, objects)
}

// storedRef is a KindRecordingStored event Verify checks at the end.
type storedRef struct {
	seq    int64
	caseID string
	ref    RecordingRef
	err    error // the reference did not parse
}

// verifier is the sequential part of one Verify: it takes the batches in
// Seq order, with what the workers found in each event on its own.
type verifier struct {
	report  Report
	cases   map[string]*caseTip // the last event of each case
	objects bool                // gather the recording references
	stored  []storedRef
	purged  map[string]bool // objects a KindRecordingPurged event removed
}

func newVerifier(objects bool) *verifier {
	return &verifier{cases: make(map[string]*caseTip), objects: objects, purged: map[string]bool{}}
}

// caseTip is what Verify keeps of a case: its last event's CaseSeq and
// CaseHash, copied so that the batch it came in can go.
type caseTip struct {
	seq  int64
	hash [hashLen]byte // the CaseHash, when it is hashLen long
	odd  string        // the CaseHash otherwise (only a broken chain has one)
	full bool          // hash holds the CaseHash
}

func (t *caseTip) is(h string) bool {
	if t.full {
		return string(t.hash[:]) == h
	}
	return t.odd == h
}

func (t *caseTip) String() string {
	if t.full {
		return string(t.hash[:])
	}
	return t.odd
}

func (t *caseTip) set(seq int64, h string) {
	t.seq = seq
	t.full = len(h) == hashLen
	if t.full {
		copy(t.hash[:], h)
		t.odd = ""
	} else {
		t.odd = strings.Clone(h)
	}
}

// checkBatch checks the events of b, the next batch in Seq order.
func (v *verifier) checkBatch(b *verifyBatch) {
	r := &v.report
	faults := b.faults
	for i := range b.events {
		e := &b.events[i]
		var f *linkFault
		if len(faults) > 0 && faults[0].i == i {
			f, faults = &faults[0], faults[1:]
		}
		r.Events++
		if m := v.check(e, f); m != nil {
			r.Bad++
			if r.FirstBad == nil {
				m.CaseID, m.Want, m.Got = strings.Clone(m.CaseID), strings.Clone(m.Want), strings.Clone(m.Got)
				r.FirstBad = m
			}
		}
		r.LastSeq, r.LastHash = e.Seq, e.Hash
		if !v.objects {
			continue
		}
		switch e.Kind {
		case KindRecordingStored:
			ref, err := parseRecordingRef(e.Data)
			v.stored = append(v.stored, storedRef{seq: e.Seq, caseID: strings.Clone(e.CaseID), ref: ref, err: err})
		case KindRecordingPurged:
			var p struct {
				Object string `json:"object"`
			}
			if json.Unmarshal(e.Data, &p) == nil && p.Object != "" {
				v.purged[p.Object] = true
			}
		}
	}
}

// check checks e against the events before it, given f, what a worker
// found in e on its own (nil: nothing), moves the case's tip to e, and
// returns the first rule e breaks, or nil.
func (v *verifier) check(e *Event, f *linkFault) *Mismatch {
	bad := func(field, reason, want, got string) *Mismatch {
		return &Mismatch{Seq: e.Seq, CaseID: e.CaseID, Field: field, Reason: reason, Want: want, Got: got}
	}
	if f == nil {
		f = &linkFault{}
	}
	last := &v.report
	var m *Mismatch
	switch {
	case e.Seq != last.LastSeq+1:
		m = bad("seq", ReasonSequenceGap, strconv.FormatInt(last.LastSeq+1, 10), strconv.FormatInt(e.Seq, 10))
	case e.PrevHash != last.LastHash:
		m = bad("prev_hash", ReasonPrevHash, last.LastHash, e.PrevHash)
	case f.err != nil:
		m = bad("data", ReasonMalformed, "canonical content", f.err.Error())
	case f.hash != "":
		m = bad("hash", ReasonHash, f.hash, e.Hash)
	}
	if e.CaseID == "" {
		switch {
		case m != nil:
		case e.CaseSeq != 0:
			m = bad("case_seq", ReasonCaseChain, "0", strconv.FormatInt(e.CaseSeq, 10))
		case e.CasePrevHash != "":
			m = bad("case_prev_hash", ReasonCaseChain, "", e.CasePrevHash)
		case e.CaseHash != "":
			m = bad("case_hash", ReasonCaseChain, "", e.CaseHash)
		}
		return m
	}
	tip := v.cases[e.CaseID]
	if tip == nil {
		tip = new(caseTip)
		v.cases[strings.Clone(e.CaseID)] = tip
	}
	switch {
	case m != nil:
	case e.CaseSeq != tip.seq+1:
		m = bad("case_seq", ReasonCaseChain, strconv.FormatInt(tip.seq+1, 10), strconv.FormatInt(e.CaseSeq, 10))
	case !tip.is(e.CasePrevHash):
		m = bad("case_prev_hash", ReasonCaseChain, tip.String(), e.CasePrevHash)
	case f.caseHash != "":
		m = bad("case_hash", ReasonCaseChain, f.caseHash, e.CaseHash)
	}
	tip.set(e.CaseSeq, e.CaseHash)
	return m
}

// checkObjects checks the recording references gathered, at the end, so
// that one a later event purged (retention) is not reported missing.
func (v *verifier) checkObjects(objects ObjectChecker) {
	r := &v.report
	for _, st := range v.stored {
		if st.err == nil && v.purged[st.ref.Object] {
			continue
		}
		r.Objects++
		err := st.err
		if err == nil {
			err = objects(st.ref.Object, st.ref.SHA256, st.ref.Size)
		}
		if err != nil {
			r.ObjectProblemCount++
			if len(r.ObjectProblems) < MaxObjectProblems {
				r.ObjectProblems = append(r.ObjectProblems, ObjectProblem{Seq: st.seq, CaseID: st.caseID, Ref: st.ref, Err: err})
			}
		}
	}
}
