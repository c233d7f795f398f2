-- Reception rooms and the reception schedule (petitions/station.go). A
-- station belongs to a unit; a schedule entry names a station, a leader and a
-- civil day. The day is kept as text, YYYY-MM-DD in the "C" collation, so
-- that it sorts and compares exactly as ReceptionFilter.Matches and the
-- SQLite store do. A leader receives at a station at most once a day; that
-- unique index also serves the schedule's day order.

CREATE TABLE stations (
	id   TEXT COLLATE "C" PRIMARY KEY,
	unit TEXT COLLATE "C" NOT NULL REFERENCES units (id),
	name TEXT NOT NULL
);
CREATE INDEX stations_unit ON stations (unit, id);

CREATE TABLE receptions (
	id         TEXT COLLATE "C" PRIMARY KEY,
	day        TEXT COLLATE "C" NOT NULL,
	station    TEXT COLLATE "C" NOT NULL REFERENCES stations (id),
	leader_id  TEXT COLLATE "C" NOT NULL,
	note       TEXT NOT NULL,
	created_by TEXT COLLATE "C" NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX receptions_day ON receptions (day, station, leader_id);
CREATE INDEX receptions_station ON receptions (station, day);
CREATE INDEX receptions_leader_id ON receptions (leader_id, day);

-- Terminals are listed by station.
CREATE INDEX terminals_station ON terminals (station, id);
