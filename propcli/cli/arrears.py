"""`propcli arrears …`: who owes what since when, the dunning steps due today, the contact log and the
public arrears list. Every report takes --as-of (default today) and is byte-identical when run again
with the same date on the same workbook, so cron can write it to a dated file (`-o arrears-{date}.xlsx`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from ..domain.arrears import bucket
from ..domain.people import mask_name, mask_phone
from ..ops import arrears as ops
from ..domain.people import unit_parts
from ..render import formats
from ..render.formats import Col
from ..store import schema
from ..store.workbook import Workbook
from .common import (
    DryRunOpt, ForceOpt, FormatOpt, State, UnmaskOpt, emit, find_workbook, parse_date, report_commit, say, state,
    write_output,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

AsOf = Annotated[str | None, typer.Option("--as-of", help="计算日期 YYYY-MM-DD (default: today)")]
Building = Annotated[str | None, typer.Option("--building", "-b", help="只看一个楼栋")]
Items = Annotated[list[str] | None, typer.Option("--item", help="只看这些收费项目 (repeat, or 物业费,停车费)")]
Dated = Annotated[Path | None, typer.Option(
    "--output", "-o", help="write to FILE (format from its extension); {date} becomes the --as-of date")]


def _as_of(value: str | None) -> dt.date:
    return parse_date(value) if value else dt.date.today()


def _items(values: Sequence[str] | None) -> list[str] | None:
    out = [p.strip() for v in values or () for p in v.replace("，", ",").split(",") if p.strip()]
    return out or None


def _target(output: Path | None, as_of: dt.date) -> Path | None:
    return Path(str(output).replace("{date}", as_of.isoformat())) if output is not None else None


def _report(st: State, as_of: dt.date, **filters) -> tuple[ops.Report, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The report, and 小区信息 (its 小区名称 defaults to the workbook's file name)."""
    with Workbook(find_workbook(st)) as wb:
        rep = ops.report(wb, as_of, **filters)
        settings = wb.settings()
        settings["name"] = settings.get("name") or wb.name
    return rep, settings


def _log_line(st: State, command: str, rep: ops.Report, target: Path | None) -> None:
    """The one line a cron log keeps per run (stderr; silent with --quiet)."""
    due = sum(len(d.plan.due(rep.as_of)) for d in rep.debtors)
    say(st, st.t("out.arrears_log", now=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), command=command,
                 date=rep.as_of.isoformat(), debtors=len(rep.debtors), total=f"{rep.total:,.2f}", due=due,
                 warn=len(rep.warnings()), target=f" → {target}" if target else ""))


def _owner(d: ops.Debtor, zh: bool, unmask: bool) -> str:
    if not d.owner:  # billed, but not (or no longer) in 业主档案: `check unknown-unit` says more
        return "（业主档案无此房号）" if zh else "(not in the owners register)"
    name = d.owner if unmask else mask_name(d.owner)
    if d.former:
        name += f"（原业主，{d.former} 过户）" if zh else f" (former owner, sold {d.former})"
    return name


def _actions(actions: Sequence) -> str:  # type: ignore[type-arg]
    return "+".join(a.step.channel for a in actions)


def _limitation(d: ops.Debtor, rep: ops.Report, zh: bool) -> str:
    parts = []
    expired = d.expired(rep.as_of)
    if expired:
        amount = sum((x.outstanding for x in expired), Decimal(0))
        parts.append(f"已过时效 {amount:.2f}" if zh else f"time-barred {amount:.2f}")
    soon = d.expiring(rep.as_of, rep.policy.warn_days)
    if soon:
        amount = sum((x.outstanding for x in soon), Decimal(0))
        first = min(x.expires for x in soon)  # type: ignore[type-var]
        parts.append(f"⚠ {first} 时效届满 {amount:.2f}" if zh else f"⚠ limitation ends {first}: {amount:.2f}")
    return ("；" if zh else "; ").join(parts)


