"""`propcli bills …`: reports over the whole bills register (应收账单)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..ops import bills as ops
from ..render.formats import Col
from ..store.workbook import Workbook
from .common import FormatOpt, OutputOpt, emit, find_workbook, parse_period, state

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@app.command("summary", help="应收账单汇总：按楼栋、账期合计金额、已收、欠费 (金额−已收).")
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
        title = wb.settings().get("name") or wb.name
    zh = st.lang == "zh"
    cols = [Col("building", "楼栋" if zh else "building"), Col("period", "账期" if zh else "period"),
            Col("bills", "账单数" if zh else "bills", "number"), Col("amount", "金额" if zh else "amount", "money"),
            Col("paid", "已收" if zh else "paid", "money"), Col("owing", "欠费" if zh else "owing", "money")]
    rows = [x.record() for x in lines]
    rows.append({**total.record(), "building": "合计" if zh else "total"})
    emit(st, rows, cols, fmt=fmt, output=output,
         title=f"{title} · {'应收账单汇总' if zh else 'bills summary'}",
         json_data={"lines": [x.record() for x in lines], "total": total.record()})
