"""The figures a paragraph quotes, in the forms review reports write them.

- a pair ``actual/target`` with what follows it: ``kết nạp 102/130 đảng viên (đạt 78,46%
  NQ)``, ``1.752/3.300 tỷ đồng, đạt hơn 52,2% NQ``, ``12/20 xã``;
- a class count over the resolution's indicators: ``thực hiện vượt 2/31 chỉ tiêu``, ``cơ
  bản đạt 4/31 CT``, ``7/31 CT đạt dưới 50%, trong đó có 2 CT chưa thực hiện``;
- a percent of target on its own: ``đạt hơn 64,5% NQ``.

A percent is read with its qualifier: ``hơn``/``trên`` (more than), ``gần`` (nearly),
``khoảng``/``xấp xỉ`` (about), or none. A percent of change (``tăng 15% so với cùng
kỳ``) is not a figure of the resolution and is left alone, as are dates (``17/06/2024``)
and numbers more precise than any figure (`chitieu.narrative.numbers.MAX_DIGITS`).
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, replace
from typing import Final

from chitieu.narrative.numbers import NUMBER, Written, figure_number
from chitieu.narrative.words import readable

EXACT, ABOVE, BELOW, ABOUT = "exact", "above", "below", "about"
QUALIFIERS: Final = {
    "hơn": ABOVE,
    "trên": ABOVE,
    "more than": ABOVE,
    "over": ABOVE,
    "above": ABOVE,
    "gần": BELOW,
    "nearly": BELOW,
    "almost": BELOW,
    "close to": BELOW,
    "khoảng": ABOUT,
    "xấp xỉ": ABOUT,
    "about": ABOUT,
    "around": ABOUT,
    "approximately": ABOUT,
    "some": ABOUT,
}
_QUALIFIER: Final = "|".join(sorted(map(re.escape, QUALIFIERS), key=len, reverse=True))
_REACHED: Final = r"đạt|bằng|chiếm|ước đạt|reached|reaching|reaches|at|is|was|of"
_BEFORE_PERCENT: Final = re.compile(
    rf"(?:\b(?P<verb>{_REACHED})\s+)?(?:\b(?P<q>{_QUALIFIER})\s+)?$", re.IGNORECASE
)
_CHANGE: Final = re.compile(
    r"\b(?:tăng|giảm|increase[ds]?|decrease[ds]?|up|down|rose|fell|grew)\s+(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
_OF_TARGET: Final = re.compile(
    r"\s*(?:NQ|nghị quyết|KH|kế hoạch|chỉ tiêu|CT\b|of (?:the )?(?:\w+'s )?(?:target|plan|"
    r"resolution))",
    re.IGNORECASE,
)
_VERSUS: Final = re.compile(r"\s*(?:so với|so cùng kỳ|compared|year on year|than)", re.IGNORECASE)
_INDICATOR_WORD: Final = re.compile(r"\s*\(?\s*(?:chỉ tiêu|CT\b|indicators?\b)", re.IGNORECASE)
_NOT_STARTED: Final = r"chưa thực hiện|chưa triển khai|not (?:yet )?started"
_REACH: Final = 300
"""How far before or after a figure its words are looked for, in characters."""
_WINDOW: Final = 100_000
"""A paragraph longer than this (no report writes one) is read a window at a time, in
memory that does not grow with it."""
_MARGIN: Final = 5_000
"""What a window reads beyond each of its edges: far more than a figure's words reach
(`_REACH`), so that each figure is found as in the whole paragraph."""
_DATE_WORD: Final = re.compile(r"(?:ngày|hôm|date|on)\s*$", re.IGNORECASE)
_CLAUSE_END: Final = re.compile(r";|\n|[.!?…](?=\s|$)|\.\.\.")
_DIGIT: Final = re.compile(r"\d")

CLASS_WORDS: Final = (
    ("basically_achieved", ("cơ bản đạt", "cơ bản hoàn thành", "basically achieved")),
    ("not_started", ("chưa thực hiện", "chưa triển khai", "not yet started", "not started")),
    ("below_half", ("dưới {h}%", "below {h}%", "under {h}%", "less than {h}%")),
    ("on_track", ("từ {h}% trở lên", "{h}% trở lên", "trên {h}%", "{h}% or more",
                  "at least {h}%", "over {h}%", "above {h}%")),
    ("year_end", ("cuối năm", "year end", "year-end", "end of the year")),
    ("exceeded", ("vượt", "exceeded", "exceeding", "surpassed")),
)  # fmt: skip
"""The words of the summary sentence for each class; ``{h}`` is the on-track threshold."""


@dataclass(frozen=True)
class Percent:
    written: Written
    qualifier: str
    """``exact``, ``above`` (hơn, trên), ``below`` (gần) or ``about`` (khoảng)."""
    of_target: bool
    """Followed by NQ, kế hoạch, chỉ tiêu...: a percent of the target, not a rate."""
    start: int
    end: int
    said: str = ""
    """The qualifier as written ("hơn"), empty for a plain percent."""


@dataclass(frozen=True)
class Figure:
    """One quoted figure of a paragraph: its span there and what it states."""

    kind: str
    """``pair``, ``percent``, ``class_count`` or ``row`` (a table's row)."""
    start: int
    end: int
    quoted: str
    context: str
    """The words around it, to be matched against indicator names."""
    actual: Written | None = None
    target: Written | None = None
    percent: Percent | None = None
    class_name: str | None = None
    not_started: Written | None = None
    """``trong đó có 2 CT chưa thực hiện`` after a below-half count."""
    code: str | None = None
    """An indicator code written beside the figure (a table's code column)."""
    clause: str = ""
    """Its clause before it (from the previous clause end or figure), where a unit the
    figure is of may be named (``trong đó xã Phong Nẫm kết nạp 6/7``)."""


@dataclass(frozen=True)
class _Number:
    written: Written
    start: int
    end: int


def quote(text: str, start: int, end: int) -> str:
    """The figure's words on one line."""
    return " ".join(text[start:end].split())


def shorten(words: str, width: int) -> str:
    """``words`` in at most ``width`` characters, cut in the middle at word edges."""
    if len(words) <= width:
        return words
    head, tail = words[: width // 2 - 1], words[-(width // 2 - 2) :]
    head = head.rsplit(" ", 1)[0] if " " in head else head
    tail = tail.split(" ", 1)[1] if " " in tail else tail
    return f"{head} … {tail}"


def find_figures(
    text: str, lang: str, indicator_count: int, half: str, limit: int | None = None
) -> list[Figure]:
    """Every figure the paragraph ``text`` quotes, in order.

    ``indicator_count`` (31) tells a class count ``2/31 chỉ tiêu`` from a pair; ``half``
    is the on-track threshold as written (``50``), which the class wording names. Each
    figure looks only at its neighbourhood, so a long paragraph costs no more than its
    clauses; one longer than `_WINDOW` is read a window at a time, and with ``limit``
    stops being read once more than ``limit`` figures are found (the caller refuses a
    draft quoting more than any report: it need not find them all)."""
    if len(text) <= _WINDOW:
        return _find(text, lang, indicator_count, half)
    found: list[Figure] = []
    for start in range(0, len(text), _WINDOW):
        stop = start + _WINDOW
        ahead = max(0, start - _MARGIN)
        for figure in _find(text[ahead : stop + _MARGIN], lang, indicator_count, half):
            if start <= ahead + figure.start < stop:  # each figure in the window it starts in
                found.append(replace(figure, start=ahead + figure.start, end=ahead + figure.end))
        if limit is not None and len(found) > limit:
            break
    return found


def _find(text: str, lang: str, indicator_count: int, half: str) -> list[Figure]:
    if not _DIGIT.search(text):
        return []  # no number, no figure: most paragraphs of prose, every empty one
    seen, origin = readable(text)
    found = _Finder(seen, lang, indicator_count, half).figures()
    if origin is None:
        return found
    # found in the text as read; marked where it was written
    return [replace(f, start=origin[f.start], end=origin[f.end]) for f in found]


def _near(text: str, start: int, end: int) -> str:
    """``text[start:end]`` within the paragraph (never a copy of the whole tail)."""
    return text[max(0, start) : max(0, end)]


class _Finder:
    def __init__(self, text: str, lang: str, indicator_count: int, half: str) -> None:
        self.text, self.lang = text, lang
        self.indicator_count, self.half = indicator_count, half
        numbers = [
            _Number(written, m.start(), m.end())
            for m in re.finditer(NUMBER[lang], text)
            if (written := figure_number(m.group(), lang)) is not None
        ]
        self.pairs = _pairs(text, numbers)
        self.percents = _percents(text, numbers)
        self.percent_starts = [p.start for p in self.percents]
        self.ends = [m.start() for m in _CLAUSE_END.finditer(text)] + [len(text)]
        self.figure_ends: list[int] = []
        self.taken: set[int] = set()  # percents that belong to a pair or a class count

    def figures(self) -> list[Figure]:
        found: list[Figure] = []
        for index, (a, b) in enumerate(self.pairs):
            stop = self.clause_stop(b.end, self.next_end(b.end))
            if index + 1 < len(self.pairs):
                stop = min(stop, self.pairs[index + 1][0].start)
            figure = self.class_count(a, b, stop) or self.pair(a, b, stop)
            found.append(figure)
            bisect.insort(self.figure_ends, figure.end)
        for index, percent in enumerate(self.percents):
            if index not in self.taken:
                found.append(self.percent(percent))
                bisect.insort(self.figure_ends, percent.end)
        return sorted(found, key=lambda f: f.start)

    def next_end(self, at: int) -> int:
        return self.ends[bisect.bisect_left(self.ends, at)]

    def clause_start(self, at: int) -> int:
        """After the previous clause end, or the previous figure, before ``at`` (and
        at most `_REACH` characters before it)."""
        index = bisect.bisect_left(self.ends, at)
        clause = self.ends[index - 1] + 1 if index else 0
        index = bisect.bisect_right(self.figure_ends, at)
        return max(clause, self.figure_ends[index - 1] if index else 0, at - _REACH)

    def clause_stop(self, at: int, stop: int) -> int:
        return min(stop, at + _REACH)

    def percents_within(self, start: int, stop: int) -> list[int]:
        first = bisect.bisect_left(self.percent_starts, start)
        last = bisect.bisect_left(self.percent_starts, stop)
        return list(range(first, last))

    def class_count(self, a: _Number, b: _Number, stop: int) -> Figure | None:
        """``vượt 2/31 chỉ tiêu``: a pair over the indicator count, named by class words
        just before it or in the rest of its clause (up to "trong đó" / "of which")."""
        text = self.text
        about_indicators = bool(_INDICATOR_WORD.match(_near(text, b.end, b.end + 20)))
        if not about_indicators and b.written.value != self.indicator_count:
            return None
        begin = self.clause_start(a.start)
        after_end = stop
        of_which = re.search(r"trong đó|of which|including", text[b.end : stop], re.IGNORECASE)
        if of_which:
            after_end = b.end + of_which.start()
        best: tuple[int, int, str] | None = None  # (distance, start, class)
        for name, phrases in CLASS_WORDS:
            for phrase in phrases:
                words = re.escape(phrase.format(h=self.half))
                pattern = words.replace(r"\ ", r"\s+").replace("%", r"\s*%")
                for m in re.finditer(pattern, text[begin:after_end], re.IGNORECASE):
                    s, e = begin + m.start(), begin + m.end()
                    distance = a.start - e if e <= a.start else s - b.end
                    if distance >= 0 and (best is None or distance < best[0]):
                        best = (distance, s, name)
        if best is None and not (about_indicators and b.written.value == self.indicator_count):
            return None
        start = min(a.start, best[1]) if best else a.start
        end = b.end + len(text[b.end : after_end].rstrip(" ,;"))
        not_started = None
        if best and best[2] == "below_half" and of_which:
            sub = re.match(
                rf"(?:trong đó|of which|including)\s*(?:có\s+)?({NUMBER[self.lang]})\s*"
                rf"(?:/\s*\d+\s*)?(?:chỉ tiêu|CT|indicators?)?\s*\(?(?:CT)?\)?\s*"
                rf"(?:{_NOT_STARTED})",
                text[after_end:stop],
                re.IGNORECASE,
            )
            not_started = figure_number(sub.group(1), self.lang) if sub else None
            if sub and not_started is not None:
                end = after_end + sub.end()
        self.taken.update(self.percents_within(start, end))
        return Figure(
            "class_count",
            start,
            end,
            quote(text, start, end),
            "",
            actual=a.written,
            target=b.written,
            class_name=best[2] if best else None,
            not_started=not_started,
        )

    def pair(self, a: _Number, b: _Number, stop: int) -> Figure:
        """The pair, the first percent of target after it in its clause, and its words."""
        text = self.text
        within = self.percents_within(b.end, stop)
        percent = self.percents[within[0]] if within else None
        if percent is not None:
            self.taken.add(within[0])
            end = percent.end
            closing = re.match(r"\s*\)", _near(text, end, end + 10))
            end += closing.end() if closing and "(" in text[b.end : percent.start] else 0
        else:  # the unit after the numbers, for the quote: "12/20 xã"
            unit = re.match(r"[^(,;:.\n]*", text[b.end : stop])
            words = unit.group().split()[:6] if unit else []
            end = b.end + (text[b.end : stop].index(words[-1]) + len(words[-1]) if words else 0)
        return Figure(
            "pair",
            a.start,
            end,
            quote(text, a.start, end),
            self.context(a.start, b.end, stop),
            actual=a.written,
            target=b.written,
            percent=percent,
            clause=self.text[self.clause_start(a.start) : a.start],
        )

    def percent(self, percent: Percent) -> Figure:
        return Figure(
            "percent",
            percent.start,
            percent.end,
            quote(self.text, percent.start, percent.end),
            self.context(
                percent.start,
                percent.end,
                self.clause_stop(percent.end, self.next_end(percent.end)),
            ),
            percent=percent,
            clause=self.text[self.clause_start(percent.start) : percent.start],
        )

    def context(self, start: int, end: int, stop: int) -> str:
        """The clause before the figure (from the previous clause end or figure) and
        the words after it up to a bracket, a clause end or the next figure."""
        after = self.text[end:stop]
        bracket = after.find("(")
        if bracket >= 0:
            after = after[:bracket]
        before = self.text[self.clause_start(start) : start]
        return " ".join([*before.split()[-25:], *after.split()[:12]])


def _pairs(text: str, numbers: list[_Number]) -> list[tuple[_Number, _Number]]:
    """``A/B``, not a date (``17/06/2024``, ``ngày 27/7``, ``06/2024``)."""
    found = []
    for a, b in itertools.pairwise(numbers):
        if not re.fullmatch(r"\s*/\s*", text[a.end : b.start]):
            continue
        before, after = _near(text, a.start - 12, a.start), _near(text, b.end, b.end + 12)
        if before.rstrip().endswith("/") or after.lstrip().startswith("/"):
            continue
        if _DATE_WORD.search(before):
            continue
        month_year = a.written.value <= 12 and re.fullmatch(r"(19|20)\d\d", b.written.text)
        if month_year:
            continue
        found.append((a, b))
    return found


def _percents(text: str, numbers: list[_Number]) -> list[Percent]:
    found = []
    for n in numbers:
        following = _near(text, n.end, n.end + 60)
        sign = re.match(r"\s*(?:%|phần trăm|per ?cent)", following, re.IGNORECASE)
        if sign is None:
            continue
        end = n.end + sign.end()
        lead = _BEFORE_PERCENT.search(_near(text, n.start - 40, n.start))
        assert lead is not None  # every group is optional
        start = n.start - (len(lead.group()) if lead.group("verb") or lead.group("q") else 0)
        qualifier = QUALIFIERS[lead.group("q").casefold()] if lead.group("q") else EXACT
        rest = _near(text, end, end + 60)
        if _CHANGE.search(_near(text, start - 30, start)) or _VERSUS.match(rest):
            continue  # "tăng 15% so với cùng kỳ": a change, not a share of the target
        target = _OF_TARGET.match(rest)
        if not (lead.group("verb") or lead.group("q") or target):
            continue  # a bare "50%": a threshold or a rate, not a quoted achievement
        end += target.end() if target else 0
        found.append(Percent(n.written, qualifier, bool(target), start, end, lead.group("q") or ""))
    return found
