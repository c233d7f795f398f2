package stats

import (
	"math"
	"time"

	"hearingroom/petitions"
)

// FactsOf replays the history of p (its events in CaseSeq order) into the
// facts the figures count (petitions.CaseFacts), as of its last event. It
// returns an error for a case of a kind lcs lacks, for an event of another
// case, or for event data that does not parse.
func FactsOf(p *petitions.Petition, evs []*petitions.Event, lcs map[petitions.Kind]*petitions.Lifecycle) (*petitions.CaseFacts, error) {
	return factsAt(p, evs, lcs, time.Unix(math.MaxInt64/2, 0))
}

// factsAt is FactsOf ignoring the events after now.
func factsAt(p *petitions.Petition, evs []*petitions.Event, lcs map[petitions.Kind]*petitions.Lifecycle, now time.Time) (*petitions.CaseFacts, error) {
	lc := lcs[p.Kind]
	if lc == nil {
		return nil, petitions.Errorf(petitions.EINTERNAL, "No lifecycle for case %s of kind %q.", p.ID, p.Kind)
	}
	f, err := replay(p, evs, lc, now)
	if err != nil {
		return nil, err
	}
	return f.caseFacts(), nil
}

// caseFacts condenses the replayed history.
func (f *facts) caseFacts() *petitions.CaseFacts {
	p := f.p
	cf := &petitions.CaseFacts{CaseID: p.ID, Version: p.Version, Registered: f.registered, Kind: p.Kind,
		LeadUnit: p.LeadUnit, Station: p.StationID, Village: p.Village, Owner: f.owner,
		ReceivedAt: f.receivedAt, RepeatLinks: repeatLinks(p), Headcount: p.Headcount,
		AcceptedAt: f.acceptedAt, Resolved: f.resolved,
		EffectiveAt: f.effectiveAt, Applied: !f.appliedAt.IsZero(),
		PerfEndedAt: firstSet(f.performedAt, f.breachedAt), Performed: !f.performedAt.IsZero(),
		Active: f.active(), ClosedAt: f.closedAt}
	if !f.registered {
		cf.ReceivedAt = time.Time{}
	}
	if p.Kind == petitions.KindPetition {
		if due, ok := f.acceptanceDue(); ok {
			cf.AcceptDueDay, cf.AcceptPassed = petitions.ChinaDate(due.Adjusted), passedAt(due)
			cf.AcceptDecided = !f.decidedAt.IsZero()
			cf.AcceptOnTime = cf.AcceptDecided && !due.Passed(f.decidedAt)
		}
		cf.RepliedAt = f.repliedAt
		cf.RepliedOnTime = !f.repliedAt.IsZero() && f.replyDue != nil && !f.replyDue.Passed(f.repliedAt)
	}
	if d, ok := f.running(); ok {
		cf.RunningPassed, cf.RunningDay = passedAt(d), petitions.ChinaDate(d.Adjusted)
	}
	if !f.closedAt.IsZero() && !f.acceptedAt.IsZero() {
		cf.HasHandling, cf.HandlingDays = true, int(calendarDays(f.acceptedAt, f.closedAt))
	}
	cf.Ratings, cf.Satisfied = scores(p.Ratings, nil)
	for _, m := range f.mediators {
		n, sat := scores(p.Ratings, func(r petitions.Rating) bool { return r.Target == "mediator" && r.TargetID == m })
		cf.Mediators = append(cf.Mediators, petitions.MediatorFacts{ID: m, Ratings: n, Satisfied: sat})
	}
	for _, s := range f.supervisions {
		sf := petitions.SupervisionFacts{IssuedAt: s.issuedAt, Passed: passedAt(s.due), AnsweredAt: s.feedbackAt,
			Adopted: s.adopted}
		sf.OnTime = !s.feedbackAt.IsZero() && !s.due.Passed(s.feedbackAt)
		cf.Supervisions = append(cf.Supervisions, sf)
	}
	for _, s := range f.summons {
		for _, u := range s.units {
			sf := petitions.SummonFacts{Level: s.level, Unit: u, IssuedAt: s.issuedAt, Due: s.due}
			if rep, ok := s.reported[u]; ok {
				sf.ReportedAt, sf.Minutes = rep, rep.Sub(s.issuedAt).Minutes()
				sf.OnTime = s.due.IsZero() || !rep.After(s.due)
			}
			cf.Summons = append(cf.Summons, sf)
		}
	}
	return cf
}

