"""`propcli bills …`: reports over the whole bills register (应收账单)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from ..ops import bills as ops
from ..reports import ledger as reports
from ..store.workbook import Workbook
from .common import (
    DryRunOpt, ForceOpt, FormatOpt, OutputOpt, as_amount, choose_format, emit, estate_of, find_workbook, parse_date,
    parse_period, remembered, replay, report_commit, say, state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@app.command("summary", help="应收账单汇总：按楼栋、账期合计金额、已收、欠费 (金额−已收；减免的账单不计欠费).")
def summary(
    ctx: typer.Context,
    building: Annotated[str | None, typer.Option("--building", "-b", help="只看一个楼栋")] = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="只看一个账期 YYYY-MM")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    st = state(ctx)
    month = parse_period(period) if period else None
    renderer = choose_format(output, fmt, None, st)
    remember = remembered(st, renderer, output, "bills summary", building, month)  # render.memo
    if replay(st, remember, renderer, output) is not None:
        return
    with Workbook(find_workbook(st)) as wb:
        lines, total = ops.summary(wb, building=building, period=month)
        estate = estate_of(wb)
    emit(st, reports.bills_summary(lines, total, estate, st.lang, building=building, period=month), fmt=fmt,
         output=output, remember=remember)


BillArg = Annotated[str, typer.Argument(help="账单号, e.g. ZD202611000643")]
Reason = Annotated[str, typer.Option("--reason", help="原因 (goes into 计算明细 and the journal)")]
OnDay = Annotated[str | None, typer.Option("--date", help="调整/减免日期 (default: today)")]


@app.command("adjust", help="调整一张账单的金额（出账后收费标准或读数改过）；原金额与原因记入计算明细，行不删除.")
def adjust(
    ctx: typer.Context,
    bill: BillArg,
    amount: Annotated[str, typer.Option("--amount", "-a", help="调整后的金额 (元)")],
    reason: Reason,
    date: OnDay = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    day = parse_date(date, option="--date") if date else dt.date.today()
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        new = as_amount(amount, wb, zero_ok=True)
        old, after = ops.adjust(wb, bill, new, reason=reason, on=day)
        report_commit(st, wb, wb.commit(f"bills adjust {after['bill_id']}", dry_run=dry_run))
    say(st, st.t("out.would_adjust" if dry_run else "out.bill_adjusted", bill=after["bill_id"], old=f"{old:.2f}",
                 amount=f"{new:.2f}", status=after.get("status")))


@app.command("waive", help="减免一张账单的欠费：状态改为 减免，不再计入欠费；原因记入计算明细，行不删除.")
def waive(
    ctx: typer.Context,
    bill: BillArg,
    reason: Reason,
    date: OnDay = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    day = parse_date(date, option="--date") if date else dt.date.today()
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        owing, after = ops.waive(wb, bill, reason=reason, on=day)
        report_commit(st, wb, wb.commit(f"bills waive {after['bill_id']}", dry_run=dry_run))
    say(st, st.t("out.would_waive" if dry_run else "out.bill_waived", bill=after["bill_id"], amount=f"{owing:.2f}"))
