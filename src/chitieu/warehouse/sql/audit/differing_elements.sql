-- The element rows of snapshots $1 and $2 that differ (a value differs, or the other has
-- no row of that unit and element), each side's value and whether it has the row, in no
-- particular order: what a diff compares, found here rather than by reading two
-- revisions' millions of rows to find the few thousand a correction changed.
SELECT
    COALESCE(one.org_unit_code, other.org_unit_code) AS org_unit_code,
    COALESCE(one.element_code, other.element_code) AS element_code,
    one.org_unit_code IS NOT NULL AS in_one,
    other.org_unit_code IS NOT NULL AS in_other,
    one.value AS value,
    other.value AS value_other
FROM (
    SELECT org_unit_code, element_code, value FROM snapshot_elements WHERE snapshot_id = $1
) AS one
FULL JOIN (
    SELECT org_unit_code, element_code, value FROM snapshot_elements WHERE snapshot_id = $2
) AS other
    ON one.org_unit_code = other.org_unit_code AND one.element_code = other.element_code
WHERE one.org_unit_code IS NULL
    OR other.org_unit_code IS NULL
    OR one.value IS DISTINCT FROM other.value
