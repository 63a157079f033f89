"""The derived tables publish fills: what the workbook commands compute from the registers (the building
of a bill, its due day and 减免, the split of every payment's 分配), computed by the same code, so that the
group's SQL never re-parses a cell or re-states a rule.

Each is made a piece of its register at a time, as publish reads it: bill_facts from each piece of
应收账单 (`BillFacts.piece`), payment_parts from each piece of 收款记录 (`Parts.piece`), so that neither
register, nor anything per bill, is held whole (an L estate: 1.6 million bills, 1.9 million parts). A rule
is asked once per distinct value it depends on in a piece (the due day per 账期 and 应缴日期, the building
per unit), not once per bill. What a part carries of the bill it names is filled by the server from the
estate's bill_facts (`FILL_PARTS`), not looked up here.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress, count, groupby, repeat
from typing import Any

from ..domain.allocation import PREPAID
from ..ops import stats
from ..ops.ledger import bill_due
from ..ops.units import building_lookup, former_owner, transfers
from ..store import schema
from ..store.workbook import Workbook
from . import tables

ZERO = stats.ZERO

# the registers the facts read, in the order publish copies them: a bill's facts ask its unit's owner and 过户
SOURCES = (schema.OWNERS, schema.TRANSFERS, schema.BILLS, schema.PAYMENTS)
BILL_KEYS = ("bill_id", "unit_id", "period", "item", "amount", "paid", "status", "due_date")
Columns = list[list]


def _mapped(f: Callable[[Any], object], values: list) -> list:
    """f of each value, f asked once per distinct value (the values are hashable and few)."""
    known = {v: f(v) for v in set(values)}
    return list(map(known.__getitem__, values))


_TEXTS = {str, type(None)}


def _text(values: list) -> list:
    """str() of each value, None kept (the list itself when it holds only texts and None)."""
    if set(map(type, values)) <= _TEXTS:  # asked in C: a column of 240,000 texts is the usual case
        return values
    return [None if v is None else str(v) for v in values]


class BillFacts:
    """bill_facts, a piece of 应收账单 at a time: every bill with a 金额 and a 账期 — 账单号, unit,
    building (as the reports file it), 账期, 收费项目, 金额, 已收 (blank: 0), 减免 (what a waived bill was
    not paid), due day (应缴日期, or the 缴费期限 rule when blank), whether its 状态 is 减免 (the arrears
    leave it out) and the 过户 day of the seller it stays with (`former_owner`; None: the present
    owner's). Kept of the rows that are not such bills (no 金额 or no 账期, rare): their 账期 and due day,
    which a part naming one carries (`unbilled`)."""

    def __init__(self, wb: Workbook) -> None:
        self.due_of = bill_due(wb)
        self.building_of = building_lookup(wb)
        self.sold = transfers(wb)
        self.unbilled: dict[object, tuple[str | None, dt.date | None]] = {}

    def piece(self, cols: dict[str, list]) -> Columns:
        """The bill_facts columns (in the table's order after `estate`) of a piece of the register's rows
        (`cols`: its BILL_KEYS columns)."""
        amounts, periods = cols["amount"], cols["period"]
        counted = [a is not None and p is not None for a, p in zip(amounts, periods)]
        period = _text(periods)
        due = _mapped(lambda pd: self.due_of(*pd), list(zip(periods, cols["due_date"])))
        units = _text(cols["unit_id"])
        former: list[dt.date | None] = [None] * len(units)
        sold = self.sold
        for i in (i for i, u in enumerate(units) if u in sold) if sold else ():
            if counted[i] and (moved := former_owner(sold[units[i]], period[i])):  # type: ignore[index]
                former[i] = moved[0]
        if all(counted):
            def kept(col: list) -> list:
                return col
        else:
            for i in compress(count(), map(operator.not_, counted)):
                if period[i] is not None or due[i] is not None:
                    self.unbilled[cols["bill_id"][i]] = (period[i], due[i])

            def kept(col: list) -> list:
                return list(compress(col, counted))
        amounts, units = kept(amounts), kept(units)
        paids = [p or ZERO for p in kept(cols["paid"])]
        waived_bill = list(map(operator.eq, kept(cols["status"]), repeat(stats.WAIVED)))
        waived = [max(a - p, ZERO) if w else ZERO for a, p, w in zip(amounts, paids, waived_bill)]
        building_of = self.building_of
        return [_text(kept(cols["bill_id"])), units, _mapped(lambda u: building_of(u) if u else "", units),
                kept(period), [str(i or "") for i in kept(cols["item"])], amounts, paids, waived, kept(due),
                waived_bill, kept(former)]


class Parts:
    """payment_parts, a piece of 收款记录 at a time: the 分配 of every payment split as the statistics split
    it (`ops.stats.part_columns`), each part numbered within its payment (收据号 + part_no is the key). What
    the group's SQL reads of the bill a part names — its 账期 and due day (None for 预存, a blank 分配 or
    no such bill), and (migration 3) its unit, 过户 day, 金额, 已收 now and whether it is waived (None
    unless the bill is one of bill_facts) — is filled by the server from the estate's bill_facts
    (`FILL_PARTS`, as `ops.stats.Ledger` finds a target: the bill of that 账单号), but for the 账期 and due
    day of a bill that is not one of them (`BillFacts.unbilled`)."""

    def __init__(self, wb: Workbook, bills: BillFacts) -> None:
        self.wb = wb
        self.unbilled = bills.unbilled  # the same dict: filled as bill_facts is made

    def piece(self, cols: dict[str, list]) -> Columns:
        """The payment_parts columns (in the table's order after `estate`) of a piece of the register's
        rows (`cols`: its STATS_PAYMENT_KEYS columns); a payment's parts are its row's, never cut."""
        receipt, unit, paid_on, voided, void_day, method, target, amount, payment = stats.part_columns(self.wb, cols)
        part_no = [k for _, same in groupby(receipt) for k, _ in enumerate(same, 1)]
        none = [None] * len(receipt)
        if self.unbilled:
            known = list(map(self.unbilled.get, target))
            period = [k and k[0] for k in known]
            due = [k and k[1] for k in known]
        else:
            period = due = none
        return [receipt, part_no, unit, paid_on, voided, void_day, method, target, amount, payment,
                period, due, none, none, none, none, none]


_P = f"{tables.SCHEMA}.{tables.PAYMENT_PARTS.name}"
_B = f"{tables.SCHEMA}.{tables.BILL_FACTS.name}"


@dataclass(frozen=True)
class Fill:
    """Columns of a derived table the server sets from `source`, a table loaded before it: on the rows
    COPYed, from the source's row whose `key` is the row's `on` (`sql`: `{rows}` their table, before they
    are merged into the estate's; `%(estate)s`), and again on the estate's rows a publish did not send that
    name a source row the publish changed (`loader.Loader`) — not reconciled with the workbook (`source`
    was). `columns`: (column set, source column) pairs."""

    source: str
    key: str
    on: str
    columns: tuple[tuple[str, str], ...]

    @property
    def filled(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    @property
    def sql(self) -> str:
        sets = ", ".join(f'"{c}" = b."{s}"' for c, s in self.columns)
        return (f'update {{rows}} p set {sets} from {tables.SCHEMA}.{self.source} b '
                f'where b.estate = %(estate)s and b."{self.key}" = p."{self.on}"')


# What a part carries of the bill it names, from the estate's bill_facts (the bill of that 账单号).
FILL_PARTS = Fill(tables.BILL_FACTS.name, "bill_id", "target", (
    ("target_period", "period"), ("target_due", "due"), ("target_unit", "unit_id"), ("target_former_on", "former_on"),
    ("target_amount", "amount"), ("target_paid", "paid"), ("target_waived_bill", "waived_bill")))

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
