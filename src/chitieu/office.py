"""What an Office file sent under another name is, by the parts its zip holds: a Word
document holds ``word/document.xml``, an Excel workbook ``xl/workbook.xml``. Said in a
refusal only (a ``.docx`` draft that is a workbook, a ``.csv`` report that is a Word
document), never used to read the file."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection
from typing import Final

ZIP_SIGNATURE: Final = b"PK\x03\x04"
"""How every zip, and so every .docx and .xlsx, begins."""
OLE2_SIGNATURE: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How a legacy Office file (.xls, .doc) begins."""
WORD, EXCEL, ZIP = "docx", "xlsx", "zip"


def zip_kind(content: bytes) -> str:
    """`WORD`, `EXCEL`, or `ZIP` for another zip, a damaged one included."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return parts_kind(package.namelist())
    except Exception:  # damaged or truncated: still a zip, of no kind it can be told to be
        return ZIP


def parts_kind(names: Collection[str]) -> str:
    """`WORD`, `EXCEL` or `ZIP`, for a zip holding the parts ``names``."""
    if "word/document.xml" in names:
        return WORD
    if "xl/workbook.xml" in names:
        return EXCEL
    return ZIP
