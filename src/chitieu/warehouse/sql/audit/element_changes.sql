-- The element rows of snapshots $1 and $2 whose value differs, a row of one side only
-- included (its other side null), in no particular order: what a diff compares, without
-- reading two revisions' millions of rows to find the few thousand that changed.
SELECT
    COALESCE(before.org_unit_code, after.org_unit_code) AS org_unit_code,
    COALESCE(before.element_code, after.element_code) AS element_code,
    before.value AS value,
    after.value AS value_after
FROM (
    SELECT org_unit_code, element_code, value FROM snapshot_elements WHERE snapshot_id = $1
) AS before
FULL JOIN (
    SELECT org_unit_code, element_code, value FROM snapshot_elements WHERE snapshot_id = $2
) AS after
    ON before.org_unit_code = after.org_unit_code AND before.element_code = after.element_code
WHERE before.org_unit_code IS NULL
    OR after.org_unit_code IS NULL
    OR before.value IS DISTINCT FROM after.value
