SELECT org_unit_code, level, indicator_code, actual, target, percent, "class"
FROM snapshot_indicators
WHERE snapshot_id = $1
ORDER BY org_unit_code, indicator_code
