// Package factsql writes the statistics queries over the facts tables
// (case_facts and the sums kept beside them, see petitions.FactSums) for
// the stores, each in its dialect, and adds up what they return: one plan
// of queries per petitions.FactsQuery, which a store runs in one read
// transaction as it likes (PostgreSQL in one round trip, SQLite one after
// the other). The plan reads:
//
//   - the sums of the China months the period covers whole, with the cases
//     and the closed ones, and the handling days likewise; a unit's row
//     sums its subtree, so a unit and each township or department is one
//     row a month;
//   - the active cases by running deadline, overdue and due soon counted at
//     now;
//   - the cases with a date in the days at the edges of the period, or with
//     an acceptance deadline in it undecided (an index each);
//   - the supervisions and the summons issued in the period, which carry
//     their case's units.
//
// Without sums for q (the mediators and the 包案 leaders of some units only,
// or units not given as a subtree) the whole period is read case by case.
// GroupUnit reads what is not pre-summed by combination of units, then adds
// each to the groups holding one of them (RegroupUnits).
package factsql

import (
	"strconv"
	"strings"

	"hearingroom/petitions"
)

// Dialect is what the stores' SQL differs in. Queries are written with
// named parameters "@name"; Param replaces the "@".
type Dialect struct {
	Param string // how a named parameter begins: "@" or ":"
	// Sum is the sum of val over the rows where cond holds, 0 over none,
	// as a 64-bit integer.
	Sum func(cond, val string) string
	// Greatest names the function of the greater of two values.
	Greatest string
	// Sep is the expression of the character 31, which separates the units
	// of a combination's key (petitions.UnitsKey).
	Sep string
	// In is the condition that col is in the list parameter name, and List
	// encodes a list for it.
	In   func(col, name string) string
	List func([]string) any
	// Mediators joins the mediators (m: mediator, ratings, satisfied) to
	// the cases f, after them.
	Mediators string
	// Edges returns the FROM … WHERE of the cases any of conds (on
	// case_facts' columns, unqualified) holds for, as f, then join, with
	// where added.
	Edges func(conds []string, join, where string) string
}

// Query is one query of a plan: what it reads, its text, and what to do
// with each of its rows (scan reads the row's columns).
type Query struct {
	What string
	Text string
	Row  func(scan func(dest ...any) error) error
}

// Plan is the queries of one FactsQuery, their parameters (values as the
// dialect encodes them), and the totals they add up to once run.
type Plan struct {
	Queries []Query
	Args    map[string]any

	q            petitions.FactsQuery
	out, byUnits map[string]*petitions.FactsTotals
}

// Totals returns the sums of each group, once every query's rows are read.
func (p *Plan) Totals() map[string]*petitions.FactsTotals {
	if p.q.GroupBy == petitions.GroupUnit {
		for g, t := range p.q.RegroupUnits(p.byUnits) {
			p.group(g).Add(t)
		}
		p.byUnits = map[string]*petitions.FactsTotals{}
	}
	return p.out
}

func (p *Plan) group(key string) *petitions.FactsTotals {
	if p.out[key] == nil {
		p.out[key] = petitions.NewFactsTotals()
	}
	return p.out[key]
}

// read is where the rows read case by case go: for GroupUnit, by
// combination of units, regrouped by Totals.
func (p *Plan) read(key string) *petitions.FactsTotals {
	if p.q.GroupBy != petitions.GroupUnit {
		return p.group(key)
	}
	if p.byUnits[key] == nil {
		p.byUnits[key] = petitions.NewFactsTotals()
	}
	return p.byUnits[key]
}

