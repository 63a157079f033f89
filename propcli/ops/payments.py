"""Payments at the desk: record (allocate oldest-first, keep the rest as 预存), void, and the receipt.

A payment's 分配 cell says where every cent went: `ZD202501000001:120.00;预存:10.00`. The prepaid balance
of a unit is the sum of the 预存 parts of its payments that are not voided; when a later bill consumes
it, the payment's 分配 is rewritten to name that bill, so voiding a payment always knows which bills to
reopen. Receipt numbers (SJ + year + 6 digits) are never reused (`sequence.RECEIPTS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from ..domain.allocation import (
    PREPAID, Allocation, AllocationError, OpenBill, allocate, bill_status, format_allocations, parse_allocations,
    spend_prepaid,
)
from ..domain.money import rmb_upper
from ..errors import DataError, Location, located
from ..store import schema
from ..store.reader import Row, Table
from ..store.workbook import ROW_NUMBER, Workbook, current_operator
from . import sequence
from .units import former_owner, numbered_row, one_owner, transfers, typed_number

if TYPE_CHECKING:
    from ..render.contexts import ReceiptPage

T = TypeVar("T")

# -- prepaid ---------------------------------------------------------------------------------------


def allocations_at(text: object, where: Callable[[], Location],
                   parse: Callable[[str | None], T] = parse_allocations) -> T:  # type: ignore[assignment]
    """A 分配 cell as Allocations (or what `parse` makes of it: `allocation_pairs` for the reports over
    a year of payments); one that cannot be read stops the command, naming its cell (`where` is asked
    only then)."""
    try:
        return parse(text)  # type: ignore[arg-type]
    except AllocationError:
        raise DataError("payment.bad_allocations", where(), value=repr(text)) from None


def _allocations(table: Table, row: Row) -> tuple[Allocation, ...]:
    return allocations_at(row.values.get("allocations"), lambda: table.location(row.number, "allocations"))


def prepaid_of(table: Table, row: Row) -> Decimal:
    if row.values.get("voided") or PREPAID not in str(row.values.get("allocations") or ""):
        return Decimal(0)
    return sum((a.amount for a in _allocations(table, row) if a.target == PREPAID), Decimal(0))


def prepaid_sources(payments: Table, unit: str | None = None) -> dict[str, list[tuple[Row, Decimal]]]:
    """Per unit, the payments still holding 预存 and how much, oldest first."""
    out: dict[str, list[tuple[Row, Decimal]]] = {}
    rows = payments.rows if unit is None else payments.where("unit_id", unit)
    for row in sorted(rows, key=lambda r: (r.values.get("paid_on") or dt.date.min, r.number)):
        amount = prepaid_of(payments, row)
        if amount > 0:
            out.setdefault(str(row.values.get("unit_id")), []).append((row, amount))
    return out


def holding_prepaid(wb: Workbook) -> Table:
    """收款记录 cut to the payments still holding 预存 (not voided), found by searching the sheet for the
    分配 cells that may mention 预存 (or column by column): billing a big estate need not read each of its
    400,000 payments to find the few with a balance."""
    if not wb.has(schema.PAYMENTS) or len(wb.sheets_of(schema.PAYMENTS)) > 1:
        table = wb.read(schema.PAYMENTS, required=False)
        return replace(table, rows=[r for r in table.rows if prepaid_of(table, r) > 0])
    numbers = wb.rows_mentioning(schema.PAYMENTS, "allocations", PREPAID)  # L: 400,000 分配 not read
    if numbers is None:  # the read cache holds the column, or the sheet is not searched: read the column
        cols = wb.columns(schema.PAYMENTS, ("allocations", "voided", ROW_NUMBER))
        numbers = [n for n, a, v in zip(cols[ROW_NUMBER], cols["allocations"], cols["voided"])
                   if not v and PREPAID in str(a or "")]
    table = wb.rows(schema.PAYMENTS, numbers)
    return replace(table, rows=[r for r in table.rows if prepaid_of(table, r) > 0])


def rewrite_prepaid(wb: Workbook, payments: Table, rows: Sequence[Row],
                    moves: Sequence[tuple[str, str, Decimal]]) -> None:
    """After 预存 paid some bills: each payment's 分配 names those bills instead of 预存."""
    for row in rows:
        receipt = str(row.values.get("receipt_no"))
        mine = [(bill, amount) for r, bill, amount in moves if r == receipt]
        if not mine:
            continue
        new = spend_prepaid(_allocations(payments, row), mine)
        wb.update(payments, row, {"allocations": format_allocations(new)}, key=receipt)


