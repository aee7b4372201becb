SELECT
    submission_id, sha256, source_name, format, org_unit_code, period,
    submitted_at, submitted_by, received_at, status, n_values
FROM submissions
ORDER BY submission_id
