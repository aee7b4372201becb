"""The content hash: pure, order-independent, sensitive to every value."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warehouse_fixtures import draft

from chitieu.warehouse.hashing import (
    canonical_lines,
    content_sha256,
    inputs_sha256,
    records_sha256,
    reference_lines,
    report_records,
    reports_records_sha256,
)
from chitieu.warehouse.models import (
    INPUT_SUBMISSIONS_SCHEMA,
    INPUT_VALUES_SCHEMA,
    INPUT_WARNINGS_SCHEMA,
)

HEADER: dict[str, Any] = {
    "review_period": "2024S1",
    "root_org_unit": "D",
    "revision": 2,
    "catalog_sha256": "c" * 64,
    "inputs_sha256": "i" * 64,
    "prev_content_sha256": "p" * 64,
    "completeness": 0.75,
    "checks_passed": True,
}
ROWS = draft(
    inputs=[(1, "a" * 64, "C1", "2024M05"), (2, "b" * 64, "C2", "2024M05")],
    elements=[("C1", "E1", 4.0), ("C2", "E1", None), ("D", "E1", 0.1), ("D", "E2", -0.0)],
    indicators=[
        ("D", "district", "CT01", 4.0, 8.0, 50.0, "on_track"),
        ("C1", "commune", "CT01", None, None, None, "no_target"),
    ],
)


def hash_of(header: dict[str, Any] = HEADER, **frames: pl.DataFrame) -> str:
    parts = {"indicators": ROWS.indicators, "elements": ROWS.elements, "inputs": ROWS.inputs}
    return content_sha256(header, **{**parts, **frames})


# The byte stream the module docstring defines, written out by hand for ROWS.
DOCUMENTED = f"""chitieu-snapshot-content v1
#header 1
"review_period","root_org_unit","revision","catalog_sha256","inputs_sha256",\
"prev_content_sha256","completeness","checks_passed"
"2024S1","D","2","{"c" * 64}","{"i" * 64}","{"p" * 64}","0.75","true"
#indicators 2
"org_unit_code","indicator_code","level","actual","target","percent","class"
"C1","CT01","commune",,,,"no_target"
"D","CT01","district","4.0","8.0","50.0","on_track"
#elements 4
"org_unit_code","element_code","value"
"C1","E1","4.0"
"C2","E1",
"D","E1","0.1"
"D","E2","0.0"
#inputs 2
"sha256","org_unit_code","period"
"{"a" * 64}","C1","2024M05"
"{"b" * 64}","C2","2024M05"
"""


def test_the_hash_is_what_the_docstring_defines() -> None:
    assert hash_of() == hashlib.sha256(DOCUMENTED.encode()).hexdigest()


def test_the_definition_is_pinned() -> None:
    """A change here breaks verification of every revision already published."""
    assert hash_of() == "5e5950c8d55dc77c03914d6d3f646b19500d5cb93c49f1b2fdd7e7ff88191bab"


def test_row_and_column_order_do_not_matter() -> None:
    shuffled = {
        "indicators": ROWS.indicators.sample(fraction=1, shuffle=True, seed=3),
        "elements": ROWS.elements.reverse().select("value", "element_code", "org_unit_code"),
        "inputs": ROWS.inputs.reverse(),
    }
    assert hash_of(**shuffled) == hash_of()


def test_ignored_fields_do_not_matter() -> None:
    extra = {**HEADER, "created_at": "now", "flow_run_id": "x", "status": "s", "snapshot_id": 9}
    assert hash_of(extra) == hash_of()
    renumbered = ROWS.inputs.with_columns(submission_id=pl.col("submission_id") + 100)
    assert hash_of(inputs=renumbered) == hash_of()


def test_negative_zero_is_zero() -> None:
    zero = ROWS.elements.with_columns(value=pl.col("value").abs())
    assert hash_of(elements=zero) == hash_of()


def _set(frame: pl.DataFrame, row: int, column: str, value: object) -> pl.DataFrame:
    dtype = frame.schema[column]
    changed = pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value, dtype)).otherwise(column)
    return frame.with_columns(changed.alias(column))


@pytest.mark.parametrize(
    ("table", "row", "column", "value"),
    [
        ("elements", 0, "value", 4.000000000000001),
        ("elements", 0, "value", None),
        ("elements", 1, "value", 0.0),  # null vs 0
        ("elements", 0, "element_code", "E9"),
        ("indicators", 0, "class", "exceeded"),
        ("indicators", 1, "target", 0.0),
        ("indicators", 0, "level", ""),  # empty string vs the value
        ("indicators", 1, "class", None),
        ("inputs", 0, "period", "2024M06"),
        ("inputs", 1, "sha256", "f" * 64),
    ],
)
def test_any_value_change_changes_the_hash(
    table: str, row: int, column: str, value: object
) -> None:
    frames = {"indicators": ROWS.indicators, "elements": ROWS.elements, "inputs": ROWS.inputs}
    assert hash_of(**{table: _set(frames[table], row, column, value)}) != hash_of()


def test_null_and_empty_string_differ() -> None:
    empty = _set(ROWS.indicators, 1, "level", "")
    null = _set(ROWS.indicators, 1, "level", None)
    assert hash_of(indicators=empty) != hash_of(indicators=null)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("review_period", "2024"),
        ("root_org_unit", "D2"),
        ("revision", 3),
        ("catalog_sha256", "d" * 64),
        ("inputs_sha256", "j" * 64),
        ("prev_content_sha256", None),
        ("completeness", None),
        ("completeness", 0.7500000000000001),
        ("checks_passed", False),
    ],
)
def test_any_header_change_changes_the_hash(field: str, value: object) -> None:
    assert hash_of({**HEADER, field: value}) != hash_of()


def test_a_row_moved_between_tables_changes_the_hash() -> None:
    fewer = ROWS.elements.head(3)
    assert hash_of(elements=fewer) != hash_of()
    assert hash_of(elements=ROWS.elements.head(0)) != hash_of(elements=ROWS.elements.head(1))


def test_a_missing_header_field_is_named() -> None:
    with pytest.raises(ValueError, match=r"missing header field.*checks_passed"):
        hash_of({k: v for k, v in HEADER.items() if k != "checks_passed"})


def test_inputs_hash_ignores_order_and_submission_id() -> None:
    inputs = ROWS.inputs
    assert inputs_sha256(inputs.reverse().with_columns(submission_id=pl.lit(0, pl.Int64))) == (
        inputs_sha256(inputs)
    )
    assert inputs_sha256(inputs.head(1)) != inputs_sha256(inputs)


# ---- the lines in one concatenation, as the definition reads them field by field ----

TEXT = st.one_of(st.none(), st.text(alphabet='a"," \n\\ếĐ0', max_size=6))
FLOAT = st.one_of(
    st.none(),
    st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf, 1e20, 0.1]),
    st.floats(allow_nan=True, allow_infinity=True),
)
LINE_COLUMNS: dict[str, pl.DataType] = {
    "code": pl.String(),
    "value": pl.Float64(),
    "count": pl.Int64(),
    "flag": pl.Boolean(),
    "other": pl.String(),
}


@settings(deadline=None, max_examples=150, database=None)
@given(
    st.lists(
        st.tuples(
            TEXT,
            FLOAT,
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
            st.one_of(st.none(), st.booleans()),
            st.text(alphabet="abc", max_size=3),  # never null nor quoted: written plain
        ),
        max_size=12,
    )
)
def test_lines_are_those_the_definition_writes_field_by_field(
    rows: list[tuple[Any, ...]],
) -> None:
    """`canonical_lines` writes plain columns (no null, no quote) in one concatenation;
    its lines are `reference_lines`' byte for byte, whatever the columns hold (quotes,
    commas, line breaks, nulls, -0.0, NaN, infinities), and so are every hash's."""
    frame = pl.DataFrame(rows, schema=LINE_COLUMNS, orient="row")
    assert canonical_lines(frame, LINE_COLUMNS).to_list() == (
        reference_lines(frame, LINE_COLUMNS).to_list()
    )
    # the same column of other types than the one hashed: cast as the definition casts
    as_text = {"code": pl.String(), "count": pl.String(), "value": pl.String()}
    assert canonical_lines(frame, as_text).to_list() == reference_lines(frame, as_text).to_list()


