"""Deterministic fault injection in the store (issue 17 §8): instead of random kills, a fault at each named
step of a write, every run — so that "old or new, never broken" and `busy` are proven, not sampled.

- A kill -9 at each step (in a child process): before the replace the old workbook stays, after it the
  new one, whole; the stale temporary file is swept by the next write.
- The workbook changed by another program at each step, in place, keeping its size, modification time
  and inode (only its content tells): busy (exit 4), nothing written, the other program's bytes kept.
- The replace is a rename of a new file, not a copy into the old one: a reader holding the old file and
  the backup (a hard link) keep the old bytes.
- The read cache never runs what a planted entry asks: each payload would leave a file if unpickled
  by a plain unpickler; none appears and the command still gives the right rows.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import os
import pickle
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from propcli.errors import WorkbookBusy
from propcli.store import cache, schema
from propcli.store.columns import SheetData
from propcli.store.workbook import Workbook, read_history

ROOT = Path(__file__).resolve().parents[1]
UNIT = "1-1-0101"  # the generated estate's first unit: 周宇, one of 432 owners


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notes(path: Path) -> object:
    with Workbook(path) as wb:
        return wb.read(schema.OWNERS).index("unit_id")[UNIT]["notes"]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".tmp", ".undo")))


def backups(path: Path) -> list[Path]:
    folder = path.parent / ".propcli" / "backups"
    return sorted(folder.iterdir()) if folder.exists() else []


# -- kill -9 at each step of a write -----------------------------------------------------------------

KILLER = r"""
import os, signal, sys
from propcli.store import package, schema
from propcli.store import workbook as wbmod
from propcli.store.workbook import Workbook

path, value, point = sys.argv[1], sys.argv[2], sys.argv[3]

def die(*_a, **_k):
    os.kill(os.getpid(), signal.SIGKILL)

def after(fn):
    def wrapped(*a, **k):
        out = fn(*a, **k)
        die()
        return out
    return wrapped

if point == "writing":  # every part written, the zip's directory not yet: a half temporary file
    package._ZipWriter.finish = die
elif point == "written":  # the new workbook whole in the temporary file, not yet checked
    wbmod.Workbook._write_tmp = after(wbmod.Workbook._write_tmp)
elif point == "backed-up":  # checked, the backup made, not replaced
    wbmod.Workbook._backup = after(wbmod.Workbook._backup)
elif point in ("replacing", "replaced"):  # at the workbook's replace itself, or just after it
    real_replace, workbook = os.replace, os.path.realpath(path)

    def replace(src, dst):
        if str(dst) == workbook and point == "replacing":
            die()
        real_replace(src, dst)
        if str(dst) == workbook:
            die()

    wbmod.os.replace = replace
elif point == "recorded":  # the history written, the workbook not yet re-opened
    wbmod._append_history = after(wbmod._append_history)

with Workbook(path, write=True) as wb:
    owners = wb.read(schema.OWNERS)
    wb.update(owners, owners.index("unit_id")["1-1-0101"], {"notes": value}, key="1-1-0101")
    wb.commit("kill test")
