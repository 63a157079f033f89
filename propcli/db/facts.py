"""The derived tables publish fills: what the workbook commands compute from the registers (the building
of a bill, its due day and 减免, the split of every payment's 分配), computed by the same code, so that the
group's SQL never re-parses a cell or re-states a rule.

One function per derived table (Workbook → rows in the table's column order after `estate`), registered in
FACTS: publish walks it, so a new derived table needs no change to publish.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import count

from ..domain.allocation import PREPAID
from ..ops import stats
from ..ops.ledger import bill_due
from ..ops.units import building_lookup, former_owner, transfers
from ..store import schema
from ..store.workbook import Workbook
from . import tables

ZERO = stats.ZERO


BILL_KEYS = ("bill_id", "unit_id", "period", "item", "amount", "paid", "status", "due_date")


def _bills(wb: Workbook, light: bool = False) -> tuple[dict[str, list], Callable[[int], tuple | None]]:
    """The bills' columns, and the facts of the bill in row i (None: no 金额 or no 账期 — not a bill the
    figures count): unit, building (as the reports file it), 账期, 收费项目, 金额, 已收, 减免 (what a waived bill
    was not paid), due day (应缴日期, or the 缴费期限 rule when blank), whether it is waived (状态 减免: the
    arrears leave it out) and the day of the 过户 whose seller it stays with (`former_owner`, as the arrears
    report files a former owner's debts; None: the present owner's). `light`: only what a payment part
    carries of its bill — unit, 金额, 已收, waived, 过户 day."""
    if not wb.has(schema.BILLS):
        return {k: [] for k in BILL_KEYS}, lambda i: None
    cols = wb.columns(schema.BILLS, BILL_KEYS)
    units, periods, items, amounts, paids, statuses, dues = (cols[k] for k in BILL_KEYS[1:])
    sold = transfers(wb)

    def carried(i: int) -> tuple | None:
        amount, period = amounts[i], periods[i]
        if amount is None or period is None:
            return None
        unit = str(units[i]) if units[i] is not None else None
        former = former_owner(sold.get(unit, ()), str(period)) if unit in sold else None
        return unit, former[0] if former else None, amount, paids[i] or ZERO, statuses[i] == stats.WAIVED

    if light:
        return cols, carried
    building_of, due_of = building_lookup(wb), bill_due(wb)

    def facts(i: int) -> tuple | None:
        if (bill := carried(i)) is None:
            return None
        unit, former, amount, paid, waived_bill = bill
        waived = max(amount - paid, ZERO) if waived_bill else ZERO
        return (unit, building_of(unit) if unit else "", str(periods[i]), str(items[i] or ""), amount, paid, waived,
                due_of(periods[i], dues[i]), waived_bill, former)

    return cols, facts


def bill_facts(wb: Workbook) -> Iterator[tuple]:
    """Every bill with a 金额 and a 账期, with its facts (`_bills`)."""
    cols, facts = _bills(wb)
    for i, bill in enumerate(cols["bill_id"]):
        if (row := facts(i)) is not None:
            yield (str(bill), *row)


def payment_parts(wb: Workbook) -> Iterator[tuple]:
    """The 分配 of every payment split as the statistics split it (`ops.stats.payment_parts`), each part
    numbered within its payment (收据号 + part_no is the key), with what the group's SQL reads of the bill it
    names (as `ops.stats.Ledger` finds a target: the last bill of that 账单号) — its 账期 and due day (None for
    预存, a blank 分配 or no such bill), and (migration 3) its unit, 过户 day, 金额, 已收 now and whether it is
    waived (None unless the bill is one of bill_facts) — so that the SQL finds the payments into some bills
    by the parts alone and never looks a bill up per part."""
    cols, carried = _bills(wb, light=True)
    index = dict(zip(cols["bill_id"], count()))
    periods, dues, due_of = cols["period"], cols["due_date"], bill_due(wb)
    receipt, n = None, 0
    for part in stats.payment_parts(wb):
        n = n + 1 if part.receipt == receipt else 1
        receipt = part.receipt
        i = index.get(part.target)
        period = periods[i] if i is not None else None
        bill = carried(i) if i is not None else None
        yield (part[0], n, *part[1:], None if period is None else str(period),
               None if i is None else due_of(period, dues[i]), *(bill or (None,) * 5))


_B = f"{tables.SCHEMA}.{tables.BILL_FACTS.name}"
# a bill's 应收 after 减免 and whether it is owed now, as `stats monthly` counts a household paid up
_PER_UNIT = f"""select estate, period, coalesce(unit_id, '') as unit, sum(amount - waived) as billed,
       sum(waived) as waived, sum(paid) as paid, count(*) filter (where amount - waived > 0) as n_billed,
       count(*) filter (where amount - waived > 0 and paid < amount - waived) as n_owing
  from {_B} where estate = %(estate)s group by estate, period, coalesce(unit_id, '')"""

# The sums tables (tables.SUMS): per table, the derived table it sums and the SQL that makes an estate's rows
# from it (in the table's column order), run by publish once that table holds the new rows, in the same
# transaction (on the loader's thread: the server sums while the next derived table is read).
_P = f"{tables.SCHEMA}.{tables.PAYMENT_PARTS.name}"
SUMS: dict[str, tuple[str, str]] = {
    tables.PERIOD_SUMS.name: (tables.BILL_FACTS.name, f"""select estate, period, sum(billed), sum(waived), sum(paid),
       count(*) filter (where n_billed > 0), count(*) filter (where n_billed > 0 and n_owing = 0)
  from ({_PER_UNIT}) u group by estate, period"""),
    tables.UNIT_PERIODS.name: (tables.BILL_FACTS.name,
                               f"select estate, period, unit, n_owing from ({_PER_UNIT}) u where n_owing > 0"),
    tables.OPEN_DUES.name: (tables.BILL_FACTS.name, f"""select estate, period, due, coalesce(unit_id, ''), former_on, sum(amount - paid), count(*)
  from {_B} where estate = %(estate)s and amount > paid and not waived_bill and due is not null
 group by estate, period, due, coalesce(unit_id, ''), former_on"""),
    tables.PART_DAYS.name: (tables.PAYMENT_PARTS.name, f"""select estate, target_period, target = '{PREPAID}', target_amount is not null and target_paid <> 0,
       paid_on, sum(amount)
  from {_P} where estate = %(estate)s and not voided
 group by estate, target_period, target = '{PREPAID}', target_amount is not null and target_paid <> 0, paid_on"""),
}

FACTS: dict[str, Callable[[Workbook], Iterable[tuple]]] = {
    tables.BILL_FACTS.name: bill_facts,
    tables.PAYMENT_PARTS.name: payment_parts,
}
