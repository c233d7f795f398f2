package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"hearingroom/petitions"
)

// worklistMigration is the migration that adds the worklist columns;
// Migrate backfills them (backfillWorklists) in its transaction.
const worklistMigration = "0006_worklists.sql"

// writeListing stores the worklist columns and side tables of case p
// (petitions.ListingOf), resolving its origin units against the stations and
// units tables as they stand: a case is always written after its station
// and units exist.
func writeListing(ctx context.Context, tx *wtx, p *petitions.Petition) error {
	l := petitions.ListingOf(p)
	units, err := listingUnits(ctx, tx, p.ID, l)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE petitions SET due_at = ?, due_key = ?, active = ?, supervised = ?,
		risk = ?, risk_rank = ?, category = ?, received_at = ?, repeat = ?, owner = ?, filed_by = ? WHERE id = ?`,
		append(listingArgs(l), p.ID)...)
	if err != nil {
		return internal(err, "case %s: worklist columns", p.ID)
	}
	for _, t := range []string{"petition_units", "petition_persons"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE petition_id = ?`, p.ID); err != nil {
			return internal(err, "case %s: %s", p.ID, t)
		}
	}
	return insertSides(ctx, tx, p.ID, units, l.Persons)
}

// insertNewCase inserts the new case c, stored as doc, with its worklist
// columns and side tables: one insert of its row, none changed after.
func insertNewCase(ctx context.Context, tx *wtx, c *petitions.Petition, doc []byte, now int64) error {
	l := petitions.ListingOf(c)
	units, err := listingUnits(ctx, tx, c.ID, l)
	if err != nil {
		return err
	}
	args := append([]any{c.ID, c.CaseNo, petitions.QueryCodeHash(c.QueryCode), c.LeadUnit, string(c.State),
		string(c.Kind), now, now, string(doc)}, listingArgs(l)...)
	_, err = tx.ExecContext(ctx, `INSERT INTO petitions
		(id, case_no, query_code_hash, lead_unit, state, kind, created_at, updated_at, version, doc,
		 due_at, due_key, active, supervised, risk, risk_rank, category, received_at, repeat, owner, filed_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if isUnique(err) {
		return petitions.Errorf(petitions.ECONFLICT, "A case with id %s or number %s exists.", c.ID, c.CaseNo)
	}
	if err != nil {
		return internal(err, "case %s: insert", c.ID)
	}
	return insertSides(ctx, tx, c.ID, units, l.Persons)
}

// listingArgs is the worklist columns of l, in the order of writeListing's
// and insertNewCase's statements.
func listingArgs(l petitions.Listing) []any {
	var due any
	if !l.DueAt.IsZero() {
		due = l.DueAt.UnixMicro()
	}
	return []any{due, l.DueKey(), l.Active, l.Supervised, string(l.Risk), l.RiskRank, l.Category,
		l.ReceivedAt.UnixMicro(), l.Repeat, l.Owner, l.FiledBy}
}

// listingUnits is the units of l with its station's and village's units.
func listingUnits(ctx context.Context, tx *wtx, id string, l petitions.Listing) ([]string, error) {
	station, village, err := resolveOrigin(ctx, tx, id, l.Station, l.Village)
	if err != nil {
		return nil, err
	}
	units := l.Units
	if l.Station != "" {
		units = append(units, station)
	}
	if l.Village != "" {
		units = append(units, village)
	}
	return units, nil
}

// insertSides inserts the side rows of case id: its units and persons.
func insertSides(ctx context.Context, tx *wtx, id string, units, persons []string) error {
	for _, side := range []struct {
		table, col string
		vals       []string
	}{{"petition_units", "unit", units}, {"petition_persons", "person", persons}} {
		for _, v := range side.vals {
			if v == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO `+side.table+` (petition_id, `+side.col+`) VALUES (?, ?)`,
				id, v); err != nil {
				return internal(err, "case %s: %s", id, side.table)
			}
		}
	}
	return nil
}

// resolveOrigin returns the units of a case's station and village ("" for
// none or unknown): the station's unit, and the unit whose id, code or
// name the village is, in that order of preference. The answers are kept
// for the rest of the transaction, whose cases often share a village.
func resolveOrigin(ctx context.Context, tx *wtx, id, station, village string) (stationUnit, villageUnit string, err error) {
	if tx.origins == nil {
		tx.origins = map[string]string{}
	}
	lookup := func(key, query, arg string) (string, error) {
		if u, ok := tx.origins[key]; ok {
			return u, nil
		}
		var u string
		err := tx.QueryRowContext(ctx, query, arg).Scan(&u)
		if err != nil && err != sql.ErrNoRows {
			return "", internal(err, "case %s: origin %s", id, arg)
		}
		tx.origins[key] = u
		return u, nil
	}
	if station != "" {
		if stationUnit, err = lookup("s:"+station, `SELECT unit FROM stations WHERE id = ?`, station); err != nil {
			return "", "", err
		}
	}
	if village != "" {
		if villageUnit, err = lookup("v:"+village, `SELECT id FROM units WHERE id = ?1 OR code = ?1 OR name = ?1
			ORDER BY id <> ?1, code <> ?1, id LIMIT 1`, village); err != nil {
			return "", "", err
		}
	}
	return stationUnit, villageUnit, nil
}

