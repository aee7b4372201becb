"""The report's quality section (SPEC §7, issue 14): the warnings of the submissions the
revision used and the quality gate's warnings on the revision, in the report's language.

Built once per language from `chitieu.quality.warnings.QualitySection` (what
`chitieu.report.load` reads); every format prints the same counts, the gate's warnings and
the first rows of the submissions' warnings, then "và X cảnh báo khác". The JSON and the
Excel report carry every warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.config import Config
from chitieu.datachecks.text import element_names, number
from chitieu.errors import PeriodError
from chitieu.periods import Period
from chitieu.quality.warnings import QualitySection
from chitieu.report.labels import month_label
from chitieu.shown import escapes, shown

SHOWN_ROWS: Final = 20
"""Warnings listed in the Markdown and HTML reports before "và X cảnh báo khác"."""
DOCUMENT_ROWS: Final = 5
"""The same in the Word document, where the section is short."""

WARNING_COLUMNS: Final = (
    "org_unit_code",
    "unit",
    "period",
    "period_label",
    "element_code",
    "element",
    "value",
    "value_text",
    "check",
    "message",
    "location",
)
"""The submissions' warnings as a report prints them: the unit's code and name, the
period's code and as printed (``T9/2024``), the element's code and ``CODE (name)``, the
value as received and as numbers are printed, the check (``outlier``, ``rule_R04``), the
message in the report's language and where it is (file, line or cell)."""

TABLE: Final = ("unit", "period", "element", "value", "message", "location")
"""The columns of the printed table of the submissions' warnings (`QualityReport.rows`)."""
TITLE: Final = {"vi": "Chất lượng dữ liệu", "en": "Data quality"}
RECORDS_NOTE: Final = {
    "vi": "Cảnh báo của các báo cáo đã dùng được đọc từ hồ sơ tiếp nhận trong kho dữ liệu "
    "(validation_issues), không thuộc mã băm nội dung của bản công bố: chitieu snapshots "
    "verify không bảo đảm chúng.",
    "en": "The warnings of the reports used are read from the warehouse's intake records "
    "(validation_issues), which the revision's content hash does not cover: chitieu "
    "snapshots verify does not vouch for them.",
}
"""Said wherever the warnings of the reports used were read, for a revision published
before revisions hashed what intake recorded about their inputs (content_version 1, 2)."""
HASHED_RECORDS_NOTE: Final = {
    "vi": "Cảnh báo của các báo cáo đã dùng được đọc từ hồ sơ tiếp nhận trong kho dữ liệu "
    "(validation_issues), thuộc mã băm hồ sơ tiếp nhận của bản công bố (records_sha256): "
    "chitieu snapshots verify phát hiện nếu chúng bị sửa.",
    "en": "The warnings of the reports used are read from the warehouse's intake records "
    "(validation_issues), which the revision's records hash (records_sha256) covers: "
    "chitieu snapshots verify finds them if they are changed.",
}
"""`RECORDS_NOTE` for a revision that hashed them."""
GATE_HEADING: Final = {
    "vi": "Cảnh báo của kiểm tra chất lượng bản công bố",
    "en": "The quality gate's warnings on the revision",
}
SUBMISSIONS_HEADING: Final = {
    "vi": "Cảnh báo trong các báo cáo đã dùng",
    "en": "Warnings in the reports used",
}
HEADERS: Final = {
    "vi": {
        "unit": "Đơn vị",
        "period": "Kỳ",
        "element": "Phần tử",
        "value": "Giá trị",
        "message": "Cảnh báo",
        "location": "Vị trí",
        "check": "Kiểm tra",
        "detail": "Chi tiết",
    },
    "en": {
        "unit": "Unit",
        "period": "Period",
        "element": "Element",
        "value": "Value",
        "message": "Warning",
        "location": "Location",
        "check": "Check",
        "detail": "Detail",
    },
}
GATE_LABELS: Final = {
    "vi": {
        "values_within_plausible_range": "Giá trị tổng hợp ngoài khoảng hợp lý",
        "warning_rules_hold": "Quy tắc giữa các phần tử (mức cảnh báo) không thỏa",
    },
    "en": {
        "values_within_plausible_range": "Rolled-up values outside the plausible range",
        "warning_rules_hold": "Rules across elements (warning) broken",
    },
}
"""The gate's warning checks (`chitieu.quality.suite`) as a reader knows them; a check
not named here is printed by its name."""