# -- record ----------------------------------------------------------------------------------------


@dataclass
class Payment:
    receipt_no: str
    unit: str
    amount: Decimal
    allocations: tuple[Allocation, ...]
    bills: dict[str, dict]  # bill id → the bill after the payment
    prepaid: Decimal  # the unit's 预存 after the payment
    record: dict
    others_open: Decimal = Decimal(0)  # left open: a former owner's bills (or, with --former-owner, the owner's)


def open_bills(bills: Table) -> list[OpenBill]:
    out = []
    for row in bills.rows:
        v = row.values
        amount, paid = v.get("amount"), v.get("paid") or Decimal(0)
        if v.get("status") == "减免" or not isinstance(amount, Decimal) or v.get("bill_id") is None:
            continue
        out.append(OpenBill(str(v["bill_id"]), str(v.get("period") or ""), amount, paid,  # type: ignore[arg-type]
                            v.get("due_date"), row.number))  # type: ignore[arg-type]
    return out


def record(wb: Workbook, unit: str, amount: Decimal, *, method: str | None = None, paid_on: dt.date,
           bills: Sequence[str] | None = None, operator: str = "", notes: str | None = None,
           former: bool = False) -> Payment:
    """Stage a payment: its 收款记录 row, the bills it pays, the receipt number. The caller commits.

    Bills before a 过户 stay with the old owner: unless bills are named, a payment pays the present owner's
    bills (or, with `former`, the former owner's, settling after the sale) and never the other's."""
    # the unit's rows of 业主档案, 应收账单 and 收款记录 (every column), then 收款记录's 收据号 for the next
    # number; 过户记录 (every column) for whose bills are whose. 应收账单 and 收款记录 are written.
    wb.prefetch(schema.OWNERS, schema.BILLS, schema.PAYMENTS, schema.TRANSFERS, edits=(schema.BILLS, schema.PAYMENTS))
    unit = str(one_owner(wb, unit)[1].values["unit_id"])
    if method is not None and method not in schema.METHODS:
        raise DataError("payment.method", None, value=repr(method), choices="/".join(schema.METHODS))
    table = wb.read(schema.BILLS, required=False, only=("unit_id", unit))
    named = [typed_number(b) for b in bills] if bills else None
    rows = table.index("bill_id")
    for bill_id in named or ():  # a 减免 bill is closed by the waiver: never paid, named or not
        row = rows.get(bill_id)
        if row is not None and row.values.get("status") == "减免":
            raise DataError("payment.waived_bill", table.location(row.number, "status"), bill=bill_id,
                            value=repr("减免"))
    candidates = [b for b in open_bills(table) if named or b.outstanding > 0]
    others = Decimal(0)
    if not named:
        sold = [move for move in transfers(wb).get(unit, ()) if move[0] <= paid_on]
        sellers = {b.bill_id for b in candidates if former_owner(sold, b.period) is not None}
        if former and not sellers:
            raise DataError("payment.no_former_bills", None, unit=unit, day=paid_on.isoformat())
        others = sum((b.outstanding for b in candidates if (b.bill_id in sellers) != former), Decimal(0))
        candidates = [b for b in candidates if (b.bill_id in sellers) == former]
        owed = sum((b.outstanding for b in candidates), Decimal(0))
        if former and amount > owed:  # what is left over would become 预存, and 预存 is the present owner's
            raise DataError("payment.former_overpaid", None, value=f"{amount:.2f}", owed=f"{owed:.2f}")
    try:
        allocs = allocate(amount, candidates, named)
    except AllocationError as exc:
        raise located(exc, value=amount, unit=unit) from None
    after: dict[str, dict] = {}
    for a in allocs:
        if a.target == PREPAID:
            continue
        row = rows[a.target]
        paid = (row.values.get("paid") or Decimal(0)) + a.amount
        wb.update(table, row, {"paid": paid, "status": bill_status(row.values["amount"], paid)}, key=a.target)  # type: ignore[arg-type]
        after[a.target] = dict(row.values)
    payments = wb.read(schema.PAYMENTS, required=False, only=("unit_id", unit))
    receipt = sequence.next_number(wb, sequence.RECEIPTS, sequence.RECEIPTS.scope(paid_on))
    rec = {"receipt_no": receipt, "unit_id": unit, "paid_on": paid_on, "amount": amount, "method": method,
           "operator": operator or current_operator(), "allocations": format_allocations(allocs), "voided": None,
           "notes": notes}
    wb.append(payments, [rec], key_column="receipt_no")
    sequence.remember(wb, sequence.RECEIPTS, receipt)
    held = sum((amt for _, amt in prepaid_sources(payments, unit).get(unit, [])), Decimal(0))
    held += sum((a.amount for a in allocs if a.target == PREPAID), Decimal(0))
    return Payment(receipt, unit, amount, allocs, after, held, rec, others)


