-- Worklist indexes for the active cases: most worklists (overdue, due this
-- week, supervised, red) list only active cases, a small share of a ledger
-- years old, so partial indexes on them stay small and let a page be read
-- in its sort's order without visiting closed cases. ListPetitions writes
-- "active" as a literal so that every plan may use them.
CREATE INDEX petitions_active_id ON petitions (id) WHERE active;
CREATE INDEX petitions_active_risk ON petitions (risk, id) WHERE active;
CREATE INDEX petitions_active_supervised_due ON petitions ((CASE WHEN supervised THEN 0 ELSE 1 END), due_key, id) WHERE active;
