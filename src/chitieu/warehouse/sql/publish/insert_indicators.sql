INSERT INTO snapshot_indicators (
    snapshot_id, org_unit_code, level, indicator_code, actual, target, percent, "class",
    comparable, last_actual, last_comparable
)
SELECT
    CAST($1 AS BIGINT), org_unit_code, level, indicator_code, actual, target, percent, "class",
    comparable, last_actual, last_comparable
FROM staged_indicators
