-- The submissions snapshot $1 used, from the view auditors may read.
SELECT
    s.submission_id, s.sha256, s.source_name, s.format, s.org_unit_code, s.period,
    s.submitted_at, s.submitted_by, s.received_at, s.status
FROM published_submissions AS s
WHERE s.submission_id IN (SELECT submission_id FROM snapshot_inputs WHERE snapshot_id = $1)
ORDER BY s.submission_id
