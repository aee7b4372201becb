-- What a revision's document reads of its inputs from the intake's records (their file
-- names, senders, when they were sent and received, their warnings, the values' notes)
-- is hashed into snapshots.records_sha256 (chitieu.warehouse.hashing), which the
-- revision's content_sha256 covers from content_version 3 on, so `snapshots verify`
-- notices when any of it changes after publication. Revisions published before keep a
-- null here and their version (1 or 2).
--
-- A nullable column without a default rewrites no row; the grants an auditor's role
-- holds on snapshots cover it.

ALTER TABLE snapshots
    ADD COLUMN records_sha256 TEXT COLLATE "C",
    DROP CONSTRAINT snapshots_content_version_check,
    ADD CONSTRAINT snapshots_content_version_check CHECK (content_version IN (1, 2, 3));
