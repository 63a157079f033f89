"""The month's statistics read from the registers: the fee figures of `domain.kpi` for a 账期 and the months
it is compared with, by building, by fee item and by payment method; the arrears at the month's end (the
arrears report's own computation, so they agree to the cent); the service figures of `reports.figures`.

What each computation reads (one column read per register, the union of what the arrears report reads
too, so that it finds them in memory):
- 应收账单: STATS_BILL_KEYS — 账单号 (payments name bills by it), 房号, 账期, 收费项目, 金额, 已收, 状态,
  应缴日期 — for 应收, 实收, 户收费率, 清缴率 and the 预存 held in later bills;
- 收款记录: STATS_PAYMENT_KEYS — 收据号, 房号, 收款日期, 金额, 方式, 分配, 作废 — for 实收 as of a past day
  (payments after it are taken back), 预收, 预存 and the payment methods;
- 业主档案: 房号 and 楼栋 (the building of each bill), then the whole register (the debtors' names);
- 小区信息 (收费率目标, 缴费期限), 催缴记录 and 过户记录 (through the arrears report), 报修工单, 投诉记录 and
  时限规则 (through the service figures).

A month is judged as of a day: what was paid by then counts, what came later does not, what was voided
by then does not — so the report for a past as-of day comes out the same whenever it is run.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, count, repeat
from typing import NamedTuple

from ..domain import kpi
from ..domain.allocation import PREPAID, allocation_pairs
from ..domain.billing import first_day, last_day
from ..domain.people import building_name, unit_sort_key
from ..errors import DataError, Location
from ..reports import figures as service_figures
from ..store import schema
from ..store.workbook import ROW_NUMBER, Workbook
from . import arrears, service
from .bills import NONE
from .ledger import bill_due, setting_location
from .payments import allocations_at
from .units import building_lookup

ZERO = kpi.ZERO
STATS_BILL_KEYS = tuple(dict.fromkeys(("bill_id", "unit_id", "period", "item", "amount", "paid", "status",
                                       "due_date", *arrears.BILL_KEYS)))
STATS_PAYMENT_KEYS = tuple(dict.fromkeys(("receipt_no", "unit_id", "paid_on", "amount", "method", "allocations",
                                          "voided", *arrears.PAYMENT_KEYS)))
TREND_MONTHS = 12
TOP_DEBTORS = 20
WAIVED = "减免"


class Part(NamedTuple):
    """One part of a payment's 分配, with what the day rules need of its payment (a tuple: a year of
    payments of a big estate has 150,000 parts)."""

    receipt: str
    unit: str
    paid_on: dt.date | None
    voided: bool
    void_day: dt.date | None
    method: str
    target: str  # a 账单号, 预存, or '' for a payment whose 分配 is blank
    amount: Decimal
    payment: Decimal  # the payment's own 金额

    def on(self, day: dt.date) -> bool:
        return kpi.in_effect(self.paid_on, self.voided, self.void_day, day)


@dataclass(frozen=True)
class Receipt:
    """A payment received in the month, split by what its 分配 paid: the month's bills, older bills
    (arrears), 预收 (预存 or later bills), and what names no bill known (other)."""

    receipt: str
    unit: str
    paid_on: dt.date
    method: str
    amount: Decimal
    current: Decimal
    arrears: Decimal
    advance: Decimal

    @property
    def other(self) -> Decimal:
        return self.amount - self.current - self.arrears - self.advance


class Bills(NamedTuple):
    """A period's bills in scope as they stand now, column by column (billed = 金额 − 减免), and `late`:
    (the last day a payment changed one, its position), latest first — on an earlier day only those
    are paid otherwise than their 已收 says."""

    rows: list[int]
    units: list[str]
    amounts: list[Decimal]
    waived: list[Decimal]
    billed: list[Decimal]
    paid: list[Decimal]
    late: list[tuple[dt.date, int]]


@dataclass
class Month:
    period: str
    as_of: dt.date
    lines: list[kpi.BillLine]  # the bills, for the month reported only
    old: list[kpi.OldDebt]
    figures: kpi.FeeFigures
    prepaid: tuple[dict[str, Decimal], dict[str, Decimal]] = field(default_factory=lambda: ({}, {}))  # per unit: 预收, 预存


@dataclass
class Stats:
    period: str
    as_of: dt.date
    building: str | None
    target: Decimal
    month: Month
    previous: Month
    year_ago: Month
    ytd: kpi.FeeFigures
    trend: list[Month]
    by_building: list[tuple[str, kpi.FeeFigures]]
    by_item: list[tuple[str, kpi.FeeFigures]]
    receipts: list[Receipt]
    paid_into: list[Part]  # the parts of payments into the month's bills, by the as-of day
    debts: arrears.Report  # at the end of the month's window
    service: service_figures.ServiceFigures
    recurring: list[tuple[str, int, int, int, int]]  # category, in P, in P−1, in 12 months, units repeating
    building_of: Callable[[str], str] = field(repr=False, default=lambda u: "")
    buildings: list[str] = field(default_factory=list)  # the 楼栋 billed in the period, whatever --building

    @property
    def empty(self) -> bool:
        return not self.month.lines


# -- reading -----------------------------------------------------------------------------------------


def target(wb: Workbook) -> Decimal:
    """小区信息 › 收费率目标 (default 95%); a value that is not a percentage stops the command, named."""
    text = wb.settings().get("collection_target")
    try:
        return kpi.parse_target(text)
    except kpi.TargetError:
        raise DataError("stats.target", setting_location(wb, "collection_target"), value=repr(text)) from None


def payment_parts(wb: Workbook, since: dt.date | None = None) -> list[Part]:
    """The 分配 of the payments split into parts (a payment with a blank 分配 is one part with target '');
    with `since`, only those received after it, voided, or still holding 预存. Payments without a readable
    收款日期 have no part. The group database's payment_parts are these, for every payment."""
    if not wb.has(schema.PAYMENTS):
        return []
    return list(map(Part._make, zip(*part_columns(wb, wb.columns(schema.PAYMENTS, STATS_PAYMENT_KEYS), since))))


