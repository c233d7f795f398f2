package factsql

import (
	"time"

	"hearingroom/petitions"
)

// FactsColumns are the columns of case_facts the sums count, as selected
// from f, in the order ScanFacts reads them.
const FactsColumns = `f.case_id, f.registered, f.kind, f.lead_unit, f.station_unit, f.village_unit, f.owner,
	f.received_at, f.repeat_links, f.headcount, f.accept_due_day, f.accept_decided, f.accept_on_time, f.replied_at,
	f.replied_on_time, f.accepted_at, f.resolved, f.effective_at, f.applied, f.perf_ended_at, f.performed,
	f.closed_at, f.handling_days, f.ratings, f.satisfied, f.active, f.running_day, f.running_passed`

// ScanFacts reads one row of FactsColumns with scan (a driver's row's
// Scan): the facts the sums count, the units as stored, no mediators.
func ScanFacts(scan func(dest ...any) error) (*petitions.CaseFacts, error) {
	f := &petitions.CaseFacts{}
	var kind string
	var at [9]*int64
	var days *int
	err := scan(&f.CaseID, &f.Registered, &kind, &f.LeadUnit, &f.StationUnit, &f.VillageUnit, &f.Owner,
		&at[0], &f.RepeatLinks, &f.Headcount, &at[1], &f.AcceptDecided, &f.AcceptOnTime, &at[2],
		&f.RepliedOnTime, &at[3], &f.Resolved, &at[4], &f.Applied, &at[5], &f.Performed,
		&at[6], &days, &f.Ratings, &f.Satisfied, &f.Active, &at[7], &at[8])
	if err != nil {
		return nil, err
	}
	f.Kind = petitions.Kind(kind)
	for i, t := range []*time.Time{&f.ReceivedAt, &f.AcceptDueDay, &f.RepliedAt, &f.AcceptedAt, &f.EffectiveAt,
		&f.PerfEndedAt, &f.ClosedAt, &f.RunningDay, &f.RunningPassed} {
		if at[i] != nil {
			*t = time.UnixMicro(*at[i])
		}
	}
	if days != nil {
		f.HasHandling, f.HandlingDays = true, *days
	}
	return f, nil
}

// Rebuild adds up the sums of every case's facts, as a store reads them
// (its mediators first, then its cases): what RebuildFactSums writes.
type Rebuild struct {
	parents   map[string]string
	mediators map[string][]petitions.MediatorFacts
	sums      *petitions.FactSums
}

// NewRebuild returns an empty rebuild over units with these parents.
func NewRebuild(parents map[string]string) *Rebuild {
	return &Rebuild{parents: parents, mediators: map[string][]petitions.MediatorFacts{}, sums: petitions.NewFactSums()}
}

// Mediator notes a mediator of case id; call it before the case's Case.
func (r *Rebuild) Mediator(id string, m petitions.MediatorFacts) {
	r.mediators[id] = append(r.mediators[id], m)
}

// Case adds the facts f (from ScanFacts), with their mediators and the
// units they count in.
func (r *Rebuild) Case(f *petitions.CaseFacts) {
	f.Mediators = r.mediators[f.CaseID]
	f.Within = petitions.Within(r.parents, f.LeadUnit, f.StationUnit, f.VillageUnit)
	r.sums.Add(f, 1)
}

// Sums returns the sums added up.
func (r *Rebuild) Sums() *petitions.FactSums { return r.sums }
