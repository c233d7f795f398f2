package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"hearingroom/petitions"
)

// CreatePerson stores a new person; see petitions.Store.
func (db *DB) CreatePerson(ctx context.Context, p *petitions.Person) error {
	if err := p.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	created := p.CreatedAt
	if created.IsZero() {
		created = db.now()
	}
	roles, err := json.Marshal(grants(p.Roles))
	if err != nil {
		return internal(err, "person %s: encode roles", p.ID)
	}
	profile, err := petitions.ProfileColumn(p.Profile)
	if err != nil {
		return internal(err, "person %s: encode profile", p.ID)
	}
	err = db.inTx(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO people
			(id, login, name, phone, roles, disabled, password_hash, created_at, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Login, p.Name, p.Phone, string(roles), p.Disabled, p.PasswordHash, created.UnixMicro(), profile)
		if isUnique(err) {
			return petitions.Errorf(petitions.ECONFLICT, "A person with id %s or login %s exists.", p.ID, p.Login)
		}
		if err != nil {
			return internal(err, "person %s: insert", p.ID)
		}
		for _, g := range p.Roles {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO person_roles (person_id, role, unit) VALUES (?, ?, ?)`,
				p.ID, string(g.Role), g.Unit); err != nil {
				return internal(err, "person %s: insert role", p.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.CreatedAt = time.UnixMicro(created.UnixMicro()).UTC()
	return nil
}

// grants returns roles, or an empty slice for nil, so that it encodes as [].
func grants(roles []petitions.RoleGrant) []petitions.RoleGrant {
	if roles == nil {
		return []petitions.RoleGrant{}
	}
	return roles
}

const personColumns = `id, login, name, phone, roles, disabled, password_hash, created_at, profile`

func scanPerson(row interface{ Scan(...any) error }) (*petitions.Person, error) {
	var p petitions.Person
	var roles, profile string
	var created int64
	if err := row.Scan(&p.ID, &p.Login, &p.Name, &p.Phone, &roles, &p.Disabled, &p.PasswordHash, &created, &profile); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return nil, err
	}
	var err error
	if p.Profile, err = petitions.ParseProfileColumn(profile); err != nil {
		return nil, err
	}
	p.CreatedAt = time.UnixMicro(created).UTC()
	return &p, nil
}

// Person returns the person with the given id; see petitions.Store.
func (db *DB) Person(ctx context.Context, id string) (*petitions.Person, error) {
	p, err := scanPerson(db.read.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no person %s.", id)
	}
	if err != nil {
		return nil, internal(err, "person %s", id)
	}
	return p, nil
}

// PersonByLogin returns the person with the given login; see
// petitions.Store.
func (db *DB) PersonByLogin(ctx context.Context, login string) (*petitions.Person, error) {
	login = petitions.NormalizeLogin(login)
	p, err := scanPerson(db.read.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE login = ?`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "There is no person with login %s.", login)
	}
	if err != nil {
		return nil, internal(err, "person by login %s", login)
	}
	return p, nil
}

// SetPasswordHash replaces a person's password hash; see petitions.Store.
func (db *DB) SetPasswordHash(ctx context.Context, id, hash string) error {
	if hash == "" {
		return &petitions.Error{Code: petitions.EINVALID, Message: "No password hash given.",
			Fields: map[string]string{"password": "required"}}
	}
	return db.inTx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE people SET password_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return internal(err, "person %s: set password", id)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return internal(err, "person %s: set password", id)
			}
			return petitions.Errorf(petitions.ENOTFOUND, "There is no person %s.", id)
		}
		return nil
	})
}

