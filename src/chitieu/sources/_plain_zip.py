"""The parts of a plain zip archive, read without `zipfile`'s machinery.

`zipfile` spends more time opening an archive and each of its members than zlib takes
to inflate them: a tenth of a workbook's reading time. This reader takes only the
archive `zipfile` would read the same way — one disk, no comment, no zip64, nothing
before the first member or between the members and their directory, ASCII names each
given once, stored or deflated members without extra fields or encryption — and checks
every member's size and CRC-32. Anything else raises `PackageError`: for the fast path,
a decline, and the reference reader (with `zipfile`) reads the file.

Members are inflated as the reference reader inflates them (`Package._inflate`): within
the limits, stopping at the first byte over them.
"""

from __future__ import annotations

import struct
from typing import Final

from chitieu.sources._ooxml import Package, PackageError, data_start

_END: Final = struct.Struct("<4s4H2IH")  # end of central directory record
_ENTRY: Final = struct.Struct("<4s6H3I5H2I")  # central directory file header
_ZIP64_LOCATOR: Final = b"PK\x06\x07"
_FLAGS: Final = 0x2 | 0x4 | 0x8 | 0x800  # deflate options, data descriptor, UTF-8 names
_STORED, _DEFLATED = 0, 8
_MAX_VERSION: Final = 63  # zipfile.MAX_EXTRACT_VERSION: above it, zipfile refuses the member


class PlainPackage(Package):
    """`Package` over a plain zip archive (see the module docstring)."""

    def _open(self, content: bytes) -> None:
        try:
            self._directory(content)
        except struct.error as exc:  # a size or offset past the end
            raise PackageError("not a plain zip archive") from exc

    def _directory(self, content: bytes) -> None:
        self._content = content
        self._members: dict[str, tuple[str, int, int, int, int, int]] = {}
        end = len(content) - _END.size
        if end < 0 or content[end - 20 : end - 16] == _ZIP64_LOCATOR:
            raise PackageError("not a plain zip archive")
        signature, this, start, here, total, size, offset, comment = _END.unpack_from(content, end)
        if (signature, this, start, comment) != (b"PK\x05\x06", 0, 0, 0) or here != total:
            raise PackageError("not a plain zip archive")
        if offset + size != end:
            raise PackageError("not a plain zip archive")
        at = offset
        for _ in range(total):
            entry = _ENTRY.unpack_from(content, at)
            flags, method, crc, packed, unpacked = entry[3], entry[4], *entry[7:10]
            name_size, extra_size, comment_size, disk, first = *entry[10:14], entry[16]
            name = content[at + _ENTRY.size : at + _ENTRY.size + name_size]
            if (
                entry[0] != b"PK\x01\x02"
                or flags & ~_FLAGS
                or method not in (_STORED, _DEFLATED)
                or 0xFFFFFFFF in (packed, unpacked, first)
                or disk != 0
                or extra_size  # zipfile parses extra fields, and refuses a corrupt one
                or entry[2] > _MAX_VERSION
                or not name.isascii()
                or name.decode().lower() in self._members
            ):
                raise PackageError("not a plain zip archive")
            self._members[name.decode().lower()] = (
                name.decode(),
                first,
                method,
                packed,
                unpacked,
                crc,
            )
            at += _ENTRY.size + name_size + extra_size + comment_size
        if at != end:
            raise PackageError("not a plain zip archive")

    def read_part(self, part: str) -> bytes | None:
        member = self._members.get(part.lstrip("/").lower())
        if member is None:
            return None
        name, first, method, packed, unpacked, crc = member
        start = data_start(self._content, first, name)
        return self._inflate(name, start, packed, method, unpacked, crc)

    def close(self) -> None:
        pass
