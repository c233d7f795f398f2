package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"hearingroom/petitions"
)

// CreatePerson stores a new person; see petitions.Store.
func (db *DB) CreatePerson(ctx context.Context, p *petitions.Person) error {
	if err := p.Validate(); err != nil { // EINVALID for nil too
		return err
	}
	created := p.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	created = created.Truncate(time.Microsecond)
	roles, err := json.Marshal(grants(p.Roles))
	if err != nil {
		return internal(err, "person %s: encode roles", p.ID)
	}
	profile, err := petitions.ProfileColumn(p.Profile)
	if err != nil {
		return internal(err, "person %s: encode profile", p.ID)
	}
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO people
			(id, login, name, phone, roles, disabled, password_hash, created_at, profile) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			p.ID, p.Login, p.Name, p.Phone, string(roles), p.Disabled, p.PasswordHash, created, profile)
		if uniqueViolation(err) != "" {
			return petitions.Errorf(petitions.ECONFLICT, "A person with id %s or login %s exists.", p.ID, p.Login)
		}
		if badText(err) {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The person holds text the database cannot keep."), err)
		}
		if err != nil {
			return internal(err, "person %s: insert", p.ID)
		}
		for _, g := range p.Roles {
			_, err := tx.Exec(ctx, `INSERT INTO person_roles (person_id, role, unit) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, p.ID, string(g.Role), g.Unit)
			if badText(err) {
				return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The person holds text the database cannot keep."), err)
			}
			if err != nil {
				return internal(err, "person %s: insert role", p.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.CreatedAt = created.UTC()
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

func scanPerson(row pgx.Row) (*petitions.Person, error) {
	var p petitions.Person
	var roles, profile string
	if err := row.Scan(&p.ID, &p.Login, &p.Name, &p.Phone, &roles, &p.Disabled, &p.PasswordHash, &p.CreatedAt, &profile); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(roles), &p.Roles); err != nil {
		return nil, err
	}
	var err error
	if p.Profile, err = petitions.ParseProfileColumn(profile); err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// person reads one person by the column where names.
func (db *DB) person(ctx context.Context, where, value string) (*petitions.Person, error) {
	var p *petitions.Person
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		p, err = scanPerson(c.QueryRow(ctx, `SELECT `+personColumns+` FROM people WHERE `+where+` = $1`, value))
		return err
	})
	return p, err
}

// Person returns the person with the given id; see petitions.Store.
func (db *DB) Person(ctx context.Context, id string) (*petitions.Person, error) {
	p, err := db.person(ctx, "id", id)
	if errors.Is(err, pgx.ErrNoRows) {
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
	p, err := db.person(ctx, "login", login)
	if errors.Is(err, pgx.ErrNoRows) {
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
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE people SET password_hash = $1 WHERE id = $2`, hash, id)
		if err != nil {
			return internal(err, "person %s: set password", id)
		}
		if tag.RowsAffected() == 0 {
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
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		stored, err = scanPerson(tx.QueryRow(ctx, `UPDATE people SET name = $1, phone = $2, roles = $3, disabled = $4, profile = $5
			WHERE id = $6 RETURNING `+personColumns, p.Name, p.Phone, string(roles), p.Disabled, profile, p.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return petitions.Errorf(petitions.ENOTFOUND, "There is no person %s.", p.ID)
		}
		if badText(err) {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The person holds text the database cannot keep."), err)
		}
		if err != nil {
			return internal(err, "person %s: update", p.ID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM person_roles WHERE person_id = $1`, p.ID); err != nil {
			return internal(err, "person %s: delete roles", p.ID)
		}
		for _, g := range p.Roles {
			_, err := tx.Exec(ctx, `INSERT INTO person_roles (person_id, role, unit) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, p.ID, string(g.Role), g.Unit)
			if badText(err) {
				return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The person holds text the database cannot keep."), err)
			}
			if err != nil {
				return internal(err, "person %s: insert role", p.ID)
			}
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
			WHERE id IN (SELECT person_id FROM person_roles WHERE unit = $1) ORDER BY id`, []any{unit}
	}
	var people []*petitions.Person
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		people, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Person, error) { return scanPerson(r) })
		return err
	})
	if err != nil {
		return nil, internal(err, "people of %s", unit)
	}
	if people == nil {
		people = []*petitions.Person{}
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
	return db.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO pairings (code_hash, station, expires_at, created_at)
			VALUES ($1, $2, $3, now())`, codeHash, station, expires.Truncate(time.Microsecond))
		if uniqueViolation(err) != "" {
			return petitions.Errorf(petitions.ECONFLICT, "The pairing code exists.")
		}
		if badText(err) {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The pairing holds text the database cannot keep."), err)
		}
		if err != nil {
			return internal(err, "pairing: insert")
		}
		return nil
	})
}