// UpdatePerson replaces a person's name, phone, roles and Disabled flag;
// see petitions.Store. The person_roles index is rewritten in the same
// transaction.
func (db *DB) UpdatePerson(ctx context.Context, p *petitions.Person) error {
	if err := p.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	roles, err := json.Marshal(grants(p.Roles))
	if err != nil {
		return internal(err, "person %s: encode roles", p.ID)
	}
	profile, err := petitions.ProfileColumn(p.Profile)
	if err != nil {
		return internal(err, "person %s: encode profile", p.ID)
	}
	var stored *petitions.Person
	err = db.inTx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `UPDATE people SET name = ?, phone = ?, roles = ?, disabled = ?, profile = ? WHERE id = ?`,
			p.Name, p.Phone, string(roles), p.Disabled, profile, p.ID)
		if err != nil {
			return internal(err, "person %s: update", p.ID)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return internal(err, "person %s: update", p.ID)
			}
			return petitions.Errorf(petitions.ENOTFOUND, "There is no person %s.", p.ID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM person_roles WHERE person_id = ?`, p.ID); err != nil {
			return internal(err, "person %s: delete roles", p.ID)
		}
		for _, g := range p.Roles {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO person_roles (person_id, role, unit) VALUES (?, ?, ?)`,
				p.ID, string(g.Role), g.Unit); err != nil {
				return internal(err, "person %s: insert role", p.ID)
			}
		}
		stored, err = scanPerson(tx.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE id = ?`, p.ID))
		if err != nil {
			return internal(err, "person %s: read back", p.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	*p = *stored
	return nil
}

// People returns the people holding a role for unit, or everyone when unit
// is ""; see petitions.Store.
func (db *DB) People(ctx context.Context, unit string) ([]*petitions.Person, error) {
	q, args := `SELECT `+personColumns+` FROM people ORDER BY id`, []any{}
	if unit != "" {
		q, args = `SELECT `+personColumns+` FROM people
		WHERE id IN (SELECT person_id FROM person_roles WHERE unit = ?) ORDER BY id`, []any{unit}
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal(err, "people of %s", unit)
	}
	defer rows.Close()
	people := []*petitions.Person{}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, internal(err, "people of %s", unit)
		}
		people = append(people, p)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "people of %s", unit)
	}
	return people, nil
}

// CreatePairing stores a pairing code's hash; see petitions.Store.
func (db *DB) CreatePairing(ctx context.Context, codeHash, station string, expires time.Time) error {
	fields := map[string]string{}
	if codeHash == "" {
		fields["code"] = "required"
	}
	if station == "" {
		fields["station"] = "required"
	}
	if len(fields) > 0 {
		return &petitions.Error{Code: petitions.EINVALID, Message: "The pairing is invalid.", Fields: fields}
	}
	return db.inTx(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO pairings (code_hash, station, expires_at, created_at, redeemed_at, terminal_id)
			VALUES (?, ?, ?, ?, 0, '')`, codeHash, station, expires.UnixMicro(), db.now().UnixMicro())
		if isUnique(err) {
			return petitions.Errorf(petitions.ECONFLICT, "The pairing code exists.")
		}
		if err != nil {
			return internal(err, "pairing: insert")
		}
		return nil
	})
}

