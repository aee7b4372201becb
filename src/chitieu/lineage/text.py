"""Traces and diffs as text for people (labels in Vietnamese / English) and as JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from chitieu.lineage.diff import Change, ChangedSubmission, SnapshotDiff
from chitieu.lineage.last_year import LastYearTrace
from chitieu.lineage.trace import ElementTrace, SourceValue, Trace
from chitieu.report import format_number, format_percent
from chitieu.shown import shown

_DECIMALS = 6  # auditors compare figures: more than a report's two
_SUBMITTED = "%Y-%m-%d %H:%M UTC"

AGGREGATION = {
    "vi": {
        "sum": "tổng",
        "average": "trung bình",
        "max": "lớn nhất",
        "min": "nhỏ nhất",
        "last": "kỳ gần nhất",
    },
    "en": {
        "sum": "sum",
        "average": "average",
        "max": "maximum",
        "min": "minimum",
        "last": "latest period",
    },
}


def _number(value: float | None, lang: str) -> str:
    return format_number(value, lang, _DECIMALS)


def _check(published: object, recomputed: object) -> str:
    return "✓" if published == recomputed else "✗ SAI / MISMATCH"


def _when(moment: dt.datetime | None) -> str:
    return "–" if moment is None else f"{moment:{_SUBMITTED}}"


def _source_line(source: SourceValue, lang: str, indent: str) -> str:
    unit = source.org_unit_code
    if source.unit != source.org_unit_code:
        unit += f"→{source.unit}"
    if source.share is None:
        unit += " × ? (không rõ tỷ lệ / share unknown)"
    elif source.share != 1:
        unit += f" × {format_number(source.share, lang, _DECIMALS)}"
    flag = "" if source.used else "  (không tính / not counted)"
    where = f" ({source.location})" if source.location else ""
    return (
        f"{indent}{source.period:<8} {unit:<8} {_number(source.value, lang):>12}{flag}  "
        f"{shown(source.source_name)}{where}  #{source.submission_id}  "
        f"nộp / submitted {_when(source.submitted_at)}  sha256 {source.sha256}"
    )


def _all_sources(element: ElementTrace) -> list[SourceValue]:
    return [*element.own, *(s for c in element.children for s in c.sources)]


def render_trace(trace: Trace, lang: str = "vi") -> str:
    words = AGGREGATION[lang]
    lines = [
        f"{trace.indicator_code} {trace.indicator_name} — {trace.org_unit_code} "
        f"{trace.org_unit_name} ({trace.level})",
        f"bản / revision {trace.revision} của / of {trace.review_period} {trace.root_org_unit} "
        f"({trace.status}, {_when(trace.created_at)}), content_sha256 {trace.content_sha256}",
        f"công thức / formula: {trace.formula}",
        f"thực hiện / actual {_number(trace.actual, lang)} {trace.measure} · "
        f"kế hoạch / target {_number(trace.target, lang)} · "
        f"tỷ lệ / percent {format_percent(trace.percent, lang)} · "
        f"đánh giá / class {trace.classification or '–'}",
        f"tính lại từ các báo cáo đã dùng / recomputed from the submissions used: "
        f"{_number(trace.recomputed_actual, lang)}, {trace.recomputed_class or '–'} "
        + _check(
            (trace.actual, trace.classification), (trace.recomputed_actual, trace.recomputed_class)
        ),
    ]
    if trace.as_of is not None:
        lines.insert(
            2,
            f"TÍNH LẠI theo địa giới ngày {trace.as_of.isoformat()} / RESTATED on the units of "
            f"{trace.as_of.isoformat()} "
            "từ các báo cáo của bản này, không phải số liệu đã công bố / from this revision's "
            "inputs, not a published figure",
        )
    if not trace.comparable:
        lines.append(
            "không so sánh được / not comparable: một đơn vị bị chia tách không có tỷ lệ / "
            "a split unit's share is missing"
        )
    if any(not s.used for e in trace.elements for s in _all_sources(e)):
        lines.append(
            "không tính / not counted: tháng đã có báo cáo kỳ dài hơn thay thế / "
            "a month whose report for a longer period replaces it"
        )
    if not trace.config_matches:
        lines.append(
            "lưu ý / note: cấu hình hiện tại khác cấu hình khi công bố / the configuration "
            "at hand is not the one this revision was published with; recomputed figures "
            "may differ for that reason"
        )
    for element in trace.elements:
        lines += [
            "",
            f"{element.code} {element.name} ({element.measure}) = "
            f"{_number(element.value, lang)}  "
            f"[{_check(element.value, element.recomputed)} "
            f"{_number(element.recomputed, lang)}]",
            f"  thu thập ở cấp / collected at {element.collected_at}; "
            f"theo thời gian / over time: {words[element.time_aggregation]}; "
            f"theo đơn vị / over units: {words[element.org_aggregation]}",
        ]
        if element.own:
            lines.append(f"  báo cáo của đơn vị / the unit's own reports ({len(element.own)}):")
            lines += [_source_line(s, lang, "    ") for s in element.own]
        if element.children:
            lines.append(f"  đơn vị cấp dưới / child units ({len(element.children)}):")
        for child in element.children:
            mismatch = (
                ""
                if child.value == child.recomputed
                else f"  {_check(child.value, child.recomputed)}"
            )
            value = _number(child.value, lang)
            lines.append(f"    {child.org_unit_code:<8} {child.name:<32} {value:>12}{mismatch}")
            lines += [_source_line(s, lang, "        ") for s in child.sources]
    if trace.last_year is not None:
        lines += ["", *_last_year_lines(trace.last_year, lang)]
    return "\n".join(lines) + "\n"


_SOURCE = {
    "warehouse": "báo cáo năm trước trong kho / last year's submissions in the warehouse",
    "history": "history.csv (số liệu năm trước / last year's printed figures)",
    None: "không có số liệu / no figure",
}


def _flagged(value: float | None, comparable: bool | None, lang: str) -> str:
    if comparable is False:
        return "không so sánh được / not comparable"
    return _number(value, lang)


def _last_year_lines(last: LastYearTrace, lang: str) -> list[str]:
    """The same period last year: the published figure, its recomputation and source,
    then the old units' values (placed on today's units) or the history.csv lines."""
    check = (
        _check(
            (last.last_actual, last.last_comparable),
            (last.recomputed_actual, last.recomputed_comparable),
        )
        if last.checked
        else "(không kiểm / not compared: revision without last year, or another history.csv)"
    )
    lines = [
        f"cùng kỳ năm trước / same period last year {last.period} "
        f"(trên đơn vị ngày {last.as_of:%Y-%m-%d} / on the units of {last.as_of:%Y-%m-%d}): "
        f"{_flagged(last.last_actual, last.last_comparable, lang)}",
        f"  tính lại / recomputed: "
        f"{_flagged(last.recomputed_actual, last.recomputed_comparable, lang)} {check}",
        f"  nguồn / source: {_SOURCE.get(last.source, last.source)}",
    ]
    if last.comparable is False:
        lines.append("  số năm nay không so sánh được / this year's figure is not comparable")
    if last.submissions:
        lines.append(f"  báo cáo năm trước / last year's reports ({len(last.submissions)}):")
    for row in last.submissions:
        unit = str(row["org_unit_code"])
        if row["unit"] != row["org_unit_code"]:
            unit += f"→{row['unit']}"
        if row["share"] != 1:
            share = row["share"]
            unit += " ×" + (_number(share, lang) if isinstance(share, float) else "?")
        flag = "" if row["used"] else "  (không tính / not counted)"
        where = f" ({row['location']})" if row["location"] else ""
        value = row["value"]
        lines.append(
            f"    {row['element_code']:<16} {row['period']:<8} {unit:<14} "
            f"{_number(value if isinstance(value, float) else None, lang):>12}{flag}  "
            f"{shown(str(row['source_name']))}{where}  #{row['submission_id']}  "
            f"sha256 {row['sha256']}"
        )
    if last.history:
        lines.append(f"  history.csv ({len(last.history)}):")
    lines += [
        f"    dòng / line {h.line}: {h.org_unit_code} {h.period} {_number(h.actual, lang)}"
        for h in last.history
    ]
    return lines


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def trace_json(trace: Trace) -> str:
    document = dataclasses.asdict(trace)
    document["class"] = document.pop("classification")
    document["matches"] = trace.matches
    return json.dumps(_plain(document), ensure_ascii=False, indent=2) + "\n"


def _submission_line(sign: str, s: ChangedSubmission) -> str:
    return (
        f"  {sign} #{s.submission_id} {shown(s.source_name)}  {s.org_unit_code} {s.period}  "
        f"sha256 {s.sha256}  nộp / submitted {_when(s.submitted_at)}  ({s.status})"
    )


def _causes(change: Change) -> str:
    found = [f"+#{i}" for i in change.added] + [f"−#{i}" for i in change.removed]
    return "  ← " + " ".join(found) if found else ""


def _indicator_line(change: Change, lang: str) -> str:
    b, a = change.before, change.after
    return (
        f"  {change.org_unit_code:<8} {change.code:<8} "
        f"{_number(b['actual'], lang)} → {_number(a['actual'], lang)}; "
        f"{format_percent(b['percent'], lang)} → {format_percent(a['percent'], lang)}; "
        f"{b['class'] or '–'} → {a['class'] or '–'}{_causes(change)}"
    )


def _last_year_figure(row: dict[str, Any], lang: str) -> str:
    if row["last_comparable"] is False:
        return "không so sánh được / not comparable"
    return _number(row["last_actual"], lang)


def _last_year_line(change: Change, lang: str) -> str:
    b, a = change.before, change.after
    flag = ""
    if b["comparable"] != a["comparable"]:
        flag = f"; so sánh được / comparable {b['comparable']} → {a['comparable']}"
    return (
        f"  {change.org_unit_code:<8} {change.code:<8} "
        f"{_last_year_figure(b, lang)} → {_last_year_figure(a, lang)}{flag}{_causes(change)}"
    )


def _element_line(change: Change, lang: str) -> str:
    return (
        f"  {change.org_unit_code:<8} {change.code:<16} "
        f"{_number(change.before['value'], lang)} → {_number(change.after['value'], lang)}"
        f"{_causes(change)}"
    )


def render_diff(diff: SnapshotDiff, lang: str = "vi") -> str:
    b, a = diff.before, diff.after
    lines = [
        f"{diff.review_period} {diff.root_org_unit}: bản / revision {b['revision']} "
        f"({_when(b['created_at'])}) → {a['revision']} ({_when(a['created_at'])})",
        "cấu hình / configuration: "
        + (
            "THAY ĐỔI / CHANGED (targets or formulas may explain changes)"
            if diff.catalog_changed
            else "không đổi / unchanged"
        ),
        f"mức đầy đủ / completeness: {format_percent(_pct(b['completeness']), lang)} → "
        f"{format_percent(_pct(a['completeness']), lang)}",
        *[_signoff_line(s) for s in diff.signoffs],
        "",
        f"báo cáo thêm vào / submissions added ({len(diff.added)}):",
        *[_submission_line("+", s) for s in diff.added],
        f"báo cáo bỏ ra / submissions removed ({len(diff.removed)}):",
        *[_submission_line("−", s) for s in diff.removed],
        "",
        f"chỉ tiêu thay đổi / indicators changed ({len(diff.indicators)}):",
        *[_indicator_line(c, lang) for c in diff.indicators],
        f"phần tử thay đổi / elements changed ({len(diff.elements)}):",
        *[_element_line(c, lang) for c in diff.elements],
        f"cùng kỳ năm trước thay đổi / same period last year changed ({len(diff.last_year)}):",
        *[_last_year_line(c, lang) for c in diff.last_year],
    ]
    if diff.history_changed:
        lines.append(
            f"  history.csv: {b.get('history_sha256') or '–'} → {a.get('history_sha256') or '–'}"
        )
    return "\n".join(lines) + "\n"


def _signoff_line(signoff: dict[str, Any]) -> str:
    """``mở lại / reopened: bản / revision 2 — Trần Thị B, 2024-07-02 03:00 UTC — lý do /
    reason: …``"""
    title = f", {signoff['title']}" if signoff["title"] else ""
    who = (
        f"bản / revision {signoff['revision']} — {signoff['by_name']}{title}, "
        f"{_when(signoff['at'])}"
    )
    if signoff["action"] == "reopen":
        return f"mở lại / reopened: {who} — lý do / reason: {signoff['note']}"
    note = f" — {signoff['note']}" if signoff["note"] else ""
    return f"duyệt / approved: {who}{note}"


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def diff_json(diff: SnapshotDiff) -> str:
    document = dataclasses.asdict(diff)
    document["catalog_changed"] = diff.catalog_changed
    document["history_changed"] = diff.history_changed
    return json.dumps(_plain(document), ensure_ascii=False, indent=2) + "\n"
