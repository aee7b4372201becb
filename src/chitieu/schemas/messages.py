"""What a commune officer reads: one (Vietnamese, English) template per check.

Templates name columns of the display frame (`display_columns`) in braces and are
rendered for all failing rows of a check at once (`render`). Each message names
the element and the value as written, and says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

import polars as pl

from chitieu.periods import PERIOD_PATTERN, VALID_FORMS
from chitieu.schemas import wording

EXAMPLE_TIME: Final = "2024-05-16T09:00:00+07:00"
# what `chitieu.schemas.enrich` reads (a space for the T, a Z, seconds' fraction too); the
# basic form 20240516T090000+0700 is ISO 8601 as well, and not read
TIME_FORM: Final = "YYYY-MM-DD[THH:MM[:SS]][±HH:MM]"

# check -> (vi, en). The order is the order issues of one row are listed in.
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "org_unit_missing": (
        "Thiếu mã đơn vị báo cáo: ghi mã đơn vị theo danh mục đơn vị hành chính.",
        "the org unit code is empty: give the code of the reporting unit",
    ),
    "org_unit_unknown": (
        "Mã đơn vị '{unit}' không có trong danh mục đơn vị: kiểm tra lại mã (giữ nguyên "
        "các số 0 ở đầu).",
        "org unit '{unit}' does not exist in the list of org units: check the code "
        "(keep any leading zeros)",
    ),
    "org_unit_inactive": (
        "Đơn vị {unit} không hoạt động trong kỳ {period} (ngày cuối kỳ {p_end_vi}); mã "
        "{unit} có hiệu lực: {validity_vi}.{successor_vi} Kiểm tra lại mã đơn vị hoặc kỳ "
        "báo cáo.",
        "org unit {unit} is not active in period {period} (last day {p_end_en}); code "
        "{unit} is valid {validity_en}{successor_en}: check the unit code or the period",
    ),
    "period_missing": (
        f"Thiếu kỳ báo cáo: ghi kỳ theo một trong các dạng {VALID_FORMS}.",
        f"the period is empty: write it as one of {VALID_FORMS}",
    ),
    "period_invalid": (
        f"Kỳ báo cáo '{{period}}' không hợp lệ: dùng một trong các dạng {VALID_FORMS}."
        "{period_hint_vi}",
        f"period '{{period}}' is not valid: use one of {VALID_FORMS}{{period_hint_en}}",
    ),
    "period_future": (
        "Kỳ {period} bắt đầu ngày {p_start_vi}, sau ngày nhận báo cáo {received_vi}: không "
        "nhận báo cáo cho kỳ chưa bắt đầu; kiểm tra lại kỳ báo cáo.",
        "period {period} starts on {p_start_en}, after the report was received "
        "({received_en}): a report for a future period is refused; check the period",
    ),
    "element_missing": (
        "Thiếu mã chỉ tiêu cho giá trị '{value}': ghi mã chỉ tiêu theo danh mục.",
        "the element code is empty for value '{value}': give the element's code",
    ),
    "element_unknown": (
        "Mã chỉ tiêu '{element}' không có trong danh mục của nghị quyết: kiểm tra lại mã."
        "{element_hint_vi}",
        "element '{element}' is not in the resolution's catalog: check the code{element_hint_en}",
    ),
    "element_wrong_level": (
        "Chỉ tiêu {element} do {collected_vi} báo cáo; đơn vị {unit} là {level_vi} nên không "
        "báo cáo chỉ tiêu này: {leave_out_vi}.",
        "element {element_en} is collected at {collected_at} level, and unit {unit} is a "
        "{level}: {leave_out_en}",
    ),
    "element_duplicate": (
        "Chỉ tiêu {element} đã có ở {first_location_vi} của cùng báo cáo (đơn vị {unit}, kỳ "
        "{period}): mỗi chỉ tiêu chỉ ghi một lần; xóa dòng trùng.",
        "element {element_en} already appears at {first_location} of the same report (unit "
        "{unit}, period {period}): give each element once; remove the duplicate",
    ),
    "value_missing": (
        "Chỉ tiêu {element} chưa có giá trị: nhập số liệu{missing_vi}.",
        "the value of {element_en} is empty: enter a number{missing_en}",
    ),
    "value_vietnamese_format": (
        "Giá trị '{value}' của chỉ tiêu {element}{decimal_comma_vi}",
        "value '{value}' of {element_en}{decimal_comma_en}",
    ),
    "value_not_number": (
        "Giá trị '{value}' của chỉ tiêu {element} không phải là số.{number_hint_vi}",
        "value '{value}' of {element_en} is not a number.{number_hint_en}",
    ),
    "value_not_integer": (
        "Giá trị '{value}' của chỉ tiêu {element} phải là số nguyên.{integer_hint_vi}",
        "value '{value}' of {element_en} must be a whole number.{integer_hint_en}",
    ),
    "value_not_boolean": (
        "Giá trị '{value}' của chỉ tiêu {element} phải là 1 (có, đạt) hoặc 0 (không, chưa đạt).",
        "value '{value}' of {element_en} must be 1 (yes) or 0 (no)",
    ),
    "value_not_percent": (
        "Giá trị '{value}' của chỉ tiêu {element} là tỷ lệ phần trăm, phải từ 0 đến 100 "
        "(không ghi dấu %).",
        "value '{value}' of {element_en} is a percentage and must be between 0 and 100 "
        "(without the % sign)",
    ),
    "value_below_min": (
        "Giá trị '{value}' của chỉ tiêu {element} phải {range_vi}; kiểm tra lại số liệu.",
        "value '{value}' of {element_en} must be {range_en}; check the figure",
    ),
    "value_above_max": (
        "Giá trị '{value}' của chỉ tiêu {element} phải {range_vi}; kiểm tra lại số liệu.",
        "value '{value}' of {element_en} must be {range_en}; check the figure",
    ),
    "submitted_at_invalid": (
        f"Thời điểm gửi '{{submitted_at}}' không đúng dạng ngày giờ {TIME_FORM}: ghi ví dụ "
        f"{EXAMPLE_TIME} hoặc 2024-05-16 09:00 (giờ Việt Nam).",
        f"submitted_at '{{submitted_at}}' is not a date and time in the form {TIME_FORM} "
        f"(ISO 8601 extended): write e.g. {EXAMPLE_TIME}, or 2024-05-16 09:00 (Vietnam time)",
    ),
    "submitted_at_inconsistent": (
        "Thời điểm gửi '{submitted_at}' khác với '{report_submitted_at}' ở "
        "{report_submitted_location_vi}: mọi dòng của một báo cáo phải cùng một thời điểm gửi.",
        "submitted_at '{submitted_at}' differs from '{report_submitted_at}' at "
        "{report_submitted_location}: all rows of one report carry the same submitted_at",
    ),
    "submitted_at_before_period": (
        "Thời điểm gửi '{submitted_at}' trước ngày bắt đầu kỳ {period} ({p_start_vi}): kiểm "
        "tra lại ngày gửi hoặc kỳ báo cáo.",
        "submitted_at '{submitted_at}' is before period {period} starts ({p_start_en}): "
        "check the date or the period",
    ),
    "submitted_at_future": (
        "Thời điểm gửi '{submitted_at}' muộn hơn lúc hệ thống nhận tệp ({received_vi}): kiểm "
        "tra lại ngày giờ và múi giờ (giờ Việt Nam là +07:00).",
        "submitted_at '{submitted_at}' is later than the file was received ({received_en}): "
        "check the date, the time and the time zone (Vietnam is +07:00)",
    ),
}

LEVELS_VI: Final = {
    "province": "cấp tỉnh",
    "district": "cấp huyện",
    "commune": "cấp xã",
    "ward": "cấp phường",
    "hamlet": "cấp ấp",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str) -> pl.Expr:
    """A template as a string expression over the display columns."""
    pieces: list[pl.Expr] = []
    for index, part in enumerate(_PLACEHOLDER.split(template)):
        if index % 2:
            pieces.append(pl.col(part).cast(pl.String).fill_null(""))
        elif part:
            pieces.append(pl.lit(part))
    return pl.concat_str(pieces)


def _vi_date(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%d/%m/%Y")


def _number(column: str) -> pl.Expr:
    """1000.0 → "1000", 0.5 → "0.5"."""
    x = pl.col(column)
    return (
        pl.when(x == x.round())
        .then(x.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(x.cast(pl.String))
    )


def _level_vi(column: str) -> pl.Expr:
    level = pl.col(column)
    return level.replace_strict(LEVELS_VI, default=pl.lit("cấp ") + level, return_dtype=pl.String)


def validity_vi() -> pl.Expr:
    """One org_units row's validity, in Vietnamese: "01/01/2020–31/03/2024 (sau đó ...)"."""
    return pl.concat_str(
        _vi_date("valid_from"),
        pl.when(pl.col("valid_to").is_null())
        .then(pl.lit(" đến nay"))
        .otherwise(pl.lit("–") + _vi_date("valid_to")),
        pl.when(pl.col("successors").is_not_null())
        .then(pl.lit(" (sau đó do đơn vị ") + pl.col("successors") + pl.lit(" kế thừa)"))
        .otherwise(pl.lit("")),
    )


