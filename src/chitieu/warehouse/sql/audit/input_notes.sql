-- The accepted values of the submissions snapshot $1 used that came with a note (the
-- Excel report's notes sheet): a national revision's values are millions, its notes few.
SELECT v.submission_id, v.org_unit_code, v.element_code, v.period, v.value, v.note, v.location
FROM published_values AS v
WHERE v.submission_id IN (SELECT submission_id FROM snapshot_inputs WHERE snapshot_id = $1)
  AND v.note IS NOT NULL AND trim(v.note) <> ''
