"""The notices of a batch, read from the registers: one `Notice` per household (or per stairwell for a
posted outage notice), in print order 楼栋 → 单元 → 室号, with who receives it by SMS.

- payment 缴费通知单: a period's bills with their 计算明细, earlier unpaid bills, the 预存 balance left,
  what to pay and by when, and where (小区信息). Its amounts are the bills' own (rounded) amounts, so the
  notices of a period add up to `bills summary --period P` to the cent.
- reminder 催缴通知 / demand 催缴函: the arrears report as of a date (ops.arrears), current owners only,
  a deadline to pay; late fees apart when the estate charges them.
- outage 停水/停电/停气: one posted notice per stairwell (no personal data) and an SMS per household.
- receipt 收据: the receipts named, or all of one day (a batch reprint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain.money import rmb_upper
from ..domain.people import building_name, unit_parts, unit_sort_key
from ..errors import DataError, UsageError
from ..render.contexts import BillLine, Notice, PeriodLine
from ..store import schema
from ..store.normalize import to_identifier
from ..store.workbook import ROW_NUMBER, Workbook
from . import arrears as arrears_ops
from .payments import holding_prepaid, prepaid_sources, receipt
from .units import resolve_unit

ZERO = Decimal("0.00")
TITLES = {"payment": "缴费通知单", "reminder": "催缴通知", "demand": "催缴函", "receipt": "收据"}
OUTAGES = {"停水": "供水", "停电": "供电", "停气": "供气"}
# An outage notice is for works on the estate, never a way to collect fees (DESIGN §3).
_DUNNING_WORDS = ("欠费", "欠缴", "催缴", "缴费", "拖欠", "未缴", "arrears")
BILL_KEYS = ("bill_id", "unit_id", "period", "item", "quantity", "amount", "due_date", "paid", "status", "detail")
OWNER_KEYS = ("unit_id", "building", "entrance", "room", "owner_name", "phone", "tenant_phone", "status")


@dataclass
class Household:
    """A unit as the notices need it (业主档案)."""

    unit_id: str
    building: str
    entrance: str
    room: str
    owner: str
    phones: list[str] = field(default_factory=list)  # owner's first, then the tenant's (outage SMS)

    @property
    def order(self) -> tuple:
        return (unit_sort_key(self.building), unit_sort_key(self.entrance), unit_sort_key(self.room),
                unit_sort_key(self.unit_id))


@dataclass
class Batch:
    """The notices of a run and the SMS recipients: (phone, notice) pairs, in print order."""

    kind: str
    notices: list[Notice]
    recipients: list[tuple[str, Notice]]
    ref_period: str  # 通知记录 › 账期/日期: the period, the as-of date, the outage or the receipt day
    skipped_former: int = 0  # arrears of former owners (after a 过户): no address to send a notice to


@dataclass(frozen=True)
class Scope:
    """--building and --units: which households a run covers."""

    building: str | None = None
    units: tuple[str, ...] = ()


def households(wb: Workbook, scope: Scope) -> dict[str, Household]:
    """The households in scope, by 房号; an unknown unit in --units is an error naming it (with the
    nearest registered ids)."""
    cols = wb.columns(schema.OWNERS, OWNER_KEYS)
    out: dict[str, Household] = {}
    for unit, b, e, r, name, phone, tenant, _status in zip(*(cols[k] for k in OWNER_KEYS)):
        if unit in (None, ""):
            continue
        parts = unit_parts(str(unit), building=b, entrance=e, room=r)
        phones = [str(p) for p in (phone, tenant) if p not in (None, "")]
        out[str(unit)] = Household(str(unit), parts.building, parts.entrance, parts.room, str(name or ""), phones)
    if scope.units:  # as registered, else as the clerk may write them (3栋2单元1201), else an error
        wanted = [u if u in out else resolve_unit(wb, u) for u in (to_identifier(u) for u in scope.units)]
        out = {u: out[u] for u in wanted}
    if scope.building is not None:
        b = building_name(scope.building)
        out = {u: h for u, h in out.items() if h.building == b}
    if not out:
        raise DataError("notice.no_households", None, scope=_describe(scope))
    return dict(sorted(out.items(), key=lambda kv: kv[1].order))


def _describe(scope: Scope) -> str:
    parts = [f"--building {scope.building}"] if scope.building else []
    parts += [f"--units {','.join(scope.units)}"] if scope.units else []
    return " ".join(parts) or "—"


def _notice(kind: str, estate: dict[str, str], h: Household, issued_on: dt.date, lang: str, **fields) -> Notice:  # type: ignore[no-untyped-def]
    return Notice(kind=kind, title=fields.pop("title", TITLES.get(kind, "")), estate=estate, unit_id=h.unit_id,
                  building=h.building, entrance=h.entrance, room=h.room, addressee=fields.pop("addressee", h.owner),
                  issued_on=issued_on, ref="", lang=lang, **fields)


def _numbered(notices: list[Notice], batch: str) -> list[Notice]:
    for i, n in enumerate(notices, 1):
        n.ref = f"{batch}-{i:04d}"
    return notices


def _recipients(notices: Iterable[Notice], homes: dict[str, Household]) -> list[tuple[str, Notice]]:
    """The owner's phone for each notice (a unit without one gets no SMS)."""
    out = []
    for n in notices:
        h = homes.get(n.unit_id)
        if h is not None and h.phones and h.owner:
            out.append((h.phones[0], n))
    return out


