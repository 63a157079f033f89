"""The derived tables publish fills: what the workbook commands compute from the registers (the building
of a bill, its due day and 减免, the split of every payment's 分配), computed by the same code, so that the
group's SQL never re-parses a cell or re-states a rule.

`derived(wb, bills_of(wb), chunk)` yields each derived table as pieces of its columns (in the table's
column order after `estate`), in the order of DERIVED: publish walks it, so a new derived table needs no
change to publish.py. The columns are built a column at a time from the bills' columns, read once for both
tables: a rule is asked once per distinct value it depends on (the due day per 账期 and 应缴日期, the
building per unit), not once per bill.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any
from itertools import compress, count, groupby, islice, repeat

from ..domain.allocation import PREPAID
from ..ops import stats
from ..ops.ledger import bill_due
from ..ops.units import building_lookup, former_owner, transfers
from ..store import schema
from ..store.workbook import Workbook
from . import tables

ZERO = stats.ZERO

SOURCES = (schema.BILLS, schema.PAYMENTS, schema.OWNERS, schema.TRANSFERS)  # the registers `derived` reads
BILL_KEYS = ("bill_id", "unit_id", "period", "item", "amount", "paid", "status", "due_date")
Columns = list[list]


def bills_of(wb: Workbook, cols: dict[str, list] | None = None) -> _Bills:
    """What the derived tables take of 应收账单 (`cols`: its BILL_KEYS columns, gathered while publish
    copied the register; else read): the register's other columns (L: 1.6 million bills) are let go
    before 收款记录 is read."""
    bills = _Bills(wb, cols)
    wb.forget(schema.BILLS)
    return bills


def derived(wb: Workbook, bills: _Bills, chunk: int) -> Iterator[tuple[str, Iterator[Columns]]]:
    """bill_facts, then payment_parts, each as pieces of `chunk` rows of its columns (made as they are
    taken: an L estate's 1.9 million payment parts are never all held)."""
    yield tables.BILL_FACTS.name, (bills.facts(slice(i, i + chunk)) for i in range(0, len(bills.period), chunk))
    yield tables.PAYMENT_PARTS.name, _parts(wb, bills, chunk)


def _parts(wb: Workbook, bills: _Bills, chunk: int) -> Iterator[Columns]:
    parts = stats.iter_payment_parts(wb)
    for i, piece in enumerate(iter(lambda: list(islice(parts, chunk)), [])):
        if not i:  # the columns the parts are made of are held by `parts`: the register's others let go
            wb.forget(schema.PAYMENTS)
        yield bills.parts(piece)


def _mapped(f: Callable[[Any], object], values: list) -> list:
    """f of each value, f asked once per distinct value (the values are hashable and few)."""
    known = {v: f(v) for v in set(values)}
    return list(map(known.__getitem__, values))


def _text(values: list) -> list:
    """str() of each value, None kept (the list itself when it holds only texts and None)."""
    if all(type(v) is str or v is None for v in values):
        return values
    return [None if v is None else str(v) for v in values]


class _Bills:
    """Per row of 应收账单, what a bill's facts are made of (None where it has no 金额 or no 账期 — not a
    bill the figures count): unit, 过户 day of the seller it stays with (`former_owner`; None: the present
    owner's), 金额, 已收 (blank: 0), whether it is waived (状态 减免: the arrears leave it out); for every
    row, its 账期 and due day (应缴日期, or the 缴费期限 rule when blank)."""

    def __init__(self, wb: Workbook, cols: dict[str, list] | None = None) -> None:
        self.wb = wb
        if cols is None:
            cols = wb.columns(schema.BILLS, BILL_KEYS) if wb.has(schema.BILLS) else {k: [] for k in BILL_KEYS}
        self.cols = cols
        amounts, periods = cols["amount"], cols["period"]
        self.counted = [a is not None and p is not None for a, p in zip(amounts, periods)]
        self.all_counted = all(self.counted)
        due_of = bill_due(wb)
        self.period = _text(periods)
        self.due = _mapped(lambda pd: due_of(*pd), list(zip(periods, cols["due_date"])))
        units = _text(cols["unit_id"])
        self.unit = units if self.all_counted else [u if c else None for u, c in zip(units, self.counted)]
        self.amount = amounts if self.all_counted else [a if c else None for a, c in zip(amounts, self.counted)]
        self.paid = [(p or ZERO) if c else None for p, c in zip(cols["paid"], self.counted)]
        waived = list(map(operator.eq, cols["status"], repeat(stats.WAIVED)))
        self.waived_bill = waived if self.all_counted else [w if c else None for w, c in zip(waived, self.counted)]
        self._index: dict | None = None  # 账单号 → row, made for the first piece of payment parts
        self._last: tuple[object, int] = (None, 0)  # the last part of the piece before: its 收据号 and number
        self._building = building_lookup(wb)
        sold = transfers(wb)
        self.former = [None] * len(units)
        for i in (i for i, u in enumerate(units) if u in sold) if sold else ():
            if self.counted[i] and (moved := former_owner(sold[units[i]], self.period[i])):  # type: ignore[index]
                self.former[i] = moved[0]
        for k in ("unit_id", "period", "paid", "status", "due_date"):  # made into the lists above (L: 1.6
            cols[k] = []  # million rows each, ~13 MB a list): only 账单号 and 收费项目 are read again

    def facts(self, rows: slice) -> Columns:
        """bill_facts of these rows of the register (a piece: the rows' 11 columns are made a piece at a
        time): every bill with a 金额 and a 账期 — 账单号, unit, building (as the reports file it), 账期,
        收费项目, 金额, 已收, 减免 (what a waived bill was not paid), due day, waived, 过户 day."""
        cols, counted = self.cols, self.counted[rows]

        def kept(col: list) -> list:
            return col[rows] if self.all_counted else list(compress(col[rows], counted))

        building_of = self._building
        units = kept(self.unit)
        amounts, paids, waived_bill = kept(self.amount), kept(self.paid), kept(self.waived_bill)
        waived = [max(a - p, ZERO) if w else ZERO for a, p, w in zip(amounts, paids, waived_bill)]
        return [_text(kept(cols["bill_id"])), units, _mapped(lambda u: building_of(u) if u else "", units),
                kept(self.period), [str(i or "") for i in kept(cols["item"])], amounts, paids, waived,
                kept(self.due), waived_bill, kept(self.former)]

    def parts(self, parts: list[stats.Part]) -> Columns:  # a piece of them, in order: called piece after piece
        """payment_parts: the 分配 of every payment split as the statistics split it (`ops.stats.payment_parts`),
        each part numbered within its payment (收据号 + part_no is the key), with what the group's SQL reads
        of the bill it names (as `ops.stats.Ledger` finds a target: the last bill of that 账单号) — its 账期
        and due day (None for 预存, a blank 分配 or no such bill), and (migration 3) its unit, 过户 day, 金额,
        已收 now and whether it is waived (None unless the bill is one of bill_facts) — so that the SQL finds
        the payments into some bills by the parts alone and never looks a bill up per part."""
        n = len(parts)
        if not n:
            return [[] for _ in tables.PAYMENT_PARTS.columns]
        receipt, unit, paid_on, voided, void_day, method, target, amount, payment = map(list, zip(*parts))
        part_no = [k for _, same in groupby(receipt) for k, _ in enumerate(same, 1)]
        if self._last[0] == receipt[0]:  # a payment whose parts began in the piece before: numbered on
            first = next((i for i, k in enumerate(part_no) if k == 1 and i), n)
            part_no[:first] = range(self._last[1] + 1, self._last[1] + 1 + first)
        self._last = (receipt[-1], part_no[-1])
        if self._index is None:
            self._index = dict(zip(self.cols["bill_id"], count()))
        at = list(map(self._index.get, target))

        def of(col: list) -> list:
            return [None if i is None else col[i] for i in at]

        return [receipt, part_no, unit, paid_on, voided, void_day, method, target, amount, payment,
                of(self.period), of(self.due), of(self.unit), of(self.former), of(self.amount), of(self.paid),
                of(self.waived_bill)]


_B = f"{tables.SCHEMA}.{tables.BILL_FACTS.name}"
# a bill's 应收 after 减免 and whether it is owed now, as `stats monthly` counts a household paid up
_PER_UNIT = f"""select estate, period, coalesce(unit_id, '') as unit, sum(amount - waived) as billed,
       sum(waived) as waived, sum(paid) as paid, count(*) filter (where amount - waived > 0) as n_billed,
       count(*) filter (where amount - waived > 0 and paid < amount - waived) as n_owing
  from {_B} where estate = %(estate)s {{only}} group by estate, period, coalesce(unit_id, '')"""

# The sums tables (tables.SUMS): per table, the derived table it sums and the SQL that makes an estate's rows
# from it (in the table's column order), run by publish once that table holds the new rows, in the same
# transaction (on the loader's thread: the server sums while the next derived table is read). Each sums
# whole 账期 (PERIOD_OF: the derived table's column, which the sums table has too): `{only}` in the SQL is
# where publish narrows it to the 账期 whose rows the publish changed — a nightly publish sums again the
# months its day's payments touched, not every month of the estate.
PERIOD_OF = {tables.BILL_FACTS.name: "period", tables.PAYMENT_PARTS.name: "target_period"}
_P = f"{tables.SCHEMA}.{tables.PAYMENT_PARTS.name}"
SUMS: dict[str, tuple[str, str]] = {
    tables.PERIOD_SUMS.name: (tables.BILL_FACTS.name, f"""select estate, period, sum(billed), sum(waived), sum(paid),
       count(*) filter (where n_billed > 0), count(*) filter (where n_billed > 0 and n_owing = 0)
  from ({_PER_UNIT}) u group by estate, period"""),
    tables.UNIT_PERIODS.name: (tables.BILL_FACTS.name,
                               f"select estate, period, unit, n_owing from ({_PER_UNIT}) u where n_owing > 0"),
    tables.OPEN_DUES.name: (tables.BILL_FACTS.name, f"""select estate, period, due, coalesce(unit_id, ''), former_on, sum(amount - paid), count(*)
  from {_B} where estate = %(estate)s {{only}} and amount > paid and not waived_bill and due is not null
 group by estate, period, due, coalesce(unit_id, ''), former_on"""),
    tables.PART_DAYS.name: (tables.PAYMENT_PARTS.name, f"""select estate, target_period, target = '{PREPAID}', target_amount is not null and target_paid <> 0,
       paid_on, sum(amount)
  from {_P} where estate = %(estate)s {{only}} and not voided
 group by estate, target_period, target = '{PREPAID}', target_amount is not null and target_paid <> 0, paid_on"""),
}
