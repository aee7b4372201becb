"""org_units.csv and targets.csv: read every cell as text, check, then cast.

Each check is a polars filter over the whole file; the rows it flags become
`ConfigProblem`s naming the file, the line and the key.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Final

import polars as pl

from chitieu.config.wording import (
    BLANK_NAME,
    FILE_MISSING,
    NOT_ISO_DATE,
    NUMBER_NOT_EXACT,
    NUMBER_TOO_LARGE,
    REQUIRED_COLUMN,
    UNKNOWN_COLUMN,
    VALUE_MISSING,
    both,
    not_utf8,
)
from chitieu.errors import ConfigProblem
from chitieu.shown import UNSHOWN_CATEGORIES, VISIBLE_CLASS

ORG_UNITS_FILE = "org_units.csv"
TARGETS_FILE = "targets.csv"
ORG_UNIT_COLUMNS = (
    "code",
    "name",
    "level",
    "parent_code",
    "valid_from",
    "valid_to",
    "successor_code",
)
TARGET_COLUMNS = ("indicator_code", "org_unit_code", "year", "target", "baseline", "valid_from")
_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_EXACT_LIMIT = str(2**53)  # 9007199254740992: past it, a double skips integers
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
LINE = "line"
# stands for an empty valid_to (still active) while intervals are compared
_OPEN_END = dt.date(9999, 12, 31)


def read_text_table(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> tuple[pl.DataFrame | None, list[ConfigProblem]]:
    """All cells as stripped text (empty → null), with a ``line`` column; header checked."""
    name = path.name
    if not path.exists():
        return None, [ConfigProblem(name, "", "", FILE_MISSING)]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [ConfigProblem(name, "", "", not_utf8(exc))]
    twice = _header_twice(text)
    if twice:
        return None, [
            ConfigProblem(
                name,
                "line 1",
                column,
                both("cột được ghi hai lần ở dòng tiêu đề", "column given twice in the header"),
            )
            for column in twice
        ]
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        ragged = _ragged_line(text)
        if ragged is not None:
            return None, [ConfigProblem(name, ragged[0], "", ragged[1])]
        unreadable = both("không đọc được tệp CSV", f"not a readable CSV file: {exc}")
        return None, [ConfigProblem(name, "", "", unreadable.splitlines()[0])]
    header = [c.strip() for c in frame.columns]
    problems = [
        ConfigProblem(name, "line 1", column, UNKNOWN_COLUMN)
        for column in header
        if column not in columns
    ]
    problems += [
        ConfigProblem(name, "line 1", column, REQUIRED_COLUMN)
        for column in required
        if column not in header
    ]
    if problems:
        return None, problems
    frame = frame.rename(dict(zip(frame.columns, header, strict=True)))
    for column in columns:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    frame = frame.select(
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(LINE),
        *[pl.col(c).str.strip_chars().replace("", None).alias(c) for c in columns],
    )
    # polars reads a blank line as a row of nulls; it is not a row (numbered first, so
    # the lines after it keep their numbers)
    frame = frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in columns))
    return frame, []


def _header_twice(text: str) -> list[str]:
    """The columns the header names more than once (polars would read the second as
    ``code_duplicated_0``, an unknown column no one wrote)."""
    header = next(csv.reader(io.StringIO(text)), [])
    names = [column.strip() for column in header]
    return sorted({column for column in names if names.count(column) > 1})


def _ragged_line(text: str) -> tuple[str, str] | None:
    """The first line with more or fewer fields than the header, and how many: what
    polars refuses without saying where. None when every line has the header's count."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return None
    for row in rows:
        if row and len(row) != len(header):
            return (
                f"line {rows.line_num}",
                both(
                    f"dòng có {len(row)} trường trong khi dòng tiêu đề có {len(header)}: kiểm "
                    "tra dấu phẩy (tên có dấu phẩy phải đặt trong dấu ngoặc kép)",
                    f"{len(row)} fields where the header has {len(header)}: check the commas "
                    "(a name holding a comma is written in double quotes)",
                ),
            )
    return None


