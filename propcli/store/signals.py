"""Ctrl-C and SIGTERM around a commit (DESIGN §5: an interrupted command either finished and says what it
did, or changed nothing). Inside `deferred()` the signals are noted, not acted on; they act when it ends —
or, while the command line `holds` them, once the command has printed what it did."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_pending: list[int] = []
_saved: dict[int, object] | None = None  # the handlers in force before the deferral
_hold = 0  # > 0 while the command line holds deferred signals until its output is printed


def _note(signum: int, frame: FrameType | None) -> None:
    _pending.append(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Signals arriving inside are kept until the block ends (then raised: Ctrl-C as KeyboardInterrupt,
    SIGTERM by its own handler), or until `holding()` ends when the command line holds them."""
    global _saved
    if threading.current_thread() is not threading.main_thread() or _saved is not None:
        yield  # signals reach the main thread only; a nested deferral is already covered
        return
    _saved = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, _note)
    try:
        yield
    finally:
        if not _hold:
            _act()


@contextmanager
def holding() -> Iterator[None]:
    """Around a whole command: a signal deferred by its commit waits until the command has said what it
    did (the receipt number of a payment already saved), then acts."""
    global _hold
    _hold += 1
    try:
        yield
    finally:
        _hold -= 1
        if not _hold:
            _act()


def _act() -> None:
    """Restore the handlers; a signal that arrived meanwhile now does what it would have done."""
    global _saved
    saved, _saved = _saved, None
    if saved is None:
        return
    for s, handler in saved.items():
        signal.signal(s, handler)  # type: ignore[arg-type]
    if not _pending:
        return
    signum = _pending[0]
    _pending.clear()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    if signum == signal.SIGINT and saved[signum] is signal.default_int_handler:
        raise KeyboardInterrupt
    signal.raise_signal(signum)
