"""Content hashes of snapshot revisions: pure functions of their header and rows.

No database here, so DuckDB and PostgreSQL give the same hash from the same rows.

Definition (version 1). SHA-256 over UTF-8 text made of a first line
``chitieu-snapshot-content v1`` and then, for each section (``header``, ``indicators``,
``elements``, ``inputs``, in that order), a line ``#<section> <row count>``, a line of its
column names (in the order below, each in double quotes, comma separated), then one line per
row. A row's line is its fields in that column order, comma separated: a non-null field in
double quotes (a quote inside doubled), a null an empty unquoted field, so a null and an
empty string differ. Every line ends with ``\\n``. Within a section the row lines are sorted
by their UTF-8 bytes, so the order rows arrive in never matters. Fields are text first:
strings as they are, integers in decimal, booleans ``true``/``false``, floats the shortest
decimal that reads back as the same double, as polars casts Float64 to String (``0.1``,
``4.0``, ``1e+20``, ``NaN``, ``inf``), with ``-0.0`` written ``0.0``.

Definition (version 2), for revisions published with the same period last year (their
``snapshots.content_version`` is 2; every revision published before it holds 1 and is
checked by version 1, unchanged). The same text as version 1 but for: the first line
``chitieu-snapshot-content v2``; the ``header`` section's columns, which go on with
``content_version`` and ``history_sha256`` (the SHA-256 of the history.csv whose figures
entered the revision, null if none did); and the ``indicators`` section's, which go on
with ``comparable``, ``last_actual`` and ``last_comparable`` (`HEADER_V2`,
`INDICATOR_COLUMNS_V2`). Last year's submissions are rows of ``inputs`` like this year's
(their periods tell them apart).

``inputs_sha256`` is the same over the first line ``chitieu-snapshot-inputs v1`` and the one
section ``inputs`` (one definition for every revision).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

import polars as pl

Schema = Mapping[str, pl.DataType]

HEADER_SCHEMA: Final[dict[str, pl.DataType]] = {
    "review_period": pl.String(),
    "root_org_unit": pl.String(),
    "revision": pl.Int64(),
    "catalog_sha256": pl.String(),
    "inputs_sha256": pl.String(),
    "prev_content_sha256": pl.String(),
    "completeness": pl.Float64(),
    "checks_passed": pl.Boolean(),
}
# Key columns first, so sorted lines are sorted by key.
INDICATOR_COLUMNS: Final[dict[str, pl.DataType]] = {
    "org_unit_code": pl.String(),
    "indicator_code": pl.String(),
    "level": pl.String(),
    "actual": pl.Float64(),
    "target": pl.Float64(),
    "percent": pl.Float64(),
    "class": pl.String(),
}
HEADER_V2: Final[dict[str, pl.DataType]] = {
    **HEADER_SCHEMA,
    "content_version": pl.Int64(),
    "history_sha256": pl.String(),
}
INDICATOR_COLUMNS_V2: Final[dict[str, pl.DataType]] = {
    **INDICATOR_COLUMNS,
    "comparable": pl.Boolean(),
    "last_actual": pl.Float64(),
    "last_comparable": pl.Boolean(),
}
CONTENT_VERSION: Final = 2
"""The definition new revisions are hashed with."""
_DEFINITIONS: Final = {1: (HEADER_SCHEMA, INDICATOR_COLUMNS), 2: (HEADER_V2, INDICATOR_COLUMNS_V2)}


class UnknownContentVersion(ValueError):
    """A header whose ``content_version`` names no definition this code knows: no hash
    can be computed for it (a revision's header edited, since a newer chitieu's revisions
    come with a newer schema, which this one refuses to open)."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.known = ", ".join(map(str, _DEFINITIONS))
        super().__init__(f"unknown content_version {version} (known: {self.known})")


ELEMENT_COLUMNS: Final[dict[str, pl.DataType]] = {
    "org_unit_code": pl.String(),
    "element_code": pl.String(),
    "value": pl.Float64(),
}
# submission_id is left out: it is the warehouse's own numbering, not content.
INPUT_COLUMNS: Final[dict[str, pl.DataType]] = {
    "sha256": pl.String(),
    "org_unit_code": pl.String(),
    "period": pl.String(),
}

_SLICE_ROWS: Final = 250_000  # bounds the text held in memory at once


