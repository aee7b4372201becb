"""successions.csv (optional): which new units took over which old ones, and how much.

``old_code,new_code,date,share``: one row per old unit and new unit that took over
(part of) it on ``date``, the day after the old unit's ``valid_to``; ``share`` in (0, 1]
is the part of the old unit that went to the new one, empty where nobody knows it.
``successor_code`` in org_units.csv is the short form: one row with share 1.

Codes are reused after mergers, so a succession links unit rows (``unit_id``): the
old code's row that ends the day before ``date`` and the new code's row valid on
``date``. The loaded table holds both forms, one row per (old row, new row). The
same pair in both files is one fact when successions.csv gives it share 1, and a
mistake with any other share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from chitieu.config.tables import LINE, ORG_UNITS_FILE, problems_where, read_text_table
from chitieu.config.wording import NOT_ISO_DATE, VALUE_MISSING, both
from chitieu.errors import ConfigProblem

SUCCESSIONS_FILE: Final = "successions.csv"
SUCCESSION_COLUMNS: Final = ("old_code", "new_code", "date", "share")
_NUMBER: Final = r"^[0-9]+(\.[0-9]+)?$"
_DATE: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_OVER: Final = 1e-9
"""Shares written with a few decimals (0.333, 0.333, 0.334) add up to 1 within this."""

SUCCESSIONS_SCHEMA: Final = {
    "old_id": pl.UInt32,
    "new_id": pl.UInt32,
    "date": pl.Date,
    "share": pl.Float64,
}
"""The loaded table: the old unit row, the new unit row, the day the new one took over,
the share (null: not known)."""


def no_successions() -> pl.DataFrame:
    return pl.DataFrame(schema=SUCCESSIONS_SCHEMA)


def from_org_units(org_units: pl.DataFrame) -> pl.DataFrame:
    """The successions ``successor_code`` declares: the successor's row valid on the day
    after the unit's ``valid_to``, share 1 (`load_org_units` checked that there is one)."""
    ended = org_units.filter(
        pl.col("successor_code").is_not_null() & pl.col("valid_to").is_not_null()
    ).select(
        pl.col("unit_id").alias("old_id"),
        "successor_code",
        (pl.col("valid_to") + pl.duration(days=1)).alias("date"),
    )
    return (
        ended.join(
            org_units.select(
                pl.col("code").alias("successor_code"),
                pl.col("unit_id").alias("new_id"),
                "valid_from",
                "valid_to",
            ),
            on="successor_code",
        )
        .filter(
            (pl.col("valid_from") <= pl.col("date"))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("date")))
        )
        .unique("old_id", keep="first")
        .select(
            pl.col("old_id").cast(pl.UInt32),
            pl.col("new_id").cast(pl.UInt32),
            "date",
            pl.lit(1.0).alias("share"),
        )
        .sort("old_id")
    )


