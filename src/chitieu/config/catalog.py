"""catalog.yaml: the resolution, its data elements and indicators (SPEC.md §1).

Pydantic models do the typing and catch unknown keys; the cross-entry rules
(duplicates, formulas, cycles between indicators) follow in `check_catalog`.
Every problem is collected so that the data team sees them all at once.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from chitieu import formula
from chitieu.config.rules import OutlierSpec, RuleSpec, check_rules, outlier_setting
from chitieu.config.wording import (
    BLANK_NAME,
    DIVIDES_BY_ZERO,
    REQUIRED_KEY,
    UNKNOWN_KEY,
    both,
    duplicate_code,
    formula_problem,
    pydantic_problem,
    unknown_element,
)
from chitieu.errors import ConfigProblem, FormulaError
from chitieu.shown import first_unshown, prints_nothing

CODE_PATTERN = r"^[A-Z][A-Z0-9_]*$"
CATALOG_FILE = "catalog.yaml"
MAX_CHAIN: Final = 10
"""How deep indicators may name indicators (CT05 names CT01: 1 deep). Real catalogs
go 2 or 3 deep; the limit keeps the writing-out of formulas (`_inline`) shallow."""

ValueType = Literal["integer", "number", "boolean", "percent"]
TimeAggregation = Literal["sum", "last", "average", "max", "min"]
OrgAggregation = Literal["sum", "average", "max", "min"]


def _shown(text: str) -> str:
    """``text`` in NFC, or a `ValueError` naming a character that does not show."""
    unshown = first_unshown(text)  # as a sign-off's texts (`chitieu.warehouse.signoff`)
    if unshown is not None:
        place, char = unshown
        raise ValueError(
            both(
                f"ký tự không hiển thị {char!r} ở vị trí {place}",
                f"a character that does not show, {char!r}, at position {place}: write "
                "the text on one line, without control or direction characters",
            )
        )
    return unicodedata.normalize("NFC", text)


Shown = Annotated[str, AfterValidator(_shown)]
"""Text the review prints: names, titles, units, groups."""


def _named(text: str) -> str:
    """`_shown`, and a `ValueError` when nothing of it would print (empty, spaces,
    marks alone, blank-looking letters: `chitieu.shown.prints_nothing`)."""
    if prints_nothing(text):
        raise ValueError(BLANK_NAME)
    return _shown(text)


Named = Annotated[str, AfterValidator(_named)]
"""A name or title the review prints as the only word for its row: never blank."""


def _left_out(text: object) -> object:
    """An optional name written empty or as spaces (``name_en: ""``): left out, as it
    always was read."""
    return None if isinstance(text, str) and not text.strip() else text


OptionalNamed = Annotated[Named | None, BeforeValidator(_left_out)]
"""An optional name (``name_en``, ``group``): none when empty, else a `Named`."""


class _Strict(BaseModel):
    # NaN or infinity (`.nan`, `.inf`, `1e400`) is no bound, threshold or setting
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Resolution(_Strict):
    code: str
    title: Named
    org_unit: str
    year: int = Field(ge=1945, le=2999)  # the resolution's year: a period's, never 0 or 99999


class Classification(_Strict):
    """Thresholds in percent of the annual target."""

    exceeded: float = 100
    basically_achieved: float = 90
    on_track: float = 50

    @model_validator(mode="after")
    def _ordered(self) -> Classification:
        if not (0 < self.on_track < self.basically_achieved <= self.exceeded):
            raise ValueError(
                both(
                    "các ngưỡng phải thỏa 0 < on_track < basically_achieved <= exceeded",
                    "thresholds must satisfy 0 < on_track < basically_achieved <= exceeded",
                )
            )
        return self


class Quality(_Strict):
    min_completeness: float = Field(default=0, ge=0, le=1)


class ElementSpec(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: Named
    name_en: OptionalNamed = None
    unit: Shown = ""
    value_type: ValueType = "number"
    time_aggregation: TimeAggregation = "sum"
    org_aggregation: OrgAggregation = "sum"
    collected_at: str | None = None
    min: float | None = None
    max: float | None = None
    outlier: OutlierSpec | Literal["off"] | None = None
    """The outlier test of SPEC §7: on by default (off for booleans), ``off``, or settings."""

    _outlier = field_validator("outlier", mode="before")(outlier_setting)

    def outlier_test(self) -> OutlierSpec | None:
        """The element's outlier settings, None when its values are not judged."""
        if self.outlier == "off" or (self.outlier is None and self.value_type == "boolean"):
            return None
        return self.outlier if isinstance(self.outlier, OutlierSpec) else OutlierSpec()

    @model_validator(mode="after")
    def _range(self) -> ElementSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(
                both(
                    f"min ({self.min:g}) lớn hơn max ({self.max:g})",
                    f"min ({self.min:g}) is greater than max ({self.max:g})",
                )
            )
        return self


