-- How many warnings each submission carries (submissions without any are left out).
SELECT submission_id, count(*) AS warnings
FROM validation_issues
WHERE severity = 'warning'
GROUP BY submission_id
