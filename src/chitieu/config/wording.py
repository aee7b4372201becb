"""How a configuration problem reads: Vietnamese, then English, ``vi / en``.

The data team reads these (SPEC §2 asks the same of a submission's messages). A value
shown as written, or a library's own words (the YAML parser's, pydantic's), follow
the English after a colon, once: ``không phải YAML hợp lệ / not valid YAML: ...``.
The words several files share are here; a message said in one place is written there,
with `both`.
"""

from __future__ import annotations

from typing import Any, Final, overload

import polars as pl

from chitieu.errors import FormulaError


@overload
def both(vi: str, en: str) -> str: ...
@overload
def both(vi: pl.Expr, en: str | pl.Expr) -> pl.Expr: ...
@overload
def both(vi: str, en: pl.Expr) -> pl.Expr: ...
def both(vi: str | pl.Expr, en: str | pl.Expr) -> str | pl.Expr:
    """``vi / en``; a per-row expression when either part is one."""
    if isinstance(vi, str) and isinstance(en, str):
        return f"{vi} / {en}"
    return _expr(vi) + pl.lit(" / ") + _expr(en)


def _expr(part: str | pl.Expr) -> pl.Expr:
    return pl.lit(part) if isinstance(part, str) else part


FILE_MISSING: Final = both("thiếu tệp", "file is missing")
VALUE_MISSING: Final = both("thiếu giá trị", "value is missing")
NOT_ISO_DATE: Final = both(
    "không phải ngày theo dạng ISO (YYYY-MM-DD)", "not an ISO date (YYYY-MM-DD)"
)
UNKNOWN_COLUMN: Final = both("cột không có trong quy định", "unknown column")
REQUIRED_COLUMN: Final = both("thiếu cột bắt buộc", "required column is missing")
UNKNOWN_KEY: Final = both("khóa không có trong quy định", "unknown key")
REQUIRED_KEY: Final = both("thiếu khóa bắt buộc", "required key is missing")
DIVIDES_BY_ZERO: Final = both("chia cho số 0", "divides by a literal zero")
NUMBER_TOO_LARGE: Final = both("số quá lớn", "number too large")
NUMBER_NOT_EXACT: Final = both(
    "số quá lớn để giữ chính xác (trị tuyệt đối quá 9.007.199.254.740.992)",
    "number too large to be kept exactly (magnitude over 9,007,199,254,740,992)",
)
BLANK_NAME: Final = both(
    "tên trống: không có chữ, số hay ký hiệu nào hiện ra",
    "the name is blank: no letter, digit or sign of it would print; write it",
)
"""A name the review prints that would print as nothing (`chitieu.shown.prints_nothing`)."""
_UTF8_REASONS: Final = {
    "invalid start byte": "byte mở đầu không hợp lệ",
    "invalid continuation byte": "byte nối tiếp không hợp lệ",
    "unexpected end of data": "tệp hết giữa chừng một ký tự",
}
"""What Python's UTF-8 decoder says, in Vietnamese (by its own words, which it keeps)."""


def not_utf8(exc: UnicodeDecodeError) -> str:
    """A file that is not UTF-8: where, and why in Vietnamese where the decoder's reason
    is one it gives; its own words after, in English."""
    meaning = _UTF8_REASONS.get(exc.reason)
    why = f"{meaning} ở byte {exc.start}" if meaning else f"byte {exc.start}"
    return both(
        f"tệp không phải văn bản UTF-8 ({why})",
        f"not UTF-8 text ({exc.reason} at byte {exc.start})",
    )


_CODE_NOUNS: Final = {"elements": "mã phần tử", "indicators": "mã chỉ tiêu", "rules": "mã quy tắc"}


def duplicate_code(section: str, first: int) -> str:
    """A code of ``section`` (elements, indicators, rules) already used by entry ``first``."""
    return both(
        f"{_CODE_NOUNS[section]} trùng, đã dùng ở {section}[{first}]",
        f"duplicate code, already used by {section}[{first}]",
    )


def unknown_element(codes: str) -> str:
    return both(f"phần tử {codes} không có trong danh mục", f"unknown element {codes}")


def unknown_level(level: str, levels: set[str], units_file: str) -> str:
    listed = ", ".join(sorted(levels))
    return both(
        f"cấp '{level}' không có trong {units_file} (các cấp: {listed})",
        f"level '{level}' does not exist in {units_file} (levels: {listed})",
    )


def unknown_indicator(code: pl.Expr) -> pl.Expr:
    return both(
        pl.lit("mã chỉ tiêu ") + code + pl.lit(" không có trong catalog.yaml"),
        pl.lit("unknown indicator ") + code,
    )


def unknown_unit(code: pl.Expr) -> pl.Expr:
    return both(
        pl.lit("mã đơn vị ") + code + pl.lit(" không có trong org_units.csv"),
        pl.lit("unknown unit ") + code,
    )


def formula_problem(exc: FormulaError) -> str:
    """A formula that does not parse: `FormulaError` keeps its Vietnamese apart."""
    return both(exc.vi, str(exc)) if exc.vi else str(exc)


_LIMITS: Final = {
    "greater_than": ("phải lớn hơn", "gt"),
    "greater_than_equal": ("phải lớn hơn hoặc bằng", "ge"),
    "less_than": ("phải nhỏ hơn", "lt"),
    "less_than_equal": ("phải nhỏ hơn hoặc bằng", "le"),
}
_TYPES: Final = (
    (
        "string_pattern_mismatch",
        "mã chỉ gồm chữ in hoa không dấu, chữ số và dấu _, bắt đầu bằng chữ in hoa",
    ),
    ("int", "phải là số nguyên"),
    ("float", "phải là một số"),
    ("bool", "phải là true hoặc false"),
    ("date", "phải là ngày theo dạng YYYY-MM-DD"),
    ("string", "phải là một chuỗi ký tự"),
    ("list", "phải là một danh sách"),
    ("dict", "phải là một bảng khóa: giá trị"),
    ("model", "phải là một bảng khóa: giá trị"),
)
"""A pydantic error type's beginning, and what it means in Vietnamese."""


def pydantic_problem(error: Any) -> str:
    """One of pydantic's errors on catalog.yaml: its own English after what it means in
    Vietnamese (by its type and context); a value error of a validator of ours as
    that validator wrote it (already ``vi / en``, without pydantic's "Value error, ")."""
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "literal_error":
        vi = f"phải là {str(ctx.get('expected', '')).replace(' or ', ' hoặc ')}"
    elif kind in _LIMITS and _LIMITS[kind][1] in ctx:
        words, name = _LIMITS[kind]
        limit = ctx[name]
        vi = f"{words} {limit:g}" if isinstance(limit, float) else f"{words} {limit}"
    elif kind in ("string_too_short", "too_short") and "min_length" in ctx:
        noun = "ký tự" if kind == "string_too_short" else "mục"
        vi = f"phải có ít nhất {ctx['min_length']} {noun}"
    else:
        vi = next(
            (words for prefix, words in _TYPES if kind.startswith(prefix)), "giá trị không hợp lệ"
        )
    return both(vi, str(error["msg"]))
