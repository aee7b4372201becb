"""Helpers shared by the text readers: strict UTF-8 decoding and the rows frame.

A decoding failure names the byte offset and the line, so that the data team can
open the file at the right place; a workbook, Word document or other zip sent under
a text name is recognised by its signature and the parts it holds
(`chitieu.office`) instead of being reported as a mysterious invalid byte.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Mapping, Sequence
from typing import cast

import polars as pl

from chitieu.office import EXCEL, OLE2_SIGNATURE, WORD, ZIP_SIGNATURE, zip_kind
from chitieu.sources import ROW_COLUMNS, FileProblem

# Signatures of the files a commune officer may send by mistake under a text name.


def problem(check: str, vi: str, en: str, location: str = "") -> FileProblem:
    return FileProblem(check=check, message_vi=vi, message_en=en, location=location)


def _may_be_decomposed(content: bytes) -> bool:
    """Whether ``content`` holds a byte that starts a combining mark U+0300–U+037F in
    UTF-8 (0xCC, 0xCD): the marks Vietnamese writes apart in NFD. Two byte searches (a
    national month of CSV is 200 MB: 6 ms), where checking every text for NFC takes 3 ns
    a character; a file without such a byte is in NFC as far as Vietnamese goes."""
    return b"\xcc" in content or b"\xcd" in content


def _zipped(content: bytes, kind: str) -> FileProblem:
    """A zip under a text name, told apart by the parts it holds."""
    found = zip_kind(content)
    if found == EXCEL:
        return problem(
            "file_format",
            f"Tệp có đuôi .{kind} nhưng thực chất là bảng tính Excel (.xlsx): "
            f"hãy xuất lại dưới dạng .{kind} hoặc gửi đúng tên tệp .xlsx.",
            f"the file is named .{kind} but is an Excel workbook (.xlsx): export it again "
            f"as .{kind}, or send it with its .xlsx name",
        )
    if found == WORD:
        return problem(
            "file_format",
            f"Tệp có đuôi .{kind} nhưng thực chất là văn bản Word (.docx), không phải báo cáo "
            f"số liệu: hãy gửi báo cáo dưới dạng .{kind} hoặc .xlsx.",
            f"the file is named .{kind} but is a Word document (.docx), not a report of "
            f"figures: send the report as .{kind} or .xlsx",
        )
    return problem(
        "file_format",
        f"Tệp có đuôi .{kind} nhưng thực chất là tệp nén (.zip), không phải bảng tính hay "
        f"văn bản Word: hãy gửi chính báo cáo dưới dạng .{kind} hoặc .xlsx, không nén.",
        f"the file is named .{kind} but is a zip archive, neither a workbook nor a Word "
        f"document: send the report itself as .{kind} or .xlsx, not compressed",
    )


def decode_utf8(content: bytes, kind: str) -> tuple[str | None, FileProblem | None]:
    """The text of a UTF-8 file (a leading BOM dropped), or why it is not one."""
    if content.startswith(ZIP_SIGNATURE):
        return None, _zipped(content, kind)
    if content.startswith(OLE2_SIGNATURE):
        return None, problem(
            "file_format",
            f"Tệp có đuôi .{kind} nhưng thực chất là tệp Excel cũ (.xls): "
            f"hãy xuất lại dưới dạng .{kind}.",
            f"the file is named .{kind} but is a legacy Excel .xls file: export it again "
            f"as .{kind}",
        )
    start = len(codecs.BOM_UTF8) if content.startswith(codecs.BOM_UTF8) else 0
    nul = content.find(b"\x00")
    if nul != -1:  # valid UTF-8, but no text holds it (and no database stores it)
        line = content[:nul].count(b"\n") + 1
        return None, problem(
            "nul_character",
            f"Tệp chứa ký tự NUL (byte 0x00) ở dòng {line}, vị trí byte {nul}: đây không phải "
            f"tệp văn bản, hoặc tệp bị hỏng (tệp Unicode UTF-16 cũng vậy). Hãy xuất lại dưới "
            f"dạng .{kind} UTF-8 rồi gửi lại.",
            f"the file holds a NUL character (byte 0x00) on line {line}, at byte offset "
            f"{nul}: it is not a text file, or it is damaged (a UTF-16 'Unicode text' file "
            f"is too); export it again as UTF-8 .{kind} and send it",
            f"line {line}",
        )
    try:
        text = content[start:].decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        line = content[:offset].count(b"\n") + 1
        byte = content[offset : offset + 1].hex().upper()
        return None, problem(
            "encoding",
            f"Tệp không phải văn bản UTF-8: byte 0x{byte} không hợp lệ ở vị trí byte "
            f"{offset} (dòng {line}). Hãy lưu lại tệp với bảng mã UTF-8 (trong Excel: "
            f"Lưu thành → CSV UTF-8).",
            f"the file is not UTF-8 text: invalid byte 0x{byte} at byte offset {offset} "
            f"(line {line}); save it again as UTF-8 (Excel: Save As → CSV UTF-8)",
            f"line {line}",
        )
    if _may_be_decomposed(content) and not unicodedata.is_normalized("NFC", text):
        # a Mac writes "ơ" as "o" and a mark: read in NFC, as a workbook is (codes,
        # periods and numbers are ASCII, which NFC leaves alone; the archive keeps the
        # bytes as sent)
        text = unicodedata.normalize("NFC", text)
    return text, None


def rows_frame(columns: Mapping[str, Sequence[str | None]]) -> pl.DataFrame:
    """The ``ROW_SCHEMA`` frame from text columns: cells stripped, empty → null,
    absent columns null. Stripped in Python: for a report-sized file, polars expressions
    cost more than the whole read (a national month is 10,000 files)."""
    height = len(columns["location"])
    return pl.DataFrame(
        [
            pl.Series(
                name,
                columns["location"] if name == "location" else _stripped(columns.get(name), height),
                dtype=pl.String,
            )
            for name in ROW_COLUMNS
        ]
    )


def _stripped(cells: Sequence[str | None] | None, height: int) -> list[str | None]:
    """Each cell stripped, empty → null (a column of text cells stripped in C)."""
    if cells is None:
        return [None] * height
    if None in cells:
        return [(cell.strip() or None) if cell is not None else None for cell in cells]
    stripped: list[str | None] = list(map(str.strip, cast(Sequence[str], cells)))
    return stripped if all(stripped) else [cell or None for cell in stripped]
