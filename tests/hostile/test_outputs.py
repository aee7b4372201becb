"""Where chitieu is told to write (``-o``, ``--annotate``): only a file, never over a
folder, a device or a pipe (a rename over ``/dev/null`` replaces the device), never
inside a file, never over the file it reads, never over a workbook that may be filled
in unless told ``--force``; each refusal a message and exit 2, never a traceback, and
nothing written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result
from example_fixtures import CONFIG_DIR, Example, example_fixture  # noqa: F401

from chitieu.cli import cli
from chitieu.errors import OutputError


def run(*args: str, example: Example | None = None) -> Result:
    where = ["--config", str(CONFIG_DIR)]
    if example is not None:
        where += ["--warehouse", example.url]
    env = {"CHITIEU_DATA_DIR": str(example.data)} if example is not None else {}
    return CliRunner(env=env).invoke(cli, [*args, *where])


def refused(result: Result, *what: str) -> str:
    """The refusal's message, holding one of ``what`` (the command line prints it, exit
    2: checked once below); or click's own, where an option takes no folder."""
    if isinstance(result.exception, SystemExit):
        assert result.exit_code == 2, result.output
        assert "is a directory" in result.output
        return result.output
    assert isinstance(result.exception, OutputError), result.output + repr(result.exception)
    assert any(w in str(result.exception) for w in what), str(result.exception)
    return str(result.exception)


def test_no_output_goes_over_a_pipe_a_folder_or_into_a_file(
    example: Example, tmp_path: Path
) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    folder = tmp_path / "folder"
    folder.mkdir()
    a_file = tmp_path / "a-file"
    a_file.write_text("kept", "utf-8")
    for target in (pipe, folder):
        for args in (
            ["report", "2024S1", "--format", "md", "-o", str(target)],
            ["report", "2024S1", "--format", "xlsx", "-o", str(target)],
            ["status", "2024S1", "--format", "json", "-o", str(target)],
            ["template", "2024M06", "--org", "28987", "-o", f"{target}.xlsx"]
            if target == folder
            else ["template", "2024M06", "--org", "28987", "-o", str(target)],
        ):
            if args[0] == "template" and target == folder:
                os.mkdir(f"{target}.xlsx")  # a folder named like a workbook
            # a template's -o without .xlsx is the folder to write the workbooks into; a
            # workbook's name without .xlsx is refused by its name before anything is opened
            template_into_pipe = args[0] == "template" and target == pipe
            workbook_unnamed = args[:4] == ["report", "2024S1", "--format", "xlsx"]
            reason = "no folder" if template_into_pipe else "no file"
            refused(run(*args, example=example), "FILE.xlsx" if workbook_unnamed else reason)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    inside = str(a_file / "bao-cao.md")
    refused(run("report", "2024S1", "--format", "md", "-o", inside, example=example), "no folder")
    assert a_file.read_text("utf-8") == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "folder", "folder.xlsx", "pipe"]
    assert not list(tmp_path.rglob("*.part"))


