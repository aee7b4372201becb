SELECT submission_id, sha256, org_unit_code, period
FROM snapshot_inputs
WHERE snapshot_id = $1
ORDER BY sha256, org_unit_code, period
