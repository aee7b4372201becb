-- The submissions $2 (ids) among those snapshot $1 used, from the view auditors may read:
-- a diff names its added and removed submissions only (a national revision used 130,000).
-- `= ANY` for the reason input_values_of.sql gives.
SELECT
    s.submission_id, s.sha256, s.source_name, s.format, s.org_unit_code, s.period,
    s.submitted_at, s.submitted_by, s.received_at, s.status
FROM published_submissions AS s
WHERE s.submission_id IN (SELECT submission_id FROM snapshot_inputs WHERE snapshot_id = $1)
    AND s.submission_id = ANY(CAST($2 AS BIGINT[]))
ORDER BY s.submission_id
