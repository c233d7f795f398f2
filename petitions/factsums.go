package petitions

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// The stores keep the facts pre-summed per China month (FactSums), so that
// AggregateFacts adds the months a period covers whole and reads cases only
// for the days at its edges, the acceptance deadlines passed undecided, the
// supervisions and the summons; what depends on "now" for the active cases
// (overdue, due soon) is pre-summed by running deadline. SaveFacts
// subtracts the old facts' sums and adds the new ones in the transaction
// that replaces them.

// Scopes of the sums (SumsKey.Scope): how the cases of a row are keyed.
const (
	SumsAll      = "all"      // every case, one row per month
	SumsUnit     = "unit"     // by unit, each case in every unit of CaseFacts.Within
	SumsOwner    = "owner"    // by 包案 leader, for the cases that have one
	SumsMediator = "mediator" // by mediator; ratings are the mediator's
)

// SumsEver is the bucket of the counts that have no date: the cases and the
// closed ones (Cases, ClosedEver; for a mediator only the cases, to know he
// has some).
const SumsEver int64 = math.MinInt64

// SumsKey identifies a row of sums: a scope, a bucket (SumsBucket of a date,
// or SumsEver), and the scope's group: the unit, the owner or the mediator
// ("" for SumsAll).
type SumsKey struct {
	Scope  string
	Bucket int64
	Group  string
}

// HandlingKey identifies a count of handling days, by the month the case
// closed in (scopes SumsAll and SumsUnit).
type HandlingKey struct {
	SumsKey
	Days int
}

// RunningKey identifies a count of active cases by their running deadline
// (Bucket 0): its day and the instant it passes, in Unix microseconds, 0
// for a case with none. Overdue and due soon are counted from them at "now".
type RunningKey struct {
	SumsKey
	Day, Passed int64
}

// SumsColumns name the counts of Sums in order: the stores' column names.
var SumsColumns = []string{"cases", "closed_ever", "received", "visits", "persons", "groups", "repeats",
	"acc_decided", "acc_on_time", "replied", "replied_on_time", "accepted", "resolved", "med_accepted",
	"med_effective", "effective", "applied", "perf_ended", "performed", "closed", "rated", "ratings", "satisfied"}

// Sums are the counts of one row of sums, in the order of SumsColumns. The
// acceptance deadlines counted are only the decided ones (acc_decided):
// those passed undecided depend on "now".
type Sums [23]int64

// AddTo adds s to t.
func (s *Sums) AddTo(t *FactsTotals) {
	for i, p := range []*int{&t.Cases, &t.ClosedEver, &t.Received, &t.Visits, &t.Persons, &t.Groups, &t.Repeats,
		&t.AccDue, &t.AccOnTime, &t.Replied, &t.RepliedOnTime, &t.Accepted, &t.Resolved, &t.MedAccepted,
		&t.MedEffective, &t.Effective, &t.Applied, &t.PerfEnded, &t.Performed, &t.Closed, &t.Rated, &t.Ratings,
		&t.Satisfied} {
		*p += int(s[i])
	}
}

// IsZero reports whether every count of s is zero.
func (s *Sums) IsZero() bool { return *s == Sums{} }

// SumsBucket returns the bucket of t: the start of its China month, in Unix
// microseconds.
func SumsBucket(t time.Time) int64 {
	y, m, _ := t.In(ChinaTime).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, ChinaTime).UnixMicro()
}

// SumsSpan returns the buckets q's period covers whole, [first, end) in Unix
// microseconds: the China months from the first that starts at or after
// q.From to the last that ends at or before q.To. first == end when it
// covers none.
func (q FactsQuery) SumsSpan() (first, end int64) {
	first, end = SumsBucket(q.From), SumsBucket(q.To)
	if first < q.From.UnixMicro() {
		y, m, _ := time.UnixMicro(first).In(ChinaTime).Date()
		first = time.Date(y, m+1, 1, 0, 0, 0, 0, ChinaTime).UnixMicro()
	}
	if end <= first {
		return q.To.UnixMicro(), q.To.UnixMicro()
	}
	return first, end
}

