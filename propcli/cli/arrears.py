"""`propcli arrears …`: who owes what since when, the dunning steps due today, the contact log and the
public arrears list. Every report takes --as-of (default today) and is byte-identical when run again
with the same date on the same workbook, so cron can write it to a dated file (`-o arrears-{date}.xlsx`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer

from ..ops import arrears as ops
from ..domain.people import unit_parts
from ..reports import arrears as reports
from ..reports.model import Report
from ..store.workbook import Workbook
from .common import (
    DatedOutputOpt, DryRunOpt, ForceOpt, FormatOpt, OutputOpt, State, UnmaskOpt, as_of_day, choose_format, dated,
    emit, estate_of, find_workbook, in_range, parse_date, remembered, replay, report_commit, say, state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

AsOf = Annotated[str | None, typer.Option("--as-of", help="计算日期 YYYY-MM-DD (default: today)")]
Building = Annotated[str | None, typer.Option("--building", "-b", help="只看一个楼栋")]
Items = Annotated[list[str] | None, typer.Option("--item", help="只看这些收费项目 (repeat, or 物业费,停车费)")]
Dated = DatedOutputOpt


def _items(values: Sequence[str] | None) -> list[str] | None:
    out = [p.strip() for v in values or () for p in v.replace("，", ",").split(",") if p.strip()]
    return out or None


def _report(st: State, as_of: dt.date, **filters) -> tuple[ops.Report, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The report, and 小区信息 (its 小区名称 defaults to the workbook's file name)."""
    with Workbook(find_workbook(st)) as wb:
        return ops.report(wb, as_of, **filters), estate_of(wb)


LOG_FIGURES = frozenset({"date", "debtors", "total", "due", "warn"})


def _log_figures(rep: ops.Report) -> dict[str, object]:
    """What the cron log line says of a report (kept with a remembered output)."""
    return {"date": rep.as_of.isoformat(), "debtors": len(rep.debtors), "total": f"{rep.total:,.2f}",
            "due": sum(len(d.plan.due(rep.as_of)) for d in rep.debtors), "warn": len(rep.warnings())}


def _answer(ctx: typer.Context, command: str, day: dt.date, build: Callable[[ops.Report, dict[str, str], str], Report],
            output: Path | None, fmt: str | None, unmask: bool, **filters) -> None:  # type: ignore[no-untyped-def]
    """The report asked for to -o or stdout, then the one line a cron log keeps per run (stderr; silent
    with --quiet). The output is remembered for the same question on the same workbook bytes
    (render.memo): asked again — the clerk after cron, the xlsx after the csv — it is written from there."""
    st = state(ctx)
    target = dated(output, day)
    renderer = choose_format(target, fmt, None, st)
    remember = remembered(st, renderer, target, "arrears", command, day, unmask, sorted(filters.items()))
    note = replay(st, remember, renderer, target, announce=False, note_keys=LOG_FIGURES)
    if note is None:
        rep, estate = _report(st, day, **filters)
        note = _log_figures(rep)
        emit(st, build(rep, estate, st.lang), fmt=fmt, output=target, unmask=unmask, announce=False,
             remember=remember, note=note)
    say(st, st.t("out.arrears_log", now=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), command=command,
                 target=f" → {target}" if target else "", **note))


@app.command("report", help="欠费报表：每户欠费月数、分项金额、账龄、上次联系、承诺、催缴阶段与下一步、诉讼时效预警；按楼栋、项目、账龄合计.")
def report(
    ctx: typer.Context,
    as_of: AsOf = None,
    min_months: Annotated[int, typer.Option("--min-months", help="只列欠费满 N 个月的户")] = 1,
    building: Building = None,
    item: Items = None,
    unmask: UnmaskOpt = False,
    fmt: FormatOpt = None,
    output: Dated = None,
) -> None:
    in_range(min_months, 1, None, "--min-months")
    items = _items(item)
    _answer(ctx, "report", as_of_day(as_of),
            lambda rep, estate, lang: reports.debtors(rep, estate, lang, min_months=min_months, building=building,
                                                      items=items),
            output, fmt, unmask, building=building, items=items, min_months=min_months)


