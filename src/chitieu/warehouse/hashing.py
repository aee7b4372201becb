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

Definition (version 3), for revisions whose header records what the intake recorded of
their inputs (``snapshots.records_sha256``, below): version 2 with ``records_sha256`` after
``history_sha256`` in the ``header`` section's columns (`HEADER_V3`).

``inputs_sha256`` is the same over the first line ``chitieu-snapshot-inputs v1`` and the one
section ``inputs`` (one definition for every revision).

``records_sha256`` is the same over the first line ``chitieu-snapshot-records v1`` and three
sections: what a revision's document reads of its inputs from the intake's records, which
the inputs' own bytes (``sha256``) do not fix: ``submissions`` (each input's file name,
format, sender, when it was sent and received: Phụ lục II's on time or late, the Excel
sheet of the reports used), ``warnings`` (the warnings recorded against each input, with
their place in the order they were found: the quality section) and ``notes`` (the values
that came with a note: the Excel sheet of notes). Each row names its report by ``sha256,
org_unit_code, period`` as the revision's inputs record it, never by the warehouse's
numbering (`RECORD_SUBMISSION_COLUMNS`, `RECORD_WARNING_COLUMNS`, `RECORD_NOTE_COLUMNS`).
A time is written in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

Definition (version 4), for revisions that record what the intake recorded of each input
apart, so that `snapshots verify` names the report whose records changed: version 3's
text with the first line ``chitieu-snapshot-content v4``, and ``records_sha256`` by the
definition ``chitieu-snapshot-records v2``: the same over that first line and one section
``reports``, a line per input of its ``sha256, org_unit_code, period`` and its own
``records_sha256`` (`REPORT_RECORDS_COLUMNS`), which ``snapshot_inputs.records_sha256``
holds: the SHA-256 over the first line ``chitieu-report-records v1`` and records v1's three
sections, each with only that input's rows (its count and column line even when it has
none). A revision of version 3 is checked by records v1, unchanged.
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
HEADER_V3: Final[dict[str, pl.DataType]] = {**HEADER_V2, "records_sha256": pl.String()}
CONTENT_VERSION: Final = 4
"""The definition new revisions are hashed with."""
_DEFINITIONS: Final = {
    1: (HEADER_SCHEMA, INDICATOR_COLUMNS),
    2: (HEADER_V2, INDICATOR_COLUMNS_V2),
    3: (HEADER_V3, INDICATOR_COLUMNS_V2),
    4: (HEADER_V3, INDICATOR_COLUMNS_V2),
}


RECORDS_VERSION: Final = 3
"""The first definition whose header holds ``records_sha256``."""
REPORT_RECORDS_VERSION: Final = 4
"""The first definition whose inputs each hold their own ``records_sha256``."""


def covers_records(header: Mapping[str, object]) -> bool:
    """Whether a revision's header (its ``content_version``) holds a ``records_sha256``
    that covers what its document reads of its inputs' intake records."""
    return _version(header) >= RECORDS_VERSION


def records_by_report(header: Mapping[str, object]) -> bool:
    """Whether a revision's inputs each hold the ``records_sha256`` of their own records,
    which its header's ``records_sha256`` hashes (records v2)."""
    return _version(header) >= REPORT_RECORDS_VERSION


def _version(header: Mapping[str, object]) -> int:
    try:
        return int(str(header.get("content_version") or 1))
    except ValueError:
        return 0


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

_TIME: Final = pl.Datetime("us", "UTC")
_REPORT: Final = INPUT_COLUMNS  # a report, named as a revision's inputs name it
RECORD_SUBMISSION_COLUMNS: Final[dict[str, pl.DataType]] = {
    **_REPORT,
    "source_name": pl.String(),
    "format": pl.String(),
    "submitted_at": _TIME,
    "submitted_by": pl.String(),
    "received_at": _TIME,
}
RECORD_WARNING_COLUMNS: Final[dict[str, pl.DataType]] = {
    **_REPORT,
    "number": pl.Int64(),  # 1, 2, ... within its report, in the order found
    "location": pl.String(),
    "element_code": pl.String(),
    "value": pl.String(),
    "check": pl.String(),
    "message_vi": pl.String(),
    "message_en": pl.String(),
}
REPORT_RECORDS_COLUMNS: Final[dict[str, pl.DataType]] = {
    **_REPORT,
    "records_sha256": pl.String(),
}
RECORD_NOTE_COLUMNS: Final[dict[str, pl.DataType]] = {
    **_REPORT,
    "value_org_unit_code": pl.String(),
    "element_code": pl.String(),
    "value_period": pl.String(),
    "value": pl.Float64(),
    "note": pl.String(),
    "location": pl.String(),
}

_SLICE_ROWS: Final = 250_000  # bounds the text held in memory at once


