// Package stats computes the oversight statistics of the ledger (domain.md
// §5) from its history. Each figure states its numerator, its denominator,
// the period it counts and the formula that joins them, because a rate
// without a denominator ("化解率 above 98 %") proves nothing, and 件 (cases)
// are not 件次 (visits).
//
// Every date a figure counts comes from the events of the case — the
// registration, the lifecycle transitions (their at, from, to, input and the
// deadlines they set), supervisions and summons with their answers — never
// from the dates the case record repeats: the history is hash-chained, the
// record is only its latest summary. The record is read only for what no
// event carries, and each figure's Basis says so: the units a case belongs
// to (lead unit, station, village), its headcount, its repeat links, its
// ratings, a mediation's received date, and the 包案 leader of a case whose
// history names none.
//
// Compute is pure: the caller (casework.Service.Statistics) decides who may
// see which unit and streams the cases to it.
package stats

import (
	"iter"
	"slices"
	"time"

	"hearingroom/petitions"
)

// Query selects the period and the unit the statistics are about.
type Query struct {
	// From and To bound the period, half-open [From, To); the web layer
	// makes them China-time midnights, To the day after the last day
	// asked. A due date counts in the period when its China date does.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Unit is "" for the whole county, or a township, village or
	// department id: the cases whose lead unit or origin (station, village)
	// is within it (petitions.UnitTree.IsWithin).
	Unit string `json:"unit,omitempty"`
	// Now is the instant of "as of now" figures; events after Now are
	// ignored, so that a report can be recomputed as it was.
	Now time.Time `json:"now"`
}

// Figure is one statistic with its ingredients. Value is Numerator ÷
// Denominator when Denominator > 0, and Numerator otherwise (a count, or a
// median whose sample size the mean beside it gives).
type Figure struct {
	Key         string  `json:"key"`
	Name        string  `json:"name"`    // Chinese
	NameEN      string  `json:"name_en"` // English
	Formula     string  `json:"formula"`
	Numerator   float64 `json:"numerator"`
	Denominator float64 `json:"denominator"`
	Value       float64 `json:"value"`
	// Unit is what Value measures: "rate" (0–1), "count", "days" or
	// "minutes".
	Unit string `json:"unit"`
	// Basis says which date puts a case in the period ("received_at in
	// period", "as of now" …) and where the facts come from.
	Basis string `json:"basis"`
}

// Report is the outcome of Compute.
type Report struct {
	Query Query `json:"query"`
	// Cases is the number of cases in the unit registered by Query.Now
	// (drafts and cases registered later are not counted anywhere).
	Cases   int      `json:"cases"`
	Figures []Figure `json:"figures"`
	// ByUnit holds the figures of each township and department in the
	// query's unit (every one for the county), keyed by unit id.
	ByUnit map[string][]Figure `json:"by_unit"`
	// ByMediator holds, per mediator who accepted a mediation in the unit,
	// the mediations accepted, the success, participation and
	// satisfaction rates.
	ByMediator map[string][]Figure `json:"by_mediator"`
	// ByOwner holds, per 包案 leader, the cases he owns, how many are
	// closed and how many are overdue, as of now.
	ByOwner map[string][]Figure `json:"by_owner"`
}

// Find returns the figure with the given key.
func Find(fs []Figure, key string) (Figure, bool) {
	i := slices.IndexFunc(fs, func(f Figure) bool { return f.Key == key })
	if i < 0 {
		return Figure{}, false
	}
	return fs[i], true
}

// MaxPeriod is the longest period a query may ask for.
const MaxPeriod = 5 * 366 * 24 * time.Hour

// Validate checks q: a period that ends after it starts and is at most
// MaxPeriod long, and a Now. It returns EINVALID with a message per field.
func (q Query) Validate() error {
	fields := map[string]string{}
	switch {
	case q.From.IsZero():
		fields["from"] = "required"
	case q.To.IsZero():
		fields["to"] = "required"
	case !q.To.After(q.From):
		fields["to"] = "must be after from"
	case q.To.Sub(q.From) > MaxPeriod:
		fields["to"] = "the period is at most five years"
	}
	if q.Now.IsZero() {
		fields["now"] = "required"
	}
	if len(fields) > 0 {
		return &petitions.Error{Code: petitions.EINVALID, Message: "The statistics query is not valid.", Fields: fields}
	}
	return nil
}