# -- payment ------------------------------------------------------------------------------------------


def _bills(wb: Workbook, period: str, homes: dict[str, Household]) -> list[dict]:
    """The households' bills of `period`, and their earlier bills still owing (neither 减免 nor 已缴, 已收
    short of 金额), as dicts of BILL_KEYS. 账单号, 用量 and 计算明细 (long texts, each unique) are read only
    for the period's own bills: on a register of 240,000 bills they cost more than all the other columns
    together, and the earlier bills do not show them. A dict is made only for a bill kept: an L estate's
    1.6 million bills as dicts were 1.1 GB, for the few thousand a notice shows."""
    one_sheet, keys = len(wb.sheets_of(schema.BILLS)) <= 1, bill_keys(wb)
    cols = wb.columns(schema.BILLS, keys)
    units, periods, amounts, paid, statuses = (cols[k] for k in ("unit_id", "period", "amount", "paid", "status"))
    kept = [i for i, (unit, p, amount) in enumerate(zip(units, periods, amounts))
            if amount is not None and p and p <= period and unit in homes
            and (p == period or statuses[i] not in ("减免", "已缴") and amount - (paid[i] or ZERO) > 0)]
    out = [dict(zip(keys, (cols[k][i] for k in keys))) for i in kept]
    numbers = [v[ROW_NUMBER] for v in out if v["period"] == period]
    if one_sheet and numbers:
        rows = {r.number: r.values for r in wb.rows(schema.BILLS, numbers).rows}
        for v in out:
            extra = rows.get(v[ROW_NUMBER], {}) if v["period"] == period else {}
            v.update({k: extra.get(k) for k in _PERIOD_ONLY})
    for v in out:
        for k in _PERIOD_ONLY:
            v.setdefault(k, None)
    return out


_PERIOD_ONLY = ("bill_id", "quantity", "detail")


def bill_keys(wb: Workbook) -> tuple[str, ...]:
    """The columns `_bills` reads of every bill (`_PERIOD_ONLY` not, when the register continues)."""
    one_sheet = len(wb.sheets_of(schema.BILLS)) <= 1
    return (*(k for k in BILL_KEYS if k not in _PERIOD_ONLY or not one_sheet), ROW_NUMBER)


def _line(v: dict) -> BillLine:
    amount = v["amount"] or ZERO
    paid = v["paid"] or ZERO
    owing = ZERO if v["status"] == "减免" else max(amount - paid, ZERO)
    return BillLine(str(v["bill_id"] or ""), str(v["period"] or ""), str(v["item"] or ""), v["quantity"], amount,
                    paid, owing, v["due_date"], str(v["detail"] or ""))


