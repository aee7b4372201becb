-- Each input of a revision holds the SHA-256 of its own intake records (its file name,
-- sender, when it was sent and received, its warnings, its values' notes; records v2 in
-- chitieu.warehouse.hashing), written in the transaction that publishes the revision.
-- From content_version 4 on, snapshots.records_sha256 hashes these, so `snapshots
-- verify` names the report whose records changed after publication, not only that some
-- did. Inputs of revisions published before keep a null here.

ALTER TABLE snapshot_inputs ADD COLUMN records_sha256 TEXT;
