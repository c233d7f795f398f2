-- Reception rooms and the reception schedule (petitions/station.go). A
-- station belongs to a unit; a schedule entry names a station, a leader and a
-- civil day, written YYYY-MM-DD so that days sort and compare as text.
-- created_at is Unix microseconds (UTC). A leader receives at a station at
-- most once a day; that unique index also serves the schedule's day order.

CREATE TABLE stations (
	id   TEXT PRIMARY KEY,
	unit TEXT NOT NULL REFERENCES units (id),
	name TEXT NOT NULL
);
CREATE INDEX stations_unit ON stations (unit, id);

CREATE TABLE receptions (
	id         TEXT PRIMARY KEY,
	day        TEXT NOT NULL,
	station    TEXT NOT NULL REFERENCES stations (id),
	leader_id  TEXT NOT NULL,
	note       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX receptions_day ON receptions (day, station, leader_id);
CREATE INDEX receptions_station ON receptions (station, day);
CREATE INDEX receptions_leader_id ON receptions (leader_id, day);

-- Terminals are listed by station.
CREATE INDEX terminals_station ON terminals (station, id);
