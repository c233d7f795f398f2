package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// worklistMigration is the migration that adds the worklist columns;
// Migrate backfills them (backfillWorklists) in its transaction.
const worklistMigration = "0006_worklists.sql"

// writeListing stores the worklist columns and side tables of case p
// (petitions.ListingOf), resolving its origin units against the stations and
// units tables as they stand: a case is always written after its station
// and units exist.
func writeListing(ctx context.Context, tx pgx.Tx, p *petitions.Petition) error {
	b := &pgx.Batch{}
	queueListing(b, p)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return internal(err, "case %s: worklist columns", p.ID)
	}
	return nil
}

// queueListing queues in b the statements writeListing sends: both side
// tables cleared, then the columns and the side tables written.
func queueListing(b *pgx.Batch, p *petitions.Petition) {
	l := petitions.ListingOf(p)
	b.Queue(`DELETE FROM petition_units WHERE petition_id = $1`, p.ID)
	b.Queue(`DELETE FROM petition_persons WHERE petition_id = $1`, p.ID)
	b.Queue(`UPDATE petitions SET due_at = $2, due_key = $3, active = $4, supervised = $5, risk = $6,
			risk_rank = $7, category = $8, received_at = $9, repeat = $10, owner = $11, filed_by = $12
		WHERE id = $1`,
		p.ID, dueAt(l), l.DueKey(), l.Active, l.Supervised, string(l.Risk), l.RiskRank, l.Category,
		l.ReceivedAt.UnixMicro(), l.Repeat, l.Owner, l.FiledBy)
	queueSideTables(b, p.ID, l)
}

