-- Worklists: the columns the lists of cases filter and sort on, beside the
-- document. CreatePetition and UpdatePetition write them in the transaction
-- that writes the case, from petitions.ListingOf. Rows stored before this
-- migration are backfilled by Migrate, in Go, in the migration transaction
-- (backfillWorklists, worklist.go): the running deadline needs the
-- lifecycles' timers and the end of a day in its own zone, which SQL cannot
-- compute faithfully.
--
-- due_key is due_at in Unix microseconds, or the largest bigint when no
-- deadline runs, so that "due" sorts nulls last and pages by a plain row
-- comparison that the index answers.

ALTER TABLE petitions
	ADD COLUMN due_at      TIMESTAMPTZ,
	ADD COLUMN due_key     BIGINT NOT NULL DEFAULT 9223372036854775807,
	ADD COLUMN active      BOOLEAN NOT NULL DEFAULT true,
	ADD COLUMN supervised  BOOLEAN NOT NULL DEFAULT false,
	ADD COLUMN risk        TEXT COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN risk_rank   SMALLINT NOT NULL DEFAULT 3,
	ADD COLUMN category    TEXT COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0, -- Unix microseconds
	ADD COLUMN repeat      BOOLEAN NOT NULL DEFAULT false,
	ADD COLUMN owner       TEXT COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN filed_by    TEXT COLLATE "C" NOT NULL DEFAULT '';

-- The units a case names for access (petitions.Scope): lead unit, co-units,
-- live assignments' units, summoned departments, the station's unit and the
-- village's unit; and the people it names (assignments, mediators).
-- Rewritten whole on every update of the case.
CREATE TABLE petition_units (
	petition_id TEXT COLLATE "C" NOT NULL REFERENCES petitions (id),
	unit        TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (petition_id, unit)
);
CREATE INDEX petition_units_unit ON petition_units (unit, petition_id);

CREATE TABLE petition_persons (
	petition_id TEXT COLLATE "C" NOT NULL REFERENCES petitions (id),
	person      TEXT COLLATE "C" NOT NULL,
	PRIMARY KEY (petition_id, person)
);
CREATE INDEX petition_persons_person ON petition_persons (person, petition_id);

-- One index per sort (each ends with id, the tie-break), and the filters
-- that narrow most.
CREATE INDEX petitions_due ON petitions (due_key, id);
CREATE INDEX petitions_active_due ON petitions (due_key, id) WHERE active;
CREATE INDEX petitions_received ON petitions (received_at, id);
CREATE INDEX petitions_risk ON petitions (risk_rank, id);
CREATE INDEX petitions_supervised_due ON petitions ((CASE WHEN supervised THEN 0 ELSE 1 END), due_key, id);
CREATE INDEX petitions_category ON petitions (category, id);
CREATE INDEX petitions_owner ON petitions (owner) WHERE owner <> '';
CREATE INDEX petitions_filed_by ON petitions (filed_by) WHERE filed_by <> '';
CREATE INDEX petitions_repeat ON petitions (id) WHERE repeat;