def problems_where(
    frame: pl.DataFrame, condition: pl.Expr, file: str, key: str, message: str | pl.Expr
) -> list[ConfigProblem]:
    """One problem per row matching ``condition``; ``message`` may be a per-row expression."""
    flagged = frame.filter(condition)
    if flagged.is_empty():
        return []
    message_expr = pl.lit(message) if isinstance(message, str) else message
    first = next(c for c in ("code", "indicator_code", "old_code") if c in frame.columns)
    rows = flagged.select(
        (pl.lit("line ") + pl.col(LINE).cast(pl.String)).alias("entry"),
        pl.col(first).alias("first"),
        message_expr.alias("message"),
    )
    return [
        ConfigProblem(file, entry + (f" ({code})" if code else ""), key, msg)
        for entry, code, msg in rows.iter_rows()
    ]


def number_problems(frame: pl.DataFrame, file: str, key: str) -> list[ConfigProblem]:
    """A cell of ``key`` that is no plain number, or one too large to be held (400 nines
    would be read as infinity, and a report would show it) or held exactly (`beyond_exact`)."""
    cell = pl.col(key)
    plain = cell.str.contains(_NUMBER)
    problems = problems_where(
        frame,
        cell.is_not_null() & ~plain,
        file,
        key,
        pl.lit(
            both(
                "không phải số viết đúng dạng (dùng dấu '.' cho phần thập phân, không dùng dấu "
                "phân cách hàng nghìn)",
                "not a plain number (use '.' for decimals, no thousands separator): ",
            )
        )
        + cell,
    )
    shown = (
        pl.when(cell.str.len_chars() > 24)
        .then(
            cell.str.head(24)
            + pl.lit("… (")
            + cell.str.len_chars().cast(pl.String)
            + pl.lit(" characters)")
        )
        .otherwise(cell)
    )
    problems += problems_where(
        frame,
        cell.is_not_null() & plain & cell.cast(pl.Float64, strict=False).is_infinite(),
        file,
        key,
        pl.lit(f"{NUMBER_TOO_LARGE}: ") + shown,
    )
    problems += problems_where(
        frame,
        cell.is_not_null()
        & plain
        & ~cell.cast(pl.Float64, strict=False).is_infinite()
        & beyond_exact(cell),
        file,
        key,
        pl.lit(f"{NUMBER_NOT_EXACT}: ") + shown,
    )
    return problems


def beyond_exact(cell: pl.Expr) -> pl.Expr:
    """A plain number (text) whose magnitude is over 2**53: past it a double skips
    integers, and 10**29 - 1 was kept, and printed, as 99.999.999.999.999.991.433.150.857.216.
    Compared as text: the cast would round 2**53 + 1 down to 2**53."""
    whole = cell.str.extract(r"^-?0*([0-9]+)", 1)
    digits = whole.str.len_chars()
    return (digits > len(_EXACT_LIMIT)) | (
        (digits == len(_EXACT_LIMIT))
        & ((whole > _EXACT_LIMIT) | ((whole == _EXACT_LIMIT) & cell.str.contains(r"\.0*[1-9]")))
    )


_UNSHOWN_CLASS: Final = (
    "[" + "".join(rf"\p{{{c}}}" for c in sorted(UNSHOWN_CATEGORIES - {"Cs"})) + "]"
)
"""`UNSHOWN_CATEGORIES` as a regex class, less surrogates (Cs), which no polars text holds
and its regex does not name."""


