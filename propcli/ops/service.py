"""Work orders (报修工单) and complaints (投诉记录) as cases on a deadline: both registers read one way.

A row counts whether `workorders open` wrote it or the clerk typed it in Excel: its events are its time
cells (报修时间, 派工时间, 完成时间, 试漏时间, 回访时间 / 受理时间, 转呈时间, 答复时间, 解决时间), its deadlines
the ones stored on the row when each step started (派工期限 … / 转呈期限 …) or, where a hand-typed row has
none, what 时限规则 says today. A row that cannot be used (no number, no time, an unknown category, a
completion before the report) is left out of every list and figure and named by `check workorders`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..domain import deadlines as d
from ..errors import DataError, Location, Problem
from ..store import schema
from ..store.reader import Row, Table
from ..store.workbook import Workbook
from . import sequence
from .policy import PolicyRead, read_policy
from .policy import init_policy as init_sheet

DUE_COLUMNS = {"派工": "assign_due", "完工": "done_due", "回访": "visit_due",
               "转呈": "forward_due", "答复": "answer_due", "解决": "resolve_due"}
CLOSED = "已关闭"  # a work order the clerk closed by hand (withdrawn, a duplicate): nothing is pending


@dataclass(frozen=True)
class Register:
    """One tracked register: its sheet, number column and series, what its subject is, its steps and
    the column holding each event's time."""

    spec: schema.Sheet
    number: str
    series: sequence.Series
    subject: str  # the column naming the category (work orders) or severity (complaints)
    steps: tuple[str, ...]
    events: Mapping[str, str]  # event → column
    check: str  # the check's name

    @property
    def opened(self) -> str:
        return self.events[d.RECEIVED]


ORDERS = Register(schema.WORK_ORDERS, "order_no", sequence.WORK_ORDERS, "category", d.ORDER_STEPS,
                  {"受理": "reported_at", "派工": "assigned_at", "完工": "done_at", "试漏": "leak_test_at",
                   "回访": "visited_at"}, "workorders")
COMPLAINTS = Register(schema.COMPLAINTS, "complaint_no", sequence.COMPLAINTS, "severity", d.COMPLAINT_STEPS,
                      {"受理": "received_at", "转呈": "forwarded_at", "答复": "answered_at", "解决": "resolved_at"},
                      "complaints")


# -- the policy ----------------------------------------------------------------------------------


def policy_read(wb: Workbook) -> PolicyRead[d.Rule]:
    """时限规则 as rules (the defaults when the sheet is missing or empty), with the rows it cannot use."""
    return read_policy(wb, schema.DEADLINES, d.parse_rule, schema.DEADLINES_DEFAULTS, d.check_rules)


def rules(wb: Workbook) -> tuple[d.Rule, ...]:
    """The rules in force; a bad row stops the command, naming its cell."""
    return policy_read(wb).strict().rules


def init_policy(wb: Workbook) -> int:
    """Write the default limits into 时限规则 (an old workbook made before the sheet existed)."""
    return init_sheet(wb, schema.DEADLINES, schema.DEADLINES_DEFAULTS)


# -- cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One usable row: where each of its steps stands."""

    register: Register
    row: int
    number: str
    unit: str
    subject: str  # category or severity
    values: Mapping[str, object]
    tracks: tuple[d.Track, ...]

    @property
    def opened(self) -> dt.datetime:
        return self.values[self.register.opened]  # type: ignore[return-value]

    def track(self, step: str) -> d.Track | None:
        return next((t for t in self.tracks if t.step == step), None)

    @property
    def closed(self) -> bool:
        return self.values.get("status") == CLOSED

    def pending(self) -> list[d.Track]:
        return [] if self.closed else [t for t in self.tracks if t.open]

    def overdue(self, now: dt.datetime) -> list[d.Track]:
        return [t for t in self.pending() if t.overdue(now)]

    @property
    def awaiting_leak_test(self) -> bool:
        """A 渗漏 order completed whose visit counts from a leak test not yet recorded."""
        visit = self.track("回访")
        return (not self.closed and visit is not None and visit.start == d.LEAK_TEST and visit.started is None
                and visit.done is None and self.values.get("done_at") is not None)

    @property
    def status(self) -> str:
        """The status its time cells say (a hand-typed 状态 is not trusted, except 已关闭)."""
        v = self.values
        if self.register is ORDERS:
            if self.closed:
                return CLOSED
            if v.get("visited_at"):
                return "已回访"
            if v.get("done_at"):
                return "已完成"
            return "处理中" if v.get("assigned_at") or v.get("assigned_to") else "待派工"
        for column, status in (("resolved_at", "已解决"), ("answered_at", "已答复"), ("forwarded_at", "已转呈")):
            if v.get(column):
                return status
        return "已受理"


