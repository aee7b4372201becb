"""The hostile corpus: what a careless or hostile sender may put in an inbox, written by
this script so that nothing large is checked in.

    .venv/bin/python tests/hostile/make_files.py OUT [--links]

writes one file per case into ``OUT`` (`FILES`; about 7 MB of files, written in well
under a second) and, with ``--links``, the inbox's entries that are not files: links,
a named pipe, a socket (`make_entries`). Every report is the example's Xã Phong Nẫm
(28987) for 2024M05 (``examples/giong_trom_2024``), given one twist. The zip bombs are
deflate streams of zeros built from one compressed block repeated (a full flush
between blocks makes each block alike), so that 3 GB of zeros costs 3 MB and no time.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import socket
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "giong_trom_2024"
CONFIG = EXAMPLE / "config"
UNIT, PERIOD = "28987", "2024M05"
REPORT_CSV = EXAMPLE / "submissions" / PERIOD / f"{UNIT}_{PERIOD}.csv"
SHEET = "xl/worksheets/sheet1.xml"
GB = 10**9
MB = 10**6


def report_csv() -> bytes:
    """The example's report of 28987 for 2024M05: 23 rows, accepted as it is."""
    return REPORT_CSV.read_bytes()


def csv_lines() -> list[str]:
    return report_csv().decode("utf-8").splitlines()


def report_values() -> dict[str, float]:
    _, *rows = (line.split(",") for line in csv_lines())
    return {cells[1]: float(cells[3]) for cells in rows}


@functools.cache
def workbook(wrong: bool = False) -> bytes:
    """The template of 28987 for 2024M05, filled in: accepted as it is, or (``wrong``)
    rejected for its first value, "n/a"."""
    from chitieu.config import load_config
    from chitieu.excel.template import template_workbook
    from chitieu.periods import Period

    values: dict[str, float | str] = dict(report_values())
    if wrong:
        values[next(iter(values))] = "n/a"
    return template_workbook(load_config(CONFIG), UNIT, Period.parse(PERIOD), values)


# ---- zip members written by hand: a header may say anything ------------------------
@dataclass(frozen=True)
class Member:
    name: str
    data: bytes  # as stored: deflated unless ``method`` is 0
    declared: int  # the size the headers declare
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(data: bytes) -> Member:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    return Member("", packed, len(data), zlib.crc32(data))


