-- The reports held now: received for a month of an approved review.
SELECT submission_id, sha256, source_name, org_unit_code, period, submitted_at, received_at
FROM submissions
WHERE status = 'held'
ORDER BY submission_id
