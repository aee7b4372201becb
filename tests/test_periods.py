"""Decree 09 reporting periods: 15th-to-14th windows, containment, codes and due dates."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from chitieu.errors import PeriodError
from chitieu.periods import Period, period_columns, with_period_columns

D = dt.date


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        # the table of DOMAIN.md
        ("2024M06", D(2024, 5, 15), D(2024, 6, 14)),
        ("2024Q2", D(2024, 3, 15), D(2024, 6, 14)),
        ("2024S1", D(2023, 12, 15), D(2024, 6, 14)),
        ("2024", D(2023, 12, 15), D(2024, 12, 14)),
        # the year boundary: January starts in the previous calendar year
        ("2024M01", D(2023, 12, 15), D(2024, 1, 14)),
        ("2024M12", D(2024, 11, 15), D(2024, 12, 14)),
        ("2024Q1", D(2023, 12, 15), D(2024, 3, 14)),
        ("2024Q4", D(2024, 9, 15), D(2024, 12, 14)),
        ("2024S2", D(2024, 6, 15), D(2024, 12, 14)),
        ("2025M01", D(2024, 12, 15), D(2025, 1, 14)),
    ],
)
def test_period_windows(code: str, start: dt.date, end: dt.date) -> None:
    period = Period.parse(code)
    assert (period.start, period.end) == (start, end)


def test_kinds() -> None:
    assert [Period.parse(c).kind for c in ("2024M06", "2024Q2", "2024S1", "2024")] == [
        "M",
        "Q",
        "S",
        "Y",
    ]
    assert Period.parse("2024").is_year
    assert not Period.parse("2024S2").is_year


def test_vi_range() -> None:
    assert Period.parse("2024M06").vi_range() == "từ 15/05/2024 đến 14/06/2024"


@pytest.mark.parametrize(
    ("outer", "inner", "inside"),
    [
        ("2024S1", "2024M03", True),
        ("2024S2", "2024M03", False),
        ("2024S1", "2024Q2", True),
        ("2024S1", "2024Q3", False),
        ("2024S1", "2024M06", True),
        ("2024S1", "2024M07", False),
        ("2024", "2024M01", True),
        ("2024", "2024M12", True),
        ("2024", "2024S2", True),
        ("2024", "2024", True),
        # the same month of another reporting year is another period
        ("2024", "2023M12", False),
        ("2024", "2025M01", False),
        ("2024S1", "2025M03", False),
        # a short period never contains a longer one
        ("2024M03", "2024Q1", False),
        ("2024Q2", "2024S1", False),
    ],
)
def test_contains(outer: str, inner: str, inside: bool) -> None:
    assert Period.parse(outer).contains(Period.parse(inner)) is inside


def test_months_of_a_review() -> None:
    assert [m.code for m in Period.parse("2024S1").months()] == [
        "2024M01",
        "2024M02",
        "2024M03",
        "2024M04",
        "2024M05",
        "2024M06",
    ]
    assert [m.code for m in Period.parse("2024Q3").months()] == ["2024M07", "2024M08", "2024M09"]
    year = Period.parse("2024").months()
    assert len(year) == 12
    assert year[0].start == D(2023, 12, 15)
    assert year[-1].end == D(2024, 12, 14)
    assert Period.parse("2024M05").months() == [Period.parse("2024M05")]


def all_codes(year: int) -> list[str]:
    return (
        [f"{year}M{m:02d}" for m in range(1, 13)]
        + [f"{year}Q{q}" for q in range(1, 5)]
        + [f"{year}S{h}" for h in (1, 2)]
        + [str(year)]
    )


@pytest.mark.parametrize("code", all_codes(2024))
def test_code_round_trip(code: str) -> None:
    period = Period.parse(code)
    assert period.code == code
    assert str(period) == code
    assert Period.parse(period.code) == period


def test_parse_tolerates_surrounding_blanks() -> None:
    assert Period.parse(" 2024M06\n") == Period(2024, 6, 6)


@pytest.mark.parametrize(
    ("code", "due"),
    [
        ("2024M05", D(2024, 5, 16)),  # cut-off Tuesday 14 May -> Thursday
        ("2024M06", D(2024, 6, 18)),  # cut-off Friday 14 June -> skip the weekend -> Tuesday
        ("2024S1", D(2024, 6, 18)),
        ("2024M09", D(2024, 9, 17)),  # cut-off Saturday 14 Sep -> Monday, Tuesday
        ("2024", D(2024, 12, 17)),  # cut-off Saturday 14 Dec
    ],
)
def test_due_two_working_days_after_cut_off(code: str, due: dt.date) -> None:
    assert Period.parse(code).due == due


@pytest.mark.parametrize(
    ("day", "month"),
    [
        (D(2024, 6, 14), "2024M06"),  # the cut-off day belongs to the month it closes
        (D(2024, 6, 15), "2024M07"),
        (D(2024, 6, 16), "2024M07"),
        (D(2024, 6, 1), "2024M06"),
        (D(2023, 12, 15), "2024M01"),  # mid-December opens the next reporting year
        (D(2024, 12, 14), "2024M12"),
        (D(2024, 12, 15), "2025M01"),
        (D(2024, 1, 1), "2024M01"),
    ],
)
def test_month_of(day: dt.date, month: str) -> None:
    period = Period.month_of(day)
    assert period.code == month
    assert period.start <= day <= period.end


@pytest.mark.parametrize(
    "bad",
    [
        "2024M13",
        "2024M00",
        "2024M6",
        "2024Q5",
        "2024Q0",
        "2024S3",
        "24M01",
        "2024-06",
        "",
        "2024m06",
        # no year 0 (its first cut-off would be in year -1), and digits are ASCII only:
        # Python's int() reads others, polars' cast does not
        "0000",
        "0000M05",
        "０２４M05",
        "２０２４S1",
        "٢٠٢٤M05",
    ],
)
def test_malformed_period_names_the_valid_forms(bad: str) -> None:
    with pytest.raises(PeriodError, match=r"invalid period .*YYYYMmm.*YYYYQn.*YYYYSn.*YYYY") as err:
        Period.parse(bad)
    assert repr(bad) in str(err.value)
    assert f"kỳ báo cáo {bad!r} không hợp lệ" in str(err.value)


@pytest.mark.parametrize("bad", [None, 2024, 202406.0])
def test_a_period_that_is_not_text(bad: object) -> None:
    with pytest.raises(PeriodError, match=rf"invalid period {bad!r}: "):
        Period.parse(bad)  # type: ignore[arg-type]


def test_period_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid period"):
        Period.parse("2024H1")


def test_vectorised_parse_agrees_with_period_parse() -> None:
    codes = all_codes(2024) + all_codes(2025)
    parsed = pl.DataFrame({"period": codes}).select(period_columns(pl.col("period")))
    expected = [(p.year, p.first_month, p.last_month) for p in map(Period.parse, codes)]
    assert parsed.rows() == expected
    assert parsed.schema == pl.Schema({"p_year": pl.Int32, "p_first": pl.Int32, "p_last": pl.Int32})


def test_vectorised_parse_gives_nulls_for_bad_codes() -> None:
    bad = ["2024M13", "2024-06", "", None, "２０２４M05", "٢٠٢٤", "0000M05"]
    parsed = pl.DataFrame({"period": bad}).select(period_columns(pl.col("period")))
    assert parsed.rows() == [(None, None, None)] * len(bad)


def test_period_columns_parsed_once_per_code_match_every_row_parsed() -> None:
    """`with_period_columns` parses each distinct code once and joins it back: the same
    columns, rows in their order, malformed and missing codes null, eager or lazy."""
    codes = ["2024M01", "2024Q1", None, "2024M13", "bad", "2024", "2024M01", "2024S2", "2023Q4"]
    frame = pl.DataFrame({"period": codes * 50, "row": range(len(codes) * 50)})
    expected = frame.with_columns(period_columns(pl.col("period")))
    assert with_period_columns(frame).equals(expected)
    assert with_period_columns(frame.lazy()).collect().equals(expected)
    reversed_frame = frame.reverse()
    assert with_period_columns(reversed_frame).equals(
        reversed_frame.with_columns(period_columns(pl.col("period")))
    )


def test_a_huge_period_is_quoted_by_its_start_and_end() -> None:
    with pytest.raises(PeriodError) as refused:
        Period.parse("2024M" + "9" * 100_000)
    quoted = str(refused.value).split(" / invalid period ")[1].split(":")[0]
    assert quoted.startswith("'2024M999")
    assert quoted.endswith("999'")
    assert "…" in quoted
    assert len(str(refused.value)) < 500
