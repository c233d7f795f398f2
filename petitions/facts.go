package petitions

import (
	"strings"
	"time"
)

// CaseFacts is what the oversight statistics (package stats) need of one
// case, replayed from its history once (stats.FactsOf) and kept by the
// store beside the case (Store.SaveFacts), so that the figures of a period
// are SQL aggregates over one row per case (Store.AggregateFacts) instead
// of a replay of the whole ledger.
//
// A fact that depends on "now" is kept as the instant it changes: a
// deadline as the instant it passes (Deadline.Passed is "now is not before
// PassedAt"), a day as its China midnight (ChinaDate). A zero time is
// "never" or "none"; stores keep times as Unix microseconds.
type CaseFacts struct {
	CaseID string
	// Version is the case version the facts were computed from; SaveFacts
	// never replaces facts by older ones.
	Version int64
	// Registered reports whether the case entered the ledger: drafts are
	// counted nowhere.
	Registered bool
	Kind       Kind

	// The units the case belongs to for statistics: its lead unit and its
	// origin, the unit of its station and the unit its village code
	// resolves to. FactsOf copies LeadUnit, Station and Village from the
	// record; the store resolves StationUnit and VillageUnit as it does
	// for the worklists, and AggregateFacts returns nothing of them.
	LeadUnit    string
	Station     string
	Village     string
	StationUnit string
	VillageUnit string
	// Within are the units the case counts in for the sums by unit (see
	// Within): set by the store from the units it resolved, not stored.
	Within []string
	Owner  string // 包案 leader

	ReceivedAt  time.Time
	RepeatLinks int // repeat-visit links (record)
	Headcount   int // record

	// Acceptance (petitions): the China day of the acceptance deadline the
	// case is measured against (zero: none), whether it was decided, in
	// time, and the instant the deadline passes.
	AcceptDueDay  time.Time
	AcceptDecided bool
	AcceptOnTime  bool
	AcceptPassed  time.Time

	RepliedAt     time.Time
	RepliedOnTime bool

	AcceptedAt time.Time
	Resolved   bool

	EffectiveAt time.Time // agreement effective (mediation)
	Applied     bool      // 司法确认 applied for
	PerfEndedAt time.Time // performed or breached, the first set
	Performed   bool

	// Active reports an active state; RunningPassed and RunningDay are the
	// running deadline's passing instant and China day (zero: none runs).
	Active        bool
	RunningPassed time.Time
	RunningDay    time.Time

	ClosedAt time.Time
	// HandlingDays is closed − accepted in China calendar days, when the
	// case is closed and was accepted (HasHandling).
	HandlingDays int
	HasHandling  bool
	// Ratings and Satisfied count the ratings of the case (record) and the
	// satisfied or basically satisfied ones.
	Ratings   int
	Satisfied int

	Mediators    []MediatorFacts
	Supervisions []SupervisionFacts
	Summons      []SummonFacts
}

// MediatorFacts is a mediator who accepted a mediation, with the ratings
// of him on it.
type MediatorFacts struct {
	ID        string
	Ratings   int
	Satisfied int
}

// SupervisionFacts is one supervision (督办) of a case.
type SupervisionFacts struct {
	IssuedAt   time.Time
	Passed     time.Time // the instant its due day ends
	AnsweredAt time.Time // zero: not answered
	OnTime     bool      // answered by the end of its due day
	Adopted    bool
}

// SummonFacts is one department called by a summons (吹哨).
type SummonFacts struct {
	Level      SummonLevel
	Unit       string
	IssuedAt   time.Time
	Due        time.Time // report due; zero: none
	ReportedAt time.Time // zero: not reported
	OnTime     bool      // reported, and no due or not after it
	Minutes    float64   // reported − issued, when reported
}

// GroupHeadcount is the headcount from which a visit is a group visit
// (集体访): five, the most representatives a group may send (信访条例 Art. 18).
const GroupHeadcount = 5

// Groupings of AggregateFacts (FactsQuery.GroupBy).
const (
	GroupNone     = ""         // one group, key ""
	GroupUnit     = "unit"     // FactsQuery.Groups: a case counts in each group holding one of its units
	GroupOwner    = "owner"    // the 包案 leader; cases without one are left out
	GroupMediator = "mediator" // each mediator who accepted the case
)

// FactsQuery selects the facts AggregateFacts sums.
type FactsQuery struct {
	// From and To bound the period, half-open; Now is the instant of the
	// "as of now" counts; SoonDay is the last China day whose running
	// deadline warns (预警) at Now.
	From, To, Now, SoonDay time.Time
	// Units, when not nil, keeps the cases with a unit (lead, station's,
	// village's) in it: the ids of a subtree. Unit, if set, is the unit
	// whose subtree it is, so that a store may read that unit's sums
	// (SumsUnit) instead of looking at each unit of Units.
	Units []string
	Unit  string
	// GroupBy is one of the Group constants; Groups gives, for GroupUnit,
	// the unit ids of each group: the subtree of the unit that keys it.
	GroupBy string
	Groups  map[string][]string
}

