package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	var units [2]string // the facts' station and village units, as resolved
	it.queue = func(b *pgx.Batch) {
		// The case, its worklist rows and its facts.
		queueNewCase(b, c, doc)
		if f != nil {
			queueFactsRows(b, f, &units)
		}
	}
	it.after = func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error) {
		if f != nil { // the facts' sums are the batch's to write (it.sums)
			var err error
			if it.sums, err = db.newFactsSums(ctx, tx, f, units); err != nil {
				return nil, err
			}
		}
		e := *ev
		e.CaseID = c.ID
		return &e, nil
	}
	it.write = func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error) {
		b := &pgx.Batch{}
		it.queue(b)
		err := tx.SendBatch(ctx, b).Close()
		if uniqueViolation(err) != "" {
			return nil, petitions.Errorf(petitions.ECONFLICT, "A case with id %s or number %s exists.", c.ID, c.CaseNo)
		}
		if badText(err) {
			return nil, fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The case holds text the database cannot keep."), err)
		}
		if err != nil {
			return nil, internal(err, "case %s: insert", c.ID)
		}
		return it.after(ctx, tx)
	}
	return it, nil
}

// UpdatePetition stores a changed case and its event if the stored version
// is expectedVersion; see petitions.Store. The stored row is locked (FOR
// UPDATE) before its version is compared, so that of concurrent updates
// from one version the first to commit wins and the others see the new
// version.
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
	it := &appendItem{write: func(ctx context.Context, tx pgx.Tx) (*petitions.Event, error) {
		var stored int64
		err := tx.QueryRow(ctx, `SELECT version FROM petitions WHERE id = $1 FOR UPDATE`, c.ID).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case %s.", c.ID)
		}
		if err != nil {
			return nil, internal(err, "case %s: read version", c.ID)
		}
		if stored != expectedVersion {
			return nil, petitions.Errorf(petitions.ECONFLICT,
				"Case %s changed meanwhile (version %d, not %d); reload it and try again.", c.ID, stored, expectedVersion)
		}
		_, err = tx.Exec(ctx, `UPDATE petitions SET case_no = $1, query_code_hash = $2, lead_unit = $3,
			state = $4, kind = $5, updated_at = now(), version = $6, doc = $7 WHERE id = $8 AND version = $9`,
			c.CaseNo, petitions.QueryCodeHash(c.QueryCode), c.LeadUnit, string(c.State), string(c.Kind),
			c.Version, string(doc), c.ID, expectedVersion)
		if uniqueViolation(err) != "" {
			return nil, petitions.Errorf(petitions.ECONFLICT, "Another case has number %s.", c.CaseNo)
		}
		if badText(err) {
			return nil, fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The case holds text the database cannot keep."), err)
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
	p, err := db.onePetition(ctx, `SELECT version, doc FROM petitions WHERE id = $1`, id)
	if errors.Is(err, pgx.ErrNoRows) {
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
	p, err := db.onePetition(ctx, `SELECT version, doc FROM petitions WHERE case_no = $1`, caseNo)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no case numbered %s.", caseNo)
	}
	if err != nil {
		return nil, internal(err, "case number %s", caseNo)
	}
	return p, nil
}

func (db *DB) onePetition(ctx context.Context, query string, arg string) (*petitions.Petition, error) {
	var p *petitions.Petition
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		p, err = scanPetition(c.QueryRow(ctx, query, arg))
		return err
	})
	return p, err
}

func scanPetition(row pgx.Row) (*petitions.Petition, error) {
	var version int64
	var doc []byte
	if err := row.Scan(&version, &doc); err != nil {
		return nil, err
	}
	p := new(petitions.Petition)
	if err := json.Unmarshal(doc, p); err != nil {
		return nil, fmt.Errorf("decode case: %w", err)
	}
	p.Version = version
	return p, nil
}
