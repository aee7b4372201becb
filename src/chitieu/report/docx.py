"""The review document (SPEC §6) as a Word file, from a Word template (docxtpl).

The template is a .docx with Jinja tags where the figures go (``{{ summary }}``, a table
row ``{%tr for row in group.rows %}``...): a data team restyles it in Word and saves it as
``report_template.docx`` in its configuration folder, which then replaces the built-in
one (``templates/party.docx`` or ``templates/state.docx``, by ``report: body_type``).
Every value is escaped; the charts are PNG pictures drawn by matplotlib.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any, Final

import jinja2
import jinja2.meta
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2.sandbox import ImmutableSandboxedEnvironment

from chitieu.errors import ReportTemplateError
from chitieu.report import bounded, png
from chitieu.report.cells import indicator_cells
from chitieu.report.completeness import annex_note, annex_rows
from chitieu.report.labels import NO_TARGETS, review_title
from chitieu.report.model import ReportModel
from chitieu.report.numbers import format_date, format_percent, format_time
from chitieu.report.quality import DOCUMENT_ROWS

TEMPLATES: Final = Path(__file__).resolve().parent / "templates"
CUSTOM_TEMPLATE: Final = "report_template.docx"
CONTEXT: Final = frozenset(
    {
        "doc", "review", "revision", "published", "content_sha256", "source_line", "total",
        "summary", "completeness_line", "groups", "annex_units", "untargeted", "months",
        "completeness", "completeness_note", "recipients", "signature", "charts", "quality",
    }
)  # fmt: skip
"""Every name a template may use (see the README for what each holds)."""
REQUIRED: Final = ("summary", "groups", "content_sha256")
"""What a template must print: the summary sentence, the figures and the revision's
hash (a document without them could not be checked against the revision)."""
STATE_LEGEND: Final = (
    "Đúng hạn, trễ hạn: báo cáo đã nhận, trước hoặc sau hạn gửi (hai ngày làm việc sau "
    "ngày 14); chưa gửi; bị trả lại: báo cáo có lỗi, đơn vị phải gửi lại; tỷ lệ: số báo "
    "cáo đã nhận trên số phải gửi."
)


def template_for(model: ReportModel, config_folder: Path | None) -> Path:
    """``report_template.docx`` of the configuration folder when there is one, else the
    built-in template of the body type."""
    if config_folder is not None and (config_folder / CUSTOM_TEMPLATE).is_file():
        return config_folder / CUSTOM_TEMPLATE
    return TEMPLATES / f"{model.document.body_type}.docx"


def _unbroken(text: str) -> str:
    """A number never parted from its ``%`` at a line's end."""
    return text.replace(" %", "\u00a0%")


def _rows(frame: Any, labels: dict[str, str]) -> list[dict[str, str]]:
    return [
        {key: _unbroken(text) for key, text in cells.items()}
        for cells in (indicator_cells(row, "vi", labels) for row in frame.iter_rows(named=True))
    ]


def _particulars(model: ReportModel) -> dict[str, Any]:
    """The header block, the review, the revision and the signature."""
    doc, period = model.document, model.review_period
    approved = doc.signature.approved_at
    return {
        "doc": {
            "body_type": doc.body_type,
            "issuing_body": doc.issuing_body,
            "parent_body": doc.parent_body or "",
            "number_line": doc.number_line,
            "date_line": doc.date_line,
            "subject": doc.subject,
            "subject_sentence": doc.subject[:1].lower() + doc.subject[1:],
            "reference": doc.reference,
        },
        "review": {
            "code": period.code,
            "title": review_title(period, "vi"),
            "span": period.vi_range(),
            "resolution": model.resolution_title,
            "root": model.root,
            "root_name": model.root_name,
        },
        # a restatement has no revision: the document's sentence naming it says so
        "revision": model.revision
        if model.restated_as_of is None
        else f"0 ({model.restated_note()})",
        "published": format_date(model.created_at),
        "content_sha256": model.content_sha256,
        "source_line": model.restated_note()
        or f"bản công bố số {model.revision} kỳ {period.code}, đơn vị {model.root} "
        f"({model.root_name}), công bố {format_time(model.created_at)}"
        + (f", phê duyệt {format_time(approved)}" if approved else ""),
        "recipients": doc.recipients,
        "signature": {
            "on_behalf": doc.signature.on_behalf or "",
            "title": doc.signature.title or "",
            "name": doc.signature.name or "",
        },
    }


