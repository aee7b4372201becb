-- chitieu warehouse grant-auditor: the role may read the published snapshots, the
-- submissions they used (metadata and accepted values, through the published_* views),
-- the approvals and reopenings, and the schema version, and nothing else. chitieu fills in the schema and the role as
-- quoted identifiers.
-- Every privilege the role held on the warehouse's tables is revoked first, so running
-- this again leaves exactly these.

REVOKE ALL ON TABLE
    {schema}.schema_version,
    {schema}.submissions,
    {schema}.submission_values,
    {schema}.validation_issues,
    {schema}.snapshots,
    {schema}.snapshot_indicators,
    {schema}.snapshot_elements,
    {schema}.snapshot_inputs,
    {schema}.approvals,
    {schema}.published_submissions,
    {schema}.published_values
FROM {role};

GRANT USAGE ON SCHEMA {schema} TO {role};

GRANT SELECT ON TABLE
    {schema}.schema_version,
    {schema}.snapshots,
    {schema}.snapshot_indicators,
    {schema}.snapshot_elements,
    {schema}.snapshot_inputs,
    {schema}.approvals,
    {schema}.published_submissions,
    {schema}.published_values
TO {role};
