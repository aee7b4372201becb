-- The values of the submissions snapshot $1 used, as the roll-up reads them (no notes,
-- no locations: a national year is 24 million rows), in no particular order.
SELECT v.org_unit_code, v.element_code, v.period, v.value
FROM published_values AS v
WHERE v.submission_id IN (SELECT submission_id FROM snapshot_inputs WHERE snapshot_id = $1)
