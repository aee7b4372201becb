"""The completeness annex: the units directly below the root × the months of the review.

From a reporting status when it is given (``chitieu.status.totals``: on time, late,
missing, rejected, held per unit and month): for a published revision, the status of its
own inputs (``inputs``: `chitieu.report.load.revision_status`), never of the reports
received since. Otherwise (a restatement) from the reports used against the reports
expected (SPEC §3.6), which says received or not, never on time or late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.periods import Period
from chitieu.report.labels import STATES
from chitieu.report.numbers import NONE, format_number, format_percent
from chitieu.rollup.completeness import completeness

STATUS_COUNTS: Final = ("on_time", "late", "missing", "rejected", "held")
TOTALS_COLUMNS: Final = ("org_unit_code", "name", "period", "expected", *STATUS_COUNTS)
"""The frame ``chitieu.status.totals`` returns (the shared contract with issue 14)."""
SOURCES: Final = ("status", "inputs", "revision")
REVISION_NOTE: Final = {
    "vi": "Tính từ các báo cáo mà bản công bố đã dùng, so với số báo cáo phải gửi; "
    "không phân biệt đúng hạn, trễ hạn hay bị trả lại.",
    "en": "From the reports the revision used, against the reports expected; on time, "
    "late and rejected are not told apart.",
}
INPUTS_NOTE: Final = {
    "vi": "Tính từ các báo cáo mà bản công bố đã dùng: đúng hạn hay trễ hạn theo thời điểm "
    "gửi ghi trong báo cáo (không ghi thì theo thời điểm nhận); chưa gửi: bản công bố không "
    "dùng báo cáo nào của tháng đó (báo cáo bị trả lại hoặc nhận sau khi công bố không được "
    "tính; tình hình hiện nay: chitieu status). Thời điểm gửi, nhận được đọc từ hồ sơ tiếp "
    "nhận trong kho dữ liệu, không thuộc mã băm nội dung của bản công bố.",
    "en": "From the reports the revision used: on time or late by when each says it was "
    "submitted (else when it was received); missing: the revision used no report for that "
    "month (reports rejected, or received after it was published, do not count; the "
    "status now: chitieu status). When they were submitted and received is read from the "
    "warehouse's intake records, which the revision's content hash does not cover.",
}
"""The note under the annex of a published revision (source ``inputs``) published before
revisions hashed what the intake recorded of their inputs (content_version 1 and 2)."""
HASHED_INPUTS_NOTE: Final = {
    "vi": INPUTS_NOTE["vi"].replace(
        "không thuộc mã băm nội dung của bản công bố.",
        "thuộc mã băm hồ sơ tiếp nhận của bản công bố (records_sha256): chitieu snapshots "
        "verify phát hiện nếu chúng bị sửa.",
    ),
    "en": INPUTS_NOTE["en"].replace(
        "which the revision's content hash does not cover.",
        "which the revision's records hash (records_sha256) covers: chitieu snapshots "
        "verify finds them if they are changed.",
    ),
}
"""The note under the annex of a revision that hashed its inputs' intake records."""


def annex_note(annex: CompletenessAnnex, lang: str) -> str | None:
    """The note printed under the annex: what it was built from; None for the reporting
    status (whose states need no note)."""
    if annex.source == "revision":
        return REVISION_NOTE[lang]
    if annex.source == "inputs":
        return (HASHED_INPUTS_NOTE if annex.records_hashed else INPUTS_NOTE)[lang]
    return None


@dataclass(frozen=True)
class CompletenessAnnex:
    source: str
    """``status`` (from a reporting status), ``inputs`` (the reporting status of a
    revision's inputs) or ``revision`` (received or not, from the reports used)."""
    months: list[Period]
    units: pl.DataFrame
    """``org_unit_code, name, has_children, is_root``: the units below the root by code,
    then the root."""
    cells: pl.DataFrame
    """``org_unit_code, period, expected, received`` and the ``STATUS_COUNTS`` (null when
    the source is the revision), one row per unit and month."""
    records_hashed: bool = False
    """Whether the revision's ``records_sha256`` covers when its inputs were sent and
    received (source ``inputs``, content_version 3 on)."""

    def root_counts(self) -> tuple[int, int]:
        """(expected, received) at the root over the whole review period."""
        root = self.units.filter(pl.col("is_root")).get_column("org_unit_code")
        mine = self.cells.filter(pl.col("org_unit_code").is_in(root.implode()))
        return int(mine.get_column("expected").sum()), int(mine.get_column("received").sum())

    def totals(self) -> pl.DataFrame:
        """``org_unit_code, expected, received``: the whole review period."""
        return self.cells.group_by("org_unit_code").agg(
            pl.col("expected").sum(), pl.col("received").sum()
        )


def annex_units(units: pl.DataFrame, root: str, names: pl.DataFrame) -> pl.DataFrame:
    """The units directly below ``root`` (``units``: its subtree, with ``depth``), then the
    root, named as at the review's end; ``has_children`` says whether a rate is shown."""
    parents = units.get_column("parent_code").drop_nulls().unique().implode()
    return (
        units.filter(pl.col("depth") <= 1)
        .select(
            "org_unit_code",
            pl.col("org_unit_code").is_in(parents).alias("has_children"),
            (pl.col("depth") == 0).alias("is_root"),
        )
        .join(names, on="org_unit_code", how="left")
        .sort("is_root", "org_unit_code")
        .select("org_unit_code", "name", "has_children", "is_root")
    )


