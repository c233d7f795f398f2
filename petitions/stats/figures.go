package stats

import (
	"maps"
	"math"
	"slices"
	"time"

	"hearingroom/petitions"
)

// GroupHeadcount is the headcount from which a visit is a group visit
// (集体访): five, the most representatives a group may send (信访条例 Art. 18).
const GroupHeadcount = petitions.GroupHeadcount

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
	basisRatings  = "closed_at (close transition event) in period; ratings from the case record (the kiosk's 评单 adds one there with a session.rated event)"
	basisEffect   = "agreement_effective (make_effective transition event) in period; application as of now"
	basisPerform  = "fulfil or breach transition event in period"
	basisSupIssue = "issued_at (supervised event) in period; answered (supervision.feedback event) or due passed by now"
	basisSummons  = "issued_at (summoned event) in period; report-in (summons.reported event) or due passed by now"
)

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

// histogram returns the values of h (value → count) in ascending order
// with their counts.
func histogram[K int | float64](h map[K]int) (vals []float64, counts []int) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if h[k] > 0 {
			vals, counts = append(vals, float64(k)), append(counts, h[k])
		}
	}
	return vals, counts
}

// nth returns the k-th (0-based) value, in ascending order, of the sample
// whose histogram vals, counts is.
func nth(vals []float64, counts []int, k int) float64 {
	for i, c := range counts {
		if k < c {
			return vals[i]
		}
		k -= c
	}
	return 0
}

// histStats returns the size, sum, median and p-th percentile (as Median
// and Percentile compute them) of the sample whose histogram h is.
func histStats[K int | float64](h map[K]int, p float64) (n int, total, median, pct float64) {
	vals, counts := histogram(h)
	for i, c := range counts {
		n += c
		total += vals[i] * float64(c)
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	median = nth(vals, counts, n/2)
	if n%2 == 0 {
		median = (nth(vals, counts, n/2-1) + median) / 2
	}
	k := int(math.Ceil(p / 100 * float64(n)))
	return n, total, median, nth(vals, counts, min(max(k, 1), n)-1)
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
