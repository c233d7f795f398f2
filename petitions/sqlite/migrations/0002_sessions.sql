-- Media sessions (petitions/session.go): one JSON document (doc) plus the
-- columns they are looked up by. case_id is '' for a session without a case.
-- Times are Unix microseconds (UTC); end_at is 0 while the session is live.

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	room       TEXT NOT NULL,
	station    TEXT NOT NULL,
	case_id    TEXT NOT NULL,
	status     TEXT NOT NULL,
	start_at   INTEGER NOT NULL,
	end_at     INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	doc        TEXT NOT NULL
);
CREATE INDEX sessions_room ON sessions (room, id);
CREATE INDEX sessions_case_id ON sessions (case_id, id) WHERE case_id <> '';
CREATE INDEX sessions_live ON sessions (id) WHERE status = 'live';
