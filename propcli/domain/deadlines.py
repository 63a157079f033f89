"""Deadlines of work orders and complaints (时限规则): pure rules, no workbook, no clock.

The estate keeps its limits in a policy sheet, one row a step:

    类别或等级  环节  起算  时限
    全部        派工  受理  2小时
    全部        回访  完工  2天
    渗漏        回访  试漏  3天
    重大        转呈  受理  当天
    重要        转呈  受理  1小时

A limit counts from the moment of the step it names (起算):

- `N小时` ends N clock hours later (a 重要 complaint received at 17:30 is forwarded by 18:30);
- `N天` ends at the end of the N-th day after that day (a visit due 2 days after a completion on Friday
  at 16:00 ends on Sunday at 23:59);
- `当天` ends at the end of that same day;
- `N工作日` ends at the end of the N-th working day after that day, following China's official calendar
  (holidays and the 调休 make-up working days) from the `chinese_calendar` package. The calendar of a
  year is published late the year before; a day the package does not know is counted Monday–Friday and
  the deadline says so (`assumed`), never an error.

A row of 类别或等级 `全部` holds for every category (or severity) that has no row of its own for that step.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .policy import PolicyError

ALL = "全部"
CATEGORIES = ("安全设施", "渗漏", "水电", "门窗", "公共设施", "其他")
SEVERITIES = ("重大", "重要", "一般")
RECEIVED = "受理"
LEAK_TEST = "试漏"
ORDER_STEPS = ("派工", "完工", "回访")  # in the order they happen
COMPLAINT_STEPS = ("转呈", "答复", "解决")
ORDER_EVENTS = (RECEIVED, "派工", "完工", LEAK_TEST, "回访")
COMPLAINT_EVENTS = (RECEIVED, *COMPLAINT_STEPS)
END_OF_DAY = dt.time(23, 59)


def category(text: object) -> str | None:
    """The category a clerk wrote (blank is 其他), or None when it is none of them."""
    s = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not s:
        return "其他"
    return s if s in CATEGORIES else None


# -- limits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str  # 小时, 天, 当天, 工作日

    def __str__(self) -> str:
        return "当天" if self.unit == "当天" else f"{self.amount}{self.unit}"


_LIMIT = re.compile(r"^(\d+)(小时|个小时|h|hours?|天|日|d|days?|个工作日|工作日|wd|workdays?)$")


def parse_limit(text: object) -> Limit:
    """`2小时`, `3天`, `当天`, `5工作日` (also `5个工作日`, `24h`, `2d`); raises ValueError."""
    s = unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")
    if s in ("当天", "当日", "same-day", "sameday"):
        return Limit(0, "当天")
    m = _LIMIT.match(s)
    if m is None or (int(m.group(1)) == 0):
        raise ValueError(s)
    unit = m.group(2)
    if unit in ("小时", "个小时", "h", "hour", "hours"):
        return Limit(int(m.group(1)), "小时")
    if unit in ("天", "日", "d", "day", "days"):
        return Limit(int(m.group(1)), "天")
    return Limit(int(m.group(1)), "工作日")


# -- the calendar --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _calendar():  # type: ignore[no-untyped-def]
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - a declared dependency; without it every day is counted Mon–Fri
        return None
    return chinese_calendar


@lru_cache(maxsize=4096)
def working_day(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, does the official calendar know it). An unknown day is a working day
    Monday to Friday."""
    cal = _calendar()
    if cal is not None:
        try:
            return bool(cal.is_workday(day)), True
        except NotImplementedError:  # a year the package has no data for
            pass
    return day.weekday() < 5, False


@lru_cache(maxsize=1)
def known_until() -> int:
    """The last year the official calendar knows (0 without the package)."""
    cal = _calendar()
    if cal is None:
        return 0
    from chinese_calendar import constants

    return max(d.year for d in constants.holidays)


@dataclass(frozen=True)
class Deadline:
    at: dt.datetime
    assumed: bool = False  # counted Monday–Friday: a year the official calendar does not know yet


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, END_OF_DAY)


def deadline(start: dt.datetime, limit: Limit) -> Deadline:
    """When a step that may start at `start` must be done by (see the module's doc)."""
    if limit.unit == "小时":
        return Deadline(start + dt.timedelta(hours=limit.amount))
    if limit.unit == "当天":
        return Deadline(end_of(start.date()))
    if limit.unit == "天":
        return Deadline(end_of(start.date() + dt.timedelta(days=limit.amount)))
    day, left, assumed = start.date(), limit.amount, False
    while left:
        day += dt.timedelta(days=1)
        works, known = working_day(day)
        assumed = assumed or not known
        left -= works
    return Deadline(end_of(day), assumed)


# -- the policy ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    subject: str  # a category, a severity, or 全部
    step: str
    start: str
    limit: Limit
    notes: str = ""
    row: int = 0

    @property
    def for_complaints(self) -> bool:
        return self.step in COMPLAINT_STEPS


