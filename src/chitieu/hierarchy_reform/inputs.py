"""Reading the reform's two input files and checking them, every problem at once.

The pre-reform units (``code,name,level,parent_code``) and the crosswalk
(``level,new_code,new_name,new_parent_code,old_code,old_name,type``) are read as text
(codes keep their leading zeros), each row with its ``line`` in the file. Each check is
a polars filter over the whole file; the rows it flags become problems naming the file,
the line and the column, in Vietnamese and English.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

import polars as pl

from chitieu.config.wording import not_utf8
from chitieu.errors import ConfigProblem, ReformDataError

UNIT_COLUMNS: Final = ("code", "name", "level", "parent_code")
CROSSWALK_COLUMNS: Final = (
    "level",
    "new_code",
    "new_name",
    "new_parent_code",
    "old_code",
    "old_name",
    "type",
)
OLD_LEVELS: Final = ("province", "district", "commune")
NEW_LEVELS: Final = ("province", "commune")
TYPES: Final = ("full", "partial")
LINE: Final = "line"


def read_table(path: Path, columns: tuple[str, ...]) -> pl.DataFrame:
    """Every cell as stripped text (empty → null) and the row's ``line``; raises
    `ReformDataError` for a file that is missing, not UTF-8, not CSV or lacks a column."""
    name = str(path)
    if not path.is_file():
        raise ReformDataError([ConfigProblem(name, "", "", "không tìm thấy tệp / file not found")])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReformDataError([ConfigProblem(name, "", "", not_utf8(exc))]) from None
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReformDataError(
            [
                ConfigProblem(
                    name, "", "", f"không đọc được tệp CSV / not a readable CSV file: {first}"
                )
            ]
        ) from None
    header = [c.strip() for c in frame.columns]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReformDataError(
            [
                ConfigProblem(
                    name,
                    "line 1",
                    column,
                    f"thiếu cột '{column}' (cần: {','.join(columns)}) / column '{column}' is "
                    f"missing (expected: {','.join(columns)})",
                )
                for column in missing
            ]
        )
    frame = frame.rename(dict(zip(frame.columns, header, strict=True)))
    frame = frame.select(
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(LINE),
        *[pl.col(c).str.strip_chars().replace("", None).alias(c) for c in columns],
    ).rechunk()  # see `flagged`
    # a blank line is not a row (numbered first, so the lines after it keep their numbers)
    return frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in columns))


def flagged(
    frame: pl.DataFrame, condition: pl.Expr, file: str, key: str, message: pl.Expr | str
) -> list[ConfigProblem]:
    """One problem per row matching ``condition``; ``message`` may be a per-row expression.

    The rows are rechunked before ``pl.format`` runs on them: read_csv returns a file of
    a few tens of kilobytes or more in several chunks (``line`` is one), a filter of such a
    frame can keep an empty chunk between the rows it keeps, and ``pl.format`` (polars
    2.1) indexes past an empty chunk and panics (as in pola-rs/polars#25187): a national
    units file with a code in it twice crashed instead of saying so. `read_table`
    rechunks what it reads too, so that no filter of it makes such chunks.
    """
    rows = frame.filter(condition).rechunk()
    if rows.is_empty():
        return []
    text = pl.lit(message) if isinstance(message, str) else message
    return [
        ConfigProblem(file, f"line {line}", key, msg)
        for line, msg in rows.select(LINE, text.alias("message")).iter_rows()
    ]


def _missing(frame: pl.DataFrame, file: str, keys: tuple[str, ...]) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for key in keys:
        problems += flagged(
            frame, pl.col(key).is_null(), file, key, "thiếu giá trị / value is missing"
        )
    return problems


def _not_one_of(
    frame: pl.DataFrame, file: str, key: str, allowed: tuple[str, ...]
) -> list[ConfigProblem]:
    listed = ", ".join(allowed)
    return flagged(
        frame,
        pl.col(key).is_not_null() & ~pl.col(key).is_in(allowed),
        file,
        key,
        pl.format(
            f"'{{}}' không phải một trong: {listed} / '{{}}' is not one of: {listed}",
            pl.col(key),
            pl.col(key),
        ),
    )


def check_units(units: pl.DataFrame, file: str) -> list[ConfigProblem]:
    """Codes present and unique, levels known, every district and commune under a unit
    of the level above."""
    problems = _missing(units, file, ("code", "name", "level"))
    problems += _not_one_of(units, file, "level", OLD_LEVELS)
    problems += flagged(
        units,
        pl.col("code").is_not_null() & pl.col("code").is_duplicated(),
        file,
        "code",
        pl.format(
            "mã {} xuất hiện nhiều lần / code {} appears more than once",
            pl.col("code"),
            pl.col("code"),
        ),
    )
    above = {"district": "province", "commune": "district"}
    parents = units.select(
        pl.col("code").alias("parent_code"), pl.col("level").alias("parent_level")
    ).unique("parent_code", keep="first")
    joined = units.join(parents, on="parent_code", how="left")
    expected = pl.col("level").replace_strict(above, default=None)
    problems += flagged(
        joined,
        pl.col("level").is_in(list(above)) & pl.col("parent_code").is_null(),
        file,
        "parent_code",
        pl.format(
            "đơn vị cấp {} phải có đơn vị cấp trên / a {} needs a parent_code",
            pl.col("level"),
            pl.col("level"),
        ),
    )
    problems += flagged(
        joined,
        pl.col("level").is_in(list(above))
        & pl.col("parent_code").is_not_null()
        & (pl.col("parent_level").is_null() | (pl.col("parent_level") != expected)),
        file,
        "parent_code",
        pl.format(
            "đơn vị cấp trên {} không phải một {} trong tệp / parent {} is not a {} of the file",
            pl.col("parent_code"),
            expected,
            pl.col("parent_code"),
            expected,
        ),
    )
    problems += flagged(
        units,
        (pl.col("level") == "province") & pl.col("parent_code").is_not_null(),
        file,
        "parent_code",
        "tỉnh không có đơn vị cấp trên / a province has no parent_code",
    )
    return problems


def check_crosswalk(
    crosswalk: pl.DataFrame, units: pl.DataFrame, file: str, units_file: str
) -> list[ConfigProblem]:
    """Every row names a known old unit of the right level and a new unit with one name
    and one parent; an old unit ``full`` in a row is in no other row (its shares would
    add up to more than 1); every old province and commune has a row."""
    problems = _missing(crosswalk, file, ("level", "new_code", "new_name", "old_code", "type"))
    problems += _not_one_of(crosswalk, file, "level", NEW_LEVELS)
    problems += _not_one_of(crosswalk, file, "type", TYPES)
    if problems:
        return problems
    old = units.select(pl.col("code").alias("old_code"), pl.col("level").alias("old_level"))
    rows = crosswalk.join(old, on="old_code", how="left")
    problems += flagged(
        rows,
        pl.col("old_level").is_null(),
        file,
        "old_code",
        pl.format(
            "mã cũ {} không có trong {} / old code {} is not in {}",
            pl.col("old_code"),
            pl.lit(units_file),
            pl.col("old_code"),
            pl.lit(units_file),
        ),
    )
    # a province comes from provinces; a commune from communes (or from one of the
    # island districts that had no communes: Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo)
    wrong_level = pl.col("old_level").is_not_null() & pl.when(pl.col("level") == "province").then(
        pl.col("old_level") != "province"
    ).otherwise(pl.col("old_level") == "province")
    problems += flagged(
        rows,
        wrong_level,
        file,
        "old_code",
        pl.format(
            "đơn vị cũ {} ({}) không thể hợp thành một {} / old unit {} (a {}) cannot make up "
            "a new {}",
            pl.col("old_code"),
            pl.col("old_level"),
            pl.col("level"),
            pl.col("old_code"),
            pl.col("old_level"),
            pl.col("level"),
        ),
    )
    provinces = crosswalk.filter(pl.col("level") == "province").get_column("new_code")
    problems += flagged(
        crosswalk,
        (pl.col("level") == "commune")
        & (
            pl.col("new_parent_code").is_null()
            | ~pl.col("new_parent_code").is_in(provinces.implode())
        ),
        file,
        "new_parent_code",
        pl.format(
            "'{}' không phải mã tỉnh mới của tệp / '{}' is not a new province of the file",
            pl.col("new_parent_code").fill_null(""),
            pl.col("new_parent_code").fill_null(""),
        ),
    )
    problems += flagged(
        crosswalk,
        (pl.col("level") == "province") & pl.col("new_parent_code").is_not_null(),
        file,
        "new_parent_code",
        "tỉnh mới không có đơn vị cấp trên / a new province has no new_parent_code",
    )
    problems += _one_name_per_new_unit(crosswalk, file)
    problems += flagged(
        crosswalk,
        pl.struct("level", "new_code", "old_code").is_duplicated(),
        file,
        "old_code",
        pl.format(
            "cặp {} → {} lặp lại / the pair {} → {} is repeated",
            pl.col("old_code"),
            pl.col("new_code"),
            pl.col("old_code"),
            pl.col("new_code"),
        ),
    )
    problems += _full_elsewhere(crosswalk, file)
    problems += _old_units_without_row(units, crosswalk, units_file, file)
    return problems


def _one_name_per_new_unit(crosswalk: pl.DataFrame, file: str) -> list[ConfigProblem]:
    first = crosswalk.group_by("level", "new_code").agg(
        pl.col("new_name").first().alias("first_name"),
        pl.col("new_parent_code").first().alias("first_parent"),
        pl.col(LINE).min().alias("first_line"),
    )
    rows = crosswalk.join(first, on=("level", "new_code"))
    problems = flagged(
        rows,
        pl.col("new_name") != pl.col("first_name"),
        file,
        "new_name",
        pl.format(
            "đơn vị mới {} có tên khác ở dòng {} / new unit {} is named differently on line {}",
            pl.col("new_code"),
            pl.col("first_line"),
            pl.col("new_code"),
            pl.col("first_line"),
        ),
    )
    return problems + flagged(
        rows,
        pl.col("new_parent_code").ne_missing(pl.col("first_parent")),
        file,
        "new_parent_code",
        pl.format(
            "đơn vị mới {} có đơn vị cấp trên khác ở dòng {} / new unit {} has another parent "
            "on line {}",
            pl.col("new_code"),
            pl.col("first_line"),
            pl.col("new_code"),
            pl.col("first_line"),
        ),
    )


def _full_elsewhere(crosswalk: pl.DataFrame, file: str) -> list[ConfigProblem]:
    """An old unit that went ``full`` to one new unit cannot also go (partly) to another."""
    full = crosswalk.filter(pl.col("type") == "full").select(
        "old_code", pl.col(LINE).alias("full_line"), pl.col("new_code").alias("full_new")
    )
    rows = crosswalk.join(full, on="old_code").filter(
        (pl.col(LINE) != pl.col("full_line"))
        & (pl.col("new_code") != pl.col("full_new"))  # a repeated row is reported as such
    )
    return flagged(
        rows,
        pl.lit(True),
        file,
        "type",
        pl.format(
            "đơn vị cũ {} đã nhập toàn bộ ('full') vào {} ở dòng {}, không thể còn phần nào "
            "cho {} / old unit {} went whole ('full') to {} on line {}: none of it is left "
            "for {}",
            pl.col("old_code"),
            pl.col("full_new"),
            pl.col("full_line"),
            pl.col("new_code"),
            pl.col("old_code"),
            pl.col("full_new"),
            pl.col("full_line"),
            pl.col("new_code"),
        ),
    )


def _old_units_without_row(
    units: pl.DataFrame, crosswalk: pl.DataFrame, units_file: str, file: str
) -> list[ConfigProblem]:
    """An old province or commune the crosswalk does not name would lose its history."""
    named = crosswalk.select(pl.col("old_code").alias("code")).unique()
    lost = units.filter(pl.col("level").is_in(["province", "commune"])).join(
        named, on="code", how="anti"
    )
    return flagged(
        lost,
        pl.lit(True),
        units_file,
        "code",
        pl.format(
            "{} {} ({}) không có dòng nào trong {}: số liệu của nó sẽ mất / {} {} ({}) has no "
            "row in {}: its history would be lost",
            pl.col("level"),
            pl.col("code"),
            pl.col("name"),
            pl.lit(file),
            pl.col("level"),
            pl.col("code"),
            pl.col("name"),
            pl.lit(file),
        ),
    )


def read_units(path: Path) -> pl.DataFrame:
    """The pre-reform units, checked; raises `ReformDataError` with every problem."""
    units = read_table(path, UNIT_COLUMNS)
    problems = check_units(units, str(path))
    if problems:
        raise ReformDataError(problems)
    return units


def read_crosswalk(path: Path, units: pl.DataFrame, units_path: Path) -> pl.DataFrame:
    """The crosswalk, checked against the units; raises `ReformDataError`."""
    crosswalk = read_table(path, CROSSWALK_COLUMNS)
    problems = check_crosswalk(crosswalk, units, str(path), str(units_path))
    if problems:
        raise ReformDataError(problems)
    return crosswalk
