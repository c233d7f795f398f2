package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// bulkBatch is how many cases BulkLoad writes per transaction.
const bulkBatch = 2000

var _ petitions.BulkLoader = (*DB)(nil)

// BulkLoad writes new cases with COPY, bulkBatch cases per transaction;
// see petitions.BulkLoader. The events are sealed in Go after the tip of
// the ledger; each transaction takes the append lock and checks that the
// tip is still the one its first event was sealed on. The worklist columns
// and side tables are those writeListing writes, the origin units resolved
// in Go against the units and stations as they stand when the first case
// arrives. Encoding and sealing overlap the previous batch's COPY.
func (db *DB) BulkLoad(ctx context.Context, cases iter.Seq2[*petitions.BulkCase, error]) (petitions.BulkStats, error) {
	var stats petitions.BulkStats
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pending := make(chan *bulkRows, 1)
	written := make(chan error, 1)
	go func() {
		var err error
		for b := range pending {
			if err == nil {
				if err = db.writeBulk(wctx, b); err != nil {
					cancel(err)
				}
			}
		}
		written <- err
	}()
	var (
		origin *origins
		tip    *petitions.Event
		b      *bulkRows
		err    error
	)
	for c, cerr := range cases {
		if cerr != nil {
			err = cerr
			break
		}
		if wctx.Err() != nil {
			break
		}
		if origin == nil {
			if origin, tip, err = db.bulkStart(ctx); err != nil {
				break
			}
		}
		if b == nil {
			b = newBulkRows(tip)
		}
		if tip, err = b.add(c, tip, origin); err != nil {
			break
		}
		if b.stats.Cases >= bulkBatch {
			stats = add(stats, b.stats)
			pending <- b
			b = nil
		}
	}
	if b != nil && err == nil && wctx.Err() == nil {
		stats = add(stats, b.stats)
		pending <- b
	}
	close(pending)
	if werr := <-written; werr != nil {
		return stats, werr
	}
	if err == nil {
		err = context.Cause(wctx)
	}
	if err == nil && stats.Cases > 0 { // the facts' sums, once
		err = db.RebuildFactSums(ctx)
	}
	return stats, err
}

func add(a, b petitions.BulkStats) petitions.BulkStats {
	return petitions.BulkStats{Cases: a.Cases + b.Cases, Events: a.Events + b.Events, Sessions: a.Sessions + b.Sessions}
}

