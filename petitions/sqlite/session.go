package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"hearingroom/petitions"
)

// SaveSession inserts or replaces a session; see petitions.Store.
func (db *DB) SaveSession(ctx context.Context, s *petitions.Session) error {
	if err := s.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	c := s.Clone()
	err := db.inTx(ctx, func(tx *wtx) error {
		var stored string
		err := tx.QueryRowContext(ctx, `SELECT case_id FROM sessions WHERE id = ?`, c.ID).Scan(&stored)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
		var end int64
		if !c.End.IsZero() {
			end = c.End.UnixMicro()
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions
			(id, kind, room, station, case_id, status, start_at, end_at, updated_at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, room = excluded.room,
			station = excluded.station, case_id = excluded.case_id, status = excluded.status,
			start_at = excluded.start_at, end_at = excluded.end_at, updated_at = excluded.updated_at,
			doc = excluded.doc`,
			c.ID, string(c.Kind), c.Room, c.Station, c.CaseID, string(c.Status),
			c.Start.UnixMicro(), end, db.now().UnixMicro(), string(doc))
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
	s, err := scanSession(db.read.QueryRowContext(ctx, `SELECT doc FROM sessions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no session %s.", id)
	}
	if err != nil {
		return nil, internal(err, "session %s", id)
	}
	return s, nil
}

func scanSession(row interface{ Scan(...any) error }) (*petitions.Session, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		return nil, err
	}
	s := new(petitions.Session)
	if err := json.Unmarshal(doc, s); err != nil {
		return nil, err
	}
	return s, nil
}

// Sessions returns a page of sessions; see petitions.Store.
func (db *DB) Sessions(ctx context.Context, f petitions.SessionFilter) ([]*petitions.Session, error) {
	var where []string
	var args []any
	if f.Room != "" {
		where, args = append(where, "room = ?"), append(args, f.Room)
	}
	if f.CaseID != "" {
		where, args = append(where, "case_id = ?"), append(args, f.CaseID)
	}
	if f.Live {
		where, args = append(where, "status = ?"), append(args, string(petitions.SessionLive))
	}
	if f.Station != "" {
		where, args = append(where, "station = ?"), append(args, f.Station)
	}
	if !f.StartFrom.IsZero() {
		where, args = append(where, "start_at >= ?"), append(args, f.StartFrom.UnixMicro())
	}
	if !f.StartTo.IsZero() {
		where, args = append(where, "start_at < ?"), append(args, f.StartTo.UnixMicro())
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	q := `SELECT doc FROM sessions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, f.ListLimit())
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal(err, "list sessions")
	}
	defer rows.Close()
	list := []*petitions.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, internal(err, "list sessions")
		}
		list = append(list, s)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "list sessions")
	}
	return list, nil
}

// LinkSession puts a session into a case and records it; see
// petitions.Store.
func (db *DB) LinkSession(ctx context.Context, sessionID, caseID string, ev *petitions.Event) error {
	if ev == nil {
		return petitions.Errorf(petitions.EINVALID, "No event given.")
	}
	it := &appendItem{write: func(ctx context.Context, tx *wtx) (*petitions.Event, error) {
		s, err := scanSession(tx.QueryRowContext(ctx, `SELECT doc FROM sessions WHERE id = ?`, sessionID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no session %s.", sessionID)
		}
		if err != nil {
			return nil, internal(err, "session %s", sessionID)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM petitions WHERE id = ?`, caseID).Scan(&n); err != nil {
			return nil, internal(err, "session %s: find case %s", sessionID, caseID)
		}
		if n == 0 || caseID == "" {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", caseID)
		}
		if s.CaseID != "" && s.CaseID != caseID {
			return nil, petitions.Errorf(petitions.ECONFLICT, "Session %s belongs to case %s.", sessionID, s.CaseID)
		}
		s.CaseID = caseID
		doc, err := json.Marshal(s)
		if err != nil {
			return nil, internal(err, "session %s: encode", sessionID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET case_id = ?, updated_at = ?, doc = ? WHERE id = ?`,
			caseID, db.now().UnixMicro(), string(doc), sessionID); err != nil {
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
