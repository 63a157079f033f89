"""The read cache: typed register sheets kept in `.propcli/cache/` beside the workbook.

A cache entry is named by a key computed from the content it was read from, never from file names,
sizes or times: the SHA-256 of the sheet part's stored (compressed) bytes, the shared strings, the
styles (date formats decide what a number means) and the workbook part (the date system, the sheet
names), plus the register's schema and the source of the code that reads and types cells. Two equal
keys therefore mean the same bytes read by the same code: an entry can be used only for exactly the
content it came from, so the cache cannot serve stale data — whatever edited the workbook (Excel, WPS,
openpyxl, a copy from a USB stick), however it kept the size or the modification time. Hashing the
stored bytes costs a few milliseconds for a 240,000-row sheet (about 10 MB compressed).

Entries are pickles read back by an unpickler that only builds plain data (lists, dicts, str, numbers,
Decimal, dates), so a file placed in the folder cannot run code. A damaged entry is a miss. The newest
`KEEP` entries are kept.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import os
import pickle
import time
from functools import lru_cache
from pathlib import Path

from .columns import SheetData
from .package import Package
from .schema import Sheet

VERSION = 1
KEEP = 40
_CODE = ("fastread.py", "columns.py", "reader.py", "normalize.py", "schema.py", "cache.py")


@lru_cache(maxsize=1)
def _code_signature() -> bytes:
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _CODE:
        h.update(name.encode() + b"\0" + (here / name).read_bytes())
    return h.digest()


def key(pkg: Package, spec: Sheet, name: str, part: str, member_digest) -> str:  # type: ignore[no-untyped-def]
    """The cache key of register `spec` read from sheet `name` (zip member `part`) of `pkg`."""
    h = hashlib.sha256()
    h.update(f"propcli-cache {VERSION}\0{spec!r}\0{name}\0{part}\0".encode())
    h.update(_code_signature())
    for member in (part, pkg.shared_strings_part, pkg.styles_part, "xl/workbook.xml"):
        h.update(b"\0" + member.encode() + b"\0")
        if member and member in pkg.infos:
            h.update(member_digest(member))
    return h.hexdigest()


def folder(workbook: Path) -> Path:
    return workbook.parent / ".propcli" / "cache"


_ALLOWED = {
    ("decimal", "Decimal"): decimal.Decimal,
    ("datetime", "date"): dt.date,
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "time"): dt.time,
    ("propcli.store.columns", "SheetData"): SheetData,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):  # type: ignore[no-untyped-def]
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache") from None


def load(workbook: Path, cache_key: str) -> SheetData | None:
    """The entry stored under `cache_key`, or None: missing, damaged, foreign, or a cache folder that
    is not one (a file in its place) — a miss, never an error; the workbook is read instead."""
    path = folder(workbook) / f"{cache_key}.pickle"
    try:
        with open(path, "rb") as f:
            data = _Unpickler(io.BytesIO(f.read())).load()
    except OSError:  # missing, or the folder is not there or not a folder
        return None
    except Exception:  # a damaged or foreign entry: read the workbook instead
        _remove(path)
        return None
    if not isinstance(data, SheetData):
        _remove(path)
        return None
    try:
        os.utime(path)  # recently used entries survive pruning
    except OSError:
        pass
    return data


def store(workbook: Path, cache_key: str, data: SheetData) -> None:
    """Keep `data` under `cache_key` (atomically); a folder that cannot be written is no error, and a
    failed write (a full disk) leaves no temporary file behind."""
    d = folder(workbook)
    tmp = d / f".{cache_key}.{os.getpid()}.tmp"
    try:
        d.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, d / f"{cache_key}.pickle")
        _prune(d)
    except OSError:
        _remove(tmp)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


STALE_TMP_SECONDS = 3600  # a temporary entry this old was left by a process that died writing it


def _prune(d: Path) -> None:
    entries = sorted(d.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
    now = time.time()
    for tmp in d.glob(".*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                tmp.unlink()
        except OSError:
            pass
