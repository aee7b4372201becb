-- In no particular order: the caller sorts (faster than a server-side sort of millions).
SELECT org_unit_code, element_code, value
FROM snapshot_elements
WHERE snapshot_id = $1
