package petitions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The parallel verifier must give exactly the Report of the serial one it
// replaced, which serialVerify keeps as the reference: the same FirstBad
// (the first bad event in Seq order, with its field, reason and values),
// the same Bad count, head and object problems, however the history is cut
// into batches.

// serialVerify is Verify as it was before it went parallel: one event at a
// time, canonicalised, hashed and compared in Seq order.
func serialVerify(next func() (*Event, error), objects ObjectChecker) (Report, error) {
	type tip struct {
		seq  int64
		hash string
	}
	var r Report
	cases := map[string]tip{}
	var stored []storedRef
	purged := map[string]bool{}
	link := func(prev string, canon []byte) string { return ChainHash(prev, canon) }
	for {
		e, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r, fmt.Errorf("petitions: verify after event %d: %w", r.LastSeq, err)
		}
		if e == nil {
			return r, fmt.Errorf("petitions: verify after event %d: next returned no event and no error", r.LastSeq)
		}
		r.Events++
		bad := func(field, reason, want, got string) *Mismatch {
			return &Mismatch{Seq: e.Seq, CaseID: e.CaseID, Field: field, Reason: reason, Want: want, Got: got}
		}
		var m *Mismatch
		canon, cerr := e.Canonical()
		switch {
		case e.Seq != r.LastSeq+1:
			m = bad("seq", ReasonSequenceGap, strconv.FormatInt(r.LastSeq+1, 10), strconv.FormatInt(e.Seq, 10))
		case e.PrevHash != r.LastHash:
			m = bad("prev_hash", ReasonPrevHash, r.LastHash, e.PrevHash)
		case cerr != nil:
			m = bad("data", ReasonMalformed, "canonical content", cerr.Error())
		case link(e.PrevHash, canon) != e.Hash:
			m = bad("hash", ReasonHash, link(e.PrevHash, canon), e.Hash)
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
		} else {
			t := cases[e.CaseID]
			switch {
			case m != nil:
			case e.CaseSeq != t.seq+1:
				m = bad("case_seq", ReasonCaseChain, strconv.FormatInt(t.seq+1, 10), strconv.FormatInt(e.CaseSeq, 10))
			case e.CasePrevHash != t.hash:
				m = bad("case_prev_hash", ReasonCaseChain, t.hash, e.CasePrevHash)
			case link(e.CasePrevHash, canon) != e.CaseHash:
				m = bad("case_hash", ReasonCaseChain, link(e.CasePrevHash, canon), e.CaseHash)
			}
			cases[e.CaseID] = tip{e.CaseSeq, e.CaseHash}
		}
		if m != nil {
			r.Bad++
			if r.FirstBad == nil {
				r.FirstBad = m
			}
		}
		r.LastSeq, r.LastHash = e.Seq, e.Hash
		if objects == nil {
			continue
		}
		switch e.Kind {
		case KindRecordingStored:
			ref, err := parseRecordingRef(e.Data)
			stored = append(stored, storedRef{seq: e.Seq, caseID: e.CaseID, ref: ref, err: err})
		case KindRecordingPurged:
			var p struct {
				Object string `json:"object"`
			}
			if json.Unmarshal(e.Data, &p) == nil && p.Object != "" {
				purged[p.Object] = true
			}
		}
	}
	r.Cases = len(cases)
	for _, st := range stored {
		if st.err == nil && purged[st.ref.Object] {
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
	return r, nil
}

// inBatches returns a scan for verifyScan that emits copies of evs in
// batches of the given lengths, in turn.
func inBatches(evs []*Event, lens ...int) func(emit func([]Event) error) error {
	return func(emit func([]Event) error) error {
		for i, k := 0, 0; i < len(evs); k++ {
			b := make([]Event, min(lens[k%len(lens)], len(evs)-i))
			for j := range b {
				b[j] = *evs[i+j]
			}
			if err := emit(b); err != nil {
				return err
			}
			i += len(b)
		}
		return nil
	}
}

// oddObjects reports every third recording missing.
func oddObjects(key, sum string, size int64) error {
	if size%3 == 0 {
		return fmt.Errorf("object %s: missing", key)
	}
	return nil
}

// batchings are the ways the tests cut a history: small uneven batches,
// some of one event, Verify's own (through next), and batches crossing
// verifyBatchLen at odd places.
var batchings = []struct {
	name string
	lens []int
}{
	{"uneven", []int{7, 1, 30, 2, 1, 1, 64}},
	{"Verify", nil},
	{"large", []int{verifyBatchLen - 1, verifyBatchLen + 1}},
}

// sameAsSerial verifies evs in every batching and fails unless each Report
// (and error) is the serial one's.
func sameAsSerial(t *testing.T, evs []*Event, objects ObjectChecker) Report {
	t.Helper()
	want, wantErr := serialVerify(sliceNext(evs), objects)
	for _, b := range batchings {
		var got Report
		var err error
		if b.lens == nil {
			got, err = Verify(sliceNext(evs), objects)
		} else {
			got, err = verifyScan(inBatches(evs, b.lens...), objects)
		}
		if !reflect.DeepEqual(got, want) || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("%s: report\n%+v, %v\nwant the serial\n%+v, %v\nfirst bad %v, want %v",
				b.name, got, err, want, wantErr, got.FirstBad, want.FirstBad)
		}
	}
	return want
}

