package petitions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// historyChain seals n events over the given number of cases, deterministically:
// a ledger-level event every 97th, a recording every 41st.
func historyChain(tb testing.TB, n, cases int) []*Event {
	tb.Helper()
	rng := rand.New(rand.NewPCG(3, 17))
	cst := time.FixedZone("CST", 8*3600)
	t0 := time.Date(2026, 3, 1, 8, 30, 0, 0, cst)
	var (
		evs  = make([]*Event, 0, n)
		last = make(map[string]*Event)
		prev *Event
	)
	for i := range n {
		e := &Event{
			CaseID:    fmt.Sprintf("case-%04d", rng.IntN(cases)),
			Actor:     fmt.Sprintf("乡镇干部%02d", rng.IntN(40)),
			ActorRole: "township_official",
			At:        t0.Add(time.Duration(i) * 1733 * time.Millisecond),
		}
		switch {
		case i%97 == 96:
			e.CaseID, e.Kind, e.Actor, e.ActorRole = "", "purged", "system", "system"
			e.Data = json.RawMessage(`{"before":"2025-09-01","cases":3,"reason":"retention elapsed"}`)
		case i%41 == 40:
			e.Kind = KindRecordingStored
			e.Data = json.RawMessage(fmt.Sprintf(`{"object":"rec/%d.webm","sha256":"%x","size":%d}`,
				i, sha256.Sum256([]byte{byte(i), byte(i >> 8)}), 1<<20+i))
		case i%3 == 0:
			e.Kind = "read"
			e.Data = json.RawMessage(`{"fields":["parties","facts"],"purpose":"handling","via":"web"}`)
		default:
			e.Kind = "transition"
			e.Data = json.RawMessage(fmt.Sprintf(`{ "to": "accepted", "from": "registered",
				"due": "2026-05-%02d", "note": "受理告知书已当面送达\n签收", "days": 60 }`, 1+i%28))
		}
		if err := Seal(prev, last[e.CaseID], e); err != nil {
			tb.Fatalf("seal event %d: %v", i+1, err)
		}
		evs = append(evs, e)
		prev = e
		if e.CaseID != "" {
			last[e.CaseID] = e
		}
	}
	return evs
}

func sliceNext(evs []*Event) func() (*Event, error) {
	i := 0
	return func() (*Event, error) {
		if i == len(evs) {
			return nil, io.EOF
		}
		i++
		return evs[i-1], nil
	}
}

// cloneEvents copies the slice and the events, so that tests can alter them.
func cloneEvents(evs []*Event) []*Event {
	out := make([]*Event, len(evs))
	for i, e := range evs {
		c := *e
		c.Data = slices.Clone(e.Data)
		out[i] = &c
	}
	return out
}

