"""`propcli group stats|arrears`: head office's figures over every estate published to the group database
(PROPCLI_DB or `[db]` in propcli.toml), computed by SQL there with the definitions of `stats monthly` and
`arrears report`; one row per estate and the company's. No workbook is needed: the database is the source
(what each estate last published — `published_at` says when)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import psycopg
import typer

from ..db import figures, session
from ..ops.stats import check_as_of
from ..store.safety import env_count
from ..reports import group as reports
from .common import FormatOpt, OutputOpt, State, as_of_day, choose_format, emit, parse_period, say, state
from .db import target_of

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

Period = Annotated[str, typer.Option("--period", "-p", help="账期 YYYY-MM")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="计算日期 YYYY-MM-DD: payments after it are left out (default: today)")]
T = TypeVar("T")


def _figures(st: State, output: Path | None, fmt: str | None,
             compute: Callable[[list[psycopg.Connection]], T]) -> T:
    """The format checked before connecting (a bad one is a usage error, nothing done), then the figures,
    over PROPCLI_DB_WORKERS connections at once (default 2)."""
    choose_format(output, fmt)
    target = target_of(st)
    with session.connected_many(target, env_count(*figures.WORKERS)) as conns:
        return compute(conns)


def _stale(st: State, stale: list[str], shown: bool) -> None:
    if stale and shown:
        say(st, st.t("group.stale", estates=stale))


@app.command("stats", help="全公司月度收费统计：每个已发布小区的应收、实收、收费率、户收费率、清缴率、预收与预存、期末欠费与账龄，及全公司合计（比率由合计重算）. Same definitions as stats monthly. -o .xlsx|.html|.json|.csv")
def stats(ctx: typer.Context, period: Period, as_of: AsOf = None, fmt: FormatOpt = None,
          output: OutputOpt = None) -> None:
    st = state(ctx)
    month, day = parse_period(period), as_of_day(as_of)
    check_as_of(month, day)
    g = _figures(st, output, fmt, lambda conn: figures.stats(conn, month, day))
    _stale(st, g.stale, bool(g.estates))
    unbilled = [e.estate for e in g.estates if not e.fees.billed and not e.fees.households_billed]
    if unbilled:
        say(st, st.t("group.unbilled", period=month, estates=unbilled))
    emit(st, reports.stats(g, st.lang), fmt=fmt, output=output)


@app.command("arrears", help="全公司欠费账龄：每个已发布小区在计算日期的欠费户数、账单数、欠费金额及各账龄段（1–3 … >36 个月），及全公司合计. Same definitions as arrears report. -o .xlsx|.html|.json|.csv")
def arrears(ctx: typer.Context, as_of: AsOf = None, fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    st = state(ctx)
    day = as_of_day(as_of)
    g = _figures(st, output, fmt, lambda conn: figures.arrears(conn, day))
    _stale(st, g.stale, bool(g.estates))
    emit(st, reports.arrears(g, st.lang), fmt=fmt, output=output)