// boundaryIdx are events at and around the batch boundaries of every
// batching, in a history of historyLen events.
var boundaryIdx = []int{0, 1, 6, 7, 8, verifyBatchLen - 2, verifyBatchLen - 1, verifyBatchLen, verifyBatchLen + 1}

// historyLen is the length of the tests' histories: a little over one
// batch of Verify.
const historyLen = verifyBatchLen + 100

func TestVerifyParallelCleanIsSerial(t *testing.T) {
	evs := historyChain(t, historyLen, 120)
	r := sameAsSerial(t, evs, oddObjects)
	if r.FirstBad != nil || r.Events != historyLen || r.ObjectProblemCount == 0 {
		t.Fatalf("clean history: %+v", r)
	}
	if r := sameAsSerial(t, nil, nil); r.Events != 0 || r.LastSeq != 0 {
		t.Fatalf("no history: %+v", r)
	}
}

func TestVerifyParallelTamperedIsSerial(t *testing.T) {
	evs := historyChain(t, historyLen, 120)
	caseEvent := func(evs []*Event, i int) *Event { // the first event of a case from i on
		for ; evs[i].CaseID == ""; i++ {
		}
		return evs[i]
	}
	alters := []struct {
		name  string
		alter func(evs []*Event, i int) []*Event
	}{
		{"hash", func(evs []*Event, i int) []*Event { evs[i].Hash = strings.Repeat("b", 64); return evs }},
		{"hash cut short", func(evs []*Event, i int) []*Event { evs[i].Hash = evs[i].Hash[:63]; return evs }},
		{"data", func(evs []*Event, i int) []*Event {
			evs[i].Data = json.RawMessage(strings.Replace(string(evs[i].Data), `"`, `"x`, 1))
			return evs
		}},
		{"data re-spaced", func(evs []*Event, i int) []*Event {
			evs[i].Data = json.RawMessage(" " + string(evs[i].Data) + "\n")
			return evs
		}},
		{"malformed", func(evs []*Event, i int) []*Event { evs[i].Data = json.RawMessage(`{"a":`); return evs }},
		{"actor not UTF-8", func(evs []*Event, i int) []*Event { evs[i].Actor = "\xff"; return evs }},
		{"gap", func(evs []*Event, i int) []*Event { return slices.Delete(evs, i, i+1) }},
		{"seq", func(evs []*Event, i int) []*Event { evs[i].Seq += 3; return evs }},
		{"prev hash", func(evs []*Event, i int) []*Event { evs[i].PrevHash = strings.Repeat("c", 64); return evs }},
		{"case seq", func(evs []*Event, i int) []*Event { caseEvent(evs, i).CaseSeq += 2; return evs }},
		{"case prev hash", func(evs []*Event, i int) []*Event {
			caseEvent(evs, i).CasePrevHash = strings.Repeat("d", 64)
			return evs
		}},
		{"case hash", func(evs []*Event, i int) []*Event { caseEvent(evs, i).CaseHash = "e"; return evs }},
		{"case hash emptied", func(evs []*Event, i int) []*Event { caseEvent(evs, i).CaseHash = ""; return evs }},
		{"case id", func(evs []*Event, i int) []*Event { caseEvent(evs, i).CaseID = "case-new"; return evs }},
		{"ledger event in a case", func(evs []*Event, i int) []*Event { evs[i].CaseID = ""; return evs }},
		{"case of a ledger event", func(evs []*Event, i int) []*Event {
			for ; evs[i].CaseID != ""; i++ {
			}
			evs[i].CaseSeq = 1
			return evs
		}},
		{"swap", func(evs []*Event, i int) []*Event { evs[i], evs[i+1] = evs[i+1], evs[i]; return evs }},
		{"recording", func(evs []*Event, i int) []*Event {
			for ; evs[i].Kind != KindRecordingStored; i++ {
			}
			evs[i].Data = json.RawMessage(`{"object":"rec/x.webm"}`)
			return evs
		}},
	}
	for _, a := range alters {
		t.Run(a.name, func(t *testing.T) {
			for _, i := range boundaryIdx {
				r := sameAsSerial(t, a.alter(cloneEvents(evs), i), oddObjects)
				if r.OK() {
					t.Fatalf("event %d altered, the history verifies", i+1)
				}
			}
		})
	}
}

