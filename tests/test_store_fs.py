"""The workbook's own file system (issue 17 §2): a symlinked workbook, read-only files and folders, a
`.propcli` whose parts are the wrong kind of thing, a corrupt history, bad `PROPCLI_*` values, a disk
that fills during a write, stale temporary files. Each ends in a message naming the path and what to do,
exit 1 (4 when busy), the workbook untouched (SHA-256) and no temporary file left behind."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from propcli.errors import DataError
from propcli.store import schema
from propcli.store import workbook as wbmod
from propcli.store.workbook import Workbook, read_history, undo

UNIT = "1-1-0101"  # the generated estate's first unit: 周宇, one of 432 owners


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notes(path: Path, unit: str = UNIT) -> object:
    with Workbook(path) as wb:
        return wb.read(schema.OWNERS).index("unit_id")[unit]["notes"]


def tmp_files(folder: Path) -> list[str]:
    """Every temporary file propcli may have left under `folder` (its own and the cache's)."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".tmp", ".undo")))


def update(cli, path: Path, value: str, *extra: str):  # type: ignore[no-untyped-def]
    return cli("-w", path, *extra, "owners", "update", UNIT, "--notes", value)


def assert_refused(result, path: Path, before: str, *named: str, code: int = 1) -> None:  # type: ignore[no-untyped-def]
    """Exit `code`, a message naming each of `named` with a hint (an em dash), no traceback, the
    workbook's bytes as they were and no temporary file left."""
    assert result.exit_code == code, result.output
    out = result.output
    for text in named:
        assert text in out, (text, out)
    assert " — " in out and "Traceback" not in out and "内部错误" not in out, out
    assert sha(path) == before
    assert tmp_files(path.parent) == []


# -- a symlinked workbook ----------------------------------------------------------------------------


def _links(kind: str, real: Path, root: Path) -> Path:
    """A link to `real` of the given kind; returns the path the clerk uses."""
    other = root / "elsewhere"
    other.mkdir()
    if kind == "absolute":
        link = other / "estate.xlsx"
        link.symlink_to(real)
    elif kind == "relative":
        link = other / "estate.xlsx"
        link.symlink_to(Path("..") / real.parent.name / real.name)
    elif kind == "relative-renamed":
        link = other / "小区.xlsx"
        link.symlink_to(Path("..") / real.parent.name / real.name)
    elif kind == "same-folder":
        link = real.parent / "link.xlsx"
        link.symlink_to(real.name)
    elif kind == "chain":
        middle = other / "middle.xlsx"
        middle.symlink_to(real)
        link = other / "estate.xlsx"
        link.symlink_to("middle.xlsx")
    elif kind == "linked-folder":
        folder_link = other / "books"
        folder_link.symlink_to(real.parent)
        link = folder_link / real.name
    else:  # pragma: no cover
        raise AssertionError(kind)
    return link


LINK_KINDS = ["absolute", "relative", "relative-renamed", "same-folder", "chain", "linked-folder"]


@pytest.mark.parametrize("kind", LINK_KINDS)
def test_a_symlinked_workbook_is_written_through_its_link(kind: str, owners_only: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "estate.xlsx"
    shutil.move(owners_only, real)
    link = _links(kind, real, tmp_path)
    target = os.readlink(link) if link.is_symlink() else None
    original = sha(real)

    versions = [original]
    for value in ("第一次", "第二次"):  # the second write through a relative link used to fail
        result = update(cli, link, value)
        assert result.exit_code == 0, result.output
        assert notes(real) == value  # the real workbook got it
        versions.append(sha(real))
    assert link.is_symlink() == (kind != "linked-folder") and (target is None or os.readlink(link) == target)
    assert os.path.realpath(link) == str(real)
    backups = sorted((real_dir / ".propcli" / "backups").iterdir())
    assert len(backups) == 2 and not any(b.is_symlink() for b in backups)
    assert {sha(b) for b in backups} == set(versions[:2])  # real copies (or hard links) of the real file
    assert not (tmp_path / "elsewhere" / ".propcli").exists()  # nothing beside the link
    history = read_history(link)
    assert [e["workbook"] for e in history] == ["estate.xlsx", "estate.xlsx"]

    result = cli("-w", link, "undo")
    assert result.exit_code == 0, result.output
    assert notes(real) == "第一次"
    assert link.is_symlink() == (kind != "linked-folder")


def test_a_dangling_link_is_a_missing_workbook(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    link = tmp_path / "estate.xlsx"
    link.symlink_to(tmp_path / "gone" / "estate.xlsx")
    result = update(cli, link, "x")
    assert result.exit_code == 1 and str(link) in result.output and "propcli init" in result.output


def test_a_folder_named_like_a_workbook(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "estate.xlsx"
    folder.mkdir()
    for args in (("owners", "list"), ("owners", "update", UNIT, "--notes", "x")):
        result = cli("-w", folder, *args)
        assert result.exit_code == 1 and str(folder) in result.output and "-w" in result.output


# -- read-only workbooks and folders ------------------------------------------------------------------


READ_ONLY = [  # (what is made read-only, its mode, the path the message names)
    ("workbook", 0o444, "workbook"),
    ("workbook", 0o440, "workbook"),
    ("workbook", 0o400, "workbook"),
    ("workbook", 0o555, "workbook"),
    ("folder", 0o555, "folder"),
    ("folder", 0o500, "folder"),
    (".propcli", 0o555, ".propcli"),
    (".propcli/tmp", 0o555, ".propcli/tmp"),
    (".propcli/backups", 0o555, ".propcli/backups"),
]


@pytest.mark.parametrize(("what", "mode", "named"), READ_ONLY)
def test_read_only_paths_refuse_the_write(what: str, mode: int, named: str, owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Judged by the mode bits as well as by os.access, so that the refusal holds for root too (the tests
    run as root, whom the mode bits do not stop)."""
    folder = owners_only.parent
    paths = {"workbook": owners_only, "folder": folder}
    if what.startswith(".propcli"):
        (folder / ".propcli" / "tmp").mkdir(parents=True)
        (folder / ".propcli" / "backups").mkdir()
        paths[what] = folder / what
    target = paths[what]
    before = sha(owners_only)
    target.chmod(mode)
    try:
        result = update(cli, owners_only, "x")
        named_path = str(paths.get(named, folder / named))
        assert_refused(result, owners_only, before, named_path)
        assert cli("-w", owners_only, "owners", "show", UNIT).exit_code == 0  # reading still works
    finally:
        target.chmod(0o755 if target.is_dir() else 0o644)
    assert update(cli, owners_only, "y").exit_code == 0  # writable again: the write goes through


def _chattr(flag: str, path: Path) -> bool:
    if not shutil.which("chattr"):
        return False
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("what", ["workbook", "folder"])
def test_an_immutable_workbook_or_folder_refuses_the_write(what: str, owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    target = owners_only if what == "workbook" else owners_only.parent
    before = sha(owners_only)
    if what == "folder":
        (owners_only.parent / ".propcli").mkdir()
    if not _chattr("+i", target):
        pytest.skip("chattr +i is not available here (needs CAP_LINUX_IMMUTABLE and a file system that has it)")
    try:
        result = update(cli, owners_only, "x")
        assert_refused(result, owners_only, before, str(target))
    finally:
        _chattr("-i", target)


# -- .propcli and its parts the wrong kind of thing ------------------------------------------------------


WRONG_KIND = [  # (path under the folder, made a file or a folder, the key of the message)
    (".propcli", "file", "state.not_dir"),
    (".propcli/tmp", "file", "state.not_dir"),
    (".propcli/backups", "file", "state.not_dir"),
    (".propcli/estate.xlsx.lock", "folder", "lock.not_file"),
    (".propcli/history.jsonl", "folder", "state.not_file"),
    (".propcli", "dangling link", "state.not_dir"),
    (".propcli/tmp", "dangling link", "state.not_dir"),
    (".propcli/backups", "link to a file", "state.not_dir"),
]


@pytest.mark.parametrize(("where", "kind", "key"), WRONG_KIND)
def test_state_paths_of_the_wrong_kind(where: str, kind: str, key: str, owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = owners_only.parent
    path = folder / where
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "file":
        path.write_text("not a folder")
    elif kind == "folder":
        path.mkdir()
    elif kind == "dangling link":
        path.symlink_to(folder / "nowhere")
    else:
        (folder / "a-file").write_text("x")
        path.symlink_to(folder / "a-file")
    before = sha(owners_only)
    result = update(cli, owners_only, "x")
    assert_refused(result, owners_only, before, str(path))
    with pytest.raises(DataError) as exc:
        Workbook(owners_only, write=True)
    assert exc.value.key == key
    # reading never needs .propcli: the list still comes, all 432 owners
    result = cli("-w", owners_only, "owners", "list", "-f", "json")
    assert result.exit_code == 0 and len(json.loads(result.stdout)["owners"]["rows"]) == 432


@pytest.mark.parametrize("kind", ["file", "dangling link"])
def test_a_cache_folder_that_is_not_one_only_costs_the_cache(kind: str, owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cache = owners_only.parent / ".propcli" / "cache"
    cache.parent.mkdir()
    if kind == "file":
        cache.write_text("x")
    else:
        cache.symlink_to(owners_only.parent / "nowhere")
    for _ in range(2):
        result = cli("-w", owners_only, "owners", "list", "-f", "json")
        assert result.exit_code == 0 and len(json.loads(result.stdout)["owners"]["rows"]) == 432
    assert update(cli, owners_only, "写入").exit_code == 0
    assert notes(owners_only) == "写入"


# -- a corrupt history -------------------------------------------------------------------------------


def _entry(**change: object) -> bytes:
    good = {"workbook": "estate.xlsx", "time": "2026-01-01T00:00:00", "command": "x", "operator": "y",
            "backup": "estate.20260101-000000.xlsx", "sha256": "0" * 64, "changes": 1}
    good.update(change)
    return json.dumps({k: v for k, v in good.items() if v is not None}, ensure_ascii=False).encode()


CORRUPT_LINES = {
    "garbage": b"this is not json",
    "binary": b"\xff\xfe\x00\x81garbage",
    "half a line": _entry()[:40],
    "a list": b"[1, 2, 3]",
    "a number": b"42",
    "no sha256": _entry(sha256=None),
    "sha256 not hex": _entry(sha256="z" * 64),
    "backup escapes": _entry(backup="../../estate.xlsx"),
    "backup absolute": _entry(backup="/etc/passwd"),
    "backup in a folder": _entry(backup="sub/estate.xlsx"),
    "backup a number": _entry(backup=7),
    "undone not a flag": _entry(undone="yes"),
    "workbook not text": _entry(workbook=["estate.xlsx"]),
}


AFTER = ("garbage", "binary", "half a line", "backup escapes", "no sha256")  # the last line bad: a few suffice


@pytest.mark.parametrize(("name", "where"), [(n, "before") for n in CORRUPT_LINES] + [(n, "after") for n in AFTER])
def test_a_corrupt_history_line_stops_undo_not_the_other_commands(name: str, where: str, owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """`before`: the bad line, then a good change; `after`: a good change, then the bad line."""
    history = owners_only.parent / ".propcli" / "history.jsonl"
    history.parent.mkdir()
    bad = CORRUPT_LINES[name]
    if where == "before":
        history.write_bytes(bad)  # no newline: the next entry must still start on a line of its own
    assert update(cli, owners_only, "改过").exit_code == 0
    if where == "after":
        with open(history, "ab") as f:
            f.write(bad + b"\n")
    lines = history.read_bytes().split(b"\n")
    bad_line = lines.index(bad) + 1
    before = sha(owners_only)
    for lang, words in (("zh", f"第 {bad_line} 行"), ("en", f"line {bad_line}")):
        result = cli("--lang", lang, "-w", owners_only, "undo")
        assert_refused(result, owners_only, before, str(history), words)
    # other commands work, and a write's entry is readable on its own line
    assert update(cli, owners_only, "再改").exit_code == 0
    assert notes(owners_only) == "再改"
    assert [e["command"] for e in read_history(owners_only)][-1].startswith("owners update")
    assert history.read_bytes().split(b"\n").count(bad) == 1


def test_a_planted_backup_name_is_never_restored(owners_only: Path, tmp_path: Path) -> None:
    """A history entry naming a file outside the backups folder, with the right SHA-256: undo refuses."""
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(b"not the estate")
    history = owners_only.parent / ".propcli" / "history.jsonl"
    history.parent.mkdir()
    history.write_bytes(_entry(backup="../secret.xlsx", sha256=sha(owners_only)) + b"\n")
    before = sha(owners_only)
    with pytest.raises(DataError) as exc:
        undo(owners_only)
    assert exc.value.key == "undo.history_corrupt" and sha(owners_only) == before


def test_a_history_that_is_a_folder_is_named_by_undo(owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    history = owners_only.parent / ".propcli" / "history.jsonl"
    history.mkdir(parents=True)
    before = sha(owners_only)
    result = cli("-w", owners_only, "undo")
    assert_refused(result, owners_only, before, str(history))


# -- bad PROPCLI_* values ----------------------------------------------------------------------------


BAD_ENV = [
    ("PROPCLI_LOCK_TIMEOUT", v) for v in ("abc", "-1", "-0.5", "nan", "inf", "-inf", "1e9", "1,5", "１５x", "0x10")
] + [
    ("PROPCLI_KEEP_BACKUPS", v) for v in ("abc", "0", "-3", "1.5", "1000000000", "ten")
] + [
    ("PROPCLI_SHEET_ROWS", v) for v in ("abc", "0", "1", "-5", "2000000", "1e3")
]


@pytest.mark.parametrize(("name", "value"), BAD_ENV)
def test_bad_environment_values_are_named(name: str, value: str, owners_only: Path, cli,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    before = sha(owners_only)
    result = update(cli, owners_only, "x")
    assert_refused(result, owners_only, before, name, repr(value))
    assert not (owners_only.parent / ".propcli" / "backups").exists() or not any(
        (owners_only.parent / ".propcli" / "backups").iterdir())


@pytest.mark.parametrize(("name", "value"), [
    ("PROPCLI_LOCK_TIMEOUT", "0"), ("PROPCLI_LOCK_TIMEOUT", " 2.5 "), ("PROPCLI_LOCK_TIMEOUT", ""),
    ("PROPCLI_KEEP_BACKUPS", "1"), ("PROPCLI_KEEP_BACKUPS", "100000"), ("PROPCLI_SHEET_ROWS", "1048576"),
])
def test_edge_environment_values_are_accepted(name: str, value: str, owners_only: Path, cli,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    for v in ("一", "二"):
        assert update(cli, owners_only, v).exit_code == 0
    backups = list((owners_only.parent / ".propcli" / "backups").iterdir())
    assert len(backups) == (1 if (name, value) == ("PROPCLI_KEEP_BACKUPS", "1") else 2)


# -- a disk that fills, and other failures of the system during a write ------------------------------------


def _fail(exc: OSError):  # type: ignore[no-untyped-def]
    def raiser(*args: object, **kwargs: object) -> None:
        raise exc
    return raiser


def _enospc() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


FAULT_POINTS = {  # where the write fails → how to make it fail there
    "writing the new workbook": lambda mp: mp.setattr(wbmod.Package, "write", _fail(_enospc())),
    "fsync of the new workbook": lambda mp: mp.setattr(wbmod.os, "fsync", _fail(_enospc())),
    "copying the mode": lambda mp: mp.setattr(wbmod.shutil, "copymode", _fail(_enospc())),
    "the backup copy": lambda mp: (mp.setattr(wbmod.os, "link", _fail(OSError(errno.EXDEV, "cross-device"))),
                                   mp.setattr(wbmod.shutil, "copy2", _half_copy)),
    "the replace": lambda mp: mp.setattr(wbmod.os, "replace", _fail(_enospc())),
}


def _half_copy(src: str, dst: str) -> None:
    """A copy that fills the disk half way: it leaves a partial file behind, as a real one does."""
    Path(dst).write_bytes(Path(src).read_bytes()[:1000])
    raise _enospc()


@pytest.mark.parametrize("point", list(FAULT_POINTS))
def test_a_full_disk_during_a_write_leaves_the_workbook_and_no_temporary_file(
        point: str, owners_only: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    before = sha(owners_only)
    with monkeypatch.context() as mp:
        FAULT_POINTS[point](mp)
        for lang, words in (("zh", "磁盘已满"), ("en", "disk is full")):
            result = update(cli, owners_only, "x", "--lang", lang)
            assert_refused(result, owners_only, before, words)
    backups = owners_only.parent / ".propcli" / "backups"
    assert sorted(backups.iterdir()) == []  # no partial backup either
    assert read_history(owners_only) == []
    assert update(cli, owners_only, "之后").exit_code == 0  # the lock was released, the state is sound
    assert notes(owners_only) == "之后"


OTHER_ERRORS = [
    (errno.EACCES, "write.denied"), (errno.EPERM, "write.denied"), (errno.EROFS, "write.denied"),
    (errno.EDQUOT, "write.disk_full"), (errno.EIO, "write.failed"), (errno.ENAMETOOLONG, "write.failed"),
]


@pytest.mark.parametrize(("code", "key"), OTHER_ERRORS)
def test_other_system_failures_at_the_replace(code: int, key: str, owners_only: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = sha(owners_only)
    monkeypatch.setattr(wbmod.os, "replace", _fail(OSError(code, os.strerror(code))))
    with Workbook(owners_only, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        wb.update(owners, owners.index("unit_id")[UNIT], {"notes": "x"}, key=UNIT)
        with pytest.raises(DataError) as exc:
            wb.commit("test")
    assert exc.value.key == key and str(owners_only) in exc.value.message("en")
    assert sha(owners_only) == before and tmp_files(owners_only.parent) == []


def test_dev_full_for_the_new_workbook(owners_only: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The kernel's own ENOSPC: the temporary workbook is written to /dev/full."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    real_open = open

    def to_dev_full(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file).endswith(".tmp") and "w" in mode:
            return real_open("/dev/full", mode, *args, **kwargs)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(wbmod, "open", to_dev_full, raising=False)
    before = sha(owners_only)
    assert_refused(update(cli, owners_only, "x"), owners_only, before, "磁盘已满")


def test_a_full_disk_writing_the_history_does_not_undo_a_saved_change(owners_only: Path, cli,  # type: ignore[no-untyped-def]
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """After the replace the change is saved: the clerk is told so. It is then not undoable: undo refuses
    (the half-written line) rather than restoring an older version."""
    assert update(cli, owners_only, "一").exit_code == 0
    real_open = open

    def full_history(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file).endswith("history.jsonl") and "a" in mode:
            f = real_open(file, mode, *args, **kwargs)
            f.write(b'{"workbook": "estate.xl')  # half a line, then the disk is full
            f.flush()
            f.close()
            raise _enospc()
        return real_open(file, mode, *args, **kwargs)

    with monkeypatch.context() as mp:
        mp.setattr(wbmod, "open", full_history, raising=False)
        result = update(cli, owners_only, "二")
    assert result.exit_code == 0 and notes(owners_only) == "二"
    before = sha(owners_only)
    result = cli("-w", owners_only, "undo")
    assert result.exit_code == 1 and sha(owners_only) == before and notes(owners_only) == "二"
    assert update(cli, owners_only, "三").exit_code == 0  # the next entry starts on its own line
    assert read_history(owners_only)[-1]["command"].startswith("owners update")


# -- temporary files left by earlier runs ---------------------------------------------------------------


def test_stale_temporary_files_are_swept_at_the_next_write(owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    tmp = owners_only.parent / ".propcli" / "tmp"
    tmp.mkdir(parents=True)
    day_old = time.time() - 2 * 24 * 3600
    planted = {
        "estate.xlsx.4242.tmp": None,  # this workbook's, from a killed write: ours, we hold the lock
        "estate.xlsx.4243.undo": None,  # a killed undo
        "other.xlsx.77.tmp": None,  # another workbook's, fresh: perhaps being written now
        "other.xlsx.78.tmp": day_old,  # another's, two days old: no write lasts that long
        "estate.xlsx-copy.xlsx.5.tmp": None,  # not ours (another name), fresh
    }
    for name, mtime in planted.items():
        (tmp / name).write_bytes(b"partial")
        if mtime:
            os.utime(tmp / name, (mtime, mtime))
    assert update(cli, owners_only, "x").exit_code == 0
    assert sorted(p.name for p in tmp.iterdir()) == ["estate.xlsx-copy.xlsx.5.tmp", "other.xlsx.77.tmp"]


def test_stale_cache_temporary_files_are_swept(owners_only: Path, cli) -> None:  # type: ignore[no-untyped-def]
    cache = owners_only.parent / ".propcli" / "cache"
    cache.mkdir(parents=True)
    old, fresh = cache / ".abc.1.tmp", cache / ".abc.2.tmp"
    for p in (old, fresh):
        p.write_bytes(b"partial")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert cli("-w", owners_only, "owners", "list", "-f", "json").exit_code == 0
    assert not old.exists() and fresh.exists()
