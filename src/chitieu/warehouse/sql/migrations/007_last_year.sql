-- SPEC §3 rule 8, issue 12/13: a revision's indicator rows carry the same period last
-- year, restated on the units at the end of the review: `comparable` (False where this
-- year's figure needed a succession share that does not exist), `last_actual` (null
-- where last year has no figure, never 0) and `last_comparable` (null without one).
--
-- snapshots.content_version: the definition of content_sha256 a revision was hashed
-- with (chitieu.warehouse.hashing): 1 for every revision published before this
-- migration (their indicator rows keep null in the new columns), 2 from now on, which
-- also covers the new columns and history_sha256. history_sha256: the SHA-256 of the
-- configuration's history.csv when one of its figures entered the revision, else null.
--
-- DuckDB adds a column with a constant default to existing rows in place; the tables'
-- keys and views stay as they are.

ALTER TABLE snapshots ADD COLUMN content_version INTEGER DEFAULT 1;
ALTER TABLE snapshots ADD COLUMN history_sha256 TEXT;
ALTER TABLE snapshot_indicators ADD COLUMN comparable BOOLEAN;
ALTER TABLE snapshot_indicators ADD COLUMN last_actual DOUBLE PRECISION;
ALTER TABLE snapshot_indicators ADD COLUMN last_comparable BOOLEAN;
