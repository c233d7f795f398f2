package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hearingroom/petitions"
)

// CreateStation stores a new station; see petitions.Store.
func (db *DB) CreateStation(ctx context.Context, s *petitions.Station) error {
	if err := s.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	return db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO stations (id, unit, name, hours) VALUES ($1, $2, $3, $4)`, s.ID, s.Unit, s.Name, s.Hours)
		switch {
		case uniqueViolation(err) != "":
			return petitions.Errorf(petitions.ECONFLICT, "Station %s exists.", s.ID)
		case foreignKeyViolation(err):
			return &petitions.Error{Code: petitions.EINVALID, Message: "The station's unit does not exist.",
				Fields: map[string]string{"unit": "no such unit"}}
		case badText(err):
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The station holds text the database cannot keep."), err)
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
	return db.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE stations SET name = $2, hours = $3 WHERE id = $1 RETURNING unit`,
			s.ID, s.Name, s.Hours).Scan(&s.Unit)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return petitions.Errorf(petitions.ENOTFOUND, "There is no station %s.", s.ID)
		case badText(err):
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The station holds text the database cannot keep."), err)
		case err != nil:
			return internal(err, "station %s: update", s.ID)
		}
		return nil
	})
}

// Stations returns every station in id order; see petitions.Store.
func (db *DB) Stations(ctx context.Context) ([]*petitions.Station, error) {
	var stations []*petitions.Station
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT id, unit, name, hours FROM stations ORDER BY id`)
		if err != nil {
			return err
		}
		stations, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Station, error) {
			var s petitions.Station
			return &s, r.Scan(&s.ID, &s.Unit, &s.Name, &s.Hours)
		})
		return err
	})
	if err != nil {
		return nil, internal(err, "stations")
	}
	if stations == nil {
		stations = []*petitions.Station{}
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
		created = time.Now()
	}
	created = created.Truncate(time.Microsecond)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO receptions
			(id, day, station, leader_id, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			r.ID, r.Day, r.Station, r.LeaderID, r.Note, r.CreatedBy, created)
		switch {
		case uniqueViolation(err) != "":
			return petitions.Errorf(petitions.ECONFLICT,
				"Reception %s, or one of leader %s at station %s on %s, exists.", r.ID, r.LeaderID, r.Station, r.Day)
		case foreignKeyViolation(err):
			return &petitions.Error{Code: petitions.EINVALID, Message: "The reception's station does not exist.",
				Fields: map[string]string{"station": "no such station"}}
		case badText(err):
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The reception holds text the database cannot keep."), err)
		case err != nil:
			return internal(err, "reception %s: insert", r.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.CreatedAt = created.UTC()
	return nil
}

// DeleteReception removes an entry of the reception schedule; see
// petitions.Store.
func (db *DB) DeleteReception(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM receptions WHERE id = $1`, id)
		if err != nil {
			return internal(err, "reception %s: delete", id)
		}
		if tag.RowsAffected() == 0 {
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
		{"station = $%d", f.Station},
		{"leader_id = $%d", f.LeaderID},
		{"day >= $%d", f.From},
		{"day <= $%d", f.To},
	} {
		if c.value != "" {
			args = append(args, c.value)
			where = append(where, fmt.Sprintf(c.cond, len(args)))
		}
	}
	q := `SELECT id, day, station, leader_id, note, created_by, created_at FROM receptions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY day, station, leader_id, id`
	var receptions []*petitions.Reception
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		receptions, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*petitions.Reception, error) {
			var r petitions.Reception
			err := row.Scan(&r.ID, &r.Day, &r.Station, &r.LeaderID, &r.Note, &r.CreatedBy, &r.CreatedAt)
			r.CreatedAt = r.CreatedAt.UTC()
			return &r, err
		})
		return err
	})
	if err != nil {
		return nil, internal(err, "receptions")
	}
	if receptions == nil {
		receptions = []*petitions.Reception{}
	}
	return receptions, nil
}

// foreignKeyViolation reports whether err is a violation of a foreign key
// constraint: a reference to a row that does not exist.
func foreignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}
