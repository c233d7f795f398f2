-- Media sessions (petitions/session.go): one JSON document (doc, kept as
-- text so that it reads back exactly as written) plus the columns they are
-- looked up by. case_id is '' for a session without a case; end_at is NULL
-- while the session is live.

CREATE TABLE sessions (
	id         TEXT COLLATE "C" PRIMARY KEY,
	kind       TEXT COLLATE "C" NOT NULL,
	room       TEXT COLLATE "C" NOT NULL,
	station    TEXT COLLATE "C" NOT NULL,
	case_id    TEXT COLLATE "C" NOT NULL,
	status     TEXT COLLATE "C" NOT NULL,
	start_at   TIMESTAMPTZ NOT NULL,
	end_at     TIMESTAMPTZ,
	updated_at TIMESTAMPTZ NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX sessions_room ON sessions (room, id);
CREATE INDEX sessions_case_id ON sessions (case_id, id) WHERE case_id <> '';
CREATE INDEX sessions_live ON sessions (id) WHERE status = 'live';
