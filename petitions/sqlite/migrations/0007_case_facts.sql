-- Statistics facts: one row per case, what package stats replays from its
-- history (petitions.CaseFacts), so that the oversight figures of a period
-- are aggregates over these rows (AggregateFacts). Written by SaveFacts,
-- never older over newer (version). Cases stored before this migration have
-- none until stats.Backfill runs: the replay needs the lifecycles, which
-- SQL has not.
--
-- Times are Unix microseconds, NULL for none; a deadline is kept as the
-- instant it passes and as its China day.

CREATE TABLE case_facts (
	case_id         TEXT PRIMARY KEY REFERENCES petitions (id),
	version         INTEGER NOT NULL,
	registered      INTEGER NOT NULL,
	kind            TEXT NOT NULL,
	lead_unit       TEXT NOT NULL,
	station_unit    TEXT NOT NULL,
	village_unit    TEXT NOT NULL,
	owner           TEXT NOT NULL,
	received_at     INTEGER,
	repeat_links    INTEGER NOT NULL,
	headcount       INTEGER NOT NULL,
	accept_due_day  INTEGER,
	accept_decided  INTEGER NOT NULL,
	accept_on_time  INTEGER NOT NULL,
	accept_passed   INTEGER,
	replied_at      INTEGER,
	replied_on_time INTEGER NOT NULL,
	accepted_at     INTEGER,
	resolved        INTEGER NOT NULL,
	effective_at    INTEGER,
	applied         INTEGER NOT NULL,
	perf_ended_at   INTEGER,
	performed       INTEGER NOT NULL,
	active          INTEGER NOT NULL,
	running_passed  INTEGER,
	running_day     INTEGER,
	closed_at       INTEGER,
	handling_days   INTEGER, -- NULL unless closed after an acceptance
	ratings         INTEGER NOT NULL,
	satisfied       INTEGER NOT NULL
) WITHOUT ROWID;


CREATE TABLE case_fact_mediators (
	case_id   TEXT NOT NULL REFERENCES petitions (id),
	mediator  TEXT NOT NULL,
	ratings   INTEGER NOT NULL,
	satisfied INTEGER NOT NULL,
	PRIMARY KEY (case_id, mediator)
) WITHOUT ROWID;

CREATE TABLE case_fact_supervisions (
	case_id     TEXT NOT NULL REFERENCES petitions (id),
	n           INTEGER NOT NULL,
	issued_at   INTEGER NOT NULL,
	passed      INTEGER NOT NULL,
	answered_at INTEGER,
	on_time     INTEGER NOT NULL,
	adopted     INTEGER NOT NULL,
	PRIMARY KEY (case_id, n)
) WITHOUT ROWID;
CREATE INDEX case_fact_supervisions_issued ON case_fact_supervisions (issued_at);

CREATE TABLE case_fact_summons (
	case_id     TEXT NOT NULL REFERENCES petitions (id),
	n           INTEGER NOT NULL,
	level       TEXT NOT NULL,
	unit        TEXT NOT NULL,
	issued_at   INTEGER NOT NULL,
	due         INTEGER,
	reported_at INTEGER,
	on_time     INTEGER NOT NULL,
	minutes     REAL NOT NULL,
	PRIMARY KEY (case_id, n)
) WITHOUT ROWID;
CREATE INDEX case_fact_summons_issued ON case_fact_summons (issued_at);

-- The counts of every case scan this index alone; the sums read the cases
-- active or with a date in the period, one index per date; a unit's cases
-- are found by any of their three units.
CREATE INDEX case_facts_counts ON case_facts (registered, lead_unit, station_unit, village_unit, owner, closed_at);
CREATE INDEX case_facts_active ON case_facts (active) WHERE active;
CREATE INDEX case_facts_received ON case_facts (received_at);
CREATE INDEX case_facts_accept_due ON case_facts (accept_due_day);
CREATE INDEX case_facts_replied ON case_facts (replied_at);
CREATE INDEX case_facts_accepted ON case_facts (accepted_at);
CREATE INDEX case_facts_effective ON case_facts (effective_at);
CREATE INDEX case_facts_perf_ended ON case_facts (perf_ended_at);
CREATE INDEX case_facts_closed ON case_facts (closed_at);
CREATE INDEX case_facts_lead_unit ON case_facts (lead_unit);
CREATE INDEX case_facts_station_unit ON case_facts (station_unit) WHERE station_unit <> '';
CREATE INDEX case_facts_village_unit ON case_facts (village_unit) WHERE village_unit <> '';
CREATE INDEX case_facts_mediators_mediator ON case_fact_mediators (mediator);