def events(reg: Register, values: Mapping[str, object]) -> dict[str, dt.datetime | None]:
    out = {e: values.get(c) for e, c in reg.events.items()}  # type: ignore[misc]
    if reg is ORDERS and out["派工"] is None and (values.get("assigned_to") or out["完工"]):
        out["派工"] = out["受理"]  # dispatched, time not written (a hand-typed row): counted from the report
    return out


def requested(values: Mapping[str, object]) -> dict[str, dt.datetime]:
    """A complaint the resident wants solved by a date: that day is its 解决 deadline."""
    day = values.get("requested_by")
    return {"解决": d.end_of(day)} if isinstance(day, dt.date) else {}


def case_of(reg: Register, rules_: Sequence[d.Rule], row: Row, table: Table) -> tuple[Case | None, list[Problem]]:
    """The row as a case, or the problems that keep it out."""
    v = row.values
    problems: list[Problem] = []

    def bad(key: str, column: str, **params: object) -> None:
        raw = row.raw.get(column, v.get(column))
        problems.append(Problem(reg.check, key, table.location(row.number, column), raw, params, column_key=column))

    number = str(v.get(reg.number) or "").strip()
    if not number:
        bad("service.no_number", reg.number)
    for event, column in reg.events.items():
        if row.raw.get(column) not in (None, "") and v.get(column) is None:
            bad("service.time_cell", column)
    if v.get(reg.opened) is None and reg.opened not in row.raw:
        bad("service.no_time", reg.opened)
    if reg is ORDERS:
        subject = d.category(v.get("category"))
        if subject is None:
            bad("service.category_cell", "category", choices="/".join(d.CATEGORIES))
    else:
        subject = str(v.get("severity") or "").strip()
        if subject not in d.SEVERITIES:
            bad("service.severity_cell", "severity", choices="/".join(d.SEVERITIES))
    if problems:
        return None, problems
    ev = events(reg, v)
    opened = ev[d.RECEIVED]
    for event, column in reg.events.items():  # nothing happens before the case was opened
        if ev.get(event) is not None and event != d.RECEIVED and ev[event] < opened:  # type: ignore[operator]
            bad("service.before_open_cell", column, opened=fmt_time(opened))
    if reg is ORDERS and ev["回访"] is not None and ev["完工"] is None:
        bad("service.visit_undone_cell", "visited_at")
    if reg is ORDERS and ev["回访"] is not None and ev["完工"] is not None and ev["回访"] < ev["完工"]:
        bad("service.visit_before_done_cell", "visited_at", done=fmt_time(ev["完工"]))
    if problems:
        return None, problems
    stored = {step: v.get(DUE_COLUMNS[step]) for step in reg.steps}
    tracks = d.tracks(rules_, subject, reg.steps, ev, stored, requested(v) if reg is COMPLAINTS else None)  # type: ignore[arg-type]
    return Case(reg, row.number, number, str(v.get("unit_id") or ""), subject, v, tuple(tracks)), []


