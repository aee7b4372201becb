"""Files in: gather submission files, archive-ready bytes, and read them as text rows.

Every cell is read as text; casting and checking happen in `chitieu.schemas`, so no
value is ever silently nulled, dropped or rounded on the way in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from chitieu.errors import SubmissionRejected, fault_reason

# The columns of a submission row as read from any format, all text.
ROW_COLUMNS: Final = (
    "org_unit_code",
    "element_code",
    "period",
    "value",
    "note",
    "submitted_at",
    "submitted_by",
    "location",  # where a person finds the row: "line 5", "values[2]", "BaoCao!D12"
)
ROW_SCHEMA: Final = dict.fromkeys(ROW_COLUMNS, pl.String)


class FileRefused(SubmissionRejected):
    """A path that is not read as a submission (`chitieu.sources.inbox`)."""


@dataclass(frozen=True)
class ReceivedFile:
    """A file as received: its name, its bytes and their SHA-256."""

    source_name: str
    content: bytes
    sha256: str

    @classmethod
    def from_bytes(cls, source_name: str, content: bytes) -> ReceivedFile:
        return cls(source_name, content, hashlib.sha256(content).hexdigest())

    @classmethod
    def from_path(cls, path: Path) -> ReceivedFile:
        """The regular file at ``path`` (`chitieu.sources.inbox.receive`); raises
        `FileRefused` for anything else: a link, a pipe, a device, a file too large."""
        from chitieu.sources.inbox import receive

        received = receive(path)
        if not isinstance(received, ReceivedFile):
            raise FileRefused(f"{received.source_name}: {received.message}")
        return received

    @property
    def ref(self) -> FileRef:
        return FileRef(self.source_name, self.sha256)


@dataclass(frozen=True)
class FileRef:
    """A received file without its bytes (kept in the archive): what its receipt names."""

    source_name: str
    sha256: str


@dataclass(frozen=True)
class FileProblem:
    """Why a file is not a submission at all (wrong format, not UTF-8, wrong columns...)."""

    check: str
    message_vi: str
    message_en: str
    location: str = ""
    value: str | None = None  # a cell problem: the cell's content as typed
    element_code: str | None = None  # a cell problem: the element of its row


@dataclass(frozen=True)
class FileRead:
    """The rows of one file (``ROW_SCHEMA``), or the problems that make it unreadable.

    A workbook also says where it writes each field (``field_cells``: a report-level
    field's cell, ``BaoCao!B4``; ``field_columns``: the column of a per-row field other
    than the value, ``A`` for the element code), so that issues point at the right cell;
    and its ``cell_problems``: cells that cannot be read as meant (a formula without a
    value...). Those reject the report, but its rows are still validated, so every
    problem of the report comes out in one pass (`chitieu.schemas.findings`).
    """

    source_name: str
    format: str
    rows: pl.DataFrame
    problems: list[FileProblem] = field(default_factory=list)
    field_cells: dict[str, str] = field(default_factory=dict)
    field_columns: dict[str, str] = field(default_factory=dict)
    cell_problems: list[FileProblem] = field(default_factory=list)


def empty_rows() -> pl.DataFrame:
    return pl.DataFrame(schema=ROW_SCHEMA)


SUBMISSION_SUFFIXES: Final = (".csv", ".json", ".xlsx")


def gather(inputs: Sequence[Path]) -> list[Path]:
    """The regular files to ingest under ``inputs`` (`chitieu.sources.inbox.gather_inbox`,
    which also says which entries it refuses and why)."""
    from chitieu.sources.inbox import gather_inbox

    return gather_inbox(inputs).paths


LEGACY_EXCEL: Final = ".xls"
WORKBOOK: Final = ".xlsx"


def read_submission(received: ReceivedFile) -> FileRead:
    """The rows of one received file, by its suffix (case-insensitive).

    Never raises for a malformed file: whatever goes wrong becomes a `FileProblem`.
    """
    from chitieu.sources.csv_files import read_csv
    from chitieu.sources.json_files import read_json
    from chitieu.sources.limits import MAX_FILE_BYTES, file_too_large
    from chitieu.sources.xlsx_files import read_xlsx

    readers = {".csv": read_csv, ".json": read_json, WORKBOOK: read_xlsx}
    suffix = Path(received.source_name).suffix.lower()
    format_ = suffix.lstrip(".")
    reader = readers.get(suffix)
    if len(received.content) > MAX_FILE_BYTES:  # `inbox.receive` refuses it unread
        return FileRead(
            received.source_name, format_, empty_rows(), [file_too_large(len(received.content))]
        )
    if reader is not None:
        try:
            return reader(received)
        except Exception as exc:  # a reader bug must not lose the file: report it
            return _unreadable(received, format_, exc)
    if suffix == LEGACY_EXCEL:
        problem = FileProblem(
            "file_format",
            "Tệp Excel cũ (.xls): hãy lưu lại dưới dạng .xlsx (Excel: Lưu thành → Sổ làm việc "
            "Excel .xlsx), hoặc xuất ra .csv.",
            "legacy Excel .xls: save it as .xlsx (Excel: Save As → Excel Workbook .xlsx), "
            "or export it as .csv",
        )
    else:
        accepted = " hoặc ".join(readers)
        accepted_en = " or ".join(readers)
        shown = f"'{suffix}'" if suffix else "(không có đuôi)"
        shown_en = f"'{suffix}'" if suffix else "(no suffix)"
        problem = FileProblem(
            "file_format",
            f"Định dạng tệp {shown} không được nhận: hãy gửi báo cáo dưới dạng {accepted}.",
            f"file format {shown_en} is not accepted: send the report as {accepted_en}",
        )
    return FileRead(received.source_name, format_, empty_rows(), [problem])


def _unreadable(received: ReceivedFile, format_: str, exc: Exception) -> FileRead:
    reason = fault_reason(exc)
    problem = FileProblem(
        "unreadable",
        f"Không đọc được tệp ({reason}): hãy kiểm tra tệp và gửi lại, hoặc báo cho tổ dữ liệu "
        "của huyện.",
        f"the file cannot be read ({reason}): check it and send it again, or tell the "
        "district data team",
    )
    return FileRead(received.source_name, format_, empty_rows(), [problem])


def report_field_location(location: pl.Expr, field: str | pl.Expr) -> pl.Expr:
    """Where a report-level field (``org_unit_code``, ``period``, ``submitted_at``) is
    written, given the location of one row of the report.

    A CSV repeats it on every line; a JSON report gives it once, as a top-level key.
    """
    return (
        pl.when(location.str.starts_with("values["))
        .then(pl.lit(field) if isinstance(field, str) else field)
        .otherwise(location)
    )
