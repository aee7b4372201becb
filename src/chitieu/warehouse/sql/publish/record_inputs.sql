-- Each input of snapshot $1 gets the SHA-256 of its own intake records (records v2),
-- read back once its rows are written, in the same transaction: never after commit.
UPDATE snapshot_inputs
SET records_sha256 = r.records_sha256
FROM staged_input_records AS r
WHERE snapshot_inputs.snapshot_id = CAST($1 AS BIGINT)
  AND snapshot_inputs.submission_id = r.submission_id
