"""A team's own Word template rendered where a mistake in it cannot hang or exhaust the
machine: in a child process, with a time and a memory limit.

The sandbox (`chitieu.report.docx`) refuses what reaches Python itself, but not work:
Jinja has loops, macros that call themselves and string operators, so a template can
loop 10**10 times (two nested ``range(100000)``) or double a text sixty times, and a
``report --format docx`` would never end, or take the machine's memory with it. A
template is a file a team shares and edits in Word; what it does wrong must end in a
template error that names it. Bounding each construct would not do (every string
operator, filter and macro call can grow a text). So the render runs in a forked
copy of this process, which nothing but writing the document happens in, its address
space capped (`MEMORY_BYTES` more than it starts with) and its time too (`SECONDS`);
the document is written by the child to the path it was given (a temporary file the
caller renames) and the parent waits. chitieu's own templates render in the process
itself. Where ``fork`` does not exist (Windows), the template renders in the process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from chitieu.errors import ReportTemplateError

SECONDS: Final = 120.0
"""A document renders in well under a second; a template that takes two minutes loops."""
MEMORY_BYTES: Final = 2 * 1024**3
"""More address space than the process had when it forked (a document needs megabytes)."""
_MESSAGE_BYTES: Final = 4096


def render(write: Callable[[], None], template: Path) -> None:
    """Run ``write`` (render the template and save the document) in a child process
    limited to `SECONDS` and `MEMORY_BYTES`; raise `ReportTemplateError` naming
    ``template`` with what went wrong, or the `ReportTemplateError` ``write`` raised."""
    if not hasattr(os, "fork"):
        write()
        return
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(reader)
        _child(write, template, writer)
    os.close(writer)
    try:
        status = _wait(pid, SECONDS)
        if status is None:
            raise ReportTemplateError(
                f"{template}: template error: rendering took more than {SECONDS:.0f} s and "
                "was stopped (a loop that never ends?); nothing was written"
            )
        told = os.read(reader, _MESSAGE_BYTES).decode("utf-8", "replace")
    finally:
        os.close(reader)
    if os.waitstatus_to_exitcode(status) != 0:
        raise ReportTemplateError(
            told
            or f"{template}: template error: rendering ended without a document "
            f"(exit status {os.waitstatus_to_exitcode(status)}); nothing was written"
        )


def _wait(pid: int, seconds: float) -> int | None:
    """The child's wait status, or None when it was still running after ``seconds``
    (then it is killed and reaped)."""
    deadline = time.monotonic() + seconds
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _child(write: Callable[[], None], template: Path, out: int) -> None:
    code = 1
    try:
        _cap_memory()
        write()
        code = 0
    except ReportTemplateError as error:
        _tell(out, str(error))
    except MemoryError:
        _tell(
            out,
            f"{template}: template error: rendering needed more than "
            f"{MEMORY_BYTES // 1024**3} GiB of memory and was stopped; nothing was written",
        )
    except BaseException as error:  # whatever a template sets off is said, as its error
        _tell(out, f"{template}: template error: {type(error).__name__}: {error}"[:2000])
    finally:
        os._exit(code)  # no atexit handler or buffer of the parent's runs twice


def _cap_memory() -> None:
    """Cap the child's address space at what it has now plus `MEMORY_BYTES`."""
    try:
        import resource

        pages = int(Path("/proc/self/statm").read_text().split()[0])
        now = pages * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = now + MEMORY_BYTES
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (OSError, ValueError, ImportError):
        pass  # no /proc (macOS), or a limit not ours to set: the time limit remains


def _tell(out: int, message: str) -> None:
    with contextlib.suppress(OSError):
        os.write(out, message.encode("utf-8")[:_MESSAGE_BYTES])
