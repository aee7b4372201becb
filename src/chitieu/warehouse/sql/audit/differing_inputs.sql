-- The input rows of snapshots $1 and $2 whose submission the other did not use, each
-- with the side it belongs to (1: $1, 2: $2), in no particular order: a diff's added and
-- removed submissions (a national revision used 130,000, a correction adds a few).
SELECT 1 AS side, i.submission_id, i.sha256, i.org_unit_code, i.period
FROM snapshot_inputs AS i
WHERE i.snapshot_id = $1
    AND NOT EXISTS (
        SELECT 1 FROM snapshot_inputs AS o
        WHERE o.snapshot_id = $2 AND o.submission_id = i.submission_id
    )
UNION ALL
SELECT 2 AS side, i.submission_id, i.sha256, i.org_unit_code, i.period
FROM snapshot_inputs AS i
WHERE i.snapshot_id = $2
    AND NOT EXISTS (
        SELECT 1 FROM snapshot_inputs AS o
        WHERE o.snapshot_id = $1 AND o.submission_id = i.submission_id
    )
