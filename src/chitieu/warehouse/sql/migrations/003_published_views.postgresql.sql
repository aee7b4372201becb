-- What auditors may read of the submissions: those that a snapshot revision used (its
-- inputs), their metadata and accepted values. Rejected reports, their issues and the
-- archived files stay out of reach (see `chitieu warehouse grant-auditor`).
--
-- security_barrier: a role that may read only the view cannot make PostgreSQL evaluate
-- its own (leaky) functions on the hidden rows before the view's filter.

CREATE VIEW published_submissions WITH (security_barrier = true) AS
SELECT
    submission_id, sha256, source_name, format, org_unit_code, period,
    submitted_at, submitted_by, received_at, status
FROM submissions
WHERE submission_id IN (SELECT submission_id FROM snapshot_inputs);

CREATE VIEW published_values WITH (security_barrier = true) AS
SELECT submission_id, org_unit_code, element_code, period, value, note, location
FROM submission_values
WHERE submission_id IN (SELECT submission_id FROM snapshot_inputs);
