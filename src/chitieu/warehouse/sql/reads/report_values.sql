-- Every value of submissions $1 (ids), notes and locations included, in no particular
-- order: what a dry run of a locked review reads of its held reports.
SELECT v.submission_id, v.org_unit_code, v.element_code, v.period, v.value, v.note, v.location
FROM submission_values AS v
WHERE v.submission_id IN (SELECT unnest(CAST($1 AS BIGINT[])))
