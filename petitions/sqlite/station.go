package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"hearingroom/petitions"
)

// CreateStation stores a new station; see petitions.Store.
func (db *DB) CreateStation(ctx context.Context, s *petitions.Station) error {
	if err := s.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	return db.inTx(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO stations (id, unit, name, hours) VALUES (?, ?, ?, ?)`, s.ID, s.Unit, s.Name, s.Hours)
		switch {
		case isUnique(err):
			return petitions.Errorf(petitions.ECONFLICT, "Station %s exists.", s.ID)
		case isForeignKey(err):
			return &petitions.Error{Code: petitions.EINVALID, Message: "The station's unit does not exist.",
				Fields: map[string]string{"unit": "no such unit"}}
		case err != nil:
			return internal(err, "station %s: insert", s.ID)
		}
		return nil
	})
}

// UpdateStation replaces a station's name and hours; see petitions.Store.
func (db *DB) UpdateStation(ctx context.Context, s *petitions.Station) error {
	if err := s.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	return db.inTx(ctx, func(tx *wtx) error {
		err := tx.QueryRowContext(ctx, `UPDATE stations SET name = ?, hours = ? WHERE id = ? RETURNING unit`,
			s.Name, s.Hours, s.ID).Scan(&s.Unit)
		switch {
		case err == sql.ErrNoRows:
			return petitions.Errorf(petitions.ENOTFOUND, "There is no station %s.", s.ID)
		case err != nil:
			return internal(err, "station %s: update", s.ID)
		}
		return nil
	})
}

// Stations returns every station in id order; see petitions.Store.
func (db *DB) Stations(ctx context.Context) ([]*petitions.Station, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, unit, name, hours FROM stations ORDER BY id`)
	if err != nil {
		return nil, internal(err, "stations")
	}
	defer rows.Close()
	stations := []*petitions.Station{}
	for rows.Next() {
		var s petitions.Station
		if err := rows.Scan(&s.ID, &s.Unit, &s.Name, &s.Hours); err != nil {
			return nil, internal(err, "stations")
		}
		stations = append(stations, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "stations")
	}
	return stations, nil
}

// CreateReception adds an entry to the reception schedule; see
// petitions.Store.
func (db *DB) CreateReception(ctx context.Context, r *petitions.Reception) error {
	if err := r.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = db.now()
	}
	err := db.inTx(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO receptions
			(id, day, station, leader_id, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Day, r.Station, r.LeaderID, r.Note, r.CreatedBy, created.UnixMicro())
		switch {
		case isUnique(err):
			return petitions.Errorf(petitions.ECONFLICT,
				"Reception %s, or one of leader %s at station %s on %s, exists.", r.ID, r.LeaderID, r.Station, r.Day)
		case isForeignKey(err):
			return &petitions.Error{Code: petitions.EINVALID, Message: "The reception's station does not exist.",
				Fields: map[string]string{"station": "no such station"}}
		case err != nil:
			return internal(err, "reception %s: insert", r.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.CreatedAt = time.UnixMicro(created.UnixMicro()).UTC()
	return nil
}

// DeleteReception removes an entry of the reception schedule; see
// petitions.Store.
func (db *DB) DeleteReception(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM receptions WHERE id = ?`, id)
		if err != nil {
			return internal(err, "reception %s: delete", id)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return internal(err, "reception %s: delete", id)
		}
		if n == 0 {
			return petitions.Errorf(petitions.ENOTFOUND, "There is no reception %s.", id)
		}
		return nil
	})
}

// Receptions returns the schedule entries f selects; see petitions.Store.
func (db *DB) Receptions(ctx context.Context, f petitions.ReceptionFilter) ([]*petitions.Reception, error) {
	var where []string
	var args []any
	for _, c := range []struct {
		cond, value string
	}{
		{"station = ?", f.Station},
		{"leader_id = ?", f.LeaderID},
		{"day >= ?", f.From},
		{"day <= ?", f.To},
	} {
		if c.value != "" {
			where = append(where, c.cond)
			args = append(args, c.value)
		}
	}
	q := `SELECT id, day, station, leader_id, note, created_by, created_at FROM receptions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := db.read.QueryContext(ctx, q+` ORDER BY day, station, leader_id, id`, args...)
	if err != nil {
		return nil, internal(err, "receptions")
	}
	defer rows.Close()
	receptions := []*petitions.Reception{}
	for rows.Next() {
		var r petitions.Reception
		var created int64
		if err := rows.Scan(&r.ID, &r.Day, &r.Station, &r.LeaderID, &r.Note, &r.CreatedBy, &created); err != nil {
			return nil, internal(err, "receptions")
		}
		r.CreatedAt = time.UnixMicro(created).UTC()
		receptions = append(receptions, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "receptions")
	}
	return receptions, nil
}

// isForeignKey reports whether err is a violation of a foreign key
// constraint: a reference to a row that does not exist.
func isForeignKey(err error) bool {
	return constraint(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}