def part_columns(wb: Workbook, cols: dict[str, list], since: dt.date | None = None) -> list[list]:
    """The parts of the payments in these columns of 收款记录 (STATS_PAYMENT_KEYS: the whole register's, or a
    piece of its rows — publish makes an L estate's 1.9 million parts a piece of payments at a time), as
    columns: one list per field of Part, a payment's parts in a row (no Part made: publish copies them)."""
    out: list[list] = [[] for _ in Part._fields]
    receipts, units, days, voids, void_days, methods, targets, amounts, payments = out
    for receipt, unit, paid_on, amount, method, allocs, voided, number in zip(*(cols[k] for k in (
            "receipt_no", "unit_id", "paid_on", "amount", "method", "allocations", "voided", ROW_NUMBER))):
        if not isinstance(paid_on, dt.date) or (
                since is not None and paid_on <= since and not voided and PREPAID not in str(allocs or "")):
            continue
        if not allocs:
            pairs: Sequence[tuple[str, Decimal]] = _UNSPLIT
        else:
            where = lambda n=number: Location(wb.name, wb.sheet_name(schema.PAYMENTS) or schema.PAYMENTS.zh,  # noqa: E731
                                              n, schema.PAYMENTS.column("allocations").zh)
            pairs = allocations_at(allocs, where, allocation_pairs)
        n = len(pairs)
        receipts.extend(repeat(str(receipt or ""), n))
        units.extend(repeat(str(unit or ""), n))
        days.extend(repeat(paid_on, n))
        voids.extend(repeat(bool(voided), n))
        void_days.extend(repeat(arrears.void_day(voided) if voided else None, n))
        methods.extend(repeat(str(method or ""), n))
        targets.extend(map(_first, pairs))
        amounts.extend(map(_second, pairs))
        payments.extend(repeat(amount or ZERO, n))
    return out


_UNSPLIT = (("", ZERO),)  # a payment whose 分配 is blank: one part, naming nothing
_first, _second = operator.itemgetter(0), operator.itemgetter(1)