// New returns the plan of q in dialect d.
func New(d Dialect, q petitions.FactsQuery) (*Plan, error) {
	src, err := source(d, q)
	if err != nil {
		return nil, err
	}
	first, end := q.SumsSpan()
	if src.sums == "" {
		first, end = q.To.UnixMicro(), q.To.UnixMicro()
	}
	groups := make([]string, 0, len(q.Groups))
	for g := range q.Groups {
		groups = append(groups, g)
	}
	p := &Plan{q: q, out: map[string]*petitions.FactsTotals{}, byUnits: map[string]*petitions.FactsTotals{},
		Args: map[string]any{"from": q.From.UnixMicro(), "to": q.To.UnixMicro(), "now": q.Now.UnixMicro(),
			"soon": q.SoonDay.UnixMicro(), "units": d.List(q.Units), "unit": q.Unit, "groups": d.List(groups),
			"first": first, "end": end, "scope": src.scope, "ever": petitions.SumsEver}}
	add := func(what, text string, row func(scan func(...any) error) error) {
		p.Queries = append(p.Queries, Query{What: what, Text: strings.ReplaceAll(text, "@", d.Param), Row: row})
	}
	if src.sums != "" {
		p.sums(d, src, add)
	} else if q.GroupBy != petitions.GroupMediator {
		// The cases, and those closed, whenever: a scan of an index.
		add("cases", `SELECT `+src.grp+`, COUNT(*), COUNT(f.closed_at)`+src.from+` GROUP BY 1`,
			func(scan func(...any) error) error {
				var key string
				var t petitions.FactsTotals
				if err := scan(&key, &t.Cases, &t.ClosedEver); err != nil {
					return err
				}
				p.read(key).Add(&t)
				return nil
			})
	}
	p.edges(d, src, add)
	if q.GroupBy != petitions.GroupOwner && q.GroupBy != petitions.GroupMediator {
		p.unitFacts(d, src, add)
	}
	return p, nil
}

// sums adds the queries of the sums: the months, the running deadlines.
func (p *Plan) sums(d Dialect, src from, add func(string, string, func(func(...any) error) error)) {
	cols := make([]string, len(petitions.SumsColumns))
	for i, c := range petitions.SumsColumns {
		cols[i] = d.Sum("true", "s."+c)
	}
	add("sums", `SELECT `+src.sumsKey+`, `+strings.Join(cols, ", ")+` FROM case_fact_sums s WHERE `+src.sums+`
		AND (s.bucket = @ever OR s.bucket >= @first AND s.bucket < @end) GROUP BY 1`,
		func(scan func(...any) error) error {
			var key string
			var s petitions.Sums
			dst := []any{&key}
			for i := range s {
				dst = append(dst, &s[i])
			}
			if err := scan(dst...); err != nil {
				return err
			}
			if s.IsZero() { // the cases of the row moved elsewhere
				return nil
			}
			if p.q.GroupBy == petitions.GroupMediator {
				s[0] = 0 // counted only to know he has cases
			}
			s.AddTo(p.group(key))
			return nil
		})
	add("running", `SELECT `+src.sumsKey+`, `+d.Sum("true", "s.n")+`, `+d.Sum("s.passed <> 0 AND s.passed <= @now", "s.n")+`,
		`+d.Sum("s.passed > @now AND s.day <= @soon", "s.n")+` FROM case_fact_running_sums s WHERE `+src.sums+` GROUP BY 1`,
		func(scan func(...any) error) error {
			var key string
			var active, overdue, soon int
			if err := scan(&key, &active, &overdue, &soon); err != nil {
				return err
			}
			if active != 0 {
				g := p.group(key)
				g.Active, g.Overdue, g.DueSoon = g.Active+active, g.Overdue+overdue, g.DueSoon+soon
			}
			return nil
		})
}

// edges adds the query of the cases with a date in the edges of the
// period, or with an undecided acceptance deadline in it; without sums,
// of the active ones too.
func (p *Plan) edges(d Dialect, src from, add func(string, string, func(func(...any) error) error)) {
	sums := make([]string, len(caseSums))
	for i, s := range caseSums {
		cond := s.cond
		if s.running && src.sums != "" {
			cond = "1 = 0" // in case_fact_running_sums
		}
		sums[i] = d.Sum(cond, s.val)
	}
	conds := []string{inPeriod("accept_due_day") + ` AND NOT accept_decided`}
	if src.sums == "" {
		conds = append(conds, `active`)
	}
	for _, col := range periodDates {
		conds = append(conds, col+` >= @from AND `+col+` < @first`, col+` >= @end AND `+col+` < @to`)
	}
	text := `SELECT ` + src.grp + `, ` + strings.Join(sums, ", ") + d.Edges(conds, src.join, src.where) + ` GROUP BY 1`
	add("edge sums", strings.NewReplacer("{ratings}", src.ratings, "{satisfied}", src.satisfied,
		"{greatest}", d.Greatest).Replace(text),
		func(scan func(...any) error) error {
			var key string
			var t petitions.FactsTotals
			if err := scan(append([]any{&key}, caseFields(&t)...)...); err != nil {
				return err
			}
			p.read(key).Add(&t)
			return nil
		})
}