// TestVerifyParallelManyBadIsSerial alters many events at random, several
// in one batch and some in the same case: the first bad in Seq order is
// reported, and every bad one counted, as the serial verifier does.
func TestVerifyParallelManyBadIsSerial(t *testing.T) {
	evs := historyChain(t, historyLen, 60)
	rng := rand.New(rand.NewPCG(5, 8))
	for round := range 20 {
		tampered := cloneEvents(evs)
		for range 1 + rng.IntN(30) {
			e := tampered[rng.IntN(len(tampered))]
			switch rng.IntN(6) {
			case 0:
				e.Hash = hex.EncodeToString(make([]byte, sha256.Size))
			case 1:
				e.Data = json.RawMessage(`{"n":` + strconv.Itoa(rng.IntN(100)) + `}`)
			case 2:
				e.Seq++
			case 3:
				e.CaseSeq++
			case 4:
				e.CaseHash, e.CasePrevHash = e.CasePrevHash, e.CaseHash
			case 5:
				e.Data = json.RawMessage(`[]`)
			}
		}
		if r := sameAsSerial(t, tampered, oddObjects); r.Bad == 0 {
			t.Fatalf("round %d: nothing found", round)
		}
	}
}

// TestVerifyParallelReadError: a scan that fails after some batches gives
// the report on every event emitted before it, and its error.
func TestVerifyParallelReadError(t *testing.T) {
	evs := historyChain(t, 3000, 40)
	evs[1500].Actor = "someone"
	boom := errors.New("connection lost")
	want, _ := serialVerify(sliceNext(evs[:2100]), nil)
	emitted := 0
	got, err := verifyScan(func(emit func([]Event) error) error {
		err := inBatches(evs, 700)(func(b []Event) error {
			if emitted == 2100 {
				return boom
			}
			emitted += len(b)
			return emit(b)
		})
		return err
	}, oddObjects)
	if !errors.Is(err, boom) || err.Error() != "petitions: verify after event 2100: connection lost" {
		t.Fatalf("error %v, want after event 2100 wrapping %v", err, boom)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("report %+v, want %+v", got, want)
	}
}

// TestVerifyKeepsNoBatch: what the report and the case tips keep is copied,
// so that the batches (one string of text each in a store) can go.
func TestVerifyKeepsNoBatch(t *testing.T) {
	evs := historyChain(t, 50, 3)
	evs[10] = cloneEvents(evs[10:11])[0]
	evs[10].Actor = "x"
	v := newVerifier(true)
	b := &verifyBatch{events: make([]Event, len(evs))}
	for i, e := range evs {
		b.events[i] = *e
	}
	b.faults = newLinker().check(b.events)
	v.checkBatch(b)
	for id, tip := range v.cases {
		if !tip.full || tip.odd != "" {
			t.Errorf("case %s: tip %+v, want the hash copied", id, tip)
		}
	}
	if v.report.FirstBad == nil || v.report.FirstBad.Seq != 11 {
		t.Fatalf("first bad %v, want seq 11", v.report.FirstBad)
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	const n = 200_000
	evs := historyChain(b, n, 5_000)
	batch := make([]Event, len(evs))
	for i, e := range evs {
		batch[i] = *e
	}
	for b.Loop() {
		r, err := verifyScan(func(emit func([]Event) error) error {
			for i := 0; i < len(batch); i += 10_000 {
				if err := emit(batch[i : i+10_000]); err != nil {
					return err
				}
			}
			return nil
		}, nil)
		if err != nil || !r.OK() {
			b.Fatalf("%+v, %v", r, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}
