"""`complaints open/forward/answer/resolve` on the workbook: each step writes its time and the deadlines
that start with it (时限规则 that day; a date the resident asked for is the 解决 deadline)."""

from __future__ import annotations

import datetime as dt

from ..domain import deadlines as d
from ..errors import DataError, Location
from ..store.workbook import Workbook
from .service import COMPLAINTS, Case, check_time, find, fmt_time, issue, rules, stamp, typed_phone
from .units import one_owner


def open_complaint(wb: Workbook, *, unit: str | None, severity: str, subject: str, complainant: str | None,
                   phone: str | None, department: str | None, requested_by: dt.date | None, at: dt.datetime,
                   now: dt.datetime) -> dict:
    """Stage a new 投诉记录 row; returns it (its 投诉号 is issued once the change commits)."""
    severity = (severity or "").strip()
    if severity not in d.SEVERITIES:
        raise DataError("service.severity", Location(column="--severity"), value=repr(severity),
                        choices="/".join(d.SEVERITIES))
    if not subject.strip():
        raise DataError("service.no_subject", Location(column="--subject"), value="''")
    check_time(at, now, "--at", ())
    if requested_by is not None and requested_by < at.date():
        raise DataError("service.requested_past", Location(column="--requested-by"), value=requested_by.isoformat(),
                        when=fmt_time(at))
    owner = one_owner(wb, unit)[1].values if unit else {}
    phone = typed_phone(phone)
    rules_ = rules(wb)
    table, number = issue(wb, COMPLAINTS, at)
    dues = stamp(rules_, severity, COMPLAINTS, d.RECEIVED, at)
    if requested_by is not None and "resolve_due" in dues:
        dues["resolve_due"] = d.end_of(requested_by)
    record = {"complaint_no": number, "unit_id": owner.get("unit_id"), "received_at": at,
              "complainant": complainant or owner.get("owner_name"), "phone": phone or owner.get("phone"),
              "severity": severity, "subject": subject.strip(), "department": department, "requested_by": requested_by,
              "status": "已受理", **dues}
    wb.append(table, [record], key_column="complaint_no")
    return record


STEP_COLUMN = {"转呈": "forwarded_at", "答复": "answered_at", "解决": "resolved_at"}
STATUS = {"转呈": "已转呈", "答复": "已答复", "解决": "已解决"}


def step(wb: Workbook, number: str, which: str, *, at: dt.datetime, now: dt.datetime, to: str | None = None,
         result: str | None = None) -> Case:
    """Record 转呈 (forwarded to `to`), 答复 (the resident told) or 解决 (solved, with its `result`)."""
    rules_ = rules(wb)
    table, row, case = find(wb, COMPLAINTS, number, rules_)
    v = case.values
    column = STEP_COLUMN[which]
    if v.get(column) is not None:
        raise DataError("service.step_done", table.location(row.number, column), value=case.number, step=which,
                        when=fmt_time(v[column]))
    check_time(at, now, "--at", [("受理", case.opened)])
    changes: dict[str, object] = {column: at, **stamp(rules_, case.subject, COMPLAINTS, which, at)}
    if which == "转呈" and to:
        changes["forwarded_to"] = to.strip()
    if which == "解决" and result:
        changes["result"] = result.strip()
    later = [s for s in ("转呈", "答复", "解决") if v.get(STEP_COLUMN[s]) is not None or s == which]
    changes["status"] = STATUS[max(later, key=("转呈", "答复", "解决").index)]
    wb.update(table, row, changes, key=case.number)
    return case
