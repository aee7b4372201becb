"""The hostile corpus through the command line: what `chitieu intake` and `chitieu
validate` print of it (one line per file, names escaped, files not read named with the
reason), and an intake that clears what an interrupted one left in the archive.

Intake runs its flow on the session's Prefect test server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect_fixtures import prefect_api_url, prefect_env  # noqa: F401

sys.path.insert(0, str(Path(__file__).parent))  # the generator beside this file
import make_files

pytestmark = pytest.mark.slow

NOT_READ = "không đọc / not read"


def chitieu(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Exit code and what the command printed (its standard output)."""
    result = subprocess.run(
        [sys.executable, "-m", "chitieu", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def test_intake_names_every_file_and_prints_each_on_its_own_lines(
    tmp_path: Path,
    prefect_env: dict[str, str],  # noqa: F811
) -> None:
    inbox = tmp_path / "inbox"
    make_files.make_files(inbox)
    make_files.make_entries(inbox, tmp_path / "outside")
    # what a killed intake left in the archive, an hour ago
    stale = tmp_path / "warehouse.archive" / "ab" / ".abcdef0123456789.k1ll3d.part"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half a file")
    os.utime(stale, (stale.stat().st_mtime - 3600,) * 2)

    code, output = chitieu(
        "intake", "inbox", "--config", str(make_files.CONFIG), cwd=tmp_path, env=prefect_env
    )
    assert code == 0, output
    lines = output.splitlines()
    assert "\x1b" not in output
    assert not stale.exists()

    def line_of(name: str) -> int:
        """The line naming the file ``name`` (before its reports, if any)."""
        named = [i for i, line in enumerate(lines) if f" inbox/{name}" in line]
        [at] = [i for i in named if lines[i].split(" inbox/", 1)[1].split("  [")[0] == name]
        return at

    at = line_of("shadow.csv")
    assert lines[at].startswith(NOT_READ)
    assert lines[at + 1].strip() == (
        "liên kết tượng trưng (symbolic link) tới /etc/shadow, ngoài hộp thư: không đọc tệp "
        "nào ngoài các thư mục được giao / symbolic link to /etc/shadow, outside the inbox: "
        "no file outside the folders given is read"
    )
    for name in ("pipe.csv", "socket.csv", "zero.csv", "secret.csv", "again.csv", "elsewhere"):
        assert lines[line_of(name)].startswith(NOT_READ)
    at = line_of("huge_note.json")
    assert "the file is larger than a report can be (150 MB, limit 4 MB)" in lines[at + 1]
    # a name with a newline, and one with a terminal escape: one line each, escaped
    assert lines[line_of("name\\nwith newline.csv")].startswith("trùng lặp / duplicate")
    assert lines[line_of("name \\x1b[31mred\\x1b[0m.csv")].startswith("trùng lặp / duplicate")
    assert lines[line_of("b\\xe1o c\\xe1o.csv")].startswith("chấp nhận / accepted")
    at = line_of("many_problems.csv")
    assert lines[at + 1].endswith("(… và 19.998 lỗi khác / and 19,998 more)")
    at = line_of("unreadable_unit.csv")
    assert lines[at].startswith("từ chối / rejected")
    assert "line 4 belongs to no report" in lines[at + 1]
    assert lines[-1].endswith("9 không đọc / not read")
    archived = [p for p in (tmp_path / "warehouse.archive").rglob("*") if p.is_file()]
    assert not any(b"SECRET" in path.read_bytes() for path in archived)


def test_validate_prints_a_name_with_control_characters_escaped(tmp_path: Path) -> None:
    name = "báo cáo\n\x1b[2Jsửa.csv"
    wrong = make_files.csv_with(make_files.replace_line(2, ",3,", ",n/a,"))
    (tmp_path / name).write_bytes(wrong)
    code, output = chitieu("validate", "--config", str(make_files.CONFIG), name, cwd=tmp_path)
    assert code == 1, output
    assert "\x1b" not in output
    problems = [line for line in output.splitlines() if line.startswith("  ")]
    assert problems
    assert all(line.startswith("  báo cáo\\n\\x1b[2Jsửa.csv line ") for line in problems)
