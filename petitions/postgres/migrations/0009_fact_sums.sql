-- Pre-summed statistics facts (petitions.FactSums): the counts of the
-- registered cases per China month (bucket: the month's start in Unix
-- microseconds) of each date — received, acceptance deadline (decided
-- ones), replied, accepted, effective, performance ended, closed — so that
-- AggregateFacts adds the months a period covers whole and reads case_facts
-- only for the days at its edges and for what depends on "now". The cases
-- and the closed ones, whenever, are in bucket -2^63. Rows are keyed by
-- scope: 'all' (the county), 'units' (lead, station's, village's unit),
-- 'owner' and 'mediator' (grp). SaveFacts keeps them, in the transaction
-- that replaces the facts (old counts subtracted, new ones added, rows in
-- key order); RebuildFactSums recomputes them from case_facts after a bulk
-- load.

CREATE TABLE case_fact_sums (
	scope           TEXT NOT NULL,
	bucket          BIGINT NOT NULL,
	grp             TEXT NOT NULL,
	lead_unit       TEXT NOT NULL,
	station_unit    TEXT NOT NULL,
	village_unit    TEXT NOT NULL,
	cases           BIGINT NOT NULL,
	closed_ever     BIGINT NOT NULL,
	received        BIGINT NOT NULL,
	visits          BIGINT NOT NULL,
	persons         BIGINT NOT NULL,
	groups          BIGINT NOT NULL,
	repeats         BIGINT NOT NULL,
	acc_decided     BIGINT NOT NULL,
	acc_on_time     BIGINT NOT NULL,
	replied         BIGINT NOT NULL,
	replied_on_time BIGINT NOT NULL,
	accepted        BIGINT NOT NULL,
	resolved        BIGINT NOT NULL,
	med_accepted    BIGINT NOT NULL,
	med_effective   BIGINT NOT NULL,
	effective       BIGINT NOT NULL,
	applied         BIGINT NOT NULL,
	perf_ended      BIGINT NOT NULL,
	performed       BIGINT NOT NULL,
	closed          BIGINT NOT NULL,
	rated           BIGINT NOT NULL,
	ratings         BIGINT NOT NULL,
	satisfied       BIGINT NOT NULL,
	PRIMARY KEY (scope, bucket, grp, lead_unit, station_unit, village_unit)
);

-- The cases closed after an acceptance, by month closed and handling days
-- (scopes 'all' and 'units').
CREATE TABLE case_fact_handling_sums (
	scope        TEXT NOT NULL,
	bucket       BIGINT NOT NULL,
	lead_unit    TEXT NOT NULL,
	station_unit TEXT NOT NULL,
	village_unit TEXT NOT NULL,
	days         INTEGER NOT NULL,
	n            BIGINT NOT NULL,
	PRIMARY KEY (scope, bucket, lead_unit, station_unit, village_unit, days)
);

-- The acceptance deadlines not decided, which count once passed.
CREATE INDEX case_facts_accept_undecided ON case_facts (accept_due_day) WHERE NOT accept_decided;
