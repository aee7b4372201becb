"""The heads log: every published head of every review, kept outside the database too.

Someone who can write the database can roll a review back (delete its latest revision and
mark the one before it published) and leave a chain that is consistent by itself. The log
still names the heads that were published, and `snapshots verify` compares the database
with it (`chitieu.warehouse.rollback`).

Where: ``<file>.heads.log`` beside a DuckDB file ``<file>.duckdb``;
``CHITIEU_DATA_DIR/heads.log`` for PostgreSQL (`settings.beside_warehouse`), on the
machine that publishes, like the archive.

Format, version 1: a UTF-8 text file, one JSON object per line, each line ending with
``\\n``; lines are appended and never rewritten. Keys, in this order::

    {"v":1,"kind":"publish","at":"2024-06-19T00:02:13.104233+00:00",
     "warehouse":"duckdb","review_period":"2024S1","root_org_unit":"834","revision":2,
     "content_sha256":"841a…","prev_content_sha256":"efef…",
     "created_at":"2024-06-19T00:02:12.871300+00:00","flow_run_id":"1a4a08bb-…",
     "prev_line_sha256":"9c1d…"}

(one line in the file). ``kind`` is ``publish`` (a revision was published: written when
its transaction committed) or ``adopt`` (a revision already in the database when the log
began: a log started on an existing warehouse vouches for those from then on). Both
carry the revision's ``created_at`` (UTC, to the microsecond) and ``flow_run_id`` as the
database holds them (`HEADER_FIELDS`: the header fields its content hash does not
cover); lines written before chitieu logged them have neither. Other
kinds (sign-off: ``approve``, ``reopen``) carry the same keys before their own; readers
skip kinds they do not know. ``warehouse`` says which warehouse the line is about
(``duckdb`` beside a DuckDB file; ``postgresql:<database>/<schema>``), so that one data
folder may serve several. ``at`` is UTC. ``prev_line_sha256`` is the SHA-256 of the
previous line's bytes, newline included (null on the first line): a line edited, removed
or inserted breaks the link of the line after it.

A line is appended under an exclusive lock of the file (``flock``), in one write, then
flushed to disk (``fsync``; the folder too when the file is new).

Reading it (`read_heads`) takes whatever the file holds: a line that is not UTF-8, not
a JSON object with the keys above, nested too deep to parse, or longer than `MAX_LINE`
(hashed a piece at a time, never held whole) is a problem of its line number.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from chitieu.settings import HEADS_LOG

LOG_NAME: Final = HEADS_LOG
"""Its name beside the warehouse (`settings.beside_warehouse`)."""
LOG_VERSION: Final = 1
HEAD_KINDS: Final = ("publish", "adopt")
"""The kinds that record a revision's head (what the rollback check reads)."""
HEADER_FIELDS: Final = ("created_at", "flow_run_id")
"""A revision's header fields that its content_sha256 does not cover (it is a function
of the revision's content alone), recorded by its publish or adopt line instead."""
MAX_LINE: Final = 1 << 20
"""The longest line read whole, in bytes: a line is a few hundred; a longer one is no
line of the log, and is only hashed, a piece at a time."""
LISTED_PROBLEMS: Final = 100
"""Lines with a problem listed one by one; those after them are counted."""
KEYS: Final = (
    "v",
    "kind",
    "at",
    "warehouse",
    "review_period",
    "root_org_unit",
    "revision",
    "content_sha256",
)


@dataclass(frozen=True)
class HeadLine:
    """One line of the log: its number (from 1) and its fields."""

    number: int
    fields: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.fields["kind"])

    @property
    def review(self) -> tuple[str, str]:
        return str(self.fields["review_period"]), str(self.fields["root_org_unit"])

    @property
    def revision(self) -> int:
        return int(self.fields["revision"])

    @property
    def content_sha256(self) -> str:
        return str(self.fields["content_sha256"])

    @property
    def at(self) -> str:
        return str(self.fields["at"])


@dataclass(frozen=True)
class HeadsLog:
    """The log as read: its well-formed lines, and what is wrong with the others."""

    path: Path
    exists: bool
    lines: list[HeadLine]
    problems: list[tuple[int, str]]
    """(line number, what is wrong): unreadable lines, broken links."""
    unreadable: str = ""
    """Why the file could not be read, when it could not (then nothing of it is known)."""

    def about(self, warehouse: str) -> list[HeadLine]:
        """The lines about one warehouse, in order."""
        return [line for line in self.lines if line.fields.get("warehouse") == warehouse]