def payment(wb: Workbook, period: str, as_of: dt.date, scope: Scope, estate: dict[str, str], batch: str,
            lang: str = "zh") -> Batch:
    """A 缴费通知单 for every household in scope with a bill in `period`."""
    wb.columns_ahead(schema.BILLS, bill_keys(wb))
    homes = households(wb, scope)
    current: dict[str, list[BillLine]] = {}
    earlier: dict[str, list[BillLine]] = {}
    for v in _bills(wb, period, homes):
        line = _line(v)
        if v["period"] == period:
            current.setdefault(v["unit_id"], []).append(line)
        else:
            earlier.setdefault(v["unit_id"], []).append(line)
    if not current:
        raise DataError("notice.no_bills", None, period=period, scope=_describe(scope))
    held = prepaid_sources(holding_prepaid(wb))
    notices = []
    for unit, h in homes.items():
        lines = current.get(unit)
        if not lines:
            continue
        lines.sort(key=lambda b: (arrears_ops.item_key(b.item), b.bill_id))
        old = sorted(earlier.get(unit, []), key=lambda b: (b.period, arrears_ops.item_key(b.item)))
        owing = sum((b.owing for b in lines), ZERO)
        before = sum((b.owing for b in old), ZERO)
        total = owing + before
        by_item: dict[str, Decimal] = {}
        for b in sorted(old, key=lambda b: arrears_ops.item_key(b.item)):
            by_item[b.item] = by_item.get(b.item, ZERO) + b.owing
        dues = [b.due_date for b in lines if b.due_date]
        notices.append(_notice(
            "payment", estate, h, as_of, lang, period=period, lines=lines, earlier=old,
            current_total=sum((b.amount for b in lines), ZERO), current_owing=owing, earlier_total=before,
            prepaid=sum((amt for _, amt in held.get(unit, [])), ZERO), total_due=total, total_upper=rmb_upper(total),
            due_date=max(dues) if dues else None, by_item=by_item, by_period=by_period(old)))
    notices = _numbered(notices, batch)
    owing = [n for n in notices if n.total_due > 0]  # an SMS saying 0.00 is owed is noise
    return Batch("payment", notices, _recipients(owing, homes), period)


# -- reminder and demand -----------------------------------------------------------------------------


def arrears(wb: Workbook, kind: str, as_of: dt.date, scope: Scope, estate: dict[str, str], batch: str, *,
            min_months: int = 1, days: int = 15, lang: str = "zh", rep: arrears_ops.Report | None = None) -> Batch:
    """A 催缴通知 or 催缴函 for every current owner in scope owing at least `min_months` months on `as_of`,
    with `days` to pay (`rep`: the arrears report of `as_of` already made, for every building)."""
    homes = households(wb, scope)
    if rep is None or scope.building is not None or min_months > 1:
        rep = arrears_ops.report(wb, as_of, building=scope.building, min_months=min_months)
    notices, former = [], 0
    for d in rep.debtors:
        if d.unit not in homes:
            continue
        if d.former is not None:
            former += 1
            continue
        lines = [BillLine(x.bill_id, x.period, x.item, None, x.amount, x.amount - x.outstanding, x.outstanding,
                          x.due, "", x.late_fee) for x in d.debts]
        total = d.total + d.late_fee
        by_item = dict(sorted(d.by_item().items(), key=lambda kv: arrears_ops.item_key(kv[0])))
        notices.append(_notice(
            kind, estate, homes[d.unit], as_of, lang, lines=lines, current_total=d.total, current_owing=d.total,
            late_fee=d.late_fee, total_due=total, total_upper=rmb_upper(total), months=d.months,
            due_date=as_of + dt.timedelta(days=days), by_item=by_item, by_period=by_period(lines)))
    if not notices:
        raise DataError("notice.no_debtors", None, date=as_of.isoformat(), months=min_months, scope=_describe(scope))
    notices = _numbered(notices, batch)
    return Batch(kind, notices, _recipients(notices, homes), as_of.isoformat(), skipped_former=former)


def by_period(lines: Sequence[BillLine]) -> list[PeriodLine]:
    """The debts as a table of 账期 × 收费项目: 24 months of four items fit a page as 24 rows."""
    out: dict[str, PeriodLine] = {}
    for b in sorted(lines, key=lambda b: b.period):
        row = out.setdefault(b.period, PeriodLine(b.period, b.due_date, {}, ZERO, ZERO))
        row.items[b.item] = row.items.get(b.item, ZERO) + b.owing
        row.late_fee += b.late_fee
        row.total += b.owing
        if b.due_date and (row.due_date is None or b.due_date < row.due_date):
            row.due_date = b.due_date
    return list(out.values())