// FactsTotals are the sums of one group's facts, the ingredients of every
// figure. For GroupMediator, Rated, Ratings and Satisfied count the
// ratings of that mediator, and Cases and ClosedEver are not counted.
// Supervisions, summons and handling days are summed for GroupNone and
// GroupUnit only.
type FactsTotals struct {
	Cases                             int // registered cases
	Received, Visits, Persons, Groups int
	Repeats                           int
	AccDue, AccOnTime                 int
	Replied, RepliedOnTime            int
	Accepted, Resolved                int
	Active, Overdue, DueSoon          int
	ClosedEver                        int // closed and not reopened, whenever
	MedAccepted, MedEffective         int
	Effective, Applied                int
	PerfEnded, Performed              int
	Closed, Rated, Ratings, Satisfied int
	// HandlingDays counts the cases closed in the period, that were
	// accepted, by their handling days: the exact distribution.
	HandlingDays                     map[int]int
	SupIssued, SupSettled, SupOnTime int
	SupAnswered, SupAdopted          int
	Summons                          map[SummonLevel]*SummonTotals
}

// SummonTotals are the sums of the departments called by summons of one
// level; Minutes counts the reported ones by minutes to report in.
type SummonTotals struct {
	Called, Settled, OnTime int
	Minutes                 map[float64]int
}

// NewFactsTotals returns empty totals, their maps made.
func NewFactsTotals() *FactsTotals {
	return &FactsTotals{HandlingDays: map[int]int{}, Summons: map[SummonLevel]*SummonTotals{}}
}

// Summon returns the totals of level, adding them if need be.
func (t *FactsTotals) Summon(level SummonLevel) *SummonTotals {
	st := t.Summons[level]
	if st == nil {
		st = &SummonTotals{Minutes: map[float64]int{}}
		t.Summons[level] = st
	}
	return st
}

// Add adds the sums of u to t.
func (t *FactsTotals) Add(u *FactsTotals) {
	for _, p := range []struct{ dst, src *int }{
		{&t.Cases, &u.Cases}, {&t.Received, &u.Received}, {&t.Visits, &u.Visits}, {&t.Persons, &u.Persons},
		{&t.Groups, &u.Groups}, {&t.Repeats, &u.Repeats}, {&t.AccDue, &u.AccDue}, {&t.AccOnTime, &u.AccOnTime},
		{&t.Replied, &u.Replied}, {&t.RepliedOnTime, &u.RepliedOnTime}, {&t.Accepted, &u.Accepted},
		{&t.Resolved, &u.Resolved}, {&t.Active, &u.Active}, {&t.Overdue, &u.Overdue}, {&t.DueSoon, &u.DueSoon},
		{&t.ClosedEver, &u.ClosedEver}, {&t.MedAccepted, &u.MedAccepted}, {&t.MedEffective, &u.MedEffective},
		{&t.Effective, &u.Effective}, {&t.Applied, &u.Applied}, {&t.PerfEnded, &u.PerfEnded},
		{&t.Performed, &u.Performed}, {&t.Closed, &u.Closed}, {&t.Rated, &u.Rated}, {&t.Ratings, &u.Ratings},
		{&t.Satisfied, &u.Satisfied}, {&t.SupIssued, &u.SupIssued}, {&t.SupSettled, &u.SupSettled},
		{&t.SupOnTime, &u.SupOnTime}, {&t.SupAnswered, &u.SupAnswered}, {&t.SupAdopted, &u.SupAdopted},
	} {
		*p.dst += *p.src
	}
	for d, n := range u.HandlingDays {
		t.HandlingDays[d] += n
	}
	for l, s := range u.Summons {
		st := t.Summon(l)
		st.Called, st.Settled, st.OnTime = st.Called+s.Called, st.Settled+s.Settled, st.OnTime+s.OnTime
		for m, n := range s.Minutes {
			st.Minutes[m] += n
		}
	}
}

// UnitsKey is the key under which a store sums the cases of one
// combination of units (lead, station's, village's) for GroupUnit, before
// RegroupUnits adds each combination to the groups holding one of its
// units.
func UnitsKey(lead, station, village string) string {
	return lead + unitsSep + station + unitsSep + village
}

// unitsSep separates the units of a UnitsKey; stores build the key in SQL
// with the same character (31, the ASCII unit separator).
const unitsSep = "\x1f"

// RegroupUnits adds the sums of each combination of units (keyed by
// UnitsKey) to every group of q.Groups that holds one of its units, once
// per group: a store's AggregateFacts for GroupUnit.
func (q FactsQuery) RegroupUnits(byUnits map[string]*FactsTotals) map[string]*FactsTotals {
	groupsOf := map[string][]string{}
	for g, us := range q.Groups {
		for _, u := range us {
			groupsOf[u] = append(groupsOf[u], g)
		}
	}
	out := map[string]*FactsTotals{}
	for key, t := range byUnits {
		seen := map[string]bool{}
		for _, u := range strings.Split(key, unitsSep) {
			for _, g := range groupsOf[u] {
				if u == "" || seen[g] {
					continue
				}
				seen[g] = true
				if out[g] == nil {
					out[g] = NewFactsTotals()
				}
				out[g].Add(t)
			}
		}
	}
	return out
}
