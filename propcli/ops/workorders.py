"""`workorders open/assign/done/visit` on the workbook: each step writes its time, and the deadlines that
start with it (时限规则 as it is that day), so a later policy change does not rewrite history. A paid
repair's fee becomes a bill (收费项目 有偿维修费) in 应收账单, collected and chased like any other bill."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..domain import deadlines as d
from ..domain.allocation import bill_status
from ..errors import DataError, Location
from ..store import schema
from ..store.workbook import Workbook
from . import ledger, sequence
from .billing import BillingRun
from .billing import use_prepaid
from .service import ORDERS, Case, check_time, find, fmt_time, issue, rules, stamp, typed_phone
from .units import one_owner

REPAIR_ITEM = "有偿维修费"


@dataclass(frozen=True)
class Done:
    number: str
    bill: dict | None  # the 应收账单 row of a paid repair
    visit_due: dt.datetime | None


def category_arg(text: str | None) -> str:
    """--category as typed (blank: 其他); an unknown one is refused naming the choices."""
    found = d.category(text)
    if found is None:
        raise DataError("service.category", Location(column="--category"), value=repr(text),
                        choices="/".join(d.CATEGORIES))
    return found


def open_order(wb: Workbook, unit: str, *, content: str, category: str | None, reporter: str | None,
               phone: str | None, convenient: str | None, paid: bool, at: dt.datetime, now: dt.datetime) -> dict:
    """Stage a new 报修工单 row; returns it (its 工单号 is issued once the change commits)."""
    if not content.strip():
        raise DataError("service.no_content", Location(column="--content"), value="''")
    cat = category_arg(category)
    check_time(at, now, "--at", ())
    _, owner = one_owner(wb, unit)
    unit_id = str(owner.values["unit_id"])
    phone = typed_phone(phone)
    rules_ = rules(wb)
    table, number = issue(wb, ORDERS, at)
    record = {"order_no": number, "unit_id": unit_id, "reported_at": at,
              "reporter": reporter or owner.values.get("owner_name"), "phone": phone or owner.values.get("phone"),
              "category": cat, "content": content.strip(), "convenient_time": convenient, "paid": "是" if paid else None,
              "status": "待派工", **stamp(rules_, cat, ORDERS, d.RECEIVED, at)}
    wb.append(table, [record], key_column="order_no")
    return record


def assign(wb: Workbook, number: str, *, to: str, at: dt.datetime, now: dt.datetime) -> Case:
    """Dispatch (派工) to a member of the maintenance staff; starts the 完工 deadline. An order dispatched
    before only changes hands: its dispatch time and deadline stay (a new name does not buy time)."""
    if not to.strip():
        raise DataError("service.no_staff", Location(column="--to"), value="''")
    rules_ = rules(wb)
    table, row, case = find(wb, ORDERS, number, rules_)
    if case.values.get("done_at") is not None:
        raise DataError("service.already_done", table.location(row.number, "done_at"), value=case.number,
                        when=fmt_time(case.values["done_at"]))
    if case.values.get("assigned_at") is not None:  # handed to someone else: the dispatch and its deadline stay
        wb.update(table, row, {"assigned_to": to.strip()}, key=case.number)
        return case
    check_time(at, now, "--at", [("报修", case.opened)])
    wb.update(table, row, {"assigned_to": to.strip(), "assigned_at": at, "status": "处理中",
                           **stamp(rules_, case.subject, ORDERS, "派工", at)}, key=case.number)
    return case


def done(wb: Workbook, number: str, *, at: dt.datetime | None, leak_test_at: dt.datetime | None,
         fee: Decimal | None, now: dt.datetime) -> Done:
    """Completion (完工), and the leak test (试漏) of a leak, possibly days later; starts the visit's
    deadline. A fee bills the unit."""
    rules_ = rules(wb)
    table, row, case = find(wb, ORDERS, number, rules_)
    v = case.values
    changes: dict[str, object] = {}
    if v.get("done_at") is not None:  # done before: only a leak test may still be recorded
        if leak_test_at is None or v.get("leak_test_at") is not None or fee is not None or at is not None:
            raise DataError("service.already_done", table.location(row.number, "done_at"), value=case.number,
                            when=fmt_time(v["done_at"]))
        finished: dt.datetime = v["done_at"]  # type: ignore[assignment]
    else:
        if v.get("assigned_at") is None and not v.get("assigned_to"):
            raise DataError("service.not_assigned", table.location(row.number, "assigned_to"), value=case.number)
        finished = at or now
        dispatched = v.get("assigned_at") or case.opened
        check_time(finished, now, "--at", [("报修", case.opened), ("派工", dispatched)])  # type: ignore[list-item]
        changes.update({"done_at": finished, "status": "已完成", **stamp(rules_, case.subject, ORDERS, "完工", finished)})
    if leak_test_at is not None:
        check_time(leak_test_at, now, "--leak-test-at", [("完工", finished)])
        changes.update({"leak_test_at": leak_test_at, **stamp(rules_, case.subject, ORDERS, d.LEAK_TEST, leak_test_at)})
    bill = None
    if fee is not None:
        changes["charge"], changes["paid"] = fee, "是"
        bill = _bill(wb, case, fee, finished)
        changes["bill_id"] = bill["bill_id"]
    elif v.get("paid") == "是" and "done_at" in changes and not v.get("charge"):
        raise DataError("service.fee_missing", Location(column="--fee"), value=case.number)
    wb.update(table, row, changes, key=case.number)
    return Done(case.number, bill, changes.get("visit_due") or v.get("visit_due"))  # type: ignore[arg-type]


def _bill(wb: Workbook, case: Case, fee: Decimal, day: dt.datetime) -> dict:
    """A 有偿维修费 bill for the period of the completion, due like the estate's other bills."""
    if not case.unit:
        raise DataError("service.fee_no_unit", Location(column="--fee"), value=case.number)
    period = f"{day.year:04d}-{day.month:02d}"
    bills = wb.read(schema.BILLS, required=False, only=("period", period))
    number = sequence.next_number(wb, sequence.BILLS, sequence.BILLS.scope(period),
                                  issued=(r.values.get("bill_id") for r in bills.rows))
    sequence.remember(wb, sequence.BILLS, number)
    record = {"bill_id": number, "unit_id": case.unit, "period": period, "item": REPAIR_ITEM,
              "quantity": Decimal(1), "unit_price": fee, "amount": fee,
              "due_date": day.date() + dt.timedelta(days=ledger.due_days(wb)), "paid": Decimal(0),
              "status": bill_status(fee, Decimal(0)),
              "detail": f"工单 {case.number} 有偿维修：{case.values.get('content') or ''}"}
    run = BillingRun(period, new=[record])
    use_prepaid(wb, run)  # a unit holding 预存 pays it from there, as it would a month's bills
    wb.append(bills, [record], key_column="bill_id")
    return record


