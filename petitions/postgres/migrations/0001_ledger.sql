-- The ledger: the unit tree, the cases and their append-only history.
-- Keys collate as "C" (by bytes), so that ids sort and page the same way
-- whatever the server's locale, and as in the SQLite store.

CREATE TABLE units (
	id        TEXT COLLATE "C" PRIMARY KEY,
	name      TEXT NOT NULL,
	level     TEXT NOT NULL,
	parent_id TEXT COLLATE "C" REFERENCES units (id),
	code      TEXT NOT NULL DEFAULT '',
	depth     INTEGER NOT NULL -- 0 for the root, the parent's depth + 1 below
);
CREATE INDEX units_parent_id ON units (parent_id);

-- A case is one JSON document (doc, kept as text so that it reads back
-- exactly as written) plus the columns it is looked up by. version is
-- authoritative over doc's "version".
CREATE TABLE petitions (
	id              TEXT COLLATE "C" PRIMARY KEY,
	case_no         TEXT COLLATE "C" NOT NULL UNIQUE,
	query_code_hash TEXT NOT NULL, -- hex SHA-256 of the query code
	lead_unit       TEXT COLLATE "C" NOT NULL,
	state           TEXT COLLATE "C" NOT NULL,
	kind            TEXT COLLATE "C" NOT NULL,
	created_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL,
	version         BIGINT NOT NULL,
	doc             TEXT NOT NULL
);
CREATE INDEX petitions_lead_unit ON petitions (lead_unit, id);
CREATE INDEX petitions_state ON petitions (state, id);
CREATE INDEX petitions_kind ON petitions (kind, id);

-- The history (petitions/history.go): never updated, never deleted. case_id
-- is '' for a ledger-level event; data is the canonical JSON text Seal wrote,
-- TEXT and not jsonb, which would rewrite numbers and break the hashes.
CREATE TABLE ledger_events (
	seq            BIGINT PRIMARY KEY,
	case_id        TEXT COLLATE "C" NOT NULL,
	case_seq       BIGINT NOT NULL,
	kind           TEXT NOT NULL,
	actor          TEXT NOT NULL,
	actor_role     TEXT NOT NULL,
	at             TIMESTAMPTZ NOT NULL,
	data           TEXT NOT NULL,
	prev_hash      TEXT NOT NULL,
	case_prev_hash TEXT NOT NULL,
	hash           TEXT NOT NULL,
	case_hash      TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_events_case ON ledger_events (case_id, case_seq) WHERE case_id <> '';

-- Corrections are new events: the table refuses UPDATE, DELETE and TRUNCATE
-- whoever asks (only its owner can drop the triggers, and that shows).
CREATE FUNCTION ledger_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'ledger_events is append-only: % refused', TG_OP
		USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER ledger_events_no_update_delete BEFORE UPDATE OR DELETE ON ledger_events
	FOR EACH ROW EXECUTE FUNCTION ledger_events_append_only();
CREATE TRIGGER ledger_events_no_truncate BEFORE TRUNCATE ON ledger_events
	FOR EACH STATEMENT EXECUTE FUNCTION ledger_events_append_only();
