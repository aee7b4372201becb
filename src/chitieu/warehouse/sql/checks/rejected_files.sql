-- For each of the files $1 (by SHA-256) that was received before and rejected whole
-- (every report in it): the report it was rejected as (its first), how many problems it
-- had and the first one, in the order they were found.
WITH first_rejected AS (
    SELECT sha256, min(submission_id) AS submission_id
    FROM submissions
    WHERE status <> 'duplicate' AND sha256 IN (SELECT unnest(CAST($1 AS TEXT[])))
    GROUP BY sha256
    HAVING min(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) = 1
),
numbered AS (
    SELECT
        i.submission_id, i.location, i.message_vi, i.message_en,
        count(*) OVER (PARTITION BY i.submission_id) AS problems,
        row_number() OVER (PARTITION BY i.submission_id ORDER BY i.issue_no) AS n
    FROM validation_issues AS i
    WHERE i.severity = 'error'
      AND i.submission_id IN (SELECT submission_id FROM first_rejected)
)
SELECT
    f.sha256, s.org_unit_code, s.period, s.received_at,
    coalesce(n.problems, 0) AS problems, n.location, n.message_vi, n.message_en
FROM first_rejected AS f
JOIN submissions AS s ON s.submission_id = f.submission_id
LEFT JOIN numbered AS n ON n.submission_id = f.submission_id AND n.n = 1
ORDER BY f.sha256
