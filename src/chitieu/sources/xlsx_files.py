"""Workbook submissions (SPEC §2): the workbook `chitieu template` writes, filled in.

Everything is found by its label, never by a fixed coordinate: the report table is the
row holding "Mã chỉ tiêu" (on whichever sheet has one), its value and note columns are
the cells titled "Giá trị" and "Ghi chú" in that row, and the unit and period are the
cells to the right of "Mã đơn vị" and "Kỳ báo cáo" above it. Every row below the table
header with a value or a note is a row of the report, however far down, and carries its
own code: a row deleted from the table, like a value cell left empty ("no figure yet"),
is an element not reported, never a shifted value.

No silent loss. A cell is read as the officer sees it (numbers as typed, a number in a
percent format as the percent Excel shows, text in NFC), with its location
``BaoCao!D12``; what cannot be read as meant is reported at its cell
(`FileRead.cell_problems`) — a formula without a cached value, a formula error, a merged
range hiding a cell of the report, ``1.752`` stored as text (one thousand seven hundred
fifty-two, or one point seven five two?) — and the report's other rows are validated all
the same, so every problem comes out in one pass. Text such as ``n/a``, ``84,3`` or
``TRUE`` goes on to validation, which names the fault (not a number, decimal comma...).
Other sheets are ignored: officers keep working notes beside the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import polars as pl

from chitieu.excel import layout
from chitieu.office import OLE2_SIGNATURE
from chitieu.sources import ROW_SCHEMA, FileProblem, FileRead, ReceivedFile, empty_rows
from chitieu.sources._ooxml import Cell, Package, PackageError, PackageProblem, Sheet
from chitieu.sources._text import problem
from chitieu.sources.limits import (
    MAX_FIELD_CHARS,
    MAX_FILE_ROWS,
    MAX_TABLE_CHARS,
    field_too_long,
    rows_too_many,
    table_too_large,
)

# A text that validation would take for a decimal but a Vietnamese officer may have
# written as thousands: "1.752" (one group of three digits after the dot).
_AMBIGUOUS: Final = re.compile(r"^-?[1-9][0-9]{0,2}\.[0-9]{3}$")
_TABLE_KEY: Final = layout.label_key(layout.COLUMN_CODE)
_FIELD_KEYS: Final = {layout.label_key(label): f for f, label in layout.HEADER_FIELDS.items()}
_TEMPLATE_HINT_VI: Final = (
    "Hãy nhập số liệu vào mẫu báo cáo do huyện gửi (lệnh chitieu template) và giữ nguyên "
    "các dòng tiêu đề."
)
_TEMPLATE_HINT_EN: Final = (
    "fill in the report workbook the district sent (chitieu template) and keep its header rows"
)


@dataclass(frozen=True)
class _Table:
    sheet: Sheet
    header_row: int
    code_col: int
    value_col: int
    note_col: int | None


def read_xlsx(received: ReceivedFile) -> FileRead:
    """Rows of a filled-in template (``location`` = the value cell, ``BaoCao!D12``), the
    cells that cannot be read as meant, or the problems that make the file unreadable.

    A plain workbook is read by the fast path (`chitieu.sources._plain_xlsx`), which
    gives the reference reader's answer or declines; anything else by the reference."""
    from chitieu.sources._plain_xlsx import read_plain  # it builds on this module

    if not received.content.startswith(OLE2_SIGNATURE):
        plain = read_plain(received)
        if plain is not None:
            return plain
    return read_reference(received)


def read_reference(received: ReceivedFile) -> FileRead:
    """`read_xlsx` by the reference reader: every part parsed as XML, every cell a `Cell`."""
    if received.content.startswith(OLE2_SIGNATURE):
        return _failed(
            received,
            problem(
                "file_format",
                "Tệp có đuôi .xlsx nhưng là tệp Excel cũ (.xls) hoặc tệp có đặt mật khẩu: hãy "
                "mở bằng Excel, bỏ mật khẩu nếu có, chọn Lưu thành → Sổ làm việc Excel (.xlsx) "
                "rồi gửi lại.",
                "the file is named .xlsx but is a legacy .xls file or a password-protected "
                "workbook: open it in Excel, remove any password, Save As → Excel Workbook "
                "(.xlsx) and send it again",
            ),
        )
    try:
        package = Package(received.content)
    except PackageError as exc:
        return _failed(received, _package_problem(exc))
    try:
        return _read(received, package)
    except PackageError as exc:
        return _failed(received, _package_problem(exc))
    finally:
        package.close()


def _package_problem(exc: PackageError) -> FileProblem:
    return exc.problem if isinstance(exc, PackageProblem) else _damaged(str(exc))


