"""通知记录: every notice issued, so that none is issued twice by accident (a cron job run again, a clerk
who prints the month a second time). A notice is identified by its 类型, 账期/日期, 房号 and 渠道; a run
skips the ones already recorded unless asked to reissue, and records what it issued in the same commit
as the 催缴记录 rows of `--log` — one workbook write per run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from ..store import schema
from ..store.workbook import Workbook, current_operator

Key = tuple[str, str, str, str]  # (类型, 账期/日期, 房号, 渠道)
KEYS = ("batch", "kind", "ref_period", "unit_id", "channel")


@dataclass(frozen=True)
class Issue:
    """One 通知记录 row to write."""

    kind: str  # 类型, the notice's title: 缴费通知单, 催缴函, 停水通知 …
    ref_period: str  # 账期/日期
    unit_id: str
    channel: str  # 纸质 / 短信 / EMS
    file: str
    page: int | None
    digest: str

    @property
    def key(self) -> Key:
        return (self.kind, self.ref_period, self.unit_id, self.channel)


def digest(text: str) -> str:
    """内容摘要: the first 16 hex digits of the notice's SHA-256 (what was printed or sent, exactly)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def issued(wb: Workbook) -> set[Key]:
    """The notices already recorded (an estate without a 通知记录 sheet has issued none)."""
    if not wb.has(schema.NOTICES):
        return set()
    cols = wb.columns(schema.NOTICES, KEYS)
    return {(str(k or ""), str(p or ""), str(u or ""), str(c or ""))
            for _, k, p, u, c in zip(*(cols[x] for x in KEYS)) if u}


def batch_id(wb: Workbook, day: dt.date) -> str:
    """TZ20261123-01, -02 … : the runs of one day numbered in the order they were recorded."""
    prefix = f"TZ{day:%Y%m%d}-"
    taken: set[str] = set()
    if wb.has(schema.NOTICES):
        taken = {str(b) for b in wb.columns(schema.NOTICES, ("batch",))["batch"] if b and str(b).startswith(prefix)}
    n = 1 + max((int(b[len(prefix):]) for b in taken if b[len(prefix):].isdigit()), default=0)
    return f"{prefix}{n:02d}"


def record(wb: Workbook, batch: str, when: dt.datetime, issues: Iterable[Issue]) -> int:
    """Stage the 通知记录 rows of a run (the sheet is added when missing). The caller commits."""
    rows = [{"batch": batch, "time": when.replace(microsecond=0), "kind": i.kind, "ref_period": i.ref_period,
             "unit_id": i.unit_id, "channel": i.channel, "file": i.file, "page": i.page, "digest": i.digest}
            for i in issues]
    if rows:
        wb.append(wb.read(schema.NOTICES, required=False), rows, key_column="unit_id", journal=False)
        wb.log(schema.NOTICES.zh, batch, "", f"{len(rows)} 条：{rows[0]['kind']} {rows[0]['ref_period']}")
    return len(rows)


def log_contacts(wb: Workbook, units: Iterable[str], channel: str, on: dt.date, outcome: str) -> int:
    """`--log`: a 催缴记录 row per unit (书面通知, 短信 or 催缴函), so that `arrears due` sees the step done.
    A 催缴函's EMS number is added later with `arrears log UNIT --channel 催缴函 --tracking-no …`."""
    table = wb.read(schema.REMINDERS, required=False)
    rows = [{"unit_id": u, "date": on, "channel": channel, "outcome": outcome, "operator": current_operator()}
            for u in dict.fromkeys(units)]
    wb.append(table, rows, key_column="unit_id")
    return len(rows)
