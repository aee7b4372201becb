"""The charts as inline SVG for the HTML report: no script, no font or library from the
network (district networks are often offline), every text escaped."""

from __future__ import annotations

from html import escape
from itertools import groupby, pairwise

from chitieu.report.charts import CLASS_COLOURS, Bar, Charts, Heatmap
from chitieu.report.numbers import NONE, format_number, format_percent

WIDTH = 720
ROW = 22
FONT = "font-family:sans-serif;font-size:12px"
BAND_COLOURS = ("#fbe3d6", "#fcefc7", "#e6f4dc", "#cfe9d1")
"""Below on-track, on track, basically achieved, achieved: light, so bars stand out."""
SCALE_MAX = 200.0
"""Percent of target drawn up to 200 %; beyond that the bar ends in an arrow."""


def _svg(height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" style="{FONT}">'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def class_chart(bars: list[Bar], title: str) -> str:
    """One horizontal bar per class, its count at its end."""
    left, width = 230, WIDTH - 230 - 60
    most = max((b.value or 0 for b in bars), default=0) or 1
    body = [_text(0, 16, title, extra=' font-weight="bold"')]
    for i, bar in enumerate(bars):
        y = 28 + i * ROW
        length = width * (bar.value or 0) / most
        body += [
            _text(left - 8, y + 15, bar.label, "end"),
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{ROW - 6}" '
            f'fill="{CLASS_COLOURS.get(bar.key, "#999")}"/>',
            _text(left + length + 6, y + 15, format_number(bar.value, "vi")),
        ]
    return _svg(40 + len(bars) * ROW, body, title)


def bands_chart(charts: Charts, title: str, lang: str, empty: str) -> str:
    """Each indicator's percent of target against the bands of the classification
    (on track, basically achieved, exceeded), indicators grouped by field."""
    left, width = 70, WIDTH - 70 - 80
    t = charts.thresholds
    cuts = [0.0, t.on_track, t.basically_achieved, t.exceeded, SCALE_MAX]

    def x(percent: float) -> float:
        return left + width * min(max(percent, 0.0), SCALE_MAX) / SCALE_MAX

    rows: list[tuple[str, Bar | None]] = []
    for group, bars in groupby(charts.bands, key=lambda b: b.group):
        rows.append((group, None))
        rows += [(group, bar) for bar in bars]
    top, height = 40, 40 + len(rows) * ROW + 10
    body = [_text(0, 16, title, extra=' font-weight="bold"')]
    for (a, b), colour in zip(pairwise(cuts), BAND_COLOURS, strict=True):
        body.append(
            f'<rect x="{x(a):.1f}" y="{top}" width="{x(b) - x(a):.1f}" '
            f'height="{height - top - 10}" fill="{colour}"/>'
        )
    for cut in cuts[1:-1]:
        body += [
            f'<line x1="{x(cut):.1f}" y1="{top - 4}" x2="{x(cut):.1f}" y2="{height - 10}" '
            'stroke="#57606a" stroke-dasharray="3,2"/>',
            _text(x(cut), top - 8, f"{format_number(cut, lang)}%", "middle"),
        ]
    for i, (group, bar) in enumerate(rows):
        y = top + i * ROW
        if bar is None:
            body.append(_text(4, y + 15, group, extra=' font-weight="bold"'))
            continue
        body.append(_text(left - 6, y + 15, bar.label, "end"))
        if bar.value is None:
            body.append(_text(left + 4, y + 15, empty, extra=' fill="#57606a"'))
            continue
        end = x(bar.value)
        colour = CLASS_COLOURS.get(bar.key, "#999")
        body.append(
            f'<rect x="{left}" y="{y + 4}" width="{end - left:.1f}" height="{ROW - 8}" '
            f'fill="{colour}"/>'
        )
        if bar.value > SCALE_MAX:
            body.append(
                f'<polygon points="{end:.1f},{y + 2} {end + 8:.1f},{y + ROW / 2:.1f} '
                f'{end:.1f},{y + ROW - 2}" fill="{colour}"/>'
            )
        body.append(_text(end + 10, y + 15, format_percent(bar.value, lang)))
    return _svg(height, body, title)


def heat_colour(rate: float | None) -> str:
    """Red (nothing received) through amber to green (everything received)."""
    if rate is None:
        return "#eaeef2"
    if rate >= 1:
        return "#2da44e"
    if rate >= 0.9:
        return "#8ddb8c"
    if rate >= 0.5:
        return "#f2cc60"
    return "#e5534b"


def heatmap_chart(heatmap: Heatmap, title: str, lang: str) -> str:
    """Completeness by unit (rows) and month (columns)."""
    left = 190
    cell = min(44.0, (WIDTH - left - 10) / max(len(heatmap.columns), 1))
    body = [_text(0, 16, title, extra=' font-weight="bold"')]
    top = 44
    for j, column in enumerate(heatmap.columns):
        body.append(_text(left + (j + 0.5) * cell, top - 6, column, "middle"))
    for i, (name, values) in enumerate(zip(heatmap.rows, heatmap.values, strict=True)):
        y = top + i * ROW
        body.append(_text(left - 6, y + 15, name[:28], "end"))
        for j, rate in enumerate(values):
            label = NONE if rate is None else format_percent(rate * 100, lang)
            body.append(
                f'<rect x="{left + j * cell:.1f}" y="{y + 1}" width="{cell - 2:.1f}" '
                f'height="{ROW - 2}" fill="{heat_colour(rate)}"><title>{escape(name)} '
                f"{escape(heatmap.columns[j])}: {escape(label)}</title></rect>"
            )
    return _svg(top + len(heatmap.rows) * ROW + 10, body, title)
