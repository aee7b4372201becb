"""Every received file, kept byte for byte under its SHA-256: ``folder/ab/abcdef...``.

Content addressing makes archiving idempotent (the same bytes land on the same path) and
the write is atomic (a temporary file in the same folder, then ``os.replace``), so a crash
never leaves a half-written file under an archive name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from chitieu.errors import WarehouseError
from chitieu.sources import ReceivedFile

_SHA256 = re.compile(r"[0-9a-f]{64}")


def archived_path(folder: Path, sha256: str) -> Path:
    """Where the file with this SHA-256 (64 lowercase hex digits) is or would be kept."""
    if not _SHA256.fullmatch(sha256):
        raise WarehouseError(f"not a SHA-256 (64 lowercase hex digits): {sha256!r}")
    return folder / sha256[:2] / sha256


def _digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def archive_file(folder: Path, received: ReceivedFile) -> Path:
    """Keep the file's bytes under their SHA-256; nothing to do if they are already there."""
    actual = hashlib.sha256(received.content).hexdigest()
    if actual != received.sha256:
        raise WarehouseError(
            f"{received.source_name}: its bytes hash to {actual}, not {received.sha256}"
        )
    target = archived_path(folder, actual)
    if target.is_file() and _digest(target) == actual:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{actual[:16]}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(received.content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o444)  # an archived file is never edited
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