class Ledger:
    """The bills and the recent payments, column by column, and the day rules over them."""

    def __init__(self, wb: Workbook, since: dt.date, in_scope: Callable[[str], bool]) -> None:
        self.wb = wb
        cols = wb.columns(schema.BILLS, STATS_BILL_KEYS) if wb.has(schema.BILLS) else {k: [] for k in STATS_BILL_KEYS}
        self.cols = cols
        self.in_scope = in_scope
        by_period: dict[str, list[int]] = {}
        for i, p in enumerate(cols["period"]):
            if p is not None:
                by_period.setdefault(p, []).append(i)
        # a period's bills are usually one block of rows (a billing run appends them): a range, not L's
        # 1.6 million numbers as objects
        self.by_period: dict[str, Sequence[int]] = {
            p: range(rows[0], rows[-1] + 1) if rows[-1] - rows[0] + 1 == len(rows) else rows
            for p, rows in by_period.items()}
        del by_period
        self._due = bill_due(wb)
        self._bills: dict[str, Bills] = {}
        self._unpaid: set[int] | None = None  # bills whose 已收 is not their 金额 now
        self.parts = self._parts(since)
        # 账单号 → row, for the bills the parts name (L: 1.6 million bills, the parts name half of them)
        named = {part.target for part in self.parts}
        self.index = {b: i for i, b in enumerate(cols["bill_id"]) if b in named}
        del named
        # per bill (by row): the parts paid into it, and the last day on which one of them changed what
        # the bill had been paid (after it, 已收 is the answer)
        self.by_index: dict[int, list[Part]] = {}
        self.changed: dict[int, dt.date] = {}
        index, by_index, changed = self.index, self.by_index, self.changed
        for part in self.parts:
            i = index.get(part.target)
            if i is None:
                continue
            last = (part.void_day or part.paid_on) if part.voided else part.paid_on
            if i in by_index:
                by_index[i].append(part)
                if last > changed[i]:
                    changed[i] = last
            else:
                by_index[i] = [part]
                changed[i] = last

    def _parts(self, since: dt.date) -> list[Part]:
        """The 分配 parts of payments received after `since`, voided, or still holding 预存: the only ones
        a day after `since` can see differently from the bills' 已收 (older ones are in it for good)."""
        return payment_parts(self.wb, since)

    # -- one bill on a day --------------------------------------------------------------------------

    def paid_on_day(self, i: int, day: dt.date) -> Decimal:
        """What was paid into bill `i` by the end of `day`: 已收 now, less payments after that day, plus
        payments voided since."""
        paid = self.cols["paid"][i] or ZERO
        for _, _, received, voided, void_day, _, _, amount, _ in self.by_index.get(i, ()):  # kpi.in_effect, now and then
            if not voided:
                if received > day:
                    paid -= amount
            elif void_day is not None and received <= day < void_day:
                paid += amount
        return paid

    def due(self, i: int) -> dt.date | None:
        return self._due(self.cols["period"][i], self.cols["due_date"][i])

    def unit(self, i: int) -> str:
        return str(self.cols["unit_id"][i] or "")

    # -- a month -------------------------------------------------------------------------------------

    def bills(self, period: str) -> Bills:
        """The period's bills in scope as they stand now (read once, whatever day asks: a report judges
        a month on several days — the month, the trend, 环比, the year to date)."""
        got = self._bills.get(period)
        if got is not None:
            return got
        cols, changed, in_scope = self.cols, self.changed, self.in_scope
        all_units, all_amounts, all_paid, statuses = (cols[k] for k in ("unit_id", "amount", "paid", "status"))
        rows, units = [], []
        for i in self.by_period.get(period, ()):
            unit = str(all_units[i] or "")
            if all_amounts[i] is not None and in_scope(unit):
                rows.append(i)
                units.append(unit)
        amounts = [all_amounts[i] for i in rows]
        paid = [all_paid[i] or ZERO for i in rows]
        waived = [max(a - p, ZERO) if statuses[i] == WAIVED else ZERO for i, a, p in zip(rows, amounts, paid)]
        got = Bills(rows, units, amounts, waived, [a - w if w else a for a, w in zip(amounts, waived)], paid,
                    sorted(((changed[i], k) for k, i in enumerate(rows) if i in changed), reverse=True))
        self._bills[period] = got
        return got

    def paid(self, bills: Bills, day: dt.date) -> list[Decimal]:
        """What was paid into each of `bills` by the end of `day` (the bills' own list when no payment
        changed one after it: not to be changed by the caller)."""
        if not bills.late or bills.late[0][0] <= day:
            return bills.paid
        paid = list(bills.paid)
        for last, k in bills.late:
            if last <= day:
                break
            paid[k] = self.paid_on_day(bills.rows[k], day)
        return paid

    def lines(self, bills: Bills, paid: list[Decimal]) -> list[kpi.BillLine]:
        """The bills as the lines the drill-downs and the groups by 楼栋 and 收费项目 take."""
        ids, items = self.cols["bill_id"], self.cols["item"]
        return [kpi.BillLine(str(ids[i] or ""), unit, str(items[i] or ""), amount, waived, p)
                for i, unit, amount, waived, p in zip(bills.rows, bills.units, bills.amounts, bills.waived, paid)]

    def old_debts(self, start: dt.date, end: dt.date) -> list[kpi.OldDebt]:
        """The bills overdue on `start` (due before it) and owed at the close of the day before, with what
        they still owed at the close of `end`. Only bills of periods before `start`'s month can be (a bill
        is due after its period), and only those unpaid now or paid into since the day before."""
        cols = self.cols
        eve = start - dt.timedelta(days=1)
        month = f"{start:%Y-%m}"
        if self._unpaid is None:
            self._unpaid = set(compress(count(), map(operator.ne, cols["amount"], cols["paid"])))
        periods, amounts, statuses = cols["period"], cols["amount"], cols["status"]
        look = self._unpaid | {i for i, last in self.changed.items() if last > eve and (periods[i] or month) < month}
        ids, units, items, dues = (cols[k] for k in ("bill_id", "unit_id", "item", "due_date"))
        paid_on_day = self.paid_on_day
        out = []
        for i in sorted(look):
            amount, period = amounts[i], periods[i]
            if period is None or period >= month or amount is None or statuses[i] == WAIVED:
                continue
            unit = str(units[i] or "")
            if not self.in_scope(unit):
                continue
            due = dues[i] or self.due(i)
            if due is None or due >= start:
                continue
            at_start = amount - paid_on_day(i, eve)
            if at_start <= 0:
                continue
            out.append(kpi.OldDebt(str(ids[i] or ""), unit, str(period), str(items[i] or ""), at_start,
                                   max(amount - paid_on_day(i, end), ZERO)))
        return out

    def period_of(self, target: str) -> str | None:
        i = self.index.get(target)
        return None if i is None else self.cols["period"][i]

    def prepaid(self, period: str, start: dt.date, end: dt.date, day: dt.date) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        """Per unit in scope: 预收 (payments received from `start` to `end`, not voided by `day`, into 预存
        or bills after `period`) and the 预存 balance at the close of `end` (what the payments by then hold
        for periods after `period`: their 预存 parts, and what they paid into later bills)."""
        received: dict[str, Decimal] = {}
        balance: dict[str, Decimal] = {}
        for part in self.parts:
            if not self.in_scope(part.unit):
                continue
            if part.target == PREPAID and part.on(end):
                balance[part.unit] = balance.get(part.unit, ZERO) + part.amount
            if (start <= part.paid_on <= end and part.on(day)  # type: ignore[operator]
                    and self._advance(part.target, period)):
                received[part.unit] = received.get(part.unit, ZERO) + part.amount
        for later in (p for p in self.by_period if p > period):
            for i in self.by_period[later]:
                unit = self.unit(i)
                if self.cols["paid"][i] and self.in_scope(unit):
                    balance[unit] = balance.get(unit, ZERO) + self.paid_on_day(i, end)
        return received, balance

    def _advance(self, target: str, period: str) -> bool:
        if target == PREPAID:
            return True
        p = self.period_of(target)
        return p is not None and p > period

    def month(self, period: str, day: dt.date, *, old: bool = True, prepaid: bool = False, lines: bool = False) -> Month:
        """A month's figures as of `day`; without `old` its 清缴率 is left out (the trend needs none),
        with `prepaid` its 预收 and 预存 (kept per unit in `Month.prepaid`), with `lines` its bills."""
        start, end = kpi.period_window(period, day)
        bills = self.bills(period)
        paid = self.paid(bills, day)
        debts = self.old_debts(start, end) if old else []
        held = self.prepaid(period, start, end, day) if prepaid else ({}, {})
        sums = (sum(held[0].values(), ZERO), sum(held[1].values(), ZERO)) if prepaid else (None, None)
        figures = kpi.column_figures(bills.units, bills.billed, bills.waived, paid, debts, prepaid_received=sums[0],
                                     prepaid_balance=sums[1])
        return Month(period, day, self.lines(bills, paid) if lines else [], debts, figures, held)

    def paid_into(self, period: str, day: dt.date) -> list[Part]:
        """The 分配 parts of payments in effect on `day` that went into the period's bills (those of the last
        13 months, voided or holding 预存 when read: older ones are in the bills' 已收 without a part here)."""
        by_index = self.by_index
        return sorted((p for i in self.by_period.get(period, ()) for p in by_index.get(i, ())
                       if p.on(day) and self.in_scope(p.unit)), key=lambda p: (p.paid_on, p.receipt, p.target))

    def receipts(self, period: str, day: dt.date) -> list[Receipt]:
        """The payments received in the month (by `day`) and not voided by `day`, split by what they paid."""
        start, end = kpi.period_window(period, day)
        mine: dict[str, list[Part]] = {}
        for part in self.parts:
            if part.paid_on is not None and start <= part.paid_on <= end and self.in_scope(part.unit):
                mine.setdefault(part.receipt, []).append(part)
        out = []
        for receipt, parts in mine.items():
            first = parts[0]
            if not first.on(day):
                continue
            split = {"current": ZERO, "arrears": ZERO, "advance": ZERO}
            for p in parts:
                target_period = self.period_of(p.target)
                if self._advance(p.target, period):
                    split["advance"] += p.amount
                elif target_period == period:
                    split["current"] += p.amount
                elif target_period is not None:
                    split["arrears"] += p.amount
            out.append(Receipt(receipt, first.unit, first.paid_on, first.method, first.payment, **split))  # type: ignore[arg-type]
        out.sort(key=lambda r: (r.paid_on, r.receipt))
        return out


