"""The dunning ladder (催缴流程): which step of the estate's policy a debtor is at, and which step is due
next and when, honouring promises to pay and recent contacts. Pure rules: no workbook, no printing.

The ladder is a table the estate keeps in its workbook (催缴规则), one row a step:

    顺序  方式      起算      间隔    最少欠费月数  适用状态  说明
    1     书面通知  逾期      1天     1
    2     短信      逾期      1天     1
    3     电话      书面通知  15天    1
    4     催缴函    电话      3个月   1
    5     上门      催缴函    1个月   6            自住
    6     律师函    上门      3个月   12
    7     诉讼      律师函    3个月   12

A step falls due `间隔` after the contact it follows (起算: another step's 方式, or 逾期 — the day the
oldest unpaid bill fell due), and not before the debt is `最少欠费月数` months overdue. A step whose
适用状态 does not match the unit (上门 only for owners living in the estate) is skipped, and so is a
step before the furthest one taken (a 催缴函 sent makes a missing 短信 moot); the steps after a skipped
one count from what it would have followed. Contacts before the oldest unpaid bill fell due
belong to an arrears episode already settled and do not count.

Water, power, gas and heating are never cut for arrears: no step may be one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .arrears import add_months
from .policy import PolicyError

START = "逾期"  # 起算 of the first steps: the day the oldest unpaid bill fell due
CHANNELS = ("电话", "短信", "书面通知", "催缴函", "上门", "律师函", "诉讼")
FORBIDDEN = ("停水", "停电", "停气", "停暖", "断水", "断电", "停止供")


@dataclass(frozen=True)
class Wait:
    amount: int
    months: bool = False  # False: days

    def after(self, day: dt.date) -> dt.date:
        return add_months(day, self.amount) if self.months else day + dt.timedelta(days=self.amount)

    def __str__(self) -> str:
        return f"{self.amount}{'个月' if self.months else '天'}"


_WAIT = re.compile(r"^(\d+)\s*(天|日|d|days?|个月|月|m|months?)?$")


def parse_wait(text: object) -> Wait:
    s = unicodedata.normalize("NFKC", str(text if text is not None else "0")).strip().lower().replace(" ", "")
    m = _WAIT.match(s or "0")
    if m is None:
        raise ValueError(s)
    unit = m.group(2) or "天"
    return Wait(int(m.group(1)), unit in ("个月", "月", "m", "month", "months"))


@dataclass(frozen=True)
class Step:
    order: int
    channel: str
    after: str = START  # START or the 方式 of the step it follows
    wait: Wait = Wait(0)
    min_months: int = 1
    applies_to: frozenset[str] = frozenset()  # 房屋状态 it applies to; empty: every unit
    notes: str = ""
    row: int = 0

    def applies(self, status: str | None) -> bool:
        return not self.applies_to or (status or "") in self.applies_to


def parse_step(values: Mapping[str, object], row: int = 0) -> Step:
    """One 催缴规则 row as a Step (raises PolicyError naming the column)."""
    order = values.get("order")
    if not isinstance(order, int):
        raise PolicyError("dunning.order", "order", order)
    channel = str(values.get("channel") or "").strip()
    notes = str(values.get("notes") or "").strip()
    if any(w in channel or w in notes for w in FORBIDDEN):
        raise PolicyError("dunning.cut", "channel" if any(w in channel for w in FORBIDDEN) else "notes",
                          channel if any(w in channel for w in FORBIDDEN) else notes)
    if channel not in CHANNELS:
        raise PolicyError("dunning.channel", "channel", channel, choices="/".join(CHANNELS))
    after = str(values.get("after") or START).strip()
    if after not in (START, *CHANNELS):
        raise PolicyError("dunning.after", "after", after, choices="/".join((START, *CHANNELS)))
    try:
        wait = parse_wait(values.get("wait"))
    except ValueError:
        raise PolicyError("dunning.wait", "wait", values.get("wait")) from None
    min_months = values.get("min_months")
    if min_months is None:
        min_months = 1
    if not isinstance(min_months, int) or min_months < 1:
        raise PolicyError("dunning.min_months", "min_months", min_months)
    applies = frozenset(p for p in re.split(r"[/、,，;；\s]+", str(values.get("applies_to") or "")) if p)
    return Step(order, channel, after, wait, min_months, applies, notes, row)


def check_ladder(steps: Sequence[Step]) -> None:
    """A ladder must name each 方式 once and follow only steps it has (else raises PolicyError)."""
    seen: set[str] = set()
    for step in steps:
        if step.channel in seen:
            raise PolicyError("dunning.twice", "channel", step.channel)
        seen.add(step.channel)
    for step in steps:
        if step.after != START and step.after not in seen:
            raise PolicyError("dunning.after_missing", "after", step.after)
        if step.after == step.channel:
            raise PolicyError("dunning.after_self", "after", step.after)
    by_channel = {s.channel: s for s in steps}
    for step in steps:  # 起算 chains must end at 逾期
        chain, at = {step.channel}, step.after
        while at != START:
            if at in chain:
                raise PolicyError("dunning.cycle", "after", step.after)
            chain.add(at)
            at = by_channel[at].after


# -- contacts and the plan -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    """One 催缴记录 row."""

    date: dt.date
    channel: str
    outcome: str = ""
    promise: dt.date | None = None
    tracking_no: str = ""
    row: int = 0


@dataclass(frozen=True)
class Action:
    step: Step
    due: dt.date


@dataclass
class Plan:
    """Where a debtor stands on the ladder as of a date."""

    stage: Step | None = None  # the furthest step done in this arrears episode
    stage_date: dt.date | None = None
    promise: dt.date | None = None  # the latest promise to pay in this episode
    promise_broken: bool = False
    actions: list[Action] = field(default_factory=list)  # the steps that come next, earliest first

    def due(self, as_of: dt.date) -> list[Action]:
        return [a for a in self.actions if a.due <= as_of]

    @property
    def next(self) -> list[Action]:
        """The step(s) due first (書面通知 and 短信 together)."""
        if not self.actions:
            return []
        first = self.actions[0].due
        return [a for a in self.actions if a.due == first]


def plan(ladder: Sequence[Step], oldest_due: dt.date, contacts: Sequence[Contact], as_of: dt.date,
         status: str | None, gap_days: int = 0) -> Plan:
    """The plan of a debtor whose oldest unpaid bill fell due on `oldest_due`.

    - Done: a step is done by any contact of its 方式 after `oldest_due` (up to `as_of`).
    - Due date: 间隔 after the contact it follows, not before the debt is 最少欠费月数 months overdue,
      not within `gap_days` of an unrelated contact (a step of another batch), and not before the day
      after a promised date: a pending promise holds the ladder; a promise not kept lets it go on.
    """
    mine = sorted((c for c in contacts if oldest_due < c.date <= as_of), key=lambda c: (c.date, c.row))
    done: dict[str, dt.date] = {}
    for c in mine:
        done[c.channel] = c.date
    steps = sorted(ladder, key=lambda s: s.order)
    by_channel = {s.channel: s for s in steps}
    out = Plan()
    for s in steps:
        if s.channel in done and (out.stage is None or s.order > out.stage.order):
            out.stage, out.stage_date = s, done[s.channel]
    promised = [c for c in mine if c.promise is not None]
    if promised:
        out.promise = promised[-1].promise
        out.promise_broken = out.promise < as_of  # still owing what was owed when the promise was made
    hold = out.promise + dt.timedelta(days=1) if out.promise else None

    def passed(step: Step) -> bool:
        """Not to be done: it does not apply to this unit, or a further step has been taken already."""
        return not step.applies(status) or (out.stage is not None and step.order < out.stage.order)

    def anchor(channel: str) -> dt.date | None:
        if channel == START:
            return oldest_due
        if channel in done:
            return done[channel]
        step = by_channel[channel]
        return anchor(step.after) if passed(step) else None

    actions = []
    for s in steps:
        if s.channel in done or passed(s):
            continue
        base = anchor(s.after)
        if base is None:
            continue
        day = s.wait.after(base)
        if s.min_months > 1:
            day = max(day, add_months(oldest_due, s.min_months - 1) + dt.timedelta(days=1))
        if gap_days:
            batch = {x.channel for x in steps if (x.after, x.wait) == (s.after, s.wait)}
            others = [c.date for c in mine if c.channel not in batch]
            if others:
                day = max(day, others[-1] + dt.timedelta(days=gap_days))
        if hold is not None:
            day = max(day, hold)
        actions.append(Action(s, day))
    actions.sort(key=lambda a: (a.due, a.step.order))
    out.actions = actions
    return out
