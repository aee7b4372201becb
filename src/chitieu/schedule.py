"""Which period a scheduled run is about, from the time it was scheduled for.

A deployment runs on a calendar (prefect.yaml); the periods follow from Decree 09's
cut-off on the 14th, read in Vietnam's time zone. Pure functions, so the rule is
tested without Prefect.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

from chitieu.periods import CUT_OFF_DAY, Period

LOCAL_TIMEZONE: Final = "Asia/Ho_Chi_Minh"
"""Where cut-offs fall; the deployments' schedules use the same zone."""


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day in Vietnam at ``moment`` (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(LOCAL_TIMEZONE)).date()


def closed_month(moment: dt.datetime) -> Period:
    """The month whose cut-off most recently passed: on 19 June 2024, ``2024M06``
    (15 May – 14 June); on 14 June itself, still ``2024M05``."""
    open_month = Period.month_of(local_date(moment))
    if open_month.last_month == 1:
        return Period(open_month.year - 1, 12, 12)
    month = open_month.last_month - 1
    return Period(open_month.year, month, month)


def due_review(moment: dt.datetime) -> Period:
    """The review whose cut-off most recently passed: the six-month review ``YYYYS1``
    after 14 June, the year-end review ``YYYY`` after 14 December (until the next
    14 June)."""
    day = local_date(moment)
    if (day.month, day.day) > (12, CUT_OFF_DAY):
        return Period.parse(f"{day.year}")
    if (day.month, day.day) > (6, CUT_OFF_DAY):
        return Period.parse(f"{day.year}S1")
    return Period.parse(f"{day.year - 1}")
