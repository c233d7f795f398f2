package stats

import (
	"math"
	"slices"
	"time"

	"hearingroom/petitions"
)

// GroupHeadcount is the headcount from which a visit is a group visit
// (集体访): five, the most representatives a group may send (信访条例 Art. 18).
const GroupHeadcount = 5

// WarningDays is how close a running deadline is when an active case gets
// the yellow warning (预警); a choice of ours, not law.
const WarningDays = 3

// Bases: which date puts a case in a figure, and where it comes from.
const (
	basisReceived = "received_at in period (petition: the registration event's acceptance deadline start; mediation: the case record, no event carries it)"
	basisRecord   = "received_at in period; headcount and links from the case record (no event carries them)"
	basisDue      = "acceptance deadline (in force at the decision, from the events) falls in period; undecided cases once the deadline passed"
	basisReplied  = "replied_at (reply transition event) in period"
	basisAccepted = "accepted_at (first accept transition event) in period; outcome as of now"
	basisNow      = "as of now: state and running deadline replayed from the events"
	basisClosed   = "closed_at (last close transition event not reopened by 复查/复核) in period"
	basisRatings  = "closed_at (close transition event) in period; ratings from the case record (no event carries them)"
	basisEffect   = "agreement_effective (make_effective transition event) in period; application as of now"
	basisPerform  = "fulfil or breach transition event in period"
	basisSupIssue = "issued_at (supervised event) in period; answered (supervision.feedback event) or due passed by now"
	basisSummons  = "issued_at (summoned event) in period; report-in (summons.reported event) or due passed by now"
)

// tally accumulates the figures of one scope.
type tally struct {
	q                                 Query
	received, visits, persons, groups int
	repeats                           int
	accDue, accOnTime                 int
	replied, repliedOnTime            int
	accepted, resolved                int
	active, overdue, dueSoon          int
	handlingDays                      []float64
	medAccepted, medEffective         int
	effective, applied                int
	perfEnded, performed              int
	closed, rated, ratings, satisfied int
	supIssued, supSettled, supOnTime  int
	supAnswered, supAdopted           int
	summons                           map[petitions.SummonLevel]*summonTally
}

type summonTally struct {
	called, settled, onTime int
	minutes                 []float64
}

func newTally(q Query) *tally {
	t := &tally{q: q, summons: map[petitions.SummonLevel]*summonTally{}}
	for _, l := range summonLevels {
		t.summons[l] = &summonTally{}
	}
	return t
}

var summonLevels = []petitions.SummonLevel{petitions.SummonQuick, petitions.SummonEmergency, petitions.SummonTough}

// in reports whether t lies in the period.
func (t *tally) in(at time.Time) bool {
	return !at.IsZero() && !at.Before(t.q.From) && at.Before(t.q.To)
}

