"""`propcli stats …`: the monthly statistics the office reports (收费率, 户收费率, 清缴率, 预收, arrears by
age, service figures), pinned to an as-of day so that the same period and day always give the same
bytes, and the rows behind each figure."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ..ops import stats as ops
from ..reports import stats as reports
from ..reports.model import Report
from ..store.workbook import Workbook
from .common import (
    FormatOpt, OutputOpt, UnmaskOpt, as_of_day, choose_format, emit, estate_of, find_workbook, parse_period,
    remembered, replay, say, state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

Period = Annotated[str, typer.Option("--period", "-p", help="账期 YYYY-MM")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="计算日期 YYYY-MM-DD: payments after it are left out (default: today)")]
Building = Annotated[str | None, typer.Option("--building", "-b", help="只看一个楼栋")]


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic collector off while the figures are computed: the registers' millions of cells and the
    month's tuples hold no cycles, and a collector passing over them again and again costs a third of the
    time on a big estate."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _run(ctx: typer.Context, build: Callable[[ops.Stats, dict[str, str], str, bool], Report], asked: tuple[str, ...],
         period: str, as_of: str | None, building: str | None, fmt: str | None, output: Path | None,
         unmask: bool) -> None:
    """Arguments checked (a bad format or -o refused before the workbook is read); the output remembered
    for the same question on the same workbook bytes (render.memo), else the figures and their report
    (with its drill-down sections only for a renderer that shows them)."""
    st = state(ctx)
    month, day = parse_period(period), as_of_day(as_of)
    renderer = choose_format(output, fmt, None, st)
    remember = remembered(st, renderer, output, *asked, month, day, building, unmask)
    if replay(st, remember, renderer, output) is not None:
        return
    with _no_gc(), Workbook(find_workbook(st)) as wb:
        figures, estate = ops.monthly(wb, month, day, building=building), estate_of(wb)
    if figures.empty:  # said (a table on the terminal says it itself), not remembered: it may be billed today
        if output is not None or renderer.name != "table":
            say(st, reports.empty_note(figures, st.lang))
        remember = None
    emit(st, build(figures, estate, st.lang, renderer.details), fmt=fmt, output=output, unmask=unmask, remember=remember)


@app.command("monthly", help="月度统计：应收、实收、收费率、户收费率、清缴率、预收与预存、环比/同比/本年累计、按楼栋/项目/收款方式、期末欠费账龄、欠费前 20 户、时效预警、报修与投诉指标. -o report.html|xlsx|json|csv.")
def monthly(ctx: typer.Context, period: Period, as_of: AsOf = None, building: Building = None, unmask: UnmaskOpt = False,
            fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    _run(ctx, reports.monthly, ("monthly",), period, as_of, building, fmt, output, unmask)


@app.command("explain", help="指标明细：列出一个指标分子、分母背后的行（户、账单、收款、工单）. KPI: 收费率/collection_rate, 户收费率/household_rate, 清缴率/recovery_rate, 及时完成率, 回访率, 及时回访率, 满意度 …")
def explain(ctx: typer.Context, kpi: Annotated[str, typer.Argument(help="指标, e.g. 收费率, household_rate, 回访率")],
            period: Period, as_of: AsOf = None, building: Building = None, unmask: UnmaskOpt = False,
            fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    _run(ctx, lambda figures, estate, lang, _details: reports.explain(figures, kpi, lang), ("explain", kpi), period, as_of,
         building, fmt, output, unmask)
