package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// AggregateFacts sums the facts of the cases q selects; see
// petitions.Store. It sends its queries in one round trip, in one
// read-only transaction:
//
//   - the sums of the China months the period covers whole, kept on write
//     (case_fact_sums, see petitions.FactSums), with the cases and the
//     closed ones, and the handling days likewise; a unit's row sums its
//     subtree, so a unit and each township or department is one row a month;
//   - the active cases by running deadline (case_fact_running_sums);
//   - the cases with a date in the days at the edges of the period, or with
//     an acceptance deadline in it undecided (an index each);
//   - the supervisions and the summons issued in the period, which carry
//     their case's units.
//
// Without sums for q (the mediators and the 包案 leaders of some units only,
// or units not given as a subtree) the whole period is read case by case.
// GroupUnit reads what is not pre-summed by combination of units, then adds
// each to the groups holding one of them (RegroupUnits).
func (db *DB) AggregateFacts(ctx context.Context, q petitions.FactsQuery) (map[string]*petitions.FactsTotals, error) {
	src, err := factsSource(q)
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
	args := pgx.NamedArgs{"from": q.From.UnixMicro(), "to": q.To.UnixMicro(), "now": q.Now.UnixMicro(),
		"soon": q.SoonDay.UnixMicro(), "units": q.Units, "unit": q.Unit, "groups": groups, "first": first,
		"end": end, "scope": src.scope, "ever": petitions.SumsEver}
	// Sums are keyed by group; what is read case by case, for GroupUnit, by
	// combination of units (regrouped at the end).
	out, byUnits := map[string]*petitions.FactsTotals{}, map[string]*petitions.FactsTotals{}
	group := func(key string) *petitions.FactsTotals {
		if out[key] == nil {
			out[key] = petitions.NewFactsTotals()
		}
		return out[key]
	}
	read := group
	if q.GroupBy == petitions.GroupUnit {
		read = func(key string) *petitions.FactsTotals {
			if byUnits[key] == nil {
				byUnits[key] = petitions.NewFactsTotals()
			}
			return byUnits[key]
		}
	}
	b := &pgx.Batch{}
	query := func(text string, scan func(pgx.CollectableRow) error) {
		b.Queue(text, args).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		})
	}
	if src.sums != "" {
		cols := make([]string, len(petitions.SumsColumns))
		for i, c := range petitions.SumsColumns {
			cols[i] = "SUM(s." + c + ")::bigint"
		}
		query(`SELECT `+src.sumsKey+`, `+strings.Join(cols, ", ")+` FROM case_fact_sums s WHERE `+src.sums+`
			AND (s.bucket = @ever OR s.bucket >= @first AND s.bucket < @end) GROUP BY 1`,
			func(row pgx.CollectableRow) error {
				var key string
				var s petitions.Sums
				dst := []any{&key}
				for i := range s {
					dst = append(dst, &s[i])
				}
				if err := row.Scan(dst...); err != nil {
					return err
				}
				if s.IsZero() { // the cases of the row moved elsewhere
					return nil
				}
				if q.GroupBy == petitions.GroupMediator {
					s[0] = 0 // counted only to know he has cases
				}
				s.AddTo(group(key))
				return nil
			})
		query(`SELECT `+src.sumsKey+`, SUM(s.n)::bigint, COALESCE(SUM(s.n) FILTER (WHERE s.passed <> 0 AND s.passed <= @now), 0)::bigint,
			COALESCE(SUM(s.n) FILTER (WHERE s.passed > @now AND s.day <= @soon), 0)::bigint
			FROM case_fact_running_sums s WHERE `+src.sums+` GROUP BY 1`,
			func(row pgx.CollectableRow) error {
				var key string
				var active, overdue, soon int
				if err := row.Scan(&key, &active, &overdue, &soon); err != nil {
					return err
				}
				if active != 0 {
					g := group(key)
					g.Active, g.Overdue, g.DueSoon = g.Active+active, g.Overdue+overdue, g.DueSoon+soon
				}
				return nil
			})
	} else if q.GroupBy != petitions.GroupMediator {
		// The cases, and those closed, whenever: a scan of an index.
		query(`SELECT `+src.grp+`, COUNT(*), COUNT(f.closed_at)`+src.from+` GROUP BY 1`,
			func(row pgx.CollectableRow) error {
				var key string
				var t petitions.FactsTotals
				if err := row.Scan(&key, &t.Cases, &t.ClosedEver); err != nil {
					return err
				}
				read(key).Add(&t)
				return nil
			})
	}
	// The cases with a date in the edges of the period, or with an
	// undecided acceptance deadline in it; without sums, the active ones.
	sums := make([]string, len(caseSums))
	for i, s := range caseSums {
		cond := s.cond
		if s.running && src.sums != "" {
			cond = "false" // in case_fact_running_sums
		}
		sums[i] = "COALESCE(SUM(" + s.val + ") FILTER (WHERE " + cond + "), 0)"
	}
	text := `SELECT ` + src.grp + `, ` + strings.Join(sums, ", ") + src.from + ` AND (` +
		inPeriod("f.accept_due_day") + ` AND NOT f.accept_decided`
	if src.sums == "" {
		text += ` OR f.active`
	}
	for _, col := range []string{"received_at", "accept_due_day", "replied_at", "accepted_at", "effective_at", "perf_ended_at", "closed_at"} {
		text += ` OR ` + inEdges("f."+col)
	}
	query(strings.NewReplacer("{ratings}", src.ratings, "{satisfied}", src.satisfied).Replace(text+`) GROUP BY 1`),
		func(row pgx.CollectableRow) error {
			var key string
			var t petitions.FactsTotals
			if err := row.Scan(append([]any{&key}, caseFields(&t)...)...); err != nil {
				return err
			}
			read(key).Add(&t)
			return nil
		})
	if q.GroupBy != petitions.GroupOwner && q.GroupBy != petitions.GroupMediator {
		db.queueUnitFacts(query, src, group, read)
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, internal(err, "begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, internal(err, "facts")
	}
	if q.GroupBy == petitions.GroupUnit {
		for g, t := range q.RegroupUnits(byUnits) {
			group(g).Add(t)
		}
	}
	return out, tx.Commit(ctx)
}