def _read(received: ReceivedFile, package: Package) -> FileRead:
    tables: list[_Table | FileProblem] = []
    for name, state, part in package.sheets:
        sheet = package.sheet(name, state, part)
        tables += [_table(sheet, row) for row in _header_rows(sheet)]
    if not tables:
        return _failed(
            received,
            problem(
                "xlsx_structure",
                f"Không tìm thấy bảng số liệu: tệp không có ô tiêu đề '{layout.COLUMN_CODE}'. "
                + _TEMPLATE_HINT_VI,
                f"no report table found: the workbook has no cell titled "
                f"'{layout.COLUMN_CODE}'; {_TEMPLATE_HINT_EN}",
            ),
        )
    if len(tables) > 1:
        where = ", ".join(
            t.location
            if isinstance(t, FileProblem)
            else layout.cell_location(t.sheet.name, t.header_row, t.code_col)
            for t in tables
        )
        return _failed(
            received,
            problem(
                "xlsx_structure",
                f"Tệp có {len(tables)} bảng số liệu ({where}): mỗi tệp chỉ gửi một báo cáo của "
                "một đơn vị trong một kỳ; xóa trang hoặc bảng thừa rồi gửi lại.",
                f"the workbook holds {len(tables)} report tables ({where}): one file carries "
                "one report of one unit and period; delete the extra sheet or table",
            ),
        )
    table = tables[0]
    if isinstance(table, FileProblem):
        return _failed(received, table)
    return _rows(received, table)


def _failed(received: ReceivedFile, *problems: FileProblem) -> FileRead:
    return FileRead(received.source_name, "xlsx", empty_rows(), list(problems))


def _damaged(reason: str) -> FileProblem:
    return problem(
        "file_format",
        f"Không đọc được bảng tính ({reason}): tệp bị hỏng hoặc không phải .xlsx. Hãy mở bằng "
        "Excel, chọn Lưu thành → Sổ làm việc Excel (.xlsx) rồi gửi lại.",
        f"the workbook cannot be read ({reason}): the file is damaged or not an .xlsx; open "
        "it in Excel, Save As → Excel Workbook (.xlsx) and send it again",
    )


def _has_content(cell: Cell | None) -> bool:
    return cell is not None and (cell.kind != "text" or cell.text.strip() != "")


def _header_rows(sheet: Sheet) -> list[int]:
    return sorted(
        {
            row
            for (row, _), cell in sheet.cells.items()
            if cell.kind == "text" and layout.label_key(cell.text) == _TABLE_KEY
        }
    )


def _table(sheet: Sheet, header_row: int) -> _Table | FileProblem:
    titles = {
        layout.label_key(cell.text): col
        for (row, col), cell in sorted(sheet.cells.items())
        if row == header_row and cell.kind == "text"
    }
    value_col = titles.get(layout.label_key(layout.COLUMN_VALUE))
    if value_col is None:
        where = layout.cell_location(sheet.name, header_row, titles[_TABLE_KEY])
        return problem(
            "xlsx_structure",
            f"Bảng số liệu ({where}) không có cột '{layout.COLUMN_VALUE}' trên dòng tiêu đề. "
            + _TEMPLATE_HINT_VI,
            f"the report table ({where}) has no column titled '{layout.COLUMN_VALUE}'; "
            + _TEMPLATE_HINT_EN,
            where,
        )
    return _Table(
        sheet,
        header_row,
        titles[_TABLE_KEY],
        value_col,
        titles.get(layout.label_key(layout.COLUMN_NOTE)),
    )


def _header_fields(table: _Table) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """The cell of each header field (right of its label, above the table), and the
    labels not found."""
    cells = table.sheet.cells
    found: dict[str, tuple[int, int]] = {}
    for (row, col), cell in sorted(cells.items()):
        if row >= table.header_row or cell.kind != "text":
            continue
        field = _FIELD_KEYS.get(layout.label_key(cell.text))
        if field is None or field in found:
            continue
        right = sorted(c for (r, c), v in cells.items() if r == row and c > col and _has_content(v))
        found[field] = (row, right[0] if right else col + 1)
    missing = [label for f, label in layout.HEADER_FIELDS.items() if f not in found]
    return found, missing


