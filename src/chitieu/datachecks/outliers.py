"""Values far from the unit's own history (SPEC §7): a robust z-score against the same
unit's and element's earlier periods.

For each accepted value of an element whose ``outlier`` test is on, the history is the
unit's accepted values of that element for the 12 periods of the same kind before it
(``2024M06``: 2023M06 to 2024M05). With at least ``min_history`` of them, the value is
flagged when

    |value − median| / max(1.4826 × MAD, floor) > threshold      (default 3.5)

the modified z-score of Iglewicz and Hoaglin: median and MAD (the median absolute
deviation, × 1.4826 to match a standard deviation) are not dragged by the outliers they
look for, unlike DHIS2's mean ± k standard deviations, and need no minimum and maximum
set by hand, unlike DHIS2's min–max ranges. ``floor`` keeps a steady history (MAD 0:
0,1 km every month) from flagging every change: for a count (``integer``), the
Poisson spread √median (at least 1), so that 0, 0, 1, 0 then 3 passes; for a
``number`` or ``percent``, a hundredth of its plausible range (``min``..``max``, 0..100
for a percent), else a tenth of the median.

The work is one matrix per intake batch (judged values × 12 lags, filled from the
warehouse's history in one query) and numpy sorts along its rows: no loop over units.
A flagged value is accepted; the warning says what the history was.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from chitieu.config import Config
from chitieu.datachecks import text
from chitieu.periods import period_columns
from chitieu.warehouse.models import HistoryCheck

WINDOW: Final = 12
"""Earlier periods of the same kind a value is compared with."""
MAD_TO_SIGMA: Final = 1.4826
DENSE_KEYS: Final = 20_000_000
"""Up to this many (unit, element, period) combinations, history rows find their line
through a lookup array (80 MB at most) rather than a binary search."""
NOT_JUDGED: Final = np.iinfo(np.int32).min
"""The lookup's mark for a combination no judged value has."""
CHECK: Final = "outlier"
SEVERITY: Final = "warning"

_KIND_WORDS: Final = {
    1: ("tháng", "month"),
    3: ("quý", "quarter"),
    6: ("6 tháng", "half-year"),
    12: ("năm", "year"),
}


def settings(config: Config) -> pl.DataFrame:
    """Per element whose values are judged: ``element_code, threshold, min_history,
    floor_kind`` (``count``, ``range`` or ``median``) and ``floor_range``."""
    rows = []
    for element in config.catalog.elements:
        test = element.outlier_test()
        if test is None:
            continue
        low, high = element.min, element.max
        if element.value_type == "percent":
            low = 0.0 if low is None else low
            high = 100.0 if high is None else high
        span = (high - low) if low is not None and high is not None else None
        kind = "count" if element.value_type == "integer" else "range" if span else "median"
        rows.append((element.code, test.threshold, test.min_history, kind, span))
    return pl.DataFrame(
        rows,
        schema={
            "element_code": pl.String,
            "threshold": pl.Float64,
            "min_history": pl.Int32,
            "floor_kind": pl.String,
            "floor_range": pl.Float64,
        },
        orient="row",
    )


def judged(values: pl.DataFrame, config: Config) -> pl.DataFrame:
    """The values to judge (elements with the test on, a value given, a valid period),
    in ``values``' order and numbered: ``row_idx, batch_seq, org_unit_code,
    element_code, period, value, location``, the element's settings, ``target_idx,
    p_year, p_first, p_last, span, unit_idx, element_idx``. Periods and units are parsed
    and numbered once each, then looked up: a batch holds a few periods and thousands of
    units, but hundreds of thousands of values, and only the numbers are gathered."""
    rules = settings(config).with_row_index("element_idx")
    element = pl.col("element_code").replace_strict(
        rules["element_code"], rules["element_idx"], default=None, return_dtype=pl.Int32
    )
    chosen = (
        values.select("batch_seq", "org_unit_code", "element_code", "period", "value", "location")
        .with_columns(element.alias("element_idx"))
        .filter(pl.col("value").is_not_null() & pl.col("element_idx").is_not_null())
    )
    targets = (
        chosen.select(pl.col("period").unique().drop_nulls().sort())
        .with_columns(*period_columns(pl.col("period")))
        .filter(pl.col("p_last").is_not_null())
        .with_columns((pl.col("p_last") - pl.col("p_first") + 1).alias("span"))
    )
    units = chosen.get_column("org_unit_code").unique().sort()  # a missing code first
    numbered = chosen.with_columns(
        pl.col("period")
        .replace_strict(
            targets["period"], range(targets.height), default=None, return_dtype=pl.Int32
        )
        .alias("target_idx"),
        pl.col("org_unit_code")
        .replace_strict(units, range(len(units)), default=None, return_dtype=pl.Int32)
        .alias("unit_idx"),
    )
    unplaced = numbered.get_column("target_idx").null_count()
    if unplaced or numbered.get_column("org_unit_code").null_count():
        numbered = numbered.filter(
            pl.col("target_idx").is_not_null() & pl.col("org_unit_code").is_not_null()
        )
    by_element = pl.col("element_idx")
    by_target = pl.col("target_idx")
    return numbered.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("row_idx"),
        pl.exclude("unit_idx", "element_idx", "target_idx"),
        *(
            pl.lit(rules[name]).gather(by_element).alias(name)
            for name in ("threshold", "min_history", "floor_kind", "floor_range")
        ),
        "target_idx",
        *(
            pl.lit(targets[name]).gather(by_target).alias(name)
            for name in ("p_year", "p_first", "p_last", "span")
        ),
        "unit_idx",
        "element_idx",
    )


