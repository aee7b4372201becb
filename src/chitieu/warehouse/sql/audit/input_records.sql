-- Each input of snapshot $1 with the SHA-256 of its own intake records as published
-- (null for a revision before content_version 4).
SELECT submission_id, records_sha256
FROM snapshot_inputs
WHERE snapshot_id = $1
