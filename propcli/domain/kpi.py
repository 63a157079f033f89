"""The fee figures of a month (收费率, 户收费率, 清缴率, 预收), each defined once here. Pure rules over lines
the caller has read: no workbook, no printing, no clock (every figure is "as of" a day the caller gives).

Definitions, for a 账期 P judged as of a day D (D ≥ P's first day):

- 应收 billed: Σ 金额 of P's bills, less what 减免 forgave (a waived bill counts for what was paid on it,
  金额 − 减免 = its 已收): `bills summary`'s 金额 − (金额 − 已收 of 减免 bills), i.e. its 已收 + 欠费.
- 实收 collected: what was paid into P's bills by D — a payment counts from its 收款日期 until the day it
  was voided (作废); the prepaid balance a bill consumed counts as paid by the payment that held it.
- 收费率 = 实收 / 应收.
- 户收费率 = 已交清户数 / 应收户数: households (房号) with something billed in P, and among them those
  owing nothing on P's bills on D.
- 清缴率 = 欠费追回 / 期初欠费: 期初欠费 is what was owed at the close of the day before P began on bills
  then overdue (应缴日期 before P's first day); 欠费追回 is what payments put into those same bills from P's
  first day to min(P's last day, D). It cannot exceed 100%; with nothing owed it is None ("—"), not 0.
- 预收 prepaid_received: what payments received in P (by D) put into 预存 or into bills of later periods;
  预存 prepaid_balance: the same, for all payments received by min(P's last day, D) — money held on P's
  last day for periods after P. Both are reported apart: no rate includes them.

Worked example (tests/test_stats.py holds the same): P = 2026-10, D = 2026-11-20. Unit A: 物业费 200.00,
paid 200.00 on 10-20 → paid. Unit B: 物业费 300.00, paid 100.00 → part paid. Unit C: 物业费 100.00,
waived (减免) with 40.00 paid → billed 40.00, paid. 应收 = 200 + 300 + 40 = 540.00, 实收 = 200 + 100 + 40
= 340.00, 收费率 = 340/540 = 0.6296; 应收户数 3, 已交清 2 (A, C) → 户收费率 0.6667. B also owed 150.00
of 2026-08 on 10-01 and paid 60.00 of it on 10-15: 清缴率 = 60/150 = 0.4000.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from .arrears import add_months
from .billing import first_day, last_day

ZERO = Decimal("0.00")
PLACES = Decimal("0.0001")


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """A rate to four places (half up); None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(PLACES, ROUND_HALF_UP)


def in_effect(paid_on: dt.date | None, voided: bool, void_day: dt.date | None, day: dt.date) -> bool:
    """Whether a payment counted on `day`: received by then and not voided by then (a voided receipt whose
    作废 cell names no readable day never counts, as in the arrears report)."""
    if paid_on is None or paid_on > day:
        return False
    return not voided or (void_day is not None and void_day > day)


def shift_period(period: str, months: int) -> str:
    """`2026-10` moved by `months` (−1: `2026-09`, −12: `2025-10`)."""
    y, m = divmod(int(period[:4]) * 12 + int(period[5:7]) - 1 + months, 12)
    return f"{y:04d}-{m + 1:02d}"


def shifted_day(day: dt.date, months: int) -> dt.date:
    """The as-of day of an earlier month measured at the same distance from its end: a comparison (环比,
    同比, the trend) judges each month after as many days of collecting as the month reported."""
    return add_months(day, months)


