-- Every issue, or those of submission $1 when it is not null.
SELECT submission_id, location, element_code, value, "check", message_vi, message_en, severity
FROM validation_issues
WHERE CAST($1 AS BIGINT) IS NULL OR submission_id = CAST($1 AS BIGINT)
ORDER BY submission_id, issue_no
