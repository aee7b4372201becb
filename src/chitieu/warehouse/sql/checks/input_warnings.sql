-- The warnings of the submissions snapshot $1 used, from the view auditors may read, in
-- the order they were found.
SELECT
    w.submission_id, s.org_unit_code, s.period, s.source_name, w.location, w.element_code,
    w.value, w."check", w.message_vi, w.message_en
FROM published_warnings AS w
JOIN published_submissions AS s ON s.submission_id = w.submission_id
WHERE w.submission_id IN (SELECT submission_id FROM snapshot_inputs WHERE snapshot_id = $1)
ORDER BY w.submission_id, w.issue_no
