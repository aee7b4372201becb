-- Whether the current role may read every submission (an auditor's may not).
SELECT has_table_privilege(current_user, 'submissions', 'SELECT')
