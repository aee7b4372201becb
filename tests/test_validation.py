"""Validation of submitted rows against the configuration (SPEC §2): every problem of
every report in one pass, precise locations, values as written, no piling up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from chitieu.config import Config, load_config
from chitieu.schemas import ISSUES_SCHEMA, VALUES_SCHEMA, Validated, validate_rows
from chitieu.sources import ReceivedFile, read_submission

DATA = Path(__file__).parent / "data"
VN = dt.timezone(dt.timedelta(hours=7))
RECEIVED_AT = dt.datetime(2024, 6, 20, 10, 0, tzinfo=VN)
HEADER = "org_unit_code,element_code,period,value,note,submitted_at\n"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(DATA / "intake_config")


def read_rows(name: str, content: str, file_index: int = 0) -> pl.DataFrame:
    result = read_submission(ReceivedFile.from_bytes(name, content.encode("utf-8")))
    assert result.problems == []
    return result.rows.with_columns(pl.lit(file_index, pl.Int64).alias("file_index"))


def validate(config: Config, *files: str) -> Validated:
    """Validate CSV texts as one batch, file_index = their position."""
    rows = pl.concat([read_rows(f"{i}.csv", text, i) for i, text in enumerate(files)])
    return validate_rows(rows, config, RECEIVED_AT)


def checks(validated: Validated) -> list[tuple[str, str]]:
    return list(validated.issues.select("location", "check").iter_rows())


def test_every_problem_of_a_report_in_one_pass(config: Config) -> None:
    text = HEADER + (
        "28993,DANG_VIEN_MOI,2024M05,-3,,2024-05-16T09:00:00+07:00\n"  # 2 below min
        "28993,HO_NGHEO,2024M05,1.752,,2024-05-16 09:00\n"  # 3 not integer (same time)
        '28993,THU_NHAP,2024M05,"1.752,5",,2024-05-16T02:00:00Z\n'  # 4 decimal comma
        "28993,TY_LE_BHYT,2024M05,n/a,,\n"  # 5 not a number, submitted_at missing
        "28993,DAT_NTM,2024M05,2,,2024-05-16T09:00:00+07:00\n"  # 6 not boolean
        "28993,XYZ,2024M05,4,,2024-05-16T09:00:00+07:00\n"  # 7 unknown element
        "28993,GTSX_CN,2024M05,5,,2024-05-16T09:00:00+07:00\n"  # 8 wrong level
        "28993,DANG_VIEN_MOI,2024M05,4,,2024-05-16T09:00:00+07:00\n"  # 9 duplicate
        "28993,THU_NHAP,2024M05,,,2024-05-16T09:00:00+07:00\n"  # 10 duplicate, missing
    )
    validated = validate(config, text)
    assert checks(validated) == [
        ("line 2", "value_below_min"),
        ("line 3", "value_not_integer"),
        ("line 4", "value_vietnamese_format"),
        ("line 5", "value_not_number"),
        ("line 5", "submitted_at_inconsistent"),
        ("line 6", "value_not_boolean"),
        ("line 7", "element_unknown"),
        ("line 8", "element_wrong_level"),
        ("line 9", "element_duplicate"),
        ("line 10", "element_duplicate"),
        ("line 10", "value_missing"),
    ]
    assert validated.issues.schema == ISSUES_SCHEMA
    assert validated.issues.get_column("period").unique().to_list() == ["2024M05"]
    assert validated.rejected_reports().rows() == [(0, "28993", "2024M05")]


def test_issues_quote_the_value_as_written(config: Config) -> None:
    validated = validate(config, HEADER + '28993,THU_NHAP,2024M05," 1.752,5 ",,\n')
    issue = validated.issues.row(0, named=True)
    assert issue["value"] == "1.752,5"
    assert issue["element_code"] == "THU_NHAP"
    assert "'1.752,5'" in issue["message_vi"]
    assert "1752.5" in issue["message_en"]


def test_a_report_wide_problem_is_reported_once_per_report(config: Config) -> None:
    rows = "".join(f"29999,{e},2024M05,1,,\n" for e in ("DANG_VIEN_MOI", "HO_NGHEO", "DAT_NTM"))
    validated = validate(config, HEADER + rows + "28987,DAT_NTM,2024M05,1,,\n")
    assert checks(validated) == [("line 2", "org_unit_unknown"), ("line 5", "org_unit_inactive")]
    issue = validated.issues.row(0, named=True)
    assert issue["element_code"] is None
    assert issue["value"] == "29999"


def test_submitted_at_in_the_basic_form_is_told_the_form_read(config: Config) -> None:
    """20240318T233000+0700 is ISO 8601 (its basic form): "not ISO 8601" misled the
    commune; the message names the form read, in both languages."""
    validated = validate(config, HEADER + "28993,DANG_VIEN_MOI,2024M05,1,,20240318T233000+0700\n")
    assert checks(validated) == [("line 2", "submitted_at_invalid")]
    vi, en = validated.issues.select("message_vi", "message_en").row(0)
    assert "'20240318T233000+0700' không đúng dạng ngày giờ YYYY-MM-DD[THH:MM[:SS]][±HH:MM]" in vi
    assert (
        "'20240318T233000+0700' is not a date and time in the form "
        "YYYY-MM-DD[THH:MM[:SS]][±HH:MM] (ISO 8601 extended)"
    ) in en


def test_json_report_problems_point_at_the_key(config: Config) -> None:
    text = '{"org_unit_code": "28993", "period": "2024M12", "submitted_at": "yesterday", '
    text += '"values": [{"element_code": "DANG_VIEN_MOI", "value": 4}, '
    text += '{"element_code": "HO_NGHEO", "value": "x"}]}'
    rows = read_rows("r.json", text)
    validated = validate_rows(rows, config, RECEIVED_AT)
    assert checks(validated) == [
        ("period", "period_future"),
        ("submitted_at", "submitted_at_invalid"),
        ("values[1]", "value_not_number"),
    ]


def test_unknown_element_is_not_also_checked_for_its_type(config: Config) -> None:
    validated = validate(config, HEADER + "28993,SO_HO,2024M05,2.5,,\n28993,so_ho,2024M05,-1,,\n")
    assert checks(validated) == [("line 2", "element_unknown"), ("line 3", "element_unknown")]


def test_a_value_outside_its_type_is_not_also_outside_its_range(config: Config) -> None:
    validated = validate(config, HEADER + "28993,DANG_VIEN_MOI,2024M05,-2.5,,\n")
    assert checks(validated) == [("line 2", "value_not_integer")]


@pytest.mark.parametrize(
    ("element", "value", "expected"),
    [
        ("DANG_VIEN_MOI", "5", 5.0),
        ("DANG_VIEN_MOI", "5.0", 5.0),  # a zero fraction is whole (Excel, scripts)
        ("DANG_VIEN_MOI", "007", 7.0),
        ("DANG_VIEN_MOI", "1.000", None),  # three digits: a Vietnamese thousand, ambiguous
        ("DANG_VIEN_MOI", "1.752", None),
        ("THU_NHAP", "1.752", 1.752),  # a decimal number where decimals are allowed
        ("THU_NHAP", "0", 0.0),
        ("THU_NHAP", "1e3", None),
        ("THU_NHAP", "1 752", None),
        ("THU_NHAP", ".5", None),
        ("DAT_NTM", "1", 1.0),
        ("DAT_NTM", "0.0", 0.0),
        ("DAT_NTM", "-1", None),
        ("TY_LE_BHYT", "100", 100.0),
        ("TY_LE_BHYT", "100.01", None),
        ("HO_NGHEO", "-4", -4.0),  # no minimum in the catalog: a negative count passes
    ],
)
def test_values(config: Config, element: str, value: str, expected: float | None) -> None:
    validated = validate(config, HEADER + f"28993,{element},2024M05,{value},,\n")
    assert validated.values.item(0, "value") == expected
    assert validated.issues.is_empty() == (expected is not None)


def test_json_numbers_are_exact(config: Config) -> None:
    rows = read_rows("r.json", (DATA / "good_inputs/commune_report.json").read_text("utf-8"))
    validated = validate_rows(rows, config, RECEIVED_AT)
    values = dict(validated.values.select("element_code", "value").iter_rows())
    assert values["THU_NHAP"] == 0.1
    assert values["HO_NGHEO"] == 1752.0
    assert values["TY_LE_BHYT"] == 91.25


def test_several_reports_in_one_csv(config: Config) -> None:
    text = (DATA / "good_inputs/several_reports.csv").read_text("utf-8")
    validated = validate(config, text)
    assert validated.issues.is_empty()
    reports = validated.values.select("org_unit_code", "period").unique(maintain_order=True)
    assert reports.rows() == [
        ("28984", "2024M03"),  # the town, before its code was reused
        ("28987", "2024M03"),  # Phong Nẫm, still active on 14 March
        ("28984", "2024M05"),  # the merged commune under the reused code
        ("28993", "2024Q2"),
        ("28993", "2024S1"),
    ]
    assert validated.values.get_column("location").to_list()[2:4] == ["line 4", "line 6"]


def test_only_the_faulty_report_of_a_file_is_rejected(config: Config) -> None:
    text = HEADER + "28993,DANG_VIEN_MOI,2024M05,4,,\n28993,DANG_VIEN_MOI,2024M04,-4,,\n"
    validated = validate(config, text)
    assert validated.rejected_reports().rows() == [(0, "28993", "2024M04")]


def test_a_batch_of_files_is_one_call(config: Config) -> None:
    good = HEADER + "28993,DANG_VIEN_MOI,2024M05,4,,\n"
    bad = HEADER + "28993,DANG_VIEN_MOI,2024M05,x,,\n"
    validated = validate(config, good, bad, good)
    # the same report in several files is not a duplicate element: files are apart
    assert validated.issues.select("file_index", "location", "check").rows() == [
        (1, "line 2", "value_not_number")
    ]
    assert validated.values.get_column("file_index").to_list() == [0, 1, 2]
    assert validated.values.get_column("value").to_list() == [4.0, None, 4.0]


def test_submitted_at_is_stored_in_utc(config: Config) -> None:
    text = HEADER + "".join(
        f"28993,{e},2024M05,1,,{t}\n"
        for e, t in [
            ("DANG_VIEN_MOI", "2024-05-16T09:00:00+07:00"),
            ("HO_NGHEO", "2024-05-16 09:00"),  # naive: Vietnam time
            ("DAT_NTM", "2024-05-16T02:00Z"),
        ]
    )
    validated = validate(config, text)
    assert validated.issues.is_empty()
    assert validated.values.schema == VALUES_SCHEMA
    moment = dt.datetime(2024, 5, 16, 2, 0, tzinfo=dt.UTC)
    assert validated.values.get_column("submitted_at").to_list() == [moment] * 3


def test_rows_with_different_submitted_at_are_flagged(config: Config) -> None:
    text = HEADER + (
        "28993,DANG_VIEN_MOI,2024M05,1,,2024-05-16T09:00:00+07:00\n"
        "28993,HO_NGHEO,2024M05,1,,2024-05-16T09:05:00+07:00\n"
        "28993,DAT_NTM,2024M05,1,,\n"
    )
    validated = validate(config, text)
    assert checks(validated) == [
        ("line 3", "submitted_at_inconsistent"),
        ("line 4", "submitted_at_inconsistent"),
    ]
    assert "differs from '2024-05-16T09:00:00+07:00' at line 2" in validated.issues.item(
        0, "message_en"
    )
    assert "ở dòng 2" in validated.issues.item(1, "message_vi")


def test_a_period_is_accepted_once_it_has_started(config: Config) -> None:
    # 2024M07 runs from 15 June: received on 20 June it has started
    validated = validate(config, HEADER + "28993,DANG_VIEN_MOI,2024M07,1,,\n")
    assert validated.issues.is_empty()
    validated = validate(config, HEADER + "28993,DANG_VIEN_MOI,2024M08,1,,\n")
    assert checks(validated) == [("line 2", "period_future")]


def test_rows_must_carry_the_row_columns(config: Config) -> None:
    with pytest.raises(ValueError, match="rows lack column"):
        validate_rows(pl.DataFrame({"file_index": [0]}), config, RECEIVED_AT)


def test_an_empty_batch(config: Config) -> None:
    rows = read_rows("a.csv", HEADER + "28993,DANG_VIEN_MOI,2024M05,1,,\n").clear()
    validated = validate_rows(rows, config, RECEIVED_AT)
    assert validated.values.is_empty()
    assert validated.issues.is_empty()
    assert validated.issues.schema == ISSUES_SCHEMA


@pytest.mark.parametrize(
    ("row", "check", "english"),
    [
        ("28993,DANG_VIEN_MOI,2024m5,1", "period_invalid", "did you mean 2024M05?"),
        ("28993,DAT_NTM,2024M05,có", "value_not_number", "Write 1 for yes, 0 for no."),
        ('28993,DANG_VIEN_MOI,2024M05,"1,752"', "value_vietnamese_format", "write 1752"),
        ('28993,THU_NHAP,2024M05,"1,5"', "value_vietnamese_format", "write 1.5 "),
        ("28993,THU_NHAP,2024M05,1.752.000", "value_vietnamese_format", "write 1752000 "),
        ("28993,THU_NHAP,2024M05,1 752", "value_not_number", "write 1752."),
        ("28993,HO_NGHEO,2024M05,2.5", "value_not_integer", "must be a whole number."),
        ("28993,GTSX_CN,2024M05,1", "element_wrong_level", "collected at district level"),
        ("834,DANG_VIEN_MOI,2024M05,1", "element_wrong_level", "unit 834 is a district"),
    ],
)
def test_messages_name_the_fix(config: Config, row: str, check: str, english: str) -> None:
    validated = validate(config, HEADER + row + ",,\n")
    assert checks(validated) == [("line 2", check)]
    assert english in validated.issues.item(0, "message_en")


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-05-16T09:00:00+07:00", "2024-05-16 02:00:00"),
        ("2024-05-16T09:00:00.250+0700", "2024-05-16 02:00:00.250000"),
        ("2024-05-16t09:00z", "2024-05-16 09:00:00"),
        ("2024-05-16", "2024-05-15 17:00:00"),
        ("2024-05-16T09:00:00-05:00", "2024-05-16 14:00:00"),
        ("16/05/2024", None),
        ("2024-02-30T09:00", None),
        ("2024-05-16T9:00", None),
    ],
)
def test_submitted_at_forms(config: Config, text: str, utc: str | None) -> None:
    validated = validate(config, HEADER + f"28993,DANG_VIEN_MOI,2024M05,1,,{text}\n")
    moment = validated.values.item(0, "submitted_at")
    if utc is None:
        assert moment is None
        assert checks(validated) == [("line 2", "submitted_at_invalid")]
    else:
        assert str(moment.replace(tzinfo=None)) == utc
        assert validated.issues.is_empty()
