"""How many problems of a file are kept, and how they are written to be printed.

Every problem of a report is found, in one pass (SPEC §2); a file of twenty thousand
broken lines has tens of thousands. `validation_issues` keeps the first
`PROBLEMS_KEPT` of each file, in the order they are found (the report's rows, then
its cells), and one more row, check `problems_not_kept`, that says how many came after
(its ``value`` is that count): an officer corrects the first ones and sends the file
again, and the count says how far there is to go. The verdict is unchanged: a report
with a problem is rejected, kept or not.

Messages and locations are stored as they are printed: a control character from a file
(a newline, a terminal escape) is written as an escape (`chitieu.shown`), so one problem
is one line wherever it is read.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from chitieu.shown import count_en, count_vi, escapes

PROBLEMS_KEPT: Final = 500
"""Problems kept per file: more than twice the rows of the largest real report (192),
so every problem of a real report is kept."""
NOT_KEPT: Final = "problems_not_kept"


def kept_issues(issues: pl.DataFrame, files: pl.DataFrame) -> pl.DataFrame:
    """``issues`` (keyed by ``batch_seq``) with at most `PROBLEMS_KEPT` per file and a
    `NOT_KEPT` row for the rest; ``files``: ``batch_seq, file_index`` of the batch."""
    numbered = (
        issues.with_row_index("_order")
        .join(files, on="batch_seq", how="left")
        .with_columns(pl.int_range(pl.len()).over("file_index", order_by="_order").alias("_rank"))
    )
    dropped = numbered.filter(pl.col("_rank") >= PROBLEMS_KEPT)
    kept = numbered.filter(pl.col("_rank") < PROBLEMS_KEPT)
    if dropped.is_empty():
        return printable(issues)
    rest = dropped.group_by("file_index", maintain_order=True).agg(
        pl.col("batch_seq").first(), pl.col("_order").first(), pl.len().alias("n")
    )
    summaries = pl.DataFrame(
        [
            {
                "batch_seq": row["batch_seq"],
                "_order": row["_order"],
                "location": None,
                "element_code": None,
                "value": str(row["n"]),
                "check": NOT_KEPT,
                "message_vi": f"… và {count_vi(row['n'])} lỗi khác của tệp không được lưu "
                f"(chỉ lưu {count_vi(PROBLEMS_KEPT)} lỗi đầu tiên của mỗi tệp)",
                "message_en": f"… and {count_en(row['n'])} more problems of the file, not "
                f"kept (the first {count_en(PROBLEMS_KEPT)} of each file are)",
            }
            for row in rest.iter_rows(named=True)
        ],
        schema={**issues.schema, "_order": pl.UInt32},
    )
    together = pl.concat([kept.select(summaries.columns), summaries]).sort("_order")
    return printable(together.drop("_order"))


def printable(issues: pl.DataFrame) -> pl.DataFrame:
    """The issues with their locations and messages written as they are printed."""
    table = escapes()
    texts = ("location", "message_vi", "message_en")
    return issues.with_columns(pl.col(texts).str.replace_many(list(table), list(table.values())))


def problem_total(check: pl.Expr, value: pl.Expr) -> pl.Expr:
    """The number of problems a group of issue rows stands for: one each, and the count
    a `NOT_KEPT` row carries."""
    return pl.when(check == NOT_KEPT).then(value.cast(pl.Int64, strict=False)).otherwise(1).sum()