# -- the month's statistics ---------------------------------------------------------------------------


def check_as_of(period: str, as_of: dt.date) -> None:
    """A month is judged as of a day on or after its first (`group stats` asks the same)."""
    if as_of < first_day(period):
        raise DataError("stats.as_of_early", Location(column="--as-of"), value=as_of.isoformat(), period=period,
                        start=first_day(period).isoformat())


def monthly(wb: Workbook, period: str, as_of: dt.date, *, building: str | None = None) -> Stats:
    """Every figure of the month report (see the module's docstring for what is read)."""
    check_as_of(period, as_of)
    wb.prefetch(schema.OWNERS, schema.BILLS, schema.PAYMENTS, schema.REMINDERS, schema.TRANSFERS,
                schema.WORK_ORDERS, schema.COMPLAINTS)
    wb.columns_ahead(schema.BILLS, STATS_BILL_KEYS)
    goal = target(wb)
    building_of = building_lookup(wb)
    wanted = building_name(building) if building is not None else None
    in_scope = (lambda unit: True) if wanted is None else (lambda unit: building_of(unit) == wanted)
    year_ago = kpi.shift_period(period, -12)
    ledger = Ledger(wb, first_day(year_ago) - dt.timedelta(days=1), in_scope)
    month = ledger.month(period, as_of, prepaid=True, lines=True)
    prev = ledger.month(kpi.shift_period(period, -1), kpi.shifted_day(as_of, -1))
    ago = ledger.month(year_ago, kpi.shifted_day(as_of, -12))
    # the trend's last two months are 环比's and the month's (their 清缴率 is not shown there)
    trend = [ledger.month(kpi.shift_period(period, -k), kpi.shifted_day(as_of, -k), old=False)
             for k in range(TREND_MONTHS - 1, 1, -1)] + [prev, month]
    jan = f"{period[:4]}-01"
    ytd_months = [ledger.month(p, as_of, old=False) for p in _periods(jan, kpi.shift_period(period, -1))] + [month]
    ytd = kpi.total((m.figures for m in ytd_months), ledger.old_debts(first_day(jan), min(last_day(period), as_of)))
    end = kpi.period_window(period, as_of)[1]
    groups = _grouped(month, building_of)
    debts = arrears.report(wb, end, building=building)
    billed = sorted({building_of(ledger.unit(i)) or NONE for i in ledger.by_period.get(period, ())}, key=unit_sort_key)
    return Stats(period, as_of, wanted, goal, month, prev, ago, ytd, trend, *groups, ledger.receipts(period, as_of),
                 ledger.paid_into(period, as_of),
                 debts, *_service(wb, period, as_of, in_scope, building_of), building_of=building_of, buildings=billed)


