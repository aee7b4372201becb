"""What ``-o`` names, checked before anything is read or written: a file whose suffix
says what it holds (an ``.xlsx`` is a workbook, and a workbook is an ``.xlsx``), or a
folder, as a name ending with a separator always is."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

FILE_SUFFIX: Final = re.compile(r"\.[A-Za-z]{1,5}")
"""A suffix a file's name has (``.csv``, ``.xls``, ``.ods``), not a folder's
(``mau-2024.06``, ``mau.2024M06``)."""


def names_folder(output: str) -> bool:
    """Whether ``output`` ends with a separator (``t5.xlsx/``): a folder, whatever its
    name (a `Path` drops the separator, and with it what the user meant)."""
    return output.endswith(tuple(filter(None, (os.sep, os.altsep))))


def file_suffix(output: str) -> str:
    """``output``'s suffix, lower-cased, if it is a file's (`FILE_SUFFIX`), else ``""``."""
    suffix = Path(output).suffix
    return suffix.lower() if FILE_SUFFIX.fullmatch(suffix) else ""


BINARY: Final = (".xlsx", ".docx")
"""Suffixes of files only their own program opens: a name without one is refused."""


def output_file(
    output: str, fmt: str, suffix: str, what: tuple[str, str], also: tuple[str, ...] = ()
) -> Path:
    """The file ``-o`` names for ``--format fmt``, which writes ``what`` (Vietnamese,
    English) in a ``suffix`` file (or one of ``also``: ``.htm`` for ``.html``); an
    `OutputError` for a name with another file's suffix (``--format xlsx -o x.csv``: a
    workbook named .csv), or none when the format is a workbook or a Word document."""
    from chitieu.errors import OutputError
    from chitieu.shown import clipped

    path = one_file(output, fmt, suffix)  # a folder first, whatever its name's suffix
    named = file_suffix(output)
    if named in (suffix, *also) or (not named and suffix not in BINARY):
        return path
    shown = clipped(output)
    raise OutputError(
        f"{shown}: --format {fmt} ghi {what[0]}: đặt tên TỆP{suffix} / --format {fmt} "
        f"writes {what[1]}: name FILE{suffix}"
    )


def one_file(output: str, fmt: str, suffix: str) -> Path:
    """``output`` as the one file ``--format fmt`` writes; an `OutputError` for a name
    ending with a separator (``-o x.xlsx/``): a folder, which wrote a file ``x.xlsx``."""
    from chitieu.errors import OutputError
    from chitieu.shown import clipped

    if names_folder(output):
        shown = clipped(output)
        raise OutputError(
            f"{shown}: là một thư mục; --format {fmt} ghi một tệp: đặt tên TỆP{suffix} / "
            f"names a folder, and --format {fmt} writes one file: name FILE{suffix}"
        )
    return Path(output)
