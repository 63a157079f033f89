"""The derived tables publish fills: what the workbook commands compute from the registers (the building
of a bill, its due day and 减免, the split of every payment's 分配), computed by the same code, so that the
group's SQL never re-parses a cell or re-states a rule.

One function per derived table (Workbook → rows in the table's column order after `estate`), registered in
FACTS: publish walks it, so a new derived table needs no change to publish.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import count

from ..ops import stats
from ..ops.ledger import bill_due
from ..ops.units import building_lookup, former_owner, transfers
from ..store import schema
from ..store.workbook import Workbook
from . import tables

ZERO = stats.ZERO


def bill_facts(wb: Workbook) -> Iterator[tuple]:
    """Every bill with a 金额 and a 账期: its building (as the reports file it), 已收, 减免 (what a waived
    bill was not paid), due day (应缴日期, or the 缴费期限 rule when blank), whether it is waived (状态 减免:
    the arrears leave it out) and the day of the 过户 whose seller it stays with (`former_owner`, as the
    arrears report files a former owner's debts; None: the present owner's)."""
    if not wb.has(schema.BILLS):
        return
    cols = wb.columns(schema.BILLS, ("bill_id", "unit_id", "period", "item", "amount", "paid", "status", "due_date"))
    building_of = building_lookup(wb)
    sold = transfers(wb)
    due_of = bill_due(wb)
    for bill, unit, period, item, amount, paid, status, due in zip(*cols.values()):
        if amount is None or period is None:
            continue
        paid = paid or ZERO
        waived = max(amount - paid, ZERO) if status == stats.WAIVED else ZERO
        unit = str(unit) if unit is not None else None
        former = former_owner(sold.get(unit, ()), str(period)) if unit in sold else None
        yield (str(bill), unit, building_of(unit) if unit else "", str(period), str(item or ""), amount, paid,
               waived, due_of(period, due), status == stats.WAIVED, former[0] if former else None)


def payment_parts(wb: Workbook) -> Iterator[tuple]:
    """The 分配 of every payment split as the statistics split it (`ops.stats.payment_parts`), each part
    numbered within its payment (收据号 + part_no is the key), with the 账期 and due day of the bill it
    names (as `ops.stats.Ledger` finds a target: the last bill of that 账单号), None for 预存 or a blank 分配:
    the group's SQL then picks the payments into some bills without looking every bill up."""
    cols = (wb.columns(schema.BILLS, ("bill_id", "period", "due_date")) if wb.has(schema.BILLS)
            else {"bill_id": [], "period": [], "due_date": []})
    index = dict(zip(cols["bill_id"], count()))
    periods, dues, due_of = cols["period"], cols["due_date"], bill_due(wb)
    receipt, n = None, 0
    for part in stats.payment_parts(wb):
        n = n + 1 if part.receipt == receipt else 1
        receipt = part.receipt
        i = index.get(part.target)
        period = periods[i] if i is not None else None
        yield (part[0], n, *part[1:], None if period is None else str(period),
               None if i is None else due_of(period, dues[i]))


FACTS: dict[str, Callable[[Workbook], Iterable[tuple]]] = {
    tables.BILL_FACTS.name: bill_facts,
    tables.PAYMENT_PARTS.name: payment_parts,
}