@app.command("due", help="今日应办催缴：按催缴规则（工作簿中的「催缴规则」表）列出到期的步骤；承诺缴费未到期的不列.")
def due(
    ctx: typer.Context,
    as_of: AsOf = None,
    building: Building = None,
    unmask: UnmaskOpt = False,
    fmt: FormatOpt = None,
    output: Dated = None,
) -> None:
    _answer(ctx, "due", as_of_day(as_of), lambda rep, estate, lang: reports.due(rep, estate, lang, building=building),
            output, fmt, unmask, building=building)


@app.command("public", help="欠费公示（张* 式隐去姓名，不含电话）：贴在公告栏的名单，默认欠费满 3 个月.")
def public(
    ctx: typer.Context,
    as_of: AsOf = None,
    min_months: Annotated[int, typer.Option("--min-months", help="欠费满 N 个月的户 (default 3)")] = 3,
    building: Building = None,
    fmt: FormatOpt = None,
    output: Dated = None,
) -> None:
    in_range(min_months, 1, None, "--min-months")
    _answer(ctx, "public", as_of_day(as_of),
            lambda rep, estate, lang: reports.public(rep, estate, lang, min_months, building=building),
            output, fmt, False, building=building, min_months=min_months)


@app.command("log", help="记录一次催缴联系（催缴记录，记入操作日志）.")
def log(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号")],
    channel: Annotated[str, typer.Option("--channel", help="电话/短信/书面通知/催缴函/上门/律师函/诉讼")],
    outcome: Annotated[str, typer.Option("--outcome", help="结果，如 承诺月底缴清、无人接听、EMS 已签收")],
    promise: Annotated[str | None, typer.Option("--promise", help="承诺缴费日期 YYYY-MM-DD")] = None,
    tracking_no: Annotated[str | None, typer.Option("--tracking-no", help="EMS 快递单号")] = None,
    date: Annotated[str | None, typer.Option("--date", help="联系日期 (default: today)")] = None,
    operator: Annotated[str, typer.Option("--operator", help="经办人 (default: PROPCLI_OPERATOR or the login)")] = "",
    notes: Annotated[str | None, typer.Option("--notes", help="备注")] = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    day = parse_date(date, option="--date") if date else dt.date.today()
    promised = parse_date(promise, planned=True, option="--promise") if promise else None
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        record = ops.log(wb, unit, channel=channel, outcome=outcome, on=day, promise=promised,
                         tracking_no=tracking_no, operator=operator, notes=notes)
        result = wb.commit(f"arrears log {record['unit_id']} {channel}", dry_run=dry_run)
    report_commit(st, wb, result)
    if result.written:
        unit = str(record["unit_id"])
        say(st, st.t("out.logged", unit=unit, date=record["date"].isoformat(), channel=channel, outcome=record["outcome"]))
        rep, _ = _report(st, day, building=unit_parts(unit).building)
        for d in (d for d in rep.debtors if d.unit == unit and d.plan.next):
            say(st, st.t("out.next_step", action="+".join(a.step.channel for a in d.plan.next),
                         date=d.plan.next[0].due.isoformat()))
    if channel in ("催缴函", "律师函") and not tracking_no:
        say(st, st.t("out.no_tracking", channel=channel))


@app.command("policy", help="催缴规则：显示生效的催缴流程与滞纳金设置；--init 把默认流程写进工作簿（「催缴规则」表）以便修改.")
def policy(
    ctx: typer.Context,
    init: Annotated[bool, typer.Option("--init", help="write the default ladder into the workbook's 催缴规则 sheet")] = False,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    if init:
        with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
            ops.init_policy(wb)
            report_commit(st, wb, wb.commit("arrears policy --init", dry_run=dry_run))
        return
    with Workbook(find_workbook(st)) as wb:
        pol = ops.policy(wb)
    emit(st, reports.ladder(pol, st.lang), fmt=fmt, output=output)
    say(st, st.t("out.policy_settings", fee=pol.late_fee.describe() if pol.late_fee else "不收", gap=pol.gap_days,
                 warn=pol.warn_days))
