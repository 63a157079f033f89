"""`propcli meters …`: meter readings (抄表记录)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..domain.readings import ReadingError, Rollover, parse_mark
from ..errors import DataError, Exit, located
from ..ops import meters as ops
from ..reports import ledger as reports
from ..store.workbook import Workbook
from .common import (
    DryRunOpt, ForceOpt, FormatOpt, OutputOpt, as_decimal, emit, find_workbook, parse_date, parse_period,
    in_range, report_commit, say, state, write_output,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

Period = Annotated[str | None, typer.Option("--period", "-p", help="账期 YYYY-MM (default: the month of --date)")]


@app.command("record", help="录入一块表的读数 (换表 --replaced 旧表止数/新表起数; 走满一圈 --rollover).")
def record(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号")],
    meter: Annotated[str, typer.Option("--meter", "-m", help="水表 / 电表 / 燃气表")],
    reading: Annotated[str, typer.Option("--reading", "-r", help="本次读数")],
    period: Period = None,
    date: Annotated[str | None, typer.Option("--date", help="抄表日期 (default: today)")] = None,
    reader: Annotated[str | None, typer.Option("--reader", help="抄表人")] = None,
    replaced: Annotated[str | None, typer.Option("--replaced", help="换表: 旧表止数/新表起数, e.g. 1234.5/0")] = None,
    rollover: Annotated[bool, typer.Option("--rollover", help="the meter passed 99…9 and restarted at 0")] = False,
    digits: Annotated[int | None, typer.Option("--digits", help="with --rollover: the meter's digits (1-12)")] = None,
    correct: Annotated[bool, typer.Option("--correct", help="change the reading already recorded for the period")] = False,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    day = parse_date(date, option="--date") if date else dt.date.today()
    month = parse_period(period) if period else f"{day:%Y-%m}"
    if replaced and rollover:
        raise typer.BadParameter("--replaced or --rollover, not both", param_hint="--rollover")
    try:
        mark = parse_mark(replaced) if replaced else (Rollover(in_range(digits, 1, 12, "--digits")) if rollover else None)
    except ReadingError as exc:
        raise located(exc) from None
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        done = ops.record(wb, unit, meter, as_decimal(reading, option="--reading"), period=month, read_date=day,
                          reader=reader,
                          mark=mark, correct=correct)
        report_commit(st, wb, wb.commit(f"meters record {unit} {meter}", dry_run=dry_run))
    if done.usage is None:
        say(st, st.t("out.meter_base", meter=done.record["meter"], reading=reading))
    else:
        say(st, st.t("out.meter_usage", meter=done.record["meter"], previous=done.previous,
                     period=done.previous_period, reading=reading, usage=done.usage))


@app.command("import", help="导入抄表员的读数表 (xlsx/csv)；被拒绝的行写入 FILE.errors.csv 并说明原因.")
def import_(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="the reader's file", exists=True, dir_okay=False)],
    period: Annotated[str | None, typer.Option("--period", "-p", help="账期 for rows without one")] = None,
    meter: Annotated[str | None, typer.Option("--meter", "-m", help="表计 for a sheet without a 表计 column")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask before writing when rows were rejected")] = False,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    month = parse_period(period) if period else None
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        result = ops.import_file(wb, source, period=month, meter=meter, lang=st.lang)
        say(st, st.t("out.meters_imported", source=source.name, taken=len(result.taken),
                     rejected=len(result.rejected), already=result.already))
        if result.error_file is not None:
            for r in result.rejected[:10]:
                say(st, f"  {r.sheet} · {st.t('loc.row', row=r.row)}: {r.reason}")
            if dry_run:  # a dry run says what it would write, and writes nothing at all
                say(st, st.t("out.errors_file_dry", path=str(result.error_file)))
            else:
                write_output(st, ops.errors_csv(result, st.lang), result.error_file, announce=False)
                say(st, st.t("out.errors_file", path=str(result.error_file)))
        if not result.taken:
            if result.rejected:
                raise DataError("meter.nothing_taken", None, rejected=len(result.rejected))
            return
        if result.rejected and not (yes or dry_run):
            # the clerk decides whether to take the rest; with no one to ask (cron), nothing is taken
            if not sys.stdin.isatty():
                raise DataError("meter.rejected_unattended", None, rejected=len(result.rejected))
            if not typer.confirm(st.t("ask.import_anyway", taken=len(result.taken)), default=False):
                say(st, st.t("out.declined"))
                raise typer.Exit(Exit.DATA)
        report_commit(st, wb, wb.commit(f"meters import {source.name}", dry_run=dry_run))


@app.command("anomalies", help="本期读数异常：倒走、突增 (>3× 近6月中位数)、在住户零用量、缺读数. Exit 3 when any.")
def anomalies(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", "-p", help="账期 YYYY-MM")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    st = state(ctx)
    month = parse_period(period)
    with Workbook(find_workbook(st)) as wb:
        found = ops.anomalies(wb, month)
    report = reports.anomalies(found, month, st.lang)
    if found or output or (fmt and fmt != "table"):
        emit(st, report, fmt=fmt, output=output)
    if not found:
        say(st, st.t("out.anomalies_none", period=month))
        return
    raise typer.Exit(Exit.CHECK)
