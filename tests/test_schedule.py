"""Which period a scheduled run is about: Decree 09 cut-offs read in Vietnam's time."""

from __future__ import annotations

import datetime as dt

import pytest

from chitieu.schedule import closed_month, due_review, local_date

VN = dt.timezone(dt.timedelta(hours=7))


def vn(year: int, month: int, day: int, hour: int = 7) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=VN)


@pytest.mark.parametrize(
    ("moment", "review"),
    [
        (vn(2024, 6, 19), "2024S1"),  # the six-month deployment's run
        (vn(2024, 12, 19), "2024"),  # the year-end deployment's run
        (vn(2024, 6, 14, 23), "2023"),  # cut-off day: the six months are still open
        (vn(2024, 6, 15, 0), "2024S1"),
        (vn(2024, 12, 14, 12), "2024S1"),
        (vn(2024, 12, 15, 0), "2024"),
        (vn(2025, 1, 19), "2024"),  # a January rerun still means last year's review
        (vn(2025, 3, 1), "2024"),
    ],
)
def test_the_review_whose_cut_off_passed_last(moment: dt.datetime, review: str) -> None:
    assert due_review(moment).code == review


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        (vn(2024, 6, 19), "2024M06"),  # 15 May - 14 June
        (vn(2024, 6, 14, 20), "2024M05"),
        (vn(2024, 12, 19), "2024M12"),
        (vn(2024, 12, 20), "2024M12"),
        (vn(2025, 1, 19), "2025M01"),  # 2025M01 runs 15 Dec 2024 - 14 Jan 2025
        (vn(2025, 1, 10), "2024M12"),
    ],
)
def test_the_month_whose_cut_off_passed_last(moment: dt.datetime, month: str) -> None:
    assert closed_month(moment).code == month


def test_utc_times_are_read_in_vietnam() -> None:
    # 18:00 UTC on 14 June is 01:00 on 15 June in Hồ Chí Minh City: the cut-off has passed
    late_utc = dt.datetime(2024, 6, 14, 18, tzinfo=dt.UTC)
    assert local_date(late_utc) == dt.date(2024, 6, 15)
    assert due_review(late_utc).code == "2024S1"
    assert due_review(late_utc.replace(tzinfo=None)).code == "2024S1"  # naive means UTC