def period_window(period: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """P's first day and the last day its in-period figures run to: min(P's last day, as-of)."""
    return first_day(period), min(last_day(period), as_of)


class BillLine(NamedTuple):
    """One bill of the period: its 金额, what 减免 forgave on it, and what was paid into it by the day
    (a tuple: a month of a big estate makes tens of thousands of them)."""

    bill_id: str
    unit: str
    item: str
    amount: Decimal
    waived: Decimal
    paid: Decimal

    @property
    def billed(self) -> Decimal:
        return self.amount - self.waived

    @property
    def owing(self) -> Decimal:
        return self.billed - self.paid


class OldDebt(NamedTuple):
    """A bill already overdue when the period began: owed then, and owed when the period's window closed."""

    bill_id: str
    unit: str
    period: str
    item: str
    at_start: Decimal
    at_end: Decimal

    @property
    def recovered(self) -> Decimal:
        return min(self.at_start, max(self.at_start - self.at_end, ZERO))


@dataclass(frozen=True)
class FeeFigures:
    billed: Decimal
    waived: Decimal
    collected: Decimal
    households_billed: int
    households_paid: int
    arrears_at_start: Decimal
    arrears_recovered: Decimal
    prepaid_received: Decimal | None = None
    prepaid_balance: Decimal | None = None

    @property
    def collection_rate(self) -> Decimal | None:
        return ratio(self.collected, self.billed)

    @property
    def household_rate(self) -> Decimal | None:
        return ratio(self.households_paid, self.households_billed)

    @property
    def recovery_rate(self) -> Decimal | None:
        return ratio(self.arrears_recovered, self.arrears_at_start)

    @property
    def owing(self) -> Decimal:
        return self.billed - self.collected


def _households(units: Iterable[str], billed: Iterable[Decimal], paid: Iterable[Decimal]) -> tuple[dict[str, None], set[str]]:
    """户收费率's rule, once: the households with something to pay in the period (first-seen order) and,
    among them, those still owing on one of those bills."""
    who: dict[str, None] = {}
    owing: set[str] = set()
    for unit, b, p in zip(units, billed, paid):
        if b > 0:
            who[unit] = None
            if p < b:
                owing.add(unit)
    return who, owing


def households(lines: Iterable[BillLine]) -> tuple[list[str], list[str]]:
    """The households billed (something to pay in the period) and those owing nothing on the period's
    bills, each in first-seen order."""
    lines = list(lines)
    who, owing = _households((x.unit for x in lines), (x.billed for x in lines), (x.paid for x in lines))
    return list(who), [u for u in who if u not in owing]


def fee_figures(lines: Iterable[BillLine], old: Iterable[OldDebt], *, prepaid_received: Decimal | None = None,
                prepaid_balance: Decimal | None = None) -> FeeFigures:
    """The figures of one month (or of a building's or an item's part of it): sums of the bills' own
    rounded amounts, so they reconcile to the cent."""
    lines = list(lines)
    return column_figures([x.unit for x in lines], [x.billed for x in lines], [x.waived for x in lines],
                          [x.paid for x in lines], old, prepaid_received=prepaid_received,
                          prepaid_balance=prepaid_balance)


def column_figures(units: Sequence[str], billed: Sequence[Decimal], waived: Sequence[Decimal],
                   paid: Sequence[Decimal], old: Iterable[OldDebt], *, prepaid_received: Decimal | None = None,
                   prepaid_balance: Decimal | None = None) -> FeeFigures:
    """`fee_figures` over the bills' columns, aligned (billed = 金额 − 减免): the trend and the year to date
    of a big estate pass a quarter of a million bills, and need no BillLine built for each."""
    old = list(old)
    who, owing = _households(units, billed, paid)
    return FeeFigures(
        sum(billed, ZERO), sum(waived, ZERO), sum(paid, ZERO), len(who), len(who) - len(owing),
        sum((x.at_start for x in old), ZERO), sum((x.recovered for x in old), ZERO),
        prepaid_received, prepaid_balance)


def total(parts: Iterable[FeeFigures], old: Iterable[OldDebt] = ()) -> FeeFigures:
    """Figures over several months (the year to date): sums, households counted once a month (户次); the
    arrears are those overdue when the first month began (`old`, judged over the whole span)."""
    parts, old = list(parts), list(old)

    def add(name: str) -> Decimal:
        return sum((getattr(p, name) for p in parts), ZERO)

    return FeeFigures(add("billed"), add("waived"), add("collected"), sum(p.households_billed for p in parts),
                      sum(p.households_paid for p in parts), sum((x.at_start for x in old), ZERO),
                      sum((x.recovered for x in old), ZERO))


# -- 收费率目标 -------------------------------------------------------------------------------------

DEFAULT_TARGET = Decimal("0.95")


class TargetError(ValueError):
    """小区信息's 收费率目标 is not a percentage between 0 and 100%."""


def parse_target(text: str | None) -> Decimal:
    """小区信息 › 收费率目标: `95%`, `95` or `0.95` (full-width digits too); blank → 95%."""
    import unicodedata

    s = unicodedata.normalize("NFKC", str(text or "")).strip().replace(" ", "")
    if not s:
        return DEFAULT_TARGET
    percent = s.endswith("%")
    try:
        value = Decimal(s.rstrip("%"))
    except ArithmeticError:
        raise TargetError(s) from None
    if not value.is_finite():
        raise TargetError(s)
    if percent or value > 1:
        value = value / 100
    if not 0 < value <= 1:
        raise TargetError(s)
    return value.quantize(PLACES, ROUND_HALF_UP)