// RedeemPairing enrols a terminal with a pairing code; see petitions.Store.
// The pairing row is locked (FOR UPDATE) from the check to the mark, so a
// concurrent redeem of the same code waits and then finds it used.
func (db *DB) RedeemPairing(ctx context.Context, codeHash string, t *petitions.Terminal, secretHash string, now time.Time) error {
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
	now = now.Truncate(time.Microsecond)
	var station string
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		var expires time.Time
		var redeemed *time.Time
		err := tx.QueryRow(ctx, `SELECT station, expires_at, redeemed_at FROM pairings WHERE code_hash = $1 FOR UPDATE`,
			codeHash).Scan(&station, &expires, &redeemed)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return petitions.Errorf(petitions.ENOTFOUND, "The pairing code is not known.")
		case err != nil:
			return internal(err, "pairing: read")
		case redeemed != nil:
			return petitions.Errorf(petitions.ECONFLICT, "The pairing code has been used.")
		case !now.Before(expires):
			return petitions.Errorf(petitions.EDEADLINE, "The pairing code has expired.")
		}
		if _, err := tx.Exec(ctx, `UPDATE pairings SET redeemed_at = $1, terminal_id = $2 WHERE code_hash = $3`,
			now, t.ID, codeHash); err != nil {
			return internal(err, "pairing: mark used")
		}
		_, err = tx.Exec(ctx, `INSERT INTO terminals (id, station, unit, name, secret_hash, enrolled_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, station, t.Unit, t.Name, secretHash, now)
		if uniqueViolation(err) != "" {
			return petitions.Errorf(petitions.ECONFLICT, "Terminal %s or its credential exists.", t.ID)
		}
		if badText(err) {
			return fmt.Errorf("%w: %w", petitions.Errorf(petitions.EINVALID, "The terminal holds text the database cannot keep."), err)
		}
		if err != nil {
			return internal(err, "terminal %s: insert", t.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.Station, t.EnrolledAt, t.RevokedAt = station, now.UTC(), time.Time{}
	return nil
}

// TerminalByCredential returns the terminal a credential belongs to; see
// petitions.Store.
func (db *DB) TerminalByCredential(ctx context.Context, secretHash string) (*petitions.Terminal, error) {
	var t petitions.Terminal
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT id, station, unit, name, enrolled_at FROM terminals
			WHERE secret_hash = $1 AND revoked_at IS NULL`, secretHash).Scan(&t.ID, &t.Station, &t.Unit, &t.Name, &t.EnrolledAt)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, petitions.Errorf(petitions.ENOTFOUND, "The device credential is not known or has been revoked.")
	}
	if err != nil {
		return nil, internal(err, "terminal by credential")
	}
	t.EnrolledAt = t.EnrolledAt.UTC()
	return &t, nil
}

// RevokeTerminal revokes a terminal's credential; see petitions.Store.
func (db *DB) RevokeTerminal(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE terminals SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1`, id)
		if err != nil {
			return internal(err, "terminal %s: revoke", id)
		}
		if tag.RowsAffected() == 0 {
			return petitions.Errorf(petitions.ENOTFOUND, "There is no terminal %s.", id)
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
			WHERE station = $1 ORDER BY id`, []any{station}
	}
	var terminals []*petitions.Terminal
	err := db.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		terminals, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (*petitions.Terminal, error) {
			var t petitions.Terminal
			var revoked *time.Time
			if err := r.Scan(&t.ID, &t.Station, &t.Unit, &t.Name, &t.EnrolledAt, &revoked); err != nil {
				return nil, err
			}
			t.EnrolledAt = t.EnrolledAt.UTC()
			if revoked != nil {
				t.RevokedAt = revoked.UTC()
			}
			return &t, nil
		})
		return err
	})
	if err != nil {
		return nil, internal(err, "terminals of %s", station)
	}
	if terminals == nil {
		terminals = []*petitions.Terminal{}
	}
	return terminals, nil
}