def validity_en() -> pl.Expr:
    return pl.concat_str(
        pl.lit("from ") + pl.col("valid_from").cast(pl.String),
        pl.when(pl.col("valid_to").is_null())
        .then(pl.lit(" on"))
        .otherwise(pl.lit(" to ") + pl.col("valid_to").cast(pl.String)),
        pl.when(pl.col("successors").is_not_null())
        .then(pl.lit(" (then succeeded by ") + pl.col("successors") + pl.lit(")"))
        .otherwise(pl.lit("")),
    )


def _vi_location(column: str) -> pl.Expr:
    return pl.col(column).str.replace(r"^line ", "dòng ")


def _range() -> list[pl.Expr]:
    low, high = pl.col("min").is_not_null(), pl.col("max").is_not_null()
    lo, hi = _number("min"), _number("max")
    return [
        pl.when(low & high)
        .then(pl.lit("từ ") + lo + pl.lit(" đến ") + hi)
        .when(low)
        .then(pl.lit("từ ") + lo + pl.lit(" trở lên"))
        .otherwise(pl.lit("không quá ") + hi)
        .alias("range_vi"),
        pl.when(low & high)
        .then(pl.lit("between ") + lo + pl.lit(" and ") + hi)
        .when(low)
        .then(pl.lit("at least ") + lo)
        .otherwise(pl.lit("at most ") + hi)
        .alias("range_en"),
    ]


