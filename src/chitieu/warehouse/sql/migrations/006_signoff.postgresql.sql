-- SPEC §8, sign-off: `submissions.status` gains 'held' (a report for a month of an
-- approved review, kept out of every snapshot until the review is reopened), and the
-- table of approvals and reopenings. PostgreSQL replaces the CHECK constraint in place
-- (the name 001 gave it); indexes, views and grants on submissions stay as they are.

ALTER TABLE submissions DROP CONSTRAINT submissions_status_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_status_check
    CHECK (status IN ('accepted', 'rejected', 'superseded', 'duplicate', 'held'));

-- One row per approval or reopening, never changed. seq numbers a review's sign-offs
-- 1..n; sha256 covers the row's fields and prev_sha256, the sha256 of the row before it
-- (chitieu.warehouse.signoff_chain), so `chitieu snapshots verify` finds a row edited
-- or deleted. content_sha256 is the approved revision's.
CREATE TABLE approvals (
    approval_id BIGINT PRIMARY KEY,
    review_period TEXT COLLATE "C" NOT NULL,
    root_org_unit TEXT COLLATE "C" NOT NULL,
    seq INTEGER NOT NULL,
    action TEXT COLLATE "C" NOT NULL CHECK (action IN ('approve', 'reopen')),
    revision INTEGER NOT NULL,
    content_sha256 TEXT COLLATE "C" NOT NULL,
    by_name TEXT NOT NULL,
    title TEXT,
    note TEXT,
    "at" TIMESTAMPTZ NOT NULL,
    prev_sha256 TEXT COLLATE "C",
    sha256 TEXT COLLATE "C" NOT NULL,
    UNIQUE (review_period, root_org_unit, seq)
);

-- Never changed, whoever asks: an UPDATE, DELETE or TRUNCATE is refused even for the
-- owner, who would first have to drop or disable these triggers (and `snapshots verify`
-- still finds what was done). Roles get no UPDATE or DELETE on the table anyway.
CREATE FUNCTION approvals_never_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'approvals are never changed: % refused (record a reopening instead)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER approvals_rows_never_change
    BEFORE UPDATE OR DELETE ON approvals
    FOR EACH ROW EXECUTE FUNCTION approvals_never_change();
CREATE TRIGGER approvals_never_truncated
    BEFORE TRUNCATE ON approvals
    FOR EACH STATEMENT EXECUTE FUNCTION approvals_never_change();
