"""JSON submissions (SPEC §2): one object per report, one entry per element value.

Numbers are kept as their exact JSON text (``0.1`` stays ``"0.1"``, never a binary
float on the way in), but for an exponent, which JSON writers use for small and large
numbers (Python's ``json.dumps(0.00001)`` is ``1e-05``): written out in digits, exactly
(``"0.00001"``), as a workbook's number is read; any other kind of value (true, an
object...) is kept in a textual form so that validation reports it with the value as
written. A note or a sender's name must be text (or a number); an object, a list or
true is refused at its entry, never stored as JSON text. A ``\ud800`` escape on its
own (half of a UTF-16 pair: no character) is refused where it is.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, Final

import polars as pl

from chitieu.sources import FileProblem, FileRead, ReceivedFile, empty_rows
from chitieu.sources._text import decode_utf8, problem, rows_frame
from chitieu.sources.limits import MAX_FIELD_CHARS, MAX_FILE_ROWS, field_too_long, rows_too_many

REPORT_REQUIRED: Final = ("org_unit_code", "period", "values")
REPORT_OPTIONAL: Final = ("submitted_at", "submitted_by")
ENTRY_REQUIRED: Final = ("element_code", "value")
ENTRY_OPTIONAL: Final = ("note",)
_EXAMPLE: Final = (
    '{"org_unit_code": "28987", "period": "2024M05", '
    '"values": [{"element_code": "DANG_VIEN_MOI", "value": 4}]}'
)


_MAX_ITEMS: Final = 2 * MAX_FILE_ROWS + 16
"""Objects and numbers a report may hold: one object and one number per value, and the
report's own. Parsing stops at the first one over it."""


class _Number(str):
    """A JSON number (or NaN/Infinity), kept as the exact text written."""


_PLAIN_EXPONENTS: Final = 30
"""An exponent is written out in digits when the number stays within 10^±30 and 60
decimals (what no figure of a report exceeds): ``1e999999`` is left as written, for
validation to refuse, never a million digits."""


def _number(text: str) -> _Number:
    """A JSON number as the rows carry it: as written, or in digits for an exponent."""
    if "e" not in text and "E" not in text:
        return _Number(text)
    number = Decimal(text)  # the JSON grammar's numbers are Decimal's
    places = -int(number.as_tuple().exponent)  # finite: JSON has no NaN with an exponent
    if abs(number.adjusted()) > _PLAIN_EXPONENTS or places > 2 * _PLAIN_EXPONENTS:
        return _Number(text)  # `0e-999999` too: a million zeros after the point
    return _Number(format(number, "f"))


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        keys = [key for key, _ in pairs]
        self.repeated = sorted({key for key in keys if keys.count(key) > 1})


class _TooManyItems(Exception):
    """More objects and numbers than a report holds."""


