-- A station's opening hours (petitions.Station.Hours): "HH:MM-HH:MM" in
-- China time, '' for the default hours.

ALTER TABLE stations ADD COLUMN hours TEXT NOT NULL DEFAULT '';
