"""Messages a commune officer acts on (issue 14, item 5), each with its wording: a decimal
comma in a whole-number element is told it must be a whole number (never "use a dot");
in a decimal element of a workbook, to type the number as a number in the cell; in a
workbook, to leave the cell empty rather than "remove the element"; the element's
Vietnamese name beside its code; a file sent again after its rejection is still
rejected, says why, and is listed with the rejected reports."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from chitieu import pipeline
from chitieu.cli.intake import format_outcome
from chitieu.config import Config, load_config
from chitieu.dashboard_checks import still_rejected_reports
from chitieu.examples import example_dir
from chitieu.excel.template import template_workbook
from chitieu.intake import plan_intake
from chitieu.periods import Period
from chitieu.sources import ReceivedFile, read_submission
from chitieu.warehouse import open_warehouse

DATA = Path(__file__).parent / "data"
MESSAGES = DATA / "messages"
RECEIVED = dt.datetime(2024, 6, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(DATA / "intake_config")


@pytest.fixture(scope="module")
def example() -> Config:
    return load_config(example_dir() / "config")


def only_issue(config: Config, received: ReceivedFile) -> dict[str, str]:
    batch = plan_intake([received], [read_submission(received)], config, set(), RECEIVED)
    (issue,) = batch.issues.iter_rows(named=True)
    return issue


def workbook(example: Config, tmp_path: Path, values: dict[str, float | str]) -> ReceivedFile:
    """Xã Mỹ Thạnh's May workbook, as the template makes it, with ``values`` typed in."""
    path = tmp_path / "28993_2024M05.xlsx"
    path.write_bytes(template_workbook(example, "28993", Period.parse("2024M05"), values))
    return ReceivedFile.from_path(path)


@pytest.mark.parametrize(
    "name", ["whole_number_with_decimal_comma.csv", "whole_number_one_comma_five.csv"]
)
def test_a_decimal_comma_in_a_whole_number_element(config: Config, name: str) -> None:
    issue = only_issue(config, ReceivedFile.from_path(MESSAGES / name))
    assert issue["check"] == "value_vietnamese_format"
    assert issue["message_vi"].endswith(
        "phải là số nguyên (không có phần thập phân): kiểm tra lại số liệu."
    )
    assert issue["message_en"].endswith("must be a whole number: check the figure")
    for advice in ("dấu chấm", "84.3", "1.5", "'.'", "decimal point"):
        assert advice not in issue["message_vi"] + issue["message_en"]


def test_a_decimal_comma_in_a_csv_decimal_element_names_the_figure(config: Config) -> None:
    """A CSV file writes '.' as its decimal mark (SPEC §2): there, the figure to write is
    the right advice."""
    issue = only_issue(config, ReceivedFile.from_path(MESSAGES / "decimal_with_decimal_comma.csv"))
    assert issue["message_vi"] == (
        "Giá trị '84,3' của chỉ tiêu THU_NHAP (Thu nhập bình quân đầu người) viết theo kiểu "
        "dấu phẩy thập phân: hãy ghi 84.3 (dùng dấu chấm '.' cho phần thập phân, không dùng "
        "dấu ngăn cách hàng nghìn)."
    )


def test_a_decimal_comma_in_a_workbook_is_typed_again_as_a_number(
    example: Config, tmp_path: Path
) -> None:
    issue = only_issue(example, workbook(example, tmp_path, {"RAC_THU_GOM": "84,3"}))
    assert issue["message_vi"] == (
        "Giá trị '84,3' của chỉ tiêu RAC_THU_GOM (Tỷ lệ chất thải rắn sinh hoạt được thu gom, "
        "xử lý) là chữ (văn bản) có dấu phẩy hoặc dấu chấm ngăn cách: xóa ô rồi nhập lại số "
        "liệu dưới dạng số trong ô (Excel tự dùng dấu thập phân theo cài đặt của máy tính)."
    )
    assert issue["message_en"].endswith(
        "clear the cell and type the figure as a number in the cell (Excel's regional "
        "settings decide the decimal mark)"
    )
    assert "dấu chấm '.'" not in issue["message_vi"]


def test_a_whole_number_with_a_decimal_comma_in_a_workbook(example: Config, tmp_path: Path) -> None:
    issue = only_issue(example, workbook(example, tmp_path, {"DANG_VIEN_MOI": "1,5"}))
    assert issue["message_vi"] == (
        "Giá trị '1,5' của chỉ tiêu DANG_VIEN_MOI (Số đảng viên mới được kết nạp) phải là số "
        "nguyên (không có phần thập phân): kiểm tra lại số liệu."
    )


