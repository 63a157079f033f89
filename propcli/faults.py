"""Fault injection for the tests that prove a long run resumes: `PROPCLI_FAULT=NAME` makes the process kill
itself (SIGKILL: no cleanup, no `finally`, like a power cut) when it reaches the point called NAME. Unset —
always, outside the tests — it does nothing. The points are named where they are placed (e.g.
`month-end.billing`: the new workbook is on the disk under a temporary name, not yet in place)."""

from __future__ import annotations

import os
import signal

ENV = "PROPCLI_FAULT"


def point(name: str) -> None:
    """Die here if the environment asks for it."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
