-- The accepted values of elements $2 (codes) among those of the submissions snapshot $1
-- used (in no particular order): a trace reads its formula's elements only.
SELECT v.submission_id, v.org_unit_code, v.element_code, v.period, v.value, v.note, v.location
FROM published_values AS v
WHERE v.submission_id IN (SELECT submission_id FROM snapshot_inputs WHERE snapshot_id = $1)
    AND v.element_code IN (SELECT unnest(CAST($2 AS TEXT[])))
