-- chitieu warehouse grant-approver: what an auditor may (grant_auditor.postgresql.sql,
-- run just before this), and add sign-off rows: approve a published revision, reopen an
-- approved review. No UPDATE or DELETE: a sign-off is never changed (and a trigger
-- refuses it to anyone); `chitieu snapshots verify` checks every row, whoever wrote it.

GRANT INSERT ON TABLE {schema}.approvals TO {role};
