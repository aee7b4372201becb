"""Reporting periods of Decree 09/2019/NĐ-CP: 15th-to-14th windows.

A month ``2024M06`` covers 15 May to 14 June 2024, so ``2024M01`` starts on
15 December 2023; quarters, halves and the year are unions of months. Every
period is a contiguous range of the year's months, which is how the roll-up
compares them in bulk (`period_columns`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final, TypeVar
from zoneinfo import ZoneInfo

import polars as pl

from chitieu.errors import PeriodError, ReviewTooEarly
from chitieu.shown import clipped

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

CUT_OFF_DAY: Final = 14
"""Data cut-off: the 14th of the period's last month (Article 12)."""
DUE_WORKING_DAYS: Final = 2
"""Reports are due within two working days of the cut-off."""

PERIOD_PATTERN: Final = r"^([1-9][0-9]{3})(?:(M)(0[1-9]|1[0-2])|(Q)([1-4])|(S)([12]))?$"
_PATTERN = re.compile(PERIOD_PATTERN)
VALID_FORMS: Final = (
    "YYYYMmm (tháng/month, 2024M06), YYYYQn (quý/quarter, 2024Q2), "
    "YYYYSn (6 tháng/half year, 2024S1), YYYY (năm/year, 2024)"
)
_MONTHS_PER_KIND: Final = {"M": 1, "Q": 3, "S": 6, "Y": 12}


PERIOD_QUOTED_CHARS: Final = 40
"""A period as given is quoted up to this many characters (a period has at most 7): it is
quoted in both halves of a message, which stays a line."""


def _quoted(text: object) -> str:
    """A period as given, quoted in a message: a 100 KB one by its start and end."""
    if not isinstance(text, str) or len(text) <= PERIOD_QUOTED_CHARS:
        return repr(text)
    return f"'{clipped(text, PERIOD_QUOTED_CHARS)}'"


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period: a contiguous run of months of one reporting year."""

    year: int
    first_month: int
    last_month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            quoted = _quoted(text)
            raise PeriodError(
                f"kỳ báo cáo {quoted} không hợp lệ: dùng một trong các dạng {VALID_FORMS} / "
                f"invalid period {quoted}: use {VALID_FORMS}"
            )
        year = int(match.group(1))
        if match.group(2):
            month = int(match.group(3))
            return cls(year, month, month)
        if match.group(4):
            quarter = int(match.group(5))
            return cls(year, 3 * quarter - 2, 3 * quarter)
        if match.group(6):
            half = int(match.group(7))
            return cls(year, 6 * half - 5, 6 * half)
        return cls(year, 1, 12)

    @property
    def kind(self) -> str:
        """``M``, ``Q``, ``S`` or ``Y``."""
        return {1: "M", 3: "Q", 6: "S", 12: "Y"}[self.last_month - self.first_month + 1]

    @property
    def code(self) -> str:
        kind = self.kind
        if kind == "M":
            return f"{self.year}M{self.last_month:02d}"
        if kind == "Q":
            return f"{self.year}Q{self.last_month // 3}"
        if kind == "S":
            return f"{self.year}S{self.last_month // 6}"
        return f"{self.year}"

    def __str__(self) -> str:
        return self.code

    @property
    def start(self) -> dt.date:
        """First day: the 15th of the month before the first month."""
        if self.first_month == 1:
            return dt.date(self.year - 1, 12, CUT_OFF_DAY + 1)
        return dt.date(self.year, self.first_month - 1, CUT_OFF_DAY + 1)

    @property
    def end(self) -> dt.date:
        """Last day (the data cut-off): the 14th of the last month."""
        return dt.date(self.year, self.last_month, CUT_OFF_DAY)

    @property
    def due(self) -> dt.date:
        """Due date: two working days (Monday to Friday) after the cut-off."""
        day, left = self.end, DUE_WORKING_DAYS
        while left:
            day += dt.timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day

    @property
    def is_year(self) -> bool:
        return self.kind == "Y"

    def contains(self, other: Period) -> bool:
        return (
            self.year == other.year
            and self.first_month <= other.first_month
            and other.last_month <= self.last_month
        )

    def months(self) -> list[Period]:
        """The monthly periods this period covers, in order."""
        return [Period(self.year, m, m) for m in range(self.first_month, self.last_month + 1)]

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        """The month whose window holds ``day`` (16 June 2024 is in 2024M07)."""
        year, month = day.year, day.month
        if day.day > CUT_OFF_DAY:
            month += 1
            if month == 13:
                year, month = year + 1, 1
        return cls(year, month, month)

    def vi_range(self) -> str:
        """ "từ 15/05/2024 đến 14/06/2024"."""
        return f"từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"


def period_columns(period: pl.Expr) -> list[pl.Expr]:
    """Vectorised parse of period codes: ``p_year``, ``p_first``, ``p_last``.

    Codes that do not match give nulls; validation rejects them before roll-up.
    """
    parts = period.str.extract_groups(PERIOD_PATTERN)
    year = parts.struct.field("1").cast(pl.Int32)
    month = parts.struct.field("3").cast(pl.Int32)
    quarter = parts.struct.field("5").cast(pl.Int32)
    half = parts.struct.field("7").cast(pl.Int32)
    last = (
        pl.when(month.is_not_null())
        .then(month)
        .when(quarter.is_not_null())
        .then(quarter * 3)
        .when(half.is_not_null())
        .then(half * 6)
        .otherwise(pl.when(year.is_not_null()).then(pl.lit(12, pl.Int32)))
    )
    span = (
        pl.when(month.is_not_null())
        .then(1)
        .when(quarter.is_not_null())
        .then(3)
        .when(half.is_not_null())
        .then(6)
        .otherwise(12)
    )
    return [
        year.alias("p_year"),
        (last - span + 1).cast(pl.Int32).alias("p_first"),
        last.cast(pl.Int32).alias("p_last"),
    ]


def with_period_columns(frame: FrameT, column: str = "period") -> FrameT:
    """``frame`` with `period_columns` of its ``column``, each distinct code parsed
    once and joined back, rows in their order: a year's 130,000 reports hold a few
    dozen codes, and the pattern costs 0.1 s over every row."""
    codes = frame.select(column).unique().with_columns(period_columns(pl.col(column)))
    return frame.join(codes, on=column, how="left", maintain_order="left", nulls_equal=True)


VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")


def refuse_unbegun(period: Period, today: dt.date | None = None) -> None:
    """Raise `ReviewTooEarly` for a period that begins after ``today`` (by default today
    in Vietnam): its revision would hold no report, and a published revision is never
    taken back. A period under way may be reviewed (the six-month review meets before
    its cut-off); a dry run may look at any period."""
    today = today or dt.datetime.now(VIETNAM).date()
    if period.start > today:
        raise ReviewTooEarly(
            f"kỳ {period.code} bắt đầu ngày {period.start:%d/%m/%Y}, chưa đến: không công bố "
            f"bản nào của kỳ chưa bắt đầu (bản công bố không bao giờ bị xóa); xem trước bằng "
            f"--dry-run / the period {period.code} begins on {period.start.isoformat()}, "
            f"after today ({today.isoformat()}): a period not begun is never published (a "
            "revision is never taken back); look at it with --dry-run"
        )
