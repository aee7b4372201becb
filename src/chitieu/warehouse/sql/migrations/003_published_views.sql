-- What auditors may read of the submissions: those that a snapshot revision used (its
-- inputs), their metadata and accepted values. Rejected reports, their issues and the
-- archived files stay out of reach (see `chitieu warehouse grant-auditor`).

CREATE VIEW published_submissions AS
SELECT
    submission_id, sha256, source_name, format, org_unit_code, period,
    submitted_at, submitted_by, received_at, status
FROM submissions
WHERE submission_id IN (SELECT submission_id FROM snapshot_inputs);

CREATE VIEW published_values AS
SELECT submission_id, org_unit_code, element_code, period, value, note, location
FROM submission_values
WHERE submission_id IN (SELECT submission_id FROM snapshot_inputs);