def _text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A field's text: the column cast to its hashed type, then written as polars casts
    it to String, with ``-0.0`` written ``0.0``."""
    column = pl.col(name).cast(dtype)
    if dtype == pl.Float64:
        # -0.0 == 0.0 as a value; write both the same way
        column = pl.when(column == 0).then(pl.lit(0.0)).otherwise(column)
    return column.cast(pl.String)


def _field(name: str, dtype: pl.DataType) -> pl.Expr:
    text = _text(name, dtype)
    quoted = pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"')
    return pl.when(text.is_null()).then(pl.lit("")).otherwise(quoted)


def _plain(column: pl.Series, dtype: pl.DataType) -> bool:
    """Whether ``column`` is written as it is between two quotes: already of the hashed
    type, no null, and, for text, no quote to double (numbers have none)."""
    if column.dtype != dtype or column.null_count():
        return False
    if dtype == pl.String:
        return not column.str.contains('"', literal=True).any()
    return dtype in (pl.Float64, pl.Int64)


def _line(frame: pl.DataFrame, columns: Mapping[str, pl.DataType]) -> pl.Expr:
    """A row's line as `_field` writes each of its fields, in one concatenation: a
    `_plain` column's text goes between quote literals without the null and quote
    handling each field would otherwise take (a national revision's 2 M element lines:
    0.45 → 0.15 s), the same text byte for byte."""
    pieces: list[pl.Expr] = []
    for number, (name, dtype) in enumerate(columns.items()):
        comma = "," if number else ""
        if _plain(frame.get_column(name), dtype):
            pieces += [pl.lit(f'{comma}"'), _text(name, dtype), pl.lit('"')]
        else:
            pieces += [pl.lit(comma), _field(name, dtype)]
    return pl.concat_str([*pieces, pl.lit("\n")])


def canonical_lines(frame: pl.DataFrame, columns: Mapping[str, pl.DataType]) -> pl.Series:
    """One text line per row (with its ``\\n``), sorted: what the hash reads of a section."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)} to hash")
    return frame.lazy().select(_line(frame, columns).alias("line")).sort("line").collect()["line"]


def reference_lines(frame: pl.DataFrame, columns: Mapping[str, pl.DataType]) -> pl.Series:
    """`canonical_lines` as the definition reads, field by field (what tests compare the
    one concatenation with)."""
    fields = [_field(name, dtype) for name, dtype in columns.items()]
    line = pl.concat_str([pl.concat_str(fields, separator=","), pl.lit("\n")]).alias("line")
    return frame.lazy().select(line).sort("line").collect()["line"]


def _feed(digest: hashlib._Hash, section: str, frame: pl.DataFrame, columns: Schema) -> None:
    lines = canonical_lines(frame, columns)
    names = ",".join(f'"{name}"' for name in columns)
    digest.update(f"#{section} {lines.len()}\n{names}\n".encode())
    for start in range(0, lines.len(), _SLICE_ROWS):
        digest.update(lines.slice(start, _SLICE_ROWS).str.join("").item().encode())


def content_sha256(
    header: Mapping[str, object],
    indicators: pl.DataFrame,
    elements: pl.DataFrame,
    inputs: pl.DataFrame,
) -> str:
    """The hash a revision's ``content_sha256`` holds (see the module docstring), by the
    definition its header's ``content_version`` names (1 when it has none);
    `UnknownContentVersion` when it names none.

    ``header`` needs the fields of that definition's header; any others (created_at,
    status, snapshot_id, flow_run_id) are ignored.
    """
    version = header.get("content_version")
    version = 1 if version is None else int(str(version))
    if version not in _DEFINITIONS:
        raise UnknownContentVersion(version)
    header_schema, indicator_columns = _DEFINITIONS[version]
    missing = [name for name in header_schema if name not in header]
    if missing:
        raise ValueError(f"missing header field(s) {', '.join(missing)} to hash")
    head = pl.DataFrame([{name: header[name] for name in header_schema}], schema=header_schema)
    digest = hashlib.sha256(f"chitieu-snapshot-content v{version}\n".encode())
    _feed(digest, "header", head, header_schema)
    _feed(digest, "indicators", indicators, indicator_columns)
    _feed(digest, "elements", elements, ELEMENT_COLUMNS)
    _feed(digest, "inputs", inputs, INPUT_COLUMNS)
    return digest.hexdigest()


def inputs_sha256(inputs: pl.DataFrame) -> str:
    """The hash of the submissions a review used: ``sha256, org_unit_code, period``."""
    digest = hashlib.sha256(b"chitieu-snapshot-inputs v1\n")
    _feed(digest, "inputs", inputs, INPUT_COLUMNS)
    return digest.hexdigest()