def _rows(received: ReceivedFile, table: _Table) -> FileRead:
    sheet = table.sheet
    fields, missing = _header_fields(table)
    if missing:
        labels = ", ".join(f"'{label}'" for label in missing)
        where = layout.cell_location(sheet.name, table.header_row, table.code_col)
        return _failed(
            received,
            problem(
                "xlsx_structure",
                f"Không tìm thấy ô {labels} phía trên bảng số liệu ({where}). " + _TEMPLATE_HINT_VI,
                f"no cell labelled {labels} above the report table ({where}); " + _TEMPLATE_HINT_EN,
                where,
            ),
        )
    given = [table.value_col] + ([table.note_col] if table.note_col else [])
    body = sorted(
        {
            row
            for (row, col), cell in sheet.cells.items()
            if row > table.header_row and col in given and _has_content(cell)
        }
    )
    if not body:
        where = layout.cell_location(sheet.name, table.header_row, table.value_col)
        return _failed(
            received,
            problem(
                "empty_file",
                f"Báo cáo chưa có số liệu: không ô nào của cột '{layout.COLUMN_VALUE}' ({where}) "
                "được nhập.",
                f"the report has no figures: no cell of the '{layout.COLUMN_VALUE}' column "
                f"({where}) is filled in",
                where,
            ),
        )
    columns = [table.code_col, *given]
    reader = _CellReader(sheet)
    header = {field: reader.text(row, col, None) for field, (row, col) in fields.items()}
    codes = {row: reader.text(row, table.code_col, None) for row in body}
    values = [reader.text(row, table.value_col, codes[row], value=True) for row in body]
    notes = [
        reader.text(row, table.note_col, codes[row]) if table.note_col else None for row in body
    ]
    # a merge may have emptied a value cell (Excel keeps the first value only): every
    # row with a code counts, not only the rows that still carry a value
    table_rows = {
        r
        for (r, c), cell in sheet.cells.items()
        if r > table.header_row and c in columns and _has_content(cell)
    }
    read_cells = set(fields.values()) | {(row, col) for row in table_rows for col in columns}
    code_cells = {r: sheet.cells.get((r, table.code_col)) for r in table_rows}
    row_codes = {r: cell.text if cell else None for r, cell in code_cells.items()}
    cell_problems = reader.problems + _merge_problems(sheet, read_cells, row_codes)
    return report_read(
        received,
        sheet.name,
        (table.code_col, table.value_col, table.note_col),
        {field: (row, col, _stripped(header[field])) for field, (row, col) in fields.items()},
        body,
        [_stripped(code) for code in codes.values()],
        list(map(_stripped, values)),
        list(map(_stripped, notes)),
        cell_problems,
    )


def report_read(
    received: ReceivedFile,
    sheet: str,
    table_cols: tuple[int, int, int | None],
    fields: dict[str, tuple[int, int, str | None]],
    body: list[int],
    codes: list[str | None],
    values: list[str | None],
    notes: list[str | None],
    cell_problems: list[FileProblem],
) -> FileRead:
    """The `FileRead` of a report table: ``fields`` the cell and text of each header field,
    ``body`` the sheet rows of the report, with their code, value and note texts, all as
    the rows carry them (`_stripped`); ``table_cols`` the columns of the codes, values
    and notes."""
    code_col, value_col, _ = table_cols
    height = len(body)
    at = f"{layout.sheet_ref(sheet)}!{layout.column_letter(value_col)}"  # `cell_location`
    if height > MAX_FILE_ROWS:
        return _failed(received, rows_too_many(f"{at}{body[MAX_FILE_ROWS]}"))
    long = _long_cell(sheet, table_cols, fields, body, [codes, values, notes])
    if long is not None:
        return _failed(received, long)
    chars = sum(sum(map(len, filter(None, column))) for column in (codes, values, notes))
    if chars > MAX_TABLE_CHARS:  # shared strings named again and again
        return _failed(received, table_too_large(chars, layout.sheet_ref(sheet)))
    columns: dict[str, list[str | None]] = {
        "org_unit_code": [fields["org_unit_code"][2]] * height,
        "element_code": codes,
        "period": [fields["period"][2]] * height,
        "value": values,
        "note": notes,
        "submitted_at": [None] * height,
        "submitted_by": [None] * height,
        "location": [f"{at}{row}" for row in body],
    }
    # a frame of Series costs less to build than one from a dict of lists
    rows = pl.DataFrame([pl.Series(name, columns[name], pl.String) for name in ROW_SCHEMA])
    location = layout.cell_location
    return FileRead(
        received.source_name,
        "xlsx",
        rows,
        field_cells={f: location(sheet, r, c) for f, (r, c, _) in fields.items()},
        field_columns={"element_code": layout.column_letter(code_col)},
        cell_problems=cell_problems,
    )


def _long_cell(
    sheet: str,
    columns: tuple[int, int, int | None],
    fields: dict[str, tuple[int, int, str | None]],
    body: list[int],
    texts: list[list[str | None]],
) -> FileProblem | None:
    """The first cell of the report longer than a field can be, if any."""
    cells = list(fields.values())
    longest = max(max(map(len, filter(None, column)), default=0) for column in texts)
    if longest <= MAX_FIELD_CHARS and all(len(t or "") <= MAX_FIELD_CHARS for *_, t in cells):
        return None  # the common case, measured in C
    for column, column_texts in zip(columns, texts, strict=True):
        cells += [(row, column or 0, text) for row, text in zip(body, column_texts, strict=True)]
    row, col, text = next(c for c in sorted(cells) if len(c[2] or "") > MAX_FIELD_CHARS)
    return field_too_long(len(text or ""), layout.cell_location(sheet, row, col))


