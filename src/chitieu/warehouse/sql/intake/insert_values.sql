INSERT INTO submission_values (
    submission_id, org_unit_code, element_code, period, value, note, location
)
SELECT submission_id, org_unit_code, element_code, period, value, note, location
FROM staged_values
