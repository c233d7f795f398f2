-- Worklists: the columns the lists of cases filter and sort on, beside the
-- document. CreatePetition and UpdatePetition write them in the transaction
-- that writes the case, from petitions.ListingOf. Rows stored before this
-- migration are backfilled by Migrate, in Go, in this migration's own
-- transaction (backfillWorklists, worklist.go): the running deadline needs
-- the lifecycles' timers and the end of a day in its own zone, which SQL
-- cannot compute faithfully.
--
-- Times are Unix microseconds. due_key is due_at, or the largest integer
-- when no deadline runs, so that "due" sorts nulls last and pages by a
-- plain row comparison.

ALTER TABLE petitions ADD COLUMN due_at INTEGER;
ALTER TABLE petitions ADD COLUMN due_key INTEGER NOT NULL DEFAULT 9223372036854775807;
ALTER TABLE petitions ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE petitions ADD COLUMN supervised INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN risk TEXT NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN risk_rank INTEGER NOT NULL DEFAULT 3;
ALTER TABLE petitions ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN received_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN repeat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE petitions ADD COLUMN filed_by TEXT NOT NULL DEFAULT '';

-- The units a case names for access (petitions.Scope): lead unit, co-units,
-- live assignments' units, summoned departments, the station's unit and the
-- village's unit; and the people it names (assignments, mediators).
-- Rewritten whole on every update of the case.
CREATE TABLE petition_units (
	petition_id TEXT NOT NULL REFERENCES petitions (id),
	unit        TEXT NOT NULL,
	PRIMARY KEY (petition_id, unit)
) WITHOUT ROWID;
CREATE INDEX petition_units_unit ON petition_units (unit, petition_id);

CREATE TABLE petition_persons (
	petition_id TEXT NOT NULL REFERENCES petitions (id),
	person      TEXT NOT NULL,
	PRIMARY KEY (petition_id, person)
) WITHOUT ROWID;
CREATE INDEX petition_persons_person ON petition_persons (person, petition_id);

-- One index per sort (each ends with id, the tie-break), and the filters
-- that narrow most.
CREATE INDEX petitions_due ON petitions (due_key, id);
CREATE INDEX petitions_active_due ON petitions (due_key, id) WHERE active = 1;
CREATE INDEX petitions_received ON petitions (received_at, id);
CREATE INDEX petitions_risk ON petitions (risk_rank, id);
CREATE INDEX petitions_supervised_due ON petitions ((1 - supervised), due_key, id);
CREATE INDEX petitions_category ON petitions (category, id);
CREATE INDEX petitions_owner ON petitions (owner) WHERE owner <> '';
CREATE INDEX petitions_filed_by ON petitions (filed_by) WHERE filed_by <> '';
CREATE INDEX petitions_repeat ON petitions (id) WHERE repeat = 1;
