"""Fault tests: a kill -9 in the middle of a write, two writers at once, a held lock."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from propcli.errors import WorkbookBusy
from propcli.store import schema
from propcli.store.safety import WriteLock
from propcli.store.workbook import Workbook

# Under xdist (-n, --dist loadgroup) these run on one worker, one after the other: they time a kill -9
# against a commit they measured, race two writer processes and wait out a lock timeout.
pytestmark = pytest.mark.xdist_group("faults")

ROOT = Path(__file__).resolve().parents[1]

WRITER = r"""
import sys, time
from propcli.store import schema
from propcli.store.workbook import Workbook
path, unit, value = sys.argv[1], sys.argv[2], sys.argv[3]
with Workbook(path, write=True) as wb:
    owners = wb.read(schema.OWNERS)
    row = owners.index("unit_id")[unit]
    wb.update(owners, row, {"notes": value}, key=unit)
    print("READY", flush=True)
    t = time.perf_counter()
    wb.commit("fault test")
    print("DONE", time.perf_counter() - t, flush=True)
"""

COUNTER = r"""
import sys
from propcli.store import schema
from propcli.store.workbook import Workbook
path, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with Workbook(path, write=True) as wb:   # read-modify-write of one shared cell
        owners = wb.read(schema.OWNERS)
        row = owners.index("unit_id")["1-1-0101"]
        wb.update(owners, row, {"household_size": row["household_size"] + 1}, key="1-1-0101")
        wb.commit(f"counter {sys.argv[3]} {i}")
"""


def _python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env)


def _notes(path: Path, unit: str) -> object:
    with Workbook(path) as wb:
        return wb.read(schema.OWNERS).index("unit_id")[unit]["notes"]


def test_kill_9_during_write_leaves_old_or_new(sample: Path) -> None:
    old = sample.read_bytes()
    proc = _python(WRITER, str(sample), "1-1-0101", "first")  # one clean run to time the commit
    out = proc.communicate(timeout=60)[0]
    commit_seconds = float(out.split("DONE")[1])
    assert _notes(sample, "1-1-0101") == "first"
    rng = random.Random(7)
    outcomes = {"old": 0, "new": 0}
    for i in range(10):
        old = sample.read_bytes()
        value = f"kill-{i}"
        proc = _python(WRITER, str(sample), "1-1-0101", value)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
        time.sleep(rng.uniform(0, commit_seconds * 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        now = sample.read_bytes()
        if now == old:
            outcomes["old"] += 1
        else:
            outcomes["new"] += 1
            assert _notes(sample, "1-1-0101") == value  # a complete new workbook, readable
    # after all the kills the workbook is whole and the next write works (stale temp files, lock released)
    proc = _python(WRITER, str(sample), "1-1-0101", "after")
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert _notes(sample, "1-1-0101") == "after"
    assert sum(outcomes.values()) == 10


def test_two_concurrent_writers_lose_no_update(sample: Path) -> None:
    with Workbook(sample) as wb:
        start = wb.read(schema.OWNERS).index("unit_id")["1-1-0101"]["household_size"]
    procs = [_python(COUNTER, str(sample), "6", name) for name in ("A", "B")]
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode == 0
    with Workbook(sample) as wb:
        assert wb.read(schema.OWNERS).index("unit_id")["1-1-0101"]["household_size"] == start + 12
        commands = [r["command"] for r in wb.read(schema.JOURNAL).rows]
    assert sorted(commands) == sorted([f"counter {n} {i}" for n in "AB" for i in range(6)])


def test_a_held_lock_makes_a_writer_wait_then_give_up(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPCLI_LOCK_TIMEOUT", "0.3")
    with WriteLock(sample):
        with pytest.raises(WorkbookBusy) as exc:
            Workbook(sample, write=True)
    assert exc.value.key == "busy.lock"
    assert exc.value.exit_code == 4
    with Workbook(sample, write=True):  # released: a writer gets in
        pass
