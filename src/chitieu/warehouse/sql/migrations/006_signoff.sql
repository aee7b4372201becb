-- SPEC §8, sign-off: `submissions.status` gains 'held' (a report for a month of an
-- approved review, kept out of every snapshot until the review is reopened), and the
-- table of approvals and reopenings.
--
-- DuckDB cannot alter a CHECK constraint, nor add a column that has one: the
-- submissions table is rebuilt with the wider CHECK, its rows copied, the old table
-- dropped and the new one renamed (DuckDB binds views by name when they are queried, so
-- published_submissions reads the new table). The copy is positional (SELECT *): a
-- column that an earlier migration added and this one does not know makes the copy
-- fail, and the whole upgrade with it, rather than vanish. The column order stays as it
-- was, so a fresh warehouse and an upgraded one are the same.

CREATE TABLE submissions_006 (
    submission_id BIGINT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    source_name TEXT NOT NULL,
    format TEXT,
    org_unit_code TEXT,
    period TEXT,
    submitted_at TIMESTAMPTZ,
    submitted_by TEXT,
    received_at TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('accepted', 'rejected', 'superseded', 'duplicate', 'held')),
    n_values BIGINT
);
INSERT INTO submissions_006 SELECT * FROM submissions;
DROP TABLE submissions;
ALTER TABLE submissions_006 RENAME TO submissions;

-- One row per approval or reopening, never changed. seq numbers a review's sign-offs
-- 1..n; sha256 covers the row's fields and prev_sha256, the sha256 of the row before it
-- (chitieu.warehouse.signoff_chain), so `chitieu snapshots verify` finds a row edited
-- or deleted. content_sha256 is the approved revision's.
CREATE TABLE approvals (
    approval_id BIGINT PRIMARY KEY,
    review_period TEXT NOT NULL,
    root_org_unit TEXT NOT NULL,
    seq INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('approve', 'reopen')),
    revision INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    by_name TEXT NOT NULL,
    title TEXT,
    note TEXT,
    "at" TIMESTAMPTZ NOT NULL,
    prev_sha256 TEXT,
    sha256 TEXT NOT NULL,
    UNIQUE (review_period, root_org_unit, seq)
);