def debtor_record(d: ops.Debtor, rep: ops.Report, zh: bool, unmask: bool) -> dict[str, object]:
    last, p = d.last_contact, d.plan
    return {
        "unit_id": d.unit, "owner": _owner(d, zh, unmask), "phone": d.phone if unmask else mask_phone(d.phone),
        "status": d.status or "", "months": d.months, "bucket": bucket(d.months), "since": d.oldest.period,
        "periods": d.periods, **{f"item:{k}": v for k, v in d.by_item().items()}, "total": d.total,
        **({"late_fee": d.late_fee} if rep.policy.late_fee else {}), "last_contact": f"{last.date} {last.channel}" if last else "",
        "outcome": last.outcome if last else "",
        "promise": "" if p.promise is None else f"{p.promise}{('（未兑现）' if zh else ' (broken)') if p.promise_broken else ''}",
        "stage": f"{p.stage.channel} {p.stage_date}" if p.stage else "",
        "next": _actions(p.next), "next_due": p.next[0].due if p.next else None,
        "limitation": _limitation(d, rep, zh),
    }


def report_columns(rep: ops.Report, zh: bool, *, full: bool) -> list[Col]:
    def c(key: str, zh_head: str, en_head: str, kind: str = "text") -> Col:
        return Col(key, zh_head if zh else en_head, kind)

    cols = [c("unit_id", "房号", "unit"), c("owner", "业主", "owner")]
    if full:
        cols += [c("phone", "电话", "phone"), c("status", "房屋状态", "status")]
    cols.append(c("months", "欠费月数", "months", "number"))
    if full:
        cols.append(c("bucket", "账龄(月)", "age (months)"))
    cols.append(c("since", "起欠账期", "since"))
    cols += [Col(f"item:{i}", i, "money") for i in rep.items]
    cols.append(c("total", "欠费合计", "total", "money"))
    if rep.policy.late_fee is not None:
        cols.append(c("late_fee", "滞纳金", "late fee", "money"))
    cols.append(c("last_contact", "上次联系", "last contact"))
    if full:
        cols.append(c("outcome", "联系结果", "outcome"))
    cols.append(c("promise", "承诺缴费", "promised"))
    if full:
        cols.append(c("stage", "催缴阶段", "stage"))
    cols += [c("next", "下一步", "next step"), c("next_due", "应办日期", "due", "date"),
             c("limitation", "诉讼时效", "limitation")]
    return cols


def _totals_views(rep: ops.Report, zh: bool) -> list[tuple[str, list[dict], list[Col]]]:
    """按楼栋, 按项目, 按账龄: each with a 合计 row, each summing to the report's total."""
    owed = Col("total", "欠费金额" if zh else "owed", "money")
    fee = [Col("late_fee", "滞纳金" if zh else "late fee", "money")] if rep.policy.late_fee is not None else []

    def view(title: str, key: str, head: str, count: Col, lines: list[tuple], extra: list[Col]) -> tuple:
        rows = [{key: k, count.key: n, "total": t, **({"late_fee": f[0]} if extra else {})} for k, n, t, *f in lines]
        rows.append({key: "合计" if zh else "total", count.key: sum(r[count.key] for r in rows), "total": rep.total,
                     **({"late_fee": rep.late_fee} if extra else {})})
        return title, rows, [Col(key, head), count, owed, *extra]

    debtors = Col("debtors", "欠费户数" if zh else "debtors", "number")
    bills = Col("bills", "账单数" if zh else "bills", "number")
    return [view("按楼栋" if zh else "by building", "building", "楼栋" if zh else "building", debtors,
                 rep.by_building(), fee),
            view("按项目" if zh else "by item", "item", "收费项目" if zh else "item", bills, rep.by_item(), []),
            view("按账龄" if zh else "by age", "bucket", "账龄(月)" if zh else "age (months)", bills, rep.by_bucket(), [])]


def _total_row(rep: ops.Report, zh: bool) -> dict[str, object]:
    row: dict[str, object] = {"unit_id": "合计" if zh else "total", "owner": f"{len(rep.debtors)} 户" if zh else
                              f"{len(rep.debtors)} debtors", "total": rep.total, "late_fee": rep.late_fee}
    for item, _, amount in rep.by_item():
        row[f"item:{item}"] = amount
    return row


def _json(rep: ops.Report, records: list[dict], views: list) -> dict:  # type: ignore[type-arg]
    """The report as data: each debtor's amounts by item under "items"."""
    debtors = [{**{k: v for k, v in r.items() if not k.startswith("item:")},
                "items": {k[5:]: v for k, v in r.items() if k.startswith("item:")}} for r in records]
    return {
        "as_of": rep.as_of, "debtors": debtors, "total": rep.total,
        **({"late_fee": rep.late_fee, "late_fee_policy": rep.policy.late_fee.describe()} if rep.policy.late_fee else {}),
        "totals": {name: rows for name, rows, _ in views},
    }


