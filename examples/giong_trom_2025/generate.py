"""Regenerate the Giồng Trôm 2025 example: configuration, submissions, expected results.

    .venv/bin/python examples/giong_trom_2025/generate.py           # rewrite the files
    .venv/bin/python examples/giong_trom_2025/generate.py --check   # fail if they differ

The new Xã Giồng Trôm (28984, Vĩnh Long 86) reviews 2025, the year of the reform: its
three predecessors (Thị trấn Giồng Trôm 28984, Xã Bình Hoà 29017, Xã Bình Thành 29032)
reported January–June on the old codes, with the 18 other communes of the old district;
from July the new commune reports itself, with the six other new communes that reuse an
old code of the district. It then reviews 2026S1 against 2025S1.

- ``config/org_units.csv`` and ``config/successions.csv``: what
  ``chitieu hierarchy from-crosswalk --province 86`` writes from ``../shared/data/``
  (rebuilt here with the same function when that folder is there; otherwise the
  checked-in files are kept and ``--check`` does not compare them);
- ``config/catalog.yaml``: the 2024 example's commune elements and the indicators made
  of them only (the district's statistics and the NTM flags are no commune's own
  figures), under the new commune's 2025 resolution; ``config/targets.csv``: a few
  targets of the new commune for 2025 and 2026;
- ``submissions/<period>/<code>_<period>.csv``: one report per unit and month, values
  drawn with a fixed seed; one August 2025 report under Bình Hoà's dissolved code;
- ``expected.json``: the reviews of 28984 computed here from the files written, in
  exact fractions and plain Python, following SPEC §3 (rule 7: before 1 July 2025 a
  month of the new commune is its predecessors' month, combined as children are).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import random
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REAL = REPO / "benchmarks"  # ../shared/data/'s files, checked in
UNITS = REAL / "vn_admin_units_2025-03-01.csv"
CROSSWALK = REAL / "vn_admin_crosswalk_2025-07-01.csv"
CATALOG_2024 = REPO / "examples" / "giong_trom_2024" / "config" / "catalog.yaml"
SEED = 2025
ROOT = "28984"
TZ = dt.timezone(dt.timedelta(hours=7))
HIERARCHY_FILES = ("org_units.csv", "successions.csv")


def _example_2024() -> Any:
    """The 2024 example's generator, for its communes (one list of the real codes)."""
    path = REPO / "examples" / "giong_trom_2024" / "generate.py"
    spec = importlib.util.spec_from_file_location("giong_trom_2024_generate", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The 21 communes of the old district 834 (GSO codes and names) with their households
# at the end of 2024 (illustrative, the 2024 example's), and who took them over.
EXAMPLE_2024 = _example_2024()
OLD_COMMUNES: list[tuple[str, str, int, str]] = EXAMPLE_2024.COMMUNES
# The new communes that reuse an old code of the district (Phường An Hội, which took
# Sơn Phú, is the old provincial capital's ward and reports elsewhere).
NEW_COMMUNES = ["28984", "28987", "28993", "28996", "29020", "29029", "29044"]

ELEMENTS = [  # the 2024 catalog's commune elements a commune reviews itself
    "DANG_VIEN_MOI", "CHI_BO_TSVM", "HTX_MOI", "THT_MOI", "DT_CHUYEN_DOI", "DUONG_GTNT",
    "VIEC_LAM_MOI", "XKLD", "XKLD_TRUNG_TUYEN", "DAO_TAO_NGHE", "VAY_VON_GQVL",
    "NHA_TINH_NGHIA", "HO_NGHEO", "HO_CAN_NGHEO", "TONG_SO_HO", "QUY_VI_NGUOI_NGHEO",
    "BHYT", "TIEM_CHUNG",
]  # fmt: skip
RAISED_MAX = {
    "DANG_VIEN_MOI": 40,
    "CHI_BO_TSVM": 40,
    "TONG_SO_HO": 20000,
    "HO_NGHEO": 4000,
    "HO_CAN_NGHEO": 4000,
}
"""A merged commune is about three of the old ones: the old ranges, widened."""

# indicator → (2025 target, 2025 baseline, 2026 target, 2026 baseline) for the new commune
TARGETS: dict[str, tuple[str, str, str, str]] = {
    "CT01": ("45", "", "80", ""),
    "CT20": ("800", "", "800", ""),
    "CT21": ("45", "", "60", ""),
    "CT24": ("5", "", "6", ""),
    "CT25": ("2", "2.5", "1.8", "2.1"),
    "CT29": ("260", "", "260", ""),
}

REJECTED = "2025M08/29017_2025M08.csv"
"""Bình Hoà reports August 2025 under its old code: that unit ended on 30 June."""


# ---- the configuration ------------------------------------------------------------------


def catalog_document() -> dict[str, Any]:
    old = yaml.safe_load(CATALOG_2024.read_text(encoding="utf-8"))
    elements = [e for e in old["elements"] if e["code"] in ELEMENTS]
    for element in elements:
        element["collected_at"] = "commune"
        if element["code"] in RAISED_MAX:
            element["max"] = RAISED_MAX[element["code"]]
    indicators = [
        i for i in old["indicators"] if all(code in ELEMENTS for code in _names(i["formula"]))
    ]
    rules = [
        r for r in old["rules"] if all(c in ELEMENTS for c in _names(r["left"] + " " + r["right"]))
    ]
    return {
        "resolution": {
            "code": "NQ-ĐU-GT-2025",
            "title": "Nghị quyết Đảng ủy xã Giồng Trôm năm 2025",
            "org_unit": ROOT,
            "year": 2025,
        },
        "classification": old["classification"],
        "report": {
            **old["report"],
            "issuing_body": "ĐẢNG ỦY XÃ GIỒNG TRÔM",
            "parent_body": "ĐẢNG BỘ TỈNH VĨNH LONG",
            "symbol": "BC/ĐU",
            "recipients": [
                "Ban Thường vụ Tỉnh ủy (báo cáo)",
                "Các đồng chí Đảng ủy viên",
                "Các chi bộ trực thuộc",
                "Lưu Văn phòng Đảng ủy",
            ],
        },
        "elements": elements,
        "indicators": indicators,
        "rules": rules,
    }


def _names(formula: str) -> list[str]:
    import re

    return re.findall(r"[A-Z][A-Z0-9_]*", formula)


def write_config(out: Path) -> None:
    config = out / "config"
    config.mkdir(parents=True, exist_ok=True)
    header = (
        "# Nghị quyết Đảng ủy xã Giồng Trôm năm 2025: the second bundled example.\n"
        "# Written by generate.py from the 2024 example's catalog; edit that file and rerun.\n"
    )
    (config / "catalog.yaml").write_text(
        header + yaml.safe_dump(catalog_document(), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    lines = ["indicator_code,org_unit_code,year,target,baseline"]
    for code, (t25, b25, t26, b26) in TARGETS.items():
        lines.append(f"{code},{ROOT},2025,{t25},{b25}")
        lines.append(f"{code},{ROOT},2026,{t26},{b26}")
    (config / "targets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if CROSSWALK.exists():
        sys.path.insert(0, str(REPO / "src"))
        from chitieu.hierarchy_reform import build, write

        write(build(UNITS, CROSSWALK, province="86"), config, force=True)
    else:
        for name in HIERARCHY_FILES:
            if (config / name).resolve() != (HERE / "config" / name).resolve():
                shutil.copy(HERE / "config" / name, config / name)


# ---- the submissions --------------------------------------------------------------------


def months() -> list[str]:
    return [f"2025M{m:02d}" for m in range(1, 13)] + [f"2026M{m:02d}" for m in range(1, 7)]


def reporters(period: str) -> list[tuple[str, int]]:
    """(code, households at the start of 2025) of the units reporting ``period``."""
    if period < "2025M07":
        return [(code, households) for code, _, households, _ in OLD_COMMUNES]
    merged: dict[str, int] = {}
    for _, _, households, new in OLD_COMMUNES:
        if new in NEW_COMMUNES:
            merged[new] = merged.get(new, 0) + households
    return [(code, merged[code]) for code in NEW_COMMUNES]


def month_values(rng: random.Random, households: int, index: int) -> dict[str, str]:
    """One unit's month, ``index`` months after December 2024; sizes follow households."""
    scale = households / 2500
    poor = round(households * (0.026 - 0.0004 * index))
    departed = rng.randint(0, round(2 * scale))
    values: dict[str, Any] = {
        "DANG_VIEN_MOI": rng.randint(0, round(3 * scale)),
        "CHI_BO_TSVM": rng.randint(0, 1) if index % 6 == 0 else 0,
        "HTX_MOI": 1 if rng.random() < 0.04 * scale else 0,
        "THT_MOI": 1 if rng.random() < 0.1 * scale else 0,
        "DT_CHUYEN_DOI": f"{rng.uniform(0, 3 * scale):.1f}",
        "DUONG_GTNT": f"{rng.uniform(0, 1.2 * scale):.1f}",
        "VIEC_LAM_MOI": rng.randint(round(12 * scale), round(26 * scale)),
        "XKLD": departed,
        "XKLD_TRUNG_TUYEN": departed + rng.randint(0, 1),
        "DAO_TAO_NGHE": rng.randint(round(5 * scale), round(20 * scale)),
        "VAY_VON_GQVL": rng.randint(0, round(5 * scale)),
        "NHA_TINH_NGHIA": 1 if rng.random() < 0.12 * scale else 0,
        "HO_NGHEO": poor,
        "HO_CAN_NGHEO": round(households * 0.034) - index,
        "TONG_SO_HO": households + index // 2,
        "QUY_VI_NGUOI_NGHEO": f"{rng.uniform(4, 25 * scale):.1f}",
        "BHYT": f"{min(99.5, 91 + 0.3 * index + rng.uniform(-0.5, 0.5)):.1f}",
        "TIEM_CHUNG": rng.randint(round(3 * scale), round(9 * scale)),
    }
    return {code: str(values[code]) for code in ELEMENTS}


def submitted_at(period: str, rng: random.Random) -> str:
    year, month = int(period[:4]), int(period[5:])
    moment = dt.datetime(year, month, 15, 8, 0, tzinfo=TZ) + dt.timedelta(
        minutes=rng.randrange(0, 2 * 24 * 60, 5)
    )
    return moment.isoformat()


def report_text(code: str, period: str, values: dict[str, str], at: str, by: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["org_unit_code", "element_code", "period", "value", "note", "submitted_at", "submitted_by"]
    )
    for element, value in values.items():
        writer.writerow([code, element, period, value, "", at, by])
    return buffer.getvalue()


def write_submissions(out: Path) -> None:
    rng = random.Random(SEED)
    for period in months():
        folder = out / "submissions" / period
        folder.mkdir(parents=True, exist_ok=True)
        index = (int(period[:4]) - 2025) * 12 + int(period[5:])
        for code, households in reporters(period):
            values = month_values(rng, households, index)
            text = report_text(code, period, values, submitted_at(period, rng), f"Văn phòng {code}")
            (folder / f"{code}_{period}.csv").write_text(text, encoding="utf-8")
    late = month_values(rng, 2690, 8)
    (out / "submissions" / REJECTED).write_text(
        report_text("29017", "2025M08", late, "2025-08-15T09:30:00+07:00", "Văn phòng 29017"),
        encoding="utf-8",
    )


# ---- expected results (SPEC §3 in plain Python, from the files written) -----------------


def read_values(out: Path) -> dict[tuple[str, str, str], Fraction]:
    """(unit, element, period) → value of every report expected to be accepted."""
    found: dict[tuple[str, str, str], Fraction] = {}
    for path in sorted((out / "submissions").rglob("*.csv")):
        if path.relative_to(out / "submissions").as_posix() == REJECTED:
            continue
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                found[(row["org_unit_code"], row["element_code"], row["period"])] = Fraction(
                    Decimal(row["value"])
                )
    return found


def unit_month(
    values: dict[tuple[str, str, str], Fraction], element: dict[str, Any], period: str
) -> Fraction | None:
    """The new commune's month: its own report from July 2025, before that its
    predecessors' reports combined by the element's org_aggregation (all went whole)."""
    if period >= "2025M07":
        return values.get((ROOT, element["code"], period))
    parts = [
        values[(code, element["code"], period)]
        for code, _, _, new in OLD_COMMUNES
        if new == ROOT and (code, element["code"], period) in values
    ]
    if not parts:
        return None
    if element["org_aggregation"] == "sum":
        return sum(parts, Fraction(0))
    if element["org_aggregation"] == "average":
        return sum(parts, Fraction(0)) / len(parts)
    return max(parts) if element["org_aggregation"] == "max" else min(parts)


def over_time(series: list[Fraction], how: str) -> Fraction | None:
    if not series:
        return None
    if how == "sum":
        return sum(series, Fraction(0))
    if how == "last":
        return series[-1]
    if how == "average":
        return sum(series, Fraction(0)) / len(series)
    return max(series) if how == "max" else min(series)


def element_values(
    values: dict[tuple[str, str, str], Fraction], catalog: dict[str, Any], review: str
) -> dict[str, Fraction | None]:
    year, half = int(review[:4]), review[4:]
    span = range(1, 7) if half == "S1" else range(1, 13)
    periods = [f"{year}M{m:02d}" for m in span]
    result = {}
    for element in catalog["elements"]:
        series = [v for p in periods if (v := unit_month(values, element, p)) is not None]
        result[element["code"]] = over_time(series, element["time_aggregation"])
    return result


def evaluate(formula: str, env: dict[str, Fraction | None]) -> Fraction | None:
    """The catalog's formulas here are a name, or ``A * 100 / B``."""
    names = _names(formula)
    if any(env[n] is None for n in names):
        return None
    if len(names) == 1:
        return env[names[0]]
    top, bottom = env[names[0]], env[names[1]]
    assert formula == f"{names[0]} * 100 / {names[1]}", formula
    assert top is not None
    assert bottom is not None
    return None if bottom == 0 else top * 100 / bottom


def rounded(value: Fraction) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def classify(percent: float | None, has_target: bool) -> str:
    if not has_target:
        return "no_target"
    if percent is None or percent <= 0:
        return "not_started"
    if percent >= 100:
        return "exceeded"
    if percent >= 90:
        return "basically_achieved"
    return "on_track" if percent >= 50 else "below_half"


def as_number(value: Fraction | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def review_figures(
    values: dict[tuple[str, str, str], Fraction], catalog: dict[str, Any], review: str
) -> dict[str, Any]:
    year = int(review[:4])
    env = element_values(values, catalog, review)
    indicators = {}
    for indicator in catalog["indicators"]:
        code = indicator["code"]
        actual = evaluate(indicator["formula"], env)
        target_row = TARGETS.get(code)
        target = baseline = None
        if target_row:
            t, b = (
                (target_row[0], target_row[1]) if year == 2025 else (target_row[2], target_row[3])
            )
            target, baseline = Fraction(Decimal(t)), Fraction(Decimal(b)) if b else None
        percent = None
        if target is not None and actual is not None:
            if indicator.get("direction", "increase") == "decrease":
                assert baseline is not None
                percent = rounded((baseline - actual) / (baseline - target) * 100)
            else:
                percent = rounded(actual / target * 100)
        indicators[code] = {
            "actual": as_number(actual),
            "target": as_number(target),
            "percent": percent,
            "class": classify(percent, target is not None),
        }
    return {
        "indicators": indicators,
        "elements": {code: as_number(v) for code, v in env.items()},
    }


def expected(out: Path) -> dict[str, Any]:
    catalog = yaml.safe_load((out / "config" / "catalog.yaml").read_text(encoding="utf-8"))
    values = read_values(out)
    year = review_figures(values, catalog, "2025")
    first_half = review_figures(values, catalog, "2026S1")
    last_year = review_figures(values, catalog, "2025S1")  # restated on the new commune
    for code, row in first_half["indicators"].items():
        row["last_actual"] = last_year["indicators"][code]["actual"]
    files = sorted(p.relative_to(out).as_posix() for p in (out / "submissions").rglob("*.csv"))
    return {
        "about": "Expected results of the Giồng Trôm 2025 example for root 28984 (the new Xã Giồng "
        "Trôm), computed by generate.py from the submission files with exact arithmetic, "
        "independently of chitieu. Before 2025M07 a month of 28984 is its predecessors' month "
        "(28984 Thị trấn Giồng Trôm, 29017 Bình Hoà, 29032 Bình Thành: all whole) combined by "
        "org_aggregation; then over time by time_aggregation. 2026S1's last_actual is 2025S1 "
        "restated on the units of 2026. percent is rounded half away from zero to 2 decimals.",
        "resolution": catalog["resolution"]["code"],
        "root": ROOT,
        "predecessors": sorted(code for code, _, _, new in OLD_COMMUNES if new == ROOT),
        "intake": {
            "files": len(files),
            "by_status": {"accepted": len(files) - 1, "rejected": 1},
            "special_files": {f"submissions/{REJECTED}": "rejected"},
        },
        "reviews": {"2025": year, "2026S1": first_half},
    }


# ---- main -------------------------------------------------------------------------------


def generate(out: Path) -> None:
    if (out / "submissions").exists():
        shutil.rmtree(out / "submissions")
    write_config(out)
    write_submissions(out)
    document = expected(out)
    (out / "expected.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    check_ranges(out)


def check_ranges(out: Path) -> None:
    """Every value inside its element's min/max, and departures within recruitments."""
    catalog = yaml.safe_load((out / "config" / "catalog.yaml").read_text(encoding="utf-8"))
    limits = {e["code"]: (e["min"], e["max"]) for e in catalog["elements"]}
    for (unit, element, period), value in read_values(out).items():
        low, high = limits[element]
        assert low <= value <= high, (unit, element, period, value)


def main() -> int:
    return EXAMPLE_2024.command_line(
        __doc__.splitlines()[0],
        HERE,
        generate,
        kept=("config",),
        not_compared=""
        if CROSSWALK.exists()
        else f"{', '.join(HIERARCHY_FILES)} not compared: no {CROSSWALK}",
    )


if __name__ == "__main__":
    sys.exit(main())