// unitFacts adds the queries GroupNone and GroupUnit add: the handling
// days, the supervisions and the summons.
func (p *Plan) unitFacts(d Dialect, src from, add func(string, string, func(func(...any) error) error)) {
	if src.sums != "" {
		add("handling days", `SELECT `+src.sumsKey+`, s.days, `+d.Sum("true", "s.n")+` FROM case_fact_handling_sums s
			WHERE `+src.sums+` AND s.bucket >= @first AND s.bucket < @end GROUP BY 1, 2`,
			func(scan func(...any) error) error {
				var key string
				var days, n int
				if err := scan(&key, &days, &n); err != nil {
					return err
				}
				if n != 0 {
					p.group(key).HandlingDays[days] += n
				}
				return nil
			})
	}
	add("edge handling days", `SELECT `+src.grp+`, f.handling_days, COUNT(*)`+src.from+`
		AND f.handling_days IS NOT NULL AND `+inEdges("f.closed_at")+` GROUP BY 1, 2`,
		func(scan func(...any) error) error {
			var key string
			var days, n int
			if err := scan(&key, &days, &n); err != nil {
				return err
			}
			p.read(key).HandlingDays[days] += n
			return nil
		})
	issued := ` WHERE s.registered` + strings.ReplaceAll(src.units, "f.", "s.") + ` AND s.issued_at >= @from AND s.issued_at < @to`
	key := strings.ReplaceAll(src.grp, "f.", "s.")
	add("supervisions", `SELECT `+key+`, COUNT(*), `+
		d.Sum("s.answered_at IS NOT NULL OR s.passed <= @now", "1")+`, `+
		d.Sum("s.answered_at IS NOT NULL AND s.on_time", "1")+`, `+
		d.Sum("s.answered_at IS NOT NULL", "1")+`, `+
		d.Sum("s.answered_at IS NOT NULL AND s.adopted", "1")+`
		FROM case_fact_supervisions s`+issued+` GROUP BY 1`,
		func(scan func(...any) error) error {
			var key string
			var t petitions.FactsTotals
			if err := scan(&key, &t.SupIssued, &t.SupSettled, &t.SupOnTime, &t.SupAnswered, &t.SupAdopted); err != nil {
				return err
			}
			p.read(key).Add(&t)
			return nil
		})
	add("summons", `SELECT `+key+`, s.level, s.reported_at IS NOT NULL, s.minutes, COUNT(*), `+
		d.Sum("s.reported_at IS NOT NULL OR (s.due IS NOT NULL AND s.due < @now)", "1")+`, `+
		d.Sum("s.reported_at IS NOT NULL AND s.on_time", "1")+`
		FROM case_fact_summons s`+issued+` GROUP BY 1, 2, 3, 4`,
		func(scan func(...any) error) error {
			var key, level string
			var reported bool
			var minutes float64
			var called, settled, onTime int
			if err := scan(&key, &level, &reported, &minutes, &called, &settled, &onTime); err != nil {
				return err
			}
			st := p.read(key).Summon(petitions.SummonLevel(level))
			st.Called, st.Settled, st.OnTime = st.Called+called, st.Settled+settled, st.OnTime+onTime
			if reported {
				st.Minutes[minutes] += called
			}
			return nil
		})
}

// from is how one grouping reads the facts: the group key expression, the
// condition on the registered cases of the query's units (where) and on
// the units alone, what is joined to the cases (the mediators), the
// FROM … WHERE of the cases (from), and where the ratings come from; and
// the condition on the sums' rows that give q's groups (none: read every
// case), their group key expression, and their scope.
type from struct {
	grp, where, units, join, from string
	ratings, satisfied            string
	scope, sums, sumsKey          string
}

func source(d Dialect, q petitions.FactsQuery) (from, error) {
	src := from{grp: `''`, ratings: "f.ratings", satisfied: "f.satisfied", sumsKey: `s.grp`}
	if q.Units != nil {
		src.units = ` AND (` + d.In("f.lead_unit", "units") + ` OR ` + d.In("f.station_unit", "units") +
			` OR ` + d.In("f.village_unit", "units") + `)`
	}
	src.where = `f.registered` + src.units
	switch q.GroupBy {
	case petitions.GroupNone:
		src.sumsKey = `''`
		switch {
		case q.Units == nil:
			src.scope, src.sums = petitions.SumsAll, `s.scope = @scope AND s.grp = ''`
		case q.Unit != "":
			src.scope, src.sums = petitions.SumsUnit, `s.scope = @scope AND s.grp = @unit`
		}
	case petitions.GroupUnit:
		// The sums of each group's unit; the rest by combination of units,
		// added to each group holding one of them (RegroupUnits): a case
		// counts once per group.
		src.grp = `f.lead_unit || ` + d.Sep + ` || f.station_unit || ` + d.Sep + ` || f.village_unit`
		src.scope, src.sums = petitions.SumsUnit, `s.scope = @scope AND `+d.In("s.grp", "groups")
	case petitions.GroupOwner:
		src.grp = `f.owner`
		src.where += ` AND f.owner <> ''`
		if q.Units == nil {
			src.scope, src.sums = petitions.SumsOwner, `s.scope = @scope`
		}
	case petitions.GroupMediator:
		src.grp = `m.mediator`
		src.join = d.Mediators
		src.ratings, src.satisfied = "m.ratings", "m.satisfied"
		if q.Units == nil {
			src.scope, src.sums = petitions.SumsMediator, `s.scope = @scope`
		}
	default:
		return from{}, petitions.Errorf(petitions.EINVALID, "Unknown grouping %q.", q.GroupBy)
	}
	src.from = ` FROM case_facts f` + src.join + ` WHERE ` + src.where
	return src, nil
}

