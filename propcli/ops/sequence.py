"""Sequence numbers that are never issued twice: 账单号, 收据号, 工单号 and 投诉号.

A number is prefix + scope (the year, or year and month) + a zero-padded sequence within the scope:
ZD202501000001, SJ2025000001. A `Series` declares one kind. The next number of a scope is above the
highest of that scope found in its register, above the last one remembered in 小区信息 (for a series
that keeps one), *and* above the last one recorded in `.propcli/<workbook>.issued.json`. Each memory is
kept per scope (`SJ2026000005 SJ2025000124`): a back-dated receipt of last year neither forgets this
year's last number nor lets last year's be reused.

小区信息 travels with the workbook (a copy on a USB stick still knows its numbers), but an `undo` puts back
the workbook as it was, 小区信息 included. The file beside the journal is outside what `undo` restores, so
an undone receipt's number stays used. It is written when a change commits (never by a dry run), just
before the workbook is replaced: a failure after it leaves a gap, never a number given twice.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..store import schema
from ..store.safety import state_dir
from ..store.workbook import Workbook
from .ledger import setting_row


@dataclass(frozen=True)
class Series:
    prefix: str  # ZD, SJ, GD, TS
    monthly: bool  # scope YYYYMM (True) or YYYY
    digits: int  # of the sequence within the scope
    register: schema.Sheet  # where issued numbers are found …
    column: str  # … in this column
    setting: str | None = None  # the 小区信息 setting remembering the last number of each scope, if any

    def scope(self, when: dt.date | str) -> str:
        """The scope of a day, or of a 账期 `YYYY-MM`: `2025` or `202501`."""
        text = f"{when.year:04d}{when.month:02d}" if isinstance(when, dt.date) else str(when).replace("-", "")
        return text[:6] if self.monthly else text[:4]

    def format(self, scope: str, seq: int) -> str:
        return f"{self.prefix}{scope}{seq:0{self.digits}d}"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(rf"{re.escape(self.prefix)}(\d{{{6 if self.monthly else 4}}})(\d{{{self.digits}}})")

    def parse(self, text: object) -> tuple[str, int] | None:
        """(scope, sequence) of a number of this series, or None."""
        m = self.pattern.fullmatch(str(text or "").strip())
        return (m.group(1), int(m.group(2))) if m else None


BILLS = Series("ZD", True, 6, schema.BILLS, "bill_id")
RECEIPTS = Series("SJ", False, 6, schema.PAYMENTS, "receipt_no", setting="last_receipt")
WORK_ORDERS = Series("GD", True, 4, schema.WORK_ORDERS, "order_no")  # GD2026110001
COMPLAINTS = Series("TS", True, 4, schema.COMPLAINTS, "complaint_no")  # TS2026110001


def remembered(wb: Workbook, series: Series) -> dict[str, int]:
    """The last sequence issued per scope, as 小区信息 remembers it ({} for a series that keeps none)."""
    if series.setting is None:
        return {}
    out: dict[str, int] = {}
    for scope, seq in series.pattern.findall(wb.settings().get(series.setting) or ""):
        out[scope] = max(out.get(scope, 0), int(seq))
    return out


def last_issued(wb: Workbook, series: Series, scope: str, issued: Iterable[object] | None = None) -> int:
    """The highest sequence of `scope` in the register (or in `issued`, the register's numbers when the
    caller has them at hand) and in 小区信息's memory; 0 when none."""
    if issued is None:
        issued = wb.columns(series.register, (series.column,))[series.column] if wb.has(series.register) else []
    # what `parse` finds of this scope, but the pattern compiled once for 60,000 receipt numbers, and the
    # texts that cannot be of the scope (most: other years) left out by a prefix test first
    head = f"{series.prefix}{scope}"
    number = re.compile(re.escape(head) + rf"(\d{{{series.digits}}})")
    texts = (str(text).strip() for text in issued if text)
    found = (number.fullmatch(t) for t in texts if t.startswith(head))
    return max([int(m.group(1)) for m in found if m]
               + [remembered(wb, series).get(scope, 0), recorded(wb, series).get(scope, 0)])


def next_numbers(wb: Workbook, series: Series, scope: str, count: int = 1,
                 issued: Iterable[object] | None = None) -> list[str]:
    """The next `count` numbers of `scope`; `remember` the last one once issued."""
    last = last_issued(wb, series, scope, issued)
    return [series.format(scope, last + i) for i in range(1, count + 1)]


def next_number(wb: Workbook, series: Series, scope: str, issued: Iterable[object] | None = None) -> str:
    return next_numbers(wb, series, scope, 1, issued)[0]


def remember(wb: Workbook, series: Series, number: str) -> None:
    """Mark `number` as issued once `wb` commits: in `.propcli/` (every series), and as the last issued
    of its scope in 小区信息 (newest scope first; other scopes' numbers stay) for a series that keeps a
    memory there, unless a higher one is remembered."""
    parsed = series.parse(number)
    if parsed is None:
        return
    _record_on_commit(wb, series, *parsed)
    if series.setting is None:
        return
    memory = remembered(wb, series)
    scope, seq = parsed
    if memory.get(scope, 0) >= seq:
        return
    memory[scope] = seq
    text = " ".join(series.format(s, memory[s]) for s in sorted(memory, reverse=True))
    estate, label, row = setting_row(wb, series.setting)
    if row is None:
        wb.append(estate, [{"item": label, "value": text}], key_column="item")
    else:
        wb.update(estate, row, {"value": text}, key=label)


# -- the record of issued numbers beside the journal, which undo does not restore -----------------------


def issued_path(workbook: Path) -> Path:
    return workbook.parent / ".propcli" / f"{workbook.name}.issued.json"


def _read_issued(path: Path) -> dict[str, dict[str, int]]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(p): {str(s): int(n) for s, n in scopes.items()} for p, scopes in data.items()}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise DataError("sequence.record_bad", None, path=str(path), reason=type(exc).__name__) from None


def recorded(wb: Workbook, series: Series) -> dict[str, int]:
    """The last sequence issued per scope of `series`, as `.propcli/` records it ({} when none is)."""
    return _read_issued(issued_path(wb.path)).get(series.prefix, {})


def _record_on_commit(wb: Workbook, series: Series, scope: str, seq: int) -> None:
    pending: dict[tuple[str, str], int] | None = wb.__dict__.get("_issued_pending")
    if pending is None:
        pending = wb.__dict__["_issued_pending"] = {}
        wb.before_replace.append(lambda: _write_issued(wb.path, wb.__dict__.pop("_issued_pending", {})))
    pending[(series.prefix, scope)] = max(seq, pending.get((series.prefix, scope), 0))


def _write_issued(workbook: Path, pending: dict[tuple[str, str], int]) -> None:
    """Raise the record to `pending` (under the write lock the commit holds), atomically."""
    if not pending:
        return
    path = issued_path(workbook)
    data = _read_issued(path)
    for (prefix, scope), seq in pending.items():
        scopes = data.setdefault(prefix, {})
        scopes[scope] = max(seq, scopes.get(scope, 0))
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        state_dir(workbook)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, sort_keys=True, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError("sequence.record_write", None, path=str(path), reason=exc.strerror or str(exc)) from None
    finally:
        tmp.unlink(missing_ok=True)