def history_check(values: pl.DataFrame, config: Config) -> HistoryCheck | None:
    """What to read from the warehouse for a batch's accepted ``values`` (``batch_seq``,
    ``org_unit_code, element_code, period, value, location``) and how to judge them
    against it; None when nothing is to be judged."""
    judge = judged(values, config)
    if judge.is_empty():
        return None
    targets = judge.select("target_idx", "p_year", "p_first", "p_last").unique()
    window = []
    for target, year, first, last in targets.iter_rows():  # one per period, not per unit
        span = last - first + 1
        for lag in range(1, WINDOW + 1):
            window.append((target, _shifted(year, first, last, span * lag), lag))

    def verdict(history: pl.DataFrame) -> pl.DataFrame:
        return warnings(judge, history, config).select(
            "batch_seq",
            "location",
            "element_code",
            "value",
            "check",
            "message_vi",
            "message_en",
            "severity",
        )

    return HistoryCheck(
        units=judge.select(pl.col("unit_idx").cast(pl.Int32), "org_unit_code").unique("unit_idx"),
        elements=judge.select(pl.col("element_idx").cast(pl.Int32), "element_code").unique(
            "element_idx"
        ),
        window=pl.DataFrame(
            window,
            schema={"target_idx": pl.Int32, "period": pl.String, "lag": pl.Int32},
            orient="row",
        ),
        verdict=verdict,
    )


def _shifted(year: int, first: int, last: int, months: int) -> str:
    """The period of the same kind ``months`` months before (first..last of ``year``)."""
    total_last = year * 12 + last - 1 - months
    new_year, new_last = divmod(total_last, 12)
    new_last += 1
    span = last - first + 1
    if span == 1:
        return f"{new_year}M{new_last:02d}"
    if span == 3:
        return f"{new_year}Q{new_last // 3}"
    if span == 6:
        return f"{new_year}S{new_last // 6}"
    return f"{new_year}"


