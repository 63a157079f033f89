"""Who else holds the workbook: office lock markers, propcli's own write lock, and the folder for both.

Excel and WPS leave `~$estate.xlsx` beside an open workbook (WPS on Linux `.~estate.xlsx`), LibreOffice
`.~lock.estate.xlsx#`. propcli refuses to write while one exists; `--force` overrides a stale marker.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import WorkbookBusy

STATE_DIR = ".propcli"


def state_dir(workbook: Path) -> Path:
    """The hidden folder beside the workbook: lock, backups, temporary files, history."""
    d = workbook.parent / STATE_DIR
    d.mkdir(exist_ok=True)
    return d


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
            timeout = float(os.environ.get("PROPCLI_LOCK_TIMEOUT", "15"))
        self._lock = FileLock(str(state_dir(workbook) / f"{workbook.name}.lock"), timeout=timeout)

    def __enter__(self) -> WriteLock:
        try:
            self._lock.acquire()
        except Timeout:
            raise WorkbookBusy("busy.lock") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