def _counted(made: Iterator[int], make: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``make`` for the JSON parser's hooks, counting what it builds on ``made``, one
    count for every hook of a document (`_MAX_ITEMS`)."""

    def counted(item: Any) -> Any:
        if next(made) > _MAX_ITEMS:
            raise _TooManyItems
        return make(item)

    return counted


def read_json(received: ReceivedFile) -> FileRead:
    """Rows of a JSON report (``location`` = ``values[i]``, 0-based), or the problems
    that make it unreadable."""
    text, trouble = decode_utf8(received.content, "json")
    if trouble is not None or text is None:
        return _failed(received, [trouble] if trouble else [])
    if not text.strip():
        return _failed(
            received,
            [problem("empty_file", "Tệp JSON rỗng.", "the JSON file is empty")],
        )
    try:
        made = itertools.count(1)  # objects and numbers together
        number, build = _counted(made, _number), _counted(made, _Object)
        document = json.loads(
            text,
            parse_float=number,
            parse_int=_counted(made, _Number),
            parse_constant=_counted(made, _Number),
            object_pairs_hook=build,
        )
    except _TooManyItems:
        return _failed(received, [rows_too_many("values")])
    except json.JSONDecodeError as exc:
        return _failed(
            received,
            [
                problem(
                    "json_format",
                    f"Tệp JSON sai cú pháp ở dòng {exc.lineno}, cột {exc.colno} ({exc.msg}): "
                    "kiểm tra dấu phẩy, ngoặc và dấu ngoặc kép quanh chữ.",
                    f"invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}): "
                    "check commas, brackets and the double quotes around text",
                    f"line {exc.lineno}, column {exc.colno}",
                )
            ],
        )
    except RecursionError:
        return _failed(
            received,
            [
                problem(
                    "json_format",
                    "Tệp JSON lồng nhau quá sâu, không đọc được.",
                    "the JSON file is nested too deeply to be read",
                )
            ],
        )
    problems = (
        _size_problems(document)
        or (_SURROGATE.search(text) and _surrogate_problems(document))
        or _structure_problems(document)
    )
    if problems:
        return _failed(received, problems)
    rows = _rows(document)
    # every real report is shorter than one field and holds no NUL: nothing to check
    problems = (
        [] if len(text) <= MAX_FIELD_CHARS and "\\u0000" not in text else _text_problems(rows)
    )
    if problems:
        return _failed(received, problems)
    return FileRead(received.source_name, "json", rows)


def _size_problems(document: Any) -> list[FileProblem]:
    """More values than a file may hold, or a key longer than a field."""
    if not isinstance(document, dict):
        return []
    values = document.get("values")
    if isinstance(values, list) and len(values) > MAX_FILE_ROWS:
        return [rows_too_many(f"values[{MAX_FILE_ROWS}]")]
    entries = enumerate(values if isinstance(values, list) else [])
    for where, obj in [("", document), *((f"values[{i}]", e) for i, e in entries)]:
        if isinstance(obj, dict):
            longest = max(map(len, obj), default=0)
            if longest > MAX_FIELD_CHARS:
                return [field_too_long(longest, where or "{}")]
    return []


_SURROGATE: Final = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
"""The escape of half a UTF-16 pair; a whole pair (an emoji) reads as its character."""


def _surrogate_problems(document: Any) -> list[FileProblem]:
    """The first text or key, in document order, holding half a UTF-16 pair on its own:
    no character, and no database or terminal takes it."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:  # not recursive: a document nests as deep as the parser allows
        where, value = stack.pop()
        if isinstance(value, str):
            if _half_pair(value) is not None:
                return [_surrogate(where or "{}", value)]
        elif isinstance(value, dict):
            for key in value:
                if _half_pair(key) is not None:
                    return [_surrogate(where or "{}", key)]
            stack += reversed([(f"{where}.{k}" if where else k, v) for k, v in value.items()])
        elif isinstance(value, list):
            stack += reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)])
    return []


