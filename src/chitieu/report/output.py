"""A report in a format, as text or as a file; files are written whole under a temporary
name beside the target and renamed, so a failure leaves no half-written report."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from chitieu.files import write_through_temporary
from chitieu.report.model import ReportModel

TEXT_FORMATS: Final = ("md", "html", "json")
FILE_FORMATS: Final = ("xlsx", "docx")
FORMATS: Final = (*TEXT_FORMATS, *FILE_FORMATS)


def render_text(model: ReportModel, fmt: str) -> str:
    if fmt == "md":
        from chitieu.report.markdown import render_markdown

        return render_markdown(model)
    if fmt == "html":
        from chitieu.report.html import render_html

        return render_html(model)
    if fmt == "json":
        from chitieu.report.json_ import render_json

        return render_json(model)
    raise ValueError(f"not a text format: {fmt}")


def write_report(
    model: ReportModel, fmt: str, path: Path, config_folder: Path | None = None
) -> Path:
    """The report as a file; a Word document from ``config_folder``'s
    ``report_template.docx`` when there is one."""
    if fmt in TEXT_FORMATS:
        text = render_text(model, fmt)

        def write_text(target: Path) -> None:
            target.write_text(text, encoding="utf-8")

        return write_through_temporary(path, write_text)
    if fmt == "xlsx":
        from chitieu.report.xlsx import write_xlsx

        return write_through_temporary(path, lambda p: write_xlsx(model, p))
    if fmt == "docx":
        from chitieu.report.docx import template_for, write_docx

        template = template_for(model, config_folder)
        return write_through_temporary(path, lambda p: write_docx(model, p, template))
    raise ValueError(f"unknown report format: {fmt}")