def moment_text(moment: dt.datetime | None) -> str | None:
    """A time as the log writes it: ISO 8601, UTC, to the microsecond."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _sha(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def _encode(fields: Mapping[str, Any], prev_line: str | None) -> bytes:
    ordered = {key: fields[key] for key in KEYS if key in fields}
    ordered |= {k: v for k, v in fields.items() if k not in ordered}
    ordered["prev_line_sha256"] = prev_line
    text = json.dumps(ordered, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.encode("utf-8") + b"\n"


_CHUNK: Final = 1 << 16


@dataclass(frozen=True)
class _End:
    """What an append needs of the log as it stands: whether it holds anything but
    whitespace, whether it ends its last line, and the SHA-256 of that line (with the
    ``\n`` the append adds to a line torn by a crash)."""

    blank: bool
    ended: bool
    last_line_sha256: str | None


def _end(fd: int) -> _End:
    """The log's `_End`, read from its end a chunk at a time: a log of any size (a
    tampered one included) costs the length of its last line, never its whole."""
    size = os.fstat(fd).st_size
    if not size:
        return _End(blank=True, ended=True, last_line_sha256=None)
    ended = os.pread(fd, 1, size - 1) == b"\n"
    start: int | None = None  # where the last line starts
    blank, position = True, size
    while position > 0 and (start is None or blank):
        low = max(0, position - _CHUNK)
        chunk = os.pread(fd, position - low, low)
        blank = blank and not chunk.strip()
        if start is None:
            # the last line starts after a newline before the log's final byte
            newline = chunk.rfind(b"\n", 0, len(chunk) - 1 if position == size else None)
            start = None if newline < 0 else low + newline + 1
        position = low
    digest = hashlib.sha256()
    for offset in range(start or 0, size, _CHUNK):
        digest.update(os.pread(fd, min(_CHUNK, size - offset), offset))
    if not ended:
        digest.update(b"\n")
    return _End(blank=blank, ended=ended, last_line_sha256=digest.hexdigest())


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append_head(
    path: Path,
    *,
    kind: str,
    warehouse: str,
    review_period: str,
    root_org_unit: str,
    revision: int,
    content_sha256: str,
    adopt: Callable[[], Iterable[Mapping[str, Any]]] | None = None,
    **fields: Any,
) -> None:
    """Append one line of ``kind`` (with ``fields`` after the common keys) to the log.

    When the log is new (missing or empty), ``adopt`` is called first and its lines
    (``warehouse``, ``review_period``, ``root_org_unit``, ``revision``, ``content_sha256``,
    ``prev_content_sha256`` each) are written before this one, as ``adopt`` lines, in the
    same write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    now = dt.datetime.now(dt.UTC).isoformat()
    line = {
        "v": LOG_VERSION,
        "kind": kind,
        "at": now,
        "warehouse": warehouse,
        "review_period": review_period,
        "root_org_unit": root_org_unit,
        "revision": revision,
        "content_sha256": content_sha256,
        **fields,
    }
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd closes
        end = _end(fd)
        records = []
        if end.blank and adopt is not None:
            records = [{"v": LOG_VERSION, "kind": "adopt", "at": now, **a} for a in adopt()]
        records.append(line)
        # a line torn by a crash is ended, so that the next one starts on its own line
        out = b"" if end.ended else b"\n"
        prev = end.last_line_sha256
        for record in records:
            encoded = _encode(record, prev)
            out += encoded
            prev = _sha(encoded)
        view = memoryview(out)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if new_file:
        _sync_folder(path.parent)


def _problem_of(fields: Any) -> str | None:
    if not isinstance(fields, dict):
        return "not a JSON object"
    missing = [key for key in (*KEYS, "prev_line_sha256") if key not in fields]
    if missing:
        return f"missing {', '.join(missing)}"
    if isinstance(fields["revision"], bool) or not isinstance(fields["revision"], int):
        return "revision is not a number"
    return None


def _lines(log: BinaryIO) -> Iterator[tuple[bytes | None, str]]:
    """Each line of the log, ``\\n`` included (the last may lack it), with its SHA-256;
    a line longer than `MAX_LINE` as None, hashed a piece at a time, never held whole."""
    while raw := log.readline(MAX_LINE):
        if raw.endswith(b"\n") or len(raw) < MAX_LINE:
            yield raw, _sha(raw)
            continue
        digest = hashlib.sha256(raw)
        while piece := log.readline(MAX_LINE):
            digest.update(piece)
            if piece.endswith(b"\n"):
                break
        yield None, digest.hexdigest()


def _fields(raw: bytes | None) -> tuple[Any, str | None]:
    """A line's JSON value, or why it has none a heads-log line could have."""
    if raw is None:
        return None, f"longer than {MAX_LINE} bytes"
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except RecursionError:  # brackets nested thousands deep
        return None, "nested too deeply to be a JSON object of the log"
    except ValueError:
        return None, None


def read_heads(path: Path) -> HeadsLog:
    """Read the log (a line per publication: small), checking each line's form and its
    link to the line before. Whatever the file holds, memory stays bounded: a line is
    read whole only up to `MAX_LINE` bytes, and problems are listed up to
    `LISTED_PROBLEMS` (then counted)."""
    if not path.is_file():
        return HeadsLog(path, False, [], [])
    lines: list[HeadLine] = []
    problems: list[tuple[int, str]] = []
    unlisted, first_unlisted = 0, 0
    prev: str | None = None
    try:
        with path.open("rb") as log:
            for number, (raw, sha) in enumerate(_lines(log), start=1):
                fields, why = _fields(raw)
                why = why or _problem_of(fields)
                trouble: str | None = None
                if raw is not None and not raw.endswith(b"\n"):
                    trouble = "the last line is incomplete (a crash while writing it)"
                elif why is not None:
                    trouble = f"not a heads-log line ({why})"
                else:
                    lines.append(HeadLine(number, fields))
                    if fields["prev_line_sha256"] != prev:
                        trouble = (
                            "does not follow the line before it: a line before it was "
                            "edited, removed or inserted"
                        )
                if trouble is not None and len(problems) < LISTED_PROBLEMS:
                    problems.append((number, trouble))
                elif trouble is not None:
                    unlisted += 1
                    first_unlisted = first_unlisted or number
                prev = sha
    except OSError as error:
        return HeadsLog(path, True, [], [], unreadable=error.strerror or str(error))
    if unlisted:
        problems.append(
            (first_unlisted, f"{unlisted} line(s) from this one on are wrong too, not listed")
        )
    return HeadsLog(path, True, lines, problems)
