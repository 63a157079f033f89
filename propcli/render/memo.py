"""Rendered outputs remembered beside the workbook (`.propcli/cache/out-*.bin`): a report that takes
seconds to compute over a big estate (the monthly statistics) and is asked again unchanged — cron and
the clerk running it the same day, the office asking for the xlsx after the html — is written again from
the bytes it gave last time.

The key is the SHA-256 of the workbook file's bytes, of propcli's own code, and of everything asked (the
command, its period, as-of day and filters, the format, the language, the terminal width, --unmask).
Equal keys mean the same workbook bytes, read and rendered by the same code, for the same question: the
answer cannot be stale, whatever edited the workbook. HTML is not remembered (a template folder beside the
workbook may change it). The newest KEEP outputs are kept; an unreadable entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from ..store import cache
from ..store.workbook import content_sha256

KEEP = 12
PREFIX = "out-"


@lru_cache(maxsize=1)
def _code() -> bytes:
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".j2") and path.is_file():
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.digest()


def key(workbook: Path, *asked: object) -> str | None:
    """The key of this question on this workbook (None when the workbook cannot be read)."""
    try:
        content = content_sha256(workbook)
    except OSError:
        return None
    h = hashlib.sha256(b"propcli-output 1\0" + _code() + content.encode())
    h.update(repr(asked).encode())
    return h.hexdigest()


def load(workbook: Path, found: str | None) -> bytes | None:
    if found is None:
        return None
    path = cache.folder(workbook) / f"{PREFIX}{found}.bin"
    try:
        data = path.read_bytes()
        os.utime(path)
    except OSError:
        return None
    return data


def store(workbook: Path, found: str | None, data: str | bytes, *asked: object) -> None:
    """Keep `data` under `found` if the workbook still holds the bytes the key was made from (it may have
    been saved while the report was computed: then the key of `asked` differs); a folder that cannot be
    written is no error."""
    if found is None or key(workbook, *asked) != found:
        return
    folder = cache.folder(workbook)
    tmp = folder / f".{PREFIX}{found}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, folder / f"{PREFIX}{found}.bin")
        entries = sorted(folder.glob(f"{PREFIX}*.bin"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        tmp.unlink(missing_ok=True)
