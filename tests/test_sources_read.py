"""Reading submission files as text rows: CSV and JSON, and the files that are not
submissions at all. Every cell stays text; nothing a malformed file contains may
raise — it becomes a `FileProblem` in Vietnamese and English."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chitieu.sources import ROW_SCHEMA, FileRead, ReceivedFile, read_submission
from chitieu.sources.csv_files import _csv_records, _plain_records

DATA = Path(__file__).parent / "data"
HEADER = "org_unit_code,element_code,period,value,note\n"


def read(name: str, content: str | bytes) -> FileRead:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return read_submission(ReceivedFile.from_bytes(name, data))


def only_problem(result: FileRead) -> tuple[str, str, str, str]:
    assert result.rows.is_empty()
    assert len(result.problems) == 1, result.problems
    p = result.problems[0]
    assert p.message_vi
    assert p.message_en
    return p.check, p.location, p.message_vi, p.message_en


# ---- CSV ---------------------------------------------------------------------------
def test_csv_rows_are_text_with_their_line() -> None:
    result = read("r.csv", HEADER + "00101, DANG_VIEN_MOI ,2024M05, 12 ,\n")
    assert result.problems == []
    assert result.format == "csv"
    assert dict(result.rows.schema) == ROW_SCHEMA
    assert result.rows.row(0, named=True) == {
        "org_unit_code": "00101",
        "element_code": "DANG_VIEN_MOI",
        "period": "2024M05",
        "value": "12",
        "note": None,
        "submitted_at": None,
        "submitted_by": None,
        "location": "line 2",
    }


def test_csv_with_bom_keeps_leading_zeros() -> None:
    result = read_submission(ReceivedFile.from_path(DATA / "good_inputs/bom_leading_zeros.csv"))
    assert result.problems == []
    assert result.rows.get_column("org_unit_code").to_list() == ["00101", "00101"]
    assert result.rows.get_column("value").to_list() == ["2", "41"]
    assert result.rows.get_column("note").to_list() == [None, "ghi chú, có dấu phẩy"]


def test_csv_lines_count_physical_lines_of_quoted_notes() -> None:
    text = HEADER + 'A,X,2024M05,1,"two\nlines"\n\nB,X,2024M05,2,\r\nC,X,2024M05,3,\n'
    result = read("r.csv", text)
    assert result.rows.get_column("location").to_list() == ["line 2", "line 5", "line 6"]
    assert result.rows.get_column("note").to_list() == ["two\nlines", None, None]


def test_csv_optional_columns_in_any_order_and_header_names_stripped() -> None:
    text = " submitted_by , value,period,element_code,org_unit_code,submitted_at\n"
    text += "Lan,4,2024M05,DANG_VIEN_MOI,28993,2024-05-16\n"
    row = read("r.CSV", text).rows.row(0, named=True)
    assert row["submitted_by"] == "Lan"
    assert row["value"] == "4"
    assert row["submitted_at"] == "2024-05-16"
    assert row["note"] is None


def test_csv_repeated_column() -> None:
    check, location, _, en = only_problem(read("r.csv", HEADER.strip() + ",value\n1,2,3,4,5,6\n"))
    assert (check, location) == ("csv_header", "line 1")
    assert "repeated column(s) value" in en


def test_csv_blank_lines_are_skipped_but_ragged_lines_are_not() -> None:
    result = read("r.csv", HEADER + "\n,,,,\nA,X,2024M05,1,\nA,Y,2024M05\n")
    check, location, _, en = only_problem(result)
    assert (check, location) == ("csv_format", "line 5")
    assert "has 3 cells but the header has 5 columns" in en


def office_file(kind: str) -> bytes:
    """A real, empty workbook (openpyxl) or Word document (python-docx)."""
    import io

    out = io.BytesIO()
    if kind == "xlsx":
        import openpyxl

        openpyxl.Workbook().save(out)
    else:
        import docx

        docx.Document().save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.csv", "xlsx", "the file is named .csv but is an Excel workbook (.xlsx)"),
        ("r.json", "xlsx", "the file is named .json but is an Excel workbook (.xlsx)"),
        ("r.csv", "docx", "the file is named .csv but is a Word document (.docx), not a report"),
        ("r.csv", b"PK\x03\x04\x14\x00\x06\x00", "is a zip archive, neither a workbook nor"),
    ],
)
def test_a_text_report_that_is_really_a_zip_says_which(
    name: str, content: str | bytes, message: str
) -> None:
    """Told by the parts the zip holds (xl/workbook.xml, word/document.xml); a damaged or
    other zip is only a zip."""
    data = office_file(content) if isinstance(content, str) else content
    check, _, vi, en = only_problem(read(name, data))
    assert check == "file_format"
    assert message in en
    assert "thực chất là" in vi


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from([*'a1,.;" \t\n\r\x00\x0c', "\u2028", "Đ"]), max_size=40))
def test_csv_lines_without_quotes_are_split_as_the_csv_module_reads_them(body: str) -> None:
    """A line is a record, and its cells are split at the commas, only where the csv
    module reads the text that way (no quote, carriage return or NUL)."""
    plain = _plain_records(HEADER + body)
    assert plain is None or (plain, []) == _csv_records(HEADER + body)


# ---- JSON --------------------------------------------------------------------------
def report(**changes: object) -> str:
    doc: dict[str, object] = {
        "org_unit_code": "28993",
        "period": "2024M05",
        "values": [{"element_code": "DANG_VIEN_MOI", "value": 4}],
    }
    doc.update(changes)
    return json.dumps(doc)


def test_json_numbers_keep_their_exact_text() -> None:
    text = report(
        values=[
            {"element_code": "A", "value": 0.1},
            {"element_code": "B", "value": 1752},
            {"element_code": "C", "value": 1752.0},
            {"element_code": "D", "value": "12.50", "note": ""},
        ]
    )
    text = text.replace("0.1", "0.10000000000000000001")  # beyond a float's precision
    rows = read("r.json", text).rows
    assert rows.get_column("value").to_list() == [
        "0.10000000000000000001",
        "1752",
        "1752.0",
        "12.50",
    ]
    assert rows.get_column("location").to_list() == [f"values[{i}]" for i in range(4)]
    assert rows.get_column("note").to_list() == [None] * 4


def test_json_values_of_other_kinds_keep_a_textual_form() -> None:
    text = (
        '{"org_unit_code": 28993, "period": "2024M05", "values": ['
        '{"element_code": "A", "value": true}, {"element_code": "B", "value": null},'
        '{"element_code": "C", "value": {"n": 1.50}}, {"element_code": "D", "value": NaN},'
        '{"element_code": "E", "value": [1, "x"]}]}'
    )
    rows = read("r.json", text).rows
    assert rows.get_column("value").to_list() == ["true", None, '{"n": 1.50}', "NaN", '[1, "x"]']
    assert rows.get_column("org_unit_code").unique().to_list() == ["28993"]


def test_json_report_fields_are_repeated_on_every_row() -> None:
    text = report(submitted_at="2024-05-16T09:00:00+07:00", submitted_by="Lan")
    row = read("r.json", text).rows.row(0, named=True)
    assert row["submitted_at"] == "2024-05-16T09:00:00+07:00"
    assert row["submitted_by"] == "Lan"


@pytest.mark.parametrize(
    ("text", "location", "english"),
    [
        ('"just text"', "", "not an object but a single value"),
        (report(values={"a": 1}), "values", 'the key "values" must be a list'),
        (report(values=[4]), "values[0]", "values[0] must be an object"),
        (report(values=[{"value": 4}]), "values[0]", 'missing key(s) "element_code" in values[0]'),
        (
            report(values=[{"element_code": "A", "value": 1, "unit": "người"}]),
            "values[0]",
            'unknown key(s) in values[0]: "unit"',
        ),
        ('{"period": "2024M05", "values": []}'.replace("[]", "[1]"), "", "missing key(s)"),
        (report()[:-1] + ', "period": "2024M06"}', "", 'key(s) "period" given more than once'),
    ],
)
def test_json_structure(text: str, location: str, english: str) -> None:
    result = read("r.json", text)
    assert result.rows.is_empty()
    found = [(p.check, p.location, p.message_en) for p in result.problems]
    assert any(
        check == "json_structure" and where == location and english in en
        for check, where, en in found
    ), found


def test_json_with_no_values_is_empty() -> None:
    check, location, _, en = only_problem(read("r.json", report(values=[])))
    assert (check, location) == ("empty_file", "values")
    assert "no values" in en


def test_json_too_deep_is_a_problem_not_a_crash() -> None:
    check, _, _, _ = only_problem(read("r.json", "[" * 100_000))
    assert check == "json_format"


# ---- other files -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("BAOCAO.XLS", "legacy Excel .xls: save it as .xlsx"),
        ("baocao.pdf", "file format '.pdf' is not accepted: send the report as .csv or .json"),
        ("baocao", "(no suffix) is not accepted"),
    ],
)
def test_files_that_are_not_read(name: str, english: str) -> None:
    check, _, vi, en = only_problem(read(name, b"anything"))
    assert check == "file_format"
    assert english in en
    assert vi != en


@settings(max_examples=150, deadline=None)
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.lists(st.sampled_from([*'{}[]",:\n\r 0123.aé\ufeff', "true", "null", '"values"'])).map(
            lambda parts: "".join(parts).encode("utf-8")
        ),
        st.lists(st.sampled_from([*',"\n\r ;x1', HEADER])).map(lambda p: "".join(p).encode()),
    ),
    suffix=st.sampled_from([".csv", ".json", ".xlsx"]),
)
def test_no_file_makes_the_reader_raise(content: bytes, suffix: str) -> None:
    result = read_submission(ReceivedFile.from_bytes("f" + suffix, content))
    assert dict(result.rows.schema) == ROW_SCHEMA
    assert bool(result.problems) != (result.rows.height > 0)
    assert all(p.check != "unreadable" for p in result.problems)
    assert all(p.message_vi and p.message_en for p in result.problems)


def test_rows_of_files_concatenate() -> None:
    first = read("a.csv", HEADER + "A,X,2024M05,1,\n").rows
    second = read("b.json", report()).rows
    assert pl.concat([first, second]).height == 2


def test_a_reader_bug_becomes_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from chitieu.sources import csv_files

    def broken(received: ReceivedFile) -> FileRead:
        raise KeyError("surprise")

    monkeypatch.setattr(csv_files, "read_csv", broken)
    check, _, vi, en = only_problem(read("r.csv", HEADER + "A,X,2024M05,1,\n"))
    assert check == "unreadable"
    assert "KeyError" in en
    assert "Không đọc được tệp" in vi


def test_a_json_number_with_an_exponent_is_read_in_digits_exactly() -> None:
    """As Python's json.dumps writes 0.00001 (``1e-05``): in digits, never through a
    float; beyond any report's figures it is left as written, for validation to refuse
    (``1e999999`` never becomes a million digits, nor ``0e-999999`` a million zeros)."""
    result = read_submission(ReceivedFile.from_path(DATA / "good_inputs/exponent_numbers.json"))
    assert result.rows.get_column("value").to_list() == ["4", "1752", "0.00001", "91.25"]
    values = ["1e999999", "0e-999999", "-2.5E-2", "1E+30", "1e31"]
    entries = ", ".join(f'{{"element_code": "E{i}", "value": {v}}}' for i, v in enumerate(values))
    document = f'{{"org_unit_code": "1", "period": "2024M05", "values": [{entries}]}}'
    rows = read("r.json", document).rows
    assert rows.get_column("value").to_list() == [
        "1e999999",
        "0e-999999",
        "-0.025",
        "1" + "0" * 30,
        "1e31",
    ]