# The intake's records of ROWS.inputs, as `chitieu.warehouse.audit` reads them.
UTC7 = dt.timezone(dt.timedelta(hours=7))
SUBMISSIONS = pl.DataFrame(
    {
        "submission_id": [1, 2],
        "sha256": ["a" * 64, "b" * 64],
        "source_name": ['C1 "T5".csv', "C2.xlsx"],
        "format": ["csv", "xlsx"],
        "org_unit_code": ["C1", "C2"],
        "period": ["2024M05", "2024M05"],
        "submitted_at": [dt.datetime(2024, 6, 16, 9, 0, tzinfo=UTC7), None],
        "submitted_by": ["Nguyễn Văn A", None],
        "received_at": [
            dt.datetime(2024, 6, 16, 2, 0, 0, 250, tzinfo=dt.UTC),
            dt.datetime(2024, 6, 17, 2, 0, tzinfo=dt.UTC),
        ],
        "status": ["accepted", "superseded"],
    },
    schema=INPUT_SUBMISSIONS_SCHEMA,
)
WARNINGS = pl.DataFrame(
    {
        "submission_id": [2, 2],
        "org_unit_code": ["C2", "C2"],
        "period": ["2024M05", "2024M05"],
        "source_name": ["C2.xlsx", "C2.xlsx"],
        "location": ["D12", "D13"],
        "element_code": ["E1", "E2"],
        "value": ["9", "1"],
        "check": ["outlier", "rule_R01"],
        "message_vi": ["xa", "lớn"],
        "message_en": ["far", "large"],
    },
    schema=INPUT_WARNINGS_SCHEMA,
)
NOTES = pl.DataFrame(
    {
        "submission_id": [1],
        "org_unit_code": ["C1"],
        "element_code": ["E1"],
        "period": ["2024M05"],
        "value": [4.0],
        "note": ["ước tính"],
        "location": ["line 2"],
    },
    schema=INPUT_VALUES_SCHEMA,
)
RECORDS_DOCUMENTED = f"""chitieu-snapshot-records v1
#submissions 2
"sha256","org_unit_code","period","source_name","format","submitted_at","submitted_by",\
"received_at"
"{"a" * 64}","C1","2024M05","C1 ""T5"".csv","csv","2024-06-16T02:00:00.000000Z",\
"Nguyễn Văn A","2024-06-16T02:00:00.000250Z"
"{"b" * 64}","C2","2024M05","C2.xlsx","xlsx",,,"2024-06-17T02:00:00.000000Z"
#warnings 2
"sha256","org_unit_code","period","number","location","element_code","value","check",\
"message_vi","message_en"
"{"b" * 64}","C2","2024M05","1","D12","E1","9","outlier","xa","far"
"{"b" * 64}","C2","2024M05","2","D13","E2","1","rule_R01","lớn","large"
#notes 1
"sha256","org_unit_code","period","value_org_unit_code","element_code","value_period",\
"value","note","location"
"{"a" * 64}","C1","2024M05","C1","E1","2024M05","4.0","ước tính","line 2"
"""