def load_org_units(path: Path) -> tuple[pl.DataFrame | None, list[ConfigProblem]]:
    """The hierarchy with ``valid_from``/``valid_to`` as dates and a stable ``unit_id``."""
    frame, problems = read_text_table(
        path, ORG_UNIT_COLUMNS, ("code", "name", "level", "parent_code", "valid_from")
    )
    if frame is None:
        return None, problems
    file = path.name
    for key in ("code", "name", "level", "valid_from"):
        problems += problems_where(frame, pl.col(key).is_null(), file, key, VALUE_MISSING)
    # a name the review prints, as catalog.yaml's (`catalog.Shown`): no control, format
    # (a right-to-left override) or private character
    problems += problems_where(
        frame,
        pl.col("name").str.contains(_UNSHOWN_CLASS),
        file,
        "name",
        both(
            "tên có ký tự không hiển thị (ký tự điều khiển hoặc định hướng)",
            "the name holds a character that does not show (a control or direction "
            "character): write it on one line, without them",
        ),
    )
    problems += problems_where(
        frame,
        pl.col("name").is_not_null() & ~pl.col("name").str.contains(VISIBLE_CLASS),
        file,
        "name",
        BLANK_NAME,
    )
    for key in ("valid_from", "valid_to"):
        bad = pl.col(key).is_not_null() & (
            ~pl.col(key).str.contains(_DATE) | pl.col(key).str.to_date(strict=False).is_null()
        )
        problems += problems_where(frame, bad, file, key, NOT_ISO_DATE)
    if problems:
        return None, problems
    frame = frame.with_columns(
        pl.col("valid_from").str.to_date(),
        pl.col("valid_to").str.to_date(),
    ).with_row_index("unit_id")
    problems += problems_where(
        frame,
        pl.col("valid_to") < pl.col("valid_from"),
        file,
        "valid_to",
        both(
            "ngày hết hiệu lực (valid_to) trước ngày bắt đầu hiệu lực (valid_from)",
            "valid_to is before valid_from",
        ),
    )
    problems += _overlaps(frame, file)
    known = frame.get_column("code").unique()
    problems += problems_where(
        frame,
        pl.col("parent_code").is_not_null() & ~pl.col("parent_code").is_in(known.implode()),
        file,
        "parent_code",
        both(
            pl.lit("đơn vị cấp trên ") + pl.col("parent_code") + pl.lit(" không có trong tệp"),
            pl.lit("parent ") + pl.col("parent_code") + pl.lit(" does not exist"),
        ),
    )
    problems += _parents_not_covering(frame, file)
    problems += problems_where(
        frame,
        pl.col("successor_code").is_not_null() & ~pl.col("successor_code").is_in(known.implode()),
        file,
        "successor_code",
        both(
            pl.lit("đơn vị kế thừa ") + pl.col("successor_code") + pl.lit(" không có trong tệp"),
            pl.lit("successor ") + pl.col("successor_code") + pl.lit(" does not exist"),
        ),
    )
    problems += problems_where(
        frame,
        pl.col("successor_code").is_not_null() & pl.col("valid_to").is_null(),
        file,
        "successor_code",
        both(
            "đơn vị có đơn vị kế thừa phải có ngày hết hiệu lực (valid_to)",
            "a unit with a successor needs valid_to",
        ),
    )
    problems += _successors_not_taking_over(frame, file)
    problems += _cycles(frame, file)
    return (None, problems) if problems else (frame, [])


def _successors_not_taking_over(frame: pl.DataFrame, file: str) -> list[ConfigProblem]:
    """A successor must be valid on the day after its predecessor ends, or the history
    it should carry would be lost in later reviews."""
    handover = frame.filter(
        pl.col("successor_code").is_not_null()
        & pl.col("valid_to").is_not_null()  # reported on its own
        & (pl.col("valid_to") >= pl.col("valid_from"))
    ).with_columns((pl.col("valid_to") + pl.duration(days=1)).alias("handover"))
    if handover.is_empty():
        return []
    takers = handover.join(
        frame.select(
            pl.col("code").alias("successor_code"),
            pl.col("valid_from").alias("s_from"),
            pl.col("valid_to").alias("s_to"),
        ),
        on="successor_code",
    ).filter(
        (pl.col("s_from") <= pl.col("handover"))
        & (pl.col("s_to").is_null() | (pl.col("s_to") >= pl.col("handover")))
    )
    orphaned = handover.join(takers.select(LINE), on=LINE, how="anti").filter(
        pl.col("successor_code").is_in(frame.get_column("code").unique().implode())
    )
    return problems_where(
        orphaned,
        pl.lit(True),
        file,
        "successor_code",
        both(
            pl.lit("đơn vị kế thừa ")
            + pl.col("successor_code")
            + pl.lit(" không có hiệu lực vào ngày ")
            + pl.col("handover").dt.to_string("%Y-%m-%d")
            + pl.lit(", ngày sau khi đơn vị này kết thúc: số liệu của đơn vị này sẽ bị mất"),
            pl.lit("successor ")
            + pl.col("successor_code")
            + pl.lit(" is not valid on ")
            + pl.col("handover").dt.to_string("%Y-%m-%d")
            + pl.lit(", the day after this unit ends: its history would be lost"),
        ),
    )


