"""Memory stays bounded on the hostile corpus: `chitieu validate` on each heavy file,
and an intake of the whole corpus, each in a process of its own under an address-space
limit (``RLIMIT_AS``), its peak resident memory asserted.

The limit stops a process that would inflate a zip bomb (3 GB before this was fixed)
long before it troubles the machine; the peak is measured by ``wait4`` for that process
alone. Memory, never time, is asserted: the machine is shared. Polars' threads and
glibc's arenas are capped in the child (``POLARS_MAX_THREADS``, ``MALLOC_ARENA_MAX``), so
that the address space a process reserves does not grow with the machine's cores.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the generator beside this file
import make_files

ADDRESS_SPACE = 1 << 30
"""1 GiB of address space: `chitieu validate` reserves about 500 MB of it on a report."""
PEAK_MB = 300
"""Resident memory a file may cost at most; a report costs about 120 MB (the imports),
the heaviest hostile file about 200 MB (README, "Limits on received files")."""
INTAKE_PEAK_MB = 450
INTAKE_ADDRESS_SPACE = 5 << 28
"""1.25 GiB for a whole intake: besides what `chitieu validate` reserves, it runs the
archive's 16 writing threads and the thread that makes each group durable (8 MB of stack
reserved each) beside DuckDB's and polars' pools: 0.99-1.12 GB reserved on this corpus
with no limit at all, a bomb refused (3 GB before it was) far below the limit."""


PEAK_HOOK = textwrap.dedent(
    """
    import atexit, os

    def _peak():
        with open("/proc/self/status") as status:
            kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
        with open(os.environ["CHITIEU_TEST_PEAK_FILE"], "w") as out:
            out.write(kb)

    atexit.register(_peak)
    """
)
"""A ``sitecustomize`` that writes the process's own resident peak (``VmHWM``, KB) when it
exits. ``wait4``'s ``ru_maxrss`` would not do: the child is forked from pytest (a
``preexec_fn`` forces a fork) and keeps the highest resident size it ever had, pytest's
copied pages included, so it measured the test session (300 MB once every test module is
imported) rather than the command."""


def run_bounded(
    args: list[str], cwd: Path, address_space: int = ADDRESS_SPACE
) -> tuple[int, str, int]:
    """``args`` (a Python process) run under ``address_space``: exit code, output, peak
    resident memory (MB) of the command itself, from its start (`PEAK_HOOK`)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    with tempfile.TemporaryDirectory() as hook, tempfile.TemporaryFile() as out:
        (Path(hook) / "sitecustomize.py").write_text(PEAK_HOOK, "utf-8")
        peak_file = Path(hook) / "peak"
        paths = [hook, *filter(None, [os.environ.get("PYTHONPATH")])]
        env = dict(
            os.environ,
            POLARS_MAX_THREADS="2",
            MALLOC_ARENA_MAX="2",
            PYTHONPATH=os.pathsep.join(paths),
            CHITIEU_TEST_PEAK_FILE=str(peak_file),
        )
        child = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        # killed before it could say: the fork's peak, an upper bound
        peak = int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss
        return child.returncode, out.read().decode("utf-8", "replace"), peak // 1024


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "inbox"
    make_files.make_files(folder)
    make_files.make_entries(folder, folder.parent / "outside")
    return folder


VALIDATED = {
    "bomb_lying_size.xlsx": "the workbook's part xl/worksheets/sheet1.xml inflates to more than",
    "bomb_declared.xlsx": "the workbook's part xl/worksheets/sheet1.xml inflates to 3 GB",
    "big_sheet.xlsx": "the workbook's part xl/worksheets/notes0.xml inflates to 195.1 MB",
    "many_sheets.xlsx": "the workbook's parts inflate to 14.2 MB together",
    "shared_string_bomb.xlsx": "the report table's cells hold 300,040,293 characters",
    "too_many_rows.csv": "more than 20,000 rows of figures",
    "many_objects.json": "more than 20,000 rows of figures",
    "long_field.csv": "holds a field of 200,000 characters",
    "long_note.json": "holds a field of 1,000,000 characters",
    "million_lines.csv": "larger than a report can be (25 MB, limit 4 MB)",
    "huge_note.json": "larger than a report can be (150 MB, limit 4 MB)",
    "many_problems.csv": "… và 19.499 lỗi khác / and 19,499 more\n19.999 lỗi / 19,999 problems",
}


@pytest.mark.parametrize("name", list(VALIDATED))
def test_validating_a_hostile_file_costs_bounded_memory(inbox: Path, name: str) -> None:
    code, output, peak = run_bounded(
        [sys.executable, "-m", "chitieu", "validate", "--config", str(make_files.CONFIG), name],
        inbox,
    )
    assert code == 1, output
    assert VALIDATED[name] in output
    assert len(output.splitlines()) <= 503  # 500 problems kept and printed, the rest counted
    assert peak <= PEAK_MB, f"{name}: {peak} MB"


def test_annotating_a_workbook_with_a_huge_part_costs_bounded_memory(
    inbox: Path, tmp_path: Path
) -> None:
    """openpyxl would inflate the 195 MB part no reader needs: the copy is refused."""
    out = tmp_path / "copy.xlsx"
    code, output, peak = run_bounded(
        [
            *(sys.executable, "-m", "chitieu", "validate", "--config", str(make_files.CONFIG)),
            *("big_unread_part.xlsx", "--annotate", str(out)),
        ],
        inbox,
    )
    assert code == 1, output
    assert "BaoCao!D12: Giá trị 'n/a'" in output
    assert "cannot annotate this file: the workbook inflates to" in output
    assert not out.exists()
    assert peak <= PEAK_MB


INTAKE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from chitieu import pipeline
    from chitieu.config import load_config
    from chitieu.warehouse import open_warehouse

    inbox, config, work = map(Path, sys.argv[1:4])
    found, refused = pipeline.fingerprint_inbox([inbox])
    with open_warehouse(f"duckdb:///{work / 'w.duckdb'}") as warehouse:
        result = pipeline.ingest_batch(
            [Path(p) for p, _ in found], load_config(config), warehouse, work / "w.archive"
        )
    for outcome in [*result.outcomes, *refused]:
        print(outcome.status, ascii(Path(outcome.source_name).name), sep="\t")
    """
)


def test_an_intake_of_the_whole_corpus_costs_bounded_memory(inbox: Path, tmp_path: Path) -> None:
    """Every hostile file in one intake (archived, read, validated, registered in a
    DuckDB warehouse), the feedback copies of rejected workbooks written."""
    code, output, peak = run_bounded(
        [sys.executable, "-c", INTAKE, str(inbox), str(make_files.CONFIG), str(tmp_path)],
        tmp_path,
        INTAKE_ADDRESS_SPACE,
    )
    assert code == 0, output
    statuses = {name: status for status, name in (line.split("\t") for line in output.splitlines())}
    assert len(statuses) == len(make_files.FILES) + 1 + 8  # the odd name, and the entries
    assert statuses["'bomb_lying_size.xlsx'"] == "rejected"
    assert statuses["'shadow.csv'"] == "not read"
    assert peak <= INTAKE_PEAK_MB, f"{peak} MB"
