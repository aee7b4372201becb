-- Whether the current role may read the warnings of published submissions (an auditor's
-- role granted before migration 005 may not, until `chitieu warehouse grant-auditor`
-- is run again).
SELECT has_table_privilege(current_user, 'published_warnings', 'SELECT')