// bulkStart reads what a bulk load seals and resolves against: the last
// event of the ledger, the stations and the units.
func (db *DB) bulkStart(ctx context.Context) (*origins, *petitions.Event, error) {
	o := &origins{stations: map[string]string{}, byID: map[string]bool{}, byCode: map[string]string{}, byName: map[string]string{}}
	var tip *petitions.Event
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		var e petitions.Event
		err := scanEvent(c.QueryRow(ctx, `SELECT `+eventColumns+` FROM ledger_events ORDER BY seq DESC LIMIT 1`), &e)
		switch {
		case err == nil:
			tip = &e
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		rows, err := c.Query(ctx, `SELECT id, unit FROM stations`)
		if err != nil {
			return err
		}
		var id, unit string
		if _, err := pgx.ForEachRow(rows, []any{&id, &unit}, func() error { o.stations[id] = unit; return nil }); err != nil {
			return err
		}
		// In id order, so that the first unit of a code or name wins, as
		// in writeListing.
		rows, err = c.Query(ctx, `SELECT id, code, name FROM units ORDER BY id`)
		if err != nil {
			return err
		}
		var code, name string
		_, err = pgx.ForEachRow(rows, []any{&id, &code, &name}, func() error {
			o.byID[id] = true
			if _, ok := o.byCode[code]; !ok {
				o.byCode[code] = id
			}
			if _, ok := o.byName[name]; !ok {
				o.byName[name] = id
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, nil, internal(err, "bulk load: read the ledger's tip, stations and units")
	}
	return o, tip, nil
}

// origins resolves the origin units of a case as writeListing does in SQL:
// the unit of its station, and the unit its village names by id, else by
// code, else by name (the least id first).
type origins struct {
	stations map[string]string
	byID     map[string]bool
	byCode   map[string]string
	byName   map[string]string
}

func (o *origins) units(l petitions.Listing) []string {
	return append(append([]string{}, l.Units...), o.station(l.Station), o.village(l.Village))
}

// station returns the unit of station id, "" if none.
func (o *origins) station(id string) string {
	if id == "" {
		return ""
	}
	return o.stations[id]
}

// village returns the unit v names, "" if none.
func (o *origins) village(v string) string {
	switch {
	case v == "":
		return ""
	case o.byID[v]:
		return v
	case o.byCode[v] != "":
		return o.byCode[v]
	}
	return o.byName[v]
}

// addFacts encodes the facts f of a case into the batch, its units
// resolved as queueFactsRows resolves them.
func (b *bulkRows) addFacts(f *petitions.CaseFacts, o *origins) {
	station, village := o.station(f.Station), o.village(f.Village)
	var days any
	if f.HasHandling {
		days = int32(f.HandlingDays)
	}
	b.facts = append(b.facts, []any{f.CaseID, f.Version, f.Registered, string(f.Kind), f.LeadUnit, station,
		village, f.Owner, micro(f.ReceivedAt), int32(f.RepeatLinks), int32(f.Headcount), micro(f.AcceptDueDay),
		f.AcceptDecided, f.AcceptOnTime, micro(f.AcceptPassed), micro(f.RepliedAt), f.RepliedOnTime,
		micro(f.AcceptedAt), f.Resolved, micro(f.EffectiveAt), f.Applied, micro(f.PerfEndedAt), f.Performed,
		f.Active, micro(f.RunningPassed), micro(f.RunningDay), micro(f.ClosedAt), days, int32(f.Ratings),
		int32(f.Satisfied)})
	seen := map[string]bool{}
	for _, m := range f.Mediators {
		if !seen[m.ID] { // as ON CONFLICT DO NOTHING keeps the first
			seen[m.ID] = true
			b.mediators = append(b.mediators, []any{f.CaseID, m.ID, int32(m.Ratings), int32(m.Satisfied)})
		}
	}
	for i, s := range f.Supervisions {
		b.supervisions = append(b.supervisions, []any{f.CaseID, int32(i), s.IssuedAt.UnixMicro(), s.Passed.UnixMicro(),
			micro(s.AnsweredAt), s.OnTime, s.Adopted, f.Registered, f.LeadUnit, station, village})
	}
	for i, s := range f.Summons {
		b.summons = append(b.summons, []any{f.CaseID, int32(i), string(s.Level), s.Unit, s.IssuedAt.UnixMicro(),
			micro(s.Due), micro(s.ReportedAt), s.OnTime, s.Minutes, f.Registered, f.LeadUnit, station, village})
	}
}

// bulkRows is one batch of a bulk load, encoded for COPY. after is the
// event its first event was sealed on (nil on an empty ledger).
type bulkRows struct {
	after                                     *petitions.Event
	stats                                     petitions.BulkStats
	cases, units, persons, events, sessionRow [][]any
	facts, mediators, supervisions, summons   [][]any
}

func newBulkRows(after *petitions.Event) *bulkRows {
	b := &bulkRows{stats: petitions.BulkStats{}}
	if after != nil {
		a := *after
		b.after = &a
	}
	return b
}

// add encodes case c into the batch, sealing its events after tip, and
// returns its last event.
func (b *bulkRows) add(c *petitions.BulkCase, tip *petitions.Event, o *origins) (*petitions.Event, error) {
	last, err := petitions.SealCase(tip, c)
	if err != nil {
		return nil, err
	}
	p := c.Petition
	doc, err := json.Marshal(p)
	if err != nil {
		return nil, internal(err, "case %s: encode", p.ID)
	}
	now := time.Now()
	l := petitions.ListingOf(p)
	var due any
	if !l.DueAt.IsZero() {
		due = l.DueAt
	}
	b.cases = append(b.cases, []any{p.ID, p.CaseNo, petitions.QueryCodeHash(p.QueryCode), p.LeadUnit, string(p.State),
		string(p.Kind), now, now, p.Version, string(doc), due, l.DueKey(), l.Active, l.Supervised,
		string(l.Risk), int16(l.RiskRank), l.Category, l.ReceivedAt.UnixMicro(), l.Repeat, l.Owner, l.FiledBy})
	seen := map[string]bool{"": true}
	for _, u := range o.units(l) {
		if !seen[u] {
			seen[u] = true
			b.units = append(b.units, []any{p.ID, u})
		}
	}
	for _, x := range l.Persons {
		b.persons = append(b.persons, []any{p.ID, x})
	}
	for _, e := range c.Events {
		b.events = append(b.events, []any{e.Seq, e.CaseID, e.CaseSeq, e.Kind, e.Actor, e.ActorRole, e.At,
			string(e.Data), e.PrevHash, e.CasePrevHash, e.Hash, e.CaseHash})
	}
	for _, s := range c.Sessions {
		if err := s.Validate(); err != nil {
			return nil, err
		}
		sdoc, err := json.Marshal(s)
		if err != nil {
			return nil, internal(err, "session %s: encode", s.ID)
		}
		var end *time.Time
		if !s.End.IsZero() {
			end = &s.End
		}
		b.sessionRow = append(b.sessionRow, []any{s.ID, string(s.Kind), s.Room, s.Station, s.CaseID, string(s.Status),
			s.Start, end, now, string(sdoc)})
	}
	if c.Facts != nil {
		if c.Facts.CaseID != p.ID {
			return nil, petitions.Errorf(petitions.EINVALID, "The facts are of case %s, not %s.", c.Facts.CaseID, p.ID)
		}
		b.addFacts(c.Facts, o)
	}
	b.stats.Cases++
	b.stats.Events += len(c.Events)
	b.stats.Sessions += len(c.Sessions)
	return last, nil
}

// bulkCopies are the tables a batch is copied into, with their columns.
var bulkCopies = []struct {
	table string
	cols  []string
	rows  func(b *bulkRows) [][]any
}{
	{"petitions", []string{"id", "case_no", "query_code_hash", "lead_unit", "state", "kind", "created_at",
		"updated_at", "version", "doc", "due_at", "due_key", "active", "supervised", "risk", "risk_rank",
		"category", "received_at", "repeat", "owner", "filed_by"}, func(b *bulkRows) [][]any { return b.cases }},
	{"petition_units", []string{"petition_id", "unit"}, func(b *bulkRows) [][]any { return b.units }},
	{"petition_persons", []string{"petition_id", "person"}, func(b *bulkRows) [][]any { return b.persons }},
	{"ledger_events", []string{"seq", "case_id", "case_seq", "kind", "actor", "actor_role", "at", "data",
		"prev_hash", "case_prev_hash", "hash", "case_hash"}, func(b *bulkRows) [][]any { return b.events }},
	{"sessions", []string{"id", "kind", "room", "station", "case_id", "status", "start_at", "end_at",
		"updated_at", "doc"}, func(b *bulkRows) [][]any { return b.sessionRow }},
	{"case_facts", []string{"case_id", "version", "registered", "kind", "lead_unit", "station_unit",
		"village_unit", "owner", "received_at", "repeat_links", "headcount", "accept_due_day",
		"accept_decided", "accept_on_time", "accept_passed", "replied_at", "replied_on_time", "accepted_at",
		"resolved", "effective_at", "applied", "perf_ended_at", "performed", "active", "running_passed",
		"running_day", "closed_at", "handling_days", "ratings", "satisfied"}, func(b *bulkRows) [][]any { return b.facts }},
	{"case_fact_mediators", []string{"case_id", "mediator", "ratings", "satisfied"},
		func(b *bulkRows) [][]any { return b.mediators }},
	{"case_fact_supervisions", []string{"case_id", "n", "issued_at", "passed", "answered_at", "on_time",
		"adopted", "registered", "lead_unit", "station_unit", "village_unit"}, func(b *bulkRows) [][]any { return b.supervisions }},
	{"case_fact_summons", []string{"case_id", "n", "level", "unit", "issued_at", "due", "reported_at",
		"on_time", "minutes", "registered", "lead_unit", "station_unit", "village_unit"}, func(b *bulkRows) [][]any { return b.summons }},
}

// writeBulk copies one batch in a transaction that holds the append lock
// and finds the ledger's tip where the batch was sealed.
func (db *DB) writeBulk(ctx context.Context, b *bulkRows) error {
	return db.tx1(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, appendLock); err != nil {
			return internal(err, "bulk load: lock the history")
		}
		var seq int64
		var hash string
		err := tx.QueryRow(ctx, `SELECT seq, hash FROM ledger_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return internal(err, "bulk load: read the last event")
		}
		if b.after == nil && seq != 0 || b.after != nil && (seq != b.after.Seq || hash != b.after.Hash) {
			return petitions.Errorf(petitions.ECONFLICT, "The history changed during the bulk load (its last event is %d); nothing more was loaded.", seq)
		}
		for _, cp := range bulkCopies {
			rows := cp.rows(b)
			if len(rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.cols, pgx.CopyFromRows(rows)); err != nil {
				if c := uniqueViolation(err); c != "" {
					return petitions.Errorf(petitions.ECONFLICT, "A bulk-loaded %s row exists already (%s).", cp.table, c)
				}
				return internal(err, "bulk load: copy into %s", cp.table)
			}
		}
		return nil
	})
}
