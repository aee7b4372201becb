-- SPEC §5. Written once for DuckDB and PostgreSQL: portable types only.

CREATE TABLE submissions (
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
        CHECK (status IN ('accepted', 'rejected', 'superseded', 'duplicate')),
    n_values BIGINT
);

CREATE TABLE submission_values (
    submission_id BIGINT NOT NULL,
    org_unit_code TEXT NOT NULL,
    element_code TEXT NOT NULL,
    period TEXT NOT NULL,
    value DOUBLE PRECISION,
    note TEXT,
    location TEXT
);

CREATE TABLE validation_issues (
    submission_id BIGINT NOT NULL,
    issue_no BIGINT NOT NULL,  -- the order issues were found in, within the intake batch
    location TEXT,
    element_code TEXT,
    value TEXT,
    "check" TEXT NOT NULL,
    message_vi TEXT NOT NULL,
    message_en TEXT NOT NULL
);

CREATE TABLE snapshots (
    snapshot_id BIGINT PRIMARY KEY,
    review_period TEXT NOT NULL,
    root_org_unit TEXT NOT NULL,
    revision INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('published', 'superseded')),
    created_at TIMESTAMPTZ NOT NULL,
    flow_run_id TEXT,
    catalog_sha256 TEXT NOT NULL,
    inputs_sha256 TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    prev_content_sha256 TEXT,
    completeness DOUBLE PRECISION,
    checks_passed BOOLEAN NOT NULL,
    UNIQUE (review_period, root_org_unit, revision)
);

CREATE TABLE snapshot_indicators (
    snapshot_id BIGINT NOT NULL,
    org_unit_code TEXT NOT NULL,
    level TEXT,
    indicator_code TEXT NOT NULL,
    actual DOUBLE PRECISION,
    target DOUBLE PRECISION,
    percent DOUBLE PRECISION,
    "class" TEXT
);

CREATE TABLE snapshot_elements (
    snapshot_id BIGINT NOT NULL,
    org_unit_code TEXT NOT NULL,
    element_code TEXT NOT NULL,
    value DOUBLE PRECISION
);

CREATE TABLE snapshot_inputs (
    snapshot_id BIGINT NOT NULL,
    submission_id BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    org_unit_code TEXT NOT NULL,
    period TEXT NOT NULL
);