def _periods(first: str, last: str) -> list[str]:
    out, p = [], first
    while p <= last:
        out.append(p)
        p = kpi.shift_period(p, 1)
    return out


def _grouped(month: Month, building_of: Callable[[str], str]) -> tuple[list[tuple[str, kpi.FeeFigures]],
                                                                   list[tuple[str, kpi.FeeFigures]]]:
    """The month's figures by 楼栋 (with its 预收 and 预存) and by 收费项目 (预存 belongs to no item)."""
    def building(unit: str) -> str:
        return building_of(unit) or NONE

    places: dict[str, tuple[list, list, list]] = {}
    items: dict[str, tuple[list, list]] = {}
    for x in month.lines:
        places.setdefault(building(x.unit), ([], [], []))[0].append(x)
        items.setdefault(x.item, ([], []))[0].append(x)
    for y in month.old:
        places.setdefault(building(y.unit), ([], [], []))[1].append(y)
        items.setdefault(y.item, ([], []))[1].append(y)
    for unit in {*month.prepaid[0], *month.prepaid[1]}:
        places.setdefault(building(unit), ([], [], []))[2].append(unit)
    received, balance = month.prepaid
    by_building = [(name, kpi.fee_figures(lines, old, prepaid_received=sum((received.get(u, ZERO) for u in units), ZERO),
                                          prepaid_balance=sum((balance.get(u, ZERO) for u in units), ZERO)))
                   for name, (lines, old, units) in sorted(places.items(), key=lambda kv: unit_sort_key(kv[0]))]
    by_item = [(item, kpi.fee_figures(*items[item])) for item in sorted(items, key=arrears.item_key)]
    return by_building, by_item


