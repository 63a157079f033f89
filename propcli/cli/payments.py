"""`propcli payments …`: money taken at the desk (收款记录) and its receipts (收据)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ..ops import payments as ops
from ..reports import ledger as reports
from ..reports import registers
from ..store import schema
from ..store.workbook import Workbook
from .common import (
    DryRunOpt, ForceOpt, FormatOpt, OutputOpt, State, as_amount, choose_format, emit, find_workbook, parse_date,
    output_path, report_commit, say, state, write_output,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

Day = Annotated[str | None, typer.Option("--date", help="收款日期 (default: today)")]


@app.command("record", help="收款：按账期从早到晚冲抵欠费（或 --bills 指定），多余部分转预存；打印分配与收据号.")
def record(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号")],
    amount: Annotated[str, typer.Option("--amount", "-a", help="金额 (元)")],
    method: Annotated[str | None, typer.Option("--method", "-m", help="现金/微信/支付宝/银行转账/POS")] = None,
    bills: Annotated[str | None, typer.Option("--bills", help="pay these bills, in this order: ZD…,ZD…")] = None,
    date: Day = None,
    operator: Annotated[str, typer.Option("--operator", help="经办人 (default: PROPCLI_OPERATOR or the login)")] = "",
    notes: Annotated[str | None, typer.Option("--notes", help="备注")] = None,
    former: Annotated[bool, typer.Option("--former-owner", help="原业主结清过户前的欠费（默认只冲抵现业主的账单）")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", parser=output_path, help="also write the receipt (收据 .html) to FILE")] = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    if output is not None:
        choose_format(output, None, RECEIPT_FORMATS, st)
    day = parse_date(date, option="--date") if date else dt.date.today()
    named = [b for b in (bills or "").replace("，", ",").split(",") if b.strip()] or None
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        pay = ops.record(wb, unit, as_amount(amount, wb), method=method, paid_on=day, bills=named, operator=operator,
                         notes=notes, former=former)
        commit = wb.commit(f"payments record {pay.unit} {pay.amount:.2f}", dry_run=dry_run)
    emit(st, reports.allocation(pay, st.lang))
    say(st, st.t("out.prepaid_balance", unit=pay.unit, amount=f"{pay.prepaid:.2f}"))
    if pay.others_open:
        say(st, st.t("out.owner_open" if former else "out.former_open", amount=f"{pay.others_open:.2f}"))
    if dry_run:
        say(st, st.t("out.dry_run", count=len(commit.entries)))
        return
    say(st, st.t("out.receipt", receipt=pay.receipt_no))
    if output is not None:
        _write_receipt(st, pay.receipt_no, output)


@app.command("void", help="作废一张收据（冲回其分配，记录原因；收款记录保留不删）.")
def void(
    ctx: typer.Context,
    receipt: Annotated[str, typer.Argument(help="收据号, e.g. SJ2026000123")],
    reason: Annotated[str, typer.Option("--reason", help="作废原因")],
    date: Annotated[str | None, typer.Option("--date", help="作废日期 (default: today)")] = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    day = parse_date(date, option="--date") if date else dt.date.today()
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        payment, reopened = ops.void(wb, receipt, reason=reason, on=day)
        report_commit(st, wb, wb.commit(f"payments void {payment['receipt_no']}", dry_run=dry_run))
    say(st, st.t("out.would_void" if dry_run else "out.voided", receipt=payment["receipt_no"],
                 amount=f"{payment['amount']:.2f}", bills=len(reopened)))


@app.command("receipt", help="收据 (HTML, from templates/receipt.html.j2; amount in 人民币大写).")
def receipt(
    ctx: typer.Context,
    receipt_no: Annotated[str, typer.Argument(help="收据号")],
    output: Annotated[Path, typer.Option("--output", "-o", parser=output_path, help="the receipt file (.html)")],
) -> None:
    _write_receipt(state(ctx), receipt_no, output)


RECEIPT_FORMATS = ("html",)  # pdf joins with the notices


def _write_receipt(st: State, receipt_no: str, output: Path) -> None:
    from ..render.templating import render

    choose_format(output, None, RECEIPT_FORMATS, st)
    with Workbook(find_workbook(st)) as wb:
        page = ops.receipt(wb, receipt_no, st.lang)
    write_output(st, render("receipt.html.j2", page, user_dir=st.templates_dir, workbook=st.workbook_path), output)


@app.command("list", help="收款记录 (filters: --unit, --from, --to).")
def list_(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="房号")] = None,
    since: Annotated[str | None, typer.Option("--from", help="收款日期 from")] = None,
    until: Annotated[str | None, typer.Option("--to", help="收款日期 to (inclusive)")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    from ..store.normalize import to_identifier

    st = state(ctx)
    start = parse_date(since, window=False) if since else dt.date.min
    end = parse_date(until, window=False) if until else dt.date.max
    with Workbook(find_workbook(st)) as wb:
        table = wb.read(schema.PAYMENTS, required=False,
                        only=("unit_id", to_identifier(unit)) if unit else None)
    rows = [r for r in table.records() if start <= (r.get("paid_on") or dt.date.min) <= end]
    emit(st, registers.payments(rows, st.lang, unit=unit, since=start if since else None, until=end if until else None),
         fmt=fmt, output=output)