def _number_hints() -> list[pl.Expr]:
    """Why a value is not a plain number, when a likely fix can be named."""
    value = pl.col("value")
    percent = value.str.extract(r"^(-?[0-9]+(?:\.[0-9]+)?)\s*%$")
    spaced = value.str.contains(r"^-?[0-9]{1,3}([ \u00a0][0-9]{3})+(\.[0-9]+)?$")
    unspaced = value.str.replace_all(r"[ \u00a0]", "")
    generic_vi, generic_en = pl.col("generic_number_vi"), pl.col("generic_number_en")
    boolean = pl.col("value_type") == "boolean"
    return [
        pl.when(boolean)
        .then(pl.lit(" Ghi 1 nếu có (đạt), 0 nếu không (chưa đạt)."))
        .when(percent.is_not_null())
        .then(pl.lit(" Bỏ dấu %: ghi ") + percent + pl.lit("."))
        .when(spaced)
        .then(pl.lit(" Không dùng khoảng trắng ngăn cách hàng nghìn: ghi ") + unspaced + ".")
        .otherwise(generic_vi)
        .alias("number_hint_vi"),
        pl.when(boolean)
        .then(pl.lit(" Write 1 for yes, 0 for no."))
        .when(percent.is_not_null())
        .then(pl.lit(" Drop the % sign: write ") + percent + pl.lit("."))
        .when(spaced)
        .then(pl.lit(" Do not group thousands with spaces: write ") + unspaced + ".")
        .otherwise(generic_en)
        .alias("number_hint_en"),
    ]


def _integer_hints() -> list[pl.Expr]:
    """A three-digit fraction is how Vietnamese writes thousands: say so."""
    grouped = pl.col("value_fraction").str.len_chars() == 3
    digits = (
        pl.col("value").str.replace(".", "", literal=True).str.replace(r"^(-?)0+([0-9])", "$1$2")
    )
    return [
        pl.when(grouped)
        .then(
            pl.lit(" Dấu chấm '.' là dấu thập phân, không phải dấu ngăn cách hàng nghìn: nếu là ")
            + digits
            + pl.lit(", hãy ghi ")
            + digits
            + pl.lit(".")
        )
        .otherwise(pl.lit(""))
        .alias("integer_hint_vi"),
        pl.when(grouped)
        .then(
            pl.lit(" '.' is the decimal mark, not a thousands separator: if you mean ")
            + digits
            + pl.lit(", write ")
            + digits
            + pl.lit(".")
        )
        .otherwise(pl.lit(""))
        .alias("integer_hint_en"),
    ]