// FactSums are the sums of some cases' facts, or the change to them when a
// case's facts are replaced: what a store adds to its sums tables.
type FactSums struct {
	Rows     map[SumsKey]*Sums
	Handling map[HandlingKey]int64
	Running  map[RunningKey]int64
}

// NewFactSums returns empty sums.
func NewFactSums() *FactSums {
	return &FactSums{Rows: map[SumsKey]*Sums{}, Handling: map[HandlingKey]int64{}, Running: map[RunningKey]int64{}}
}

// The indexes of the counts in Sums, in the order of SumsColumns.
const (
	sumCases = iota
	sumClosedEver
	sumReceived
	sumVisits
	sumPersons
	sumGroups
	sumRepeats
	sumAccDecided
	sumAccOnTime
	sumReplied
	sumRepliedOnTime
	sumAccepted
	sumResolved
	sumMedAccepted
	sumMedEffective
	sumEffective
	sumApplied
	sumPerfEnded
	sumPerformed
	sumClosed
	sumRated
	sumRatings
	sumSatisfied
)

// Add adds sign (1 or −1) times the counts of the case f to s: what
// stats.AddFacts counts in a period, except what depends on "now", in the
// month of each date, and the active cases by running deadline. f's units
// are as stored (Within). Unregistered cases count nowhere; a mediator
// listed twice counts once.
func (s *FactSums) Add(f *CaseFacts, sign int64) {
	if !f.Registered {
		return
	}
	row := func(k SumsKey) *Sums {
		if s.Rows[k] == nil {
			s.Rows[k] = &Sums{}
		}
		return s.Rows[k]
	}
	// add adds n to count i of k's row in the month of at, if at is a date.
	add := func(k SumsKey, at time.Time, i int, n int64) {
		if !at.IsZero() {
			k.Bucket = SumsBucket(at)
			row(k)[i] += sign * n
		}
	}
	b2i := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	counts := func(k SumsKey, ratings, satisfied int) {
		ever := k
		ever.Bucket = SumsEver
		row(ever)[sumCases] += sign
		if k.Scope != SumsMediator {
			row(ever)[sumClosedEver] += sign * b2i(!f.ClosedAt.IsZero())
		}
		add(k, f.ReceivedAt, sumReceived, 1)
		add(k, f.ReceivedAt, sumVisits, 1+int64(f.RepeatLinks))
		add(k, f.ReceivedAt, sumPersons, int64(max(f.Headcount, 1)))
		add(k, f.ReceivedAt, sumGroups, b2i(f.Headcount >= GroupHeadcount))
		add(k, f.ReceivedAt, sumRepeats, b2i(f.RepeatLinks > 0))
		if f.AcceptDecided {
			add(k, f.AcceptDueDay, sumAccDecided, 1)
			add(k, f.AcceptDueDay, sumAccOnTime, b2i(f.AcceptOnTime))
		}
		add(k, f.RepliedAt, sumReplied, 1)
		add(k, f.RepliedAt, sumRepliedOnTime, b2i(f.RepliedOnTime))
		add(k, f.AcceptedAt, sumAccepted, 1)
		add(k, f.AcceptedAt, sumResolved, b2i(f.Resolved))
		if f.Kind == KindMediation {
			add(k, f.AcceptedAt, sumMedAccepted, 1)
			add(k, f.AcceptedAt, sumMedEffective, b2i(!f.EffectiveAt.IsZero()))
		}
		add(k, f.EffectiveAt, sumEffective, 1)
		add(k, f.EffectiveAt, sumApplied, b2i(f.Applied))
		add(k, f.PerfEndedAt, sumPerfEnded, 1)
		add(k, f.PerfEndedAt, sumPerformed, b2i(f.Performed))
		add(k, f.ClosedAt, sumClosed, 1)
		if ratings > 0 {
			add(k, f.ClosedAt, sumRated, 1)
			add(k, f.ClosedAt, sumRatings, int64(ratings))
			add(k, f.ClosedAt, sumSatisfied, int64(satisfied))
		}
	}
	running := func(k SumsKey) {
		if f.Active {
			rk := RunningKey{SumsKey: k}
			if !f.RunningPassed.IsZero() {
				rk.Day, rk.Passed = f.RunningDay.UnixMicro(), f.RunningPassed.UnixMicro()
			}
			s.Running[rk] += sign
		}
	}
	keys := []SumsKey{{Scope: SumsAll}}
	for _, u := range f.Within {
		keys = append(keys, SumsKey{Scope: SumsUnit, Group: u})
	}
	if f.Owner != "" {
		keys = append(keys, SumsKey{Scope: SumsOwner, Group: f.Owner})
	}
	for _, k := range keys {
		counts(k, f.Ratings, f.Satisfied)
		running(k)
		if f.HasHandling && !f.ClosedAt.IsZero() && k.Scope != SumsOwner {
			k.Bucket = SumsBucket(f.ClosedAt)
			s.Handling[HandlingKey{k, f.HandlingDays}] += sign
		}
	}
	seen := map[string]bool{}
	for _, m := range f.Mediators {
		if !seen[m.ID] {
			seen[m.ID] = true
			k := SumsKey{Scope: SumsMediator, Group: m.ID}
			counts(k, m.Ratings, m.Satisfied)
			running(k)
		}
	}
}