@app.command("report", help="欠费报表：每户欠费月数、分项金额、账龄、上次联系、承诺、催缴阶段与下一步、诉讼时效预警；按楼栋、项目、账龄合计.")
def report(
    ctx: typer.Context,
    as_of: AsOf = None,
    min_months: Annotated[int, typer.Option("--min-months", min=1, help="只列欠费满 N 个月的户")] = 1,
    building: Building = None,
    item: Items = None,
    unmask: UnmaskOpt = False,
    fmt: FormatOpt = None,
    output: Dated = None,
) -> None:
    st = state(ctx)
    zh = st.lang == "zh"
    day = _as_of(as_of)
    rep, settings = _report(st, day, building=building, items=_items(item), min_months=min_months)
    estate = settings["name"]
    target = _target(output, day)
    kind = formats.format_for(target, fmt)
    records = [debtor_record(d, rep, zh, unmask) for d in rep.debtors]
    views = _totals_views(rep, zh)
    title = st.t("out.arrears_title", estate=estate, date=day.isoformat())
    cols = report_columns(rep, zh, full=kind != "table")
    rows = [*records, _total_row(rep, zh)]
    if kind == "xlsx":
        write_output(st, formats.to_xlsx([("欠费明细" if zh else "debtors", rows, cols), *views], totals=True), target,
                     announce=False)
    elif kind == "html":
        from ..render.templating import render

        write_output(st, render("arrears.html.j2", {
            "title": title, "lang": st.lang, "as_of": day, "estate": estate,
            "policy": rep.policy.late_fee.describe() if rep.policy.late_fee else "",
            "views": [{"title": "欠费明细" if zh else "debtors", "rows": rows, "columns": formats.col_dicts(cols)},
                      *({"title": n, "rows": r, "columns": formats.col_dicts(c)} for n, r, c in views)],
        }), target, announce=False)
    elif kind == "table" and target is None and not rep.debtors:
        say(st, st.t("out.arrears_none", date=day.isoformat()))
    else:
        emit(st, rows, cols, fmt=kind, output=target, title=title, json_data=_json(rep, records, views),
             announce=False)
        if kind == "table" and target is None:
            for name, vrows, vcols in views:
                emit(st, vrows, vcols, fmt="table", output=None, title=name)
    _log_line(st, "report", rep, target)


@app.command("due", help="今日应办催缴：按催缴规则（工作簿中的「催缴规则」表）列出到期的步骤；承诺缴费未到期的不列.")
def due(
    ctx: typer.Context,
    as_of: AsOf = None,
    building: Building = None,
    unmask: UnmaskOpt = False,
    fmt: FormatOpt = None,
    output: Dated = None,
) -> None:
    st = state(ctx)
    zh = st.lang == "zh"
    day = _as_of(as_of)
    rep, settings = _report(st, day, building=building)
    estate = settings["name"]
    rows = []
    for d, actions in ops.due_actions(rep):
        last = d.last_contact
        for a in actions:
            note = a.step.notes
            if d.plan.promise_broken:
                note = (f"承诺 {d.plan.promise} 缴费未兑现；" if zh else f"promise of {d.plan.promise} broken; ") + note
            rows.append({
                "unit_id": d.unit, "owner": _owner(d, zh, unmask), "phone": d.phone if unmask else mask_phone(d.phone),
                "months": d.months, "total": d.total, "action": a.step.channel, "due": a.due,
                "late": (day - a.due).days, "stage": f"{d.plan.stage.channel} {d.plan.stage_date}" if d.plan.stage else "",
                "last_contact": f"{last.date} {last.channel}：{last.outcome}" if last else "", "notes": note,
            })
    heads = (("unit_id", "房号", "unit", "text"), ("owner", "业主", "owner", "text"), ("phone", "电话", "phone", "text"),
             ("months", "欠费月数", "months", "number"), ("total", "欠费金额", "owed", "money"),
             ("action", "应办", "action", "text"), ("due", "应办日期", "due", "date"),
             ("late", "已过天数", "days late", "number"), ("stage", "当前阶段", "stage", "text"),
             ("last_contact", "上次联系", "last contact", "text"), ("notes", "说明", "notes", "text"))
    cols = [Col(k, z if zh else e, kind) for k, z, e, kind in heads]
    target = _target(output, day)
    emit(st, rows, cols, fmt=fmt, output=target, title=st.t("out.due_title", estate=estate, date=day.isoformat()),
         announce=False)
    _log_line(st, "due", rep, target)


