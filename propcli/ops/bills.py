"""Reports over the whole bills register (应收账单), read column by column: no Row per bill; and the
clerk's two changes to one bill, adjusting its amount and waiving it (减免)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..domain.allocation import bill_status
from ..domain.money import is_cents
from ..domain.people import building_name, unit_sort_key
from ..errors import DataError
from ..store import schema
from ..store.reader import Row, Table
from ..store.workbook import Workbook
from .units import building_lookup, numbered_row

ZERO = Decimal(0)
NONE = "—"  # the 楼栋 of a unit whose 房号 and owner record do not say
# What `bills summary` reads of 应收账单 (and 业主档案's unit_id and building, for the 楼栋): a column added
# here is read from every bill of a cold workbook, so add one only when the summary shows it.
SUMMARY_KEYS = ("unit_id", "period", "amount", "paid", "status")


@dataclass
class Line:
    building: str
    period: str
    bills: int
    amount: Decimal
    paid: Decimal
    waived: Decimal = ZERO  # what 减免 bills left unpaid: not owed

    @property
    def owing(self) -> Decimal:
        return self.amount - self.paid - self.waived

    def record(self) -> dict[str, object]:
        return {"building": self.building, "period": self.period, "bills": self.bills, "amount": self.amount,
                "paid": self.paid, "owing": self.owing}


def summary(wb: Workbook, *, building: str | None = None, period: str | None = None) -> tuple[list[Line], Line]:
    """Totals of 应收账单 by 楼栋 and 账期 — 金额, 已收 and 欠费 (金额 − 已收, less what 减免 bills left
    unpaid: a waived bill is not owed) — and their grand total.

    Totals are sums of the bills' own (rounded) amounts, so they reconcile to the cent. Bills without a
    金额 are counted but add nothing; a blank 已收 is 0. A unit whose 楼栋 is unknown is filed under —.
    """
    wb.prefetch(schema.OWNERS, schema.BILLS)
    wb.columns_ahead(schema.BILLS, SUMMARY_KEYS)
    building_of = building_lookup(wb)
    keys = SUMMARY_KEYS
    cols = wb.columns(schema.BILLS, keys)
    groups: dict[tuple[str, str], list] = {}
    for unit, month, amount, paid, status in zip(*(cols[k] for k in keys)):
        if unit is None and month is None and amount is None:
            continue
        key = ((building_of(str(unit)) if unit is not None else "") or NONE, month or "")
        g = groups.get(key)
        if g is None:
            g = groups[key] = [0, ZERO, ZERO, ZERO]
        g[0] += 1
        if amount is not None:
            g[1] += amount
        if paid is not None:
            g[2] += paid
        if status == "减免" and amount is not None:
            g[3] += amount - (paid or ZERO)
    lines = [Line(b, p, n, a, pd, w) for (b, p), (n, a, pd, w) in groups.items()
             if (building is None or b == building_name(building)) and (period is None or p == period)]
    lines.sort(key=lambda x: (unit_sort_key(x.building), x.period))
    total = Line("", "", sum(x.bills for x in lines), sum((x.amount for x in lines), ZERO),
                 sum((x.paid for x in lines), ZERO), sum((x.waived for x in lines), ZERO))
    return lines, total


# -- adjusting and waiving one bill ------------------------------------------------------------------

ADJUSTED = "【调整】"  # in 计算明细: the clerk set this amount by hand; `check billing` leaves it alone
WAIVED = "【减免】"


def find_bill(wb: Workbook, bill_id: str) -> tuple[Table, Row]:
    return numbered_row(wb, schema.BILLS, "bill_id", bill_id, "bill.unknown", "bill")


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise DataError("bill.reason")
    return reason


def _history(row: Row, note: str) -> str:
    """计算明细 keeps what the bill said before, then the change: the bill's history stays on its row."""
    detail = str(row.values.get("detail") or "").strip()
    return f"{detail}；{note}" if detail else note


def adjust(wb: Workbook, bill_id: str, amount: Decimal, *, reason: str, on: dt.date) -> tuple[Decimal, dict]:
    """Set a bill's 金额 by hand (a rate or reading corrected after billing); returns the old amount and
    the row after. The row stays; 计算明细 records the old amount, the new one, the day and the reason;
    状态 follows what is already paid. A bill cannot be set below what has been paid on it (void the
    payment first)."""
    reason = _reason(reason)
    table, row = find_bill(wb, bill_id)
    bill_id = str(row.values["bill_id"])
    if not is_cents(amount) or amount < 0:  # the estate's 金额上限 is the caller's (cli: as_amount)
        raise DataError("bill.adjust_amount", None, value=repr(format(amount, 'f')))
    if row.values.get("status") == "减免":
        raise DataError("bill.waived", table.location(row.number, "status"), bill=bill_id)
    old = row.values.get("amount") if isinstance(row.values.get("amount"), Decimal) else Decimal(0)
    paid = row.values.get("paid") if isinstance(row.values.get("paid"), Decimal) else Decimal(0)
    if amount == old:
        raise DataError("bill.adjust_same", table.location(row.number, "amount"), bill=bill_id, value=f"{old:.2f}")
    if amount < paid:
        raise DataError("bill.adjust_below_paid", table.location(row.number, "paid"), bill=bill_id,
                        value=f"{amount:.2f}", paid=f"{paid:.2f}")
    note = f"{ADJUSTED}{on.isoformat()} {old:.2f}→{amount:.2f}：{reason}"
    wb.update(table, row, {"amount": amount, "status": bill_status(amount, paid), "detail": _history(row, note)},
              key=bill_id)
    return old, dict(row.values)


def waive(wb: Workbook, bill_id: str, *, reason: str, on: dt.date) -> tuple[Decimal, dict]:
    """减免: what is still owed on a bill is forgiven (returns that amount and the row after). The row stays with its 金额 and 已收; 状态 becomes
    减免, so that arrears, allocations and `check billing` leave it alone; 计算明细 says when and why."""
    reason = _reason(reason)
    table, row = find_bill(wb, bill_id)
    bill_id = str(row.values["bill_id"])
    status = row.values.get("status")
    if status == "减免":
        raise DataError("bill.waived", table.location(row.number, "status"), bill=bill_id)
    amount = row.values.get("amount") if isinstance(row.values.get("amount"), Decimal) else Decimal(0)
    paid = row.values.get("paid") if isinstance(row.values.get("paid"), Decimal) else Decimal(0)
    if paid >= amount:
        raise DataError("bill.waive_paid", table.location(row.number, "paid"), bill=bill_id, value=f"{paid:.2f}")
    note = f"{WAIVED}{on.isoformat()} 减免 {amount - paid:.2f}：{reason}"
    wb.update(table, row, {"status": "减免", "detail": _history(row, note)}, key=bill_id)
    return amount - paid, dict(row.values)
