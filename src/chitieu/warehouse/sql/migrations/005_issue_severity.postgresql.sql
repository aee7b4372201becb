-- SPEC §7: a validation issue is an error (the report was rejected) or a warning (the
-- report was accepted and flagged: a rule of severity warning, a value far from the
-- unit's history). Every issue recorded before is an error.
--
-- published_warnings: the warnings of the submissions a snapshot revision used, which
-- auditors may read (`chitieu warehouse grant-auditor`); errors belong to rejected
-- reports, which no snapshot uses. security_barrier, as the other published_* views.

ALTER TABLE validation_issues
    ADD COLUMN severity TEXT COLLATE "C" NOT NULL DEFAULT 'error'
        CHECK (severity IN ('error', 'warning'));

CREATE VIEW published_warnings WITH (security_barrier = true) AS
SELECT submission_id, issue_no, location, element_code, value, "check", message_vi, message_en
FROM validation_issues
WHERE severity = 'warning'
  AND submission_id IN (SELECT submission_id FROM snapshot_inputs);