@dataclass(frozen=True)
class GateWarning:
    check: str
    label: str
    detail: str

    def text(self) -> str:
        """``label (check): detail`` on one line."""
        return f"{self.label} ({self.check})" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class QualityReport:
    """The quality section of one report, in its language."""

    lang: str
    warnings: pl.DataFrame
    """Every warning of the submissions the revision used (``WARNING_COLUMNS``), by unit
    and period."""
    gate: list[GateWarning]
    checks_kept: bool
    """Whether the gate's result of the revision is kept beside the warehouse."""
    warnings_read: bool
    """Whether this connection could read the submissions' warnings."""
    records_hashed: bool = False
    """Whether the revision's ``records_sha256`` covers those warnings."""

    @property
    def title(self) -> str:
        return TITLE[self.lang]

    @property
    def total(self) -> int:
        """The submissions' warnings and the gate's."""
        return self.warnings.height + len(self.gate)

    @property
    def empty(self) -> bool:
        return self.total == 0

    def counts(self) -> dict[str, int]:
        """The submissions' warnings by check (``outlier``, ``rule_R04``), and ``gate``."""
        found = dict(self.warnings.group_by("check").len().sort("check").iter_rows())
        return {**{str(k): int(v) for k, v in found.items()}, "gate": len(self.gate)}

    def rows(self, limit: int) -> list[dict[str, str]]:
        """The first ``limit`` warnings as the texts of `TABLE`'s cells."""
        first = self.warnings.head(limit).select(
            pl.concat_str("org_unit_code", pl.lit(" "), "unit").str.strip_chars().alias("unit"),
            pl.col("period_label").alias("period"),
            "element",
            pl.col("value_text").alias("value"),
            "message",
            "location",
        )
        return first.to_dicts()

    def more(self, rows: int) -> str:
        """``… và 12 cảnh báo khác (…).`` beyond the first ``rows``; empty when none are
        left."""
        left = self.warnings.height - rows
        if left <= 0:
            return ""
        if self.lang == "vi":
            return f"… và {left} cảnh báo khác (danh sách đầy đủ trong báo cáo Excel)."
        return f"… and {left} more warnings (the full list is in the Excel report)."

    def lines(self) -> list[str]:
        """What the section says before its tables: the one line "no warnings", or the
        counts; and what could not be read."""
        vi = self.lang == "vi"
        said = []
        if not self.warnings_read:
            said.append(
                "Vai trò này không được đọc cảnh báo của các báo cáo đã dùng (cấp lại quyền: "
                "chitieu warehouse grant-auditor)."
                if vi
                else "This role may not read the warnings of the reports used (grant it "
                "again: chitieu warehouse grant-auditor)."
            )
        if not self.checks_kept:
            said.append(
                "Kết quả kiểm tra chất lượng của bản công bố này không được lưu ở đây."
                if vi
                else "The quality gate's result of this revision is not kept here."
            )
        if self.empty:
            if self.warnings_read and self.checks_kept:
                said = ["Không có cảnh báo nào về chất lượng dữ liệu." if vi else "No warnings."]
            else:
                said.append("Không có cảnh báo nào khác." if vi else "No other warnings.")
        else:
            said.append(self._counts_line())
        if self.warnings_read:
            said.append((HASHED_RECORDS_NOTE if self.records_hashed else RECORDS_NOTE)[self.lang])
        return said

    def _counts_line(self) -> str:
        vi = self.lang == "vi"
        counts = self.counts()
        parts = []
        for check, count in counts.items():
            if check == "gate" or not count:
                continue
            if check == "outlier":
                parts.append(
                    f"{count} giá trị khác xa các kỳ trước của đơn vị"
                    if vi
                    else f"{count} far from the unit's earlier periods"
                )
            elif check.startswith("rule_"):
                rule = check.removeprefix("rule_")
                parts.append(
                    f"{count} vi phạm quy tắc {rule}" if vi else f"{count} break rule {rule}"
                )
            else:
                parts.append(f"{count} {check}")
        found = self.warnings.height
        if not found:
            line = (
                "Các báo cáo đã dùng không có cảnh báo nào"
                if vi
                else "The reports used carry no warnings"
            )
        elif vi:
            line = f"Các báo cáo đã dùng có {found} cảnh báo ({'; '.join(parts)})"
        else:
            plural = "s" if found != 1 else ""
            line = f"The reports used carry {found} warning{plural} ({'; '.join(parts)})"
        gate = counts["gate"]
        if self.checks_kept and gate:
            line += (
                f"; kiểm tra chất lượng của bản công bố có {gate} cảnh báo."
                if vi
                else f"; the quality gate found {gate} on the revision."
            )
        elif self.checks_kept:
            line += (
                "; kiểm tra chất lượng của bản công bố không có cảnh báo nào."
                if vi
                else "; the quality gate found none on the revision."
            )
        else:
            line += "."
        return line


