"""A crash switch for tests: die at a named point, the way a killed process would.

``CHITIEU_FAULT_AT=publish:after_elements chitieu review ...`` stops the process with exit
code 75 right there, without cleanup, flushing or rollback, so tests can check that the
warehouse is exactly as it was before the interrupted transaction.
"""

from __future__ import annotations

import os
from typing import Final

FAULT_ENV: Final = "CHITIEU_FAULT_AT"
FAULT_EXIT_CODE: Final = 75

# The points the warehouse passes through, in the order it passes them.
FAULT_POINTS: Final = (
    "archive:after_flush",
    "archive:after_renames",
    "intake:after_submissions",
    "intake:after_values",
    "intake:before_commit",
    "intake:after_commit",
    "publish:after_header",
    "publish:after_indicators",
    "publish:after_elements",
    "publish:after_inputs",
    "publish:before_commit",
)


def fault_point(name: str) -> None:
    """Exit at once with code 75 when ``CHITIEU_FAULT_AT`` names this point (read now)."""
    if os.environ.get(FAULT_ENV) == name:
        os._exit(FAULT_EXIT_CODE)
