INSERT INTO validation_issues (
    submission_id, issue_no, location, element_code, value, "check", message_vi, message_en,
    severity
)
SELECT
    submission_id, issue_no, location, element_code, value, "check", message_vi, message_en,
    severity
FROM staged_issues
