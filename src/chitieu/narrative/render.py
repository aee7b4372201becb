"""A draft's check for people (a table with Vietnamese / English headings) and as JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from chitieu.narrative.check import DraftCheck
from chitieu.narrative.figures import Figure, shorten
from chitieu.narrative.numbers import round_half_away
from chitieu.narrative.verdicts import DISAGREES, NOT_MATCHED, VERDICT_WORDS, FigureCheck

_COLUMNS = (
    ("vị trí / where", 16),
    ("trích dẫn / quoted", 46),
    ("chỉ tiêu / indicator", 34),
    ("theo / by", 13),
    ("công bố / published", 26),
)
_STATUS_WORDS = {
    "agrees": "khớp / agree",
    "agrees_as_written": "khớp theo cách viết / agree as written",
    "disagrees": "KHÔNG KHỚP / disagree",
    "not_matched": "không rõ chỉ tiêu / not matched",
}


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _short_where(check: FigureCheck) -> str:
    where = check.segment.where
    if where.line is not None:
        return f"dòng {check.line}"
    if where.table is not None:
        return f"bảng {where.table} ({where.row},{where.column})"
    return f"đoạn {where.paragraph}"


def _indicator(check: FigureCheck) -> str:
    """The indicator (or class) matched, after the unit whose section holds the figure."""
    unit = "" if check.org_unit_code is None else f"[{check.org_unit_code}] "
    if check.indicator is not None:
        return f"{unit}{check.indicator.code} {check.indicator.name}"
    return unit + (check.figure.class_name or "–")


def _when(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if isinstance(moment, dt.datetime) else str(moment)


def render_check(check: DraftCheck) -> str:
    revision = check.revision
    unit = (
        ""
        if revision.org_unit_code == revision.root_org_unit
        else f", đơn vị / unit {revision.org_unit_code}"
    )
    lines = [
        f"bản thảo / draft: {check.draft.name}",
        f"đối chiếu với / checked against: {revision.review_period} {revision.root_org_unit}"
        f"{unit}, bản / revision {revision.revision} ({revision.status}, "
        f"{_when(revision.created_at)}), content_sha256 {revision.content_sha256[:16]}…",
        "",
        "  ".join(f"{title:<{width}}" for title, width in _COLUMNS) + "kết quả / verdict",
    ]
    for figure in check.figures:
        cells = (
            _short_where(figure),
            shorten(figure.figure.quoted, _COLUMNS[1][1]),
            _indicator(figure),
            figure.method or "–",
            figure.published or "–",
        )
        lines.append(
            "  ".join(f"{_fit(c, w):<{w}}" for c, (_, w) in zip(cells, _COLUMNS, strict=True))
            + VERDICT_WORDS[figure.verdict]
        )
        if figure.verdict in (DISAGREES, NOT_MATCHED):
            lines += [f"{'':<18}{note}" for note in figure.notes]
        if figure.verdict == DISAGREES and figure.trace:
            lines.append(f"{'':<18}xem / see: {figure.trace}")
    counts = check.counts()
    summary = ", ".join(f"{n} {_STATUS_WORDS[v]}" for v, n in counts.items() if n)
    lines += ["", f"{len(check.figures)} số liệu / figures: {summary or '–'}"]
    return "\n".join(lines) + "\n"


def _stated(figure: Figure) -> dict[str, Any]:
    """What the draft says, each number as written and as read."""
    stated: dict[str, Any] = {}
    count = figure.kind == "class_count"
    for key, written in (
        ("count" if count else "actual", figure.actual),
        ("total" if count else "target", figure.target),
        ("not_started", figure.not_started),
    ):
        if written is not None:
            stated[key] = {"text": written.text, "value": float(written.value)}
    if figure.percent is not None:
        stated["percent"] = {
            "text": figure.percent.written.text,
            "value": float(figure.percent.written.value),
            "qualifier": figure.percent.qualifier,
            "of_target": figure.percent.of_target,
        }
    return stated


def _published(check: DraftCheck, figure: FigureCheck) -> dict[str, Any] | None:
    if figure.indicator is not None:
        i = figure.indicator
        return {"actual": i.actual, "target": i.target, "percent": i.percent, "class": i.class_name}
    name = figure.figure.class_name
    if figure.figure.kind == "class_count" and name is not None:
        counts = check.figures_of(figure).counts
        published = {"count": getattr(counts, name), "total": counts.total}
        if name == "below_half":
            published["not_started"] = counts.not_started
        return published
    return None


def _figure_json(check: DraftCheck, figure: FigureCheck) -> dict[str, Any]:
    where = figure.segment.where
    return {
        "where": figure.where,
        "line": where.number(figure.segment.text, figure.figure.start)
        if where.line is not None
        else None,
        "paragraph": where.paragraph,
        "table": None
        if where.table is None
        else {"table": where.table, "row": where.row, "column": where.column},
        "quoted": figure.figure.quoted,
        "kind": figure.figure.kind,
        "org_unit_code": check.figures_of(figure).org_unit_code,
        "indicator_code": figure.indicator.code if figure.indicator else None,
        "indicator_name": figure.indicator.name if figure.indicator else None,
        "class": figure.figure.class_name,
        "method": figure.method or None,
        "stated": _stated(figure.figure),
        "published": _published(check, figure),
        "verdict": figure.verdict,
        "notes": [{"vi": n.vi, "en": n.en} for n in figure.notes],
        "difference_points": None
        if figure.difference is None
        else float(round_half_away(figure.difference, 2)),
        "trace": figure.trace,
    }


def check_json(check: DraftCheck) -> str:
    revision = check.revision
    created = revision.created_at
    document = {
        "draft": check.draft.name,
        "kind": check.draft.kind,
        "lang": check.lang,
        "review_period": revision.review_period,
        "root_org_unit": revision.root_org_unit,
        "org_unit_code": revision.org_unit_code,
        "revision": revision.revision,
        "status": revision.status,
        "created_at": created.isoformat() if isinstance(created, dt.datetime) else created,
        "content_sha256": revision.content_sha256,
        "agrees": check.agrees,
        "counts": check.counts(),
        "figures": [_figure_json(check, f) for f in check.figures],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
