-- People with accounts and enrolled terminals (petitions/people.go). roles
-- holds the person's role grants as JSON text, in order; person_roles
-- indexes them by unit. Codes and credentials are kept only as SHA-256
-- hashes (petitions/pairing.go). redeemed_at and revoked_at are NULL until
-- it happens.

CREATE TABLE people (
	id            TEXT COLLATE "C" PRIMARY KEY,
	login         TEXT COLLATE "C" NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	phone         TEXT NOT NULL,
	roles         TEXT NOT NULL,
	disabled      BOOLEAN NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE person_roles (
	person_id TEXT COLLATE "C" NOT NULL REFERENCES people (id),
	role      TEXT COLLATE "C" NOT NULL,
	unit      TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (person_id, role, unit)
);
CREATE INDEX person_roles_unit ON person_roles (unit, person_id);

CREATE TABLE terminals (
	id          TEXT COLLATE "C" PRIMARY KEY,
	station     TEXT COLLATE "C" NOT NULL,
	unit        TEXT COLLATE "C" NOT NULL,
	name        TEXT NOT NULL,
	secret_hash TEXT COLLATE "C" NOT NULL UNIQUE,
	enrolled_at TIMESTAMPTZ NOT NULL,
	revoked_at  TIMESTAMPTZ
);

CREATE TABLE pairings (
	code_hash   TEXT COLLATE "C" PRIMARY KEY,
	station     TEXT COLLATE "C" NOT NULL,
	expires_at  TIMESTAMPTZ NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	redeemed_at TIMESTAMPTZ,
	terminal_id TEXT COLLATE "C"
);
