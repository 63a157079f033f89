"""Meter readings → usage (DESIGN §3): consecutive readings, meter replacements, rollovers, and the
anomalies a clerk must look at before billing. Pure: no reading of workbooks, no printing."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..errors import RuleError

UNITS = {"水表": "m³", "电表": "kWh", "燃气表": "m³"}
SPIKE_FACTOR = Decimal(3)
SPIKE_HISTORY = 6  # months of the unit's own usage the median is taken over
SPIKE_MIN_HISTORY = 3  # fewer months than this: no judgement
SPIKE_MIN_EXCESS = Decimal(10)  # and at least this much above the median: 3 kWh against 0.5 is no leak


class ReadingError(RuleError):
    """A reading or a 换表 mark that cannot be used; `key` names the message, `params` fill it. Every
    keyword is a message parameter as it is to be shown (`value` too: the mark's text, unquoted)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.params = params


@dataclass(frozen=True)
class Replacement:
    """换表: the old meter's final reading and the new meter's start."""

    old_final: Decimal
    new_start: Decimal

    def __str__(self) -> str:
        return f"{_num(self.old_final)}/{_num(self.new_start)}"


@dataclass(frozen=True)
class Rollover:
    """翻转: an N-digit meter passed 99…9 and started again from 0 (N from the previous reading if None)."""

    digits: int | None = None

    def __str__(self) -> str:
        return f"翻转{self.digits}" if self.digits else "翻转"


Mark = Replacement | Rollover | None

_NUMBER = r"(\d+(?:\.\d+)?)"
_REPLACEMENT = re.compile(rf"^(?:旧表|old)?\s*{_NUMBER}\s*(?:/|→|->|,)\s*(?:新表|new)?\s*{_NUMBER}$", re.I)
_ROLLOVER = re.compile(r"^(?:翻转|翻表|回零|rollover)\s*[:：]?\s*(\d+)?\s*(?:位)?$", re.I)


def parse_mark(text: object) -> Mark:
    """The 换表 cell: blank, `旧表1234.5/新表0` (or `1234.5/0`), or `翻转` / `翻转5` (a 5-digit meter)."""
    if text is None:
        return None
    s = " ".join(unicodedata.normalize("NFKC", str(text)).split())
    if not s:
        return None
    if m := _REPLACEMENT.match(s):
        return Replacement(Decimal(m.group(1)), Decimal(m.group(2)))
    if m := _ROLLOVER.match(s):
        return Rollover(int(m.group(1)) if m.group(1) else None)
    raise ReadingError("reading.mark", value=str(text))


def usage_between(previous: Decimal, current: Decimal, mark: Mark = None) -> Decimal:
    """Usage from the previous reading to this one.

    Replacement: (old final − previous) + (current − new start). Rollover of an N-digit meter:
    current + 10^N − previous. Otherwise current − previous, which must not be negative.
    """
    if isinstance(mark, Replacement):
        old_part = mark.old_final - previous
        new_part = current - mark.new_start
        if old_part < 0:
            raise ReadingError("reading.old_final", old_final=_num(mark.old_final), previous=_num(previous))
        if new_part < 0:
            raise ReadingError("reading.new_start", new_start=_num(mark.new_start), current=_num(current))
        return old_part + new_part
    if isinstance(mark, Rollover):
        digits = mark.digits or len(str(int(previous)))
        wrap = Decimal(10) ** digits
        if current >= previous or previous >= wrap:
            raise ReadingError("reading.rollover", previous=_num(previous), current=_num(current), digits=digits)
        return current + wrap - previous
    if current < previous:
        raise ReadingError("reading.backwards", previous=_num(previous), current=_num(current))
    return current - previous


@dataclass(slots=True)  # not frozen: a big estate builds 150,000 of these, and frozen init is slow
class Reading:
    unit: str
    meter: str
    period: str
    value: Decimal
    mark: Mark = None
    row: int = 0  # the row of 抄表记录 it came from (0: not in the workbook yet)
    bad_mark: ReadingError | None = None  # a 换表 cell that could not be read


@dataclass(slots=True)
class Usage:
    """One period's usage of one meter, or why there is none."""

    unit: str
    meter: str
    period: str
    previous: Decimal | None  # the reading it counts from (None: this is the first, a base reading)
    previous_period: str | None
    current: Decimal
    usage: Decimal | None  # None: a base reading, or an error
    mark: Mark = None
    error: ReadingError | None = None
    row: int = 0
    limit: Decimal | None = None  # trust: the 托管 limit exceeded (小区信息)


def usages(readings: Iterable[Reading], periods: tuple[str, str] | None = None) -> dict[tuple[str, str], list[Usage]]:
    """Every reading's usage, per (unit, meter) in period order. The first reading of a meter is its
    base (入住底数): it has no usage. A wrong reading is kept with its error, and the next one counts
    from the last good reading, so one typo does not spoil the following months. `periods` (first, last):
    only the usages of those periods are kept — each still counted from the readings before them (a
    month's bills need its year's usages, not L's 960,000)."""
    lo, hi = periods or ("", "\uffff")
    series: dict[tuple[str, str], list[Reading]] = {}
    for r in readings:
        series.setdefault((r.unit, r.meter), []).append(r)
    out: dict[tuple[str, str], list[Usage]] = {}
    for key, rs in series.items():
        rs.sort(key=lambda r: r.period)
        done: list[Usage] = []
        last: Reading | None = None
        for r in rs:
            before = last  # the last good reading: what this one counts from
            if r.bad_mark is not None:
                usage, mark, error = None, None, r.bad_mark
            elif last is None:
                usage, mark, error = None, r.mark, None
                last = r
            else:
                try:
                    usage, mark, error = usage_between(last.value, r.value, r.mark), r.mark, None
                    last = r
                except ReadingError as exc:
                    usage, mark, error = None, r.mark, exc
            if lo <= r.period <= hi:
                done.append(Usage(r.unit, r.meter, r.period, before.value if before else None,
                                  before.period if before else None, r.value, usage, mark, error, r.row))
        out[key] = done
    return out


def year_to_date(series: Sequence[Usage], period: str) -> Decimal:
    """Usage of the calendar year before `period` (what a yearly tier cycle counts from)."""
    year = period[:4]
    return sum((u.usage for u in series if u.usage is not None and u.period[:4] == year and u.period < period),
               Decimal(0))


def median_before(series: Sequence[Usage], period: str, months: int = SPIKE_HISTORY) -> Decimal | None:
    """The median of the unit's last `months` usages before `period` (None with too little history)."""
    earlier = [u.usage for u in series if u.usage is not None and u.period < period][-months:]
    if len(earlier) < SPIKE_MIN_HISTORY:
        return None
    return Decimal(statistics.median(earlier))


@dataclass(frozen=True)
class Anomaly:
    unit: str
    meter: str
    period: str
    kind: str  # error / spike / zero / missing
    usage: Decimal | None = None
    median: Decimal | None = None
    previous: Decimal | None = None
    current: Decimal | None = None
    error: ReadingError | None = None
    row: int = 0
    limit: Decimal | None = None  # trust: the 托管 limit exceeded (小区信息)


OCCUPIED = ("自住", "出租")
TRUSTED = "托管"  # the owner entrusted the flat to the office: it should stand (nearly) unused
ANOMALY_KINDS = ("error", "trust", "spike", "zero", "missing")  # the order a list shows them


def anomalies(series_by_meter: dict[tuple[str, str], list[Usage]], period: str,
              statuses: dict[str, str | None], trust_limits: dict[str, Decimal] | None = None) -> list[Anomaly]:
    """What to look at for `period`: readings going backwards without a 换表/翻转 mark (error), a unit in
    托管 using more than its meter's limit in `trust_limits` (trust: an entrusted, empty flat should use
    next to nothing — the trade's 5 m³ of water and 20 kWh a month), usage above 3× the unit's 6-month
    median and at least 10 above it (spike), zero usage in an occupied unit (zero), and meters read before
    but not this period (missing). Flags, not rejections: the clerk decides."""
    out: list[Anomaly] = []
    order = {k: i for i, k in enumerate(ANOMALY_KINDS)}
    for (unit, meter), series in series_by_meter.items():
        this = next((u for u in series if u.period == period), None)
        if this is None:
            if any(u.period < period for u in series) and unit in statuses:
                last = max((u for u in series if u.period < period), key=lambda u: u.period)
                out.append(Anomaly(unit, meter, period, "missing", previous=last.current))
            continue
        if this.error is not None:
            out.append(Anomaly(unit, meter, period, "error", previous=this.previous, current=this.current,
                               error=this.error, row=this.row))
            continue
        if this.usage is None:
            continue  # a base reading
        median = median_before(series, period)
        limit = (trust_limits or {}).get(meter)
        if statuses.get(unit) == TRUSTED and limit is not None and this.usage > limit:
            out.append(Anomaly(unit, meter, period, "trust", this.usage, median, this.previous, this.current,
                               row=this.row, limit=limit))
        elif (median is not None and median > 0 and this.usage > SPIKE_FACTOR * median
                and this.usage - median >= SPIKE_MIN_EXCESS):
            out.append(Anomaly(unit, meter, period, "spike", this.usage, median, this.previous, this.current,
                               row=this.row))
        elif this.usage == 0 and statuses.get(unit) in OCCUPIED:
            out.append(Anomaly(unit, meter, period, "zero", this.usage, median, this.previous, this.current,
                               row=this.row))
    return sorted(out, key=lambda a: (order[a.kind], a.unit, a.meter))


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