def load_successions(
    path: Path, org_units: pl.DataFrame
) -> tuple[pl.DataFrame | None, list[ConfigProblem]]:
    """Every succession of the configuration (`SUCCESSIONS_SCHEMA`): org_units.csv's
    ``successor_code`` and, when the file exists, successions.csv, checked."""
    short = from_org_units(org_units)
    if not path.exists():
        return short, []
    frame, problems = read_text_table(path, SUCCESSION_COLUMNS, ("old_code", "new_code", "date"))
    if frame is None:
        return None, problems
    file = path.name
    for key in ("old_code", "new_code", "date"):
        problems += problems_where(frame, pl.col(key).is_null(), file, key, VALUE_MISSING)
    problems += problems_where(
        frame,
        pl.col("date").is_not_null()
        & (
            ~pl.col("date").str.contains(_DATE) | pl.col("date").str.to_date(strict=False).is_null()
        ),
        file,
        "date",
        pl.lit(f"{NOT_ISO_DATE}: ") + pl.col("date"),
    )
    number = pl.col("share").str.contains(_NUMBER)
    problems += problems_where(
        frame,
        pl.col("share").is_not_null() & ~number,
        file,
        "share",
        pl.lit(
            both(
                "tỷ lệ không phải số viết đúng dạng (tỷ lệ trong khoảng (0, 1], dùng dấu '.' "
                "cho phần thập phân, để trống nếu không rõ)",
                "not a plain number (a share in (0, 1], '.' for decimals, empty if unknown): ",
            )
        )
        + pl.col("share"),
    )
    share = pl.col("share").cast(pl.Float64, strict=False)
    # 0.000…1 with 400 zeros is in (0, 1] but read as 0: said so, not "outside"
    rounds_to_zero = (share == 0) & pl.col("share").str.contains("[1-9]")
    problems += problems_where(
        frame,
        pl.col("share").is_not_null()
        & number
        & ~share.is_between(0, 1, closed="right")
        & ~rounds_to_zero,
        file,
        "share",
        both(
            pl.lit("tỷ lệ ") + pl.col("share") + pl.lit(" nằm ngoài khoảng (0, 1]"),
            pl.lit("share ") + pl.col("share") + pl.lit(" is outside (0, 1]"),
        ),
    )
    problems += problems_where(
        frame,
        pl.col("share").is_not_null() & number & rounds_to_zero,
        file,
        "share",
        pl.lit(
            both(
                "tỷ lệ quá nhỏ, được đọc thành 0; tỷ lệ phải trong khoảng (0, 1]",
                "share too small, it is read as 0; a share is in (0, 1]: ",
            )
        )
        + pl.col("share"),
    )
    known = org_units.get_column("code").unique().implode()
    for key, what, what_vi in (
        ("old_code", "old unit", "đơn vị cũ"),
        ("new_code", "new unit", "đơn vị mới"),
    ):
        problems += problems_where(
            frame,
            pl.col(key).is_not_null() & ~pl.col(key).is_in(known),
            file,
            key,
            both(
                pl.lit(f"{what_vi} ") + pl.col(key) + pl.lit(f" không có trong {ORG_UNITS_FILE}"),
                pl.lit(f"{what} ") + pl.col(key) + pl.lit(f" does not exist in {ORG_UNITS_FILE}"),
            ),
        )
    problems += problems_where(
        frame,
        pl.struct("old_code", "new_code", "date").is_duplicated(),
        file,
        "new_code",
        # one row per pair: two would be two shares of the same thing
        both(
            pl.lit("việc kế thừa ")
            + pl.col("old_code")
            + pl.lit(" → ")
            + pl.col("new_code")
            + pl.lit(" vào ngày này được ghi hai lần"),
            pl.lit("the succession ")
            + pl.col("old_code")
            + pl.lit(" → ")
            + pl.col("new_code")
            + pl.lit(" on this date is given twice"),
        ),
    )
    if problems:
        return None, problems
    typed = frame.with_columns(pl.col("date").str.to_date(), pl.col("share").cast(pl.Float64))
    linked, problems = _linked_to_rows(typed, org_units, file)
    problems += _cycles(typed, org_units, short, file)
    if problems:
        return None, problems
    problems += _against_successor_codes(linked, org_units, file)
    problems += _shares_over_one(linked, short, org_units, file)
    if problems:
        return None, problems
    merged = pl.concat([short, linked.select(list(SUCCESSIONS_SCHEMA))]).unique(
        ["old_id", "new_id"], keep="first", maintain_order=True
    )
    return merged.sort("old_id", "new_id"), []


def _rows(org_units: pl.DataFrame, prefix: str) -> pl.DataFrame:
    return org_units.select(
        pl.col("code").alias(f"{prefix}_code"),
        pl.col("unit_id").cast(pl.UInt32).alias(f"{prefix}_id"),
        pl.col("valid_from").alias(f"{prefix}_from"),
        pl.col("valid_to").alias(f"{prefix}_to"),
    )