// passedAt is the instant d passes: d.Passed(now) exactly when now is not
// before it.
func passedAt(d petitions.Deadline) time.Time {
	y, m, day := d.Adjusted.Date()
	return time.Date(y, m, day+1, 0, 0, 0, 0, d.Adjusted.Location())
}

// AddFacts adds the facts of one registered case to the totals t of a
// group of q.GroupBy keyed key: the one definition of what each figure
// counts, which the stores' AggregateFacts repeat in SQL. For
// GroupMediator the ratings are those of the mediator key, and the cases
// and closed cases are not counted; for GroupOwner and GroupMediator
// supervisions, summons and handling days are not summed.
func AddFacts(t *petitions.FactsTotals, f *petitions.CaseFacts, q petitions.FactsQuery, key string) {
	in := func(at time.Time) bool { return !at.IsZero() && !at.Before(q.From) && at.Before(q.To) }
	passed := func(at time.Time) bool { return !q.Now.Before(at) }
	if q.GroupBy != petitions.GroupMediator {
		t.Cases++
		if !f.ClosedAt.IsZero() {
			t.ClosedEver++
		}
	}
	if in(f.ReceivedAt) {
		t.Received++
		t.Visits += 1 + f.RepeatLinks
		t.Persons += max(f.Headcount, 1)
		if f.Headcount >= GroupHeadcount {
			t.Groups++
		}
		if f.RepeatLinks > 0 {
			t.Repeats++
		}
	}
	if in(f.AcceptDueDay) {
		switch {
		case f.AcceptDecided:
			t.AccDue++
			if f.AcceptOnTime {
				t.AccOnTime++
			}
		case passed(f.AcceptPassed):
			t.AccDue++
		}
	}
	if in(f.RepliedAt) {
		t.Replied++
		if f.RepliedOnTime {
			t.RepliedOnTime++
		}
	}
	if in(f.AcceptedAt) {
		t.Accepted++
		if f.Resolved {
			t.Resolved++
		}
		if f.Kind == petitions.KindMediation {
			t.MedAccepted++
			if !f.EffectiveAt.IsZero() {
				t.MedEffective++
			}
		}
	}
	if in(f.EffectiveAt) {
		t.Effective++
		if f.Applied {
			t.Applied++
		}
	}
	if in(f.PerfEndedAt) {
		t.PerfEnded++
		if f.Performed {
			t.Performed++
		}
	}
	if f.Active {
		t.Active++
		if !f.RunningPassed.IsZero() {
			switch {
			case passed(f.RunningPassed):
				t.Overdue++
			case !f.RunningDay.After(q.SoonDay):
				t.DueSoon++
			}
		}
	}
	if in(f.ClosedAt) {
		t.Closed++
		n, sat := f.Ratings, f.Satisfied
		if q.GroupBy == petitions.GroupMediator {
			n, sat = 0, 0
			for _, m := range f.Mediators {
				if m.ID == key {
					n, sat = m.Ratings, m.Satisfied
				}
			}
		}
		if n > 0 {
			t.Rated++
			t.Ratings += n
			t.Satisfied += sat
		}
		if f.HasHandling && q.GroupBy != petitions.GroupOwner && q.GroupBy != petitions.GroupMediator {
			t.HandlingDays[f.HandlingDays]++
		}
	}
	if q.GroupBy == petitions.GroupOwner || q.GroupBy == petitions.GroupMediator {
		return
	}
	for _, s := range f.Supervisions {
		if !in(s.IssuedAt) {
			continue
		}
		t.SupIssued++
		switch {
		case !s.AnsweredAt.IsZero():
			t.SupSettled++
			t.SupAnswered++
			if s.OnTime {
				t.SupOnTime++
			}
			if s.Adopted {
				t.SupAdopted++
			}
		case passed(s.Passed):
			t.SupSettled++
		}
	}
	for _, s := range f.Summons {
		if !in(s.IssuedAt) {
			continue
		}
		st := t.Summon(s.Level)
		st.Called++
		switch {
		case !s.ReportedAt.IsZero():
			st.Settled++
			st.Minutes[s.Minutes]++
			if s.OnTime {
				st.OnTime++
			}
		case !s.Due.IsZero() && q.Now.After(s.Due):
			st.Settled++
		}
	}
}
