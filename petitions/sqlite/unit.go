package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"hearingroom/petitions"
)

// CreateUnit adds u to the tree; see petitions.Store.
func (db *DB) CreateUnit(ctx context.Context, u *petitions.Unit) error {
	if u == nil {
		return petitions.Errorf(petitions.EINVALID, "No unit given.")
	}
	fields := map[string]string{}
	if u.ID == "" {
		fields["id"] = "required"
	}
	if u.Name == "" {
		fields["name"] = "required"
	}
	if len(fields) > 0 {
		return &petitions.Error{Code: petitions.EINVALID, Message: "The unit is invalid.", Fields: fields}
	}
	return db.inTx(ctx, func(tx *wtx) error { return createUnit(ctx, tx, u) })
}

func createUnit(ctx context.Context, tx *wtx, u *petitions.Unit) error {
	depth := 0
	var parent any
	if u.ParentID != "" {
		if err := tx.QueryRowContext(ctx, `SELECT depth + 1 FROM units WHERE id = ?`, u.ParentID).Scan(&depth); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return &petitions.Error{Code: petitions.EINVALID, Message: "The parent unit does not exist.",
					Fields: map[string]string{"parent_id": "no such unit"}}
			}
			return internal(err, "unit %s: read parent", u.ID)
		}
		parent = u.ParentID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO units (id, name, level, parent_id, code, depth) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Name, string(u.Level), parent, u.Code, depth)
	if isUnique(err) {
		return petitions.Errorf(petitions.ECONFLICT, "Unit %s exists.", u.ID)
	}
	if err != nil {
		return internal(err, "unit %s: insert", u.ID)
	}
	return nil
}

const unitColumns = `id, name, level, coalesce(parent_id, ''), code`

func scanUnit(row interface{ Scan(...any) error }) (*petitions.Unit, error) {
	var u petitions.Unit
	if err := row.Scan(&u.ID, &u.Name, &u.Level, &u.ParentID, &u.Code); err != nil {
		return nil, err
	}
	return &u, nil
}

// Unit returns the unit with the given id; see petitions.Store.
func (db *DB) Unit(ctx context.Context, id string) (*petitions.Unit, error) {
	u, err := scanUnit(db.read.QueryRowContext(ctx, `SELECT `+unitColumns+` FROM units WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no unit %s.", id)
	}
	if err != nil {
		return nil, internal(err, "unit %s", id)
	}
	return u, nil
}

// Units returns the whole tree, parents first; see petitions.Store.
func (db *DB) Units(ctx context.Context) ([]*petitions.Unit, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+unitColumns+` FROM units ORDER BY depth, id`)
	if err != nil {
		return nil, internal(err, "units")
	}
	defer rows.Close()
	units := []*petitions.Unit{}
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, internal(err, "units")
		}
		units = append(units, u)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "units")
	}
	return units, nil
}
