-- The outbox of reminders (petitions/outbox.go). A reminder is stored once:
-- its id is derived from what it reminds of. Each channel's delivery of it
-- has a row of its own, pending while delivered_at is NULL; each recipient's
-- inbox has a row of its own, unread while read_at is NULL.

CREATE TABLE reminders (
	id         TEXT COLLATE "C" PRIMARY KEY,
	case_id    TEXT COLLATE "C" NOT NULL REFERENCES petitions (id),
	case_no    TEXT COLLATE "C" NOT NULL,
	step       TEXT COLLATE "C" NOT NULL,
	kind       TEXT COLLATE "C" NOT NULL,
	due        TIMESTAMPTZ NOT NULL,
	fired_at   TIMESTAMPTZ NOT NULL,
	recipients TEXT[] NOT NULL,
	text       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX reminders_case_id ON reminders (case_id);

CREATE TABLE reminder_deliveries (
	reminder_id  TEXT COLLATE "C" NOT NULL REFERENCES reminders (id),
	channel      TEXT COLLATE "C" NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_at      TIMESTAMPTZ NOT NULL,
	delivered_at TIMESTAMPTZ,
	last_error   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (reminder_id, channel)
);
CREATE INDEX reminder_deliveries_pending ON reminder_deliveries (channel, next_at, reminder_id)
	WHERE delivered_at IS NULL;

-- fired_at is the reminder's, copied so that a page of one inbox is read
-- from this index alone.
CREATE TABLE reminder_inbox (
	person_id   TEXT COLLATE "C" NOT NULL,
	reminder_id TEXT COLLATE "C" NOT NULL REFERENCES reminders (id),
	fired_at    TIMESTAMPTZ NOT NULL,
	read_at     TIMESTAMPTZ,
	PRIMARY KEY (person_id, reminder_id)
);
CREATE INDEX reminder_inbox_page ON reminder_inbox (person_id, fired_at, reminder_id);
