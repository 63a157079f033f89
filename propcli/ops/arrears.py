"""Arrears as of a date, read from the registers: who owes what since when, how old, where each debtor
stands on the estate's dunning ladder, which debts are about to become time-barred — and the contact
log (催缴记录) that feeds the ladder.

What is owed on a bill as of a date is its 金额 − 已收, plus what payments received after that date put
into it, less what payments voided since had paid then (so a report for a past date shows the debts of
that day). Bills before a transfer (过户) stay with the old owner: they form a debtor of their own.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import compress, count, repeat

from ..domain import arrears as rules
from ..domain.allocation import PREPAID, allocation_pairs
from ..domain.dunning import Contact, Plan, Step, check_ladder, parse_step, plan
from ..domain.people import building_name, unit_sort_key
from ..errors import DataError, Location, located
from ..store import schema
from ..store.normalize import ValueProblem, to_date, to_identifier
from ..store.workbook import ROW_NUMBER, Workbook, current_operator
from .ledger import bill_due, days_setting, rounding, setting_location
from .bills import NONE
from .policy import PolicyRead, read_policy
from .policy import init_policy as init_sheet
from .units import building_lookup, former_owner, one_owner, transfers
from .payments import allocations_at

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# 账单号 is read only when a later payment or a part payment must be matched to its bill: on a big register
# its column of unique texts costs more than all the others together.
BILL_KEYS = ("unit_id", "period", "item", "amount", "paid", "status", "due_date", ROW_NUMBER)
PAYMENT_KEYS = ("unit_id", "paid_on", "allocations", "voided", ROW_NUMBER)


# -- the estate's policy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    ladder: tuple[Step, ...]
    from_workbook: bool  # False: the workbook has no 催缴规则 sheet (or an empty one); the default ladder
    late_fee: rules.LateFeePolicy | None
    gap_days: int
    warn_days: int


def ladder_read(wb: Workbook) -> PolicyRead[Step]:
    """催缴规则 as Steps in ladder order (the default ladder when the workbook has none, or an empty one),
    and every row that cannot be used."""
    read = read_policy(wb, schema.DUNNING, parse_step, schema.DUNNING_DEFAULTS, check_ladder)
    return replace(read, rules=tuple(sorted(read.rules, key=lambda s: s.order)))


def ladder(wb: Workbook) -> tuple[tuple[Step, ...], bool]:
    """The estate's ladder and whether it is the workbook's; a row that cannot be used stops the command."""
    read = ladder_read(wb).strict()
    return read.rules, read.from_workbook


def settings(wb: Workbook) -> tuple[rules.LateFeePolicy | None, int, int]:
    """小区信息's 滞纳金, 催缴间隔(天) and 时效预警(天); a value that cannot be read stops the command
    (the error's `typed` parameter holds it as written, for `check`)."""
    text = wb.settings().get("late_fee")
    try:
        fee = rules.parse_late_fee(text)
    except rules.LateFeeError as exc:
        raise located(exc, setting_location(wb, "late_fee"), value=text, typed=text) from None
    return fee, days_setting(wb, "dunning_gap"), days_setting(wb, "limitation_warning")


def policy(wb: Workbook) -> Policy:
    fee, gap, warn = settings(wb)
    steps, own = ladder(wb)
    return Policy(steps, own, fee, gap, warn)


def init_policy(wb: Workbook) -> int:
    """Stage the default ladder into 催缴规则 (the sheet is added when missing), for the estate to change.
    Refused when the sheet already holds steps."""
    return init_sheet(wb, schema.DUNNING, schema.DUNNING_DEFAULTS)


# -- debtors ---------------------------------------------------------------------------------------


@dataclass
class Debtor:
    """One line of the arrears report: a unit's debts of one owner (the current one, or a former owner
    for bills before a transfer)."""

    unit: str
    owner: str
    phone: str
    status: str | None  # 房屋状态 (None for a former owner: no longer living there)
    former: dt.date | None  # the transfer date when this is a former owner's debt
    debts: list[rules.Debt]
    contacts: list[Contact]  # the unit's contacts up to the date, oldest first
    plan: Plan = field(default_factory=Plan)
    building: str = ""  # 楼栋 (units.building_lookup)

    @property
    def total(self) -> Decimal:
        return sum((d.outstanding for d in self.debts), ZERO)

    @property
    def late_fee(self) -> Decimal:
        return sum((d.late_fee for d in self.debts), ZERO)

    @property
    def oldest(self) -> rules.Debt:
        return min(self.debts, key=lambda d: (d.due, d.period, d.bill_id))

    @property
    def months(self) -> int:
        return max(d.months for d in self.debts)

    @property
    def periods(self) -> int:
        return len({d.period for d in self.debts})

    def by_item(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for d in self.debts:
            out[d.item] = out.get(d.item, ZERO) + d.outstanding
        return out

    @property
    def last_contact(self) -> Contact | None:
        return self.contacts[-1] if self.contacts else None

    def expiring(self, as_of: dt.date, warn_days: int) -> list[rules.Debt]:
        """Debts whose limitation period ends within `warn_days` (and has not ended yet)."""
        until = as_of + dt.timedelta(days=warn_days)
        return [d for d in self.debts if d.expires is not None and as_of <= d.expires <= until]

    def expired(self, as_of: dt.date) -> list[rules.Debt]:
        return [d for d in self.debts if d.expires is not None and d.expires < as_of]


@dataclass
class Report:
    as_of: dt.date
    policy: Policy
    debtors: list[Debtor]
    items: list[str]  # the items owed, in the order a report shows them

    @property
    def total(self) -> Decimal:
        return sum((d.total for d in self.debtors), ZERO)

    @property
    def late_fee(self) -> Decimal:
        return sum((d.late_fee for d in self.debtors), ZERO)

    def warnings(self) -> list[Debtor]:
        return [d for d in self.debtors if d.expiring(self.as_of, self.policy.warn_days)]

    def by_building(self) -> list[tuple[str, int, Decimal, Decimal]]:
        """(楼栋, debtors, owed, late fees), in building order."""
        out: dict[str, list] = {}
        for d in self.debtors:
            g = out.setdefault(d.building or NONE, [0, ZERO, ZERO])
            g[0] += 1
            g[1] += d.total
            g[2] += d.late_fee
        return [(b, *out[b]) for b in sorted(out, key=unit_sort_key)]  # type: ignore[misc]

    def by_item(self) -> list[tuple[str, int, Decimal]]:
        """(收费项目, bills, owed)."""
        return self._tally(self.items, lambda d: d.item)

    def by_bucket(self) -> list[tuple[str, int, Decimal]]:
        """(账龄, bills, owed) for every bucket, each bill by its own age."""
        return self._tally([label for _, _, label in rules.BUCKETS], lambda d: d.bucket)

    def _tally(self, labels: list[str], label_of) -> list[tuple[str, int, Decimal]]:  # type: ignore[no-untyped-def]
        out: dict[str, list] = {label: [0, ZERO] for label in labels}
        for debtor in self.debtors:
            for d in debtor.debts:
                g = out[label_of(d)]
                g[0] += 1
                g[1] += d.outstanding
        return [(label, *out[label]) for label in labels]  # type: ignore[misc]


ITEM_ORDER = ("物业费", "水费", "电费", "燃气费", "停车费")


def report(wb: Workbook, as_of: dt.date, *, building: str | None = None, items: Iterable[str] | None = None,
           min_months: int = 1) -> Report:
    """The debtors as of `as_of`: bills overdue on that day and unpaid, with their ladder plans."""
    # the registers read below, in that order (their columns: 收款记录's paid_on and voided, CONTACT_KEYS,
    # the owners' unit_id and building, then every column of the owners, PAYMENT_KEYS, BILL_KEYS, and
    # every column of the transfers for the names)
    wb.prefetch(schema.PAYMENTS, schema.REMINDERS, schema.OWNERS, schema.BILLS, schema.TRANSFERS)
    # A payment received after the day (the last one's day says whether to expect one) is matched to its
    # bills by 账单号 and 分配: then both are read from the start — the child reading 应收账单2 ahead with
    # 账单号, 收款记录 once with 分配. Payments that count differently on the day than now are looked for
    # first: one found unexpected (an old payment entered late, a void) starts the child again with 账单号.
    last = wb.last_value(schema.PAYMENTS, "paid_on")
    expected = isinstance(last, dt.date) and last > as_of
    wb.columns_ahead(schema.BILLS, ("bill_id", *BILL_KEYS) if expected else BILL_KEYS)
    moved = _any_paid_after(wb, as_of, PAYMENT_KEYS if expected else ("paid_on", "voided"))
    if moved and not expected:
        wb.columns_ahead(schema.BILLS, ("bill_id", *BILL_KEYS))
    pol = policy(wb)
    contacts = _contacts(wb, as_of)
    # the whole owners register first: building_lookup's two columns then come from it, not a second read
    owners = {str(r.values["unit_id"]): r.values for r in wb.read(schema.OWNERS).rows if r.values.get("unit_id")}
    building_of = building_lookup(wb)
    wanted = building_name(building) if building is not None else None
    debts = _debts(wb, as_of, pol, contacts, moved, items={i.strip() for i in items or () if i.strip()},
                   in_building=None if wanted is None else (lambda unit: building_of(unit) == wanted))
    sold = transfers(wb)
    groups: dict[tuple[str, str, dt.date | None], list[rules.Debt]] = {}
    for debt in debts:
        former = former_owner(sold.get(debt.unit, ()), debt.period)
        name = former[1] if former else str((owners.get(debt.unit) or {}).get("owner_name") or "")
        groups.setdefault((debt.unit, name, former[0] if former else None), []).append(debt)
    debtors = []
    for (unit, name, transferred), mine in groups.items():
        profile = owners.get(unit) or {}
        debtor = Debtor(unit, name, "" if transferred else str(profile.get("phone") or ""),
                        None if transferred else profile.get("status"), transferred,  # type: ignore[arg-type]
                        sorted(mine, key=lambda d: (d.due, d.period, item_key(d.item), d.bill_id)),
                        contacts.get(unit, []), building=building_of(unit))
        if debtor.months < min_months:
            continue
        debtor.plan = plan(pol.ladder, debtor.oldest.due, debtor.contacts, as_of, debtor.status, pol.gap_days)
        debtors.append(debtor)
    debtors.sort(key=lambda d: (unit_sort_key(d.unit), d.former is None, d.former or dt.date.min))
    found = {d.item for debtor in debtors for d in debtor.debts}
    return Report(as_of, pol, debtors, sorted(found, key=item_key))


def _debts(wb: Workbook, as_of: dt.date, pol: Policy, contacts: dict[str, list[Contact]], moved: bool, *,
           in_building: Callable[[str], bool] | None, items: set[str]) -> list[rules.Debt]:
    """Every bill overdue and unpaid on `as_of`, aged, with its late fee and the end of its limitation period.
    `moved`: some payment counts differently on `as_of` than now (`_any_paid_after`)."""
    # 收款记录's 分配 (a long text each) are read only when some payment must be matched to its bills
    later: dict[str, Decimal] = {}
    if moved:
        later = _paid_after(wb, _payments(wb), as_of)
        wb.forget(schema.PAYMENTS)  # their 分配 (L: 400,000 texts) are not held while 应收账单 is read: read
                                    # again (from the read cache) in the rare case below
    owed = _owed(wb, as_of, later, in_building=in_building, items=items or None, ids=bool(later))
    breaks = {unit: [c.date for c in mine if rules.interrupts(c.channel, c.outcome)] for unit, mine in contacts.items()}
    # A part payment after the due date starts a bill's three years again. It can only matter to a part-paid
    # bill whose period would otherwise end within the warning days: look those up (reading 账单号 if needed).
    horizon = as_of + dt.timedelta(days=pol.warn_days)
    paid_dates: dict[str, list[dt.date]] = {}
    if any(left < amount and rules.limitation_end(due, breaks.get(unit, ())) <= horizon
           for unit, _, _, _, amount, left, due in owed):
        if not later:
            owed = _owed(wb, as_of, later, in_building=in_building, items=items or None, ids=True)
        paid_dates = _part_payments(wb, _payments(wb), as_of,
                                    {bill: unit for unit, bill, _, _, amount, left, _ in owed if left < amount})
    rnd = rounding(wb)
    return [rules.Debt(bill_id, unit, period, item, amount, left, due, rules.months_overdue(due, as_of),
                       rules.late_fee(pol.late_fee, left, due, as_of, rnd),
                       rules.limitation_end(due, [*breaks.get(unit, ()), *paid_dates.get(bill_id, ())]))
            for unit, bill_id, period, item, amount, left, due in owed]


def item_key(item: str) -> tuple[int, str]:
    return (ITEM_ORDER.index(item) if item in ITEM_ORDER else len(ITEM_ORDER), item)


def _location(wb: Workbook, spec: schema.Sheet, row: int, key: str) -> Location:
    return Location(wb.name, wb.sheet_name(spec) or spec.zh, row, spec.column(key).zh)


def _owed(wb: Workbook, as_of: dt.date, later: dict[str, Decimal], *, in_building: Callable[[str], bool] | None,
          items: set[str] | None, ids: bool) -> list[tuple]:
    """(unit, bill, period, item, amount, outstanding, due) of every bill overdue and unpaid on `as_of`;
    `later`: what payments after `as_of` put into each bill. Without `ids`, bill is ''."""
    if not wb.has(schema.BILLS):
        return []
    keys = ("bill_id", *BILL_KEYS) if ids else BILL_KEYS
    cols = wb.columns(schema.BILLS, keys)
    bill_ids = cols["bill_id"] if ids else [None] * len(cols[ROW_NUMBER])
    # Most bills are paid in full (金额 = 已收) and no later payment touched them: they owe nothing, so only
    # the others are looked at one by one (the comparison runs in C, over every bill at once).
    amounts, paids = cols["amount"], cols["paid"]
    look = set(compress(count(), map(operator.ne, amounts, paids)))
    look.update(compress(count(), map(operator.is_, amounts, repeat(None))))  # a bill without 金额 is named
    if later:
        look.update(compress(count(), map(later.__contains__, bill_ids)))  # 账单号 are text (or None)
    due_of = bill_due(wb)
    out = []
    units, periods, bill_items, statuses, dues, numbers = (
        cols[k] for k in ("unit_id", "period", "item", "status", "due_date", ROW_NUMBER))
    for i in sorted(look):
        bill_id, unit, period, item, amount, paid, status, due, number = (
            bill_ids[i], units[i], periods[i], bill_items[i], amounts[i], paids[i], statuses[i], dues[i], numbers[i])
        if amount is None:
            if unit is None and period is None:
                continue  # a blank row
            raise DataError("arrears.bill_cell", _location(wb, schema.BILLS, number, "amount"))
        if due is not None and due >= as_of and unit is not None:
            continue  # not due yet on that day, whatever it owes (the bills a later payment paid, mostly)
        left = amount - paid if paid is not None else amount
        if later:
            left += later.get(str(bill_id), ZERO)
        if left <= 0 or status == "减免":
            continue
        if unit is None:
            raise DataError("arrears.bill_cell", _location(wb, schema.BILLS, number, "unit_id"))
        unit = str(unit)
        if (in_building is not None and not in_building(unit)) or (items is not None and str(item) not in items):
            continue
        if due is None and period is None:
            raise DataError("arrears.bill_due", _location(wb, schema.BILLS, number, "due_date"))
        due = due_of(period, due)
        if due >= as_of:
            continue
        out.append((unit, str(bill_id or ""), str(period or ""), str(item or ""), amount.quantize(CENT),
                    left.quantize(CENT), due))
    return out


def void_day(text: object) -> dt.date | None:
    """The date a 作废 cell starts with (`2026-11-23 重复收款`), if it can be read (this report and the
    statistics judge payments on past days by it)."""
    try:
        return to_date(str(text).split()[0]) if text and str(text).split() else None
    except ValueProblem:
        return None


def _in_effect_differs(paid_on: object, voided: object, as_of: dt.date) -> bool:
    """Whether a payment counted differently on `as_of` than it does now: received after that day and
    still valid, or received by then and voided after it."""
    if not isinstance(paid_on, dt.date):
        return False
    if not voided:
        return paid_on > as_of
    day = void_day(voided)
    return paid_on <= as_of and day is not None and day > as_of


def _any_paid_after(wb: Workbook, as_of: dt.date, keys: tuple[str, ...]) -> bool:
    """Whether some payment counts differently on `as_of` than now, read with columns `keys` of 收款记录."""
    if not wb.has(schema.PAYMENTS):
        return False
    cols = wb.columns(schema.PAYMENTS, keys)
    return any(_in_effect_differs(p, v, as_of) for p, v in zip(cols["paid_on"], cols["voided"]))


def _payments(wb: Workbook) -> dict[str, list]:
    if not wb.has(schema.PAYMENTS):
        return {k: [] for k in PAYMENT_KEYS}
    return wb.columns(schema.PAYMENTS, PAYMENT_KEYS)


def _paid_after(wb: Workbook, cols: dict[str, list], as_of: dt.date) -> dict[str, Decimal]:
    """Per bill, what to add to 金额 − 已收 to get what was owed on `as_of`: what valid payments received
    after that day put into it, less what payments received by then and voided after it had paid."""
    out: dict[str, Decimal] = {}
    for unit, paid_on, allocs, voided, number in zip(*(cols[k] for k in PAYMENT_KEYS)):
        if not allocs or not _in_effect_differs(paid_on, voided, as_of):
            continue
        sign = -1 if voided else 1
        for target, amount in allocations_at(allocs, lambda: _location(wb, schema.PAYMENTS, number, "allocations"),
                                             allocation_pairs):
            if target != PREPAID:
                out[target] = out.get(target, ZERO) + sign * amount
    return out


def _part_payments(wb: Workbook, cols: dict[str, list], as_of: dt.date,
                   bills: dict[str, str]) -> dict[str, list[dt.date]]:
    """For these part-paid bills (bill → unit), the days payments went into them up to `as_of`: a part
    payment interrupts a bill's limitation period."""
    units = set(bills.values())
    out: dict[str, list[dt.date]] = {}
    for unit, paid_on, allocs, voided, number in zip(*(cols[k] for k in PAYMENT_KEYS)):
        if voided or paid_on is None or paid_on > as_of or not allocs or str(unit) not in units:
            continue
        for target, _ in allocations_at(allocs, lambda: _location(wb, schema.PAYMENTS, number, "allocations"),
                                        allocation_pairs):
            if target in bills:
                out.setdefault(target, []).append(paid_on)
    return out


CONTACT_KEYS = ("unit_id", "date", "channel", "outcome", "promise_date", "tracking_no", ROW_NUMBER)


def _contacts(wb: Workbook, as_of: dt.date) -> dict[str, list[Contact]]:
    """催缴记录 up to `as_of`, per unit, oldest first (rows without a unit, date or channel are left to `check`)."""
    if not wb.has(schema.REMINDERS):
        return {}
    cols = wb.columns(schema.REMINDERS, CONTACT_KEYS)
    out: dict[str, list[Contact]] = {}
    for unit, day, channel, outcome, promise, tracking, number in zip(*(cols[k] for k in CONTACT_KEYS)):
        if unit is None or channel is None or not isinstance(day, dt.date) or day > as_of:
            continue
        out.setdefault(str(unit), []).append(Contact(
            day, str(channel), str(outcome or ""), promise if isinstance(promise, dt.date) else None,
            str(tracking or ""), number))
    for contacts in out.values():
        contacts.sort(key=lambda c: (c.date, c.row))
    return out


# -- the contact log -------------------------------------------------------------------------------


def log(wb: Workbook, unit: str, *, channel: str, outcome: str, on: dt.date, promise: dt.date | None = None,
        tracking_no: str | None = None, operator: str = "", notes: str | None = None) -> dict:
    """Stage one 催缴记录 row (the caller commits)."""
    unit = str(one_owner(wb, unit)[1].values["unit_id"])
    if channel not in schema.CHANNELS:
        raise DataError("reminder.channel", None, value=repr(channel), choices="/".join(schema.CHANNELS))
    outcome = " ".join(outcome.split())
    if not outcome:
        raise DataError("reminder.outcome", None)
    if promise is not None and promise < on:
        raise DataError("reminder.promise", None, value=promise.isoformat(), date=on.isoformat())
    table = wb.read(schema.REMINDERS, required=False)
    letter = _unsent_letter(table, unit, channel) if tracking_no else None
    if letter is not None:  # the EMS number of a letter printed earlier (notices render demand --log)
        changes = {"tracking_no": to_identifier(tracking_no), "outcome": f"{letter.values.get('outcome') or ''}；{outcome}".lstrip("；")}
        wb.update(table, letter, changes, key=unit)
        return dict(letter.values)
    record = {"unit_id": unit, "date": on, "channel": channel, "outcome": outcome, "promise_date": promise,
              "tracking_no": to_identifier(tracking_no) if tracking_no else None,
              "operator": operator or current_operator(), "notes": notes}
    wb.append(table, [record], key_column="unit_id")
    return record


def _unsent_letter(table, unit: str, channel: str):  # type: ignore[no-untyped-def]
    """The unit's latest 催缴函/律师函 without a 快递单号 (one contact, its number filled in later), or None."""
    if channel not in ("催缴函", "律师函"):
        return None
    mine = [r for r in table.rows if r.values.get("unit_id") == unit and r.values.get("channel") == channel]
    latest = max(mine, key=lambda r: (r.values.get("date") or dt.date.min, r.number), default=None)
    return latest if latest is not None and not latest.values.get("tracking_no") else None


def due_actions(rep: Report) -> list[tuple[Debtor, list]]:
    """The debtors with ladder steps due on the report's date, and those steps, in ladder order."""
    out = []
    for d in rep.debtors:
        actions = d.plan.due(rep.as_of)
        if actions:
            out.append((d, sorted(actions, key=lambda a: a.step.order)))
    return out