def statistics(judge: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """``judge`` with ``n_history, previous, median, mad`` from the history rows: one
    matrix of (unit, element, period) × lags, filled in one numpy scatter (each history
    row finds its cell through its line, by a lookup or a binary search of the judged
    keys) and sorted along its rows, once for the median and once for the MAD."""
    widths = _widths(judge)
    keys, line_of_row = np.unique(_keys(judge, widths), return_inverse=True)
    matrix = np.full((len(keys), WINDOW), np.nan)
    if len(keys) and history.height:
        cell, hit = _cells(keys, history, widths)
        values = history.get_column("value").to_numpy()
        flat = matrix.reshape(-1)  # a view: the matrix is contiguous
        if hit.all():
            flat[cell] = values
        else:
            flat[cell[hit]] = values[hit]
    count = np.count_nonzero(~np.isnan(matrix), axis=1)
    ordered = np.sort(matrix, axis=1)  # NaN last
    median = _middle(ordered, count)
    # the deviations of the same values, sorted again in place: no second matrix
    np.subtract(ordered, median[:, None], out=ordered)
    np.abs(ordered, out=ordered)
    ordered.sort(axis=1)
    mad = _middle(ordered, count)
    return judge.with_columns(
        pl.Series("n_history", count[line_of_row], pl.Int32),
        pl.Series("previous", matrix[line_of_row, 0], pl.Float64, nan_to_null=True),
        pl.Series("median", median[line_of_row], pl.Float64, nan_to_null=True),
        pl.Series("mad", mad[line_of_row], pl.Float64, nan_to_null=True),
    )


def _widths(judge: pl.DataFrame) -> tuple[int, int, int]:
    """How many units, elements and periods ``judge`` numbers (the largest index + 1)."""
    if judge.is_empty():
        return 1, 1, 1
    largest = judge.select(pl.max("unit_idx", "element_idx", "target_idx")).row(0)
    return largest[0] + 1, largest[1] + 1, largest[2] + 1


def _keys(frame: pl.DataFrame, widths: tuple[int, int, int]) -> np.ndarray:
    """One number per (unit, element, period): in 32 bits when every key fits."""
    n_units, n_elements, n_targets = widths
    kind = np.int32 if n_units * n_elements * n_targets < 2**31 else np.int64
    key = frame.get_column("unit_idx").to_numpy().astype(kind)
    np.multiply(key, n_elements, out=key)
    np.add(key, frame.get_column("element_idx").to_numpy(), out=key)
    np.multiply(key, n_targets, out=key)
    np.add(key, frame.get_column("target_idx").to_numpy(), out=key)
    return key


def _cells(
    keys: np.ndarray, history: pl.DataFrame, widths: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Where each history row goes in the flattened matrix (its line × WINDOW + its lag
    − 1), and whether its key is judged at all."""
    found = _keys(history, widths)
    dense = widths[0] * widths[1] * widths[2]
    if dense <= DENSE_KEYS:  # a direct lookup: one gather, no search
        # the line's first cell − 1, so that adding the lag gives the cell
        lookup = np.full(dense, NOT_JUDGED, dtype=np.int32)
        lookup[keys] = np.arange(-1, len(keys) * WINDOW - 1, WINDOW, dtype=np.int32)
        cell = lookup[found]
        hit = cell != NOT_JUDGED
    else:
        line = np.searchsorted(keys, found).clip(0, len(keys) - 1)
        hit = keys[line] == found
        cell = line * WINDOW - 1
    cell += history.get_column("lag").to_numpy()
    return cell, hit


def _middle(ordered: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The median of each sorted row's first ``count`` values, as ``(low + high) / 2``
    of its two middle ones (NaN where it has none)."""
    flat = ordered.reshape(-1)
    start = np.arange(0, flat.size, WINDOW)
    low = flat[start + np.maximum((count - 1) // 2, 0)]
    high = flat[start + np.maximum(count // 2, 0)]
    return np.where(count > 0, (low + high) / 2, np.nan)


def flagged(stats: pl.DataFrame) -> pl.DataFrame:
    """The judged values far from their history, with ``z`` (how many spreads away)."""
    median = pl.col("median")
    floor = (
        pl.when(pl.col("floor_kind") == "count")
        .then(pl.max_horizontal(median.abs(), pl.lit(1.0)).sqrt())
        .when(pl.col("floor_kind") == "range")
        .then(pl.col("floor_range") / 50)
        .otherwise(median.abs() / 10)
    )
    spread = pl.max_horizontal(MAD_TO_SIGMA * pl.col("mad"), floor)
    distance = (pl.col("value") - median).abs()
    z = (
        pl.when(spread > 0)
        .then(distance / spread)
        .when(distance > 0)
        .then(pl.lit(float("inf")))
        .otherwise(0.0)
    )
    return stats.with_columns(z.alias("z")).filter(
        (pl.col("n_history") >= pl.col("min_history")) & (pl.col("z") > pl.col("threshold"))
    )


def messages(found: pl.DataFrame, config: Config) -> pl.DataFrame:
    """``found`` with ``message_vi`` and ``message_en``: the value, the history it is far
    from ("tháng trước 0,1; trung vị 12 tháng 0,1") and what to do."""
    words = pl.col("span").replace_strict(
        {k: v[0] for k, v in _KIND_WORDS.items()}, default="kỳ", return_dtype=pl.String
    )
    words_en = pl.col("span").replace_strict(
        {k: v[1] for k, v in _KIND_WORDS.items()}, default="period", return_dtype=pl.String
    )
    n = pl.col("n_history").cast(pl.String)
    vi = pl.concat_str(
        pl.lit("Giá trị "),
        text.number(pl.col("value"), "vi"),
        pl.lit(" của chỉ tiêu "),
        text.labelled(pl.col("element_code"), config, "vi"),
        pl.lit(" khác xa các kỳ trước của đơn vị: "),
        words,
        pl.lit(" trước "),
        text.number(pl.col("previous"), "vi"),
        pl.lit("; trung vị "),
        n,
        pl.lit(" "),
        words,
        pl.lit(" "),
        text.number(pl.col("median"), "vi"),
        pl.lit(". Kiểm tra lại số liệu; nếu đúng, ghi lý do vào cột ghi chú."),
    )
    en = pl.concat_str(
        pl.lit("value "),
        text.number(pl.col("value"), "en"),
        pl.lit(" of "),
        text.labelled(pl.col("element_code"), config, "en"),
        pl.lit(" is far from the unit's earlier periods: previous "),
        words_en,
        pl.lit(" "),
        text.number(pl.col("previous"), "en"),
        pl.lit("; median of "),
        n,
        pl.lit(" "),
        words_en,
        pl.lit("s "),
        text.number(pl.col("median"), "en"),
        pl.lit(": check the figure; if it is right, say why in the note"),
    )
    return found.with_columns(vi.alias("message_vi"), en.alias("message_en"))


def warnings(judge: pl.DataFrame, history: pl.DataFrame, config: Config) -> pl.DataFrame:
    """The outlier warnings of a batch: ``judge``'s key columns + ``location,
    element_code, value, check, message_vi, message_en, severity, z``."""
    if history.is_empty():  # no earlier period at all: nothing is judged
        judge = judge.clear()
    found = messages(flagged(statistics(judge, history)), config)
    return found.sort("row_idx").select(
        pl.exclude("value", "check", "message_vi", "message_en", "severity"),
        text.number(pl.col("value"), "en").str.replace_all(",", "").alias("value"),
        pl.lit(CHECK).alias("check"),
        "message_vi",
        "message_en",
        pl.lit(SEVERITY).alias("severity"),
    )