def _service(wb: Workbook, period: str, as_of: dt.date, in_scope: Callable[[str], bool],
             building_of: Callable[[str], str]) -> tuple[service_figures.ServiceFigures, list]:
    """The service figures of the month (reports.figures) for the units in scope, and the categories that
    recur: reports in P, in P−1, in the 12 months to P, and units that reported the same category more
    than once in those 12 months."""
    rules = service.rules(wb)
    orders = [c for c in service.cases(wb, service.ORDERS, rules)[0] if in_scope(c.unit)]
    complaints = [c for c in service.cases(wb, service.COMPLAINTS, rules)[0] if in_scope(c.unit)]
    fig = service_figures.figures(orders, complaints, period, as_of, building_of)
    first = kpi.shift_period(period, -(TREND_MONTHS - 1))
    prev = kpi.shift_period(period, -1)
    year: Counter[str] = Counter()
    last: Counter[str] = Counter()
    per_unit: Counter[tuple[str, str]] = Counter()
    for c in orders:
        opened = c.opened
        if not isinstance(opened, dt.datetime) or opened.date() > as_of:
            continue
        month = f"{opened:%Y-%m}"
        if first <= month <= period:
            year[c.subject] += 1
            per_unit[(c.subject, c.unit)] += 1
        if month == prev:
            last[c.subject] += 1
    repeat = Counter(subject for (subject, _), n in per_unit.items() if n > 1)
    cats = sorted(set(fig.by_category) | set(year), key=lambda s: (-fig.by_category.get(s, 0), -year[s], s))
    return fig, [(s, fig.by_category.get(s, 0), last[s], year[s], repeat[s]) for s in cats]