print("NOT KILLED")
"""

KILL_POINTS = {  # the step → the workbook after the kill
    "writing": "old", "written": "old", "backed-up": "old", "replacing": "old",
    "replaced": "new", "recorded": "new",
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_kill_at_each_step_leaves_the_old_or_the_new_workbook(point: str, owners_only: Path) -> None:
    old = sha(owners_only)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", KILLER, str(owners_only), f"killed-{point}", point],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == -signal.SIGKILL, (proc.stdout, proc.stderr)  # the kill landed, at that step
    if KILL_POINTS[point] == "old":
        assert sha(owners_only) == old
    else:
        assert sha(owners_only) != old
        assert notes(owners_only) == f"killed-{point}"  # a whole new workbook, readable
    # the next write works: the lock died with the process, its temporary file is swept
    with Workbook(owners_only, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        wb.update(owners, owners.index("unit_id")[UNIT], {"notes": "after"}, key=UNIT)
        wb.commit("after the kill")
    assert notes(owners_only) == "after"
    assert leftovers(owners_only.parent) == []


# -- the workbook changed by another program while a command runs ---------------------------------------


def rewrite_in_place(path: Path, where: float) -> bytes:
    """What an editor that rewrites in place within the same second does: other bytes, but the same size,
    modification time and inode. Returns the new content."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    at = min(int(len(data) * where), len(data) - 1)
    data[at] ^= 0x5A
    with open(path, "r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    return bytes(data)


CHANGE_POINTS = ["between read and commit", "during rendering", "just before the replace"]
WHERE = {"first byte": 0.0, "middle": 0.5, "last byte": 1.0}


@pytest.mark.parametrize("where", list(WHERE))
@pytest.mark.parametrize("point", CHANGE_POINTS)
def test_a_change_in_place_at_each_step_is_busy(point: str, where: str, owners_only: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The two checks: at the start of the commit (a change after the read) and just before the replace
    (a change while rendering or writing the temporary file) — each alone catches its cases."""
    theirs: list[bytes] = []

    def tamper() -> None:
        theirs.append(rewrite_in_place(owners_only, WHERE[where]))

    def after(fn):  # type: ignore[no-untyped-def]
        def wrapped(*a, **k):  # type: ignore[no-untyped-def]
            out = fn(*a, **k)
            tamper()
            return out
        return wrapped

    if point == "during rendering":
        monkeypatch.setattr(Workbook, "_render", after(Workbook._render))
    elif point == "just before the replace":
        monkeypatch.setattr(Workbook, "_write_tmp", after(Workbook._write_tmp))
    with Workbook(owners_only, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        wb.update(owners, owners.index("unit_id")[UNIT], {"notes": "ours"}, key=UNIT)
        if point == "between read and commit":
            tamper()
        with pytest.raises(WorkbookBusy) as exc:
            wb.commit("change test")
    assert exc.value.key == "busy.changed" and exc.value.exit_code == 4
    assert owners_only.read_bytes() == theirs[0]  # the other program's version, kept
    assert leftovers(owners_only.parent) == [] and backups(owners_only) == []
    assert read_history(owners_only) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("point", CHANGE_POINTS[1:])
def test_a_change_during_a_cli_write_exits_4(point: str, lang: str, owners_only: Path, cli,  # type: ignore[no-untyped-def]
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    method = "_render" if point == "during rendering" else "_write_tmp"
    original = getattr(Workbook, method)
    theirs: list[bytes] = []

    def wrapped(self, *a, **k):  # type: ignore[no-untyped-def]
        out = original(self, *a, **k)
        theirs.append(rewrite_in_place(owners_only, 0.5))
        return out

    monkeypatch.setattr(Workbook, method, wrapped)
    words = {"zh": "被其他程序修改过", "en": "changed since it was read"}[lang]
    result = cli("--lang", lang, "-w", owners_only, "owners", "update", UNIT, "--notes", "x")
    assert result.exit_code == 4, result.output
    assert words in result.output and "estate.xlsx" in result.output and " — " in result.output
    assert owners_only.read_bytes() == theirs[-1]
    assert leftovers(owners_only.parent) == []


def test_the_replace_is_a_rename_not_a_copy_into_the_old_file(owners_only: Path) -> None:
    """A reader that opened the workbook before the write still reads the old bytes, whole; the backup (a
    hard link or a copy of the old file) holds the old bytes; the workbook is a new file."""
    old_bytes = owners_only.read_bytes()
    old_inode = owners_only.stat().st_ino
    with open(owners_only, "rb") as reader:
        with Workbook(owners_only, write=True) as wb:
            owners = wb.read(schema.OWNERS)
            wb.update(owners, owners.index("unit_id")[UNIT], {"notes": "new"}, key=UNIT)
            result = wb.commit("rename test")
        assert reader.read() == old_bytes
    assert owners_only.stat().st_ino != old_inode
    assert result.backup is not None and result.backup.read_bytes() == old_bytes
    assert notes(owners_only) == "new"
    assert read_history(owners_only)[-1]["sha256"] == sha(owners_only)


# -- the read cache never runs a planted entry -----------------------------------------------------------


class Reduce:
    """Pickles as `fn(*args)`: what a hostile cache entry does."""

    def __init__(self, fn: object, args: tuple) -> None:
        self.fn, self.args = fn, args

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.fn, self.args)

    def __call__(self) -> None:  # pickle wants the callable of a REDUCE callable (the getattr gadget)
        raise AssertionError("never called here")


def _payloads(trace: Path) -> dict[str, bytes]:
    """Each pickle leaves `trace` behind if loaded by a plain unpickler."""
    t = str(trace)
    code = f"open({t!r}, 'w').close()"
    inner_sheet = SheetData("业主档案", 1, {"unit_id": 0}, {"unit_id": "房号"}, 1, 2, [2],
                            {"unit_id": [Reduce(os.system, (f"touch {t}",))]})
    objects = {
        "os.system": Reduce(os.system, (f"touch {t}",)),
        "exec": Reduce(builtins.exec, (code,)),
        "eval": Reduce(builtins.eval, (code,)),
        "open": Reduce(builtins.open, (t, "w")),
        "subprocess.call": Reduce(subprocess.call, (["touch", t],)),
        "shutil.copyfile": Reduce(shutil.copyfile, (__file__, t)),
        "Path.write_text": Reduce(Path.write_text, (trace, "pwned")),
        "functools.partial": Reduce(functools.partial(os.system, f"touch {t}"), ()),
        "getattr gadget": Reduce(Reduce(getattr, (trace, "touch")), ()),
        "inside an allowed class": inner_sheet,
        "inside a list": [1, Reduce(os.system, (f"touch {t}",))],
        "inside a dict": {"rows": Reduce(builtins.exec, (code,))},
    }
    return {name: pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL) for name, obj in objects.items()}


PAYLOADS = list(_payloads(Path("/nonexistent")))
GARBAGE = {"empty": b"", "random": bytes(range(256)) * 4, "truncated": b"\x80\x05\x95\x10\x00\x00"}


def _entry_path(path: Path) -> Path:
    with Workbook(path) as wb:
        name = wb.sheet_name(schema.OWNERS)
        assert name is not None
        key = wb._cache_key(schema.OWNERS, name)
    assert key is not None
    return cache.folder(path) / f"{key}.pickle"


@pytest.mark.parametrize("command", ["list", "show"])
@pytest.mark.parametrize("payload", PAYLOADS + list(GARBAGE))
def test_a_planted_cache_entry_never_runs(payload: str, command: str, owners_only: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    trace = tmp_path / "TRACE"
    entry = _entry_path(owners_only)
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(GARBAGE[payload] if payload in GARBAGE else _payloads(trace)[payload])
    if command == "list":
        result = cli("-w", owners_only, "owners", "list", "-f", "json")
        assert result.exit_code == 0, result.output
        import json

        rows = json.loads(result.stdout)["owners"]["rows"]
        assert len(rows) == 432 and rows[0]["unit_id"] == UNIT and rows[0]["owner_name"] == "周宇"
    else:
        result = cli("-w", owners_only, "owners", "show", UNIT)
        assert result.exit_code == 0, result.output
        assert "周宇" in result.stdout
    assert not trace.exists(), f"the payload {payload!r} ran"
    if command == "list":  # the planted entry is gone or replaced by a sound one
        assert not entry.exists() or isinstance(cache.load(owners_only, entry.stem), SheetData)
    else:  # `owners show` searches the XML for the unit and loads no entry: loaded now, it is refused or sound
        loaded = cache.load(owners_only, entry.stem)
        assert loaded is None or isinstance(loaded, SheetData)
    assert not trace.exists()


# -- an exception at each step: nothing left behind ----------------------------------------------------------


def _raise(exc: BaseException):  # type: ignore[no-untyped-def]
    def raiser(*args: object, **kwargs: object) -> None:
        raise exc
    return raiser


RAISE_POINTS = {  # the step → the method that raises there
    "rendering": "_render", "writing the temporary file": "_write_tmp", "backing up": "_backup",
    "replacing": "_replace",
}


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), MemoryError(), RuntimeError("bug")], ids=type)
@pytest.mark.parametrize("point", list(RAISE_POINTS))
def test_an_exception_at_each_step_leaves_the_old_workbook_and_nothing_else(
        point: str, exc: BaseException, owners_only: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (before the replace), or any failure: the old workbook, no temporary file, no new backup, no
    history entry, and the lock released."""
    old = sha(owners_only)
    with monkeypatch.context() as mp:
        mp.setattr(Workbook, RAISE_POINTS[point], _raise(exc))
        with pytest.raises(type(exc)):
            with Workbook(owners_only, write=True) as wb:
                owners = wb.read(schema.OWNERS)
                wb.update(owners, owners.index("unit_id")[UNIT], {"notes": "x"}, key=UNIT)
                wb.commit("raise test")
    assert sha(owners_only) == old
    assert leftovers(owners_only.parent) == [] and backups(owners_only) == [] and read_history(owners_only) == []
    with Workbook(owners_only, write=True) as wb:  # the lock was released
        owners = wb.read(schema.OWNERS)
        wb.update(owners, owners.index("unit_id")[UNIT], {"notes": "after"}, key=UNIT)
        wb.commit("after")
    assert notes(owners_only) == "after"


UNDO_FAULTS = {  # where undo fails → how
    "copying the backup": ("shutil.copyfile", "write.disk_full"),
    "fsync": ("os.fsync", "write.disk_full"),
    "replacing": ("os.replace", "write.disk_full"),
}


@pytest.mark.parametrize("point", list(UNDO_FAULTS))
def test_undo_that_fails_changes_nothing_and_can_be_run_again(point: str, owners_only: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from propcli.errors import DataError
    from propcli.store import workbook as wbmod

    with Workbook(owners_only, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        wb.update(owners, owners.index("unit_id")[UNIT], {"notes": "to undo"}, key=UNIT)
        wb.commit("undo test")
    changed = sha(owners_only)
    name, key = UNDO_FAULTS[point]
    module, attr = name.split(".")
    real = getattr(getattr(wbmod, module), attr)

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        if any(str(a).endswith(".undo") or str(a) == str(owners_only) for a in args) or attr == "fsync":
            raise OSError(28, os.strerror(28))
        return real(*args, **kwargs)

    with monkeypatch.context() as mp:
        mp.setattr(getattr(wbmod, module), attr, failing)
        with pytest.raises(DataError) as exc:
            wbmod.undo(owners_only)
    assert exc.value.key == key
    assert sha(owners_only) == changed and leftovers(owners_only.parent) == []
    assert not read_history(owners_only)[-1].get("undone")
    wbmod.undo(owners_only)  # the disk has room again: the undo goes through
    assert notes(owners_only) != "to undo"