class _CellReader:
    """Cell texts as the officer sees them, and the problems of the cells that cannot be
    read as meant."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.problems: list[FileProblem] = []

    def text(self, row: int, col: int, code: str | None, value: bool = False) -> str | None:
        cell = self.sheet.cells.get((row, col))
        if cell is None:
            return None
        where = layout.cell_location(self.sheet.name, row, col)
        if cell.kind == "formula_no_value":
            self._report(
                "xlsx_formula_no_value",
                f"Ô {where} có công thức {cell.formula} nhưng tệp không lưu kết quả đã tính, nên "
                "không đọc được giá trị. Hãy mở tệp bằng Excel hoặc LibreOffice cho bảng tính tự "
                "tính, lưu lại rồi gửi; hoặc nhập trực tiếp số liệu vào ô.",
                f"cell {where} holds the formula {cell.formula} but the file carries no "
                "calculated result, so there is no value to read: open the file in Excel or "
                "LibreOffice, let it calculate, save and send it again, or type the figure in",
                where,
                cell.text,
                code,
            )
        elif cell.kind == "error":
            formula = f" ({cell.formula})" if cell.formula else ""
            self._report(
                "xlsx_formula_error",
                f"Ô {where} có giá trị lỗi {cell.text}{formula}: sửa công thức hoặc nhập trực "
                "tiếp số liệu vào ô.",
                f"cell {where} holds the error value {cell.text}{formula}: correct the formula "
                "or type the figure in",
                where,
                cell.text,
                code,
            )
        elif value and cell.kind == "text" and _AMBIGUOUS.match(cell.text.strip()):
            typed = cell.text.strip()
            thousands = typed.replace(".", "")
            self._report(
                "xlsx_ambiguous_number",
                f"Ô {where} chứa '{typed}' dạng chữ (văn bản), không phải dạng số: không rõ là "
                f"{thousands} (dấu chấm ngăn cách hàng nghìn) hay {typed.replace('.', ',')} "
                "(số thập phân). Xóa ô rồi nhập lại số liệu dưới dạng số.",
                f"cell {where} holds '{typed}' as text, not as a number: it may mean {thousands} "
                f"(a dot grouping thousands) or {typed} (a decimal point); clear the cell and "
                "type the figure again as a number",
                where,
                typed,
                code,
            )
        return cell.text

    def _report(
        self, check: str, vi: str, en: str, where: str, typed: str, code: str | None
    ) -> None:
        self.problems.append(
            FileProblem(check, vi, en, where, value=typed, element_code=_code(code))
        )


def _stripped(text: str | None) -> str | None:
    """A cell's text as the rows carry it (`rows_frame`'s rule): stripped, empty → null.
    Built here rather than with `rows_frame`: polars expressions cost more than the whole
    read of a report-sized sheet."""
    return (text.strip() or None) if text is not None else None


def _code(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def _merge_problems(
    sheet: Sheet, read_cells: set[tuple[int, int]], codes: dict[int, str | None]
) -> list[FileProblem]:
    """A merged range that hides cells the report is read from (any but its first):
    reported at the first hidden cell, whose value the officer no longer sees."""
    problems = []
    for first_row, first_col, last_row, last_col in sorted(sheet.merged):
        hidden = sorted(
            (row, col)
            for row, col in read_cells
            if first_row <= row <= last_row
            and first_col <= col <= last_col
            and (row, col) != (first_row, first_col)
        )
        if not hidden:
            continue
        row, col = hidden[0]
        where = layout.cell_location(sheet.name, row, col)
        span = (
            f"{layout.column_letter(first_col)}{first_row}:"
            f"{layout.column_letter(last_col)}{last_row}"
        )
        covered = ", ".join(f"{layout.column_letter(c)}{r}" for r, c in hidden)
        under = sheet.cells.get((row, col))
        problems.append(
            FileProblem(
                "xlsx_merged_cell",
                f"Các ô {span} bị gộp (Hợp nhất ô), che mất ô {covered} của báo cáo: bỏ gộp ô "
                "(Trang đầu → Hợp nhất và Căn giữa → Bỏ hợp nhất ô), kiểm tra lại số liệu từng "
                "dòng rồi gửi lại.",
                f"cells {span} are merged, hiding {covered} of the report: unmerge them "
                "(Home → Merge & Center → Unmerge Cells), check each row's figure and send the "
                "file again",
                where,
                value=under.text if under is not None else None,
                element_code=_code(codes.get(row)),
            )
        )
    return problems