# -- outage ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outage:
    what: str  # 停水 / 停电 / 停气
    start: str  # as the clerk wrote it, e.g. 2026-12-01 08:00
    end: str
    reason: str
    scopes: tuple[str, ...]  # 楼栋 or 楼栋-单元


def check_outage(o: Outage) -> None:
    if o.what not in OUTAGES:
        raise UsageError("notice.outage_kind", value=repr(o.what), choices="/".join(OUTAGES))
    if not o.scopes:
        raise UsageError("notice.outage_scope")
    if any(w in o.reason.lower() for w in _DUNNING_WORDS):
        raise DataError("notice.outage_dunning", None, value=repr(o.reason))


def outage(wb: Workbook, o: Outage, as_of: dt.date, estate: dict[str, str], batch: str, lang: str = "zh") -> Batch:
    """One posted notice per stairwell in scope (no names, no phones), and every household's phones there."""
    check_outage(o)
    homes = households(wb, Scope())
    chosen: dict[str, Household] = {}
    for s in o.scopes:
        b, _, e = (p.strip() for p in s.replace("－", "-").partition("-"))
        found = {u: h for u, h in homes.items() if h.building == building_name(b) and (not e or h.entrance == e)}
        if not found:
            raise DataError("notice.no_households", None, scope=f"--scope {s}")
        chosen.update(found)
    stairwells: dict[tuple[str, str], list[Household]] = {}
    for h in sorted(chosen.values(), key=lambda h: h.order):
        stairwells.setdefault((h.building, h.entrance), []).append(h)
    title = f"{o.what}通知"
    facts = {"what": o.what, "service": OUTAGES[o.what], "start": o.start, "end": o.end, "reason": o.reason}
    notices, by_unit = [], {}
    for (b, e), members in stairwells.items():
        where = f"{b}-{e}" if e else b
        post = Household(where, b, e, "", "")
        scope_text = f"{b}栋{e}单元" if e else f"{b}栋"
        n = _notice("outage", estate, post, as_of, lang, title=title, addressee="",
                    outage={**facts, "scope": scope_text}, households=len(members))
        notices.append(n)
        for h in members:
            by_unit[h.unit_id] = (h, n)
    notices = _numbered(notices, batch)
    recipients = [(phone, _sms_notice(n, h)) for h, n in by_unit.values() for phone in dict.fromkeys(h.phones)]
    return Batch("outage", notices, recipients, f"{o.what}@{'_'.join(o.start.split())}")  # an identifier: no spaces


def _sms_notice(posted: Notice, h: Household) -> Notice:
    """The posted notice as one household's SMS: its own 房号 (for the 通知记录), still no name."""
    from dataclasses import replace

    return replace(posted, unit_id=h.unit_id, room=h.room)


# -- receipts ----------------------------------------------------------------------------------------


def receipts(wb: Workbook, numbers: Sequence[str], day: dt.date | None, estate: dict[str, str], batch: str,
             lang: str = "zh") -> Batch:
    """The receipts named, or every receipt of `day`, as notices to reprint (voided ones marked 作废)."""
    if not numbers:
        cols = wb.columns(schema.PAYMENTS, ("receipt_no", "paid_on"))
        numbers = [str(n) for n, d in zip(cols["receipt_no"], cols["paid_on"]) if n and d == day]
        if not numbers:
            raise DataError("notice.no_receipts", None, date=day.isoformat() if day else "—")
    homes = households(wb, Scope())
    found = []
    for no in dict.fromkeys(numbers):
        page = receipt(wb, no, lang)
        h = homes.get(page.unit_id) or Household(page.unit_id, *unit_parts(page.unit_id), page.owner)
        found.append((h.order, page.receipt_no, _notice(
            "receipt", estate, h, page.paid_on or dt.date.min, lang, addressee=page.owner, period=page.receipt_no,
            total_due=page.amount, total_upper=page.amount_upper, receipt=page)))
    notices = _numbered([n for *_, n in sorted(found, key=lambda f: f[:2])], batch)
    return Batch("receipt", notices, [], day.isoformat() if day and not numbers else "")
