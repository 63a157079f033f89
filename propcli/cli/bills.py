"""`propcli bills …`: reports over the whole bills register (应收账单)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..ops import bills as ops
from ..reports import ledger as reports
from ..store.workbook import Workbook
from .common import FormatOpt, OutputOpt, emit, estate_of, find_workbook, parse_period, state

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
    with Workbook(find_workbook(st)) as wb:
        lines, total = ops.summary(wb, building=building, period=month)
        estate = estate_of(wb)
    emit(st, reports.bills_summary(lines, total, estate, st.lang, building=building, period=month), fmt=fmt,
         output=output)
