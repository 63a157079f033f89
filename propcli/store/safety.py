"""Who else holds the workbook: office lock markers, propcli's own write lock, and the folder for both.

Excel and WPS leave `~$estate.xlsx` beside an open workbook (WPS on Linux `.~estate.xlsx`), LibreOffice
`.~lock.estate.xlsx#`. propcli refuses to write while one exists; `--force` overrides a stale marker.

The file system around the workbook is checked before anything is written, so that a read-only file or
folder, a `.propcli` (or one of its folders) that is a file, a lock path that is a folder or a bad
`PROPCLI_*` value ends in a message naming the path and the fix, with the workbook untouched.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DataError, WorkbookBusy

STATE_DIR = ".propcli"
STATE_FOLDERS = ("tmp", "backups")
STALE_TMP_SECONDS = 24 * 3600  # another workbook's temporary file this old belongs to no live write


def state_dir(workbook: Path, sub: str = "") -> Path:
    """The hidden folder beside the workbook (or its sub-folder `sub`): lock, backups, temporary files,
    history. Created when missing; a file in its place or a folder that cannot be written is a DataError."""
    d = workbook.parent / STATE_DIR
    for folder in (d, d / sub) if sub else (d,):
        with os_errors(folder):
            if folder.exists() and not folder.is_dir():
                raise DataError("state.not_dir", None, path=str(folder))
            folder.mkdir(exist_ok=True)
    return d / sub if sub else d


def prepare_state(workbook: Path) -> Path:
    """Everything a write needs beside the workbook, checked before the first byte is written."""
    if not writable(workbook):
        raise DataError("workbook.not_writable", None, path=str(workbook))
    if not writable(workbook.parent):
        raise DataError("folder.not_writable", None, path=str(workbook.parent))
    state = state_dir(workbook)
    if not writable(state):
        raise DataError("folder.not_writable", None, path=str(state))
    for sub in STATE_FOLDERS:
        if not writable(state_dir(workbook, sub)):
            raise DataError("folder.not_writable", None, path=str(state / sub))
    history = state / "history.jsonl"
    if history.exists() and not history.is_file():
        raise DataError("state.not_file", None, path=str(history))
    return state


def writable(path: Path) -> bool:
    """Whether propcli may change `path`: the system allows it (read-only mounts, immutable files) and the
    mode has a write bit at all. A file or folder marked read-only (444/555) is refused even for root,
    whom the mode does not stop: the owner meant it not to change."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(path, os.W_OK)


@contextmanager
def os_errors(path: Path) -> Iterator[None]:
    """A failure of the system while working on `path` as a message naming it: a full disk, no
    permission, anything else (with the system's reason)."""
    try:
        yield
    except OSError as exc:
        raise os_error(exc, path) from None


def os_error(exc: OSError, path: Path) -> DataError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DataError("write.disk_full", None, path=str(path))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DataError("write.denied", None, path=str(path), reason=os.strerror(exc.errno))
    if isinstance(exc, (NotADirectoryError, FileExistsError, IsADirectoryError)):
        return DataError("state.not_dir", None, path=str(path))
    reason = os.strerror(exc.errno) if exc.errno else (str(exc) or type(exc).__name__)
    return DataError("write.failed", None, path=str(path), reason=reason)


def sweep_tmp(folder: Path, mine: str, now: float | None = None) -> int:
    """Remove temporary files that no write will finish: this workbook's (`mine` + '.'), which only a
    write holding its lock makes — the caller holds it — and anyone's older than a day. Returns how many."""
    now = time.time() if now is None else now
    gone = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                continue
            if entry.name.startswith(mine + ".") or now - st.st_mtime > STALE_TMP_SECONDS:
                os.unlink(entry.path)
                gone += 1
        except OSError:
            continue
    return gone


# -- PROPCLI_* environment values ------------------------------------------------------------------

LOCK_TIMEOUT = ("PROPCLI_LOCK_TIMEOUT", 15.0, 0.0, 86400.0)


def env_seconds(name: str, default: float, low: float, high: float) -> float:
    """A number of seconds from the environment; anything but a finite number in [low, high] is refused
    (a negative lock timeout would wait for ever, `abc` was an internal error)."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise DataError("env.bad_number", None, name=name, value=repr(text), low=_num(low), high=_num(high))
    return value


def env_count(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the environment, in [low, high]; anything else is refused, naming it."""
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise DataError("env.bad_number", None, name=name, value=repr(text), low=low, high=high) from None
    if not low <= value <= high:
        raise DataError("env.bad_number", None, name=name, value=repr(text), low=low, high=high)
    return value


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def office_markers(workbook: Path) -> list[tuple[Path, str]]:
    """Lock markers of office programs for this workbook, each with who holds it (best effort)."""
    name = workbook.name
    found = []
    for marker, program in (
        (workbook.with_name("~$" + name), "Excel/WPS"),
        (workbook.with_name("~$" + name[2:]), "Excel/WPS"),  # Excel drops two letters of a long name
        (workbook.with_name(".~" + name), "WPS"),
        (workbook.with_name(".~lock." + name + "#"), "LibreOffice"),
    ):
        if marker.exists():
            found.append((marker, _holder(marker, program)))
    return found


def _holder(marker: Path, program: str) -> str:
    try:
        data = marker.read_bytes()[:512]
    except OSError:
        return program
    user = ""
    if program == "LibreOffice":  # "Name,user,host,date,path;"
        fields = data.decode("utf-8", errors="replace").split(",")
        user = fields[0].strip() or (fields[1].strip() if len(fields) > 1 else "")
    elif data:  # Excel: one length byte, then the user name in ANSI; UTF-16 copy at offset 54
        n = data[0]
        user = data[1 : 1 + n].decode("latin-1", errors="replace").strip()
        if len(data) >= 56:
            utf16 = data[54:].decode("utf-16-le", errors="ignore").split("\x00")[0].strip()
            user = utf16 or user
    user = "".join(ch for ch in user if ch.isprintable()).strip()
    return f"{program} ({user})" if user else program


def refuse_if_open(workbook: Path, force: bool) -> None:
    if force:
        return
    markers = office_markers(workbook)
    if markers:
        marker, who = markers[0]
        raise WorkbookBusy("busy.office", None, who=who, marker=marker.name)


class WriteLock:
    """One propcli writer per workbook at a time, held from the read to the replace."""

    def __init__(self, workbook: Path, timeout: float | None = None) -> None:
        if timeout is None:
            timeout = env_seconds(*LOCK_TIMEOUT)
        self.path = state_dir(workbook) / f"{workbook.name}.lock"
        if self.path.exists() and not self.path.is_file():
            raise DataError("lock.not_file", None, path=str(self.path))
        from filelock import FileLock  # only a write takes the lock (filelock brings asyncio: 10 ms a read)

        self._lock = FileLock(str(self.path), timeout=timeout)

    def __enter__(self) -> WriteLock:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise WorkbookBusy("busy.lock") from None
        except OSError as exc:
            raise os_error(exc, self.path) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


# -- outputs ---------------------------------------------------------------------------------------


def write_beside(target: Path, payload: bytes, *, shown: Path | None = None) -> Path:
    """`payload` in a temporary file beside `target` (its folder made if missing), on disk, for the caller to
    rename into place; a failure (exit 1, naming `shown`) or Ctrl-C leaves no temporary file behind."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError("output.write_failed", None, path=str(shown or target), reason=exc.strerror or str(exc)) from None
    except BaseException:  # Ctrl-C while writing: no temporary file is left beside the outputs
        tmp.unlink(missing_ok=True)
        raise
    return tmp
