"""Rendered outputs remembered beside the workbook (`.propcli/cache/out-*.bin`): a report that takes
seconds to compute over a big estate and is asked again unchanged — cron and the clerk running it the
same day, the office asking for the xlsx after the csv — is written again from the bytes it gave last time.

An entry is named by the question: a hash of propcli's own code (and of the working-day calendar's
version, `DATA_PACKAGES`) and of everything asked (the command, its period, as-of day and filters, the
format, the language, the terminal width, --unmask). It holds the hash (SHA-256) of the workbook file's
bytes it was computed from, and is given back only when the file holds those bytes now: the answer cannot
be stale, whatever edited the workbook. The file is hashed in a thread while the question is looked up
and, on a miss, while the report is computed; it is hashed again while the output is rendered, and the
output is kept only if the file still holds the bytes it had when the command began (it may be saved
meanwhile). HTML is not remembered (a template folder beside the workbook may change it). The newest KEEP
questions are kept; an unreadable entry is a miss, never an error. An entry may carry a small note: the
figures of the one line a cron log keeps per run (`arrears report` says how many debtors and how much),
given back with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import lru_cache
from pathlib import Path

from ..store import cache
from ..store.workbook import content_sha256

KEEP = 12
PREFIX = "out-"


# Libraries whose data an output depends on beyond propcli's code: the official working-day calendar (the
# 工作日 deadlines of the service figures) — a new year's holidays change a remembered statistics report.
DATA_PACKAGES = ("chinesecalendar",)


@lru_cache(maxsize=1)
def _code() -> bytes:
    from importlib import metadata

    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".j2") and path.is_file():
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for name in DATA_PACKAGES:
        try:
            h.update(f"\0{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"\0{name} -".encode())
    return h.digest()


def content(workbook: Path) -> str | None:
    """The hash of a workbook file's bytes (None when it cannot be read): the SHA-256 a commit checks, which
    lets other threads run meanwhile (and, with the CPU's SHA instructions, beats BLAKE2b here: 0.16 s
    against 0.24 s for L's 150 MB)."""
    try:
        return content_sha256(workbook)
    except OSError:
        return None


class _Hashed(threading.Thread):
    """A workbook's `content`, computed in a thread of its own from when it is made."""

    def __init__(self, workbook: Path) -> None:
        super().__init__(daemon=True)
        self.workbook = workbook
        self.found: str | None = None
        self.start()

    def run(self) -> None:
        self.found = content(self.workbook)

    def result(self) -> str | None:
        self.join()
        return self.found


class Question:
    """One question asked of a workbook: its entry's name now, the hash of the workbook's bytes when asked
    (computed in a thread, waited for only when needed), and again once the report is computed."""

    def __init__(self, workbook: Path, *asked: object) -> None:
        self.workbook = workbook
        self.name = hashlib.blake2b(b"propcli-output 2\0" + _code() + repr(asked).encode(), digest_size=32).hexdigest()
        self._asked = _Hashed(workbook)
        self._after: _Hashed | None = None

    def content(self) -> str | None:
        return self._asked.result()

    def computed(self) -> None:
        """The workbook has been read: its bytes are hashed again (in a thread, while the output is
        rendered), for `store` to keep the output only if they are still those it was asked of."""
        self._after = _Hashed(self.workbook)

    def content_now(self) -> str | None:
        """The hash of the workbook's bytes once the report is computed (`computed`), or now."""
        return self._after.result() if self._after is not None else content(self.workbook)

    @property
    def path(self) -> Path:
        return cache.folder(self.workbook) / f"{PREFIX}{self.name}.bin"


def load(question: Question) -> tuple[bytes, dict] | None:
    """The output remembered for `question` on the workbook's present bytes, and its note; else None."""
    try:
        entry = question.path.read_bytes()
        head, _, data = entry.partition(b"\n")
        meta = json.loads(head)
    except (OSError, ValueError):  # none, or unreadable: a miss
        return None
    if not isinstance(meta, dict) or meta.get("content") is None or meta.get("content") != question.content():
        return None
    try:
        os.utime(question.path)
    except OSError:
        pass
    return data, meta.get("note") or {}


def store(question: Question, data: str | bytes, *, note: dict | None = None) -> None:
    """Keep `data` (and `note`: plain JSON data) as the answer to `question` if the workbook still holds the
    bytes it had when asked; a folder that cannot be written is no error."""
    found = question.content()
    if found is None or question.content_now() != found:
        return
    folder = cache.folder(question.workbook)
    tmp = folder / f".{PREFIX}{question.name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        head = json.dumps({"content": found, "note": note or {}}, ensure_ascii=False).encode("utf-8") + b"\n"
        tmp.write_bytes(head + (data.encode("utf-8") if isinstance(data, str) else data))
        os.replace(tmp, question.path)
        entries = sorted(folder.glob(f"{PREFIX}*.bin"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        tmp.unlink(missing_ok=True)
