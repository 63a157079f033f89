"""Work orders and complaints as reports: the morning's due list, the registers filtered, one case with
its steps, and the 时限规则 in force. Deadlines counted Monday–Friday (a year the official calendar does
not know yet) say so in the column beside them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from ..domain import deadlines as d
from ..i18n import tr
from ..ops.service import ORDERS, Case, Register
from ..store import schema
from .model import Kind, Report, Section, col, schema_columns


def moment(as_of: dt.date, now: dt.datetime) -> dt.datetime:
    """What "overdue" is judged against: now when the list is for today, else the end of that day
    (a list as of a past day is the same whenever it is run)."""
    return now.replace(second=0, microsecond=0) if as_of == now.date() else d.end_of(as_of)


def lateness(due: dt.datetime | None, at: dt.datetime, lang: str) -> str:
    """`逾期 2天`, `逾期 3小时`, `今天 18:30 到期`, or '' for a deadline further off."""
    if due is None:
        return ""
    zh = lang == "zh"
    if at > due:
        gap = at - due
        if gap >= dt.timedelta(days=1):
            return f"逾期 {gap.days}天" if zh else f"{gap.days} day(s) late"
        hours = max(1, -(-gap.seconds // 3600))
        return f"逾期 {hours}小时" if zh else f"{hours} hour(s) late"
    if due.date() == at.date():
        return f"今天 {due:%H:%M} 到期" if zh else f"due today {due:%H:%M}"
    return ""


def calendar_note(track: d.Track | None, lang: str) -> str:
    if track is None or not track.assumed or track.due is None:
        return ""
    return tr("out.service_assumed", lang, year=track.due.year)


COLS = {
    "number": col("number", "编号", "number", Kind.ID),
    "unit_id": col("unit_id", "房号", "unit", Kind.ID),
    "subject": col("subject", "类别/等级", "category/severity"),
    "what": col("what", "内容", "content"),
    "step": col("step", "环节", "step"),
    "due": col("due", "期限", "deadline", Kind.DATETIME),
    "late": col("late", "状态", "state"),
    "calendar": col("calendar", "期限说明", "deadline note"),
    "person": col("person", "报修人/投诉人", "reported by", Kind.NAME),
    "phone": col("phone", "联系电话", "phone", Kind.PHONE),
    "staff": col("staff", "派工/部门", "staff/department"),
    "opened": col("opened", "受理时间", "received", Kind.DATETIME),
    "status": col("status", "进度", "status"),
}


def _who(case: Case) -> dict[str, object]:
    v = case.values
    if case.register is ORDERS:
        return {"what": v.get("content"), "person": v.get("reporter"), "staff": v.get("assigned_to")}
    return {"what": v.get("subject"), "person": v.get("complainant"),
            "staff": v.get("forwarded_to") or v.get("department")}


def _row(case: Case, track: d.Track | None, at: dt.datetime, lang: str, step: str | None = None) -> dict[str, object]:
    return {"number": case.number, "unit_id": case.unit, "subject": case.subject, **_who(case),
            "step": step or (track.step if track else ""), "due": track.due if track else None,
            "late": lateness(track.due, at, lang) if track else "", "calendar": calendar_note(track, lang),
            "phone": case.values.get("phone"), "opened": case.opened, "status": case.status}


def due_rows(cases: Sequence[Case], as_of: dt.date, now: dt.datetime, lang: str) -> list[dict[str, object]]:
    """What must be done by the end of `as_of`: orders not dispatched (whenever due), every step due
    that day or overdue, and leaks waiting for their leak test; most overdue first."""
    at = moment(as_of, now)
    rows = []
    for case in cases:
        for track in case.pending():
            if track.step == "派工" or track.due_on(as_of):
                rows.append(_row(case, track, at, lang))
        if case.awaiting_leak_test:
            rows.append({**_row(case, None, at, lang, step=d.LEAK_TEST),
                         "late": tr("out.service_leak_test", lang, done=f"{case.values['done_at']:%Y-%m-%d %H:%M}")})
    far = dt.datetime.max
    return sorted(rows, key=lambda r: (r["due"] or far, str(r["number"])))  # type: ignore[operator]


def due(orders: Sequence[Case], complaints: Sequence[Case], as_of: dt.date, now: dt.datetime, estate: dict[str, str],
        lang: str) -> Report:
    """`workorders due`: the morning list in one table (CSV for cron holds it all), work orders then
    complaints, each most overdue first."""
    keys = ("kind", "number", "unit_id", "subject", "what", "step", "due", "late", "calendar", "person", "phone", "staff")
    columns = [col("kind", "类型", "kind"), *(COLS[k] for k in keys[1:])]
    o_rows, c_rows = due_rows(orders, as_of, now, lang), due_rows(complaints, as_of, now, lang)
    kinds = (("报修", "repair"), ("投诉", "complaint"))
    rows = [{**r, "kind": kinds[0][lang != "zh"]} for r in o_rows] + [{**r, "kind": kinds[1][lang != "zh"]} for r in c_rows]
    title = tr("out.service_due_title", lang, name=estate.get("name", ""), date=as_of.isoformat(),
               orders=len(o_rows), complaints=len(c_rows))
    return Report("workorders.due", title, [Section("due", "今日应办", "due", columns, rows)], {"as_of": as_of},
                  estate=estate, empty_note=tr("out.service_nothing_due", lang, date=as_of.isoformat()))


def listing(reg: Register, cases: Sequence[Case], as_of: dt.date, now: dt.datetime, estate: dict[str, str], lang: str,
            building_of: Callable[[str], str], *, status: str | None = None, overdue: bool = False,
            building: str | None = None, subject: str | None = None) -> Report:
    """`workorders list` / `complaints list`: one line a case, its next step and how late it is."""
    at = moment(as_of, now)
    rows = []
    for case in cases:
        if status and case.status != status or subject and case.subject != subject:
            continue
        if building and building_of(case.unit) != building:
            continue
        late = case.overdue(at)
        if overdue and not late:
            continue
        track = late[0] if late else next(iter(case.pending()), None)
        rows.append(_row(case, track, at, lang))
    keys = ("number", "unit_id", "opened", "subject", "what", "staff", "status", "step", "due", "late", "calendar",
            "person", "phone")
    title = tr("out.workorders_list_title" if reg is ORDERS else "out.complaints_list_title", lang,
               name=estate.get("name", ""), date=as_of.isoformat(), count=len(rows))
    return Report(f"{reg.check}.list", title, [Section(reg.spec.key, reg.spec.zh, reg.spec.key, [COLS[k] for k in keys], rows)],
                  {"as_of": as_of, "status": status, "overdue": overdue, "building": building, "subject": subject},
                  estate=estate, empty_note=tr("out.service_none", lang))


def show(case: Case, as_of: dt.date, now: dt.datetime, lang: str) -> Report:
    """One case: the row as registered, then each step — counted from, started, deadline, done, on time."""
    reg = case.register
    at = moment(as_of, now)
    record = Section("record", reg.spec.zh, reg.spec.key, schema_columns(reg.spec),
                     [{**case.values, "status": case.status}], record=True)
    steps = []
    for t in case.tracks:
        on_time = t.on_time
        steps.append({"step": t.step, "start": t.start, "started": t.started, "due": t.due, "calendar": calendar_note(t, lang),
                      "done": t.done, "late": lateness(t.due, at, lang) if t.open else
                      ("" if on_time is None else tr("out.service_on_time" if on_time else "out.service_late", lang))})
    columns = [COLS["step"], col("start", "起算", "counted from"), col("started", "起算时间", "started", Kind.DATETIME),
               COLS["due"], COLS["calendar"], col("done", "完成时间", "done", Kind.DATETIME), COLS["late"]]
    return Report(f"{reg.check}.show", case.number, [record, Section("steps", "时限", "steps", columns, steps)], {"number": case.number})


def policy(rules: Sequence[d.Rule], from_workbook: bool, lang: str) -> Report:
    rows = [{"subject": r.subject, "step": r.step, "start": r.start, "limit": str(r.limit), "notes": r.notes} for r in rules]
    source = tr("out.service_policy_sheet" if from_workbook else "out.service_policy_default", lang)
    return Report("workorders.policy", tr("out.service_policy_title", lang, source=source),
                  [Section("rules", schema.DEADLINES.zh, "rules", schema_columns(schema.DEADLINES), rows)])
