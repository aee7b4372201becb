"""The charts as PNG pictures for the Word document, drawn by matplotlib's Agg canvas.

Imported only when a document is rendered (matplotlib takes a few tenths of a second to
import). Figures are made without pyplot, so nothing global changes; text is in Times
New Roman where the machine has it (else a metric twin, Liberation Serif).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import groupby, pairwise

from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from chitieu.report.charts import CLASS_COLOURS, Bar, Charts, Heatmap
from chitieu.report.numbers import format_number, format_percent
from chitieu.report.svg import BAND_COLOURS, SCALE_MAX, heat_colour

CM = 1 / 2.54
WIDTH_CM = 16.0
DPI = 200
SERIFS = ("Times New Roman", "Liberation Serif", "DejaVu Serif")
"""In this order, letter by letter: a font without a Vietnamese letter (old Liberation
fonts lack ư, ơ, ạ...) leaves it to the next; DejaVu Serif comes with matplotlib."""


def _serifs() -> list[str]:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in SERIFS if name in installed]


@contextmanager
def _style() -> Iterator[None]:
    with rc_context({"font.family": _serifs(), "font.size": 9, "axes.titlesize": 10}):
        yield


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.05)
    return out.getvalue()


def class_png(bars: list[Bar], title: str) -> bytes:
    with _style():
        figure = Figure(figsize=(WIDTH_CM * CM, (1.2 + 0.55 * len(bars)) * CM))
        axes = figure.add_subplot()
        values = [bar.value or 0 for bar in bars]
        positions = range(len(bars))[::-1]
        axes.barh(positions, values, color=[CLASS_COLOURS.get(b.key, "#999") for b in bars])
        axes.set_yticks(list(positions), [bar.label for bar in bars])
        for y, value in zip(positions, values, strict=True):
            axes.text(value, y, f" {format_number(value, 'vi')}", va="center")
        axes.set_xlim(0, max(values, default=0) * 1.15 + 1)
        axes.xaxis.set_visible(False)
        axes.spines[["top", "right", "bottom"]].set_visible(False)
        axes.set_title(title, loc="left", fontweight="bold")
        return _png(figure)


def bands_png(charts: Charts, title: str, lang: str, empty: str) -> bytes:
    """Each indicator's percent of target over the classification's bands, by field."""
    rows: list[tuple[str, Bar | None]] = []
    for group, bars in groupby(charts.bands, key=lambda b: b.group):
        rows.append((group, None))
        rows += [(group, bar) for bar in bars]
    t = charts.thresholds
    cuts = [0.0, t.on_track, t.basically_achieved, t.exceeded, SCALE_MAX]
    with _style():
        figure = Figure(figsize=(WIDTH_CM * CM, (1.5 + 0.42 * len(rows)) * CM))
        axes = figure.add_subplot()
        for (a, b), colour in zip(pairwise(cuts), BAND_COLOURS, strict=True):
            axes.axvspan(a, b, color=colour, zorder=0)
        for cut in cuts[1:-1]:
            axes.axvline(cut, color="#57606a", linestyle=":", linewidth=0.8, zorder=1)
        labels = []
        for i, (group, bar) in enumerate(rows):
            y = len(rows) - 1 - i
            if bar is None:
                labels.append(group)
                continue
            labels.append(bar.label)
            if bar.value is None:
                axes.text(2, y, empty, va="center", color="#57606a", fontsize=8)
                continue
            shown = min(max(bar.value, 0.0), SCALE_MAX)
            axes.barh(y, shown, height=0.6, color=CLASS_COLOURS.get(bar.key, "#999"), zorder=2)
            axes.text(
                min(shown, SCALE_MAX - 30) + 2, y, format_percent(bar.value, lang), va="center",
                fontsize=7.5, zorder=3,
            )  # fmt: skip
        axes.set_yticks(range(len(rows))[::-1], labels)
        for tick, (_, bar) in zip(axes.get_yticklabels(), rows, strict=True):
            if bar is None:
                tick.set_fontweight("bold")
        axes.set_xlim(0, SCALE_MAX)
        axes.set_ylim(-0.6, len(rows) - 0.4)
        ticks = [0.0, 50.0, 100.0, 150.0, SCALE_MAX]
        axes.set_xticks(ticks, [f"{format_number(c, lang)}%" for c in ticks])
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_title(title, loc="left", fontweight="bold")
        return _png(figure)


def heatmap_png(heatmap: Heatmap, title: str, lang: str, height_cm: float = 15.0) -> bytes:
    """Completeness by unit and month: green (all received) to red (none)."""
    rows = max(len(heatmap.rows), 1)
    row_cm = min(0.55, height_cm / rows)
    with _style():
        figure = Figure(figsize=(WIDTH_CM * 1.4 * CM, (1.8 + row_cm * rows) * CM))
        axes = figure.add_subplot()
        colours = sorted({heat_colour(v) for row in heatmap.values for v in row})
        index = {colour: i for i, colour in enumerate(colours)}
        grid = [[index[heat_colour(v)] for v in row] for row in heatmap.values] or [[0]]
        axes.imshow(grid, cmap=ListedColormap(colours or ["#eaeef2"]), aspect="auto")
        size = max(5.0, min(8.0, row_cm * 16))
        for i, row in enumerate(heatmap.values):
            for j, rate in enumerate(row):
                if rate is not None and rows <= 30:
                    axes.text(j, i, format_number(rate * 100, lang, 0), ha="center",
                              va="center", fontsize=size - 1)  # fmt: skip
        axes.set_xticks(range(len(heatmap.columns)), heatmap.columns, fontsize=size)
        axes.set_yticks(range(len(heatmap.rows)), heatmap.rows, fontsize=size)
        axes.xaxis.tick_top()
        axes.set_title(title, loc="left", fontweight="bold")
        return _png(figure)
