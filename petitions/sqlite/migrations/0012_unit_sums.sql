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
	bucket          INTEGER NOT NULL,
	grp             TEXT NOT NULL,
	cases           INTEGER NOT NULL,
	closed_ever     INTEGER NOT NULL,
	received        INTEGER NOT NULL,
	visits          INTEGER NOT NULL,
	persons         INTEGER NOT NULL,
	groups          INTEGER NOT NULL,
	repeats         INTEGER NOT NULL,
	acc_decided     INTEGER NOT NULL,
	acc_on_time     INTEGER NOT NULL,
	replied         INTEGER NOT NULL,
	replied_on_time INTEGER NOT NULL,
	accepted        INTEGER NOT NULL,
	resolved        INTEGER NOT NULL,
	med_accepted    INTEGER NOT NULL,
	med_effective   INTEGER NOT NULL,
	effective       INTEGER NOT NULL,
	applied         INTEGER NOT NULL,
	perf_ended      INTEGER NOT NULL,
	performed       INTEGER NOT NULL,
	closed          INTEGER NOT NULL,
	rated           INTEGER NOT NULL,
	ratings         INTEGER NOT NULL,
	satisfied       INTEGER NOT NULL,
	PRIMARY KEY (scope, grp, bucket)
) WITHOUT ROWID;
-- The owners and mediators are read by month, all of them.
CREATE INDEX case_fact_sums_bucket ON case_fact_sums (scope, bucket);

DROP TABLE case_fact_handling_sums;
CREATE TABLE case_fact_handling_sums (
	scope  TEXT NOT NULL,
	bucket INTEGER NOT NULL,
	grp    TEXT NOT NULL,
	days   INTEGER NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (scope, grp, bucket, days)
) WITHOUT ROWID;

-- day and passed are 0 for an active case without a running deadline.
CREATE TABLE case_fact_running_sums (
	scope  TEXT NOT NULL,
	grp    TEXT NOT NULL,
	day    INTEGER NOT NULL,
	passed INTEGER NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (scope, grp, day, passed)
) WITHOUT ROWID;

ALTER TABLE case_fact_supervisions ADD COLUMN registered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_fact_supervisions ADD COLUMN lead_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE case_fact_supervisions ADD COLUMN station_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE case_fact_supervisions ADD COLUMN village_unit TEXT NOT NULL DEFAULT '';
UPDATE case_fact_supervisions SET (registered, lead_unit, station_unit, village_unit) =
	(SELECT f.registered, f.lead_unit, f.station_unit, f.village_unit FROM case_facts f
	 WHERE f.case_id = case_fact_supervisions.case_id);

ALTER TABLE case_fact_summons ADD COLUMN registered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_fact_summons ADD COLUMN lead_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE case_fact_summons ADD COLUMN station_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE case_fact_summons ADD COLUMN village_unit TEXT NOT NULL DEFAULT '';
UPDATE case_fact_summons SET (registered, lead_unit, station_unit, village_unit) =
	(SELECT f.registered, f.lead_unit, f.station_unit, f.village_unit FROM case_facts f
	 WHERE f.case_id = case_fact_summons.case_id);