// Compute reads the cases (each with its history in CaseSeq order) and
// returns the figures of q's unit over q's period. tree places cases in
// units; lcs gives the lifecycle of each kind (its timers and active
// states decide what is overdue). It returns EINVALID for a bad query, an
// error for a case of a kind lcs lacks, for an event of another case, or for
// event data that does not parse.
//
// Compute is a fold: each case's history is condensed into its facts
// (FactsOf, as of q.Now), which AddFacts sums per scope, and Assemble turns
// the sums into figures — the same sums a store's AggregateFacts returns.
func Compute(q Query, tree *petitions.UnitTree, cases iter.Seq2[*petitions.Petition, []*petitions.Event],
	lcs map[petitions.Kind]*petitions.Lifecycle) (Report, error) {
	if err := q.Validate(); err != nil {
		return Report{}, err
	}
	fq := q.facts()
	total := petitions.NewFactsTotals()
	byUnit := map[string]*petitions.FactsTotals{}
	for _, u := range BreakdownUnits(tree, q.Unit) {
		byUnit[u] = petitions.NewFactsTotals()
	}
	mediators := map[string]*petitions.FactsTotals{}
	owners := map[string]*petitions.FactsTotals{}
	mq, oq := fq, fq
	mq.GroupBy, oq.GroupBy = petitions.GroupMediator, petitions.GroupOwner
	for p, evs := range cases {
		if p == nil {
			continue
		}
		if lcs[p.Kind] == nil {
			return Report{}, petitions.Errorf(petitions.EINTERNAL, "No lifecycle for case %s of kind %q.", p.ID, p.Kind)
		}
		units := caseUnits(p, tree)
		if q.Unit != "" && !slices.ContainsFunc(units, func(u string) bool { return tree.IsWithin(u, q.Unit) }) {
			continue
		}
		f, err := factsAt(p, evs, lcs, q.Now)
		if err != nil {
			return Report{}, err
		}
		if !f.Registered {
			continue
		}
		AddFacts(total, f, fq, "")
		for u, t := range byUnit {
			if slices.ContainsFunc(units, func(x string) bool { return tree.IsWithin(x, u) }) {
				AddFacts(t, f, fq, u)
			}
		}
		for _, m := range f.Mediators {
			if mediators[m.ID] == nil {
				mediators[m.ID] = petitions.NewFactsTotals()
			}
			AddFacts(mediators[m.ID], f, mq, m.ID)
		}
		if f.Owner != "" {
			if owners[f.Owner] == nil {
				owners[f.Owner] = petitions.NewFactsTotals()
			}
			AddFacts(owners[f.Owner], f, oq, f.Owner)
		}
	}
	return Assemble(q, total, byUnit, mediators, owners), nil
}

// Assemble returns the report of q from the sums of its scopes: the unit's
// total, each township and department (byUnit), each mediator and each
// 包案 leader.
func Assemble(q Query, total *petitions.FactsTotals, byUnit, byMediator, byOwner map[string]*petitions.FactsTotals) Report {
	rep := Report{Query: q, Cases: total.Cases, Figures: figures(total), ByUnit: map[string][]Figure{},
		ByMediator: map[string][]Figure{}, ByOwner: map[string][]Figure{}}
	for u, t := range byUnit {
		rep.ByUnit[u] = figures(t)
	}
	for m, t := range byMediator {
		rep.ByMediator[m] = mediatorFigures(t)
	}
	for o, t := range byOwner {
		rep.ByOwner[o] = ownerFigures(t)
	}
	return rep
}

// facts returns the period and now of q as a query of the store's facts.
func (q Query) facts() petitions.FactsQuery {
	return petitions.FactsQuery{From: q.From, To: q.To, Now: q.Now,
		SoonDay: petitions.ChinaDate(q.Now).Add(WarningDays * 24 * time.Hour)}
}

// FactsQuery returns the store query of q's totals grouped by groupBy: the
// cases of q's unit (its subtree in tree), and for petitions.GroupUnit the
// townships and departments within it (BreakdownUnits), each with its
// subtree.
func FactsQuery(q Query, tree *petitions.UnitTree, groupBy string) petitions.FactsQuery {
	fq := q.facts()
	fq.GroupBy = groupBy
	if q.Unit != "" {
		fq.Units, fq.Unit = tree.Subtree(q.Unit), q.Unit
		if fq.Units == nil {
			fq.Units = []string{q.Unit}
		}
	}
	if groupBy == petitions.GroupUnit {
		fq.Groups = map[string][]string{}
		for _, u := range BreakdownUnits(tree, q.Unit) {
			fq.Groups[u] = tree.Subtree(u)
		}
	}
	return fq
}

// caseUnits returns the units a case belongs to: its lead unit and its
// origin, the unit of its station and the unit its village names (record).
func caseUnits(p *petitions.Petition, tree *petitions.UnitTree) []string {
	us := []string{p.LeadUnit}
	if u, ok := tree.StationUnit(p.StationID); ok {
		us = append(us, u)
	}
	if u, ok := tree.Resolve(p.Village); ok {
		us = append(us, u)
	}
	return us
}

// BreakdownUnits returns the townships and departments of the tree within
// unit (all of them for "" or the county): the keys of Report.ByUnit.
func BreakdownUnits(tree *petitions.UnitTree, unit string) []string {
	var out []string
	for _, root := range tree.Roots() {
		for _, id := range tree.Subtree(root) {
			u, _ := tree.Unit(id)
			if u.Level != petitions.UnitTownship && u.Level != petitions.UnitDepartment {
				continue
			}
			if unit == "" || tree.IsWithin(id, unit) {
				out = append(out, id)
			}
		}
	}
	return out
}