@app.command("public", help="欠费公示（张* 式隐去姓名，不含电话）：贴在公告栏的名单，默认欠费满 3 个月.")
def public(
    ctx: typer.Context,
    as_of: AsOf = None,
    min_months: Annotated[int, typer.Option("--min-months", min=1, help="欠费满 N 个月的户 (default 3)")] = 3,
    building: Building = None,
    fmt: FormatOpt = None,
    output: Dated = None,
) -> None:
    st = state(ctx)
    zh = st.lang == "zh"
    day = _as_of(as_of)
    rep, settings = _report(st, day, building=building, min_months=min_months)
    rows = [{"unit_id": d.unit, "owner": _owner(d, zh, False), "months": d.months, "since": d.oldest.period,
             "total": d.total} for d in rep.debtors]
    cols = [Col("unit_id", "房号" if zh else "unit"), Col("owner", "业主" if zh else "owner"),
            Col("months", "欠费月数" if zh else "months", "number"), Col("since", "起欠账期" if zh else "since"),
            Col("total", "欠费金额(元)" if zh else "owed", "money")]
    target = _target(output, day)
    if formats.format_for(target, fmt) == "html":
        from ..render.templating import render

        write_output(st, render("public.html.j2", {
            "estate": settings, "as_of": day, "min_months": min_months, "rows": rows, "columns": formats.col_dicts(cols),
            "lang": st.lang,
        }), target, announce=False)
    else:
        emit(st, rows, cols, fmt=fmt, output=target, title=st.t("out.public_title", estate=settings["name"]),
             announce=False)
    _log_line(st, "public", rep, target)


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
    day = _as_of(date)
    promised = parse_date(promise) if promise else None
    with Workbook(find_workbook(st), write=True, force=force) as wb:
        record = ops.log(wb, unit, channel=channel, outcome=outcome, on=day, promise=promised,
                         tracking_no=tracking_no, operator=operator, notes=notes)
        result = wb.commit(f"arrears log {record['unit_id']} {channel}", dry_run=dry_run)
    report_commit(st, wb, result)
    if result.written:
        unit = str(record["unit_id"])
        say(st, st.t("out.logged", unit=unit, date=day.isoformat(), channel=channel, outcome=record["outcome"]))
        rep, _ = _report(st, day, building=unit_parts(unit).building)
        for d in (d for d in rep.debtors if d.unit == unit and d.plan.next):
            say(st, st.t("out.next_step", action=_actions(d.plan.next), date=d.plan.next[0].due.isoformat()))
    if channel in ("催缴函", "律师函") and not tracking_no:
        say(st, st.t("out.no_tracking", channel=channel))


@app.command("policy", help="催缴规则：显示生效的催缴流程与滞纳金设置；--init 把默认流程写进工作簿（「催缴规则」表）以便修改.")
def policy(
    ctx: typer.Context,
    init: Annotated[bool, typer.Option("--init", help="write the default ladder into the workbook's 催缴规则 sheet")] = False,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    zh = st.lang == "zh"
    if init:
        with Workbook(find_workbook(st), write=True, force=force) as wb:
            ops.init_policy(wb)
            report_commit(st, wb, wb.commit("arrears policy --init", dry_run=dry_run))
        return
    with Workbook(find_workbook(st)) as wb:
        pol = ops.policy(wb)
    rows = [{"order": s.order, "channel": s.channel, "after": s.after, "wait": str(s.wait), "min_months": s.min_months,
             "applies_to": "、".join(sorted(s.applies_to)), "notes": s.notes} for s in pol.ladder]
    cols = [Col(c.key, c.zh if zh else c.key, "number" if c.key in ("order", "min_months") else "text")
            for c in schema.DUNNING.columns]
    source = st.t("out.policy_own" if pol.from_workbook else "out.policy_default")
    emit(st, rows, cols, fmt="table", output=None, title=st.t("out.policy_title", source=source))
    say(st, st.t("out.policy_settings", fee=pol.late_fee.describe() if pol.late_fee else "不收", gap=pol.gap_days,
                 warn=pol.warn_days))