def records_of(**frames: pl.DataFrame) -> str:
    parts = {"submissions": SUBMISSIONS, "warnings": WARNINGS, "notes": NOTES}
    return records_sha256(ROWS.inputs, **{**parts, **frames})


def test_the_records_hash_is_what_the_docstring_defines() -> None:
    assert records_of() == hashlib.sha256(RECORDS_DOCUMENTED.encode()).hexdigest()
    assert records_of() == "6fa73b7f41a919b66a0d6d1108cb4759a0a5591ba043226b57a6c5f8cb57f377"


def shuffled() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The same records numbered 41, 42 instead of 1, 2, in another order, another status,
    received times in another time zone."""
    renumbered = {"submission_id": pl.col("submission_id") + 40}
    return (
        ROWS.inputs.with_columns(**renumbered).reverse(),
        SUBMISSIONS.with_columns(
            **renumbered,
            status=pl.lit("accepted"),
            received_at=pl.col("received_at").dt.convert_time_zone("Asia/Ho_Chi_Minh"),
        ).reverse(),
        WARNINGS.with_columns(**renumbered),
        NOTES.with_columns(**renumbered),
    )


def test_the_records_hash_ignores_order_numbering_status_and_time_zones() -> None:
    assert records_sha256(*shuffled()) == records_of()


def test_the_order_warnings_were_found_in_is_part_of_the_records() -> None:
    assert records_of(warnings=WARNINGS.reverse()) != records_of()


@pytest.mark.parametrize(
    "changed",
    [
        {"submissions": SUBMISSIONS.with_columns(submitted_by=pl.lit("Lê C"))},
        {"submissions": SUBMISSIONS.with_columns(pl.col("received_at").dt.offset_by("1us"))},
        {"submissions": SUBMISSIONS.with_columns(format=pl.lit("json"))},
        {"warnings": WARNINGS.head(1)},
        {"warnings": WARNINGS.with_columns(location=pl.lit("D14"))},
        {"notes": NOTES.clear()},
        {"notes": NOTES.with_columns(note=pl.lit("ước tính "))},
    ],
)
def test_any_change_of_a_record_changes_the_records_hash(changed: dict[str, pl.DataFrame]) -> None:
    assert records_of(**changed) != records_of()


# Records v2 (content version 4): each report's own records hash, and the header's over them.
_SUBMISSION_NAMES = (
    '"sha256","org_unit_code","period","source_name","format","submitted_at",'
    '"submitted_by","received_at"'
)
_WARNING_NAMES = (
    '"sha256","org_unit_code","period","number","location","element_code","value","check",'
    '"message_vi","message_en"'
)
_NOTE_NAMES = (
    '"sha256","org_unit_code","period","value_org_unit_code","element_code","value_period",'
    '"value","note","location"'
)
REPORT_1_DOCUMENTED = f"""chitieu-report-records v1
#submissions 1
{_SUBMISSION_NAMES}
"{"a" * 64}","C1","2024M05","C1 ""T5"".csv","csv","2024-06-16T02:00:00.000000Z",\
"Nguyễn Văn A","2024-06-16T02:00:00.000250Z"
#warnings 0
{_WARNING_NAMES}
#notes 1
{_NOTE_NAMES}
"{"a" * 64}","C1","2024M05","C1","E1","2024M05","4.0","ước tính","line 2"
"""
REPORT_2_DOCUMENTED = f"""chitieu-report-records v1
#submissions 1
{_SUBMISSION_NAMES}
"{"b" * 64}","C2","2024M05","C2.xlsx","xlsx",,,"2024-06-17T02:00:00.000000Z"
#warnings 2
{_WARNING_NAMES}
"{"b" * 64}","C2","2024M05","1","D12","E1","9","outlier","xa","far"
"{"b" * 64}","C2","2024M05","2","D13","E2","1","rule_R01","lớn","large"
#notes 0
{_NOTE_NAMES}
"""


def reports_of(**frames: pl.DataFrame) -> dict[int, str]:
    parts = {"submissions": SUBMISSIONS, "warnings": WARNINGS, "notes": NOTES}
    each = report_records(ROWS.inputs, **{**parts, **frames})
    return dict(each.select("submission_id", "records_sha256").iter_rows())


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_each_reports_records_hash_is_what_the_docstring_defines() -> None:
    assert reports_of() == {1: sha(REPORT_1_DOCUMENTED), 2: sha(REPORT_2_DOCUMENTED)}
    lines = sorted(
        f'"{s}","{unit}","2024M05","{sha(text)}"\n'
        for s, unit, text in [
            ("a" * 64, "C1", REPORT_1_DOCUMENTED),
            ("b" * 64, "C2", REPORT_2_DOCUMENTED),
        ]
    )
    documented = (
        'chitieu-snapshot-records v2\n#reports 2\n"sha256","org_unit_code","period",'
        '"records_sha256"\n' + "".join(lines)
    )
    reports = ROWS.inputs.with_columns(
        records_sha256=pl.col("submission_id").replace_strict(reports_of())
    )
    assert reports_records_sha256(reports) == sha(documented)
    assert reports_records_sha256(reports) == (
        "d7afe1f424aac18a9a696dad7b2daec13a17ce5aadd940c8f5ac147d2757ab5a"
    )


def test_a_reports_records_hash_ignores_order_numbering_status_and_time_zones() -> None:
    each = report_records(*shuffled())
    assert dict(each.iter_rows()) == {41: reports_of()[1], 42: reports_of()[2]}


@pytest.mark.parametrize(
    ("changed", "report"),
    [
        ({"submissions": SUBMISSIONS.with_columns(submitted_by=pl.lit("Lê C"))}, {1, 2}),
        ({"submissions": SUBMISSIONS.head(1)}, {2}),
        ({"warnings": WARNINGS.head(1)}, {2}),
        ({"warnings": WARNINGS.reverse()}, {2}),
        ({"notes": NOTES.clear()}, {1}),
        ({"notes": NOTES.with_columns(note=pl.lit("ước tính "))}, {1}),
    ],
)
def test_a_change_of_a_record_changes_only_its_reports_hash(
    changed: dict[str, pl.DataFrame], report: set[int]
) -> None:
    before, after = reports_of(), reports_of(**changed)
    assert {sid for sid in before if before[sid] != after[sid]} == report
