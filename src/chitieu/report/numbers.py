"""Numbers and dates as a report prints them.

Vietnamese groups thousands with ``.`` and uses ``,`` as the decimal mark (``1.752``,
``78,46 %``), as the review documents print them; English the other way round. Dates are
dd/mm/yyyy in Vietnam's time (Asia/Ho_Chi_Minh), whatever the machine's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

LOCAL_TIME: Final = ZoneInfo("Asia/Ho_Chi_Minh")
NONE: Final = "–"
"""What a cell without a figure shows: never 0."""


def _vietnamese(text: str, lang: str) -> str:
    if lang == "vi":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_number(value: float | None, lang: str, decimals: int = 2) -> str:
    """``1752`` → ``1.752`` (vi) or ``1,752`` (en); at most ``decimals`` decimals, no
    trailing zeros; ``None`` → ``–``."""
    if value is None:
        return NONE
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "−0"):
        text = "0"
    return _vietnamese(text, lang)


def format_percent(value: float | None, lang: str, signed: bool = False) -> str:
    """``78.456`` → ``78,46 %``; with ``signed``, ``+15,00 %`` or ``-3,20 %``."""
    if value is None:
        return NONE
    text = f"{value:+,.2f}" if signed else f"{value:,.2f}"
    return f"{_vietnamese(text, lang)} %"


def local(when: dt.datetime) -> dt.datetime:
    """A stored UTC time stamp in Vietnam's time (a naive one is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(LOCAL_TIME)


def today() -> dt.date:
    """Today in Vietnam, the day a document is dated by default."""
    return dt.datetime.now(LOCAL_TIME).date()


def format_date(day: dt.date | dt.datetime) -> str:
    """``17/06/2024`` (a time stamp: its day in Vietnam)."""
    if isinstance(day, dt.datetime):
        day = local(day).date()
    return f"{day:%d/%m/%Y}"


def format_time(when: dt.datetime) -> str:
    """``17/06/2024 09:00`` in Vietnam's time."""
    return f"{local(when):%d/%m/%Y %H:%M}"


def date_line(place: str, day: dt.date) -> str:
    """``Giồng Trôm, ngày 17 tháng 6 năm 2024``: days before the 10th and the months
    January and February with a leading zero (Decree 30/2020/NĐ-CP, Appendix I;
    Hướng dẫn 36-HD/VPTW: "ngày 20 tháng 02 năm 2018")."""
    day_text = f"{day.day:02d}"
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day_text} tháng {month_text} năm {day.year}"