def test_in_a_workbook_leave_the_cell_empty(example: Config, tmp_path: Path) -> None:
    """A district element typed into a commune's workbook, and "n/a" in a value cell."""
    received = workbook(example, tmp_path, {})
    book = openpyxl.load_workbook(io.BytesIO(received.content))
    sheet = book["BaoCao"]
    row = sheet.max_row + 2
    sheet.cell(row, 1, "GTSX_CN")
    sheet.cell(row, 4, 12)
    path = tmp_path / "28993_2024M05_them.xlsx"
    book.save(path)
    issue = only_issue(example, ReceivedFile.from_path(path))
    assert issue["check"] == "element_wrong_level"
    assert issue["message_vi"].endswith(": để trống ô giá trị của chỉ tiêu này.")
    assert issue["message_en"].endswith(": leave its value cell empty")
    assert "khỏi báo cáo" not in issue["message_vi"]

    typed = only_issue(example, workbook(example, tmp_path, {"HO_NGHEO": "n/a"}))
    assert typed["message_vi"] == (
        "Giá trị 'n/a' của chỉ tiêu HO_NGHEO (Số hộ nghèo cuối kỳ) không phải là số. Nhập số "
        "liệu dưới dạng số vào ô; nếu chưa có số liệu, để trống ô."
    )


def test_every_message_names_the_element_by_its_name(config: Config) -> None:
    for name in sorted(MESSAGES.glob("*.csv")):
        batch = plan_intake(
            [f := ReceivedFile.from_path(name)], [read_submission(f)], config, set(), RECEIVED
        )
        for issue in batch.issues.iter_rows(named=True):
            code = issue["element_code"]
            vi, en = config.catalog.element(code).name, config.catalog.element(code).name_en
            assert f"{code} ({vi})" in issue["message_vi"], issue
            assert f"{code} ({en or vi})" in issue["message_en"], issue


def test_a_file_sent_again_after_its_rejection_is_still_rejected(
    config: Config, tmp_path: Path
) -> None:
    source = MESSAGES / "rejected_then_sent_again.csv"
    again = tmp_path / "28993_2024M05_gui_lai.csv"
    again.write_bytes(source.read_bytes())
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        first = pipeline.ingest_batch([source], config, wh, tmp_path / "a", RECEIVED)
        later = RECEIVED + dt.timedelta(days=2)
        second = pipeline.ingest_batch([again], config, wh, tmp_path / "a", later)
        statuses = wh.submissions()["status"].to_list()
    assert first.outcomes[0].status == "rejected"
    (outcome,) = second.outcomes
    assert outcome.status == "still rejected"
    assert outcome.problem_count == 1
    assert outcome.first_problem == first.outcomes[0].first_problem
    assert statuses == ["rejected", "duplicate"]  # nothing recorded changes
    assert format_outcome(outcome).splitlines() == [
        f"vẫn bị từ chối (đã gửi trước) / still rejected (sent before) {again}",
        f"    {first.outcomes[0].first_problem}",
    ]
    listed = still_rejected_reports(second.still_rejected, config.org_units)
    assert listed.select("org_unit_code", "name", "period", "file", "problems").rows() == [
        ("28993", "Xã Mỹ Thạnh", "2024M05", again.name, 1)
    ]
    assert (
        listed["first_problem"]
        .item()
        .startswith(
            "vẫn bị từ chối như lần gửi ngày 20/06/2024 / still rejected as when sent on "
            "2024-06-20: line 2: Giá trị '-4' của chỉ tiêu DANG_VIEN_MOI"
        )
    )
    # a file sent again after it was accepted is a plain duplicate
    with open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}") as wh:
        fine = tmp_path / "fine.csv"
        fine.write_text("org_unit_code,element_code,period,value\n28993,HO_NGHEO,2024M04,40\n")
        pipeline.ingest_batch([fine], config, wh, tmp_path / "a", RECEIVED)
        copy = tmp_path / "fine_copy.csv"
        copy.write_bytes(fine.read_bytes())
        done = pipeline.ingest_batch([copy], config, wh, tmp_path / "a", RECEIVED)
    assert [o.status for o in done.outcomes] == ["duplicate"]
    assert done.still_rejected.is_empty()


def test_a_note_and_a_sender_typed_on_a_mac_are_kept_in_nfc(example: Config) -> None:
    """A CSV saved on a Mac (NFD: "ơ" as "o" and a mark) gives the same note and sender
    as a workbook's, which is read in NFC: what the Excel export and the trace show."""
    note, sender = "Số liệu ước tính, chờ xác nhận", "Văn phòng - Thống kê xã Phong Nẫm"
    text = (
        "org_unit_code,element_code,period,value,note,submitted_at,submitted_by\n"
        f'28987,DANG_VIEN_MOI,2024M05,2,"{note}",2024-05-16T09:00:00+07:00,{sender}\n'
    )
    received = ReceivedFile.from_bytes(
        "28987_2024M05.csv", unicodedata.normalize("NFD", text).encode()
    )
    batch = plan_intake([received], [read_submission(received)], example, set(), RECEIVED)
    assert batch.values.get_column("note").to_list() == [note]
    assert batch.submissions.get_column("submitted_by").to_list() == [sender]