class IndicatorSpec(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: Named
    name_en: OptionalNamed = None
    group: OptionalNamed = None
    unit: Shown = ""
    formula: str
    direction: Literal["increase", "decrease"] = "increase"
    review: Literal["mid_year", "year_end"] = "mid_year"


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_shown)
]


class ReportSection(_Strict):
    """Who issues the review document and how it is headed and signed (SPEC §6).

    ``party``: a party committee, headed "ĐẢNG CỘNG SẢN VIỆT NAM" (Hướng dẫn
    36-HD/VPTW); ``state``: a people's committee, headed by the national name and motto
    (Decree 30/2020/NĐ-CP). The document's number and date change with every document,
    so the command line gives them too (``--number``, ``--date``).
    """

    body_type: Literal["party", "state"] = "state"
    issuing_body: Text | None = None
    """In capitals, as printed: "HUYỆN ỦY GIỒNG TRÔM"; default: the root unit's name."""
    parent_body: Text | None = None
    """The body above it, printed above its name: "ĐẢNG BỘ TỈNH BẾN TRE"."""
    number: Text | None = None
    """The document's number ("123"); left blank for the office to fill in by hand."""
    symbol: Text = "BC"
    """The symbol after the number: "BC/HU" (Số 123-BC/HU), "BC-UBND" (Số: 45/BC-UBND)."""
    place: Text | None = None
    date: dt.date | None = None
    subject: Text | None = None
    """The title line under "BÁO CÁO"; default: the review and the resolution's title."""
    signer_on_behalf: Text | None = None
    """"T/M BAN THƯỜNG VỤ", "TM. ỦY BAN NHÂN DÂN"."""
    signer_title: Text | None = None
    signer_name: Text | None = None
    recipients: list[Text] = Field(default_factory=list)


class Catalog(_Strict):
    resolution: Resolution
    classification: Classification = Classification()
    quality: Quality = Quality()
    report: ReportSection | None = None
    elements: list[ElementSpec] = Field(min_length=1)
    indicators: list[IndicatorSpec] = Field(min_length=1)
    rules: list[RuleSpec] = Field(default_factory=list)

    def element(self, code: str) -> ElementSpec:
        return next(e for e in self.elements if e.code == code)

    def indicator(self, code: str) -> IndicatorSpec:
        return next(i for i in self.indicators if i.code == code)

    def formula_tree(self, indicator_code: str) -> formula.Node:
        """The indicator's formula over element codes only (indicator references inlined)."""
        return _inline(self, formula.parse(self.indicator(indicator_code).formula), ())

    def formula_elements(self, indicator_code: str) -> list[str]:
        """The elements the indicator's formula reads, in the catalog's order."""
        used = formula.elements(self.formula_tree(indicator_code))
        return [e.code for e in self.elements if e.code in used]


def _inline(catalog: Catalog, node: formula.Node, seen: tuple[str, ...]) -> formula.Node:
    if isinstance(node, formula.Element):
        referenced = next((i for i in catalog.indicators if i.code == node.code), None)
        if referenced is None:
            return node
        return _inline(catalog, formula.parse(referenced.formula), (*seen, node.code))
    if isinstance(node, formula.Negate):
        return formula.Negate(_inline(catalog, node.operand, seen))
    if isinstance(node, formula.Binary):
        return formula.Binary(
            node.op, _inline(catalog, node.left, seen), _inline(catalog, node.right, seen)
        )
    return node


