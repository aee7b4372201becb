SELECT
    snapshot_id, revision, status, created_at, catalog_sha256, inputs_sha256, content_sha256,
    history_sha256
FROM snapshots
WHERE review_period = $1 AND root_org_unit = $2
ORDER BY revision DESC
LIMIT 1
