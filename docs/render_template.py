"""Render the workbook `chitieu template` writes to a PNG for the README.

    .venv/bin/python docs/render_template.py [--org 28987] [--period 2024M06] [-o PNG]

The workbook goes through LibreOffice headless (Debian's ``libreoffice-calc``) to PDF,
then ``pdftoppm`` (``poppler-utils``) to PNG, cropped to the printed area.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from chitieu.config import load_config
from chitieu.excel.template import template_workbook
from chitieu.periods import Period

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "giong_trom_2024" / "config"
DPI = 110
MARGIN = 12  # pixels kept around the printed area


def _bounding_box(pgm: bytes) -> tuple[int, int, int, int]:
    """x, y, width, height of the non-white pixels of a binary PGM (P5) image."""
    header: list[bytes] = []
    position = 0
    while len(header) < 4:  # magic, width, height, maxval; comments start with '#'
        end = pgm.index(b"\n", position)
        line = pgm[position:end]
        position = end + 1
        if not line.startswith(b"#"):
            header += line.split()
    width, height = int(header[1]), int(header[2])
    pixels = pgm[position:]
    rows = [y for y in range(height) if min(pixels[y * width : (y + 1) * width]) < 200]
    columns = [x for x in range(width) if min(pixels[x::width]) < 200]
    x0, x1 = max(columns[0] - MARGIN, 0), min(columns[-1] + MARGIN, width)
    y0, y1 = max(rows[0] - MARGIN, 0), min(rows[-1] + MARGIN, height)
    return x0, y0, x1 - x0, y1 - y0


def render(org: str, period: str, target: Path) -> Path:
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        raise SystemExit(
            "needs LibreOffice and poppler: apt-get install libreoffice-calc poppler-utils"
        )
    content = template_workbook(load_config(CONFIG), org, Period.parse(period))
    with tempfile.TemporaryDirectory() as tmp:
        workbook = Path(tmp) / f"{org}_{period}.xlsx"
        workbook.write_bytes(content)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
             "--convert-to", "pdf", "--outdir", tmp, str(workbook)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        pdf = workbook.with_suffix(".pdf")
        gray = subprocess.run(
            [pdftoppm, "-r", str(DPI), "-f", "1", "-l", "1", "-gray", str(pdf)],
            check=True, capture_output=True,
        ).stdout  # fmt: skip
        x, y, w, h = _bounding_box(gray)
        stem = Path(tmp) / "page"
        subprocess.run(
            [pdftoppm, "-r", str(DPI), "-f", "1", "-l", "1", "-png", "-singlefile",
             "-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h), str(pdf), str(stem)],
            check=True,
        )  # fmt: skip
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(stem.with_suffix(".png"), target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--org", default="28987")
    parser.add_argument("--period", default="2024M06")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    target = args.output or ROOT / "docs" / f"template-{args.org}-{args.period}.png"
    print(render(args.org, args.period, target))


if __name__ == "__main__":
    main()
