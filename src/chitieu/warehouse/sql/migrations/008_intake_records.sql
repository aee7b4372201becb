-- What a revision's document reads of its inputs from the intake's records (their file
-- names, senders, when they were sent and received, their warnings, the values' notes)
-- is hashed into snapshots.records_sha256 (chitieu.warehouse.hashing), which the
-- revision's content_sha256 covers from content_version 3 on, so `snapshots verify`
-- notices when any of it changes after publication. Revisions published before keep a
-- null here and their version (1 or 2).

ALTER TABLE snapshots ADD COLUMN records_sha256 TEXT;
