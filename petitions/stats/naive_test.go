package stats_test

import (
	"sort"
	"time"

	"hearingroom/petitions"
	"hearingroom/petitions/stats"
)

// naive recomputes every figure of the cases sel selects from the case
// records (the dates, decisions and overlays the lifecycle effects wrote),
// not from the events, with plain loops. Where the record cannot say it (the
// first decision of a petition later diverted) it takes the date the record
// keeps for it (AcceptedAt).
func naive(l *ledger, q stats.Query, sel func(*petitions.Petition) bool) map[string][2]float64 {
	var (
		received, visits, persons, groups, repeats float64
		accDue, accOnTime, replied, repliedOnTime  float64
		accepted, resolved, active, overdue, soon  float64
		days                                       []float64
		medAcc, medEff, eff, applied, ended, perf  float64
		closed, rated, ratings, satisfied          float64
		supIssued, supSettled, supOnTime           float64
		supAnswered, supAdopted                    float64
	)
	type sm struct {
		called, settled, onTime float64
		minutes                 []float64
	}
	summ := map[petitions.SummonLevel]*sm{"quick": {}, "emergency": {}, "tough": {}}
	in := func(t time.Time) bool { return inPeriod(q, t) }
	for _, p := range l.cases {
		if !sel(p) || p.State == petitions.StateDraft {
			continue
		}
		lc := l.lcs[p.Kind]
		if in(p.ReceivedAt) {
			received++
			visits++
			for _, ln := range p.Links {
				if ln.Kind == petitions.LinkRepeat {
					visits++
				}
			}
			persons += float64(p.Headcount)
			if p.Headcount >= 5 {
				groups++
			}
			for _, ln := range p.Links {
				if ln.Kind == petitions.LinkRepeat {
					repeats++
					break
				}
			}
		}
		if p.Kind == petitions.KindPetition {
			decided := p.AcceptedAt
			if decided.IsZero() && p.Decision != nil {
				decided = p.Decision.DecidedAt
			}
			due, hasDue := p.Deadlines[petitions.StepAcceptance]
			waiting := p.State == petitions.StateRegistered || p.State == petitions.StateTransferred
			if hasDue && (!decided.IsZero() || waiting) && in(petitions.ChinaDate(due.Adjusted)) {
				end := petitions.EndOfDay(due.Adjusted)
				switch {
				case !decided.IsZero():
					accDue++
					if decided.Before(end) {
						accOnTime++
					}
				case !q.Now.Before(end):
					accDue++
				}
			}
			if in(p.RepliedAt) {
				replied++
				hd, ok := p.Deadlines[petitions.StepHandlingExtended]
				if !ok {
					hd = p.Deadlines[petitions.StepHandling]
				}
				if p.RepliedAt.Before(petitions.EndOfDay(hd.Adjusted)) {
					repliedOnTime++
				}
			}
		}
		if in(p.AcceptedAt) {
			accepted++
			if naiveResolved(p) {
				resolved++
			}
			if p.Kind == petitions.KindMediation {
				medAcc++
				if a := p.Mediation.Agreement; a != nil && !a.EffectiveAt.IsZero() {
					medEff++
				}
			}
		}
		if p.Mediation != nil {
			if a := p.Mediation.Agreement; a != nil && in(a.EffectiveAt) {
				eff++
				if p.Mediation.Confirmation != nil {
					applied++
				}
			}
			pf := p.Mediation.Performance
			if in(pf.PerformedAt) || in(pf.BreachedAt) {
				ended++
				if !pf.PerformedAt.IsZero() {
					perf++
				}
			}
		}
		if lc.Active(p.State) {
			active++
			if lc.Overdue(p, q.Now) {
				overdue++
			} else if d, ok := lc.Due(p); ok {
				y1, m1, d1 := d.Adjusted.In(time.UTC).Add(8 * time.Hour).Date()
				y2, m2, d2 := q.Now.In(time.UTC).Add(8 * time.Hour).Date()
				gap := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC).Sub(time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC))
				if gap <= 3*24*time.Hour {
					soon++
				}
			}
		}
		if in(p.ClosedAt) {
			closed++
			days = append(days, utcDays(p.AcceptedAt, p.ClosedAt))
			if len(p.Ratings) > 0 {
				rated++
			}
			for _, r := range p.Ratings {
				ratings++
				if r.Score != petitions.ScoreUnsatisfied {
					satisfied++
				}
			}
		}
		for _, s := range p.Supervisions {
			if !in(s.IssuedAt) {
				continue
			}
			supIssued++
			if !s.FeedbackAt.IsZero() {
				supSettled++
				supAnswered++
				if s.FeedbackAt.Before(petitions.EndOfDay(s.Due.Adjusted)) {
					supOnTime++
				}
				if s.Adopted {
					supAdopted++
				}
			} else if !q.Now.Before(petitions.EndOfDay(s.Due.Adjusted)) {
				supSettled++
			}
		}
		for _, s := range p.Summons {
			if !in(s.IssuedAt) {
				continue
			}
			x := summ[s.Level]
			for _, d := range s.Departments {
				x.called++
				if !d.ReportedAt.IsZero() {
					x.settled++
					x.minutes = append(x.minutes, d.ReportedAt.Sub(s.IssuedAt).Minutes())
					if !d.ReportedAt.After(s.ReportDue) {
						x.onTime++
					}
				} else if q.Now.After(s.ReportDue) {
					x.settled++
				}
			}
		}
	}
	total := 0.0
	for _, d := range days {
		total += d
	}
	m := map[string][2]float64{
		"received_cases": {received, 0}, "received_visits": {visits, 0}, "persons": {persons, 0},
		"group_visits": {groups, 0}, "repeat_rate": {repeats, received}, "accepted": {accepted, 0},
		"on_time_acceptance": {accOnTime, accDue}, "on_time_completion": {repliedOnTime, replied},
		"resolution_rate": {resolved, accepted}, "active_now": {active, 0}, "overdue_now": {overdue, active},
		"due_soon": {soon, 0}, "handling_days_mean": {total, float64(len(days))},
		"handling_days_median": {naiveMedian(days), 0}, "handling_days_p90": {naiveP90(days), 0},
		"mediation_success": {medEff, medAcc}, "judicial_confirmation": {applied, eff}, "performance": {perf, ended},
		"participation": {rated, closed}, "satisfaction": {satisfied, ratings},
		"supervisions_issued": {supIssued, 0}, "supervisions_on_time": {supOnTime, supSettled},
		"supervision_adoption": {supAdopted, supAnswered},
	}
	for l, x := range summ {
		m["summons_"+string(l)+"_called"] = [2]float64{x.called, 0}
		m["summons_"+string(l)+"_on_time"] = [2]float64{x.onTime, x.settled}
		m["summons_"+string(l)+"_median_minutes"] = [2]float64{naiveMedian(x.minutes), 0}
	}
	return m
}

// naiveResolved reads resolution off the record: a petition closed settled,
// or closed after a 支持 answer (the 复查 answer when there is one); a
// mediation performed.
func naiveResolved(p *petitions.Petition) bool {
	if p.Kind == petitions.KindMediation {
		return !p.Mediation.Performance.PerformedAt.IsZero()
	}
	if p.ClosedAt.IsZero() {
		return false
	}
	outcome := p.Reply.Outcome
	if len(p.Reviews) > 0 && !p.Reviews[0].AnsweredAt.IsZero() {
		outcome = p.Reviews[0].Outcome
	}
	return p.Settled || outcome == petitions.OutcomeSupport
}

// utcDays counts China calendar days by shifting to UTC+8 by hand.
func utcDays(a, b time.Time) float64 {
	day := func(t time.Time) time.Time {
		y, m, d := t.UTC().Add(8 * time.Hour).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return float64(day(b).Sub(day(a)) / (24 * time.Hour))
}

func naiveMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// naiveP90 is the nearest rank: the smallest value with at least 90 % of the
// values at or below it.
func naiveP90(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	for i, x := range s {
		if float64(i+1)*10 >= float64(len(s))*9 {
			return x
		}
	}
	return s[len(s)-1]
}
