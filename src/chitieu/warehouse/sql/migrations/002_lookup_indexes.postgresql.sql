-- Lookups by snapshot and by submission, which PostgreSQL would otherwise answer by
-- scanning whole tables.
--
-- Codes, periods and hashes compare byte by byte (collation "C"), as in DuckDB and in
-- the content hash, whatever the database's locale: the same rows come back in the same
-- order from either backend, and sorting them is cheaper.

ALTER TABLE submissions
    ALTER COLUMN sha256 TYPE TEXT COLLATE "C",
    ALTER COLUMN org_unit_code TYPE TEXT COLLATE "C",
    ALTER COLUMN period TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C";
ALTER TABLE submission_values
    ALTER COLUMN org_unit_code TYPE TEXT COLLATE "C",
    ALTER COLUMN element_code TYPE TEXT COLLATE "C",
    ALTER COLUMN period TYPE TEXT COLLATE "C";
ALTER TABLE validation_issues
    ALTER COLUMN element_code TYPE TEXT COLLATE "C";
ALTER TABLE snapshots
    ALTER COLUMN review_period TYPE TEXT COLLATE "C",
    ALTER COLUMN root_org_unit TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C";
ALTER TABLE snapshot_indicators
    ALTER COLUMN org_unit_code TYPE TEXT COLLATE "C",
    ALTER COLUMN level TYPE TEXT COLLATE "C",
    ALTER COLUMN indicator_code TYPE TEXT COLLATE "C",
    ALTER COLUMN "class" TYPE TEXT COLLATE "C";
ALTER TABLE snapshot_elements
    ALTER COLUMN org_unit_code TYPE TEXT COLLATE "C",
    ALTER COLUMN element_code TYPE TEXT COLLATE "C";
ALTER TABLE snapshot_inputs
    ALTER COLUMN sha256 TYPE TEXT COLLATE "C",
    ALTER COLUMN org_unit_code TYPE TEXT COLLATE "C",
    ALTER COLUMN period TYPE TEXT COLLATE "C";

CREATE INDEX submissions_by_sha256 ON submissions (sha256);
CREATE INDEX submissions_by_report ON submissions (org_unit_code, period);
CREATE INDEX submission_values_by_submission ON submission_values (submission_id);
CREATE INDEX validation_issues_by_submission ON validation_issues (submission_id);
CREATE INDEX snapshot_indicators_by_snapshot ON snapshot_indicators (snapshot_id);
CREATE INDEX snapshot_elements_by_snapshot ON snapshot_elements (snapshot_id);
CREATE INDEX snapshot_inputs_by_snapshot ON snapshot_inputs (snapshot_id);
CREATE INDEX snapshot_inputs_by_submission ON snapshot_inputs (submission_id);
