INSERT INTO snapshot_inputs (snapshot_id, submission_id, sha256, org_unit_code, period)
SELECT CAST($1 AS BIGINT), submission_id, sha256, org_unit_code, period
FROM staged_inputs
