"""`chitieu.shown.clipped`: text from outside quoted in a message in a line, not a page."""

from __future__ import annotations

from chitieu.shown import CLIPPED_CHARS, clipped


def test_short_text_is_kept_whole_and_escaped() -> None:
    assert clipped("28987") == "28987"
    assert clipped("a\nb\x1b") == "a\\nb\\x1b"


def test_long_text_keeps_its_start_and_its_end() -> None:
    path = "/srv/chung/" + "a" * 5000 + "/bao-cao.xlsx"
    cut = clipped(path)
    assert len(cut) == CLIPPED_CHARS
    assert cut.startswith("/srv/chung/aaa")
    assert cut.endswith("a/bao-cao.xlsx")
    assert cut.count("…") == 1
    assert clipped("9" * 100_000, 40) == "9" * 26 + "…" + "9" * 13
