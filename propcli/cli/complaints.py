"""`propcli complaints …`: complaints (投诉记录) by severity, forwarded, answered and resolved on the
deadlines of 时限规则. Their due steps also appear in `workorders due`."""

from __future__ import annotations

from typing import Annotated

import typer

from ..ops import complaints as ops
from ..ops import service
from ..store import schema
from .common import DryRunOpt, ForceOpt, FormatOpt, OutputOpt, UnmaskOpt, as_of_day, dated, parse_date, say, state
from .workorders import AsOf, At, Dated, list_cases, now, parse_time, show_case, write

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

Number = Annotated[str, typer.Argument(help="投诉号, e.g. TS2026110001")]


@app.command("open", help="受理投诉：打印新投诉号（TS+年月+序号）；重大/重要/一般 决定转呈、答复、解决的期限.")
def open_(
    ctx: typer.Context,
    severity: Annotated[str, typer.Option("--severity", help="重大/重要/一般")],
    subject: Annotated[str, typer.Option("--subject", help="事由")],
    unit: Annotated[str | None, typer.Option("--unit", help="房号")] = None,
    complainant: Annotated[str | None, typer.Option("--complainant", help="投诉人 (default: the owner)")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="联系电话")] = None,
    department: Annotated[str | None, typer.Option("--department", help="责任部门")] = None,
    requested_by: Annotated[str | None, typer.Option("--requested-by", help="住户要求的解决日期")] = None,
    at: At = None,
    dry_run: DryRunOpt = False, force: ForceOpt = False, unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    when = parse_time(at) or now()
    asked = parse_date(requested_by, planned=True, option="--requested-by") if requested_by else None
    record = write(st, dry_run, force, "complaints open", unmask, lambda wb: ops.open_complaint(
        wb, unit=unit, severity=severity, subject=subject, complainant=complainant, phone=phone,
        department=department, requested_by=asked, at=when, now=now()))
    typer.echo(record["complaint_no"])  # type: ignore[index]
    dues = "，".join(f"{step} {service.fmt_time(record[column])}" for step, column in  # type: ignore[index]
                     (("转呈", "forward_due"), ("答复", "answer_due"), ("解决", "resolve_due")) if record.get(column))  # type: ignore[union-attr]
    say(st, st.t("out.cp_opened", number=record["complaint_no"], severity=record["severity"], dues=dues or "—"))  # type: ignore[index]


def _record(ctx: typer.Context, number: str, which: str, at: str | None, dry_run: bool, force: bool, *,
            to: str | None = None, result: str | None = None) -> None:
    st = state(ctx)
    when = parse_time(at) or now()
    write(st, dry_run, force, f"complaints {ctx.info_name} {number}", False,
          lambda wb: ops.step(wb, number, which, at=when, now=now(), to=to, result=result))


@app.command("forward", help="转呈：报告部门负责人/经理 (--to).")
def forward(ctx: typer.Context, number: Number,
            to: Annotated[str | None, typer.Option("--to", help="转呈给谁，如 客服部经理")] = None,
            at: At = None, dry_run: DryRunOpt = False, force: ForceOpt = False) -> None:
    _record(ctx, number, "转呈", at, dry_run, force, to=to)


@app.command("answer", help="答复：已给住户明确答复 / 告知处理结果.")
def answer(ctx: typer.Context, number: Number, at: At = None, dry_run: DryRunOpt = False,
           force: ForceOpt = False) -> None:
    _record(ctx, number, "答复", at, dry_run, force)


@app.command("resolve", help="解决：记下处理结果 (--result).")
def resolve(ctx: typer.Context, number: Number,
            result: Annotated[str | None, typer.Option("--result", help="处理结果")] = None,
            at: At = None, dry_run: DryRunOpt = False, force: ForceOpt = False) -> None:
    _record(ctx, number, "解决", at, dry_run, force, result=result)


@app.command("list", help="投诉列表 (--overdue: 逾期未转呈、未答复、未解决的).")
def list_(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列已逾期的")] = False,
    as_of: AsOf = None,
    severity: Annotated[str | None, typer.Option("--severity", help="重大/重要/一般")] = None,
    status: Annotated[str | None, typer.Option("--status", help="已受理/已转呈/已答复/已解决")] = None,
    building: Annotated[str | None, typer.Option("--building", "-b", help="楼栋")] = None,
    unmask: UnmaskOpt = False, fmt: FormatOpt = None, output: Dated = None,
) -> None:
    day = as_of_day(as_of)
    status = service.choice_arg(status, schema.COMPLAINT_STATUSES, "--status")
    severity = service.choice_arg(severity, schema.SEVERITIES, "--severity")
    list_cases(state(ctx), service.COMPLAINTS, day, fmt, dated(output, day), unmask, status=status, overdue=overdue,
               building=building, subject=severity)


@app.command("show", help="一件投诉：各环节的起算、期限、完成与是否及时.")
def show(ctx: typer.Context, number: Number, as_of: AsOf = None, unmask: UnmaskOpt = False, fmt: FormatOpt = None,
         output: OutputOpt = None) -> None:
    show_case(state(ctx), service.COMPLAINTS, number, as_of, fmt, output, unmask)
