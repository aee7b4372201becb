"""Words that depend on who reads a message and where they fix it (issue 14, item 5).

- An element is named by its code and its name: ``DANG_VIEN_MOI (Số đảng viên mới được
  kết nạp)``, with the English name (when the catalog has one) in English.
- In a workbook (a location such as ``BaoCao!D12``) a figure not yet known is an empty
  cell, so the officer is told to leave the cell empty, never to "remove the element";
  and a number is typed as a number in the cell, where Excel's regional settings decide
  the decimal mark, so nobody is told to "use a dot".
- A whole-number element written with a decimal comma (``84,3``, ``1,5``) must be a
  whole number: it is never advised a decimal point.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

IN_WORKBOOK = pl.col("location").fill_null("").str.contains("!")
"""A row read from a workbook: its location is a cell."""
_INTEGER = pl.col("value_type") == "integer"


def element_labels(names: Mapping[str, tuple[str, str]], code: pl.Expr) -> list[pl.Expr]:
    """``element`` (``CODE (tên)``) and ``element_en`` (``CODE (name)``) from the element
    ``code`` as shown; a code the catalog lacks stays as shown."""
    return [
        code.replace_strict(
            {c: f"{c} ({vi})" for c, (vi, _) in names.items()}, default=code, return_dtype=pl.String
        ).alias("element"),
        code.replace_strict(
            {c: f"{c} ({en})" for c, (_, en) in names.items()}, default=code, return_dtype=pl.String
        ).alias("element_en"),
    ]


def leave_out(code: pl.Expr) -> list[pl.Expr]:
    """How to report no figure for the element (``code`` as shown): an empty cell, or no
    line."""
    code = code.fill_null("")
    return [
        pl.when(IN_WORKBOOK)
        .then(pl.lit("để trống ô giá trị của chỉ tiêu này"))
        .otherwise(pl.lit("bỏ chỉ tiêu ") + code + pl.lit(" khỏi báo cáo"))
        .alias("leave_out_vi"),
        pl.when(IN_WORKBOOK)
        .then(pl.lit("leave its value cell empty"))
        .otherwise(pl.lit("leave ") + code + pl.lit(" out of this report"))
        .alias("leave_out_en"),
    ]


def decimal_comma(suggested: pl.Expr) -> list[pl.Expr]:
    """What to do with ``84,3`` or ``1.752,5``: the end of the message after "value 'x'
    of element"."""
    fraction = suggested.str.contains(r"\.\d*[1-9]")
    whole_number = _INTEGER & fraction
    return [
        pl.when(whole_number)
        .then(pl.lit(" phải là số nguyên (không có phần thập phân): kiểm tra lại số liệu."))
        .when(IN_WORKBOOK)
        .then(
            pl.lit(" là chữ (văn bản) có dấu phẩy hoặc dấu chấm ngăn cách: xóa ô rồi nhập lại ")
            + pl.when(_INTEGER).then(suggested).otherwise(pl.lit("số liệu"))
            + pl.lit(
                " dưới dạng số trong ô (Excel tự dùng dấu thập phân theo cài đặt của máy tính)."
            )
        )
        .when(_INTEGER)
        .then(pl.lit(" có dấu ngăn cách hàng nghìn: hãy ghi ") + suggested + pl.lit("."))
        .otherwise(
            pl.lit(" viết theo kiểu dấu phẩy thập phân: hãy ghi ")
            + suggested
            + pl.lit(
                " (dùng dấu chấm '.' cho phần thập phân, không dùng dấu ngăn cách hàng nghìn)."
            )
        )
        .alias("decimal_comma_vi"),
        pl.when(whole_number)
        .then(pl.lit(" must be a whole number: check the figure"))
        .when(IN_WORKBOOK)
        .then(
            pl.lit(" is text with a comma or a grouping dot: clear the cell and type ")
            + pl.when(_INTEGER).then(suggested).otherwise(pl.lit("the figure"))
            + pl.lit(" as a number in the cell (Excel's regional settings decide the decimal mark)")
        )
        .when(_INTEGER)
        .then(pl.lit(" has a thousands separator: write ") + suggested)
        .otherwise(
            pl.lit(" is written with a decimal comma or thousands separators: write ")
            + suggested
            + pl.lit(" ('.' is the decimal mark, no thousands separator)")
        )
        .alias("decimal_comma_en"),
    ]


def not_a_number() -> list[pl.Expr]:
    """The general advice for a value that is not a number."""
    return [
        pl.when(IN_WORKBOOK)
        .then(pl.lit(" Nhập số liệu dưới dạng số vào ô; nếu chưa có số liệu, để trống ô."))
        .when(_INTEGER)
        .then(
            pl.lit(
                " Chỉ ghi chữ số (ví dụ 12); nếu chưa có số liệu, hãy bỏ chỉ tiêu này khỏi báo cáo."
            )
        )
        .otherwise(
            pl.lit(
                " Chỉ ghi chữ số, dùng dấu chấm '.' cho phần thập phân (ví dụ 12 hoặc 12.5); nếu "
                "chưa có số liệu, hãy bỏ chỉ tiêu này khỏi báo cáo."
            )
        )
        .alias("generic_number_vi"),
        pl.when(IN_WORKBOOK)
        .then(
            pl.lit(
                " Type the figure as a number in the cell; if there is no figure yet, leave "
                "the cell empty."
            )
        )
        .when(_INTEGER)
        .then(
            pl.lit(
                " Write digits only (e.g. 12); if there is no figure yet, leave the element out "
                "of the report."
            )
        )
        .otherwise(
            pl.lit(
                " Write digits only, with '.' as the decimal mark (e.g. 12 or 12.5); if there is "
                "no figure yet, leave the element out of the report."
            )
        )
        .alias("generic_number_en"),
    ]


def missing_value(code: pl.Expr) -> list[pl.Expr]:
    """An element (``code`` as shown) given without a value."""
    return [
        # in a workbook, an empty value cell is no figure: only a note left without one
        # makes an element with no value
        pl.when(IN_WORKBOOK)
        .then(
            pl.lit(
                " vào ô giá trị, hoặc xóa ghi chú của dòng này nếu chưa có số liệu (ô giá trị "
                "để trống là chưa báo cáo)"
            )
        )
        .otherwise(pl.lit(", hoặc bỏ chỉ tiêu này khỏi báo cáo nếu chưa có số liệu"))
        .alias("missing_vi"),
        pl.when(IN_WORKBOOK)
        .then(
            pl.lit(
                " in the value cell, or clear the row's note if there is no figure yet (an "
                "empty value cell means not reported)"
            )
        )
        .otherwise(
            pl.lit(", or leave ")
            + code.fill_null("")
            + pl.lit(" out of the report if there is no figure yet")
        )
        .alias("missing_en"),
    ]