def visit(wb: Workbook, number: str, *, result: str, note: str | None, by: str | None, at: dt.datetime,
          reopen: bool, now: dt.datetime) -> Case:
    """The return visit (回访). 不满意 with `reopen` sends the order back to the staff: the visit is kept in
    回访结果, the completion cleared, and a new visit falls due after the next completion."""
    if result not in schema.SATISFACTION:
        raise DataError("service.result", Location(column="--result"), value=repr(result),
                        choices="/".join(schema.SATISFACTION))
    if reopen and result != "不满意":
        raise DataError("service.reopen_satisfied", Location(column="--reopen"), value=result)
    rules_ = rules(wb)
    table, row, case = find(wb, ORDERS, number, rules_)
    v = case.values
    if v.get("done_at") is None:
        raise DataError("service.not_done", table.location(row.number, "done_at"), value=case.number)
    if v.get("visited_at") is not None:
        raise DataError("service.already_visited", table.location(row.number, "visited_at"), value=case.number,
                        when=fmt_time(v["visited_at"]))
    check_time(at, now, "--at", [("完工", v["done_at"]), ("试漏", v.get("leak_test_at"))])  # type: ignore[list-item]
    said = f"{at:%Y-%m-%d} {result}" + (f"：{note.strip()}" if note and note.strip() else "")
    history = str(v.get("visit_result") or "")
    if reopen:
        changes: dict[str, object] = {
            "visit_result": f"{history}；{said}（返修）" if history else f"{said}（返修）",
            "reopened": int(v.get("reopened") or 0) + 1, "done_at": None, "leak_test_at": None, "visit_due": None,
            "assigned_at": at, "status": "处理中", **stamp(rules_, case.subject, ORDERS, "派工", at)}
    else:
        changes = {"visited_at": at, "visited_by": by, "satisfaction": result, "status": "已回访",
                   "visit_result": f"{history}；{said}" if history else said}
    wb.update(table, row, {k: val for k, val in changes.items() if val is not None or v.get(k) is not None},
              key=case.number)
    return case