def test_a_workbook_that_exists_is_replaced_only_when_told(tmp_path: Path) -> None:
    """`chitieu template -o inbox/` beside the communes' filled-in workbooks replaced
    them with empty ones."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    filled = inbox / "28987_2024M06.xlsx"
    filled.write_bytes(b"a commune's filled-in workbook")
    output = refused(run("template", "2024M06", "--org", "834", "-o", str(inbox)), "--force")
    assert str(filled) in output
    assert [p.name for p in inbox.iterdir()] == [filled.name]  # none written, none replaced
    assert filled.read_bytes() == b"a commune's filled-in workbook"
    refused(run("template", "2024M06", "--org", "28987", "-o", str(filled)), "exists")
    assert filled.read_bytes() == b"a commune's filled-in workbook"

    done = run("template", "2024M06", "--org", "834", "-o", str(inbox), "--force")
    assert done.exit_code == 0, done.output
    assert filled.read_bytes().startswith(b"PK")  # a workbook again
    assert len(list(inbox.iterdir())) > 1


def test_validate_never_annotates_over_the_workbook_it_reads(tmp_path: Path) -> None:
    workbook = tmp_path / "28987_2024M06.xlsx"
    made = run("template", "2024M06", "--org", "28987", "-o", str(workbook))
    assert made.exit_code == 0, made.output
    before = workbook.read_bytes()
    link = tmp_path / "same.xlsx"
    os.link(workbook, link)
    for target in (workbook, link):
        result = run("validate", str(workbook), "--annotate", str(target))
        refused(result, "is the file being read")
    assert workbook.read_bytes() == before


def test_the_command_line_says_it_in_one_line_and_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "x.xlsx"
    folder.mkdir()
    done = subprocess.run(
        [
            *(sys.executable, "-m", "chitieu", "template", "2024M06", "--org", "28987"),
            *("-o", str(folder), "--config", str(CONFIG_DIR)),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"chitieu: {folder}: không phải là tệp, không ghi đè / is no file (a folder, a device "
        "or a pipe) and is never written over: name a file\n"
    )


def test_what_the_commands_write_is_for_the_team_to_read(example: Example, tmp_path: Path) -> None:
    """Every ``-o`` file was ``0600`` whatever the umask (``tempfile.mkstemp``'s): in a
    shared folder, colleagues and the worker's account could not read it."""
    commands = {
        "bao-cao.md": ["report", "2024S1", "--format", "md"],
        "bao-cao.xlsx": ["report", "2024S1", "--format", "xlsx"],
        "tien-do.json": ["status", "2024S1", "--format", "json"],
        "28987_2024M06.xlsx": ["template", "2024M06", "--org", "28987"],
    }
    for mask, expected in ((0o022, 0o644), (0o077, 0o600)):
        folder = tmp_path / f"{mask:03o}"
        folder.mkdir()
        previous = os.umask(mask)
        try:
            for name, args in commands.items():
                result = run(*args, "-o", str(folder / name), example=example)
                assert result.exit_code == 0, result.output
        finally:
            os.umask(previous)
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
        assert modes == dict.fromkeys(commands, expected)


LONG_NAME = "a" * 300 + ".xlsx"  # more than the 255 bytes a file's name may have


def test_a_name_the_system_refuses_is_said_with_its_reason(
    example: Example, tmp_path: Path
) -> None:
    """A name too long, or a folder that takes no new file (``/proc/self``), was an
    "unexpected error" (exit 70) with the whole name; now one refusal like the others,
    the name cut to a line, the system's reason; nothing is written, no folder made."""
    long_one = tmp_path / "tpl" / LONG_NAME
    proc = Path("/proc/self/x.xlsx")
    for target, reason, meaning in (
        (long_one, "File name too long", "tên quá dài"),
        (proc, "No such file or directory", "thư mục không có hoặc không nhận tệp mới"),
    ):
        for args, suffix in (
            (["report", "2024S1", "--format", "md"], ".md"),
            (["report", "2024S1", "--format", "xlsx"], ".xlsx"),
            (["status", "2024S1", "--format", "json"], ".json"),  # named for its format
            (["template", "2024M06", "--org", "28987"], ".xlsx"),
        ):
            named = target.with_suffix(suffix)
            message = refused(run(*args, "-o", str(named), example=example), reason)
            assert message.startswith(str(named)[:60])
            assert message.endswith(
                f": không ghi được tệp ở đây ({meaning}): hãy đặt tên tệp khác / cannot write "
                f"a file there ({reason}): name another file"
            )
            assert len(message) < 350, message  # the name cut to 200 characters
    assert list(tmp_path.iterdir()) == []  # ``tpl/`` made for the write, and removed


def test_the_command_line_says_a_refused_name_in_one_line_and_exits_2(tmp_path: Path) -> None:
    target = tmp_path / LONG_NAME
    done = subprocess.run(
        [
            *(sys.executable, "-m", "chitieu", "template", "2024M06", "--org", "28987"),
            *("-o", str(target), "--config", str(CONFIG_DIR)),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    shown = f"{str(target)[:133]}…{str(target)[-66:]}"  # 200 characters
    assert done.stderr == (
        f"chitieu: {shown}: không ghi được tệp ở đây (tên quá dài): hãy đặt tên tệp khác / "
        "cannot write a file there (File name too long): name another file\n"
    )


def test_a_crosswalk_configuration_the_system_refuses_is_said(tmp_path: Path) -> None:
    base = Path(__file__).parents[1] / "data" / "reform_base"
    for output in (tmp_path / ("c" * 300), Path("/proc/self/cfg")):
        result = CliRunner().invoke(
            cli,
            [
                *("hierarchy", "from-crosswalk", "--province", "86", "-o", str(output)),
                *("--units", str(base / "units.csv"), "--crosswalk", str(base / "crosswalk.csv")),
            ],
        )
        assert isinstance(result.exception, OutputError), repr(result.exception)
        assert "cannot write a file there" in str(result.exception)
    assert list(tmp_path.iterdir()) == []


def test_a_name_shorter_than_the_systems_limit_is_written(tmp_path: Path) -> None:
    """The temporary file's name (``.NAME.RANDOM.part``) is cut to the limit: a name of
    245 bytes, allowed, was refused for the temporary name's sake."""
    target = tmp_path / ("ô" * 95 + "a" * 50 + ".xlsx")  # 245 bytes in UTF-8
    result = run("template", "2024M06", "--org", "28987", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
