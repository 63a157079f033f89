"""`propcli owners …`: the owners register (业主档案)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DataError, Exit
from ..ops import importer
from ..ops import owners as ops
from ..reports import ledger as ledger_reports
from ..reports import registers as reports
from ..store.workbook import Workbook
from .common import (
    YesOpt, confirm_future,
    DryRunOpt, ForceOpt, FormatOpt, OutputOpt, UnmaskOpt, as_amount, as_decimal, emit, estate_of, find_workbook,
    parse_date,
    output_path, report_commit, say, state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

# -- reading -----------------------------------------------------------------------------------------


@app.command("list", help="业主列表 (filters: --building, --status).")
def list_(
    ctx: typer.Context,
    building: Annotated[str | None, typer.Option("--building", "-b", help="楼栋")] = None,
    status: Annotated[str | None, typer.Option("--status", help="房屋状态: 自住/出租/空置/托管")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    with Workbook(find_workbook(st)) as wb:
        rows = ops.list_owners(wb, building=building, status=status)
        estate = estate_of(wb)
    emit(st, reports.owners(rows, estate, st.lang, building=building, status=status), fmt=fmt, output=output,
         unmask=unmask)


@app.command("show", help="一户的完整档案 (profile, transfers, readings, bills, payments, reminders, work orders).")
def show(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号, e.g. 3-2-1201")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    with Workbook(find_workbook(st)) as wb:
        d = ops.dossier(wb, unit)
    emit(st, reports.dossier(d, st.lang), fmt=fmt, output=output, unmask=unmask)


@app.command("find", help="查找业主：姓名、电话尾号、房号或拼音首字母 (zs → 张三).")
def find(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="name part, phone tail, unit, or pinyin initials")],
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    with Workbook(find_workbook(st)) as wb:
        matches = ops.find(wb, text)
    if not matches:
        say(st, st.t("out.no_matches", text=text))
        raise typer.Exit(Exit.DATA)
    emit(st, reports.matches(matches, text), fmt=fmt, output=output, unmask=unmask)


# -- changing ----------------------------------------------------------------------------------------

Name = Annotated[str | None, typer.Option("--name", help="业主姓名")]
Phone = Annotated[str | None, typer.Option("--phone", help="联系电话")]
IdNo = Annotated[str | None, typer.Option("--id-no", help="证件号码")]
Area = Annotated[str | None, typer.Option("--area", help="建筑面积 (㎡)")]
Household = Annotated[str | None, typer.Option("--household", help="常住人口")]
Status = Annotated[str | None, typer.Option("--status", help="房屋状态: 自住/出租/空置/托管")]
MoveIn = Annotated[str | None, typer.Option("--move-in", help="入住日期")]
TenantName = Annotated[str | None, typer.Option("--tenant-name", help="租户姓名 ('' clears)")]
TenantPhone = Annotated[str | None, typer.Option("--tenant-phone", help="租户电话 ('' clears)")]
Parking = Annotated[str | None, typer.Option("--parking", help="车位")]
Notes = Annotated[str | None, typer.Option("--notes", help="备注")]
Building = Annotated[str | None, typer.Option("--building", help="楼栋 (default: from the unit id)")]
Entrance = Annotated[str | None, typer.Option("--entrance", help="单元 (default: from the unit id)")]
Room = Annotated[str | None, typer.Option("--room", help="室号 (default: from the unit id)")]


def save(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号, e.g. 3-2-1201")],
    owner_name: Name = None, phone: Phone = None, id_no: IdNo = None, area: Area = None,
    household_size: Household = None, status: Status = None, move_in_date: MoveIn = None,
    tenant_name: TenantName = None, tenant_phone: TenantPhone = None, parking: Parking = None, notes: Notes = None,
    building: Building = None, entrance: Entrance = None, room: Room = None,
    dry_run: DryRunOpt = False, force: ForceOpt = False, unmask: UnmaskOpt = False,
) -> None:
    """`owners add` and `owners update` (one function registered under both names): the options are
    named after the register's columns and staged and committed the same way."""
    st = state(ctx)
    verb = ctx.info_name or "update"
    values = {k: v for k, v in locals().items() if k in ops.EDITABLE and v is not None}
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        (ops.add if verb == "add" else ops.update)(wb, unit, values)
        report_commit(st, wb, wb.commit(f"owners {verb} {unit}", dry_run=dry_run), unmask=unmask)