func mustVerify(t *testing.T, evs []*Event, objects ObjectChecker) Report {
	t.Helper()
	r, err := Verify(sliceNext(evs), objects)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

func TestHistoryCleanChain(t *testing.T) {
	evs := historyChain(t, 3000, 150)
	r := mustVerify(t, evs, nil)
	if !r.OK() || r.Bad != 0 {
		t.Fatalf("clean chain: first bad %v, %d bad", r.FirstBad, r.Bad)
	}
	if r.Events != 3000 || r.Cases != 150 || r.LastSeq != 3000 || r.LastHash != evs[2999].Hash {
		t.Fatalf("report %+v", r)
	}
	// Stores keep times in +08:00 or UTC: the instant is hashed, not the zone.
	moved := cloneEvents(evs)
	for _, e := range moved {
		e.At = e.At.UTC()
	}
	if r := mustVerify(t, moved, nil); !r.OK() {
		t.Fatalf("same instants in UTC: %v", r.FirstBad)
	}
}

// TestHistoryTamperOneByte flips every byte of several fields of a few events
// and expects Verify to name that event each time.
func TestHistoryTamperOneByte(t *testing.T) {
	evs := historyChain(t, 500, 20)
	fields := map[string]func(*Event) *string{
		"Actor":    func(e *Event) *string { return &e.Actor },
		"Kind":     func(e *Event) *string { return &e.Kind },
		"CaseID":   func(e *Event) *string { return &e.CaseID },
		"Hash":     func(e *Event) *string { return &e.Hash },
		"PrevHash": func(e *Event) *string { return &e.PrevHash },
		"CaseHash": func(e *Event) *string { return &e.CaseHash },
	}
	for _, idx := range []int{0, 1, 40, 250, 499} {
		target := evs[idx]
		check := func(what string, tampered []*Event) {
			t.Helper()
			r := mustVerify(t, tampered, nil)
			// The mismatch carries the Seq as stored, altered or not.
			if want := tampered[idx].Seq; r.FirstBad == nil || r.FirstBad.Seq != want {
				t.Fatalf("event %d, %s: first bad %v, want seq %d", target.Seq, what, r.FirstBad, want)
			}
		}
		for name, field := range fields {
			for i := range len(*field(target)) {
				tampered := cloneEvents(evs)
				b := []byte(*field(tampered[idx]))
				b[i] ^= 0x01
				*field(tampered[idx]) = string(b)
				check(fmt.Sprintf("%s byte %d", name, i), tampered)
			}
		}
		for i := range target.Data {
			tampered := cloneEvents(evs)
			tampered[idx].Data[i] ^= 0x01
			check(fmt.Sprintf("Data byte %d (%s)", i, tampered[idx].Data), tampered)
		}
		for _, d := range []time.Duration{time.Nanosecond, time.Microsecond, -time.Second, 24 * time.Hour} {
			tampered := cloneEvents(evs)
			tampered[idx].At = tampered[idx].At.Add(d)
			check("At "+d.String(), tampered)
		}
		for _, f := range []func(*Event){
			func(e *Event) { e.Seq += 10 },
			func(e *Event) { e.CaseSeq++ },
			func(e *Event) { e.CasePrevHash = strings.Repeat("0", 64) },
		} {
			tampered := cloneEvents(evs)
			f(tampered[idx])
			check("numbers", tampered)
		}
	}
}

func TestHistoryTamperNamesTheFault(t *testing.T) {
	evs := historyChain(t, 1000, 30)
	tests := []struct {
		name  string
		alter func([]*Event) []*Event
		want  Mismatch
	}{
		{"data", func(evs []*Event) []*Event {
			evs[499].Data = json.RawMessage(strings.Replace(string(evs[499].Data), "accepted", "accepteD", 1))
			return evs
		}, Mismatch{Seq: 500, Field: "hash", Reason: ReasonHash}},
		{"hash", func(evs []*Event) []*Event { evs[499].Hash = strings.Repeat("a", 64); return evs },
			Mismatch{Seq: 500, Field: "hash", Reason: ReasonHash, Got: strings.Repeat("a", 64)}},
		{"prev hash", func(evs []*Event) []*Event { evs[499].PrevHash = evs[497].Hash; return evs },
			Mismatch{Seq: 500, Field: "prev_hash", Reason: ReasonPrevHash}},
		{"delete", func(evs []*Event) []*Event { return slices.Delete(evs, 499, 500) },
			Mismatch{Seq: 501, Field: "seq", Reason: ReasonSequenceGap, Want: "500", Got: "501"}},
		{"delete first", func(evs []*Event) []*Event { return evs[1:] },
			Mismatch{Seq: 2, Field: "seq", Reason: ReasonSequenceGap, Want: "1", Got: "2"}},
		{"swap", func(evs []*Event) []*Event { evs[299], evs[699] = evs[699], evs[299]; return evs },
			Mismatch{Seq: 700, Field: "seq", Reason: ReasonSequenceGap, Want: "300", Got: "700"}},
		{"swap keeping seq", func(evs []*Event) []*Event {
			evs[299].Seq, evs[699].Seq = evs[699].Seq, evs[299].Seq
			evs[299], evs[699] = evs[699], evs[299]
			return evs
		}, Mismatch{Seq: 300, Field: "prev_hash", Reason: ReasonPrevHash}},
		{"malformed data", func(evs []*Event) []*Event { evs[9].Data = json.RawMessage(`{"a":1,"a":2}`); return evs },
			Mismatch{Seq: 10, Field: "data", Reason: ReasonMalformed}},
		{"ledger event given a case chain", func(evs []*Event) []*Event { evs[96].CaseHash = evs[95].Hash; return evs },
			Mismatch{Seq: 97, Field: "case_hash", Reason: ReasonCaseChain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tampered := tt.alter(cloneEvents(evs))
			r := mustVerify(t, tampered, nil)
			got := r.FirstBad
			if got == nil || got.Seq != tt.want.Seq || got.Field != tt.want.Field || got.Reason != tt.want.Reason ||
				(tt.want.Want != "" && got.Want != tt.want.Want) || (tt.want.Got != "" && got.Got != tt.want.Got) {
				t.Fatalf("first bad %v, want %v", got, &tt.want)
			}
			if r.Events != int64(len(tampered)) {
				t.Fatalf("read %d events, want all %d", r.Events, len(tampered))
			}
		})
	}
}

// TestHistoryReorderWithinCase moves an event of a case before the previous
// one of that case and re-seals the ledger chain around it, as a writer who
// knows the algorithm but forgot the case chain would: the case chain names it.
func TestHistoryReorderWithinCase(t *testing.T) {
	evs := cloneEvents(historyChain(t, 1000, 30))
	var p, q int // two consecutive events of one case
	for i := 500; q == 0; i++ {
		for j := i + 1; j < len(evs); j++ {
			if evs[j].CaseID == evs[i].CaseID && evs[i].CaseID != "" {
				p, q = i, j
				break
			}
		}
	}
	moved := evs[q]
	evs = slices.Insert(slices.Delete(evs, q, q+1), p, moved)
	for i := p; i < len(evs); i++ {
		e := evs[i]
		e.Seq, e.PrevHash = int64(i+1), evs[i-1].Hash
		canon, err := e.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		e.Hash = ChainHash(e.PrevHash, canon)
	}
	r := mustVerify(t, evs, nil)
	if r.FirstBad == nil || r.FirstBad.Seq != int64(p+1) || r.FirstBad.Reason != ReasonCaseChain || r.FirstBad.Field != "case_seq" {
		t.Fatalf("first bad %v, want case chain broken at seq %d", r.FirstBad, p+1)
	}
}

// TestHistoryHead shows what only a checkpoint of the head catches: the newest
// events dropped, or the whole history re-sealed.
func TestHistoryHead(t *testing.T) {
	evs := historyChain(t, 300, 10)
	r := mustVerify(t, evs[:299], nil)
	if !r.OK() || r.LastSeq != 299 || r.LastHash == evs[299].Hash {
		t.Fatalf("truncated: %+v", r)
	}
	resealed := cloneEvents(evs)
	resealed[5].Actor = "someone else"
	last := map[string]*Event{}
	for i, e := range resealed {
		e.Seq, e.CaseSeq, e.PrevHash, e.CasePrevHash, e.Hash, e.CaseHash = 0, 0, "", "", "", ""
		var prev *Event
		if i > 0 {
			prev = resealed[i-1]
		}
		if err := Seal(prev, last[e.CaseID], e); err != nil {
			t.Fatal(err)
		}
		if e.CaseID != "" {
			last[e.CaseID] = e
		}
	}
	r = mustVerify(t, resealed, nil)
	if !r.OK() || r.LastSeq != 300 || r.LastHash == evs[299].Hash {
		t.Fatalf("resealed: head %d %s, original head %s", r.LastSeq, r.LastHash, evs[299].Hash)
	}
}

func TestHistoryObjects(t *testing.T) {
	evs := historyChain(t, 500, 10)
	var recs []*Event
	for _, e := range evs {
		if e.Kind == KindRecordingStored {
			recs = append(recs, e)
		}
	}
	missing, changed := recs[2], recs[7]
	var refMissing, refChanged RecordingRef
	json.Unmarshal(missing.Data, &refMissing)
	json.Unmarshal(changed.Data, &refChanged)
	checked := 0
	check := func(key, sum string, size int64) error {
		checked++
		switch key {
		case refMissing.Object:
			return fmt.Errorf("object %s: %w", key, fs.ErrNotExist)
		case refChanged.Object:
			return fmt.Errorf("object %s: sha256 is %x, want %s", key, sha256.Sum256(nil), sum)
		}
		return nil
	}
	r := mustVerify(t, evs, check)
	if r.FirstBad != nil || r.Events != 500 || checked != len(recs) || r.Objects != int64(len(recs)) {
		t.Fatalf("report %+v, checked %d of %d", r, checked, len(recs))
	}
	if r.OK() || r.ObjectProblemCount != 2 || len(r.ObjectProblems) != 2 {
		t.Fatalf("problems %+v", r.ObjectProblems)
	}
	p0, p1 := r.ObjectProblems[0], r.ObjectProblems[1]
	if p0.Seq != missing.Seq || !reflect.DeepEqual(p0.Ref, refMissing) || !errors.Is(p0.Err, fs.ErrNotExist) {
		t.Fatalf("missing object: %+v", p0)
	}
	if p1.Seq != changed.Seq || p1.CaseID != changed.CaseID || errors.Is(p1.Err, fs.ErrNotExist) {
		t.Fatalf("changed object: %+v", p1)
	}
}

func TestHistoryVerifyReadError(t *testing.T) {
	evs := historyChain(t, 10, 2)
	next := sliceNext(evs[:4])
	boom := errors.New("disk on fire")
	r, err := Verify(func() (*Event, error) {
		e, err := next()
		if err == io.EOF {
			return nil, boom
		}
		return e, err
	}, nil)
	if !errors.Is(err, boom) || r.Events != 4 {
		t.Fatalf("Verify = %+v, %v", r, err)
	}
	if _, err := Verify(func() (*Event, error) { return nil, nil }, nil); err == nil {
		t.Fatal("nil event with nil error accepted")
	}
}

func TestHistorySeal(t *testing.T) {
	at := time.Date(2026, 4, 2, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	first := &Event{CaseID: "c1", Kind: "registered", Actor: "u1", ActorRole: "proxy", At: at,
		Data: json.RawMessage(` {"b": 2, "a": "x"} `)}
	if err := Seal(nil, nil, first); err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 || first.CaseSeq != 1 || first.PrevHash != "" || first.CasePrevHash != "" ||
		!isChainHash(first.Hash) || first.CaseHash != first.Hash {
		t.Fatalf("first sealed %+v", first)
	}
	if string(first.Data) != `{"a":"x","b":2}` || first.At.Nanosecond() != 123456000 || !first.At.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("data %s, at %v", first.Data, first.At)
	}
	ledger := &Event{Kind: "schedule.published", Actor: "admin", ActorRole: "administrator", At: at}
	if err := Seal(first, nil, ledger); err != nil {
		t.Fatal(err)
	}
	if ledger.Seq != 2 || ledger.CaseSeq != 0 || ledger.CaseHash != "" || ledger.PrevHash != first.Hash || string(ledger.Data) != "{}" {
		t.Fatalf("ledger-level sealed %+v", ledger)
	}
	second := &Event{CaseID: "c1", Kind: "transition", Actor: "u2", ActorRole: "township_official", At: at,
		Data: json.RawMessage(`{"to":"accepted"}`)}
	if err := Seal(ledger, first, second); err != nil {
		t.Fatal(err)
	}
	if second.Seq != 3 || second.CaseSeq != 2 || second.CasePrevHash != first.CaseHash || second.CaseHash == second.Hash {
		t.Fatalf("second sealed %+v", second)
	}
	if r := mustVerify(t, []*Event{first, ledger, second}, nil); !r.OK() || r.Cases != 1 {
		t.Fatalf("verify sealed: %+v", r)
	}

	valid := func() *Event {
		return &Event{CaseID: "c1", Kind: "read", Actor: "u3", ActorRole: "auditor", At: at, Data: json.RawMessage(`{}`)}
	}
	refusals := []struct {
		name           string
		prev, casePrev *Event
		alter          func(*Event)
	}{
		{"sealed", second, second, func(e *Event) { e.Hash = first.Hash }},
		{"sealed seq", second, second, func(e *Event) { e.Seq = 9 }},
		{"no kind", second, second, func(e *Event) { e.Kind = "" }},
		{"no actor", second, second, func(e *Event) { e.Actor = "" }},
		{"no role", second, second, func(e *Event) { e.ActorRole = "" }},
		{"no time", second, second, func(e *Event) { e.At = time.Time{} }},
		{"bad data", second, second, func(e *Event) { e.Data = json.RawMessage(`{"a":`) }},
		{"data not an object", second, second, func(e *Event) { e.Data = json.RawMessage(`[1]`) }},
		{"invalid utf-8", second, second, func(e *Event) { e.Actor = "\xff" }},
		{"recording without ref", second, second, func(e *Event) { e.Kind = KindRecordingStored }},
		{"recording bad digest", second, second, func(e *Event) {
			e.Kind, e.Data = KindRecordingStored, json.RawMessage(`{"object":"k","sha256":"ABC","size":1}`)
		}},
		{"other case", second, second, func(e *Event) { e.CaseID = "c2" }},
		{"ledger-level with case prev", second, second, func(e *Event) { e.CaseID = "" }},
		{"unsealed prev", &Event{Seq: 3}, second, func(*Event) {}},
		{"case prev after prev", first, second, func(*Event) {}},
		{"case prev without prev", nil, second, func(*Event) {}},
	}
	for _, tt := range refusals {
		e := valid()
		tt.alter(e)
		before := *e
		err := Seal(tt.prev, tt.casePrev, e)
		if !errors.Is(err, ErrChain) {
			t.Errorf("%s: Seal = %v, want ErrChain", tt.name, err)
		}
		if !equalEvents(&before, e) {
			t.Errorf("%s: refused event changed: %+v", tt.name, e)
		}
	}
	if err := Seal(nil, nil, nil); !errors.Is(err, ErrChain) {
		t.Errorf("Seal(nil) = %v", err)
	}
}

func equalEvents(a, b *Event) bool {
	return a.Seq == b.Seq && a.CaseSeq == b.CaseSeq && a.CaseID == b.CaseID && a.Kind == b.Kind &&
		a.Actor == b.Actor && a.ActorRole == b.ActorRole && a.At.Equal(b.At) && string(a.Data) == string(b.Data) &&
		a.PrevHash == b.PrevHash && a.CasePrevHash == b.CasePrevHash && a.Hash == b.Hash && a.CaseHash == b.CaseHash
}

func TestHistoryCanonicalJSON(t *testing.T) {
	same := [][]string{
		{`{"b":1,"a":[1,2,{"y":true,"x":null}]}`, " {\n\t\"a\" : [ 1 , 2 , { \"x\" : null , \"y\" : true } ] ,\r\n \"b\" : 1 } "},
		{`{"s":"é中😀/"}`, `{"s":"\u00e9\u4E2d\ud83d\ude00\/"}`, `{"s":"\u00E9中\uD83D\uDE00/"}`},
		{`{"z":{"b":"","a":[]},"a":{}}`, `{"a":{},"z":{"a":[],"b":""}}`},
		{`{"é":1,"e":2,"E":3}`, `{"E":3,"\u00e9":1,"e":2}`},
	}
	for _, group := range same {
		want, err := CanonicalJSON([]byte(group[0]))
		if err != nil {
			t.Fatalf("%s: %v", group[0], err)
		}
		for _, in := range group[1:] {
			got, err := CanonicalJSON([]byte(in))
			if err != nil || string(got) != string(want) {
				t.Errorf("CanonicalJSON(%s) = %s, %v; want %s", in, got, err, want)
			}
		}
	}
	exact := map[string]string{
		`{"b":1.0,"a":-0,"c":1E+3,"d":12345678901234567890123}`: `{"a":-0,"b":1.0,"c":1E+3,"d":12345678901234567890123}`,
		`{"s":"a\u0001\u001f\b\t\n\f\r\"\\\u007f\u2028<>&"}`:    "{\"s\":\"a\\u0001\\u001f\\b\\t\\n\\f\\r\\\"\\\\\x7f\u2028<>&\"}",
		`{"E":1,"e":2,"é":3,"中":4,"😀":5,"":6}`:                  `{"":6,"E":1,"e":2,"é":3,"中":4,"😀":5}`,
		`{"a":[true,false,null,"x",[],{}]}`:                     `{"a":[true,false,null,"x",[],{}]}`,
	}
	for in, want := range exact {
		if got, err := CanonicalJSON([]byte(in)); err != nil || string(got) != want {
			t.Errorf("CanonicalJSON(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{
		``, `  `, `[]`, `"s"`, `1`, `null`, `{`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{} {}`, `{}x`, `{"a":01}`,
		`{"a":1,"a":1}`, `{"x":{"b":1,"b":2}}`, `{"a":"\ud800"}`, `{"a":"\udc00\ud800"}`, `{"a":"\ud800\u0041"}`,
		`{"a":"\ud800x"}`, "{\"a\":\"\xff\"}", "{\"a\":\"\xed\xa0\x80\"}", `{"a":"` + "\x01" + `"}`, `{"a":NaN}`,
	} {
		if got, err := CanonicalJSON([]byte(bad)); !errors.Is(err, ErrChain) {
			t.Errorf("CanonicalJSON(%q) = %s, %v; want ErrChain", bad, got, err)
		}
	}
	// An escaped backslash before a u is not an escape.
	if got, err := CanonicalJSON([]byte(`{"a":"\\ud800"}`)); err != nil || string(got) != `{"a":"\\ud800"}` {
		t.Errorf(`escaped backslash: %s, %v`, got, err)
	}
}

// FuzzHistoryCanonicalJSON holds the hand-written parser to encoding/json:
// what it accepts is valid JSON that means the same after canonicalization,
// and what it refuses that encoding/json accepts is a refusal it documents.
func FuzzHistoryCanonicalJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"b":[1,{"d":null,"c":true}],"a":"\u00e9\n"}`, `{"a":-0.5e+10,"b":"\ud83d\ude00"}`,
		`{"a":1,"a":2}`, `{"a":"\udc00"}`, `[1]`, ` {"x" : [ ] } `, `{"k\"":1,"k#":2}`,
	} {
		f.Add([]byte(s))
	}
	decode := func(b []byte) (any, error) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := CanonicalJSON(in)
		if err != nil {
			if !errors.Is(err, ErrChain) {
				t.Fatalf("error %v does not wrap ErrChain", err)
			}
			if json.Valid(in) && utf8.Valid(in) && bytes.HasPrefix(bytes.TrimLeft(in, " \t\r\n"), []byte("{")) &&
				!strings.Contains(err.Error(), "repeated") && !strings.Contains(err.Error(), "surrogate") &&
				!strings.Contains(err.Error(), "deeper") {
				t.Fatalf("CanonicalJSON(%q) refused valid JSON: %v", in, err)
			}
			return
		}
		if !json.Valid(in) || !json.Valid(out) {
			t.Fatalf("CanonicalJSON(%q) = %q: accepted invalid JSON", in, out)
		}
		again, err := CanonicalJSON(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
		vin, err1 := decode(in)
		vout, err2 := decode(out)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(vin, vout) {
			t.Fatalf("meaning changed: %q -> %q (%v, %v)", in, out, err1, err2)
		}
	})
}

func TestHistoryCanonicalTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for range 10000 {
		at := time.Unix(rng.Int64N(253402300800+62135596800)-62135596800, rng.Int64N(1e9)).UTC()
		if got, want := string(appendCanonTime(nil, at)), `"`+at.Format(canonTimeLayout)+`"`; got != want {
			t.Fatalf("%v: %s, want %s", at, got, want)
		}
	}
	for _, at := range []time.Time{time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := (&Event{At: at, Data: json.RawMessage("{}")}).Canonical(); !errors.Is(err, ErrChain) {
			t.Errorf("at %v: %v, want ErrChain", at, err)
		}
	}
}

// TestHistoryCanonicalVector pins the encoding to a worked example, the one
// in docs/ledger-verification.md: the hashes were computed with sha256sum.
func TestHistoryCanonicalVector(t *testing.T) {
	e := &Event{
		Seq: 7, CaseSeq: 2, CaseID: "3f1c2a9e-0b7d-4c55-9a61-2d8e4f0b6c13", Kind: "transition",
		Actor: "张伟", ActorRole: "township_official",
		At:       time.Date(2026, 5, 6, 9, 30, 15, 250000000, time.FixedZone("CST", 8*3600)),
		Data:     json.RawMessage(`{ "to": "accepted", "from": "registered", "note": "受理告知书\u5df2送达" }`),
		PrevHash: strings.Repeat("0", 64), CasePrevHash: strings.Repeat("1", 64),
	}
	const want = `{"seq":7,"case_seq":2,"case_id":"3f1c2a9e-0b7d-4c55-9a61-2d8e4f0b6c13","kind":"transition",` +
		`"actor":"张伟","actor_role":"township_official","at":"2026-05-06T01:30:15.250000000Z",` +
		`"data":{"from":"registered","note":"受理告知书已送达","to":"accepted"}}`
	canon, err := e.Canonical()
	if err != nil || string(canon) != want {
		t.Fatalf("canonical:\n got %s, %v\nwant %s", canon, err, want)
	}
	sum := sha256.Sum256(append([]byte(e.PrevHash), canon...))
	if h := ChainHash(e.PrevHash, canon); h != hex.EncodeToString(sum[:]) || h != historyVectorHash {
		t.Fatalf("hash %s, want %s", h, historyVectorHash)
	}
	if h := ChainHash(e.CasePrevHash, canon); h != historyVectorCaseHash {
		t.Fatalf("case hash %s, want %s", h, historyVectorCaseHash)
	}
}

const (
	historyVectorHash     = "9d28f73b040e2e70473a92c5f61213543d9689da07b6e4c606442daa8a9514dd"
	historyVectorCaseHash = "21b294e8df303d513fddfe19f9d5789632c80769dc4c1a18bf1c8f0ca63c8470"
)

// BenchmarkVerify measures Verify over a sealed history held in memory: the
// cost of the check itself, without a store.
func BenchmarkVerify(b *testing.B) {
	const n = 200_000
	evs := historyChain(b, n, 5_000)
	for b.Loop() {
		r, err := Verify(sliceNext(evs), func(string, string, int64) error { return nil })
		if err != nil || !r.OK() {
			b.Fatalf("%+v, %v", r, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(0, "ns/op")
}

// TestHistoryPurgedObjects: a recording purged by a later event (retention)
// is not checked, nor reported missing; the others are.
func TestHistoryPurgedObjects(t *testing.T) {
	evs := historyChain(t, 200, 5)
	var refs []RecordingRef
	for _, e := range evs {
		if e.Kind == KindRecordingStored {
			var r RecordingRef
			json.Unmarshal(e.Data, &r)
			refs = append(refs, r)
		}
	}
	if len(refs) < 2 {
		t.Fatalf("the chain holds %d recordings", len(refs))
	}
	purge := &Event{Kind: KindRecordingPurged, Actor: "hearingroom", ActorRole: "system", At: evs[len(evs)-1].At,
		Data: json.RawMessage(`{"object":"` + refs[0].Object + `","reason":"retention"}`)}
	if err := Seal(evs[len(evs)-1], nil, purge); err != nil {
		t.Fatal(err)
	}
	evs = append(evs, purge)
	var checked []string
	r := mustVerify(t, evs, func(key, sum string, size int64) error {
		checked = append(checked, key)
		if key == refs[0].Object {
			return fmt.Errorf("object %s: %w", key, fs.ErrNotExist)
		}
		return nil
	})
	if !r.OK() || r.Objects != int64(len(refs)-1) || slices.Contains(checked, refs[0].Object) {
		t.Fatalf("report %+v; checked %d of %d, purged one among them: %v", r, len(checked), len(refs), slices.Contains(checked, refs[0].Object))
	}
}