def repeated(head: bytes, block: bytes, times: int, tail: bytes) -> Member:
    """``head``, ``block`` repeated ``times`` times and ``tail``, deflated in one
    stream built from one compressed block: a full flush resets the compressor, so that
    every block compresses alike and a gigabyte costs no time to write."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    size = len(head) + len(block) * times + len(tail)
    return Member("", first + one * times + last, size, zlib.crc32(tail, crc))


def zipped(members: list[Member]) -> bytes:
    """A zip archive of ``members`` whose headers say what the members say."""
    out, directory = io.BytesIO(), []
    for member in members:
        offset = out.tell()
        name = member.name.encode()
        sizes = (member.crc, len(member.data), member.declared)
        out.write(
            struct.pack(
                "<4s5H3I2H", b"PK\x03\x04", 20, 0, member.method, 0, 0, *sizes, len(name), 0
            )
        )
        out.write(name + member.data)
        directory.append(
            struct.pack(
                "<4s6H3I5H2I",
                b"PK\x01\x02",
                20,
                20,
                0,
                member.method,
                0,
                0,
                *sizes,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    out.write(b"".join(directory))
    size = out.tell() - start
    out.write(
        struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), size, start, 0)
    )
    return out.getvalue()


def workbook_with(
    replace: dict[str, Member], extra: tuple[Member, ...] = (), wrong: bool = False
) -> bytes:
    """The filled workbook (`workbook`) with some parts replaced and some added."""
    source = zipfile.ZipFile(io.BytesIO(workbook(wrong)))
    members = []
    for name in source.namelist():
        member = replace.get(name) or deflated(source.read(name))
        members.append(Member(name, member.data, member.declared, member.crc, member.method))
    return zipped([*members, *extra])


def bomb(lying: bool) -> bytes:
    """The workbook whose sheet is 3 GB of zeros in 3 MB; its headers declare the true
    size, or (``lying``) the size and checksum of the sheet it replaces."""
    zeros = _zeros()
    if lying:
        sheet = zipfile.ZipFile(io.BytesIO(workbook())).read(SHEET)
        zeros = Member(SHEET, zeros.data, len(sheet), zlib.crc32(sheet))
    return workbook_with({SHEET: zeros})


@functools.cache
def _zeros() -> Member:
    return _named(repeated(b"", bytes(MB), 3000, b""), SHEET)


def many_sheets(count: int, size: int, rows: bool = True) -> bytes:
    """The workbook with ``count`` more sheets of ``size`` bytes each: of rows, or of an
    extension list both readers pass over (``rows=False``: a sheet of rows repeated
    writes its cells again and again, which is refused before the sizes add up)."""
    member = _notes_member if rows else _extension_member
    extra = [member(f"xl/worksheets/notes{i}.xml", size) for i in range(count)]
    source = zipfile.ZipFile(io.BytesIO(workbook()))
    book = source.read("xl/workbook.xml").decode()
    rels = source.read("xl/_rels/workbook.xml.rels").decode()
    sheets = "".join(
        f'<sheet name="GhiChu{i}" sheetId="{100 + i}" r:id="rNotes{i}"/>' for i in range(count)
    )
    links = "".join(
        f'<Relationship Id="rNotes{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/worksheet" Target="worksheets/notes{i}.xml"/>'
        for i in range(count)
    )
    book = book.replace("</sheets>", sheets + "</sheets>")
    rels = rels.replace("</Relationships>", links + "</Relationships>")
    replaced = {
        "xl/workbook.xml": _named(deflated(book.encode()), "xl/workbook.xml"),
        "xl/_rels/workbook.xml.rels": _named(deflated(rels.encode()), "xl/_rels/workbook.xml.rels"),
    }
    return workbook_with(replaced, tuple(extra))


def shared_string_bomb(rows: int = 5000, chars: int = 30_000) -> bytes:
    """The workbook with ``rows`` more rows below its table, each naming an unknown
    element and, for its value and note, one shared string of ``chars`` characters:
    60 KB on disk, 700 KB inflated, 300 million characters once read."""
    source = zipfile.ZipFile(io.BytesIO(workbook()))
    strings = source.read("xl/sharedStrings.xml").decode()
    first = strings.count("<si>")
    strings = strings.replace(
        "</sst>", f"<si><t>KHONG_CO</t></si><si><t>{'x' * chars}</t></si></sst>"
    )
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>{first}</v></c><c r="D{r}" t="s"><v>{first + 1}</v>'
        f'</c><c r="E{r}" t="s"><v>{first + 1}</v></c></row>'
        for r in range(100, 100 + rows)
    )
    sheet = source.read(SHEET).replace(b"</sheetData>", cells.encode() + b"</sheetData>")
    parts = {"xl/sharedStrings.xml": strings.encode(), SHEET: sheet}
    return workbook_with({name: _named(deflated(data), name) for name, data in parts.items()})


def _named(member: Member, name: str) -> Member:
    return Member(name, member.data, member.declared, member.crc, member.method)


def _notes_member(name: str, size: int) -> Member:
    """A worksheet of about ``size`` bytes of real rows (``<row><c><v>1</v></c>...``)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
        b'http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    row = b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
    block = row * (MB // 10 // len(row))  # one row over and over: 100 KB deflate to 300 B
    member = repeated(head, block, -(-size // len(block)), b"</sheetData></worksheet>")
    return _named(member, name)


def _extension_member(name: str, size: int) -> Member:
    """A worksheet without cells, of about ``size`` bytes of an extension list."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
        b'http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/><extLst>'
    )
    block = b'<ext uri="{00000000-0000-0000-0000-000000000000}"/>' * (MB // 10 // 52)
    member = repeated(head, block, -(-size // len(block)), b"</extLst></worksheet>")
    return _named(member, name)


# ---- the cases -----------------------------------------------------------------------
def csv_with(edit: Callable[[list[str]], list[str]]) -> bytes:
    return ("\n".join(edit(csv_lines())) + "\n").encode()


def replace_line(number: int, old: str, new: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
        return lines

    return edit


def _long_note(size: int) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        cells = lines[1].split(",")
        cells[4] = "A" * size
        lines[1] = ",".join(cells)
        return lines

    return edit


def _rows(count: int, element: str = "KHONG_CO") -> bytes:
    header = "org_unit_code,element_code,period,value\n"
    return (header + f"{UNIT},{element},{PERIOD},1\n" * count).encode()


def _json(values: list[object], **top: object) -> bytes:
    document = {"org_unit_code": UNIT, "period": PERIOD, **top, "values": values}
    return json.dumps(document, ensure_ascii=False).encode()


def _json_report(note: str = "") -> list[object]:
    values: list[object] = [{"element_code": c, "value": v} for c, v in report_values().items()]
    values[0] = {**values[0], "note": note}  # type: ignore[dict-item]
    return values


FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "bomb_lying_size.xlsx": (
        lambda: bomb(lying=True),
        "a 3 MB workbook whose sheet inflates to 3 GB, its headers declaring 129 KB",
    ),
    "bomb_declared.xlsx": (lambda: bomb(lying=False), "the same, its headers saying 3 GB"),
    "big_sheet.xlsx": (
        lambda: many_sheets(1, 195 * MB),
        "a workbook with a second sheet of 195 MB of rows",
    ),
    "many_sheets.xlsx": (
        lambda: many_sheets(4, 3_500_000, rows=False),
        "four more sheets of 3.5 MB each: each under the limit of a part, not together",
    ),
    "big_unread_part.xlsx": (
        lambda: workbook_with({}, (_notes_member("xl/media/notes.xml", 195 * MB),), wrong=True),
        "a rejected workbook with a 195 MB part no reader needs (openpyxl would read it)",
    ),
    "shared_string_bomb.xlsx": (
        shared_string_bomb,
        "5,000 rows naming one shared string of 30,000 characters: 60 KB, 300 M characters",
    ),
    "too_many_rows.csv": (lambda: _rows(20_001), "20,001 rows of figures"),
    "million_lines.csv": (lambda: _rows(1_000_000), "a million lines: 25 MB"),
    "many_problems.csv": (lambda: _rows(19_999), "19,999 rows, each with an unknown element"),
    "long_field.csv": (lambda: csv_with(_long_note(200_000)), "a note of 200,000 characters"),
    "nul_byte.csv": (
        lambda: csv_with(replace_line(2, ",3,", ",3\x00,")),
        "a NUL byte in a value",
    ),
    "unreadable_unit.csv": (
        lambda: csv_with(replace_line(4, UNIT, UNIT + "x")),
        "the example's report with one line's unit code mistyped",
    ),
    "unreadable_period.csv": (
        lambda: csv_with(replace_line(5, PERIOD, "2024M13")),
        "the example's report with one line's period impossible",
    ),
    "long_note.json": (
        lambda: _json(_json_report("A" * 1_000_000)),
        "a JSON report with a note of a million characters",
    ),
    "huge_note.json": (
        lambda: _json(_json_report("A" * MB)),  # made 150 MB by `make_files`, sparse
        "a JSON report with a note of 150 MB",
    ),
    "nul_escape.json": (lambda: _json(_json_report("a\u0000b")), "a note holding \\u0000"),
    "many_objects.json": (
        lambda: b'{"values": [' + b"{}," * 1_200_000 + b"{}]}",
        "1.2 million empty objects in 3.6 MB",
    ),
    "name\nwith newline.csv": (report_csv, "the example's report under a name with a newline"),
    "name \x1b[31mred\x1b[0m.csv": (report_csv, "a name with a terminal escape"),
}
NOT_UTF8_NAME = b"b\xe1o c\xe1o.csv"
"""A name written in another code page (Windows-1258 "báo cáo"): not UTF-8."""


def make_files(folder: Path) -> dict[str, Path]:
    """Every case of `FILES` in ``folder``, and the report under `NOT_UTF8_NAME`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, (build, _) in FILES.items():
        path = folder / name
        path.write_bytes(build())
        written[name] = path
    # 150 MB of note: the middle of its megabyte of "A" left as a hole, never written
    # (the file is refused by its size before a byte of it is read)
    huge = written["huge_note.json"]
    content = huge.read_bytes()
    cut = content.index(b"A" * 1000) + 1000
    with huge.open("r+b") as f:
        f.truncate(cut)
        f.seek(cut + 149 * MB)
        f.write(content[cut:])
    odd = os.path.join(os.fsencode(folder), NOT_UTF8_NAME)
    with open(odd, "wb") as f:
        f.write(report_csv())
    written["not_utf8_name"] = Path(os.fsdecode(odd))
    return written


SECRET = b"org_unit_code,element_code,period,value\nSECRET-PASSWORD,X,2024M05,1\n"
"""The file outside the inbox that a link points at: none of it may be read."""


def make_entries(inbox: Path, outside: Path) -> dict[str, Path]:
    """The entries of an inbox that are not its files: links to a file outside
    (``outside/secret.csv``: `SECRET`), to ``/etc/shadow``, to ``/dev/zero``, to a file
    inside (``real.csv``, the example's report), to a folder outside; a named pipe; a
    socket. Returns them by case."""
    inbox.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "secret.csv"
    secret.write_bytes(SECRET)
    (inbox / "real.csv").write_bytes(report_csv())
    entries = {
        "link_to_shadow": (inbox / "shadow.csv", Path("/etc/shadow")),
        "link_outside": (inbox / "secret.csv", secret),
        "link_to_device": (inbox / "zero.csv", Path("/dev/zero")),
        "link_inside": (inbox / "again.csv", inbox / "real.csv"),
        "link_to_folder": (inbox / "elsewhere", outside),
    }
    for link, target in entries.values():
        link.symlink_to(target)
    made = {case: link for case, (link, _) in entries.items()}
    made["fifo"] = inbox / "pipe.csv"
    os.mkfifo(made["fifo"])
    made["socket"] = inbox / "socket.csv"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(made["socket"]))
    listener.close()  # the socket file stays
    made["real"] = inbox / "real.csv"
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--links", action="store_true", help="also links, a pipe, a socket")
    args = parser.parse_args(argv)
    for name, path in make_files(args.out).items():
        print(f"{path.stat().st_size:>12,}  {name!r}")
    if args.links:
        for name, path in make_entries(args.out, args.out.parent / "outside").items():
            print(f"{'':>12}  {name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
