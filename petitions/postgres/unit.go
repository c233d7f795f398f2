package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	return db.inTx(ctx, func(tx pgx.Tx) error { return createUnit(ctx, tx, u) })
}

func createUnit(ctx context.Context, tx pgx.Tx, u *petitions.Unit) error {
	depth := 0
	var parent *string
	if u.ParentID != "" {
		// FOR KEY SHARE keeps the parent from disappearing before the insert.
		err := tx.QueryRow(ctx, `SELECT depth + 1 FROM units WHERE id = $1 FOR KEY SHARE`, u.ParentID).Scan(&depth)
		if errors.Is(err, pgx.ErrNoRows) {
			return &petitions.Error{Code: petitions.EINVALID, Message: "The parent unit does not exist.",
				Fields: map[string]string{"parent_id": "no such unit"}}
		}
		if err != nil {
			return internal(err, "unit %s: read parent", u.ID)
		}
		parent = &u.ParentID
	}
	_, err := tx.Exec(ctx, `INSERT INTO units (id, name, level, parent_id, code, depth) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.Name, string(u.Level), parent, u.Code, depth)
	if uniqueViolation(err) != "" {
		return petitions.Errorf(petitions.ECONFLICT, "Unit %s exists.", u.ID)
	}
	if badText(err) {
		return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The unit holds text the database cannot keep."), err)
	}
	if err != nil {
		return internal(err, "unit %s: insert", u.ID)
	}
	return nil
}

const unitColumns = `id, name, level, coalesce(parent_id, ''), code`

func scanUnit(row pgx.Row) (*petitions.Unit, error) {
	var u petitions.Unit
	if err := row.Scan(&u.ID, &u.Name, &u.Level, &u.ParentID, &u.Code); err != nil {
		return nil, err
	}
	return &u, nil
}

// Unit returns the unit with the given id; see petitions.Store.
func (db *DB) Unit(ctx context.Context, id string) (*petitions.Unit, error) {
	var u *petitions.Unit
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		u, err = scanUnit(c.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE id = $1`, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no unit %s.", id)
	}
	if err != nil {
		return nil, internal(err, "unit %s", id)
	}
	return u, nil
}

// Units returns the whole tree, parents first; see petitions.Store.
func (db *DB) Units(ctx context.Context) ([]*petitions.Unit, error) {
	var units []*petitions.Unit
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT `+unitColumns+` FROM units ORDER BY depth, id`)
		if err != nil {
			return err
		}
		units, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Unit, error) { return scanUnit(r) })
		return err
	})
	if err != nil {
		return nil, internal(err, "units")
	}
	if units == nil {
		units = []*petitions.Unit{}
	}
	return units, nil
}