def _linked_to_rows(
    frame: pl.DataFrame, org_units: pl.DataFrame, file: str
) -> tuple[pl.DataFrame, list[ConfigProblem]]:
    """Each line with ``old_id`` (the old code's row ending the day before ``date``) and
    ``new_id`` (the new code's row valid on ``date``); the lines where either is missing
    are problems."""
    old = (
        frame.join(_rows(org_units, "old"), on="old_code")
        .filter(pl.col("old_to") == pl.col("date") - pl.duration(days=1))
        .select(LINE, "old_id")
    )
    new = (
        frame.join(_rows(org_units, "new"), on="new_code")
        .filter(
            (pl.col("new_from") <= pl.col("date"))
            & (pl.col("new_to").is_null() | (pl.col("new_to") >= pl.col("date")))
        )
        .select(LINE, "new_id")
    )
    linked = frame.join(old, on=LINE, how="left").join(new, on=LINE, how="left")
    ends = (
        org_units.group_by(pl.col("code").alias("old_code"))
        .agg(
            *[
                pl.col("valid_to")
                .sort()
                .dt.to_string("%Y-%m-%d")
                .fill_null(active)
                .str.join(", ")
                .alias(name)
                for name, active in (("ends", "still active"), ("ends_vi", "còn hiệu lực"))
            ]
        )
        .select("old_code", "ends", "ends_vi")
    )
    orphan = linked.join(ends, on="old_code", how="left")
    problems = problems_where(
        orphan,
        pl.col("old_id").is_null(),
        file,
        "date",
        both(
            pl.lit("ngày ")
            + pl.col("date").dt.to_string("%Y-%m-%d")
            + pl.lit(" không phải ngày liền sau valid_to của ")
            + pl.col("old_code")
            + pl.lit(f" trong {ORG_UNITS_FILE} (ngày kết thúc: ")
            + pl.col("ends_vi")
            + pl.lit(")"),
            pl.lit("the date ")
            + pl.col("date").dt.to_string("%Y-%m-%d")
            + pl.lit(" is not the day after ")
            + pl.col("old_code")
            + pl.lit(f"'s valid_to in {ORG_UNITS_FILE} (it ends: ")
            + pl.col("ends")
            + pl.lit(")"),
        ),
    )
    problems += problems_where(
        linked,
        pl.col("new_id").is_null(),
        file,
        "new_code",
        both(
            pl.lit("đơn vị mới ")
            + pl.col("new_code")
            + pl.lit(" không có hiệu lực vào ngày ")
            + pl.col("date").dt.to_string("%Y-%m-%d")
            + pl.lit(f" trong {ORG_UNITS_FILE}, ngày tiếp nhận ")
            + pl.col("old_code"),
            pl.lit("new unit ")
            + pl.col("new_code")
            + pl.lit(" is not valid on ")
            + pl.col("date").dt.to_string("%Y-%m-%d")
            + pl.lit(f" in {ORG_UNITS_FILE}, the day it takes over ")
            + pl.col("old_code"),
        ),
    )
    return linked, problems


def _against_successor_codes(
    linked: pl.DataFrame, org_units: pl.DataFrame, file: str
) -> list[ConfigProblem]:
    """A pair that org_units.csv's ``successor_code`` also gives means share 1 there."""
    declared = org_units.filter(pl.col("successor_code").is_not_null()).select(
        pl.col("unit_id").cast(pl.UInt32).alias("old_id"),
        pl.col("successor_code").alias("new_code"),
        pl.col(LINE).alias("unit_line"),
    )
    clash = linked.join(declared, on=["old_id", "new_code"]).filter(
        pl.col("share").is_null() | (pl.col("share") != 1)
    )
    return problems_where(
        clash,
        pl.lit(True),
        file,
        "share",
        both(
            pl.lit("dòng ")
            + pl.col("unit_line").cast(pl.String)
            + pl.lit(f" của {ORG_UNITS_FILE} ghi ")
            + pl.col("new_code")
            + pl.lit(" là successor_code của ")
            + pl.col("old_code")
            + pl.lit(", tức là tỷ lệ 1; ở đây tỷ lệ là ")
            + pl.col("share").cast(pl.String).fill_null("để trống"),
            pl.lit(f"{ORG_UNITS_FILE} line ")
            + pl.col("unit_line").cast(pl.String)
            + pl.lit(" names ")
            + pl.col("new_code")
            + pl.lit(" as successor_code of ")
            + pl.col("old_code")
            + pl.lit(", which means share 1; here the share is ")
            + pl.col("share").cast(pl.String).fill_null("empty"),
        ),
    )