// queueNewCase queues in b the insert of the new case c with its worklist
// columns and side tables: what the insert and queueListing write, without
// updating the row just made (one version of it, not two).
func queueNewCase(b *pgx.Batch, c *petitions.Petition, doc []byte) {
	l := petitions.ListingOf(c)
	b.Queue(`INSERT INTO petitions (id, case_no, query_code_hash, lead_unit, state, kind, created_at, updated_at,
			version, doc, due_at, due_key, active, supervised, risk, risk_rank, category, received_at, repeat, owner, filed_by)
		VALUES ($1, $2, $3, $4, $5, $6, now(), now(), 1, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		c.ID, c.CaseNo, petitions.QueryCodeHash(c.QueryCode), c.LeadUnit, string(c.State), string(c.Kind), string(doc),
		dueAt(l), l.DueKey(), l.Active, l.Supervised, string(l.Risk), l.RiskRank, l.Category, l.ReceivedAt.UnixMicro(),
		l.Repeat, l.Owner, l.FiledBy)
	queueSideTables(b, c.ID, l)
}

// queueSideTables queues the insert of case id's worklist side tables: its
// units, with the origin units resolved in SQL, and its persons.
func queueSideTables(b *pgx.Batch, id string, l petitions.Listing) {
	b.Queue(`WITH ins_u AS (
			INSERT INTO petition_units (petition_id, unit)
			SELECT $1, u FROM (
				SELECT unnest($2::text[]) AS u
				UNION SELECT unit FROM stations WHERE id = $3 AND $3 <> ''
				UNION (SELECT id FROM units WHERE $4 <> '' AND (id = $4 OR code = $4 OR name = $4)
					ORDER BY id <> $4, code <> $4, id LIMIT 1)
			) AS named WHERE u <> ''
		)
		INSERT INTO petition_persons (petition_id, person) SELECT $1, unnest($5::text[])`,
		id, nonNil(l.Units), l.Station, l.Village, nonNil(l.Persons))
}

// dueAt is the due column of l: its running deadline, NULL for none.
func dueAt(l petitions.Listing) any {
	if l.DueAt.IsZero() {
		return nil
	}
	return l.DueAt
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// backfillWorklists writes the worklist columns of every stored case, a
// batch at a time in id order, within the migration's transaction.
func backfillWorklists(ctx context.Context, tx pgx.Tx) error {
	after := ""
	for {
		rows, err := tx.Query(ctx, `SELECT version, doc FROM petitions WHERE id > $1 ORDER BY id LIMIT 500`, after)
		if err != nil {
			return err
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Petition, error) { return scanPetition(r) })
		if err != nil {
			return err
		}
		for _, p := range batch {
			if err := writeListing(ctx, tx, p); err != nil {
				return err
			}
			after = p.ID
		}
		if len(batch) < 500 {
			return nil
		}
	}
}

// sortSQL is how one sort orders the petitions table: its key expressions
// (the cursor's keys, in order) and whether it runs descending. Each has
// an index of the same expressions followed by id.
var sortSQL = map[string]struct {
	keys []string
	desc bool
}{
	petitions.SortID:         {},
	petitions.SortDue:        {keys: []string{"due_key"}},
	petitions.SortReceived:   {keys: []string{"received_at"}, desc: true},
	petitions.SortOldest:     {keys: []string{"received_at"}},
	petitions.SortRisk:       {keys: []string{"risk_rank"}},
	petitions.SortSupervised: {keys: []string{"(CASE WHEN supervised THEN 0 ELSE 1 END)", "due_key"}},
}

// ListPetitions returns a page of cases; see petitions.Store.
func (db *DB) ListPetitions(ctx context.Context, f petitions.PetitionFilter) ([]*petitions.Petition, error) {
	cur, err := petitions.ParseCursor(f.Sort, f.After)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	for _, c := range []struct {
		col, val string
	}{{"lead_unit", f.LeadUnit}, {"state", string(f.State)}, {"kind", string(f.Kind)},
		{"category", f.Category}, {"risk", string(f.Risk)}} {
		if c.val != "" {
			where = append(where, c.col+" = "+arg(c.val))
		}
	}
	if len(f.Units) > 0 {
		where = append(where, "EXISTS (SELECT 1 FROM petition_units u WHERE u.petition_id = petitions.id AND u.unit = ANY("+arg(f.Units)+"))")
	}
	// Literal, not a parameter: a cached generic plan could not use the
	// partial indexes on active cases otherwise.
	switch {
	case f.Active == nil:
	case *f.Active:
		where = append(where, "active")
	default:
		where = append(where, "NOT active")
	}
	if f.Supervised {
		where = append(where, "supervised")
	}
	if f.Repeat {
		where = append(where, "repeat")
	}
	for _, c := range []struct {
		cond string
		val  any
		set  bool
	}{
		// On due_key, which the due indexes order: due_at is NULL exactly
		// when due_key is NoDue, and its microseconds otherwise.
		{"due_key <> " + strconv.FormatInt(petitions.NoDue, 10) + " AND due_key >= ", f.DueFrom.UnixMicro(), !f.DueFrom.IsZero()},
		{"due_key < ", f.DueBefore.UnixMicro(), !f.DueBefore.IsZero()},
		{"received_at >= ", f.ReceivedFrom.UnixMicro(), !f.ReceivedFrom.IsZero()},
		{"received_at < ", f.ReceivedTo.UnixMicro(), !f.ReceivedTo.IsZero()},
	} {
		if c.set {
			where = append(where, c.cond+arg(c.val))
		}
	}
	// The scope is tested row by row as the sort's index is walked: each
	// side table is probed by its primary key (petition_id first) in an
	// EXISTS. "id IN (…)" had the planner hash every case of the scope
	// (180,000 of a million for a township) before returning the first;
	// so would a plain EXISTS, which it turns into the same hashed
	// subplan: OFFSET 0 keeps it from that. (A UNION of one semi-join per
	// source was tried and chose far worse plans.)
	if s := f.Scope; s != nil && !s.AllUnits {
		var or []string
		if len(s.Units) > 0 {
			or = append(or, "EXISTS (SELECT 1 FROM petition_units u WHERE u.petition_id = petitions.id AND u.unit = ANY("+arg(s.Units)+") OFFSET 0)")
		}
		if s.OwnerID != "" {
			or = append(or, "owner = "+arg(s.OwnerID))
		}
		if s.FiledBy != "" {
			or = append(or, "filed_by = "+arg(s.FiledBy))
		}
		if s.PersonID != "" {
			or = append(or, "EXISTS (SELECT 1 FROM petition_persons x WHERE x.petition_id = petitions.id AND x.person = "+arg(s.PersonID)+" OFFSET 0)")
		}
		if len(or) == 0 {
			or = []string{"false"}
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	sort := sortSQL[cur.Sort]
	cols := append(append([]string{}, sort.keys...), "id")
	op, dir := ">", ""
	if sort.desc {
		op, dir = "<", " DESC"
	}
	if cur.ID != "" {
		ph := make([]string, 0, len(cols))
		for _, k := range cur.Keys {
			ph = append(ph, arg(k))
		}
		ph = append(ph, arg(cur.ID))
		where = append(where, "("+strings.Join(cols, ", ")+") "+op+" ("+strings.Join(ph, ", ")+")")
	}
	q := `SELECT version, doc FROM petitions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY ` + strings.Join(cols, dir+", ") + dir + ` LIMIT ` + arg(f.ListLimit())
	var list []*petitions.Petition
	err = db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Petition, error) { return scanPetition(r) })
		return err
	})
	if err != nil {
		return nil, internal(err, "list cases")
	}
	if list == nil {
		list = []*petitions.Petition{}
	}
	return list, nil
}
