-- People with accounts and enrolled terminals (petitions/people.go). roles
-- holds the person's role grants as JSON, in order; person_roles indexes
-- them by unit. Times are Unix microseconds (UTC); 0 stands for "not yet"
-- (redeemed_at, revoked_at). Codes and credentials are kept only as SHA-256
-- hashes (petitions/pairing.go).

CREATE TABLE people (
	id            TEXT PRIMARY KEY,
	login         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	phone         TEXT NOT NULL,
	roles         TEXT NOT NULL,
	disabled      INTEGER NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);

CREATE TABLE person_roles (
	person_id TEXT NOT NULL REFERENCES people (id),
	role      TEXT NOT NULL,
	unit      TEXT NOT NULL,
	PRIMARY KEY (person_id, role, unit)
);
CREATE INDEX person_roles_unit ON person_roles (unit, person_id);

CREATE TABLE terminals (
	id          TEXT PRIMARY KEY,
	station     TEXT NOT NULL,
	unit        TEXT NOT NULL,
	name        TEXT NOT NULL,
	secret_hash TEXT NOT NULL UNIQUE,
	enrolled_at INTEGER NOT NULL,
	revoked_at  INTEGER NOT NULL
);

CREATE TABLE pairings (
	code_hash   TEXT PRIMARY KEY,
	station     TEXT NOT NULL,
	expires_at  INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	redeemed_at INTEGER NOT NULL,
	terminal_id TEXT NOT NULL
);
