-- The element rows of elements $2 (codes) of snapshot $1, in no particular order: a trace
-- reads its formula's elements only (a national revision holds two million element rows).
SELECT org_unit_code, element_code, value
FROM snapshot_elements
WHERE snapshot_id = $1 AND element_code = ANY(CAST($2 AS TEXT[]))