def quality_report(section: QualitySection, config: Config, lang: str) -> QualityReport:
    """The section in ``lang``: elements by their code and Vietnamese name (as the
    officers who sent them know them), numbers and lines as ``lang`` prints them, every
    text from a file escaped (`chitieu.shown`)."""
    table = escapes()
    names = element_names(config).select("element_code", pl.col("element_vi").alias("named"))
    received = pl.col("value").str.strip_chars().cast(pl.Float64, strict=False)
    place = pl.col("location").fill_null("")
    if lang == "vi":
        place = place.str.replace_all(r"\bline ", "dòng ")
    file_name = pl.col("source_name").fill_null("").str.split("/").list.last()
    file_name = file_name.str.split("\\").list.last()
    frame = (
        section.submission_warnings.join(names, on="element_code", how="left")
        .with_columns(
            pl.col("named").fill_null(pl.col("element_code")).alias("element"),
            pl.when(received.is_not_null())
            .then(number(received, lang))
            .otherwise(pl.col("value").fill_null(""))
            .alias("value_text"),
            pl.col(f"message_{lang}").fill_null("").alias("message"),
            pl.concat_str(
                file_name,
                pl.when((file_name != "") & (place != "")).then(pl.lit(", ")).otherwise(pl.lit("")),
                place,
            ).alias("location"),
            pl.col("name").fill_null("").alias("unit"),
        )
        .with_columns(
            pl.col(column).str.replace_many(list(table), list(table.values()))
            for column in ("unit", "element", "value_text", "message", "location")
        )
    )
    periods = {
        code: _period_label(code, lang)
        for code in frame.get_column("period").drop_nulls().unique().to_list()
    }
    frame = frame.with_columns(
        pl.col("period")
        .replace_strict(periods, default=pl.col("period"), return_dtype=pl.String)
        .fill_null("")
        .alias("period_label")
    )
    labels = GATE_LABELS[lang]
    gate = [
        GateWarning(o.name, labels.get(o.name, o.name), shown(o.detail))
        for o in section.gate_warnings
    ]
    return QualityReport(
        lang=lang,
        warnings=frame.select(WARNING_COLUMNS),
        gate=gate,
        checks_kept=section.checks_kept,
        warnings_read=section.warnings_read,
        records_hashed=section.records_hashed,
    )


def _period_label(code: str, lang: str) -> str:
    """A month as its heading prints it (``T9/2024``); any other period by its code."""
    try:
        period = Period.parse(code)
    except PeriodError:
        return code
    return month_label(period, lang) if period.kind == "M" else period.code
