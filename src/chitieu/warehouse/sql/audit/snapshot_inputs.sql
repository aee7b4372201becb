-- In no particular order: the caller sorts (faster than a server-side sort of millions).
SELECT submission_id, sha256, org_unit_code, period
FROM snapshot_inputs
WHERE snapshot_id = $1
