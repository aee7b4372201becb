SELECT org_unit_code, element_code, value
FROM snapshot_elements
WHERE snapshot_id = $1
ORDER BY org_unit_code, element_code