// queueUnitFacts queues the queries GroupNone and GroupUnit add: the
// handling days, the supervisions and the summons.
func (db *DB) queueUnitFacts(query func(string, func(pgx.CollectableRow) error), src factsFrom,
	group, read func(string) *petitions.FactsTotals) {
	if src.sums != "" {
		query(`SELECT `+src.sumsKey+`, s.days, SUM(s.n)::bigint FROM case_fact_handling_sums s WHERE `+src.sums+`
			AND s.bucket >= @first AND s.bucket < @end GROUP BY 1, 2`,
			func(row pgx.CollectableRow) error {
				var key string
				var days, n int
				if err := row.Scan(&key, &days, &n); err != nil {
					return err
				}
				if n != 0 {
					group(key).HandlingDays[days] += n
				}
				return nil
			})
	}
	query(`SELECT `+src.grp+`, f.handling_days, COUNT(*)`+src.from+`
		AND f.handling_days IS NOT NULL AND `+inEdges("f.closed_at")+` GROUP BY 1, 2`,
		func(row pgx.CollectableRow) error {
			var key string
			var days, n int
			if err := row.Scan(&key, &days, &n); err != nil {
				return err
			}
			read(key).HandlingDays[days] += n
			return nil
		})
	issued := ` WHERE s.registered` + strings.ReplaceAll(src.units, "f.", "s.") + ` AND s.issued_at >= @from AND s.issued_at < @to`
	key := strings.ReplaceAll(src.grp, "f.", "s.")
	query(`SELECT `+key+`, COUNT(*),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL OR s.passed <= @now),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.on_time),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.adopted)
		FROM case_fact_supervisions s`+issued+` GROUP BY 1`,
		func(row pgx.CollectableRow) error {
			var key string
			var t petitions.FactsTotals
			if err := row.Scan(&key, &t.SupIssued, &t.SupSettled, &t.SupOnTime, &t.SupAnswered, &t.SupAdopted); err != nil {
				return err
			}
			read(key).Add(&t)
			return nil
		})
	query(`SELECT `+key+`, s.level, s.reported_at IS NOT NULL, s.minutes, COUNT(*),
		COUNT(*) FILTER (WHERE s.reported_at IS NOT NULL OR (s.due IS NOT NULL AND s.due < @now)),
		COUNT(*) FILTER (WHERE s.reported_at IS NOT NULL AND s.on_time)
		FROM case_fact_summons s`+issued+` GROUP BY 1, 2, 3, 4`,
		func(row pgx.CollectableRow) error {
			var key, level string
			var reported bool
			var minutes float64
			var called, settled, onTime int
			if err := row.Scan(&key, &level, &reported, &minutes, &called, &settled, &onTime); err != nil {
				return err
			}
			st := read(key).Summon(petitions.SummonLevel(level))
			st.Called, st.Settled, st.OnTime = st.Called+called, st.Settled+settled, st.OnTime+onTime
			if reported {
				st.Minutes[minutes] += called
			}
			return nil
		})
}

// factsFrom is how one grouping reads the facts: the group key expression,
// the FROM … WHERE clause (the registered cases of the query's units) and
// its condition on the units alone, and where the ratings come from; and
// the condition on the sums' rows that give q's groups (none: read every
// case) and their group key expression.
type factsFrom struct {
	grp, from, units     string
	ratings, satisfied   string
	scope, sums, sumsKey string
}

func factsSource(q petitions.FactsQuery) (factsFrom, error) {
	src := factsFrom{grp: `''`, ratings: "f.ratings", satisfied: "f.satisfied", sumsKey: `s.grp`}
	if q.Units != nil {
		src.units = ` AND (f.lead_unit = ANY(@units::text[])
			OR f.station_unit = ANY(@units::text[]) OR f.village_unit = ANY(@units::text[]))`
	}
	src.from = ` FROM case_facts f WHERE f.registered` + src.units
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
		src.grp = `f.lead_unit || chr(31) || f.station_unit || chr(31) || f.village_unit`
		src.scope, src.sums = petitions.SumsUnit, `s.scope = @scope AND s.grp = ANY(@groups::text[])`
	case petitions.GroupOwner:
		src.grp = `f.owner`
		src.from += ` AND f.owner <> ''`
		if q.Units == nil {
			src.scope, src.sums = petitions.SumsOwner, `s.scope = @scope`
		}
	case petitions.GroupMediator:
		src.grp = `m.mediator`
		src.from = ` FROM case_fact_mediators m JOIN case_facts f ON f.case_id = m.case_id WHERE f.registered` + src.units
		src.ratings, src.satisfied = "m.ratings", "m.satisfied"
		if q.Units == nil {
			src.scope, src.sums = petitions.SumsMediator, `s.scope = @scope`
		}
	default:
		return factsFrom{}, petitions.Errorf(petitions.EINVALID, "Unknown grouping %q.", q.GroupBy)
	}
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
	{inEdges("f.received_at"), "GREATEST(f.headcount, 1)", false},
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

func inPeriod(col string) string { return col + " >= @from AND " + col + " < @to" }

// inEdges is col in the period but not in the months the sums cover,
// [@first, @end): the whole period when they cover none.
func inEdges(col string) string {
	return "(" + col + " >= @from AND " + col + " < @first OR " + col + " >= @end AND " + col + " < @to)"
}