// add counts one replayed, registered case.
func (t *tally) add(f *facts) {
	now := t.q.Now
	if t.in(f.receivedAt) {
		t.received++
		reps := repeatLinks(f.p)
		t.visits += 1 + reps
		t.persons += max(f.p.Headcount, 1)
		if f.p.Headcount >= GroupHeadcount {
			t.groups++
		}
		if reps > 0 {
			t.repeats++
		}
	}
	if f.p.Kind == petitions.KindPetition {
		if due, ok := f.acceptanceDue(); ok && t.in(petitions.ChinaDate(due.Adjusted)) {
			switch {
			case !f.decidedAt.IsZero():
				t.accDue++
				if !due.Passed(f.decidedAt) {
					t.accOnTime++
				}
			case due.Passed(now):
				t.accDue++
			}
		}
		if t.in(f.repliedAt) {
			t.replied++
			if f.replyDue != nil && !f.replyDue.Passed(f.repliedAt) {
				t.repliedOnTime++
			}
		}
	}
	if t.in(f.acceptedAt) {
		t.accepted++
		if f.resolved {
			t.resolved++
		}
		if f.p.Kind == petitions.KindMediation {
			t.medAccepted++
			if !f.effectiveAt.IsZero() {
				t.medEffective++
			}
		}
	}
	if t.in(f.effectiveAt) {
		t.effective++
		if !f.appliedAt.IsZero() {
			t.applied++
		}
	}
	if end := firstSet(f.performedAt, f.breachedAt); t.in(end) {
		t.perfEnded++
		if !f.performedAt.IsZero() {
			t.performed++
		}
	}
	if f.active() {
		t.active++
		if d, ok := f.running(); ok {
			switch {
			case d.Passed(now):
				t.overdue++
			case petitions.ChinaDate(d.Adjusted).Sub(petitions.ChinaDate(now)) <= WarningDays*24*time.Hour:
				t.dueSoon++
			}
		}
	}
	if t.in(f.closedAt) {
		t.closed++
		if !f.acceptedAt.IsZero() {
			t.handlingDays = append(t.handlingDays, calendarDays(f.acceptedAt, f.closedAt))
		}
		if n, sat := scores(f.p.Ratings, nil); n > 0 {
			t.rated++
			t.ratings += n
			t.satisfied += sat
		}
	}
	for _, s := range f.supervisions {
		if !t.in(s.issuedAt) {
			continue
		}
		t.supIssued++
		switch {
		case !s.feedbackAt.IsZero():
			t.supSettled++
			t.supAnswered++
			if !s.due.Passed(s.feedbackAt) {
				t.supOnTime++
			}
			if s.adopted {
				t.supAdopted++
			}
		case s.due.Passed(now):
			t.supSettled++
		}
	}
	for _, s := range f.summons {
		st := t.summons[s.level]
		if st == nil || !t.in(s.issuedAt) {
			continue
		}
		for _, u := range s.units {
			st.called++
			rep, ok := s.reported[u]
			switch {
			case ok:
				st.settled++
				st.minutes = append(st.minutes, rep.Sub(s.issuedAt).Minutes())
				if s.due.IsZero() || !rep.After(s.due) {
					st.onTime++
				}
			case !s.due.IsZero() && now.After(s.due):
				st.settled++
			}
		}
	}
}

// acceptanceDue is the acceptance deadline a petition is measured against:
// the one in force at its decision, or, undecided and still waiting
// (registered or transferred), the one running now. A petition withdrawn
// before a decision has none.
func (f *facts) acceptanceDue() (petitions.Deadline, bool) {
	if f.acceptDue != nil {
		return *f.acceptDue, true
	}
	if !f.decidedAt.IsZero() || f.withdrawn || (f.state != petitions.StateRegistered && f.state != petitions.StateTransferred) {
		return petitions.Deadline{}, false
	}
	d, ok := f.deadlines[petitions.StepAcceptance]
	return d, ok
}

// repeatLinks counts the repeat-visit links of a case (record).
func repeatLinks(p *petitions.Petition) int {
	n := 0
	for _, l := range p.Links {
		if l.Kind == petitions.LinkRepeat {
			n++
		}
	}
	return n
}

// scores counts the ratings ok accepts (all when nil) and how many of them
// are satisfied or basically satisfied.
func scores(rs []petitions.Rating, ok func(petitions.Rating) bool) (n, satisfied int) {
	for _, r := range rs {
		if ok != nil && !ok(r) {
			continue
		}
		n++
		if r.Score == petitions.ScoreSatisfied || r.Score == petitions.ScoreBasicSatisfied {
			satisfied++
		}
	}
	return n, satisfied
}

// calendarDays is the number of China calendar days from a to b.
func calendarDays(a, b time.Time) float64 {
	return math.Round(petitions.ChinaDate(b).Sub(petitions.ChinaDate(a)).Hours() / 24)
}

func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// Median returns the median of xs (the mean of the two middle values for an
// even count); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Percentile returns the p-th percentile of xs by the nearest-rank method:
// the smallest value at or above which p % of the values lie; 0 for none.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	k := int(math.Ceil(p / 100 * float64(len(s))))
	return s[min(max(k, 1), len(s))-1]
}

func sum(xs []float64) float64 {
	total := 0.0
	for _, x := range xs {
		total += x
	}
	return total
}

// fig builds a figure; Value follows the rule of Figure.
func fig(key, name, nameEN, formula, unit, basis string, num, den float64) Figure {
	v := num
	if den > 0 {
		v = num / den
	}
	return Figure{Key: key, Name: name, NameEN: nameEN, Formula: formula, Numerator: num, Denominator: den,
		Value: v, Unit: unit, Basis: basis}
}