def _parents_not_covering(frame: pl.DataFrame, file: str) -> list[ConfigProblem]:
    """A unit's parent must be valid on every day the unit is, or the unit drops out of
    the roll-up on the days it is not (a code names the row valid on the day).

    The parent may be several consecutive rows of its code: the days none of them
    covers are the gaps, found by sorting the parent rows of each unit row and
    comparing each start with the furthest end before it.
    """
    well_formed = frame.with_columns(pl.col("valid_to").fill_null(_OPEN_END)).filter(
        pl.col("valid_to") >= pl.col("valid_from")
    )
    children = well_formed.filter(
        pl.col("parent_code").is_in(frame.get_column("code").unique().implode())
    ).select(
        LINE, "parent_code", pl.col("valid_from").alias("c_from"), pl.col("valid_to").alias("c_to")
    )
    pieces = (
        children.join(
            well_formed.select(
                pl.col("code").alias("parent_code"),
                pl.col("valid_from").alias("p_from"),
                pl.col("valid_to").alias("p_to"),
            ),
            on="parent_code",
        )
        .filter((pl.col("p_from") <= pl.col("c_to")) & (pl.col("p_to") >= pl.col("c_from")))
        .select(
            LINE,
            "c_from",
            "c_to",
            pl.max_horizontal("p_from", "c_from").alias("p_from"),
            pl.min_horizontal("p_to", "c_to").alias("p_to"),
        )
        .sort(LINE, "p_from")
        .with_columns(
            # the first day not yet covered before this piece
            (pl.col("p_to").cum_max().shift(1).over(LINE) + pl.duration(days=1))
            .fill_null(pl.col("c_from"))
            .alias("reach")
        )
    )
    before = pieces.filter(pl.col("p_from") > pl.col("reach")).select(
        LINE,
        pl.col("reach").alias("gap_from"),
        (pl.col("p_from") - pl.duration(days=1)).alias("gap_to"),
    )
    after = (
        pieces.group_by(LINE)
        .agg(pl.col("p_to").max(), pl.col("c_to").first())
        .filter(pl.col("p_to") < pl.col("c_to"))
        .select(
            LINE,
            (pl.col("p_to") + pl.duration(days=1)).alias("gap_from"),
            pl.col("c_to").alias("gap_to"),
        )
    )
    uncovered = children.join(pieces.select(LINE), on=LINE, how="anti").select(
        LINE, pl.col("c_from").alias("gap_from"), pl.col("c_to").alias("gap_to")
    )
    gaps = pl.concat([before, after, uncovered])
    if gaps.is_empty():
        return []
    first, last = (pl.col(c).dt.to_string("%Y-%m-%d") for c in ("gap_from", "gap_to"))

    def span(on: str, since: str, onwards: str, to: str) -> pl.Expr:
        return (
            pl.when(pl.col("gap_to") == _OPEN_END)
            .then(pl.lit(since) + first + pl.lit(onwards))
            .when(pl.col("gap_to") == pl.col("gap_from"))
            .then(pl.lit(on) + first)
            .otherwise(pl.lit(since) + first + pl.lit(to) + last)
        )

    spans = (
        gaps.sort(LINE, "gap_from")
        .group_by(LINE, maintain_order=True)
        .agg(
            span("on ", "from ", " onwards", " to ").str.join(" nor ").alias("spans"),
            span("ngày ", "từ ", " trở đi", " đến ").str.join(" và ").alias("spans_vi"),
        )
    )
    return problems_where(
        frame.join(spans, on=LINE).sort(LINE),
        pl.lit(True),
        file,
        "parent_code",
        both(
            pl.lit("đơn vị cấp trên ")
            + pl.col("parent_code")
            + pl.lit(" không có hiệu lực ")
            + pl.col("spans_vi")
            + pl.lit(": khi đó đơn vị này sẽ bị bỏ sót khi tổng hợp"),
            pl.lit("parent ")
            + pl.col("parent_code")
            + pl.lit(" is not valid ")
            + pl.col("spans")
            + pl.lit(": this unit would be left out of the roll-up then"),
        ),
    )


