-- In no particular order: the caller sorts (faster than a server-side sort of millions).
SELECT org_unit_code, level, indicator_code, actual, target, percent, "class"
FROM snapshot_indicators
WHERE snapshot_id = $1
