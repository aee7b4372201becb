"""Files chitieu writes for people (feedback workbooks, annotated drafts): atomically, so
that a crash or a full disk never leaves a half-written file under the name asked for."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(target: Path, content: bytes) -> Path:
    """Write ``content`` to a temporary file in ``target``'s folder, then rename it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
