"""`propcli stats …`: the monthly statistics the office reports (收费率, 户收费率, 清缴率, 预收, arrears by
age, service figures), pinned to an as-of day so that the same period and day always give the same
bytes, and the rows behind each figure."""

from __future__ import annotations

from typing import Annotated

import typer

from ..ops import stats as ops
from ..reports import stats as reports
from ..store.workbook import Workbook
from .common import (
    FormatOpt, OutputOpt, UnmaskOpt, as_of_day, choose_format, emit, estate_of, find_workbook, parse_period, say,
    state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

Period = Annotated[str, typer.Option("--period", "-p", help="账期 YYYY-MM")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="计算日期 YYYY-MM-DD: payments after it are left out (default: today)")]
Building = Annotated[str | None, typer.Option("--building", "-b", help="只看一个楼栋")]


def _stats(ctx: typer.Context, period: str, as_of: str | None, building: str | None, fmt: str | None,
           output, allowed: tuple[str, ...] | None = None):  # type: ignore[no-untyped-def]
    """Arguments checked (a bad format or -o refused before the workbook is read), then the figures."""
    st = state(ctx)
    month = parse_period(period)
    day = as_of_day(as_of)
    choose_format(output, fmt, allowed, st)
    with Workbook(find_workbook(st)) as wb:
        return st, ops.monthly(wb, month, day, building=building), estate_of(wb)


@app.command("monthly", help="月度统计：应收、实收、收费率、户收费率、清缴率、预收与预存、环比/同比/本年累计、按楼栋/项目/收款方式、期末欠费账龄、欠费前 20 户、时效预警、报修与投诉指标. -o report.html|xlsx|json|csv.")
def monthly(
    ctx: typer.Context,
    period: Period,
    as_of: AsOf = None,
    building: Building = None,
    unmask: UnmaskOpt = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    st, figures, estate = _stats(ctx, period, as_of, building, fmt, output)
    if figures.empty:
        say(st, st.t("stats.no_bills", period=figures.period))
    emit(st, reports.monthly(figures, estate, st.lang), fmt=fmt, output=output, unmask=unmask)


@app.command("explain", help="指标明细：列出一个指标分子、分母背后的行（户、账单、收款、工单）. KPI: 收费率/collection_rate, 户收费率/household_rate, 清缴率/recovery_rate, 及时完成率, 回访率, 及时回访率, 满意度 …")
def explain(
    ctx: typer.Context,
    kpi: Annotated[str, typer.Argument(help="指标, e.g. 收费率, household_rate, 回访率")],
    period: Period,
    as_of: AsOf = None,
    building: Building = None,
    unmask: UnmaskOpt = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    st, figures, estate = _stats(ctx, period, as_of, building, fmt, output)
    emit(st, reports.explain(figures, kpi, st.lang), fmt=fmt, output=output, unmask=unmask)