def _half_pair(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return text[error.start]
    return None


def _surrogate(where: str, text: str) -> FileProblem:
    code = f"\\u{ord(_half_pair(text) or chr(0xD800)):04X}"
    return problem(
        "json_format",
        f"{where} chứa {code} đứng một mình (một nửa của cặp ký tự UTF-16), không phải ký tự "
        "nào: hãy xuất lại tệp bằng UTF-8 rồi gửi lại.",
        f"{where} holds {code} on its own (half of a UTF-16 pair), which is no character: "
        "export the file again as UTF-8 and send it",
        where,
    )


def _text_problems(rows: pl.DataFrame) -> list[FileProblem]:
    """A field longer than a cell can be, or holding a NUL character (``\\u0000``): the
    first one, at its place."""
    texts = rows.select(pl.exclude("location"))
    longest = texts.select(pl.all().str.len_chars().max()).max_horizontal().item()
    nul = texts.select(pl.any_horizontal(pl.all().str.contains("\x00", literal=True)))
    if (longest or 0) <= MAX_FIELD_CHARS and not nul.to_series().any():
        return []
    for row in rows.iter_rows(named=True):
        for key in REPORT_REQUIRED + REPORT_OPTIONAL + ENTRY_REQUIRED + ENTRY_OPTIONAL:
            text = row.get(key)
            where = row["location"] if key in ENTRY_REQUIRED + ENTRY_OPTIONAL else key
            if text and len(text) > MAX_FIELD_CHARS:
                return [field_too_long(len(text), where)]
            if text and "\x00" in text:
                return [
                    problem(
                        "nul_character",
                        f"{where} chứa ký tự NUL (\\u0000): xóa ký tự này rồi gửi lại.",
                        f"{where} holds a NUL character (\\u0000): remove it and send the "
                        "file again",
                        where,
                    )
                ]
    return []


def _failed(received: ReceivedFile, problems: list[FileProblem]) -> FileRead:
    return FileRead(received.source_name, "json", empty_rows(), problems)


def _structure(vi: str, en: str, location: str = "") -> FileProblem:
    return problem("json_structure", vi, en, location)


def _structure_problems(document: Any) -> list[FileProblem]:
    if not isinstance(document, dict):
        kind = "một danh sách" if isinstance(document, list) else "một giá trị đơn"
        kind_en = "a list" if isinstance(document, list) else "a single value"
        return [
            _structure(
                f"Tệp JSON không phải một đối tượng {{...}} mà là {kind}: mỗi tệp là một báo cáo "
                f"của một đơn vị trong một kỳ, dạng {_EXAMPLE}.",
                f"the JSON is not an object but {kind_en}: one file holds one report of one "
                f"unit and period, like {_EXAMPLE}",
            )
        ]
    problems = _key_problems(document, REPORT_REQUIRED, REPORT_OPTIONAL, "")
    problems += _not_text(document, "submitted_by", "")
    values = document.get("values")
    if "values" in document and not isinstance(values, list):
        problems.append(
            _structure(
                'Khóa "values" phải là một danh sách [...] các giá trị chỉ tiêu.',
                'the key "values" must be a list [...] of element values',
                "values",
            )
        )
    elif isinstance(values, list):
        if not values:
            problems.append(
                problem(
                    "empty_file",
                    'Báo cáo không có giá trị nào: danh sách "values" rỗng.',
                    'the report has no values: the "values" list is empty',
                    "values",
                )
            )
        for index, entry in enumerate(values):
            where = f"values[{index}]"
            if isinstance(entry, dict):
                problems += _key_problems(entry, ENTRY_REQUIRED, ENTRY_OPTIONAL, where)
                problems += _not_text(entry, "note", where)
            else:
                problems.append(
                    _structure(
                        f'Mục {where} phải là một đối tượng {{"element_code": ..., "value": ...}}.',
                        f'{where} must be an object {{"element_code": ..., "value": ...}}',
                        where,
                    )
                )
    return problems


_KINDS: Final = (
    (dict, "một đối tượng {...}", "an object {...}"),
    (list, "một danh sách [...]", "a list [...]"),
    (bool, "true/false", "true/false"),
)


def _not_text(obj: dict[str, Any], key: str, where: str) -> list[FileProblem]:
    """A free text (a note, the sender's name) given as an object, a list or true/false:
    refused, never stored as the JSON text of it."""
    value = obj.get(key)
    kind = next(((vi, en) for type_, vi, en in _KINDS if isinstance(value, type_)), None)
    if kind is None:
        return []
    owner_vi, owner_en = (f" của {where}", f" of {where}") if where else ("", "")
    return [
        _structure(
            f'"{key}"{owner_vi} phải là chữ trong dấu ngoặc kép, không phải {kind[0]}.',
            f'"{key}"{owner_en} must be text in double quotes, not {kind[1]}',
            where or key,
        )
    ]


def _key_problems(
    obj: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...], where: str
) -> list[FileProblem]:
    allowed = ", ".join(required + optional)
    owner_vi = f"mục {where}" if where else "báo cáo"
    owner_en = where or "the report"
    problems = []
    unknown = [key for key in obj if key not in required + optional]
    if unknown:
        shown = ", ".join(f'"{key}"' for key in unknown)
        problems.append(
            _structure(
                f"Khóa không hợp lệ trong {owner_vi}: {shown}. Các khóa được dùng: {allowed}.",
                f"unknown key(s) in {owner_en}: {shown}; the keys are: {allowed}",
                where,
            )
        )
    missing = [key for key in required if key not in obj]
    if missing:
        shown = ", ".join(f'"{key}"' for key in missing)
        problems.append(
            _structure(
                f"Thiếu khóa {shown} trong {owner_vi}.",
                f"missing key(s) {shown} in {owner_en}",
                where,
            )
        )
    repeated = getattr(obj, "repeated", [])
    if repeated:
        shown = ", ".join(f'"{key}"' for key in repeated)
        problems.append(
            _structure(
                f"Khóa {shown} xuất hiện nhiều lần trong {owner_vi}: mỗi khóa chỉ ghi một lần.",
                f"key(s) {shown} given more than once in {owner_en}: give each key once",
                where,
            )
        )
    return problems


def _text(value: Any) -> str | None:
    """A field as text: strings and numbers as written, other kinds in JSON form."""
    if value is None or isinstance(value, str):
        return str(value) if isinstance(value, _Number) else value
    return _json(value)


def _json(value: Any) -> str:
    """JSON text of a parsed value, numbers exactly as they were written."""
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_json(k)}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _rows(document: dict[str, Any]) -> pl.DataFrame:
    entries: list[dict[str, Any]] = document["values"]
    height = len(entries)
    top = {
        key: [_text(document.get(key))] * height
        for key in ("org_unit_code", "period", *REPORT_OPTIONAL)
    }
    return rows_frame(
        {
            **top,
            "element_code": [_text(e.get("element_code")) for e in entries],
            "value": [_text(e.get("value")) for e in entries],
            "note": [_text(e.get("note")) for e in entries],
            "location": [f"values[{i}]" for i in range(height)],
        }
    )
