-- The indicator rows of snapshots $1 and $2 that differ (in any column, or the other has
-- no row of that unit and indicator), each side's columns and whether it has the row, in
-- no particular order: what a diff compares (a national revision holds 430,000 rows).
SELECT
    COALESCE(one.org_unit_code, other.org_unit_code) AS org_unit_code,
    COALESCE(one.indicator_code, other.indicator_code) AS indicator_code,
    one.org_unit_code IS NOT NULL AS in_one,
    other.org_unit_code IS NOT NULL AS in_other,
    one.level AS level, one.actual AS actual, one.target AS target,
    one.percent AS percent, one."class" AS "class", one.comparable AS comparable,
    one.last_actual AS last_actual, one.last_comparable AS last_comparable,
    other.level AS level_other, other.actual AS actual_other, other.target AS target_other,
    other.percent AS percent_other, other."class" AS class_other,
    other.comparable AS comparable_other, other.last_actual AS last_actual_other,
    other.last_comparable AS last_comparable_other
FROM (SELECT * FROM snapshot_indicators WHERE snapshot_id = $1) AS one
FULL JOIN (SELECT * FROM snapshot_indicators WHERE snapshot_id = $2) AS other
    ON one.org_unit_code = other.org_unit_code AND one.indicator_code = other.indicator_code
WHERE one.org_unit_code IS NULL
    OR other.org_unit_code IS NULL
    OR one.level IS DISTINCT FROM other.level
    OR one.actual IS DISTINCT FROM other.actual
    OR one.target IS DISTINCT FROM other.target
    OR one.percent IS DISTINCT FROM other.percent
    OR one."class" IS DISTINCT FROM other."class"
    OR one.comparable IS DISTINCT FROM other.comparable
    OR one.last_actual IS DISTINCT FROM other.last_actual
    OR one.last_comparable IS DISTINCT FROM other.last_comparable
