package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// SaveFacts stores the statistics facts of a case; see petitions.Store.
func (db *DB) SaveFacts(ctx context.Context, f *petitions.CaseFacts) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		// The case's row is locked: facts of one case are written one at a time.
		var stored *int64
		err := tx.QueryRow(ctx, `SELECT (SELECT version FROM case_facts WHERE case_id = $1)
			FROM petitions WHERE id = $1 FOR UPDATE`, f.CaseID).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return petitions.Errorf(petitions.ENOTFOUND, "Case %s not found.", f.CaseID)
		}
		if err != nil {
			return internal(err, "case %s: facts version", f.CaseID)
		}
		if stored != nil && *stored > f.Version {
			return nil
		}
		return writeFacts(ctx, tx, f)
	})
}

// writeFacts replaces the facts of case f.CaseID by f, and the case's
// counts in the sums by f's, inside the caller's transaction, in two round
// trips: one reads the origin's units and the stored facts, the other
// writes (a case is created and changed in the appender's batches, where
// round trips are what a case costs).
func writeFacts(ctx context.Context, tx pgx.Tx, f *petitions.CaseFacts) error {
	station, village, old, err := readFactsState(ctx, tx, f)
	if err != nil {
		return err
	}
	sums := petitions.NewFactSums()
	if old != nil {
		sums.Add(old, -1)
	}
	nf := *f
	nf.StationUnit, nf.VillageUnit = station, village
	sums.Add(&nf, 1)
	b := &pgx.Batch{}
	if old != nil { // the facts' rows are written together: none without case_facts
		for _, t := range []string{"case_fact_mediators", "case_fact_supervisions", "case_fact_summons", "case_facts"} {
			b.Queue(`DELETE FROM `+t+` WHERE case_id = $1`, f.CaseID)
		}
	}
	var days any
	if f.HasHandling {
		days = f.HandlingDays
	}
	b.Queue(`INSERT INTO case_facts (case_id, version, registered, kind, lead_unit,
		station_unit, village_unit, owner, received_at, repeat_links, headcount, accept_due_day, accept_decided,
		accept_on_time, accept_passed, replied_at, replied_on_time, accepted_at, resolved, effective_at, applied,
		perf_ended_at, performed, active, running_passed, running_day, closed_at, handling_days, ratings, satisfied)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)`,
		f.CaseID, f.Version, f.Registered, string(f.Kind), f.LeadUnit, station, village, f.Owner,
		micro(f.ReceivedAt), f.RepeatLinks, f.Headcount, micro(f.AcceptDueDay), f.AcceptDecided, f.AcceptOnTime,
		micro(f.AcceptPassed), micro(f.RepliedAt), f.RepliedOnTime, micro(f.AcceptedAt), f.Resolved,
		micro(f.EffectiveAt), f.Applied, micro(f.PerfEndedAt), f.Performed, f.Active, micro(f.RunningPassed),
		micro(f.RunningDay), micro(f.ClosedAt), days, f.Ratings, f.Satisfied)
	for _, m := range f.Mediators {
		b.Queue(`INSERT INTO case_fact_mediators (case_id, mediator, ratings, satisfied)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, f.CaseID, m.ID, m.Ratings, m.Satisfied)
	}
	for i, s := range f.Supervisions {
		b.Queue(`INSERT INTO case_fact_supervisions
			(case_id, n, issued_at, passed, answered_at, on_time, adopted) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			f.CaseID, i, s.IssuedAt.UnixMicro(), s.Passed.UnixMicro(), micro(s.AnsweredAt), s.OnTime, s.Adopted)
	}
	for i, s := range f.Summons {
		b.Queue(`INSERT INTO case_fact_summons
			(case_id, n, level, unit, issued_at, due, reported_at, on_time, minutes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			f.CaseID, i, string(s.Level), s.Unit, s.IssuedAt.UnixMicro(), micro(s.Due), micro(s.ReportedAt), s.OnTime,
			s.Minutes)
	}
	queueSums(b, sums)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return internal(err, "case %s: facts", f.CaseID)
	}
	return nil
}

// readFactsState reads, in one round trip, what writeFacts needs: the
// units f's station and village resolve to (as writeListing resolves them)
// and the case's stored facts, nil if none.
func readFactsState(ctx context.Context, tx pgx.Tx, f *petitions.CaseFacts) (station, village string, old *petitions.CaseFacts, err error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT coalesce((SELECT unit FROM stations WHERE id = $1 AND $1 <> ''), ''),
		coalesce((SELECT id FROM units WHERE $2 <> '' AND (id = $2 OR code = $2 OR name = $2)
			ORDER BY id <> $2, code <> $2, id LIMIT 1), '')`, f.Station, f.Village).QueryRow(func(row pgx.Row) error {
		return row.Scan(&station, &village)
	})
	b.Queue(`SELECT `+factsSumsColumns+` FROM case_facts f WHERE f.case_id = $1`, f.CaseID).QueryRow(func(row pgx.Row) error {
		o, err := scanFacts(row)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		old = o
		return err
	})
	var mediators []petitions.MediatorFacts
	b.Queue(`SELECT mediator, ratings, satisfied FROM case_fact_mediators WHERE case_id = $1`, f.CaseID).Query(func(rows pgx.Rows) error {
		var err error
		mediators, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (petitions.MediatorFacts, error) {
			var m petitions.MediatorFacts
			err := row.Scan(&m.ID, &m.Ratings, &m.Satisfied)
			return m, err
		})
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return "", "", nil, internal(err, "case %s: facts' units and stored facts", f.CaseID)
	}
	if old != nil {
		old.Mediators = mediators
	}
	return station, village, old, nil
}

// micro returns t in Unix microseconds, nil for the zero time.
func micro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// AggregateFacts sums the facts of the cases q selects; see
// petitions.Store. It reads in one transaction, each query grouped as q
// asks (GroupUnit by combination of units, then regrouped): the sums of
// the China months the period covers whole, kept on write (case_fact_sums,
// see petitions.FactSums), with the cases and the closed ones; the cases
// with a date in the days at the edges of the period, or active, or with
// an acceptance deadline in it undecided (an index each); the handling
// days, likewise; the supervisions and the summons issued in the period.
// The mediators and the 包案 leaders of some units only are not pre-summed
// by unit: for them the whole period is read case by case.
func (db *DB) AggregateFacts(ctx context.Context, q petitions.FactsQuery) (map[string]*petitions.FactsTotals, error) {
	src, err := factsSource(q)
	if err != nil {
		return nil, err
	}
	first, end := q.SumsSpan()
	if src.scope == "" {
		first, end = q.To.UnixMicro(), q.To.UnixMicro()
	}
	args := pgx.NamedArgs{"from": q.From.UnixMicro(), "to": q.To.UnixMicro(), "now": q.Now.UnixMicro(),
		"soon": q.SoonDay.UnixMicro(), "units": q.Units, "first": first, "end": end, "scope": src.scope,
		"ever": petitions.SumsEver}
	out := map[string]*petitions.FactsTotals{}
	group := func(key string) *petitions.FactsTotals {
		if out[key] == nil {
			out[key] = petitions.NewFactsTotals()
		}
		return out[key]
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, internal(err, "begin")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	query := func(what, text string, scan func(rows pgx.Rows) error) error {
		rows, err := tx.Query(ctx, text, args)
		if err != nil {
			return internal(err, "facts: %s", what)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return internal(err, "facts: %s", what)
			}
		}
		if err := rows.Err(); err != nil {
			return internal(err, "facts: %s", what)
		}
		return nil
	}
	if src.scope != "" {
		// The sums of the whole months, and the cases and closed ones.
		cols := make([]string, len(petitions.SumsColumns))
		for i, c := range petitions.SumsColumns {
			cols[i] = "SUM(s." + c + ")::bigint"
		}
		err = query("sums", `SELECT `+src.sumsGrp+`, `+strings.Join(cols, ", ")+` FROM case_fact_sums s
			WHERE s.scope = @scope AND (s.bucket = @ever OR s.bucket >= @first AND s.bucket < @end)`+src.sumsWhere+` GROUP BY `+src.sumsBy,
			func(rows pgx.Rows) error {
				var key string
				var s petitions.Sums
				dst := []any{&key}
				for i := range s {
					dst = append(dst, &s[i])
				}
				if err := rows.Scan(dst...); err != nil {
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
		if err != nil {
			return nil, err
		}
	} else if q.GroupBy != petitions.GroupMediator {
		// The cases, and those closed, whenever: a scan of an index.
		err = query("cases", `SELECT `+src.grp+`, COUNT(*), COUNT(f.closed_at)`+src.from+` GROUP BY 1`,
			func(rows pgx.Rows) error {
				var key string
				var t petitions.FactsTotals
				if err := rows.Scan(&key, &t.Cases, &t.ClosedEver); err != nil {
					return err
				}
				group(key).Add(&t)
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	// The sums of the cases with a date in the edges of the period, or
	// active, or with an undecided acceptance deadline in the period.
	sums := make([]string, len(caseSums))
	for i, s := range caseSums {
		sums[i] = "COALESCE(SUM(" + s.val + ") FILTER (WHERE " + s.cond + "), 0)"
	}
	text := `SELECT ` + src.grp + `, ` + strings.Join(sums, ", ") + src.from + ` AND (f.active OR (` +
		inPeriod("f.accept_due_day") + ` AND NOT f.accept_decided)`
	for _, col := range []string{"received_at", "accept_due_day", "replied_at", "accepted_at", "effective_at", "perf_ended_at", "closed_at"} {
		text += ` OR ` + inEdges("f."+col)
	}
	text = strings.NewReplacer("{ratings}", src.ratings, "{satisfied}", src.satisfied).Replace(text + `) GROUP BY 1`)
	err = query("edge sums", text, func(rows pgx.Rows) error {
		var key string
		var t petitions.FactsTotals
		if err := rows.Scan(append([]any{&key}, caseFields(&t)...)...); err != nil {
			return err
		}
		group(key).Add(&t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if q.GroupBy == petitions.GroupOwner || q.GroupBy == petitions.GroupMediator {
		return out, tx.Commit(ctx)
	}
	if src.scope != "" {
		err = query("handling days", `SELECT `+src.sumsGrp+`, s.days, SUM(s.n)::bigint FROM case_fact_handling_sums s
			WHERE s.scope = @scope AND s.bucket >= @first AND s.bucket < @end`+src.sumsWhere+` GROUP BY `+src.sumsBy+`, s.days`,
			func(rows pgx.Rows) error {
				var key string
				var days, n int
				if err := rows.Scan(&key, &days, &n); err != nil {
					return err
				}
				if n != 0 {
					group(key).HandlingDays[days] += n
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	err = query("edge handling days", `SELECT `+src.grp+`, f.handling_days, COUNT(*)`+src.from+`
		AND f.handling_days IS NOT NULL AND `+inEdges("f.closed_at")+` GROUP BY 1, 2`,
		func(rows pgx.Rows) error {
			var key string
			var days, n int
			if err := rows.Scan(&key, &days, &n); err != nil {
				return err
			}
			group(key).HandlingDays[days] += n
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = query("supervisions", `SELECT `+src.grp+`, COUNT(*),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL OR s.passed <= @now),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.on_time),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL),
		COUNT(*) FILTER (WHERE s.answered_at IS NOT NULL AND s.adopted)`+
		strings.Replace(src.from, " WHERE ", " JOIN case_fact_supervisions s ON s.case_id = f.case_id WHERE ", 1)+`
		AND s.issued_at >= @from AND s.issued_at < @to GROUP BY 1`,
		func(rows pgx.Rows) error {
			var key string
			var t petitions.FactsTotals
			if err := rows.Scan(&key, &t.SupIssued, &t.SupSettled, &t.SupOnTime, &t.SupAnswered, &t.SupAdopted); err != nil {
				return err
			}
			g := group(key)
			g.SupIssued, g.SupSettled, g.SupOnTime, g.SupAnswered, g.SupAdopted = t.SupIssued, t.SupSettled, t.SupOnTime, t.SupAnswered, t.SupAdopted
			return nil
		})
	if err != nil {
		return nil, err
	}
	summons := strings.Replace(src.from, " WHERE ", " JOIN case_fact_summons s ON s.case_id = f.case_id WHERE ", 1) +
		` AND s.issued_at >= @from AND s.issued_at < @to`
	err = query("summons", `SELECT `+src.grp+`, s.level, COUNT(*),
		COUNT(*) FILTER (WHERE s.reported_at IS NOT NULL OR (s.due IS NOT NULL AND s.due < @now)),
		COUNT(*) FILTER (WHERE s.reported_at IS NOT NULL AND s.on_time)`+summons+` GROUP BY 1, 2`,
		func(rows pgx.Rows) error {
			var key, level string
			var called, settled, onTime int
			if err := rows.Scan(&key, &level, &called, &settled, &onTime); err != nil {
				return err
			}
			st := group(key).Summon(petitions.SummonLevel(level))
			st.Called, st.Settled, st.OnTime = called, settled, onTime
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = query("summons minutes", `SELECT `+src.grp+`, s.level, s.minutes, COUNT(*)`+summons+`
		AND s.reported_at IS NOT NULL GROUP BY 1, 2, 3`,
		func(rows pgx.Rows) error {
			var key, level string
			var minutes float64
			var n int
			if err := rows.Scan(&key, &level, &minutes, &n); err != nil {
				return err
			}
			group(key).Summon(petitions.SummonLevel(level)).Minutes[minutes] = n
			return nil
		})
	if err != nil {
		return nil, err
	}
	if q.GroupBy == petitions.GroupUnit {
		out = q.RegroupUnits(out)
	}
	return out, tx.Commit(ctx)
}

// factsFrom is how one grouping reads the facts: the group key expression,
// the FROM … WHERE clause (the registered cases of the query's units), and
// where the ratings come from; and the scope of its sums (none: read every
// case), their group key expression, what they are grouped by and their
// condition on the units.
type factsFrom struct {
	grp, from                  string
	ratings, satisfied         string
	scope                      string
	sumsGrp, sumsBy, sumsWhere string
}

func factsSource(q petitions.FactsQuery) (factsFrom, error) {
	where := ` WHERE f.registered`
	src := factsFrom{grp: `''`, ratings: "f.ratings", satisfied: "f.satisfied", sumsGrp: `''`, sumsBy: `1`}
	if q.Units != nil {
		where += ` AND (f.lead_unit = ANY(@units::text[])
			OR f.station_unit = ANY(@units::text[]) OR f.village_unit = ANY(@units::text[]))`
		src.sumsWhere = ` AND (s.lead_unit = ANY(@units::text[])
			OR s.station_unit = ANY(@units::text[]) OR s.village_unit = ANY(@units::text[]))`
	}
	src.from = ` FROM case_facts f` + where
	switch q.GroupBy {
	case petitions.GroupNone:
		src.scope = petitions.SumsUnits
		if q.Units == nil {
			src.scope = petitions.SumsAll
		}
	case petitions.GroupUnit:
		// Summed per combination of units, then added to each group
		// holding one of them (RegroupUnits): a case counts once per group.
		src.grp = `f.lead_unit || chr(31) || f.station_unit || chr(31) || f.village_unit`
		src.sumsBy = `s.lead_unit, s.station_unit, s.village_unit`
		src.scope, src.sumsGrp = petitions.SumsUnits, `s.lead_unit || chr(31) || s.station_unit || chr(31) || s.village_unit`
	case petitions.GroupOwner:
		src.grp = `f.owner`
		src.from += ` AND f.owner <> ''`
		if q.Units == nil {
			src.scope, src.sumsGrp = petitions.SumsOwner, `s.grp`
		}
	case petitions.GroupMediator:
		src.grp = `m.mediator`
		src.from = ` FROM case_fact_mediators m JOIN case_facts f ON f.case_id = m.case_id` + where
		src.ratings, src.satisfied = "m.ratings", "m.satisfied"
		if q.Units == nil {
			src.scope, src.sumsGrp = petitions.SumsMediator, `s.grp`
		}
	default:
		return factsFrom{}, petitions.Errorf(petitions.EINVALID, "Unknown grouping %q.", q.GroupBy)
	}
	return src, nil
}

// caseSums are the sums of the case counts, in the order of caseFields:
// what stats.AddFacts counts, in SQL, of the dates in the edges of the
// period (inEdges) and of what depends on now.
var caseSums = []struct{ cond, val string }{
	{inEdges("f.received_at"), "1"},
	{inEdges("f.received_at"), "1 + f.repeat_links"},
	{inEdges("f.received_at"), "GREATEST(f.headcount, 1)"},
	{inEdges("f.received_at") + " AND f.headcount >= " + strconv.Itoa(petitions.GroupHeadcount), "1"},
	{inEdges("f.received_at") + " AND f.repeat_links > 0", "1"},
	{"(f.accept_decided AND " + inEdges("f.accept_due_day") + " OR NOT f.accept_decided AND " +
		inPeriod("f.accept_due_day") + " AND f.accept_passed <= @now)", "1"},
	{inEdges("f.accept_due_day") + " AND f.accept_decided AND f.accept_on_time", "1"},
	{inEdges("f.replied_at"), "1"},
	{inEdges("f.replied_at") + " AND f.replied_on_time", "1"},
	{inEdges("f.accepted_at"), "1"},
	{inEdges("f.accepted_at") + " AND f.resolved", "1"},
	{"f.active", "1"},
	{"f.active AND f.running_passed <= @now", "1"},
	{"f.active AND f.running_passed > @now AND f.running_day <= @soon", "1"},
	{inEdges("f.accepted_at") + " AND f.kind = 'mediation'", "1"},
	{inEdges("f.accepted_at") + " AND f.kind = 'mediation' AND f.effective_at IS NOT NULL", "1"},
	{inEdges("f.effective_at"), "1"},
	{inEdges("f.effective_at") + " AND f.applied", "1"},
	{inEdges("f.perf_ended_at"), "1"},
	{inEdges("f.perf_ended_at") + " AND f.performed", "1"},
	{inEdges("f.closed_at"), "1"},
	{inEdges("f.closed_at") + " AND {ratings} > 0", "1"},
	{inEdges("f.closed_at") + " AND {ratings} > 0", "{ratings}"},
	{inEdges("f.closed_at") + " AND {ratings} > 0", "{satisfied}"},
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
