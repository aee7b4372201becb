"""What the sign-off tests share: a late correction that arrives after the committee
approved the six-month review."""

from __future__ import annotations

from pathlib import Path

from example_fixtures import EXAMPLE

LATE_NAME = "28987_2024M05_sua2.csv"


def late_correction(folder: Path) -> Path:
    """Phong Nẫm's May report a third time, sent on 20 June after the meeting: 7 new
    party members (the example's correction says 5)."""
    original = (EXAMPLE / "submissions" / "2024M05" / "28987_2024M05.csv").read_text("utf-8")
    text = original.replace("28987,DANG_VIEN_MOI,2024M05,3,", "28987,DANG_VIEN_MOI,2024M05,7,")
    text = text.replace("2024-05-16T11:35:00+07:00", "2024-06-20T09:00:00+07:00")
    assert text != original
    path = folder / "inbox" / LATE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path