def cases(wb: Workbook, reg: Register, rules_: Sequence[d.Rule] | None = None) -> tuple[list[Case], list[Problem]]:
    """Every usable row of the register (sheet order), and a located problem for each row left out."""
    rules_ = rules(wb) if rules_ is None else rules_
    table = wb.read(reg.spec, required=False)
    out, problems = [], []
    for row in table.rows:
        if all(x is None for x in row.values.values()):
            continue
        case, found = case_of(reg, rules_, row, table)
        if case is not None:
            out.append(case)
        problems.extend(found)
    return out, problems


def check(wb: Workbook, reg: Register) -> list[Problem]:
    """`check workorders` / `check complaints`: 时限规则 rows it cannot use, then each unusable row."""
    read = policy_read(wb)
    if not wb.has(reg.spec):
        return list(read.problems) if reg is ORDERS else []
    found = list(read.problems) if reg is ORDERS else []  # the policy once, under workorders
    return found + cases(wb, reg, read.rules)[1]


# -- finding one case and checking a time typed for it --------------------------------------------


def find(wb: Workbook, reg: Register, number: str, rules_: Sequence[d.Rule]) -> tuple[Table, Row, Case]:
    """The row of a 工单号/投诉号 (typed in any case and width), usable; else a located error."""
    from ..store.normalize import to_identifier

    table = wb.read(reg.spec, required=False)
    wanted = to_identifier(number).upper()
    row = next((r for r in table.rows if str(r.values.get(reg.number) or "").strip().upper() == wanted), None)
    if row is None:
        numbers = [str(r.values.get(reg.number)) for r in table.rows if r.values.get(reg.number)]
        raise DataError(f"service.unknown.{reg.check}", Location(wb.name, table.name or reg.spec.zh,
                        column=reg.spec.column(reg.number).zh), value=repr(number),
                        last=numbers[-1] if numbers else "—")
    case, problems = case_of(reg, rules_, row, table)
    if case is None:
        p = problems[0]
        raise DataError(p.key, p.location, value=repr(str(p.value)), **p.params)
    return table, row, case


def check_time(at: dt.datetime, now: dt.datetime, option: str, after: Sequence[tuple[str, dt.datetime | None]]) -> None:
    """A time typed for a step: not after today, and not before the events it follows (named)."""
    where = Location(column=option)
    if at.date() > now.date():
        raise DataError("service.future", where, value=fmt_time(at), today=now.date().isoformat())
    for event, when in after:
        if when is not None and at < when:
            raise DataError("service.too_early", where, value=fmt_time(at), event=event, when=fmt_time(when))


def choice_arg(value: str | None, choices: Sequence[str], option: str) -> str | None:
    """A list filter typed on the command line (--status, --severity): one of `choices`, or None."""
    if value is None:
        return None
    value = value.strip()
    if value not in choices:
        raise DataError("service.choice", Location(column=option), value=repr(value), choices="/".join(choices))
    return value


def issue(wb: Workbook, reg: Register, at: dt.datetime) -> tuple[Table, str]:
    """The register and the next 工单号/投诉号 of `at`'s month, marked issued once the change commits."""
    table = wb.read(reg.spec, required=False)
    number = sequence.next_number(wb, reg.series, reg.series.scope(at.date()),
                                  issued=(r.values.get(reg.number) for r in table.rows))
    sequence.remember(wb, reg.series, number)
    return table, number


def typed_phone(phone: str | None) -> str | None:
    """A contact phone typed on the command line, checked like the owners register's."""
    if phone is None:
        return None
    from .owners import clean_fields

    return clean_fields({"phone": phone})["phone"]  # type: ignore[return-value]


def fmt_time(when: object) -> str:
    """A time as messages show it: `2026-11-23 09:30`."""
    return when.strftime("%Y-%m-%d %H:%M") if isinstance(when, dt.datetime) else str(when)


def stamp(rules_: Sequence[d.Rule], case_subject: str, reg: Register, event: str, at: dt.datetime) -> dict[str, object]:
    """The deadlines that start with `event` at `at`, as cells to store on the row."""
    return {DUE_COLUMNS[s]: d.compute_due(rules_, case_subject, s, at) for s in d.starting(rules_, case_subject, reg.steps, event)}
