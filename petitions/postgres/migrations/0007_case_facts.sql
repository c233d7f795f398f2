-- Statistics facts: one row per case, what package stats replays from its
-- history (petitions.CaseFacts), so that the oversight figures of a period
-- are aggregates over these rows (AggregateFacts). Written by SaveFacts,
-- never older over newer (version). Cases stored before this migration have
-- none until stats.Backfill runs: the replay needs the lifecycles, which
-- SQL has not.
--
-- Times are Unix microseconds (BIGINT), NULL for none; a deadline is kept as the
-- instant it passes and as its China day.

CREATE TABLE case_facts (
	case_id         TEXT PRIMARY KEY REFERENCES petitions (id),
	version         BIGINT NOT NULL,
	registered      BOOLEAN NOT NULL,
	kind            TEXT NOT NULL,
	lead_unit       TEXT NOT NULL,
	station_unit    TEXT NOT NULL,
	village_unit    TEXT NOT NULL,
	owner           TEXT NOT NULL,
	received_at     BIGINT,
	repeat_links    INTEGER NOT NULL,
	headcount       INTEGER NOT NULL,
	accept_due_day  BIGINT,
	accept_decided  BOOLEAN NOT NULL,
	accept_on_time  BOOLEAN NOT NULL,
	accept_passed   BIGINT,
	replied_at      BIGINT,
	replied_on_time BOOLEAN NOT NULL,
	accepted_at     BIGINT,
	resolved        BOOLEAN NOT NULL,
	effective_at    BIGINT,
	applied         BOOLEAN NOT NULL,
	perf_ended_at   BIGINT,
	performed       BOOLEAN NOT NULL,
	active          BOOLEAN NOT NULL,
	running_passed  BIGINT,
	running_day     BIGINT,
	closed_at       BIGINT,
	handling_days   INTEGER, -- NULL unless closed after an acceptance
	ratings         INTEGER NOT NULL,
	satisfied       INTEGER NOT NULL
);


CREATE TABLE case_fact_mediators (
	case_id   TEXT NOT NULL REFERENCES petitions (id),
	mediator  TEXT NOT NULL,
	ratings   INTEGER NOT NULL,
	satisfied INTEGER NOT NULL,
	PRIMARY KEY (case_id, mediator)
);

CREATE TABLE case_fact_supervisions (
	case_id     TEXT NOT NULL REFERENCES petitions (id),
	n           INTEGER NOT NULL,
	issued_at   BIGINT NOT NULL,
	passed      BIGINT NOT NULL,
	answered_at BIGINT,
	on_time     BOOLEAN NOT NULL,
	adopted     BOOLEAN NOT NULL,
	PRIMARY KEY (case_id, n)
);
CREATE INDEX case_fact_supervisions_issued ON case_fact_supervisions (issued_at);

CREATE TABLE case_fact_summons (
	case_id     TEXT NOT NULL REFERENCES petitions (id),
	n           INTEGER NOT NULL,
	level       TEXT NOT NULL,
	unit        TEXT NOT NULL,
	issued_at   BIGINT NOT NULL,
	due         BIGINT,
	reported_at BIGINT,
	on_time     BOOLEAN NOT NULL,
	minutes     DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (case_id, n)
);
CREATE INDEX case_fact_summons_issued ON case_fact_summons (issued_at);

-- The counts of every case scan this index alone; the sums read the cases
-- active or with a date in the period, one index per date; a unit's cases
-- are found by any of their three units.
CREATE INDEX case_facts_counts ON case_facts (lead_unit, station_unit, village_unit, owner, closed_at) WHERE registered;
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
