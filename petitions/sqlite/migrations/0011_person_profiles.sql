-- What the mediator board shows of a person (petitions.Profile), as JSON:
-- specialties, a short introduction, a photo as a data URL. '' for none.

ALTER TABLE people ADD COLUMN profile TEXT NOT NULL DEFAULT '';
