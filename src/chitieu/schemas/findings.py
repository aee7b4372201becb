"""Issues where a workbook writes its fields, and the cells a reader could not read.

Validation sees rows, each with one location (for a workbook, the value cell). A
workbook writes its unit and period once, in header cells, and its element codes in
their own column: a wrong unit code is reported at its header cell, an unknown element
at its code cell (`FileRead.field_cells`, `FileRead.field_columns`). Problems the reader
found in single cells (a formula without a cached value...) join the report's issues;
where validation also complained about the same cell, the reader's finding, which names
the actual fault, replaces it: one issue per cell.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from chitieu.schemas.issues import ERROR, ISSUES_SCHEMA, REPORT_CHECKS
from chitieu.schemas.submission import Validated
from chitieu.sources import FileRead

# the row field each check is about, where it is not the value
_FIELD_PREFIXES: Final = (
    ("org_unit_", "org_unit_code"),
    ("period_", "period"),
    ("submitted_at_", "submitted_at"),
)
# element checks point at the code; a missing code at the value that lacks one
_AT_CODE: Final = frozenset({"element_unknown", "element_wrong_level", "element_duplicate"})
_ROW_CELL: Final = re.compile(r"^(?P<sheet>.*!)\$?[A-Z]{1,3}\$?(?P<row>[0-9]+)$")
_CELL_ORDER: Final = re.compile(r"!\$?([A-Z]{1,3})\$?([0-9]+)$")


def _field(check: str) -> str | None:
    return next((field for prefix, field in _FIELD_PREFIXES if check.startswith(prefix)), None)


def with_reader_findings(
    validated: Validated,
    reads: Sequence[FileRead],
    names: Mapping[str, tuple[str, str]] | None = None,
) -> Validated:
    """``validated`` with its issues placed at the cells each file writes its fields in,
    and the readers' cell problems added to the reports they belong to, each naming the
    element of its row by code and name (``names``: Vietnamese and English, by code)."""
    names = names or {}
    placed = {i for i, read in enumerate(reads) if read.field_cells or read.field_columns}
    found = [i for i, read in enumerate(reads) if read.cell_problems]
    if not placed and not found:
        return validated
    issues = validated.issues.to_dicts()
    for issue in issues:
        if issue["file_index"] in placed:
            issue["location"] = _placed(issue, reads[issue["file_index"]])
    keys = _report_keys(validated.values, found)
    extra = [
        {
            "file_index": index,
            "org_unit_code": keys[index][0],
            "period": keys[index][1],
            "location": p.location,
            "element_code": p.element_code,
            "value": p.value,
            "check": p.check,
            "message_vi": _about(p.element_code, names, 0, "Chỉ tiêu") + p.message_vi,
            "message_en": _about(p.element_code, names, 1, "element") + p.message_en,
            "severity": ERROR,
        }
        for index in found
        if index in keys  # a duplicate file is not validated: nothing to add
        for p in reads[index].cell_problems
    ]
    taken = {(e["file_index"], e["location"]) for e in extra}
    kept = [i for i in issues if (i["file_index"], i["location"]) not in taken]
    ordered = sorted(enumerate([*kept, *extra]), key=lambda pair: _order(pair[1], pair[0], placed))
    frame = pl.DataFrame([issue for _, issue in ordered], schema=ISSUES_SCHEMA)
    return Validated(values=validated.values, issues=frame)


def _about(code: str | None, names: Mapping[str, tuple[str, str]], lang: int, word: str) -> str:
    """``Chỉ tiêu DANG_VIEN_MOI (Số đảng viên mới được kết nạp): `` before a cell problem."""
    if code is None:
        return ""
    name = names.get(code)
    return f"{word} {code}" + (f" ({name[lang]})" if name else "") + ": "


def _placed(issue: dict[str, object], read: FileRead) -> str | None:
    location = issue["location"]
    check = str(issue["check"])
    if not isinstance(location, str):
        return None
    field = _field(check)
    if check in REPORT_CHECKS and field in read.field_cells:
        return read.field_cells[str(field)]
    column = read.field_columns.get("element_code")
    match = _ROW_CELL.match(location)
    if check in _AT_CODE and column and match:
        return f"{match.group('sheet')}{column}{match.group('row')}"
    return location


def _report_keys(
    values: pl.DataFrame, files: list[int]
) -> dict[int, tuple[str | None, str | None]]:
    """(unit, period) of each file's report, as validation keyed it."""
    first = (
        values.filter(pl.col("file_index").is_in(files))
        .group_by("file_index", maintain_order=True)
        .agg(pl.col("org_unit_code").first(), pl.col("period").first())
    )
    return {index: (unit, period) for index, unit, period in first.iter_rows()}


def _order(issue: dict[str, object], position: int, placed: set[int]) -> tuple[int, ...]:
    """Issues of a workbook in reading order (row, then column); others as they came."""
    index = int(str(issue["file_index"]))
    match = _CELL_ORDER.search(str(issue["location"] or ""))
    if index in placed and match:
        letters, row = match.groups()
        column = sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(letters)))
        return (index, int(row), column, position)
    return (index, -1, -1, position)
