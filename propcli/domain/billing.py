"""A period's bill lines from the rates (收费标准), the owners register and the meter usage (DESIGN §3).

Which rate row bills a unit in a period: the item's rows in force on the period's first day (生效日期 ≤
that day ≤ 失效日期), whose 适用月份 contain the period's month; among them a row whose 适用状态 names the
unit's status wins over a general row (blank 适用状态), and the latest 生效日期 wins among equals. A
status row without a price or tiers takes the general row's and applies its 折扣 (托管 0.7 of the fee).

Every line is rounded on its own (金额舍入, half-up to 分 by default); totals are sums of rounded lines.
Pure: no reading of workbooks, no printing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ..errors import RuleError
from .money import Rounding, round_line
from .readings import UNITS, Replacement, Rollover, Usage, year_to_date
from .tariffs import (
    Tier, TariffError, charge_total, extend_tiers, format_tiers, parse_large_household, parse_months,
    parse_tiers, tiered_charge,
)

ONE = Decimal(1)


@dataclass(frozen=True)
class Rate:
    item: str
    basis: str  # 按面积 / 按用量 / 按户 / 按车位
    price: Decimal | None
    tiers: tuple[Tier, ...]
    tier_cycle: str  # 月 / 年
    months: frozenset[int]
    large: tuple[int, Decimal] | None
    meter: str | None
    applies_to: frozenset[str]  # empty: every status
    factor: Decimal | None
    effective_from: dt.date
    effective_to: dt.date | None
    row: int = 0

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class RateError(RuleError):
    """A 收费标准 row that cannot bill: `column` is the column key at fault."""

    def __init__(self, key: str, column: str, value: object, **params: object) -> None:
        super().__init__(key, column=column, value=value, **params)


_LIST = re.compile(r"[、,，;；/\s]+")


def parse_rate(values: Mapping[str, object], row: int = 0) -> Rate:
    """A typed 收费标准 row as a Rate; raises RateError naming the column at fault."""
    def text(key: str) -> str:
        v = values.get(key)
        return "" if v is None else str(v).strip()

    try:
        tiers = parse_tiers(text("tiers")) if text("tiers") else ()
    except TariffError as exc:
        raise RateError(exc.key, "tiers", text("tiers")) from None
    try:
        months = parse_months(text("months"))
    except TariffError as exc:
        raise RateError(exc.key, "months", text("months")) from None
    try:
        large = parse_large_household(text("large_household"))
    except TariffError as exc:
        raise RateError(exc.key, "large_household", text("large_household")) from None
    basis = text("basis")
    price = values.get("price")
    if basis == "按用量" and not values.get("meter"):
        raise RateError("rate.no_meter", "meter", None, item=text("item"))
    if price is not None and Decimal(str(price)) < 0:
        raise RateError("rate.negative", "price", price)
    factor = values.get("factor")
    if factor is not None and Decimal(str(factor)) < 0:
        raise RateError("rate.negative", "factor", factor)
    start = values.get("effective_from")
    if not isinstance(start, dt.date):
        raise RateError("rate.no_start", "effective_from", start)
    end = values.get("effective_to")
    return Rate(
        item=text("item"), basis=basis,
        price=Decimal(str(price)) if price is not None else None,
        tiers=tiers, tier_cycle=text("tier_cycle") or "月", months=months, large=large,
        meter=text("meter") or None,
        applies_to=frozenset(s for s in _LIST.split(text("applies_to")) if s),
        factor=Decimal(str(factor)) if factor is not None else None,
        effective_from=start, effective_to=end if isinstance(end, dt.date) else None, row=row,
    )


def first_day(period: str) -> dt.date:
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def last_day(period: str) -> dt.date:
    y, m = int(period[:4]), int(period[5:7])
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def due_date(period: str, days: int) -> dt.date:
    """A period's bills fall due `days` (小区信息 › 缴费期限) after its last day; a bill whose 应缴日期 is
    blank is judged by the same rule."""
    return last_day(period) + dt.timedelta(days=days)


def items(rates: Iterable[Rate]) -> list[str]:
    """Fee items in the order the rates sheet first names them."""
    return list(dict.fromkeys(r.item for r in rates))


def rate_for(rates: Sequence[Rate], item: str, period: str, status: str | None) -> Rate | None:
    """The rate that bills `item` for a unit of `status` in `period` (None: the item does not apply)."""
    day = first_day(period)
    month = day.month
    live = [r for r in rates if r.item == item and r.in_force(day) and month in r.months]
    general = max((r for r in live if not r.applies_to), key=lambda r: r.effective_from, default=None)
    specific = max((r for r in live if status and status in r.applies_to), key=lambda r: r.effective_from,
                   default=None)
    if specific is None:
        return general
    if specific.price is None and not specific.tiers and general is not None:
        return replace(specific, basis=general.basis, price=general.price, tiers=general.tiers,
                       tier_cycle=general.tier_cycle, large=general.large, meter=general.meter)
    return specific


@dataclass(frozen=True)
class Unit:
    unit: str
    area: Decimal | None
    status: str | None
    household_size: int | None
    parking: str | None


@dataclass(frozen=True)
class Line:
    """One bill line (a row of 应收账单 to be), with its working."""

    unit: str
    period: str
    item: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal  # rounded
    raw: Decimal  # before rounding
    detail: str
    rate_row: int


@dataclass(frozen=True)
class Skip:
    """A unit the period could not bill for an item, and why (missing reading, base reading, error)."""

    unit: str
    item: str
    reason: str  # missing / base / error / no_area
    usage: Usage | None = None


def parking_spaces(text: str | None) -> list[str]:
    return [s for s in _LIST.split(text or "") if s]


def bill_unit(unit: Unit, rates: Sequence[Rate], period: str, rounding: Rounding,
              usage_of: Mapping[tuple[str, str], list[Usage]],
              chosen: dict[tuple[str, str | None], Rate | None] | None = None) -> tuple[list[Line], list[Skip]]:
    """The lines of one unit for one period, and what could not be billed. `chosen` memoises the rate
    of each (item, status) for the period across the units of one run."""
    lines: list[Line] = []
    skips: list[Skip] = []
    chosen = {} if chosen is None else chosen
    for item in items(rates):
        if (item, unit.status) not in chosen:
            chosen[(item, unit.status)] = rate_for(rates, item, period, unit.status)
        rate = chosen[(item, unit.status)]
        if rate is None:
            continue
        factor = rate.factor if rate.factor is not None else ONE
        factor_text = f" × {_n(factor)}（{unit.status}）" if factor != ONE else ""
        if rate.basis == "按面积":
            if not unit.area:
                skips.append(Skip(unit.unit, item, "no_area"))
                continue
            price = rate.price or Decimal(0)
            raw = unit.area * price * factor
            detail = f"{_n(unit.area)}㎡ × {_price(price)}元/㎡·月{factor_text}"
            quantity, unit_price = unit.area, price
        elif rate.basis == "按户":
            price = rate.price or Decimal(0)
            raw = price * factor
            detail = f"1户 × {_price(price)}元/月{factor_text}"
            quantity, unit_price = ONE, price
        elif rate.basis == "按车位":
            spaces = parking_spaces(unit.parking)
            if not spaces:
                continue
            price = rate.price or Decimal(0)
            raw = len(spaces) * price * factor
            detail = f"{len(spaces)}个车位（{'、'.join(spaces)}）× {_price(price)}元/月{factor_text}"
            quantity, unit_price = Decimal(len(spaces)), price
        else:  # 按用量
            series = usage_of.get((unit.unit, rate.meter or ""))
            this = next((u for u in series or () if u.period == period), None)
            if this is None:
                if series is not None:  # the meter has readings (`usages` names every meter read), none this month
                    skips.append(Skip(unit.unit, item, "missing"))
                continue
            if this.error is not None:
                skips.append(Skip(unit.unit, item, "error", this))
                continue
            if this.usage is None:
                skips.append(Skip(unit.unit, item, "base", this))
                continue
            raw, detail = _usage_charge(rate, unit, this, series, period)
            raw *= factor
            detail += factor_text
            quantity, unit_price = this.usage, (None if rate.tiers else rate.price)
        amount = round_line(raw, rounding)
        if amount == 0:
            continue  # nothing to collect: no bill line (a 空置 unit at factor 0, a meter that stood still)
        detail += f" = {_n(raw)}" + (f" ≈ {amount:.2f}" if raw != amount else "")
        lines.append(Line(unit.unit, period, item, quantity, unit_price, amount, raw, detail, rate.row))
    return lines, skips


def _usage_charge(rate: Rate, unit: Unit, this: Usage, series: Sequence[Usage], period: str) -> tuple[Decimal, str]:
    assert this.usage is not None
    measure = UNITS.get(this.meter, "")
    how = ""
    if isinstance(this.mark, Replacement):
        how = f"，换表（旧表止数 {_n(this.mark.old_final)}，新表起数 {_n(this.mark.new_start)}）"
    elif isinstance(this.mark, Rollover):
        how = "，表已走满一圈"
    detail = f"{this.meter} {_n(this.previous)}→{_n(this.current)}{how}，用量 {_n(this.usage)}{measure}"
    if not rate.tiers:
        price = rate.price or Decimal(0)
        return this.usage * price, f"{detail} × {_price(price)}元"
    tiers = rate.tiers
    if rate.large and unit.household_size and unit.household_size >= rate.large[0]:
        tiers = extend_tiers(tiers, rate.large[1])
        detail += f"（{unit.household_size}人户，阶梯 {format_tiers(tiers)}）"
    before = Decimal(0)
    if rate.tier_cycle == "年":
        before = year_to_date(series, period)
        detail += f"（本年累计 {_n(before)}→{_n(before + this.usage)}）"
    parts = tiered_charge(tiers, this.usage, before)
    steps = "；".join(f"第{p.index}档 {_n(p.quantity)}×{_price(p.price)}={_n(p.amount)}" for p in parts)
    return charge_total(parts), f"{detail}：{steps}" if steps else detail


def _n(value: Decimal | None) -> str:
    """A number as a clerk writes it: no exponent, no trailing zeros."""
    if value is None:
        return "—"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _price(value: Decimal) -> str:
    """A unit price with at least 2 decimals (2.5 → 2.50, 0.4883 stays)."""
    text = _n(value)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"{value:.{max(2, decimals)}f}"
