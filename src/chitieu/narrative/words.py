"""Words near a figure against an indicator's name.

Text is compared in NFC and case-folded, as syllables (Vietnamese writes a word as
several syllables: "đảng viên"), singly and in adjacent pairs, so that "nhà tình thương"
does not pass for "nhà tình nghĩa". A syllable that many indicator names share weighs
less than one that names a single indicator. A syllable typed without its marks still
counts, for half ("dang vien" for "đảng viên"). Common abbreviations are spelt out first.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

ABBREVIATIONS: Final = {
    "ntm": "nông thôn mới",
    "bhyt": "bảo hiểm y tế",
    "tsvm": "trong sạch vững mạnh",
    "xkld": "xuất khẩu lao động",
    "xklđ": "xuất khẩu lao động",
    "ttcn": "tiểu thủ công nghiệp",
    "htx": "hợp tác xã",
    "tht": "tổ hợp tác",
    "gtnt": "giao thông nông thôn",
    "nsnn": "ngân sách nhà nước",
    "gqvl": "giải quyết việc làm",
    "tccsđ": "tổ chức cơ sở đảng",
    "tccsd": "tổ chức cơ sở đảng",
    "đv": "đảng viên",
}
_IGNORED: Final = frozenset(
    (
        *("số", "của", "các", "và", "được", "cho", "từ", "theo", "ở", "là", "có", "những"),
        *("the", "of", "and", "a", "an", "in", "to", "or", "by", "on", "at", "with", "for"),
    )
)
_SYLLABLE: Final = re.compile(r"[^\W\d_]+")


def readable(text: str) -> tuple[str, list[int] | None]:
    """The text as a reader sees it: NFC (a draft saved on a Mac writes ``ơ`` as ``o`` and
    a mark), without the characters that show nothing (category Cf: a zero-width space,
    a soft hyphen Word hides, a direction mark), which would otherwise cut ``1\u00ad50``
    into two numbers. With, when it differs from ``text``, where each of its positions
    (and its end) lies in ``text``: a figure found in it is marked where it was written."""
    if text.isascii() or (
        unicodedata.is_normalized("NFC", text)
        and not any(unicodedata.category(c) == "Cf" for c in text)
    ):
        return text, None
    pieces: list[str] = []
    origin: list[int] = []
    cluster = 0  # a character and the marks after it are normalised together
    for index in range(1, len(text) + 1):
        if index < len(text) and unicodedata.combining(text[index]):
            continue
        composed = unicodedata.normalize("NFC", text[cluster:index])
        piece = "".join(c for c in composed if unicodedata.category(c) != "Cf")
        pieces.append(piece)
        origin += [cluster] * len(piece)
        cluster = index
    origin.append(len(text))
    return "".join(pieces), origin


def normalise(text: str) -> str:
    """NFC, case-folded, one space between words."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def fold(syllable: str) -> str:
    """Without Vietnamese marks: ``đảng`` → ``dang``."""
    bare = unicodedata.normalize("NFD", syllable.replace("đ", "d"))
    return "".join(c for c in bare if not unicodedata.combining(c))


def syllables(text: str) -> list[str]:
    """The text's syllables, numbers and punctuation dropped, abbreviations spelt out."""
    found: list[str] = []
    for token in _SYLLABLE.findall(normalise(text)):
        found += ABBREVIATIONS.get(token, token).split()
    return found


def _pairs(tokens: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


@dataclass(frozen=True)
class _Bag:
    single: frozenset[str]
    double: frozenset[str]


def _bag(name: str) -> _Bag:
    tokens = [t for t in syllables(name) if t not in _IGNORED]
    return _Bag(frozenset(tokens), frozenset(_pairs(tokens)))


@dataclass(frozen=True)
class _Context:
    exact: frozenset[str]
    folded: frozenset[str]

    @classmethod
    def of(cls, items: Iterable[str]) -> _Context:
        kept = frozenset(items)
        return cls(kept, frozenset(fold(i) for i in kept))

    def credit(self, item: str, folded: str) -> float:
        """1 for ``item`` as written, 0.5 for it without its marks (``folded``)."""
        if item in self.exact:
            return 1.0
        return 0.5 if folded in self.folded else 0.0


class NameIndex:
    """Every indicator's names (Vietnamese and English) ready to be scored against the
    words around a figure."""

    def __init__(self, names: dict[str, Sequence[str]]) -> None:
        self._bags = {code: [_bag(n) for n in given if n] for code, given in names.items()}
        documents = len(self._bags) or 1
        seen: Counter[str] = Counter()
        for bags in self._bags.values():
            seen.update({item for bag in bags for item in bag.single | bag.double})
        self._weight = {item: math.log(1 + documents / n) for item, n in seen.items()}
        # Each name's syllables folded, and its weight summed, once: not at every figure.
        self._folded = {item: fold(item) for item in seen}
        self._total = {
            items: sum(self._weight[i] for i in items)
            for bags in self._bags.values()
            for bag in bags
            for items in (bag.single, bag.double)
        }
        # Which names hold a syllable (or pair), and which syllables read the same without
        # their marks: a figure's few words find the names they touch, and the other
        # names score 0 without being walked (a draft of 2,500 figures: 124 names each).
        self._holding: dict[str, set[frozenset[str]]] = {}
        for items in self._total:
            for item in items:
                self._holding.setdefault(item, set()).add(items)
        self._by_fold: dict[str, list[str]] = {}
        for item, folded in self._folded.items():
            self._by_fold.setdefault(folded, []).append(item)

    def scores(self, context: str) -> dict[str, float]:
        """How much of each indicator's name (0..1, weighted) the context contains: the
        mean of its syllables' and its syllable pairs' shares, its best name counted."""
        tokens = syllables(context)
        credit = self._credit(_Context.of(tokens), _Context.of(_pairs(tokens)))
        touched = {items for item in credit for items in self._holding[item]}
        found = {}
        for code, bags in self._bags.items():
            best = 0.0
            for bag in bags:
                shares = [self._share(bag.single, credit, touched)]
                if bag.double:
                    shares.append(self._share(bag.double, credit, touched))
                best = max(best, sum(shares) / len(shares))
            found[code] = best
        return found

    def _credit(self, single: _Context, double: _Context) -> dict[str, float]:
        """The names' syllables and pairs the context holds: 1 as written, 0.5 without
        their marks (`_Context.credit`; a syllable never equals a pair, which holds a
        space, so one map serves both)."""
        credit: dict[str, float] = {}
        for context in (single, double):
            for folded in context.folded:
                for item in self._by_fold.get(folded, ()):
                    credit[item] = context.credit(item, folded)
        return credit

    def _share(
        self, items: frozenset[str], credit: dict[str, float], touched: set[frozenset[str]]
    ) -> float:
        """The weighted share of ``items`` credited, summed in the order it always was
        (the items not credited add 0.0, which changes no sum)."""
        total = self._total[items]
        if items not in touched:
            return 0.0
        found = sum(self._weight[i] * credit[i] for i in items if i in credit)
        return found / total if total else 0.0