def _text(name: str, dtype: pl.DataType) -> pl.Expr:
    """A field's text: the column cast to its hashed type, then written as polars casts
    it to String, with ``-0.0`` written ``0.0``."""
    column = pl.col(name).cast(dtype)
    if dtype == _TIME:
        return column.dt.to_string("%Y-%m-%dT%H:%M:%S%.6fZ")
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
    digest.update(f"#{section} {lines.len()}\n{_names(columns)}\n".encode())
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


def _records(
    inputs: pl.DataFrame, submissions: pl.DataFrame, warnings: pl.DataFrame, notes: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Records v1's three sections' rows, each with its report's ``submission_id`` and
    its report named as the revision recorded it."""
    reports = inputs.select("submission_id", *_REPORT)
    described = reports.join(
        submissions.drop(*_REPORT, strict=False), on="submission_id", how="left"
    )
    warned = (
        warnings.drop("org_unit_code", "period")
        .with_columns(number=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("submission_id"))
        .join(reports, on="submission_id", how="left")
    )
    noted = notes.rename({"org_unit_code": "value_org_unit_code", "period": "value_period"}).join(
        reports, on="submission_id", how="left"
    )
    return described, warned, noted


_RECORD_SECTIONS: Final = (
    ("submissions", RECORD_SUBMISSION_COLUMNS),
    ("warnings", RECORD_WARNING_COLUMNS),
    ("notes", RECORD_NOTE_COLUMNS),
)


def records_sha256(
    inputs: pl.DataFrame, submissions: pl.DataFrame, warnings: pl.DataFrame, notes: pl.DataFrame
) -> str:
    """The hash a revision's ``records_sha256`` holds by records v1 (content version 3;
    see the module docstring), from what a document reads of its inputs
    (``SNAPSHOT_INPUTS_SCHEMA``, which name each report): their submissions
    (``INPUT_SUBMISSIONS_SCHEMA``), their warnings in the order found
    (``INPUT_WARNINGS_SCHEMA``) and the values that came with a note
    (``INPUT_VALUES_SCHEMA``), each by ``submission_id``. A report is named as the
    revision recorded it, so a submission's own ``sha256``, unit or period changed is
    the inputs' check's finding, not this hash's."""
    digest = hashlib.sha256(b"chitieu-snapshot-records v1\n")
    for (section, columns), rows in zip(
        _RECORD_SECTIONS, _records(inputs, submissions, warnings, notes), strict=True
    ):
        _feed(digest, section, rows, columns)
    return digest.hexdigest()


def report_records(
    inputs: pl.DataFrame, submissions: pl.DataFrame, warnings: pl.DataFrame, notes: pl.DataFrame
) -> pl.DataFrame:
    """Each input's own ``records_sha256`` (records v2; see the module docstring), from
    the same frames as `records_sha256`: ``submission_id, records_sha256``, one row per
    input. Every report's text is built by polars, a section grouped by report only where
    it has rows (each report has one submission's row); only the SHA-256 is taken one
    report at a time (127,048 reports nationally: 0.055 s of the 0.25;
    `benchmarks.bench_records`)."""
    described, *more = _records(inputs, submissions, warnings, notes)
    first, *rest = _RECORD_SECTIONS
    texts = described.select(
        "submission_id",
        pl.concat_str(
            pl.lit(f"chitieu-report-records v1\n#submissions 1\n{_names(first[1])}\n"),
            _line(described, first[1]),
        ).alias("text"),
    )
    for (section, columns), rows in zip(rest, more, strict=True):
        empty = f"#{section} 0\n{_names(columns)}\n"
        if rows.is_empty():
            texts = texts.with_columns(pl.col("text") + pl.lit(empty))
            continue
        grouped = (
            rows.lazy()
            .select("submission_id", _line(rows, columns).alias("line"))
            .group_by("submission_id")
            .agg(
                pl.concat_str(
                    pl.lit(f"#{section} "),
                    pl.len().cast(pl.String),
                    pl.lit(f"\n{_names(columns)}\n"),
                    pl.col("line").sort().str.join(""),
                ).alias("section")
            )
            .collect()
        )
        texts = texts.join(grouped, on="submission_id", how="left").select(
            "submission_id", pl.col("text") + pl.col("section").fill_null(empty)
        )
    sha256 = hashlib.sha256
    utf8 = texts["text"].cast(pl.Binary).to_list()  # polars' bytes: no str.encode each
    return texts.select(
        "submission_id",
        records_sha256=pl.Series([sha256(text).hexdigest() for text in utf8], dtype=pl.String),
    )


def _names(columns: Schema) -> str:
    return ",".join(f'"{name}"' for name in columns)


def reports_records_sha256(reports: pl.DataFrame) -> str:
    """The hash a revision's ``records_sha256`` holds by records v2 (content version 4):
    over its inputs' ``sha256, org_unit_code, period`` and each one's own
    ``records_sha256`` (`REPORT_RECORDS_COLUMNS`)."""
    digest = hashlib.sha256(b"chitieu-snapshot-records v2\n")
    _feed(digest, "reports", reports, REPORT_RECORDS_COLUMNS)
    return digest.hexdigest()
