"""A row that belongs to no report rejects every report of its file (SPEC §2: a report
with any error is rejected whole).

A report is a unit's figures for a period, and a row says which by its unit code and
period. A row whose unit code or period cannot be read — empty, not in the list of
units, not a period — belongs to no report: on its own it would make a "report" of
its own, rejected, while the unit's real report went through without that row (21 of
its 22 values). So every report of a file holding such a row gets one more issue,
naming the row, and is rejected with it; and the rows that belong to no report are
kept together, as the file's part that is no report (no unit, no period: one rejected
receipt, with their problems), however many different codes they carry. A workbook or
JSON report writes its unit and period once, so all its rows share them: nothing to
add there.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from chitieu.schemas.enrich import REPORT_KEY
from chitieu.schemas.issues import ISSUES_SCHEMA
from chitieu.schemas.submission import Validated

UNREADABLE_KEY: Final = ("org_unit_missing", "org_unit_unknown", "period_missing", "period_invalid")
CHECK: Final = "row_without_report"

_WHAT_VI: Final = {
    "org_unit_missing": "mã đơn vị trống",
    "org_unit_unknown": "mã đơn vị '{value}' không có trong danh mục",
    "period_missing": "kỳ báo cáo trống",
    "period_invalid": "kỳ báo cáo '{value}' không hợp lệ",
}
_WHAT_EN: Final = {
    "org_unit_missing": "an empty unit code",
    "org_unit_unknown": "org unit '{value}', which is not in the list of units",
    "period_missing": "an empty period",
    "period_invalid": "period '{value}', which is not a period",
}


def with_unattributed_rows(validated: Validated) -> Validated:
    """``validated`` with an issue on every report of a file that also holds a row
    belonging to no report (the first such row named, and how many there are)."""
    issues = validated.issues
    stray = issues.filter(pl.col("check").is_in(UNREADABLE_KEY))
    if stray.is_empty():
        return validated
    stray_keys = stray.select(REPORT_KEY).unique()
    first = (
        stray.group_by("file_index", maintain_order=True)
        .agg(
            pl.col("location").first(),
            pl.col("check").first(),
            pl.col("value").first(),
            pl.len().alias("rows"),
        )
        .to_dicts()
    )
    reports = (
        validated.values.filter(pl.col("file_index").is_in(stray_keys["file_index"].implode()))
        .select(REPORT_KEY)
        .unique(maintain_order=True)
        .join(stray_keys, on=list(REPORT_KEY), how="anti", nulls_equal=True)
    )
    by_file = {row["file_index"]: row for row in first}
    added = [
        {**report, **_issue(by_file[report["file_index"]])}
        for report in reports.iter_rows(named=True)
    ]
    frame = pl.DataFrame(added, schema=ISSUES_SCHEMA)
    return Validated(
        values=_no_report(validated.values, stray_keys),
        issues=_no_report(pl.concat([issues, frame]), stray_keys),
    )


def _no_report(frame: pl.DataFrame, stray: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the rows of the ``stray`` report keys keyed to no unit and period."""
    marked = frame.join(
        stray.with_columns(pl.lit(True).alias("_stray")),
        on=list(REPORT_KEY),
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    none = pl.col("_stray").fill_null(False)
    return marked.with_columns(
        pl.when(none).then(None).otherwise(pl.col(c)).alias(c) for c in ("org_unit_code", "period")
    ).select(frame.columns)


def _issue(stray: dict[str, object]) -> dict[str, object]:
    location = str(stray["location"] or "")
    value = str(stray["value"] or "")
    check = str(stray["check"])
    what_vi = _WHAT_VI[check].format(value=value)
    what_en = _WHAT_EN[check].format(value=value)
    more = int(str(stray["rows"])) - 1
    more_vi = f" (và {more} chỗ khác như vậy)" if more else ""
    more_en = f" (and {more} more such)" if more else ""
    where_vi = location.replace("line ", "Dòng ")
    return {
        "location": location,
        "element_code": None,
        "value": stray["value"],
        "check": CHECK,
        "message_vi": (
            f"{where_vi} không thuộc báo cáo nào ({what_vi}){more_vi}: mọi báo cáo trong tệp "
            "bị từ chối; sửa dòng đó rồi gửi lại cả tệp."
        ),
        "message_en": (
            f"{location} belongs to no report ({what_en}){more_en}: every report in the file "
            "is rejected; correct that line and send the whole file again"
        ),
    }