def _figures(model: ReportModel) -> dict[str, Any]:
    """The summary, the tables by group and both annexes, as texts."""
    labels, annex = model.class_labels, model.completeness
    expected, received = annex.root_counts()
    rate = model.header.get("completeness")
    untargeted = ", ".join(f"{name} ({code})" for code, name in model.untargeted)
    return {
        "total": model.counts["total"],
        "summary": model.summary,
        "completeness_line": f"{format_percent(None if rate is None else rate * 100, 'vi')}"
        f" ({received}/{expected} báo cáo đã nhận)",
        "groups": [
            {"number": g.number, "name": g.name, "rows": _rows(g.rows, labels)}
            for g in model.groups
        ],
        "annex_units": [
            {"code": u.org_unit_code, "name": u.name, "rows": _rows(u.rows, labels)}
            for u in model.annex
        ],
        "untargeted": f"{NO_TARGETS['vi']}: {untargeted}." if untargeted else "",
        "months": [f"T{m.last_month}" for m in annex.months],
        "completeness": [
            {
                "name": f"{name} ({code})",
                "cells": [_unbroken(text) for text in texts[:-1]],
                "total": texts[-1],
            }
            for code, name, texts in annex_rows(annex, "vi", decimals=1)
        ],
        "completeness_note": annex_note(annex, "vi") or STATE_LEGEND,
    }


def _quality(model: ReportModel) -> dict[str, Any]:
    """The quality section: ``shown`` (False when the report has none, and a template
    prints nothing of it), ``lines`` (the counts, or "no warnings"), ``gate`` (the gate's
    warnings, one line each), ``rows`` (the first warnings of the reports used: ``stt,
    unit, period, element, value, message, location``) and ``more`` ("… và 12 cảnh báo
    khác", or empty)."""
    quality = model.quality
    if quality is None:
        return {"shown": False, "lines": [], "gate": [], "rows": [], "more": ""}
    return {
        "shown": True,
        "lines": quality.lines(),
        "gate": [gate.text() for gate in quality.gate],
        "rows": [
            {"stt": str(n), **row} for n, row in enumerate(quality.rows(DOCUMENT_ROWS), start=1)
        ],
        "more": quality.more(DOCUMENT_ROWS),
    }


def _charts(model: ReportModel, template: DocxTemplate) -> dict[str, InlineImage]:
    """The three charts as pictures, ``width`` mm wide."""
    charts = model.charts

    def picture(data: bytes, width: float) -> InlineImage:
        return InlineImage(template, io.BytesIO(data), width=Mm(width))

    title = "Mức đầy đủ báo cáo theo đơn vị và tháng (%)"
    return {
        "classes": picture(png.class_png(charts.classes, "Số chỉ tiêu theo mức đánh giá"), 150),
        "bands": picture(
            png.bands_png(charts, "Tỷ lệ thực hiện so với kế hoạch năm", "vi", "chưa đánh giá"),
            155,
        ),
        "completeness": picture(png.heatmap_png(charts.completeness, title, "vi"), 220),
    }


def _context(model: ReportModel, template: DocxTemplate) -> dict[str, Any]:
    """Every name of `CONTEXT`."""
    return {
        **_particulars(model),
        **_figures(model),
        "charts": _charts(model, template),
        "quality": _quality(model),
    }


def _open(source: Path) -> DocxTemplate:
    if not zipfile.is_zipfile(source):
        raise ReportTemplateError(f"{source}: not a Word document (.docx): save it from Word")
    template = DocxTemplate(source)
    try:
        template.init_docx()
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ReportTemplateError(f"{source}: not a Word document (.docx): {exc}") from exc
    return template


def _parts(template: DocxTemplate) -> list[str]:
    """The body, headers and footers as docxtpl hands them to Jinja: its tags cleaned of
    Word's runs, one paragraph per line."""
    sources = [template.get_xml()]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        sources += [template.get_part_xml(part) for _, part in template.get_headers_footers(uri)]
    return [re.sub(r"<w:p([ >])", r"\n<w:p\1", template.patch_xml(xml)) for xml in sources]


def _near(source: str, line: int | None) -> str:
    """The text of the paragraph where Jinja stopped (Word users know no line numbers)."""
    lines = source.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    text = " ".join(re.sub(r"<[^>]+>", "", lines[line - 1]).split())
    return f" near “{text[:120]}”" if text else ""


