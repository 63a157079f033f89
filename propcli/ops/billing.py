"""`billing run`: a period's bills from the rates and the readings, written once.

Idempotent: a line already billed (same 房号, 账期, 收费项目) is never billed again. If the rates, the
readings or the owner's record now give a different amount, the bill is reported as changed, never
silently re-billed. A unit's prepaid balance (预存) pays its new bills as they are created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain.allocation import OpenBill, bill_status, consume_prepaid
from ..domain.billing import Line, Rate, Skip, Unit, bill_unit, due_date
from ..domain.money import Rounding
from ..domain.people import unit_parts, unit_sort_key
from ..domain.readings import Usage
from ..errors import DataError
from ..store import schema
from ..store.reader import Row
from ..store.workbook import Workbook
from . import ledger, sequence
from .bills import ADJUSTED, NONE
from .payments import holding_prepaid, prepaid_sources, rewrite_prepaid


@dataclass(frozen=True)
class Changed:
    """A bill whose amount the rates, readings or owner record would now give differently."""

    bill_id: str
    row: int
    unit: str
    item: str
    billed: Decimal
    now: Decimal
    detail: str


@dataclass
class BillingRun:
    period: str
    new: list[dict] = field(default_factory=list)  # the 应收账单 rows created
    existing: int = 0  # lines billed before
    changed: list[Changed] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    prepaid: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (receipt, bill, amount)

    @property
    def total(self) -> Decimal:
        return sum((r["amount"] for r in self.new), Decimal(0))


def totals(bills: Iterable[Mapping], building_of: Callable[[str], str] | None = None) -> list[dict]:
    """Bills by building and item, then one total per item and the grand total (building ''): what a
    clerk checks before printing notices. Every figure is a sum of rounded bill amounts. `building_of`:
    `units.building_lookup(wb)` to honour the owners register's 楼栋 column; else the 房号 says."""
    building_of = building_of or (lambda unit: unit_parts(unit).building)
    bills = list(bills)
    items = list(dict.fromkeys(b["item"] for b in bills))
    groups: dict[tuple[str, str], list[Decimal]] = {}
    for b in bills:
        groups.setdefault((building_of(b["unit_id"]) or NONE, b["item"]), []).append(b["amount"])
    order = sorted(groups, key=lambda k: (unit_sort_key(k[0]), items.index(k[1])))
    rows = [{"building": b, "item": i, "count": len(groups[(b, i)]), "amount": sum(groups[(b, i)], Decimal(0))}
            for b, i in order]
    for item in items:
        amounts = [b["amount"] for b in bills if b["item"] == item]
        rows.append({"building": "", "item": item, "count": len(amounts), "amount": sum(amounts, Decimal(0))})
    rows.append({"building": "", "item": "", "count": len(bills), "amount": sum((b["amount"] for b in bills), Decimal(0))})
    return rows


def compute(units: Mapping[str, Unit], rates: list[Rate], period: str, rounding: Rounding,
            usage: Mapping[tuple[str, str], list[Usage]]) -> tuple[list[Line], list[Skip]]:
    """Every unit's lines for the period, in unit order."""
    lines: list[Line] = []
    skips: list[Skip] = []
    chosen: dict = {}
    for unit in sorted(units, key=unit_sort_key):
        got, skipped = bill_unit(units[unit], rates, period, rounding, usage, chosen)
        lines.extend(got)
        skips.extend(skipped)
    return lines, skips


def adjusted(row: Row) -> bool:
    """A bill the clerk set by hand (`bills adjust`): its amount is a decision, not a stale computation."""
    return ADJUSTED in str(row.values.get("detail") or "")


def compare(lines: Iterable[Line], billed: Iterable[Row]) -> tuple[list[Line], list[Changed], int]:
    """Lines not billed yet, bills that would now come out differently, and how many were billed."""
    have: dict[tuple[object, object], Row] = {}
    for row in billed:
        have.setdefault((row.values.get("unit_id"), row.values.get("item")), row)
    new, changed, existing = [], [], 0
    for line in lines:
        row = have.get((line.unit, line.item))
        if row is None:
            new.append(line)
            continue
        existing += 1
        amount = row.values.get("amount")
        if row.values.get("status") != "减免" and not adjusted(row) and amount != line.amount:
            changed.append(Changed(str(row.values.get("bill_id") or ""), row.number, line.unit, line.item,
                                   amount if isinstance(amount, Decimal) else Decimal(0), line.amount, line.detail))
    return new, changed, existing