def _code_hints(element_codes: list[str]) -> list[pl.Expr]:
    """Case and padding slips: "dang_vien_moi" for DANG_VIEN_MOI, "2024m5" for 2024M05."""
    upper = pl.col("element_code").str.to_uppercase()
    known = upper.is_in(element_codes)
    period = pl.col("period").str.to_uppercase().str.replace(r"^([0-9]{4})M([0-9])$", "${1}M0${2}")
    period_ok = period.str.contains(PERIOD_PATTERN) & (period != pl.col("period"))
    return [
        pl.when(known).then(pl.lit(" Có phải là ") + upper + pl.lit("?")).alias("element_hint_vi"),
        pl.when(known)
        .then(pl.lit(" Did you mean ") + upper + pl.lit("?"))
        .alias("element_hint_en"),
        pl.when(period_ok)
        .then(pl.lit(" Có phải là ") + period + pl.lit("?"))
        .alias("period_hint_vi"),
        pl.when(period_ok)
        .then(pl.lit("; did you mean ") + period + pl.lit("?"))
        .alias("period_hint_en"),
    ]


def _suggested() -> pl.Expr:
    """The plain number a Vietnamese-formatted value stands for: "1.752,5" → 1752.5.
    "1,752" for a whole-number element is read as English thousands: 1752."""
    value = pl.col("value")
    english_thousands = (pl.col("value_type") == "integer") & value.str.contains(
        r"^-?[0-9]{1,3}(,[0-9]{3})+$"
    )
    vietnamese = value.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return (
        pl.when(english_thousands)
        .then(value.str.replace_all(",", "", literal=True))
        .otherwise(vietnamese)
    )


SHOWN_CHARS: Final = 200
"""A text from the file is echoed in a message up to this many characters (then "…"):
a note of thirty thousand characters is named, not copied into every message."""


def _shown(column: str) -> pl.Expr:
    text = pl.col(column)
    return (
        pl.when(text.str.len_chars() > SHOWN_CHARS)
        .then(text.str.slice(0, SHOWN_CHARS) + pl.lit("…"))
        .otherwise(text)
    )


def display_columns(names: Mapping[str, tuple[str, str]]) -> list[list[pl.Expr]]:
    """The placeholders of the templates, over the enriched rows, in two steps (the
    second reads columns of the first). ``names``: each element's Vietnamese and English
    name, by code."""
    local = pl.col("received_at").dt.convert_time_zone("Asia/Ho_Chi_Minh")
    code = _shown("element_code")  # as written, when the catalog lacks it
    first = [
        *wording.element_labels(names, code),
        *wording.leave_out(code),
        *wording.missing_value(code),
        *wording.not_a_number(),
        *wording.decimal_comma(_suggested()),
    ]
    return [first, _displayed(local, list(names))]


def _displayed(local: pl.Expr, element_codes: list[str]) -> list[pl.Expr]:
    return [
        _shown("value").fill_null("").alias("value"),
        _shown("org_unit_code").alias("unit"),
        pl.col("unit_level").alias("level"),
        _level_vi("unit_level").alias("level_vi"),
        _level_vi("collected_at").alias("collected_vi"),
        _vi_date("p_start").alias("p_start_vi"),
        pl.col("p_start").cast(pl.String).alias("p_start_en"),
        _vi_date("p_end").alias("p_end_vi"),
        pl.col("p_end").cast(pl.String).alias("p_end_en"),
        (local.dt.strftime("%d/%m/%Y %H:%M") + pl.lit(" giờ Việt Nam")).alias("received_vi"),
        local.dt.strftime("%Y-%m-%d %H:%M +07:00").alias("received_en"),
        pl.col("unit_validity_vi").alias("validity_vi"),
        pl.col("unit_validity_en").alias("validity_en"),
        pl.col("unit_successor_vi").alias("successor_vi"),
        pl.col("unit_successor_en").alias("successor_en"),
        pl.col("element_first_location").alias("first_location"),
        _vi_location("element_first_location").alias("first_location_vi"),
        _vi_location("report_submitted_location").alias("report_submitted_location_vi"),
        _suggested().alias("suggested"),
        *_range(),
        *_number_hints(),
        *_integer_hints(),
        *_code_hints(element_codes),
    ]
