INSERT INTO snapshot_elements (snapshot_id, org_unit_code, element_code, value)
SELECT CAST($1 AS BIGINT), org_unit_code, element_code, value
FROM staged_elements