def _overlaps(frame: pl.DataFrame, file: str) -> list[ConfigProblem]:
    """A reused code must not have two rows valid on the same day."""
    ordered = frame.sort("code", "valid_from").with_columns(
        pl.col("valid_to").shift(1).over("code").alias("prev_to"),
        pl.col("valid_from").shift(1).over("code").alias("prev_from"),
        pl.col(LINE).shift(1).over("code").alias("prev_line"),
    )
    overlapping = pl.col("prev_from").is_not_null() & (
        pl.col("prev_to").is_null() | (pl.col("prev_to") >= pl.col("valid_from"))
    )
    message = both(
        pl.lit("thời gian hiệu lực trùng với dòng ")
        + pl.col("prev_line").cast(pl.String)
        + pl.lit(" cùng mã (một mã dùng lại phải có thời gian hiệu lực không chồng lên nhau)"),
        pl.lit("validity overlaps line ")
        + pl.col("prev_line").cast(pl.String)
        + pl.lit(" with the same code (a reused code needs non-overlapping dates)"),
    )
    return problems_where(ordered, overlapping, file, "valid_from", message)


def _cycles(frame: pl.DataFrame, file: str) -> list[ConfigProblem]:
    """Units whose parent chain comes back to themselves.

    Walks every chain upward at once; a chain longer than the number of codes
    can only be a loop.
    """
    edges = frame.select("code", "parent_code").unique()
    walk = edges.select("code", pl.col("parent_code").alias("ancestor"))
    looping: set[str] = set()
    for _ in range(edges.height + 1):
        walk = walk.filter(pl.col("ancestor").is_not_null())
        looping |= set(walk.filter(pl.col("ancestor") == pl.col("code")).get_column("code"))
        walk = walk.filter(pl.col("ancestor") != pl.col("code"))
        if walk.is_empty():
            break
        walk = (
            walk.join(edges, left_on="ancestor", right_on="code", how="inner")
            .select("code", pl.col("parent_code").alias("ancestor"))
            .unique()
        )
    return problems_where(
        frame.unique("code", keep="first").sort(LINE),
        pl.col("code").is_in(sorted(looping)),
        file,
        "parent_code",
        both(
            "chuỗi đơn vị cấp trên quay lại chính đơn vị này (vòng lặp trong hệ thống đơn vị)",
            "the parent chain loops back to this unit (cycle in the hierarchy)",
        ),
    )


def load_targets(path: Path) -> tuple[pl.DataFrame | None, list[ConfigProblem]]:
    """Targets with numeric ``year``, ``target`` and ``baseline``."""
    frame, problems = read_text_table(
        path, TARGET_COLUMNS, ("indicator_code", "org_unit_code", "year", "target")
    )
    if frame is None:
        return None, problems
    file = path.name
    for key in ("indicator_code", "org_unit_code", "year", "target"):
        problems += problems_where(frame, pl.col(key).is_null(), file, key, VALUE_MISSING)
    problems += problems_where(
        frame,
        pl.col("year").is_not_null() & ~pl.col("year").str.contains(r"^[1-9][0-9]{3}$"),
        file,
        "year",
        both("không phải năm (YYYY)", "not a year (YYYY)"),
    )
    problems += problems_where(
        frame,
        pl.col("valid_from").is_not_null()
        & (
            ~pl.col("valid_from").str.contains(_DATE)
            | pl.col("valid_from").str.to_date(strict=False).is_null()
        ),
        file,
        "valid_from",
        NOT_ISO_DATE,
    )
    for key, vi in (("target", "kế hoạch"), ("baseline", "mức cơ sở")):
        problems += number_problems(frame, file, key)
        # SPEC §3.4 divides by the target: a negative one gave a unit -78,46 % for its work
        value = pl.col(key).cast(pl.Float64, strict=False)
        problems += problems_where(
            frame,
            pl.col(key).str.contains(_NUMBER) & ~beyond_exact(pl.col(key)) & (value < 0),
            file,
            key,
            pl.lit(
                both(
                    f"{vi} là số âm, phải từ 0 trở lên",
                    f"the {key} is negative, it must be 0 or more",
                )
            )
            + pl.lit(": ")
            + pl.col(key),
        )
    if problems:
        return None, problems
    frame = frame.with_columns(
        pl.col("year").cast(pl.Int32),
        pl.col("target").cast(pl.Float64),
        pl.col("baseline").cast(pl.Float64),
        pl.col("valid_from").str.to_date(),
    )
    duplicated = pl.struct("indicator_code", "org_unit_code", "year", "valid_from").is_duplicated()
    problems += problems_where(
        frame,
        duplicated,
        file,
        "indicator_code",
        both("kế hoạch trùng cho đơn vị và năm này", "duplicate target for this unit and year"),
    )
    return (None, problems) if problems else (frame, [])