app.command("add", help="登记新户.")(save)
app.command("update", help="修改一户的资料 ('' clears an optional field).")(save)


@app.command("transfer", help="过户：新业主自 --date 起接手该房，历史留在过户记录.")
def transfer(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号")],
    to: Annotated[str, typer.Option("--to", help="新业主姓名")],
    date: Annotated[str, typer.Option("--date", help="过户日期, e.g. 2024-05-01")],
    phone: Phone = None,
    id_no: IdNo = None,
    settled: Annotated[str | None, typer.Option("--settled", help="结清金额 (what the old owner paid off)")] = None,
    operator: Annotated[str, typer.Option("--operator", help="经办人")] = "",
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
    unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    day = parse_date(date, option="--date")
    if day > dt.date.today():
        confirm_future(st, yes or dry_run, "owner.transfer_future", "owner.transfer_future.refused",
                       date=day.isoformat())
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        ops.transfer(wb, unit, to=to, date=day, phone=phone, id_no=id_no,
                     settled=as_amount(settled, wb, zero_ok=True, option="--settled"), operator=operator)
        report_commit(st, wb, wb.commit(f"owners transfer {unit}", dry_run=dry_run), unmask=unmask)


@app.command("move-in", help="入住：入住日期与水电燃气表底数.")
def move_in(
    ctx: typer.Context,
    unit: Annotated[str, typer.Argument(help="房号")],
    date: Annotated[str, typer.Option("--date", help="入住日期")],
    water: Annotated[str | None, typer.Option("--water", help="水表底数")] = None,
    electricity: Annotated[str | None, typer.Option("--electricity", help="电表底数")] = None,
    gas: Annotated[str | None, typer.Option("--gas", help="燃气表底数")] = None,
    status: Status = None,
    reader: Annotated[str, typer.Option("--reader", help="抄表人")] = "",
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    day = parse_date(date, option="--date")
    options = (("水表", water, "--water"), ("电表", electricity, "--electricity"), ("燃气表", gas, "--gas"))
    readings = {meter: as_decimal(v, option=opt) for meter, v, opt in options
                if v is not None}
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        ops.move_in(wb, unit, date=day, readings=readings, status=status, reader=reader)  # type: ignore[arg-type]
        report_commit(st, wb, wb.commit(f"owners move-in {unit}", dry_run=dry_run))


@app.command("import", help="从其他系统或旧台账 (xlsx/xls/csv) 导入业主档案，逐行说明未导入的原因.")
def import_(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="the file to import", exists=True, dir_okay=False)],
    sheet: Annotated[str | None, typer.Option("--sheet", help="the sheet to read (default: the best match)")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="SOURCE=TARGET column, e.g. 单元名称=室号")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="table | csv | json (the report)")] = None,
    report: Annotated[Path | None, typer.Option("--report", parser=output_path, help="write the report of rows not taken to FILE")] = None,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
    unmask: UnmaskOpt = False,
) -> None:
    st = state(ctx)
    with Workbook(find_workbook(st), write=not dry_run, force=force) as wb:  # a dry run only reads
        result = importer.import_owners(source, wb, sheet=sheet, mapping=importer.parse_map(mapping or []))
        if result.taken:
            commit = wb.commit(f"owners import {source.name}", dry_run=dry_run)
    issues = [("rejected", p) for p in result.rejected] + [("warning", p) for p in result.warnings]
    if issues:
        emit(st, ledger_reports.rejected(issues, st.lang, unmask=unmask), fmt=fmt, output=report)
    say(st, st.t("out.imported", source=result.source, sheet=result.sheet, taken=len(result.taken),
                 rejected=len(result.rejected), warnings=len(result.warnings)))
    if not result.taken:
        raise DataError("import.nothing")
    if dry_run:
        say(st, st.t("out.dry_run", count=len(commit.entries)))
