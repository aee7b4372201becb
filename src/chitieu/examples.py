"""Where the bundled example lives: ``examples/`` of a source checkout, or the copy
packaged inside the wheel (``chitieu/_examples``)."""

from __future__ import annotations

from pathlib import Path

from chitieu.errors import ChitieuError

EXAMPLE = "giong_trom_2024"


def example_dir(name: str = EXAMPLE) -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "examples" / name, here / "_examples" / name):
        if (candidate / "config" / "catalog.yaml").exists():
            return candidate
    raise ChitieuError(f"bundled example {name!r} not found next to {here}")
