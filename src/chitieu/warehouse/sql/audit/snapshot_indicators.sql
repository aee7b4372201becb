-- In no particular order: the caller sorts (faster than a server-side sort of millions).
-- comparable, last_actual, last_comparable: null in a revision of content version 1.
SELECT
    org_unit_code, level, indicator_code, actual, target, percent, "class",
    comparable, last_actual, last_comparable
FROM snapshot_indicators
WHERE snapshot_id = $1