def _entry_name(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    """(entry, key) for a pydantic error location, naming list entries by their code."""
    if len(loc) >= 2 and loc[0] in ("elements", "indicators", "rules") and isinstance(loc[1], int):
        section, index = str(loc[0]), loc[1]
        code = ""
        items = raw.get(section) if isinstance(raw, dict) else None
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            code = str(items[index].get("code", ""))
        entry = f"{section}[{index + 1}]" + (f" {code}" if code else "")
        return entry, ".".join(str(p) for p in loc[2:])
    if len(loc) >= 2:
        return str(loc[0]), ".".join(str(p) for p in loc[1:])
    return (str(loc[0]) if loc else "", "")


class _UniqueKeys:
    """A safe loader's constructor that refuses a key given twice in one mapping (YAML
    would keep the last one silently, and a data team would never know which rule
    applies)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key '{key}' appears twice in the same mapping",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader: the words of every YAML error a user reads."""


class _FastUniqueKeyLoader(_UniqueKeys, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same constructor on libyaml's parser: a national catalog (200 elements, 50 KB)
    in 0.02 s instead of 0.15-0.23, which every command and flow paid when it loaded its
    configuration."""


def _load_yaml(text: str) -> Any:
    """The document, parsed by libyaml; where libyaml finds a problem, parsed again by
    the pure-Python loader, so that the error (or, should the two ever disagree, the
    document) is PyYAML's own, as it always was."""
    try:
        return yaml.load(text, Loader=_FastUniqueKeyLoader)  # a SafeLoader
    except yaml.YAMLError:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader


def parse_catalog(
    text: str, file: str = CATALOG_FILE
) -> tuple[Catalog | None, list[ConfigProblem]]:
    """Parse and type-check catalog text; returns the catalog or the problems."""
    try:
        raw = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        not_yaml = both("không phải YAML hợp lệ", f"not valid YAML: {problem}")
        return None, [ConfigProblem(file, where, "", not_yaml)]
    if not isinstance(raw, dict):
        return None, [
            ConfigProblem(
                file,
                "",
                "",
                both(
                    "tệp phải là một bảng khóa gồm resolution, elements, indicators",
                    "must be a mapping with resolution, elements, indicators",
                ),
            )
        ]
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            if any(str(part).startswith("literal[") for part in loc):
                continue  # `outlier: off`'s branch of a union: the other branch says it better
            entry, key = _entry_name(raw, tuple(p for p in loc if p != "OutlierSpec"))
            if error["type"] == "extra_forbidden":
                message = UNKNOWN_KEY
            elif error["type"] == "missing":
                message = REQUIRED_KEY
            elif _not_finite(error):
                shown = formula.shortened(str(error["input"]))
                message = both(
                    "không phải số hữu hạn (NaN, vô cực, hoặc quá lớn)",
                    f"not a finite number (NaN, infinity, or too large): {shown}",
                )
            else:
                message = pydantic_problem(error)
            problems.append(ConfigProblem(file, entry, key, message))
        return None, problems
    return catalog, check_catalog(catalog, file)


def _not_finite(error: Any) -> bool:
    """A pydantic error for NaN or infinity, or an integer too large for a float (YAML
    reads 400 nines as an integer)."""
    return error["type"] == "finite_number" or (
        error["type"] == "float_type"
        and isinstance(error["input"], int)
        and not isinstance(error["input"], bool)
    )


def check_catalog(catalog: Catalog, file: str = CATALOG_FILE) -> list[ConfigProblem]:
    """Rules across entries: unique codes, formulas that parse and name known elements,
    no division by a literal zero, no cycle between indicators, no formula too large
    once the indicators it names are written out (`_too_large`)."""
    problems: list[ConfigProblem] = []
    for section, codes in (
        ("elements", [e.code for e in catalog.elements]),
        ("indicators", [i.code for i in catalog.indicators]),
    ):
        seen: dict[str, int] = {}
        for index, code in enumerate(codes, start=1):
            if code in seen:
                problems.append(
                    ConfigProblem(
                        file,
                        f"{section}[{index}] {code}",
                        "code",
                        duplicate_code(section, seen[code]),
                    )
                )
            seen.setdefault(code, index)
    element_codes = {e.code for e in catalog.elements}
    indicator_codes = {i.code for i in catalog.indicators}
    clashes = element_codes & indicator_codes
    references: dict[str, set[str]] = {}
    trees: dict[str, formula.Node] = {}
    for index, indicator in enumerate(catalog.indicators, start=1):
        entry = f"indicators[{index}] {indicator.code}"
        if indicator.code in clashes:
            problems.append(
                ConfigProblem(
                    file,
                    entry,
                    "code",
                    both("mã chỉ tiêu trùng với mã một phần tử", "is also an element code"),
                )
            )
        try:
            tree = formula.parse(indicator.formula)
        except FormulaError as exc:
            problems.append(ConfigProblem(file, entry, "formula", formula_problem(exc)))
            continue
        names = formula.elements(tree)
        unknown = sorted(names - element_codes - indicator_codes)
        if unknown:
            problems.append(
                ConfigProblem(file, entry, "formula", unknown_element(", ".join(unknown)))
            )
        if formula.divides_by_literal_zero(tree):
            problems.append(ConfigProblem(file, entry, "formula", DIVIDES_BY_ZERO))
        references[indicator.code] = names & indicator_codes
        trees[indicator.code] = tree  # the last of a duplicate code, as in `references`
    on_cycle = _cycle(references)
    positions = {ind.code: i for i, ind in reversed(list(enumerate(catalog.indicators, 1)))}
    for code in on_cycle:
        problems.append(
            ConfigProblem(
                file,
                f"indicators[{positions[code]}] {code}",
                "formula",
                both("nằm trong vòng lặp giữa các chỉ tiêu", "is part of a cycle of indicators"),
            )
        )
    for code, message in _too_large(trees, set(on_cycle)):
        problems.append(
            ConfigProblem(file, f"indicators[{positions[code]}] {code}", "formula", message)
        )
    problems += check_rules(catalog.rules, element_codes, indicator_codes, file)
    return problems


def _cycle(references: dict[str, set[str]]) -> list[str]:
    """Indicators on a cycle of formula references (indicators may name indicators), in
    the catalog's order: the members of every strongly connected component that loops
    (Tarjan's algorithm, with its own stack: a chain of thousands of references is
    walked without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    looping: set[str] = set()
    walk: list[tuple[str, list[str]]] = []  # the codes being visited, each with what is left

    def open_(code: str) -> None:
        index[code] = low[code] = len(index)
        stack.append(code)
        on_stack.add(code)
        walk.append((code, sorted(references.get(code, ()), reverse=True)))

    for root in references:
        if root in index:
            continue
        open_(root)
        while walk:
            code, pending = walk[-1]
            if pending:
                ref = pending.pop()
                if ref not in index:
                    open_(ref)
                elif ref in on_stack:
                    low[code] = min(low[code], index[ref])
                continue
            walk.pop()
            if walk:
                parent = walk[-1][0]
                low[parent] = min(low[parent], low[code])
            if low[code] == index[code]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == code:
                        break
                if len(component) > 1 or code in references.get(code, ()):
                    looping.update(component)
    return [code for code in references if code in looping]


def _too_large(trees: dict[str, formula.Node], on_cycle: set[str]) -> list[tuple[str, str]]:
    """(indicator, why) for every formula that, with the formulas of the indicators it
    names written out (as `Catalog.formula_tree` does), names indicators more than
    `MAX_CHAIN` deep or has more than `formula.MAX_TERMS` terms: the indicator where
    the limit is first passed (those naming it pass it too, and are not listed).

    Measured without recursion or writing anything out, so that a catalog built to be
    huge (a chain of thousands, or terms multiplied at every level) is refused in
    milliseconds, never inlined."""
    leaves = {code: formula.leaves(tree) for code, tree in trees.items() if code not in on_cycle}
    named = {
        code: [leaf.code for leaf in found if isinstance(leaf, formula.Element)]
        for code, found in leaves.items()
    }
    depth: dict[str, int] = {}
    terms: dict[str, int] = {}
    below: dict[str, str | None] = {}  # the indicator named on the longest chain
    opened: set[str] = set()
    for code in leaves:
        pending = [code]
        while pending:  # depth first, each indicator measured once, after what it names
            current = pending[-1]
            if current in depth:
                pending.pop()
                continue
            opened.add(current)
            # a name still open would be a cycle (`_cycle` reports it): counted as a term
            unmeasured = [r for r in named[current] if r in leaves and r not in opened]
            if unmeasured:
                pending += unmeasured
                continue
            pending.pop()
            refs = [r for r in named[current] if r in depth]
            deepest = max(refs, key=lambda r: depth[r], default=None)
            depth[current] = 0 if deepest is None else depth[deepest] + 1
            below[current] = deepest
            terms[current] = len(leaves[current]) + sum(terms[r] - 1 for r in refs)
    found: list[tuple[str, str]] = []
    for code in leaves:
        refs = [r for r in named[code] if r in depth]
        if depth[code] > MAX_CHAIN and all(depth[r] <= MAX_CHAIN for r in refs):
            chain = [code]
            while (step := below[chain[-1]]) is not None:
                chain.append(step)
            shown = chain if len(chain) <= 6 else [*chain[:4], "…", chain[-1]]
            found.append(
                (
                    code,
                    both(
                        f"gọi các chỉ tiêu lồng nhau {depth[code]} tầng ({' → '.join(shown)}), "
                        f"quá {MAX_CHAIN} tầng: hãy viết công thức trực tiếp bằng các phần tử",
                        f"names indicators {depth[code]} deep ({' → '.join(shown)}), more than "
                        f"{MAX_CHAIN}: write the formula with the elements themselves",
                    ),
                )
            )
        elif terms[code] > formula.MAX_TERMS and all(terms[r] <= formula.MAX_TERMS for r in refs):
            found.append(
                (
                    code,
                    both(
                        f"có {terms[code]} số hạng khi thay công thức của các chỉ tiêu được gọi "
                        f"vào, quá {formula.MAX_TERMS}",
                        f"has {terms[code]} terms with the formulas of the indicators it names "
                        f"written out, more than {formula.MAX_TERMS}",
                    ),
                )
            )
    return found
