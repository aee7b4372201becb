SELECT submission_id, sha256, source_name, org_unit_code, period, submitted_at, received_at
FROM submissions
WHERE status = 'accepted'
ORDER BY org_unit_code, period, submission_id