// UnitParents is a store's copy of its units' parents, for Within. Units
// are never moved or removed, so the copy stays true; a unit it does not
// know (made since, perhaps by another server) makes it load them again.
type UnitParents struct {
	mu      sync.Mutex
	parents map[string]string
}

// Within returns Within(parents, units...), loading the parents (a unit's
// parent, "" for a root) with load first if one of units is unknown.
func (p *UnitParents) Within(load func() (map[string]string, error), units ...string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range units {
		if _, ok := p.parents[u]; u != "" && !ok {
			parents, err := load()
			if err != nil {
				return nil, err
			}
			p.parents = parents
			break
		}
	}
	return Within(p.parents, units...), nil
}

// Within returns the units a case with these units (lead, station's,
// village's) counts in for SumsUnit: each of them and its ancestors in
// parents (a unit's parent, "" for a root), distinct, sorted; "" skipped.
// A unit of a case is in a unit's subtree exactly when that unit is
// within it, so that the row of a unit sums the cases of its subtree.
func Within(parents map[string]string, units ...string) []string {
	var out []string
	for _, u := range units {
		for steps := 0; u != "" && steps < 64; steps++ { // 64: a cycle cannot loop
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
			u = parents[u]
		}
	}
	slices.Sort(out)
	return out
}

// Merge adds the counts of o to s.
func (s *FactSums) Merge(o *FactSums) {
	for k, v := range o.Rows {
		r := s.Rows[k]
		if r == nil {
			r = &Sums{}
			s.Rows[k] = r
		}
		for i, n := range v {
			r[i] += n
		}
	}
	for k, n := range o.Handling {
		s.Handling[k] += n
	}
	for k, n := range o.Running {
		s.Running[k] += n
	}
}

// Changed returns the keys of the rows, of the handling days and of the
// running deadlines s changes (their counts not all zero), each sorted: the
// order in which a store updates them, the same in every transaction so
// that two never wait on each other's rows in a cycle.
func (s *FactSums) Changed() ([]SumsKey, []HandlingKey, []RunningKey) {
	var rows []SumsKey
	for k, v := range s.Rows {
		if !v.IsZero() {
			rows = append(rows, k)
		}
	}
	slices.SortFunc(rows, compareSumsKeys)
	return rows, changed(s.Handling, func(a, b HandlingKey) int {
			return cmp.Or(compareSumsKeys(a.SumsKey, b.SumsKey), cmp.Compare(a.Days, b.Days))
		}), changed(s.Running, func(a, b RunningKey) int {
			return cmp.Or(compareSumsKeys(a.SumsKey, b.SumsKey), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Passed, b.Passed))
		})
}

// changed returns the keys of counts whose count is not zero, sorted by cmp.
func changed[K comparable](counts map[K]int64, cmp func(a, b K) int) []K {
	var keys []K
	for k, n := range counts {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, cmp)
	return keys
}

func compareSumsKeys(a, b SumsKey) int {
	return cmp.Or(cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Group, b.Group))
}