# -- void ------------------------------------------------------------------------------------------


def _payment(wb: Workbook, receipt: str) -> tuple[Table, Row]:
    """收款记录 read for one receipt, and its row."""
    return numbered_row(wb, schema.PAYMENTS, "receipt_no", receipt, "payment.unknown", "receipt")


def void(wb: Workbook, receipt: str, *, reason: str, on: dt.date) -> tuple[dict, list[dict]]:
    """作废: the payment stays, marked with the date and reason; the bills it paid are reopened."""
    reason = " ".join(reason.split())
    if not reason:
        raise DataError("payment.void_reason")
    payments, row = _payment(wb, receipt)
    receipt = str(row.values["receipt_no"])
    if row.values.get("voided"):
        raise DataError("payment.already_void", payments.location(row.number, "voided"), receipt=receipt,
                        value=repr(row.values["voided"]))
    unit = str(row.values.get("unit_id"))
    bills = wb.read(schema.BILLS, required=False, only=("unit_id", unit))
    by_id = bills.index("bill_id")
    reopened = []
    for a in _allocations(payments, row):
        if a.target == PREPAID:
            continue
        bill = by_id.get(a.target)
        if bill is None:
            raise DataError("payment.bill_gone", payments.location(row.number, "allocations"), receipt=receipt,
                            bill=a.target)
        paid = (bill.values.get("paid") or Decimal(0)) - a.amount
        if paid < 0:
            raise DataError("payment.void_overdrawn", bills.location(bill.number, "paid"), bill=a.target,
                            value=repr(str(bill.values.get("paid"))), amount=f"{a.amount:.2f}")
        status = bill.values.get("status")
        changes = {"paid": paid, "status": status if status == "减免" else bill_status(bill.values["amount"], paid)}  # type: ignore[arg-type]
        wb.update(bills, bill, changes, key=a.target)
        reopened.append(dict(bill.values))
    wb.update(payments, row, {"voided": f"{on.isoformat()} {reason}"}, key=receipt)
    return dict(row.values), reopened


# -- the receipt -----------------------------------------------------------------------------------


def receipt(wb: Workbook, receipt_no: str, lang: str = "zh") -> ReceiptPage:
    """Everything the 收据 template shows."""
    from ..render.contexts import ReceiptLine, ReceiptPage  # the template contexts: only a receipt needs them

    payments, row = _payment(wb, receipt_no)
    pay = row.values
    unit = str(pay.get("unit_id"))
    bills = wb.read(schema.BILLS, required=False, only=("unit_id", unit)).index("bill_id")
    lines = []
    for a in _allocations(payments, row):
        bill = bills.get(a.target)
        lines.append(ReceiptLine(
            "" if a.target == PREPAID else a.target, str(bill.values.get("period") or "") if bill else "",
            str((bill.values.get("item") if bill else None) or (PREPAID if a.target == PREPAID else a.target)),
            a.amount))
    owners = wb.read(schema.OWNERS, only=("unit_id", unit))
    owner = owners.index("unit_id").get(unit)
    amount = pay.get("amount") or Decimal(0)
    return ReceiptPage(
        estate=wb.settings(), receipt_no=str(pay.get("receipt_no") or ""), unit_id=unit,
        owner=str((owner.values.get("owner_name") if owner else "") or ""),
        paid_on=pay.get("paid_on"), amount=amount, amount_upper=rmb_upper(amount),  # type: ignore[arg-type]
        method=str(pay.get("method") or ""), operator=str(pay.get("operator") or ""), notes=str(pay.get("notes") or ""),
        lines=lines, voided=str(pay.get("voided") or ""), lang=lang)
