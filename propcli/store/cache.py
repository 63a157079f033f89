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

A write that changed a few rows of a big sheet (a payment: two bills of 240,000) stores the new sheet as
a delta: the key of the entry it was made from, and the rows it rewrote and added (`store(base=…)`).
Loading one loads its base (which must hold the same columns and rows, else it is a miss) and applies
the changes: the pickle of the whole register (25 MB, a third of a second) is not written again after
each payment. A chain of deltas is cut at `DELTA_DEPTH` by a whole entry.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import os
import pickle
import time
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .columns import SheetData
from .package import Package
from .schema import Sheet

VERSION = 1
KEEP = 40
DELTA = "propcli-delta"  # the first item of a delta entry (a tuple: plain data, no class of its own)
DELTA_DEPTH = 8
# the code that reads and types the cells an entry holds: the whole part's scan and the read in pieces
_CODE = ("fastread.py", "memmem.py", "columns.py", "streamread.py", "reader.py", "normalize.py", "schema.py",
         "cache.py")


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


def has(workbook: Path, cache_key: str) -> bool:
    """An entry is stored under `cache_key` (not checked: `load` may still find it damaged)."""
    return (folder(workbook) / f"{cache_key}.pickle").is_file()


def load(workbook: Path, cache_key: str, _depth: int = 0) -> SheetData | None:
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
    if isinstance(data, tuple) and data[:1] == (DELTA,):
        try:
            data = _apply(workbook, data, _depth) if _depth <= DELTA_DEPTH else None
        except Exception:  # not a delta this code wrote: a miss
            data = None
        if data is None:  # its base is gone or is another read of that sheet: read the workbook
            return None
    elif not isinstance(data, SheetData):
        _remove(path)
        return None
    try:
        os.utime(path)  # recently used entries survive pruning
    except OSError:
        pass
    return data


def _delta(data: SheetData, base_key: str, base: SheetData, at: list[int]) -> tuple | None:
    """`data` as changes to `base`: the cells of rows `at` (indexes into `base`'s rows) and the rows
    appended, every other row of `base` kept as it is (what a write-through makes), or None."""
    n = len(base.numbers)
    if (set(data.values) != set(base.values) or set(data.raws) != set(base.raws) or data.complete != base.complete
            or len(data.numbers) < n or data.numbers[:n] != base.numbers or any(not 0 <= i < n for i in at)):
        return None
    values, raws = {}, {}
    for key, column in data.values.items():
        values[key] = (at, [column[i] for i in at], column[n:])
        raw, old = data.raws.get(key), base.raws.get(key)
        raws[key] = None if raw is None else ("all", raw) if old is None else (at, [raw[i] for i in at], raw[n:])
    head = (data.name, data.header_row, data.columns, data.headers, data.width, data.last_row, data.complete)
    return (DELTA, base_key, base.delta_depth + 1, n, head, data.numbers[n:], values, raws, data.problems)


def _apply(workbook: Path, delta: tuple, depth: int) -> SheetData | None:
    _, base_key, _, n, head, more, values, raws, problems = delta
    base = load(workbook, base_key, depth + 1)
    if (base is None or len(base.numbers) != n or set(base.values) != set(values) or set(base.raws) != set(raws)
            or base.complete != head[6] or any(base.raws[k] is base.values.get(k) for k in raws)):
        return None
    base.numbers.extend(more)
    data = SheetData(*head[:6], numbers=base.numbers, problems=problems, complete=head[6],
                     delta_depth=delta[2])
    for key, (at, new, tail) in values.items():
        data.values[key] = _patched(base.values[key], at, new, tail)
    for key, change in raws.items():
        old = base.raws[key]
        data.raws[key] = (None if change is None else change[1] if change[0] == "all" or old is None
                          else _patched(old, *change))
    return data


def _patched(column: list, at: list[int], new: list, tail: list) -> list:
    """A base's column with the changes made in place: `load` builds a new entry each time, shared with
    nothing, so a chain of deltas costs no copy of the register per link."""
    for i, v in zip(at, new):
        column[i] = v
    column.extend(tail)
    return column


def store(workbook: Path, cache_key: str, data: SheetData, *,
          base: tuple[str, SheetData, list[int]] | None = None) -> None:
    """Keep `data` under `cache_key` (atomically); a folder that cannot be written is no error, and a
    failed write (a full disk) leaves no temporary file behind. `base`: (key, entry, rows rewritten) of
    the sheet `data` was made from by a write, to store just what changed (`_delta`) when possible;
    `data` then knows the length of the chain it is stored at (`delta_depth`)."""
    d = folder(workbook)
    tmp = d / f".{cache_key}.{os.getpid()}.tmp"
    delta = _delta(data, *base) if base is not None else None
    if delta is not None and delta[2] > DELTA_DEPTH:
        delta = None
    entry: object = delta if delta is not None else data if not data.delta_depth else replace(data, delta_depth=0)
    try:
        d.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, d / f"{cache_key}.pickle")
        _prune(d)
    except OSError:
        _remove(tmp)
        return
    data.delta_depth = delta[2] if delta is not None else 0


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
