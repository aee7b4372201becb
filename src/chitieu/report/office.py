"""The review document as the printer sees it: LibreOffice headless turns the .docx into a
PDF, poppler reads its pages back (text, or a picture). For the tests and the README's
picture (`docs/render_report.py`); Debian's ``libreoffice-writer`` and ``poppler-utils``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from chitieu.errors import ChitieuError


class OfficeMissing(ChitieuError):
    """LibreOffice or poppler is not installed."""


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OfficeMissing(f"{name} is needed: apt-get install {package}")
    return found


def to_pdf(document: Path, folder: Path) -> Path:
    """``document`` printed to PDF in ``folder``, by a LibreOffice with a profile of its
    own (two conversions at once would otherwise share, and lock, the user's)."""
    soffice = _tool("soffice", "libreoffice-writer")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chitieu-office-") as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", "pdf", "--outdir", str(folder), str(document)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    return folder / f"{document.stem}.pdf"


def page_count(pdf: Path) -> int:
    info = subprocess.run(
        [_tool("pdfinfo", "poppler-utils"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def page_text(pdf: Path, page: int) -> str:
    """The text of one page (1 = the first), in its layout."""
    return subprocess.run(
        [_tool("pdftotext", "poppler-utils"), "-layout", "-f", str(page), "-l", str(page),
         str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


def page_png(pdf: Path, page: int, target: Path, dpi: int = 80) -> Path:
    """One page as a PNG picture."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stem = target.with_suffix("")
    subprocess.run(
        [_tool("pdftoppm", "poppler-utils"), "-png", "-r", str(dpi), "-f", str(page),
         "-l", str(page), "-singlefile", str(pdf), str(stem)],
        check=True, capture_output=True,
    )  # fmt: skip
    produced = stem.with_suffix(".png")
    if produced != target:
        produced.replace(target)
    return target