def from_status(
    totals: pl.DataFrame,
    units: pl.DataFrame,
    review: Period,
    source: str = "status",
    *,
    records_hashed: bool = False,
) -> CompletenessAnnex:
    """The annex from a reporting status's ``totals`` (``TOTALS_COLUMNS``); ``source``
    says whose (``status`` or ``inputs``, `SOURCES`)."""
    months = review.months()
    counts = [pl.col(c).cast(pl.Int64) for c in ("expected", *STATUS_COUNTS)]
    cells = totals.select("org_unit_code", "period", *counts).with_columns(
        (pl.col("on_time") + pl.col("late")).alias("received")
    )
    root = units.filter(pl.col("is_root")).get_column("org_unit_code")
    if not cells.get_column("org_unit_code").is_in(root.implode()).any():
        cells = pl.concat(
            [cells, _root_sums(cells, units, ["expected", "received", *STATUS_COUNTS])]
        )
    return CompletenessAnnex(source, months, units, _grid(cells, units, months), records_hashed)


def from_revision(
    reports: pl.DataFrame,
    org_units: pl.DataFrame,
    subtree: pl.DataFrame,
    units: pl.DataFrame,
    review: Period,
    submitting_levels: set[str],
    as_of: dt.date,
    successions: pl.DataFrame | None = None,
) -> CompletenessAnnex:
    """The annex from the reports a revision used (``reports``: ``org_unit_code,
    period``), month by month as the roll-up counts completeness (SPEC §3.6): a report
    for a quarter or a half counts for each of its months. Each month's reports are
    attributed as the roll-up attributes them: to the units of ``as_of`` (the review's
    end, or a restatement's day: those of ``subtree``), through ``successions``."""
    months = review.months()
    periods = reports.get_column("period").unique().to_list()
    covers = pl.DataFrame(
        [
            (code, month.code)
            for code in periods
            for month in Period.parse(code).months()
            if review.contains(month)
        ],
        schema={"period": pl.String, "month": pl.String},
        orient="row",
    )
    monthly = reports.join(covers, on="period").select(
        "org_unit_code", pl.col("month").alias("period")
    )
    wanted = units.get_column("org_unit_code").implode()
    frames = [
        completeness(
            monthly.filter(pl.col("period") == month.code),
            org_units,
            subtree,
            month,
            submitting_levels,
            as_of=as_of,
            successions=successions,
        )
        .filter(pl.col("org_unit_code").is_in(wanted))
        .select("org_unit_code", pl.lit(month.code).alias("period"), "expected", "received")
        for month in months
    ]
    cells = pl.concat(frames).with_columns(
        pl.lit(None, pl.Int64).alias(name) for name in STATUS_COUNTS
    )
    return CompletenessAnnex("revision", months, units, _grid(cells, units, months))


def _root_sums(cells: pl.DataFrame, units: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    root = units.filter(pl.col("is_root")).item(0, "org_unit_code")
    return (
        cells.group_by("period")
        .agg(pl.col(c).sum() for c in columns)
        .select(pl.lit(root).alias("org_unit_code"), "period", *columns)
        .select(cells.columns)
    )


def _grid(cells: pl.DataFrame, units: pl.DataFrame, months: list[Period]) -> pl.DataFrame:
    """One row per unit of the annex and month, in order (a month a unit was not expected
    to report: expected 0)."""
    grid = units.select("org_unit_code").join(
        pl.DataFrame({"period": [m.code for m in months]}), how="cross"
    )
    columns = ["expected", "received", *STATUS_COUNTS]
    return grid.join(
        cells.select("org_unit_code", "period", *columns),
        on=["org_unit_code", "period"],
        how="left",
    ).with_columns(pl.col("expected").fill_null(0), pl.col("received").fill_null(0))


def _rate(received: int, expected: int, lang: str, decimals: int) -> str:
    share = received / expected * 100
    if decimals == 2:
        return format_percent(share, lang)
    return f"{format_number(share, lang, decimals)} %"


def cell_text(cell: dict[str, object], rate: bool, lang: str, decimals: int = 2) -> str:
    """One unit's month: a rate (``95,24 %``) for a unit with units below it or several
    reports due, else the state of its one report; ``–`` when none was due."""
    expected = int(cell["expected"] or 0)  # type: ignore[call-overload]
    received = int(cell["received"] or 0)  # type: ignore[call-overload]
    if expected == 0:
        return NONE
    if rate or expected > 1:
        return _rate(received, expected, lang, decimals)
    states = STATES[lang]
    if cell.get("on_time") is None:
        return states["received" if received else "not_received"]
    for state in ("on_time", "late", "rejected", "held"):
        if cell.get(state):
            return states[state]
    return states["missing"]


def total_text(expected: int, received: int, lang: str) -> str:
    """The whole period: ``20/21 (95,24 %)``."""
    if not expected:
        return NONE
    return f"{received}/{expected} ({format_percent(received / expected * 100, lang)})"


def annex_rows(
    annex: CompletenessAnnex, lang: str, decimals: int = 2
) -> list[tuple[str, str, list[str]]]:
    """Each unit of the annex as printed: code, name, one text per month (a rate with
    ``decimals``: a printed page's narrow month columns take one), then the whole
    period's."""
    cells = {(r["org_unit_code"], r["period"]): r for r in annex.cells.iter_rows(named=True)}
    totals = {u: (e, r) for u, e, r in annex.totals().iter_rows()}
    rows = []
    for code, name, has_children, _ in annex.units.iter_rows():
        texts = [
            cell_text(cells[(code, m.code)], has_children, lang, decimals) for m in annex.months
        ]
        texts.append(total_text(*totals.get(code, (0, 0)), lang))
        rows.append((code, name or code, texts))
    return rows