def _shares_over_one(
    linked: pl.DataFrame, short: pl.DataFrame, org_units: pl.DataFrame, file: str
) -> list[ConfigProblem]:
    """An old unit's known shares, over both files, add up to at most 1."""
    every = pl.concat(
        [
            linked.select("old_id", "new_id", "share"),
            short.select("old_id", "new_id", "share"),
        ]
    ).unique(["old_id", "new_id"], keep="first")
    totals = every.group_by("old_id").agg(pl.col("share").sum().alias("total"))
    over = linked.join(totals, on="old_id").filter(pl.col("total") > 1 + _OVER)
    return problems_where(
        over,
        pl.lit(True),
        file,
        "share",
        both(
            pl.lit("tổng tỷ lệ của ")
            + pl.col("old_code")
            + pl.lit(" là ")
            + pl.col("total").round(6).cast(pl.String)
            + pl.lit(
                f", lớn hơn 1 (tính cả {file} và successor_code của {ORG_UNITS_FILE}): "
                "một đơn vị không thể chuyển giao nhiều hơn toàn bộ của mình"
            ),
            pl.lit("the shares of ")
            + pl.col("old_code")
            + pl.lit(" add up to ")
            + pl.col("total").round(6).cast(pl.String)
            + pl.lit(
                f", more than 1 (over {file} and the successor_code of {ORG_UNITS_FILE}): "
                "a unit cannot hand over more than all of itself"
            ),
        ),
    )


def _cycles(
    frame: pl.DataFrame, org_units: pl.DataFrame, short: pl.DataFrame, file: str
) -> list[ConfigProblem]:
    """Successions that lead back to the unit they start from, among codes that name one
    unit row only (a reused code names an old and a new unit: 28984 → 28984 is the old
    town handing over to the new commune, and the dates tell its rows apart)."""
    single = (
        org_units.group_by("code").len().filter(pl.col("len") == 1).get_column("code").implode()
    )
    codes = org_units.select(pl.col("unit_id").cast(pl.UInt32), "code")
    edges = pl.concat(
        [
            frame.select(pl.col("old_code").alias("from"), pl.col("new_code").alias("to")),
            short.join(codes, left_on="old_id", right_on="unit_id")
            .join(codes.rename({"code": "to"}), left_on="new_id", right_on="unit_id")
            .select(pl.col("code").alias("from"), "to"),
        ]
    ).filter(pl.col("from").is_in(single) & pl.col("to").is_in(single))
    edges = edges.unique()
    walk = edges.select(pl.col("from").alias("start"), pl.col("to").alias("at"))
    looping: set[str] = set()
    for _ in range(edges.height + 1):  # a step of every chain at once, never a unit
        looping |= set(walk.filter(pl.col("at") == pl.col("start")).get_column("start"))
        walk = walk.filter(pl.col("at") != pl.col("start"))
        if walk.is_empty():
            break
        walk = (
            walk.join(edges, left_on="at", right_on="from")
            .select("start", pl.col("to").alias("at"))
            .unique()
        )
    return problems_where(
        frame,
        pl.col("old_code").is_in(sorted(looping)),
        file,
        "old_code",
        both(
            pl.lit("chuỗi kế thừa của ")
            + pl.col("old_code")
            + pl.lit(" quay lại chính nó (vòng lặp): một đơn vị không thể kế thừa chính mình"),
            pl.lit("the successions of ")
            + pl.col("old_code")
            + pl.lit(" lead back to it (a cycle): a unit cannot succeed itself"),
        ),
    )
