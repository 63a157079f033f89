"""Arrears as of a date: how old each unpaid bill is, its ageing bucket, the late fee an estate may
charge on it, and when its limitation period (诉讼时效) runs out. Pure rules: no workbook, no printing.

Ages are whole months counted from the bill's 应缴日期: a bill is in its 1st overdue month from the day
after it fell due until the same day a month later, in its 2nd month after that, and so on.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..errors import RuleError
from .money import DEFAULT_ROUNDING, Rounding, round_line

ZERO = Decimal(0)

# (first month, last month or None, label): DESIGN §3's ageing buckets.
BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (1, 3, "1–3"), (4, 6, "4–6"), (7, 12, "7–12"), (13, 24, "13–24"), (25, 36, "25–36"), (37, None, ">36"),
)
LIMITATION_YEARS = 3  # 民法典 第188条: three years, interrupted by a demand, a part payment or an agreement


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day (01-31 + 1 → 02-28)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    if day.day <= 28:
        return dt.date(year, month, day.day)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_overdue(due: dt.date, as_of: dt.date) -> int:
    """0 while not yet overdue; else the overdue month `as_of` falls in (1 for the first 1..31 days)."""
    if as_of <= due:
        return 0
    months = (as_of.year - due.year) * 12 + as_of.month - due.month
    if due.day <= 28:  # every month has the due day: no month-end clamping to mind
        return months + (as_of.day > due.day)
    months = max(months, 1)
    while add_months(due, months - 1) >= as_of:
        months -= 1
    while add_months(due, months) < as_of:
        months += 1
    return months


def bucket(months: int) -> str:
    for low, high, label in BUCKETS:
        if months >= low and (high is None or months <= high):
            return label
    return ""


# -- one unpaid bill ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Debt:
    """What is still owed on one bill as of the date."""

    bill_id: str
    unit: str
    period: str
    item: str
    amount: Decimal  # the bill's 金额
    outstanding: Decimal  # 金额 − 已收 as of the date
    due: dt.date
    months: int  # overdue month (0: not yet due)
    late_fee: Decimal = ZERO
    expires: dt.date | None = None  # the last day of its limitation period

    @property
    def bucket(self) -> str:
        return bucket(self.months)


# -- late fees (滞纳金) ---------------------------------------------------------------------------------


class LateFeeError(RuleError):
    """小区信息's 滞纳金 cannot be read; `value` is the part at fault."""

    def __init__(self, part: str) -> None:
        super().__init__("setting.late_fee", column="late_fee", value=part)


@dataclass(frozen=True)
class LateFeePolicy:
    """滞纳金: `rate` of the outstanding amount per day after `grace` days, at most `cap` — a share of
    the outstanding amount (`cap_share`) or a sum in 元 per bill."""

    rate: Decimal
    grace: int = 0
    cap: Decimal | None = None
    cap_share: bool = True

    def describe(self) -> str:
        rate = f"日{self.rate * 10000:g}‱"
        parts = [rate, f"宽限{self.grace}天"]
        if self.cap is not None:
            parts.append(f"上限{self.cap * 100:g}%" if self.cap_share else f"上限{self.cap:g}元")
        return "；".join(parts)


OFF = ("", "不收", "无", "否", "关", "off", "none", "no", "0")
_RATE = re.compile(r"^(?:日|每日|每天|daily)?\s*([0-9.]+)\s*(%|‰|‱)?\s*(?:/日|/天|每日|每天)?$")
_GRACE = re.compile(r"^(?:宽限|grace)\s*[:：]?\s*(\d+)\s*(?:天|日|days?)?$")
_CAP = re.compile(r"^(?:上限|封顶|cap)\s*[:：]?\s*([0-9.]+)\s*(%|元)?$")
_SCALE = {None: Decimal(1), "%": Decimal("0.01"), "‰": Decimal("0.001"), "‱": Decimal("0.0001")}


def parse_late_fee(text: str | None) -> LateFeePolicy | None:
    """小区信息's 滞纳金: `不收` (or blank) is off; else `日0.3‰；宽限30天；上限100%` — a daily rate
    (%, ‰, ‱ or a plain fraction), optional grace days and an optional cap (% of the debt, or 元)."""
    import unicodedata

    s = unicodedata.normalize("NFKC", str(text or "")).strip()
    if s.lower() in OFF:
        return None
    rate = grace = cap = None
    share = True
    for part in (p.strip() for p in re.split(r"[;,，、；]", s) if p.strip()):
        if (m := _GRACE.match(part)) is not None:
            grace = int(m.group(1))
        elif (m := _CAP.match(part)) is not None:
            share = m.group(2) != "元"
            cap = Decimal(m.group(1)) * (Decimal("0.01") if m.group(2) == "%" else Decimal(1))
        elif (m := _RATE.match(part)) is not None and rate is None:
            rate = Decimal(m.group(1)) * _SCALE[m.group(2)]
        else:
            raise LateFeeError(part)
    if rate is None or rate <= 0 or rate >= 1:
        raise LateFeeError(s)
    return LateFeePolicy(rate, grace or 0, cap, share)


def late_fee(policy: LateFeePolicy | None, outstanding: Decimal, due: dt.date, as_of: dt.date,
             rounding: Rounding = DEFAULT_ROUNDING) -> Decimal:
    """The late fee on one bill as of the date: outstanding × rate × days past due beyond the grace
    days, capped, rounded like a bill line. Days are counted from the day after 应缴日期."""
    if policy is None or outstanding <= 0:
        return ZERO
    days = (as_of - due).days - policy.grace
    if days <= 0:
        return ZERO
    fee = outstanding * policy.rate * days
    if policy.cap is not None:
        fee = min(fee, outstanding * policy.cap if policy.cap_share else policy.cap)
    return round_line(fee, rounding)


# -- the limitation period (诉讼时效) ---------------------------------------------------------------------

WRITTEN = ("书面通知", "催缴函", "律师函")
DELIVERED = ("送达", "签收", "已收", "收到", "面交", "当面")
NOT_DELIVERED = ("未送达", "未签收", "退回", "拒收", "查无此人", "未收到")
AGREEMENT = ("协议", "还款计划", "承诺书", "分期")


def interrupts(channel: str, outcome: str | None) -> bool:
    """Whether a contact interrupts the limitation period of the debts then due: a written demand
    (书面通知, 催缴函, 律师函) the outcome says was delivered, a suit filed (诉讼), or an agreement the
    owner signed (an outcome naming 协议, 还款计划, 承诺书 or 分期). A phone call or an SMS does not: a
    promise on the phone is hard to prove."""
    text = outcome or ""
    if channel == "诉讼":
        return True
    if any(w in text for w in AGREEMENT):
        return True
    return channel in WRITTEN and any(w in text for w in DELIVERED) and not any(w in text for w in NOT_DELIVERED)


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def limitation_end(due: dt.date, interruptions: Iterable[dt.date]) -> dt.date:
    """The last day a debt due on `due` can be claimed: three years from the due date, or from its last
    interruption after that date (the period starts over)."""
    start = max([due, *(d for d in interruptions if d > due)])
    return add_years(start, LIMITATION_YEARS)
