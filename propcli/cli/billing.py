"""`propcli billing …`: a period's bills (应收账单)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Annotated

import typer

from ..ops import billing as ops
from ..ops.units import building_lookup
from ..reports import ledger as reports
from ..store.workbook import Workbook
from .common import (
    DryRunOpt, ForceOpt, FormatOpt, OutputOpt, YesOpt, choose_format, confirm_future, emit, find_workbook, parse_period,
    say, state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@app.command("run", help="按收费标准和读数生成一个账期的账单；重复运行不会重复出账.")
def run(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", "-p", help="账期 YYYY-MM")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    month = parse_period(period)
    if month > f"{dt.date.today():%Y-%m}":
        confirm_future(st, yes or dry_run, "billing.future_period", "billing.future_period.refused",
                       period=month)
    choose_format(output, fmt, st=st)  # an unknown format stops before anything is billed
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        result = ops.run(wb, month)
        building_of = building_lookup(wb)
        commit = wb.commit(f"billing run {month}", dry_run=dry_run) if result.new else None
    if result.new:
        emit(st, reports.billing_totals(result, st.lang, building_of), fmt=fmt, output=output)
    for c in result.changed[:20]:
        say(st, st.t("out.bill_changed", bill=c.bill_id, unit=c.unit, item=c.item, billed=f"{c.billed:.2f}",
                     now=f"{c.now:.2f}"))
    if result.changed:
        say(st, st.t("out.bills_changed", count=len(result.changed), period=month))
    skipped = defaultdict(int)
    for s in result.skips:
        skipped[s.reason] += 1
    for reason, count in skipped.items():
        say(st, st.t(f"out.skip_{reason}", count=count, period=month))
    if not result.new:
        say(st, st.t("out.billed_already", period=month, count=result.existing))
        return
    used = sum((m[2] for m in result.prepaid), Decimal(0))
    say(st, st.t("out.billed", period=month, count=len(result.new), total=f"{result.total:.2f}",
                 existing=result.existing) + (st.t("out.prepaid_used", amount=f"{used:.2f}") if used else ""))
    if dry_run:
        say(st, st.t("out.dry_run_bills"))
    elif commit is not None and commit.backup is not None:
        say(st, st.t("out.saved", count=len(commit.entries), path=wb.name, backup=commit.backup.name))
