"""`propcli workorders …`: repair requests (报修工单) from report to return visit, on the deadlines of the
workbook's 时限规则. `due` is the morning list (work orders and complaints), ready for cron."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DataError
from ..ops import service
from ..ops import workorders as ops
from ..ops.units import building_lookup
from ..reports import figures as figure_reports
from ..reports import service as reports
from ..store import schema
from ..store.workbook import Workbook
from .common import (
    DatedOutputOpt, DryRunOpt, ForceOpt, FormatOpt, OutputOpt, State, UnmaskOpt, as_amount, as_of_day, dated, emit,
    estate_of, find_workbook, parse_period, report_commit, say, state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

At = Annotated[str | None, typer.Option("--at", help="时间 2026-11-23 09:30 / 2026-11-23T09:30 / 2026年11月23日 9:30 (default: now)")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="日期 YYYY-MM-DD (default: today)")]
Dated = DatedOutputOpt
Number = Annotated[str, typer.Argument(help="工单号, e.g. GD2026110001")]


def now() -> dt.datetime:
    return dt.datetime.now().replace(second=0, microsecond=0)


def parse_time(value: str | None, option: str = "--at") -> dt.datetime | None:
    """A time typed by the clerk: `2026-11-23 09:30`, `2026-11-23T09:30`, `2026年11月23日 9:30`."""
    from ..errors import Location
    from ..store.normalize import ValueProblem, to_datetime

    if value is None:
        return None
    try:
        when = to_datetime(value)
    except ValueProblem:
        raise DataError("service.time_bad", Location(column=option), value=repr(value)) from None
    if when.year < 2000:
        raise DataError("service.time_bad", Location(column=option), value=repr(value))
    return when.replace(second=0, microsecond=0)


def write(st: State, dry_run: bool, force: bool, command: str, unmask: bool, change) -> object:  # type: ignore[no-untyped-def]
    """Run `change(wb)` on the workbook and commit it (a dry run only reads and shows what would change)."""
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:
        out = change(wb)
        result = wb.commit(command, dry_run=dry_run)
    report_commit(st, wb, result, unmask=unmask)
    return out


@app.command("open", help="登记报修：打印新工单号（GD+年月+序号，永不重复）.")
def open_(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号")],
    content: Annotated[str, typer.Option("--content", help="报修内容")],
    category: Annotated[str | None, typer.Option("--category", help="安全设施/渗漏/水电/门窗/公共设施/其他")] = None,
    reporter: Annotated[str | None, typer.Option("--reporter", help="报修人 (default: the owner)")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="联系电话 (default: the owner's)")] = None,
    convenient: Annotated[str | None, typer.Option("--convenient", help="方便上门的时间")] = None,
    paid: Annotated[bool, typer.Option("--paid", help="有偿服务 (the fee is billed on completion)")] = False,
    at: At = None,
    dry_run: DryRunOpt = False, force: ForceOpt = False, unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    when = parse_time(at) or now()
    record = write(st, dry_run, force, f"workorders open {unit}", unmask, lambda wb: ops.open_order(
        wb, unit, content=content, category=category, reporter=reporter, phone=phone, convenient=convenient,
        paid=paid, at=when, now=now()))
    typer.echo(record["order_no"])  # type: ignore[index]
    say(st, st.t("out.wo_opened", number=record["order_no"], unit=record["unit_id"], category=record["category"],  # type: ignore[index]
                 due=service.fmt_time(record.get("assign_due")) or "—"))  # type: ignore[union-attr]


@app.command("assign", help="派工：交给维修人员，开始计算完工期限.")
def assign(
    ctx: typer.Context, number: Number,
    to: Annotated[str, typer.Option("--to", help="维修人员")],
    at: At = None, dry_run: DryRunOpt = False, force: ForceOpt = False,
) -> None:
    st = state(ctx)
    when = parse_time(at) or now()
    write(st, dry_run, force, f"workorders assign {number}", False,
          lambda wb: ops.assign(wb, number, to=to, at=when, now=now()))


@app.command("done", help="完工（渗漏另记试漏时间）；有偿维修 --fee 记入应收账单（有偿维修费）.")
def done(
    ctx: typer.Context, number: Number, at: At = None,
    leak_test_at: Annotated[str | None, typer.Option("--leak-test-at", help="试漏时间 (渗漏: the visit counts from it)")] = None,
    fee: Annotated[str | None, typer.Option("--fee", help="有偿维修费 (元), billed to the unit")] = None,
    dry_run: DryRunOpt = False, force: ForceOpt = False,
) -> None:
    st = state(ctx)
    when, leak = parse_time(at), parse_time(leak_test_at, "--leak-test-at")

    def change(wb: Workbook) -> ops.Done:
        return ops.done(wb, number, at=when, leak_test_at=leak, fee=as_amount(fee, wb, option="--fee"), now=now())

    result: ops.Done = write(st, dry_run, force, f"workorders done {number}", False, change)  # type: ignore[assignment]
    if result.bill:
        say(st, st.t("out.wo_billed", bill=result.bill["bill_id"], amount=f"{result.bill['amount']:.2f}",
                     unit=result.bill["unit_id"]))
    if result.visit_due:
        say(st, st.t("out.wo_visit_due", due=service.fmt_time(result.visit_due)))


@app.command("visit", help="回访：满意/基本满意/不满意；不满意 --reopen 退回维修，完工后再回访.")
def visit(
    ctx: typer.Context, number: Number,
    result: Annotated[str, typer.Option("--result", help="满意/基本满意/不满意")],
    note: Annotated[str | None, typer.Option("--note", help="回访记录")] = None,
    by: Annotated[str | None, typer.Option("--by", help="回访人")] = None,
    at: At = None,
    reopen: Annotated[bool, typer.Option("--reopen", help="不满意：退回维修人员返修")] = False,
    dry_run: DryRunOpt = False, force: ForceOpt = False,
) -> None:
    st = state(ctx)
    when = parse_time(at) or now()
    write(st, dry_run, force, f"workorders visit {number}", False, lambda wb: ops.visit(
        wb, number, result=result.strip(), note=note, by=by, at=when, reopen=reopen, now=now()))


@app.command("list", help="工单列表 (--status, --overdue, --building, --category).")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="待派工/处理中/已完成/已回访/已关闭")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列已逾期的")] = False,
    as_of: AsOf = None,
    building: Annotated[str | None, typer.Option("--building", "-b", help="楼栋")] = None,
    category: Annotated[str | None, typer.Option("--category", help="类别")] = None,
    unmask: UnmaskOpt = False, fmt: FormatOpt = None, output: Dated = None,
) -> None:
    st = state(ctx)
    day = as_of_day(as_of)
    subject = ops.category_arg(category) if category else None
    status = service.choice_arg(status, (*schema.WORK_ORDER_STATUSES[:4], service.CLOSED), "--status")
    list_cases(st, service.ORDERS, day, fmt, dated(output, day), unmask, status=status, overdue=overdue,
               building=building, subject=subject)


def list_cases(st: State, reg: service.Register, day: dt.date, fmt: str | None, output: Path | None, unmask: bool,
               **filters) -> None:  # type: ignore[no-untyped-def]
    """`workorders list` and `complaints list`: one line a case, filtered."""
    with Workbook(find_workbook(st)) as wb:
        found, _ = service.cases(wb, reg)
        estate, building_of = estate_of(wb), building_lookup(wb)
    emit(st, reports.listing(reg, found, day, now(), estate, st.lang, building_of, **filters), fmt=fmt, output=output,
         unmask=unmask)


@app.command("show", help="一张工单：各环节的起算、期限、完成与是否及时.")
def show(ctx: typer.Context, number: Number, as_of: AsOf = None, unmask: UnmaskOpt = False, fmt: FormatOpt = None,
         output: OutputOpt = None) -> None:
    show_case(state(ctx), service.ORDERS, number, as_of, fmt, output, unmask)


def show_case(st: State, reg: service.Register, number: str, as_of: str | None, fmt: str | None,
              output: Path | None, unmask: bool) -> None:
    """`workorders show` and `complaints show`: the row, then each step and its deadline."""
    with Workbook(find_workbook(st)) as wb:
        _, _, case = service.find(wb, reg, number, service.rules(wb))
    emit(st, reports.show(case, as_of_day(as_of), now(), st.lang), fmt=fmt, output=output, unmask=unmask)


@app.command("due", help="今日应办：未派工的工单、到期和逾期的完工与回访、待试漏的渗漏，以及到期的投诉环节 (cron).")
def due(ctx: typer.Context, as_of: AsOf = None, unmask: UnmaskOpt = False, fmt: FormatOpt = None,
        output: Dated = None) -> None:
    st = state(ctx)
    day = as_of_day(as_of)
    with Workbook(find_workbook(st)) as wb:
        rules = service.rules(wb)
        orders, bad_orders = service.cases(wb, service.ORDERS, rules)
        complaints, bad_complaints = service.cases(wb, service.COMPLAINTS, rules)
        estate = estate_of(wb)
    if bad_orders or bad_complaints:  # left out of the list, never silently: check names each one
        say(st, st.t("out.service_skipped", count=len(bad_orders) + len(bad_complaints)))
    report = reports.due(orders, complaints, day, now(), estate, st.lang)
    target = dated(output, day)
    emit(st, report, fmt=fmt, output=target, unmask=unmask, announce=False)
    numbers = {c.number for c in orders}
    rows = report.sections[0].rows
    n_orders = sum(1 for r in rows if r["number"] in numbers)
    say(st, st.t("out.service_due_log", now=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), date=day.isoformat(),
                 orders=n_orders, complaints=len(rows) - n_orders, target=f" → {target}" if target else ""))


@app.command("summary", help="月度服务统计：报修数、完成数、及时完成率、回访率、及时回访率、满意度、分类与楼栋、有偿收入、投诉及时率.")
def summary(ctx: typer.Context, period: Annotated[str, typer.Option("--period", help="账期 YYYY-MM")],
            as_of: AsOf = None, explain: Annotated[str | None, typer.Option(
                "--explain", help="list the rows behind one figure, e.g. 回访率 or visit_rate")] = None,
            fmt: FormatOpt = None, output: OutputOpt = None) -> None:
    st = state(ctx)
    p = parse_period(period)
    with Workbook(find_workbook(st)) as wb:
        fig = figure_reports.monthly(wb, p, as_of_day(as_of) if as_of else None)
        estate = estate_of(wb)
    report = figure_reports.explain(fig, explain, st.lang) if explain else figure_reports.report(fig, estate, st.lang)
    emit(st, report, fmt=fmt, output=output)


@app.command("policy", help="时限规则：显示生效的派工、完工、回访与投诉时限；--init 把默认规则写进工作簿以便修改.")
def policy(
    ctx: typer.Context,
    init: Annotated[bool, typer.Option("--init", help="write the default limits into the workbook's 时限规则 sheet")] = False,
    fmt: FormatOpt = None, output: OutputOpt = None, dry_run: DryRunOpt = False, force: ForceOpt = False,
) -> None:
    st = state(ctx)
    if init:
        write(st, dry_run, force, "workorders policy --init", False, service.init_policy)
        return
    with Workbook(find_workbook(st)) as wb:
        read = service.policy_read(wb).strict()
    emit(st, reports.policy(read.rules, read.from_workbook, st.lang), fmt=fmt, output=output)
