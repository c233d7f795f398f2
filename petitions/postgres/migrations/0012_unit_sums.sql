-- The sums by unit are rolled up (scope 'unit'): a case counts in the row of
-- each of its units (lead, station's, village's) and of each of their
-- ancestors, once (petitions.Within), so that a unit's figures, and those
-- of each township and department, are read from one row per month instead
-- of being summed from every combination of units. The keys of a row are
-- its scope, its bucket and its group (the unit, owner or mediator).
--
-- The active cases are summed by running deadline (case_fact_running_sums):
-- overdue and due soon are counted from them at "now", without reading the
-- cases.
--
-- The supervisions and summons carry their case's units and registration,
-- so that they are counted without joining case_facts.
--
-- Migrate rebuilds every sum after this file (RebuildFactSums): the rows of
-- scope 'units' are gone, those of 'unit' are made from the facts.

DROP TABLE case_fact_sums;
CREATE TABLE case_fact_sums (
	scope           TEXT NOT NULL,
	bucket          BIGINT NOT NULL,
	grp             TEXT NOT NULL,
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
	PRIMARY KEY (scope, grp, bucket)
);
-- The owners and mediators are read by month, all of them.
CREATE INDEX case_fact_sums_bucket ON case_fact_sums (scope, bucket);

DROP TABLE case_fact_handling_sums;
CREATE TABLE case_fact_handling_sums (
	scope  TEXT NOT NULL,
	bucket BIGINT NOT NULL,
	grp    TEXT NOT NULL,
	days   INTEGER NOT NULL,
	n      BIGINT NOT NULL,
	-- n in the key's index: a period's days are read from it alone.
	PRIMARY KEY (scope, grp, bucket, days) INCLUDE (n)
);

-- day and passed are 0 for an active case without a running deadline.
CREATE TABLE case_fact_running_sums (
	scope  TEXT NOT NULL,
	grp    TEXT NOT NULL,
	day    BIGINT NOT NULL,
	passed BIGINT NOT NULL,
	n      BIGINT NOT NULL,
	PRIMARY KEY (scope, grp, day, passed)
);

ALTER TABLE case_fact_supervisions
	ADD COLUMN registered BOOLEAN NOT NULL DEFAULT false,
	ADD COLUMN lead_unit TEXT NOT NULL DEFAULT '',
	ADD COLUMN station_unit TEXT NOT NULL DEFAULT '',
	ADD COLUMN village_unit TEXT NOT NULL DEFAULT '';
UPDATE case_fact_supervisions s SET registered = f.registered, lead_unit = f.lead_unit,
	station_unit = f.station_unit, village_unit = f.village_unit
	FROM case_facts f WHERE f.case_id = s.case_id;

ALTER TABLE case_fact_summons
	ADD COLUMN registered BOOLEAN NOT NULL DEFAULT false,
	ADD COLUMN lead_unit TEXT NOT NULL DEFAULT '',
	ADD COLUMN station_unit TEXT NOT NULL DEFAULT '',
	ADD COLUMN village_unit TEXT NOT NULL DEFAULT '';
UPDATE case_fact_summons s SET registered = f.registered, lead_unit = f.lead_unit,
	station_unit = f.station_unit, village_unit = f.village_unit
	FROM case_facts f WHERE f.case_id = s.case_id;
