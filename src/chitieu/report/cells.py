"""An indicator row as the text of its cells, the same in every format that prints text.

A figure whose flag says it is not comparable (issue 12: a succession share that does not
exist) is never printed: its cell says "không so sánh được" instead; a figure nobody has
is ``–``, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chitieu.report.labels import NOT_COMPARABLE
from chitieu.report.numbers import NONE, format_number, format_percent


def indicator_cells(row: Mapping[str, Any], lang: str, labels: Mapping[str, str]) -> dict[str, str]:
    """The ``chitieu.report.labels.COLUMNS`` of one row of a model's indicator table."""
    not_comparable = NOT_COMPARABLE[lang]
    comparable = row.get("comparable") is not False
    last_comparable = row.get("last_comparable") is not False
    klass = row.get("class")
    return {
        "stt": str(row["stt"]),
        "code": str(row["indicator_code"]),
        "name": str(row["name"]),
        "unit": str(row["unit"] or ""),
        "target": format_number(row["target"], lang),
        "actual": format_number(row["actual"], lang) if comparable else not_comparable,
        "percent": format_percent(row["percent"], lang) if comparable else not_comparable,
        "last_actual": format_number(row["last_actual"], lang)
        if last_comparable
        else not_comparable,
        "change": format_percent(row["change"], lang, signed=True)
        if comparable and last_comparable
        else not_comparable,
        "class": NONE if klass is None else labels.get(klass, klass),
    }
