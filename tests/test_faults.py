"""Fault tests: a kill -9 in the middle of a write, two writers at once, a held lock."""

from __future__ import annotations

import os
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


# The writer above, stopped at a chosen point of its commit: it prints "AT <point>" there and waits to be
# killed. Points, in the order a commit reaches them, and what a kill -9 there must leave:
KILL_POINTS = {
    "render": "old",  # the changes staged, nothing written yet
    "write": "old",  # half of the temporary file written
    "backup": "old",  # the temporary file complete, before the backup link
    "replace": "old",  # just before the atomic replace
    "replaced": "new",  # just after it, before the directory fsync
    "history": "new",  # the workbook replaced, before history.jsonl gets its line
}

STOPPING_WRITER = r"""
import io, os, sys, time
import propcli.store.workbook as W
from propcli.store import schema
path, unit, value, point = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
target = os.path.realpath(path)

def stop():
    print("AT", point, flush=True)
    time.sleep(120)

def before(obj, name, when=lambda *a, **k: True):
    real = getattr(obj, name)
    def wrapper(*a, **k):
        if when(*a, **k):
            stop()
        return real(*a, **k)
    setattr(obj, name, wrapper)

if point == "render":
    before(W.Workbook, "_render")
elif point == "write":
    real_write = W.Package.write
    def write(self, out, *a, **k):
        buf = io.BytesIO()
        digest = real_write(self, buf, *a, **k)
        data = buf.getvalue()
        out.write(data[: len(data) // 2]); out.flush()
        stop()
    W.Package.write = write
elif point == "backup":
    before(W.Workbook, "_backup")
elif point == "replace":
    before(W.os, "replace", lambda src, dst, *a, **k: os.path.realpath(dst) == target)
elif point == "replaced":
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        real_replace(src, dst, *a, **k)
        if os.path.realpath(dst) == target:
            stop()
    W.os.replace = replace
elif point == "history":
    before(W, "_append_history")
else:
    raise SystemExit("unknown point " + point)

with W.Workbook(path, write=True) as wb:
    owners = wb.read(schema.OWNERS)
    row = owners.index("unit_id")[unit]
    wb.update(owners, row, {"notes": value}, key=unit)
    wb.commit("fault test")
    print("DONE", flush=True)
"""


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_kill_9_at_each_point_of_a_commit_leaves_old_or_new(sample: Path, point: str) -> None:
    """Deterministic kills: each lands inside the commit at a known point (the writer says where it is and
    waits), so old-or-new is proven at every point on every run, not by the luck of a random sleep."""
    old = sample.read_bytes()
    value = f"killed at {point}"
    proc = _python(STOPPING_WRITER, str(sample), "1-1-0101", value, point)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != f"AT {point}":  # the commit finished, or failed, without reaching the point
        proc.kill()
        pytest.fail(f"the writer never reached {point!r}: {line!r}")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    if KILL_POINTS[point] == "old":
        assert sample.read_bytes() == old
    else:
        assert sample.read_bytes() != old
        assert _notes(sample, "1-1-0101") == value  # a complete new workbook, readable
    # the lock died with the writer: the next write gets in and works
    proc = _python(WRITER, str(sample), "1-1-0101", "after")
    proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert _notes(sample, "1-1-0101") == "after"


def test_kill_9_at_random_moments_leaves_old_or_new(sample: Path) -> None:
    """Kills spread over the commit's duration (timed by a clean run): every one must leave the old or the
    new workbook, and at least three must land inside the commit (before the writer could say DONE). On a
    busy machine (the other test worker, CI) a sleep can overshoot a short commit: a second round of kills
    then runs, until three have landed inside."""
    times = []
    for value in ("first", "second"):  # clean runs to time the commit: the quicker, so that a slow first run
        proc = _python(WRITER, str(sample), "1-1-0101", value)  # (a busy machine) does not spread the kills
        times.append(float(proc.communicate(timeout=60)[0].split("DONE")[1]))  # past the commits that follow
    commit_seconds = min(times)
    assert _notes(sample, "1-1-0101") == "second"
    outcomes = {"old": 0, "new": 0}
    inside = 0
    for i in range(16):
        if i >= 8 and inside >= 3:
            break
        old = sample.read_bytes()
        value = f"kill-{i}"
        proc = _python(WRITER, str(sample), "1-1-0101", value)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
        time.sleep(commit_seconds * (i % 8) / 8)  # 0, 1/8, … 7/8 of the commit's time (again, if need be)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if "DONE" not in proc.stdout.read():
            inside += 1
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
    assert inside >= 3, (inside, outcomes)  # the kills tested the commit, not the time after it
    assert outcomes["old"] >= 1, outcomes  # the kill at 0 s lands before the replace


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