def parse_rule(values: Mapping[str, object], row: int = 0) -> Rule:
    """One 时限规则 row as a Rule (raises PolicyError naming the column)."""
    step = str(values.get("step") or "").strip()
    if step not in ORDER_STEPS + COMPLAINT_STEPS:
        raise PolicyError("deadline.step", "step", step, choices="/".join(ORDER_STEPS + COMPLAINT_STEPS))
    raw = str(values.get("subject") or ALL).strip()
    complaint = step in COMPLAINT_STEPS
    subject = raw if raw == ALL or (complaint and raw in SEVERITIES) else (None if complaint else category(raw))
    if subject is None or (not complaint and raw in SEVERITIES):
        choices = SEVERITIES if complaint else CATEGORIES
        raise PolicyError("deadline.subject", "subject", raw, step=step, choices="/".join((ALL, *choices)))
    start = str(values.get("start") or RECEIVED).strip()
    starts = _starts(step)
    if start not in starts:
        raise PolicyError("deadline.start", "start", start, step=step, choices="/".join(starts))
    try:
        limit = parse_limit(values.get("limit"))
    except ValueError:
        raise PolicyError("deadline.limit", "limit", values.get("limit")) from None
    return Rule(subject, step, start, limit, str(values.get("notes") or "").strip(), row)


def _starts(step: str) -> tuple[str, ...]:
    """What a step may count from: a work order's earlier events; any other event of a complaint (the
    result is told the day it is known: 答复 from 解决)."""
    if step in COMPLAINT_STEPS:
        return tuple(e for e in COMPLAINT_EVENTS if e != step)
    return ORDER_EVENTS[: ORDER_EVENTS.index(step)]


def check_rules(rules: Sequence[Rule]) -> None:
    """Each (类别或等级, 环节) once: two rows for one step would leave the deadline to chance; and no
    step may wait on itself through others (答复 from 解决 and 解决 from 答复 never start)."""
    seen: set[tuple[str, str]] = set()
    for rule in rules:
        if (rule.subject, rule.step) in seen:
            raise PolicyError("deadline.twice", "step", rule.step, subject=rule.subject)
        seen.add((rule.subject, rule.step))
    for rule in rules:
        chain, at = {rule.step}, rule.start
        while at in COMPLAINT_STEPS:
            if at in chain:
                raise PolicyError("deadline.cycle", "start", rule.start, step=rule.step)
            chain.add(at)
            nxt = rule_for(rules, rule.subject, at)
            at = nxt.start if nxt is not None else RECEIVED


def rule_for(rules: Sequence[Rule], subject: str, step: str) -> Rule | None:
    """The subject's own rule for a step, else the 全部 one, else none (the step has no deadline)."""
    mine = [r for r in rules if r.step == step and r.subject == subject]
    return (mine or [r for r in rules if r.step == step and r.subject == ALL] or [None])[0]


# -- where a work order or complaint stands ------------------------------------------------------


@dataclass(frozen=True)
class Track:
    """One step of one work order or complaint: since when it may be done, by when, and when it was."""

    step: str
    start: str  # the event it counts from
    started: dt.datetime | None  # when that event happened (None: not yet)
    due: dt.datetime | None  # None: no rule, or not started
    done: dt.datetime | None
    assumed: bool = False  # the deadline was counted Monday–Friday (a year the calendar does not know)

    @property
    def open(self) -> bool:
        return self.started is not None and self.done is None

    def overdue(self, now: dt.datetime) -> bool:
        return self.open and self.due is not None and now > self.due

    def due_on(self, day: dt.date) -> bool:
        """Still to do, and due by the end of `day` (today's list: due today or already overdue)."""
        return self.open and self.due is not None and self.due.date() <= day

    @property
    def on_time(self) -> bool | None:
        """Done within its deadline (None: not done, or no deadline)."""
        if self.done is None or self.due is None:
            return None
        return self.done <= self.due


def tracks(rules: Sequence[Rule], subject: str, steps: Sequence[str], events: Mapping[str, dt.datetime | None],
           stored: Mapping[str, dt.datetime | None], override: Mapping[str, dt.datetime] | None = None) -> list[Track]:
    """Each step that has a rule (or was done): the deadline stored on the row when the step's start
    happened wins over the policy of today (a later policy change does not rewrite history); `override`
    (a date the resident asked for) replaces a computed one."""
    out = []
    known = known_until()
    for step in steps:
        rule = rule_for(rules, subject, step)
        done = events.get(step)
        if rule is None:
            if done is not None:
                out.append(Track(step, "", None, None, done))
            continue
        started = events.get(rule.start)
        due, assumed = stored.get(step), False
        if started is not None and due is None:
            if override and step in override:
                due = override[step]
            else:
                d = deadline(started, rule.limit)
                due, assumed = d.at, d.assumed
        if due is not None and rule.limit.unit == "工作日" and due.year > known:
            assumed = True
        out.append(Track(step, rule.start, started, due, done, assumed))
    return out


def compute_due(rules: Sequence[Rule], subject: str, step: str, started: dt.datetime) -> dt.datetime | None:
    """The deadline to store on a row for `step` once its start event happened at `started`."""
    rule = rule_for(rules, subject, step)
    return deadline(started, rule.limit).at if rule is not None else None


def starting(rules: Sequence[Rule], subject: str, steps: Sequence[str], event: str) -> list[str]:
    """The steps whose deadline starts counting with `event` (e.g. 完工 starts 回访)."""
    return [s for s in steps if (r := rule_for(rules, subject, s)) is not None and r.start == event]