// backfillWorklists writes the worklist columns of every stored case, a
// batch at a time in id order, within the migration's transaction.
func backfillWorklists(ctx context.Context, tx *wtx) error {
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, `SELECT version, doc FROM petitions WHERE id > ? ORDER BY id LIMIT 500`, after)
		if err != nil {
			return err
		}
		var batch []*petitions.Petition
		for rows.Next() {
			p, err := scanPetition(rows)
			if err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
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
	petitions.SortSupervised: {keys: []string{"(1 - supervised)", "due_key"}},
}

// ListPetitions returns a page of cases; see petitions.Store.
func (db *DB) ListPetitions(ctx context.Context, f petitions.PetitionFilter) ([]*petitions.Petition, error) {
	cur, err := petitions.ParseCursor(f.Sort, f.After)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	add := func(cond string, vs ...any) { where, args = append(where, cond), append(args, vs...) }
	in := func(vals []string) (string, []any) {
		vs := make([]any, len(vals))
		for i, v := range vals {
			vs[i] = v
		}
		return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")", vs
	}
	for _, c := range []struct {
		col, val string
	}{{"lead_unit", f.LeadUnit}, {"state", string(f.State)}, {"kind", string(f.Kind)},
		{"category", f.Category}, {"risk", string(f.Risk)}} {
		if c.val != "" {
			add(c.col+" = ?", c.val)
		}
	}
	if len(f.Units) > 0 {
		list, vs := in(f.Units)
		add("EXISTS (SELECT 1 FROM petition_units u WHERE u.petition_id = petitions.id AND +u.unit IN "+list+")", vs...)
	}
	// Literal, not a parameter: SQLite uses a partial index only when the
	// query's terms imply its WHERE.
	switch {
	case f.Active == nil:
	case *f.Active:
		add("active = 1")
	default:
		add("active = 0")
	}
	if f.Supervised {
		add("supervised = 1")
	}
	if f.Repeat {
		add("repeat = 1")
	}
	// On due_key, which the due indexes order: due_at is NULL exactly when
	// due_key is NoDue, and equal to it otherwise.
	if !f.DueFrom.IsZero() {
		add("due_key >= ? AND due_key <> ?", f.DueFrom.UnixMicro(), int64(petitions.NoDue))
	}
	if !f.DueBefore.IsZero() {
		add("due_key < ?", f.DueBefore.UnixMicro())
	}
	if !f.ReceivedFrom.IsZero() {
		add("received_at >= ?", f.ReceivedFrom.UnixMicro())
	}
	if !f.ReceivedTo.IsZero() {
		add("received_at < ?", f.ReceivedTo.UnixMicro())
	}
	// The scope is tested row by row as the sort's index is walked, each
	// side table probed by its primary key (petition_id first), where
	// "id IN (…)" built the whole scope's cases before the first row. The
	// "+" on u.unit keeps SQLite from probing the units' index once per
	// unit of the scope (a township's ten units: ten seeks a row, three
	// times slower than reading the case's few unit rows).
	if s := f.Scope; s != nil && !s.AllUnits {
		var or []string
		if len(s.Units) > 0 {
			list, vs := in(s.Units)
			or, args = append(or, "EXISTS (SELECT 1 FROM petition_units u WHERE u.petition_id = petitions.id AND +u.unit IN "+list+")"), append(args, vs...)
		}
		if s.OwnerID != "" {
			or, args = append(or, "owner = ?"), append(args, s.OwnerID)
		}
		if s.FiledBy != "" {
			or, args = append(or, "filed_by = ?"), append(args, s.FiledBy)
		}
		if s.PersonID != "" {
			or, args = append(or, "EXISTS (SELECT 1 FROM petition_persons x WHERE x.petition_id = petitions.id AND x.person = ?)"), append(args, s.PersonID)
		}
		if len(or) == 0 {
			or = []string{"0"}
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
		vs := make([]any, 0, len(cols))
		for _, k := range cur.Keys {
			vs = append(vs, k)
		}
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
		add("("+strings.Join(cols, ", ")+") "+op+" ("+ph+")", append(vs, cur.ID)...)
	}
	q := `SELECT version, doc FROM petitions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY ` + strings.Join(cols, dir+", ") + dir + ` LIMIT ?`
	args = append(args, f.ListLimit())
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal(err, "list cases")
	}
	defer rows.Close()
	list := []*petitions.Petition{}
	for rows.Next() {
		p, err := scanPetition(rows)
		if err != nil {
			return nil, internal(err, "list cases")
		}
		list = append(list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "list cases")
	}
	return list, nil
}
