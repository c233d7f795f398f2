package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"hearingroom/petitions"
)

// CreatePetition stores a new case with its first event; see petitions.Store.
func (db *DB) CreatePetition(ctx context.Context, p *petitions.Petition, ev *petitions.Event) error {
	return db.CreatePetitionWithFacts(ctx, p, ev, nil)
}

// CreatePetitionWithFacts stores a new case with its first event and its
// statistics facts; see petitions.Store.
func (db *DB) CreatePetitionWithFacts(ctx context.Context, p *petitions.Petition, ev *petitions.Event, f *petitions.CaseFacts) error {
	if err := petitions.CheckStorable(p, ev); err != nil {
		return err
	}
	if f != nil && f.CaseID != p.ID {
		return petitions.Errorf(petitions.EINVALID, "The facts are of case %s, not %s.", f.CaseID, p.ID)
	}
	it, err := db.createItem(p, ev, f)
	if err != nil {
		return err
	}
	if err := db.append(ctx, it); err != nil {
		return err
	}
	p.Version, *ev = 1, *it.sealed
	return nil
}

// createItem is the append of a new case p with its first event ev and its
// facts f (nil for none).
func (db *DB) createItem(p *petitions.Petition, ev *petitions.Event, f *petitions.CaseFacts) (*appendItem, error) {
	c := p.Clone()
	c.Version = 1
	doc, err := json.Marshal(c)
	if err != nil {
		return nil, internal(err, "case %s: encode", p.ID)
	}
	it := &appendItem{newCase: true}
	it.write = func(ctx context.Context, tx *wtx) (*petitions.Event, error) {
		if err := insertNewCase(ctx, tx, c, doc, db.now().UnixMicro()); err != nil {
			return nil, err
		}
		if f != nil { // the facts' sums are the batch's to write (it.sums)
			var err error
			if it.sums, err = db.writeNewFacts(ctx, tx, f); err != nil {
				return nil, err
			}
		}
		e := *ev
		e.CaseID = c.ID
		return &e, nil
	}
	return it, nil
}

// UpdatePetition stores a changed case and its event if the stored version
// is expectedVersion; see petitions.Store.
func (db *DB) UpdatePetition(ctx context.Context, p *petitions.Petition, expectedVersion int64, ev *petitions.Event) error {
	if err := petitions.CheckStorable(p, ev); err != nil {
		return err
	}
	c := p.Clone()
	c.Version = expectedVersion + 1
	doc, err := json.Marshal(c)
	if err != nil {
		return internal(err, "case %s: encode", p.ID)
	}
	it := &appendItem{write: func(ctx context.Context, tx *wtx) (*petitions.Event, error) {
		var stored int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM petitions WHERE id = ?`, c.ID).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", c.ID)
		}
		if err != nil {
			return nil, internal(err, "case %s: read version", c.ID)
		}
		if stored != expectedVersion {
			return nil, petitions.Errorf(petitions.ECONFLICT,
				"Case %s changed meanwhile (version %d, not %d); reload it and try again.", c.ID, stored, expectedVersion)
		}
		_, err = tx.ExecContext(ctx, `UPDATE petitions SET case_no = ?, query_code_hash = ?, lead_unit = ?,
			state = ?, kind = ?, updated_at = ?, version = ?, doc = ? WHERE id = ? AND version = ?`,
			c.CaseNo, petitions.QueryCodeHash(c.QueryCode), c.LeadUnit, string(c.State), string(c.Kind),
			db.now().UnixMicro(), c.Version, string(doc), c.ID, expectedVersion)
		if isUnique(err) {
			return nil, petitions.Errorf(petitions.ECONFLICT, "Another case has number %s.", c.CaseNo)
		}
		if err != nil {
			return nil, internal(err, "case %s: update", c.ID)
		}
		if err := writeListing(ctx, tx, c); err != nil {
			return nil, err
		}
		e := *ev
		e.CaseID = c.ID
		return &e, nil
	}}
	if err := db.append(ctx, it); err != nil {
		return err
	}
	p.Version, *ev = c.Version, *it.sealed
	return nil
}

// Petition returns the case with the given id; see petitions.Store.
func (db *DB) Petition(ctx context.Context, id string) (*petitions.Petition, error) {
	p, err := scanPetition(db.read.QueryRowContext(ctx, `SELECT version, doc FROM petitions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", id)
	}
	if err != nil {
		return nil, internal(err, "case %s", id)
	}
	return p, nil
}

// PetitionByNumber returns the case with the given number; see
// petitions.Store.
func (db *DB) PetitionByNumber(ctx context.Context, caseNo string) (*petitions.Petition, error) {
	p, err := scanPetition(db.read.QueryRowContext(ctx, `SELECT version, doc FROM petitions WHERE case_no = ?`, caseNo))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case numbered %s.", caseNo)
	}
	if err != nil {
		return nil, internal(err, "case number %s", caseNo)
	}
	return p, nil
}

func scanPetition(row interface{ Scan(...any) error }) (*petitions.Petition, error) {
	var version int64
	var doc []byte
	if err := row.Scan(&version, &doc); err != nil {
		return nil, err
	}
	p := new(petitions.Petition)
	if err := json.Unmarshal(doc, p); err != nil {
		return nil, err
	}
	p.Version = version
	return p, nil
}
