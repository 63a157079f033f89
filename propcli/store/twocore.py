"""The second core for a scan of sheet XML: half of a regular-expression pass done by a forked child.

Python's `re` holds the GIL, so a thread cannot share the pass over 100 MB of rows; a child made by
`fork` can, and it sees the inflated XML without a copy (the pages are shared until written). The child
runs one pure function over the bytes and sends back its result, pickled, through a pipe; it touches
nothing else (no file, no lock, no cache), and ends with `os._exit`, so no buffer or handler of this
process runs twice. When anything goes wrong in it (an error, a signal, no fork on this system), this
process computes the same result itself: the answer never depends on the child.

`PROPCLI_CORES=1` turns it off (one process, as before); a sheet below `MIN_BYTES` is not worth a fork.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import warnings
from collections.abc import Callable
from typing import Generic, TypeVar

from .safety import env_count

T = TypeVar("T")
MIN_BYTES = 16 << 20  # a fork and a pickle cost a few ms: below this a pass is as quick in one process


def cores() -> int:
    """The cores this process may use (`PROPCLI_CORES`, 1–4096, caps them; another value is refused)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return min(n, env_count("PROPCLI_CORES", n, 1, 4096))


def worth_it(size: int) -> bool:
    return size >= MIN_BYTES and hasattr(os, "fork") and cores() >= 2


class Forked(Generic[T]):
    """`fn(*args)` computed in a forked child while the caller works; `result()` waits for it (or, if
    the child failed, computes it here). `cancel()` ends the child; call one of them exactly once."""

    def __init__(self, fn: Callable[..., T], *args: object) -> None:
        self._fn, self._args = fn, args
        self._pid = 0
        self._fd = -1
        r, w = os.pipe()
        try:
            with warnings.catch_warnings():  # 3.12+ warns of forking beside threads: the one beside this
                warnings.simplefilter("ignore", DeprecationWarning)  # (inflating) holds nothing the child uses
                pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            return
        if pid == 0:  # the child: compute, send, end without running anything of the parent's
            code = 1
            try:
                os.close(r)
                for s in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(s, signal.SIG_DFL)
                payload = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
                with open(w, "wb") as out:
                    out.write(payload)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        self._pid, self._fd = pid, r

    def ready(self) -> bool:
        """Whether `result()` would find the child's answer, or its end, without waiting for it."""
        return not self._pid or bool(select.select([self._fd], [], [], 0)[0])

    def result(self) -> T:
        if not self._pid:
            return self._fn(*self._args)
        try:
            with open(self._fd, "rb") as pipe:
                self._fd = -1
                payload = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
        except BaseException:
            self.cancel()
            raise
        if os.waitstatus_to_exitcode(status) != 0 or not payload:
            return self._fn(*self._args)  # the child failed: the same computation here, its error included
        return pickle.loads(payload)  # noqa: S301 — our own child's bytes, never a file's

    def cancel(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._pid = 0