def run(wb: Workbook, period: str) -> BillingRun:
    """Stage the period's new bills (and the prepaid they consume) on `wb`; the caller commits."""
    # what it reads: 业主档案 (every column: area, status, household, parking), 收费标准 and 小区信息 whole,
    # 抄表记录's ledger.READING_KEYS, 应收账单's rows of the period only (every column: what was billed),
    # the 账单号 series, and 收款记录's rows holding 预存 (holding_prepaid); 应收账单 and 收款记录 are written
    owners = wb.read(schema.OWNERS)
    usage = ledger.usage_map(wb, (f"{period[:4]}-01", period))  # the month's usage, and its year's (年 tiers)
    wb.forget(schema.READINGS)  # L's 960,000 readings (450 MB read) are not held beside the bills written
    lines, skips = compute(ledger.units(owners), ledger.rates(wb), period, ledger.rounding(wb), usage)
    del usage
    bills = wb.read(schema.BILLS, required=False, only=("period", period))
    new, changed, existing = compare(lines, bills.rows)
    result = BillingRun(period, existing=existing, changed=changed, skips=skips)
    if not new:
        return result
    _refuse_absurd(wb, new)
    due = due_date(period, ledger.due_days(wb))
    ids = sequence.next_numbers(wb, sequence.BILLS, sequence.BILLS.scope(period), len(new),
                                issued=(r.values.get("bill_id") for r in bills.rows))
    sequence.remember(wb, sequence.BILLS, ids[-1])  # once committed, never issued again, undo included
    for line, number in zip(new, ids):
        result.new.append({
            "bill_id": number, "unit_id": line.unit, "period": period, "item": line.item,
            "quantity": line.quantity,
            "unit_price": line.unit_price, "amount": line.amount, "due_date": due, "paid": Decimal(0),
            "status": bill_status(line.amount, Decimal(0)), "detail": line.detail,
        })
    use_prepaid(wb, result)
    wb.append(bills, result.new, journal=False)
    first, last = result.new[0]["bill_id"], result.new[-1]["bill_id"]
    used = sum((m[2] for m in result.prepaid), Decimal(0))
    wb.log(bills.name, period, "", f"新增 {len(result.new)} 张账单 {first}–{last}，合计 {result.total:.2f} 元"
           + (f"，预存抵扣 {used:.2f} 元" if used else ""))
    return result


def _refuse_absurd(wb: Workbook, lines: list[Line]) -> None:
    """A line above 小区信息 › 金额上限 comes from a mistyped reading or rate, not from a month's use:
    nothing is billed until it is put right (`meters anomalies` shows the reading)."""
    ceiling = wb.money_ceiling()
    for line in lines:
        if line.amount > ceiling:
            raise DataError("billing.absurd_line", None, unit=line.unit, item=line.item, amount=f"{line.amount:,.2f}",
                            ceiling=f"{ceiling:,.2f}", detail=line.detail)


def use_prepaid(wb: Workbook, result: BillingRun) -> None:
    """Units holding 预存 pay their new bills from it, oldest receipt first."""
    payments = holding_prepaid(wb)
    sources = prepaid_sources(payments)
    if not sources:
        return
    by_unit: dict[str, list[dict]] = {}
    for record in result.new:
        by_unit.setdefault(record["unit_id"], []).append(record)
    by_id = {r["bill_id"]: r for r in result.new}
    for unit, rows in sources.items():
        records = by_unit.get(unit)
        if not records:
            continue
        open_bills = [OpenBill(r["bill_id"], r["period"], r["amount"], r["paid"], r["due_date"], i)
                      for i, r in enumerate(records)]
        moves = consume_prepaid([(str(row.values["receipt_no"]), amount) for row, amount in rows], open_bills)
        for receipt, bill, amount in moves:
            record = by_id[bill]
            record["paid"] += amount
            record["status"] = bill_status(record["amount"], record["paid"])
        result.prepaid.extend(moves)
        rewrite_prepaid(wb, payments, [row for row, _ in rows], moves)

