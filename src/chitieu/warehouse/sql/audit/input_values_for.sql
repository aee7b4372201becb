-- The accepted values of elements $2 (codes) among those of the submissions snapshot $1
-- used (in no particular order): a trace reads its formula's elements only. `= ANY` (not
-- `IN (SELECT unnest(...))`): PostgreSQL filters the values by it inside the published
-- view, a security barrier that a semi-join stays outside of (4.2 s → 1.9 s nationally).
SELECT v.submission_id, v.org_unit_code, v.element_code, v.period, v.value, v.note, v.location
FROM published_values AS v
WHERE v.submission_id IN (SELECT submission_id FROM snapshot_inputs WHERE snapshot_id = $1)
    AND v.element_code = ANY(CAST($2 AS TEXT[]))