// caseSums are the sums of the case counts, in the order of caseFields:
// what stats.AddFacts counts, in SQL, of the dates in the edges of the
// period (inEdges) and of what depends on now.
var caseSums = []struct {
	cond, val string
	running   bool // counted from case_fact_running_sums when there are sums
}{
	{inEdges("f.received_at"), "1", false},
	{inEdges("f.received_at"), "1 + f.repeat_links", false},
	{inEdges("f.received_at"), "{greatest}(f.headcount, 1)", false},
	{inEdges("f.received_at") + " AND f.headcount >= " + strconv.Itoa(petitions.GroupHeadcount), "1", false},
	{inEdges("f.received_at") + " AND f.repeat_links > 0", "1", false},
	{"(f.accept_decided AND " + inEdges("f.accept_due_day") + " OR NOT f.accept_decided AND " +
		inPeriod("f.accept_due_day") + " AND f.accept_passed <= @now)", "1", false},
	{inEdges("f.accept_due_day") + " AND f.accept_decided AND f.accept_on_time", "1", false},
	{inEdges("f.replied_at"), "1", false},
	{inEdges("f.replied_at") + " AND f.replied_on_time", "1", false},
	{inEdges("f.accepted_at"), "1", false},
	{inEdges("f.accepted_at") + " AND f.resolved", "1", false},
	{"f.active", "1", true},
	{"f.active AND f.running_passed <= @now", "1", true},
	{"f.active AND f.running_passed > @now AND f.running_day <= @soon", "1", true},
	{inEdges("f.accepted_at") + " AND f.kind = 'mediation'", "1", false},
	{inEdges("f.accepted_at") + " AND f.kind = 'mediation' AND f.effective_at IS NOT NULL", "1", false},
	{inEdges("f.effective_at"), "1", false},
	{inEdges("f.effective_at") + " AND f.applied", "1", false},
	{inEdges("f.perf_ended_at"), "1", false},
	{inEdges("f.perf_ended_at") + " AND f.performed", "1", false},
	{inEdges("f.closed_at"), "1", false},
	{inEdges("f.closed_at") + " AND {ratings} > 0", "1", false},
	{inEdges("f.closed_at") + " AND {ratings} > 0", "{ratings}", false},
	{inEdges("f.closed_at") + " AND {ratings} > 0", "{satisfied}", false},
}

// caseFields are the fields of t caseSums fill, in order.
func caseFields(t *petitions.FactsTotals) []any {
	return []any{&t.Received, &t.Visits, &t.Persons, &t.Groups, &t.Repeats, &t.AccDue, &t.AccOnTime,
		&t.Replied, &t.RepliedOnTime, &t.Accepted, &t.Resolved, &t.Active, &t.Overdue, &t.DueSoon,
		&t.MedAccepted, &t.MedEffective, &t.Effective, &t.Applied, &t.PerfEnded, &t.Performed,
		&t.Closed, &t.Rated, &t.Ratings, &t.Satisfied}
}

// periodDates are the dates that put a case in a period's sums.
var periodDates = []string{"received_at", "accept_due_day", "replied_at", "accepted_at", "effective_at", "perf_ended_at", "closed_at"}

func inPeriod(col string) string { return col + " >= @from AND " + col + " < @to" }

// inEdges is col in the period but not in the months the sums cover,
// [@first, @end): the whole period when they cover none.
func inEdges(col string) string {
	return "(" + col + " >= @from AND " + col + " < @first OR " + col + " >= @end AND " + col + " < @to)"
}
