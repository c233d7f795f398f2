package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// SaveSession inserts or replaces a session; see petitions.Store. The stored
// row is locked (FOR UPDATE) while its case is compared.
func (db *DB) SaveSession(ctx context.Context, s *petitions.Session) error {
	if err := s.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	c := s.Clone()
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var stored string
		err := tx.QueryRow(ctx, `SELECT case_id FROM sessions WHERE id = $1 FOR UPDATE`, c.ID).Scan(&stored)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return internal(err, "session %s: read", c.ID)
		}
		switch {
		case stored == "" || stored == c.CaseID:
		case c.CaseID == "":
			c.CaseID = stored
		default:
			return petitions.Errorf(petitions.ECONFLICT, "Session %s belongs to case %s.", c.ID, stored)
		}
		doc, err := json.Marshal(c)
		if err != nil {
			return internal(err, "session %s: encode", c.ID)
		}
		var end *time.Time
		if !c.End.IsZero() {
			end = &c.End
		}
		_, err = tx.Exec(ctx, `INSERT INTO sessions
			(id, kind, room, station, case_id, status, start_at, end_at, updated_at, doc)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, room = excluded.room,
			station = excluded.station, case_id = excluded.case_id, status = excluded.status,
			start_at = excluded.start_at, end_at = excluded.end_at, updated_at = excluded.updated_at,
			doc = excluded.doc`,
			c.ID, string(c.Kind), c.Room, c.Station, c.CaseID, string(c.Status), c.Start, end, string(doc))
		if badText(err) {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The session holds text the database cannot keep."), err)
		}
		if err != nil {
			return internal(err, "session %s: save", c.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.CaseID = c.CaseID
	return nil
}

// Session returns the session with the given id; see petitions.Store.
func (db *DB) Session(ctx context.Context, id string) (*petitions.Session, error) {
	var s *petitions.Session
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		s, err = scanSession(c.QueryRow(ctx, `SELECT doc FROM sessions WHERE id = $1`, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no session %s.", id)
	}
	if err != nil {
		return nil, internal(err, "session %s", id)
	}
	return s, nil
}

func scanSession(row pgx.Row) (*petitions.Session, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		return nil, err
	}
	s := new(petitions.Session)
	if err := json.Unmarshal(doc, s); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	return s, nil
}

// Sessions returns a page of sessions; see petitions.Store.
func (db *DB) Sessions(ctx context.Context, f petitions.SessionFilter) ([]*petitions.Session, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Room != "" {
		add("room = $%d", f.Room)
	}
	if f.CaseID != "" {
		add("case_id = $%d", f.CaseID)
	}
	if f.Live {
		add("status = $%d", string(petitions.SessionLive))
	}
	if f.Station != "" {
		add("station = $%d", f.Station)
	}
	if !f.StartFrom.IsZero() {
		add("start_at >= $%d", f.StartFrom)
	}
	if !f.StartTo.IsZero() {
		add("start_at < $%d", f.StartTo)
	}
	if f.After != "" {
		add("id > $%d", f.After)
	}
	q := `SELECT doc FROM sessions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.ListLimit())
	q += fmt.Sprintf(` ORDER BY id LIMIT $%d`, len(args))
	var list []*petitions.Session
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Session, error) { return scanSession(r) })
		return err
	})
	if err != nil {
		return nil, internal(err, "list sessions")
	}
	if list == nil {
		list = []*petitions.Session{}
	}
	return list, nil
}

// LinkSession puts a session into a case and records it; see
// petitions.Store.
func (db *DB) LinkSession(ctx context.Context, sessionID, caseID string, ev *petitions.Event) error {
	if ev == nil {
		return petitions.Errorf(petitions.EINVALID, "No event given.")
	}
	it := &appendItem{write: func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error) {
		s, err := scanSession(tx.QueryRow(ctx, `SELECT doc FROM sessions WHERE id = $1 FOR UPDATE`, sessionID))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no session %s.", sessionID)
		}
		if err != nil {
			return nil, internal(err, "session %s", sessionID)
		}
		var exists bool
		// FOR KEY SHARE: the case cannot vanish before the event is in.
		err = tx.QueryRow(ctx, `SELECT true FROM petitions WHERE id = $1 FOR KEY SHARE`, caseID).Scan(&exists)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", caseID)
		}
		if err != nil {
			return nil, internal(err, "session %s: find case %s", sessionID, caseID)
		}
		if s.CaseID != "" && s.CaseID != caseID {
			return nil, petitions.Errorf(petitions.ECONFLICT, "Session %s belongs to case %s.", sessionID, s.CaseID)
		}
		s.CaseID = caseID
		doc, err := json.Marshal(s)
		if err != nil {
			return nil, internal(err, "session %s: encode", sessionID)
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET case_id = $1, updated_at = now(), doc = $2 WHERE id = $3`,
			caseID, string(doc), sessionID); err != nil {
			return nil, internal(err, "session %s: link", sessionID)
		}
		e := *ev
		e.CaseID = caseID
		return &e, nil
	}}
	if err := db.append(ctx, it); err != nil {
		return err
	}
	*ev = *it.sealed
	return nil
}
