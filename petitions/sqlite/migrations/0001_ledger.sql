-- The ledger: the unit tree, the cases and their append-only history.
-- Times are Unix microseconds (UTC), the precision Seal keeps.

CREATE TABLE units (
	id        TEXT PRIMARY KEY,
	name      TEXT NOT NULL,
	level     TEXT NOT NULL,
	parent_id TEXT REFERENCES units (id),
	code      TEXT NOT NULL DEFAULT '',
	depth     INTEGER NOT NULL -- 0 for the root, the parent's depth + 1 below
);
CREATE INDEX units_parent_id ON units (parent_id);

-- A case is one JSON document (doc) plus the columns it is looked up by.
-- version is authoritative over doc's "version".
CREATE TABLE petitions (
	id              TEXT PRIMARY KEY,
	case_no         TEXT NOT NULL UNIQUE,
	query_code_hash TEXT NOT NULL, -- hex SHA-256 of the query code
	lead_unit       TEXT NOT NULL,
	state           TEXT NOT NULL,
	kind            TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	version         INTEGER NOT NULL,
	doc             TEXT NOT NULL
);
CREATE INDEX petitions_lead_unit ON petitions (lead_unit, id);
CREATE INDEX petitions_state ON petitions (state, id);
CREATE INDEX petitions_kind ON petitions (kind, id);

-- The history (history.go): never updated, never deleted. case_id is '' for a
-- ledger-level event; data is the canonical JSON text Seal wrote.
CREATE TABLE ledger_events (
	seq            INTEGER PRIMARY KEY,
	case_id        TEXT NOT NULL,
	case_seq       INTEGER NOT NULL,
	kind           TEXT NOT NULL,
	actor          TEXT NOT NULL,
	actor_role     TEXT NOT NULL,
	at             INTEGER NOT NULL,
	data           TEXT NOT NULL,
	prev_hash      TEXT NOT NULL,
	case_prev_hash TEXT NOT NULL,
	hash           TEXT NOT NULL,
	case_hash      TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_events_case ON ledger_events (case_id, case_seq) WHERE case_id <> '';

CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
BEGIN
	SELECT RAISE(ABORT, 'ledger_events is append-only: UPDATE refused');
END;

CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
BEGIN
	SELECT RAISE(ABORT, 'ledger_events is append-only: DELETE refused');
END;