def _check(template: DocxTemplate, source: Path, env: jinja2.Environment) -> None:
    """The template parses, prints what every document needs, and names nothing else
    than `CONTEXT`; raises `ReportTemplateError` naming the file otherwise."""
    used: set[str] = set()
    for part in _parts(template):
        try:
            used |= jinja2.meta.find_undeclared_variables(env.parse(part))
        except jinja2.TemplateSyntaxError as exc:
            raise ReportTemplateError(
                f"{source}: template error: {exc.message}{_near(part, exc.lineno)}"
            ) from exc
    missing = [name for name in REQUIRED if name not in used]
    if missing:
        printed = ", ".join("{{ " + name + " }}" for name in missing)
        raise ReportTemplateError(
            f"{source}: the template never prints {printed} (every review document needs "
            "the summary, the indicator tables and the revision's content hash)"
        )
    unknown = sorted(used - CONTEXT)
    if unknown:
        raise ReportTemplateError(
            f"{source}: unknown placeholder(s) {', '.join(unknown)}; known: "
            f"{', '.join(sorted(CONTEXT))}"
        )


def _grids_follow_cells(document: Any) -> None:
    """Column widths after loops over columns (``{%tc for %}``): docxtpl spreads a
    table's grid evenly, which LibreOffice follows; make the grid follow the widths the
    cells of the first row carry (in twentieths of a point), as Word does."""
    for table in document.tables:
        grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
        rows = table._tbl.findall(qn("w:tr"))
        cells = rows[0].findall(qn("w:tc")) if rows else []
        widths = [cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}") for cell in cells]
        if len(widths) != len(grid) or any(
            w is None or w.get(qn("w:type")) != "dxa" for w in widths
        ):
            continue
        if any(cell.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}") is not None for cell in cells):
            continue
        for column, width in zip(grid, widths, strict=True):
            column.set(qn("w:w"), width.get(qn("w:w")))


_TEXT_PROPERTIES: Final = ("author", "comments", "identifier", "language", "subject", "title")
"""The file's properties docxtpl renders as templates (`DocxTemplate.render_properties`)."""


def write_docx(model: ReportModel, path: Path, template: Path) -> None:
    """Render ``model`` into ``template`` and save it as ``path``; a template that
    cannot be used raises `ReportTemplateError` before anything is written. A team's own
    template is checked and rendered in a child process limited in time and memory
    (`chitieu.report.bounded`: compiling a template already works out its constant
    expressions, ``"x"|center(10**10)`` among them); what it is given (the figures, the
    charts) is made here first, since polars, which makes them, cannot run in a child
    forked from a process whose threads it uses."""
    if model.lang != "vi":
        raise ReportTemplateError("the review document is written in Vietnamese: use --lang vi")
    source = _open(template)
    context = _context(model, source)
    if template.parent == TEMPLATES:
        _render(source, context, path, template)  # chitieu's own
    else:
        bounded.render(lambda: _render(source, context, path, template), template)


def _render(source: DocxTemplate, context: dict[str, Any], path: Path, template: Path) -> None:
    # sandboxed: a template is a file a team shares and edits in Word, and Jinja's
    # attributes reach Python itself (``doc.__class__.__mro__`` ... ``popen``); the
    # sandbox refuses what is unsafe, the immutable one any change to the context too
    env = _sandbox(autoescape=True)
    _check(source, template, env)
    core = source.docx.core_properties
    properties = {name: getattr(core, name) for name in _TEXT_PROPERTIES}
    try:
        source.render(context, jinja_env=env, autoescape=True)
        # the file's properties are set as text, which python-docx escapes itself: the
        # body's escaping would show "&amp;" for "&" in Word's File > Info
        plain = _sandbox(autoescape=False)
        for name, text in properties.items():
            setattr(core, name, plain.from_string(text).render(context))
    except jinja2.TemplateError as exc:  # a field the context lacks (StrictUndefined)
        raise ReportTemplateError(f"{template}: template error: {exc}") from exc
    _grids_follow_cells(source.docx)
    source.save(path)


class _Sandbox(ImmutableSandboxedEnvironment):
    # operators the sandbox intercepts are never folded into constants while a template
    # is compiled, which the checks before rendering do in this process: ``9**9**9``
    # would be worked out there, outside the time and memory limits of the render
    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})


def _sandbox(autoescape: bool) -> ImmutableSandboxedEnvironment:
    """Jinja's immutable sandbox without its demo globals (``lipsum`` writes as much text
    as it is asked for): a template uses the figures it is given."""
    env = _Sandbox(autoescape=autoescape, undefined=jinja2.StrictUndefined)
    for name in ("lipsum", "cycler", "joiner"):
        env.globals.pop(name, None)
    return env