// RedeemPairing enrols a terminal with a pairing code; see petitions.Store.
// Write transactions run one at a time on the write connection, so of two
// redeems of one code the second sees the first one's mark.
func (db *DB) RedeemPairing(ctx context.Context, codeHash string, t *petitions.Terminal, secretHash string, now time.Time) error {
	if err := checkRedeem(t, secretHash); err != nil {
		return err
	}
	var station string
	err := db.inTx(ctx, func(tx *wtx) error {
		var expires, redeemed int64
		err := tx.QueryRowContext(ctx, `SELECT station, expires_at, redeemed_at FROM pairings WHERE code_hash = ?`, codeHash).
			Scan(&station, &expires, &redeemed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return petitions.Errorf(petitions.ENOTFOUND, "The pairing code is not known.")
		case err != nil:
			return internal(err, "pairing: read")
		case redeemed != 0:
			return petitions.Errorf(petitions.ECONFLICT, "The pairing code has been used.")
		case now.UnixMicro() >= expires:
			return petitions.Errorf(petitions.EDEADLINE, "The pairing code has expired.")
		}
		res, err := tx.ExecContext(ctx, `UPDATE pairings SET redeemed_at = ?, terminal_id = ? WHERE code_hash = ? AND redeemed_at = 0`,
			max(now.UnixMicro(), 1), t.ID, codeHash)
		if err != nil {
			return internal(err, "pairing: mark used")
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return petitions.Errorf(petitions.ECONFLICT, "The pairing code has been used.")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO terminals (id, station, unit, name, secret_hash, enrolled_at, revoked_at)
			VALUES (?, ?, ?, ?, ?, ?, 0)`, t.ID, station, t.Unit, t.Name, secretHash, now.UnixMicro())
		if isUnique(err) {
			return petitions.Errorf(petitions.ECONFLICT, "Terminal %s or its credential exists.", t.ID)
		}
		if err != nil {
			return internal(err, "terminal %s: insert", t.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.Station, t.EnrolledAt, t.RevokedAt = station, time.UnixMicro(now.UnixMicro()).UTC(), time.Time{}
	return nil
}

func checkRedeem(t *petitions.Terminal, secretHash string) error {
	fields := map[string]string{}
	if t == nil || t.ID == "" {
		fields["id"] = "required"
	}
	if secretHash == "" {
		fields["credential"] = "required"
	}
	if len(fields) > 0 {
		return &petitions.Error{Code: petitions.EINVALID, Message: "The terminal is invalid.", Fields: fields}
	}
	return nil
}

// TerminalByCredential returns the terminal a credential belongs to; see
// petitions.Store.
func (db *DB) TerminalByCredential(ctx context.Context, secretHash string) (*petitions.Terminal, error) {
	var t petitions.Terminal
	var enrolled int64
	err := db.read.QueryRowContext(ctx, `SELECT id, station, unit, name, enrolled_at FROM terminals
		WHERE secret_hash = ? AND revoked_at = 0`, secretHash).Scan(&t.ID, &t.Station, &t.Unit, &t.Name, &enrolled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "The device credential is not known or has been revoked.")
	}
	if err != nil {
		return nil, internal(err, "terminal by credential")
	}
	t.EnrolledAt = time.UnixMicro(enrolled).UTC()
	return &t, nil
}

// RevokeTerminal revokes a terminal's credential; see petitions.Store.
func (db *DB) RevokeTerminal(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx *wtx) error {
		var revoked int64
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM terminals WHERE id = ?`, id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return petitions.Errorf(petitions.ENOTFOUND, "There is no terminal %s.", id)
		}
		if err != nil {
			return internal(err, "terminal %s: read", id)
		}
		if revoked != 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE terminals SET revoked_at = ? WHERE id = ?`,
			max(db.now().UnixMicro(), 1), id); err != nil {
			return internal(err, "terminal %s: revoke", id)
		}
		return nil
	})
}

// Terminals returns the terminals enrolled to station, or every terminal
// when station is "", revoked ones included; see petitions.Store.
func (db *DB) Terminals(ctx context.Context, station string) ([]*petitions.Terminal, error) {
	q, args := `SELECT id, station, unit, name, enrolled_at, revoked_at FROM terminals ORDER BY id`, []any{}
	if station != "" {
		q, args = `SELECT id, station, unit, name, enrolled_at, revoked_at FROM terminals
		WHERE station = ? ORDER BY id`, []any{station}
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal(err, "terminals of %s", station)
	}
	defer rows.Close()
	terminals := []*petitions.Terminal{}
	for rows.Next() {
		var t petitions.Terminal
		var enrolled, revoked int64
		if err := rows.Scan(&t.ID, &t.Station, &t.Unit, &t.Name, &enrolled, &revoked); err != nil {
			return nil, internal(err, "terminals of %s", station)
		}
		t.EnrolledAt = time.UnixMicro(enrolled).UTC()
		if revoked != 0 {
			t.RevokedAt = time.UnixMicro(revoked).UTC()
		}
		terminals = append(terminals, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "terminals of %s", station)
	}
	return terminals, nil
}
