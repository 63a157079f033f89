"""`propcli notices render KIND`: the month's notices in batch — print packs (one HTML and one PDF, or a
PDF per building) and the SMS file — each notice recorded in 通知记录 so that it is never issued twice.

Order of a run: read, choose what was not issued yet, render everything in memory, write the files to
temporary names, record the run in the workbook (one commit), then rename the files into place. A bad
template, a missing font or a busy workbook stops it before any output exists; nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from ..domain.people import mask_name
from ..errors import DataError, UsageError
from ..ops import issued as record_ops
from ..ops import notices as ops
from ..ops.issuing import Files, Issuing
from ..render import notices as render
from ..store import schema
from ..store.workbook import Workbook
from .common import (
    DryRunOpt, ForceOpt, State, err_console, estate_of, find_workbook, in_range, output_path, parse_date, parse_period, safe_target,
    say, state,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

KINDS = ("payment", "reminder", "demand", "outage", "receipt")
FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".csv": "sms"}


def _list(values: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(p.strip() for v in values or () for p in re.split(r"[,，、\s]+", v) if p.strip())


def _format(output: Path, fmt: str | None, kind: str) -> str:
    chosen = fmt or FORMATS.get(output.suffix.lower())
    allowed = ("html", "pdf") if kind == "receipt" else ("html", "pdf", "sms")
    if chosen not in allowed:
        if chosen == "sms":
            raise UsageError("notice.receipt_sms")
        raise UsageError("notice.format", kind=kind, value=fmt or output.suffix or repr(output.name),
                         choices=", ".join(allowed))
    return chosen


def _check_folder(output: Path) -> None:
    """The output's folder exists (or can be made) and can be written: said before anything is done."""
    folder = output.parent if str(output.parent) else Path(".")
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise DataError("output.write_failed", None, path=str(output), reason=os.strerror(13))


@app.command("render", help="批量生成通知：payment 缴费通知单、reminder 催缴通知、demand 催缴函、outage 停水/停电/停气通知、"
                            "receipt 收据（补打）。-o 通知.pdf 同时写出同名 .html；-o 短信.csv 为短信平台文件。"
                            "已出具的不再重复（通知记录），--reissue 重新出具.")
def render_(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="payment | reminder | demand | outage | receipt")],
    output: Annotated[Path, typer.Option("--output", "-o", parser=output_path,
                                         help="通知.pdf (and 通知.html beside it) | 通知.html | 短信.csv")],
    period: Annotated[str | None, typer.Option("--period", "-p", help="账期 YYYY-MM (payment)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="通知日期 / 欠费计算日期 (default: today)")] = None,
    building: Annotated[str | None, typer.Option("--building", "-b", help="只出一个楼栋")] = None,
    units: Annotated[list[str] | None, typer.Option("--units", help="只出这些房号: 1-1-0101,1-1-0102")] = None,
    min_months: Annotated[int, typer.Option("--min-months", help="reminder/demand: 欠费满 N 个月")] = 1,
    days: Annotated[int, typer.Option("--days", help="reminder/demand: 限期 N 天内缴清")] = 15,
    scope: Annotated[list[str] | None, typer.Option("--scope", help="outage: 楼栋 或 楼栋-单元 (repeat)")] = None,
    what: Annotated[str | None, typer.Option("--kind", help="outage: 停水 | 停电 | 停气")] = None,
    start: Annotated[str | None, typer.Option("--from", help="outage: 开始时间, e.g. '2026-12-01 08:00'")] = None,
    end: Annotated[str | None, typer.Option("--to", help="outage: 恢复时间")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="outage: 原因, e.g. 二次供水水箱清洗")] = None,
    receipts: Annotated[list[str] | None, typer.Option("--receipts", help="receipt: 收据号 SJ…,SJ…")] = None,
    day: Annotated[str | None, typer.Option("--date", help="receipt: 补打这一天的全部收据")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="html | pdf | sms (default: from -o)")] = None,
    split: Annotated[str | None, typer.Option("--split", help="building: 每个楼栋一个 PDF")] = None,
    reissue: Annotated[bool, typer.Option("--reissue", help="重新出具已出具过的通知")] = False,
    log: Annotated[bool, typer.Option("--log", help="reminder/demand: 同时记入催缴记录（书面通知/催缴函/短信）")] = False,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    if kind not in KINDS:
        raise UsageError("notice.kind", value=repr(kind), choices=", ".join(KINDS))
    target = _format(output, fmt, kind)
    if isinstance(output, type(Path())) and output.is_dir():
        raise UsageError("output.is_dir", path=str(output))
    if split not in (None, "building"):
        raise UsageError("notice.split")
    if log and kind not in ("reminder", "demand"):
        raise UsageError("notice.log_kind")
    in_range(min_months, 1, None, "--min-months")
    in_range(days, 1, 365, "--days")
    today = dt.date.today()
    issued_on = parse_date(as_of, planned=True, option="--as-of") if as_of else today
    find_workbook(st)
    safe_target(st, output)
    if not dry_run:
        _check_folder(output)
    with Workbook(st.workbook_path, write=not dry_run, force=force) as wb:  # type: ignore[arg-type]
        wb.only_reading(schema.OWNERS, schema.BILLS, schema.PAYMENTS)  # a batch writes 通知记录 (催缴记录)
        estate = estate_of(wb)
        batch_no = record_ops.batch_id(wb, issued_on)
        batch = _batch(wb, kind, st, estate, batch_no, issued_on, period=period, building=building, units=units,
                       min_months=min_months, days=days, scope=scope, what=what, start=start, end=end,
                       reason=reason, receipts=receipts, day=day)
        if batch.skipped_former:
            say(st, st.t("out.notice_former", count=batch.skipped_former))
        run = _Run(st, wb, batch, batch_no, target, output, issued_on, reissue)
        if not run.choose():
            return
        if dry_run:
            run.show()
            say(st, st.t("out.notice_dry_run"))
            return
        for spec in (schema.BILLS, schema.PAYMENTS):  # the batch is made: an L estate's 1.6 million bills
            wb.forget(spec)                           # are not held while its 20,000 notices are typeset
        files = Files()
        try:
            issues = run.render(files, split == "building")
            record_ops.record(wb, batch_no, dt.datetime.now(), issues)
            if log:
                channel = "短信" if target == "sms" else ("催缴函" if kind == "demand" else "书面通知")
                n = run.log_contacts([i.unit_id for i in issues], channel, issued_on)
                say(st, st.t("out.notice_logged", count=n, channel=channel))
            wb.commit(f"notices render {kind} {batch.ref_period} {batch_no}")
        except BaseException:
            files.discard()
            raise
        files.install()
        run.announce()
        say(st, st.t("out.notice_recorded", batch=batch_no, count=len(issues)))


def _batch(wb: Workbook, kind: str, st: State, estate: dict[str, str], batch_no: str, issued_on: dt.date,
           **o) -> ops.Batch:  # type: ignore[no-untyped-def]
    scope = ops.Scope(o["building"], _list(o["units"]))
    if kind == "payment":
        if not o["period"]:
            raise UsageError("notice.needs", kind=kind, option="--period", example="--period 2026-11")
        return ops.payment(wb, parse_period(o["period"]), issued_on, scope, estate, batch_no, st.lang)
    if kind in ("reminder", "demand"):
        return ops.arrears(wb, kind, issued_on, scope, estate, batch_no, min_months=o["min_months"], days=o["days"],
                           lang=st.lang)
    if kind == "outage":
        for option, value, example in (("--kind", o["what"], "--kind 停水"), ("--from", o["start"], "--from '2026-12-01 08:00'"),
                                       ("--to", o["end"], "--to '2026-12-01 18:00'"), ("--reason", o["reason"], "--reason 水箱清洗")):
            if not value:
                raise UsageError("notice.needs", kind=kind, option=option, example=example)
        outage = ops.Outage(o["what"], o["start"].strip(), o["end"].strip(), " ".join(o["reason"].split()),
                            _list(o["scope"]))
        return ops.outage(wb, outage, issued_on, estate, batch_no, st.lang)
    named = _list(o["receipts"])
    if not named and not o["day"]:
        raise UsageError("notice.needs", kind=kind, option="--receipts / --date", example="--date 2026-11-20")
    on = parse_date(o["day"], window=False, option="--date") if o["day"] and not named else None
    return ops.receipts(wb, named, on, estate, batch_no, st.lang)


class _Run(Issuing):
    """`Issuing` with the clerk's side: what was chosen said, a dry run's list, the files announced."""

    def __init__(self, st: State, wb: Workbook, batch: ops.Batch, batch_no: str, target: str, output: Path,
                 issued_on: dt.date, reissue: bool) -> None:
        super().__init__(wb, batch, batch_no, target, output, reissue=reissue, lang=st.lang,
                         templates_dir=st.templates_dir, workbook=st.workbook_path)
        self.st, self.issued_on = st, issued_on

    def choose(self) -> bool:  # type: ignore[override]
        """Keep the notices (or SMS recipients) not issued before; say how many were skipped."""
        fresh, skipped = super().choose()
        if not fresh:
            say(self.st, self.st.t("out.notice_none", kind=self.title, skipped=skipped))
            return False
        key = "out.notice_plan_reissue" if self.reissue else "out.notice_plan"
        say(self.st, self.st.t(key, kind=self.title, count=fresh, skipped=skipped))
        return True

    def show(self) -> None:
        """A dry run's list on stdout: 房号, the notice's number, the addressee masked, the amount."""
        rows = ([(n.unit_id, n.ref, "", "") for _, n in self.batch.recipients] if self.target == "sms" else
                [(n.unit_id, n.ref, mask_name(n.addressee), f"{n.total_due:,.2f}" if n.kind != "outage" else "")
                 for n in self.batch.notices])
        for unit, ref, who, total in rows:
            sys.stdout.write(f"{unit}\t{ref}\t{who}\t{total}".rstrip() + "\n")

    def render(self, files: Files, split: bool) -> list[record_ops.Issue]:  # type: ignore[override]
        with _progress(self.st, len(self.batch.notices)) as tick:
            issues = super().render(files, split, tick)
        if self.long_sms:
            worst = max(self.long_sms, key=lambda m: m.chars)
            say(self.st, self.st.t("out.sms_long", count=len(self.long_sms), limit=render.SMS_WARN_SEGMENTS,
                                   chars=worst.chars, unit=worst.unit_id))
        return issues

    def announce(self) -> None:
        for path, count, pages in self.written:
            if pages:
                say(self.st, self.st.t("out.notice_written", path=str(path), count=count, pages=pages))
            else:
                say(self.st, self.st.t("out.written", path=str(path)))
        if self.target == "sms":
            say(self.st, self.st.t("out.sms_phones", path=str(self.output)))


class _progress:
    """A progress bar on stderr when it is a terminal (and not --quiet); nothing otherwise (cron, pipes)."""

    def __init__(self, st: State, total: int) -> None:
        self.on = sys.stderr.isatty() and not st.quiet and total > 50
        self.total = total
        self.bar = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.on:
            return lambda done: None
        from rich.progress import Progress

        self.bar = Progress(transient=True, console=err_console())
        self.bar.start()
        task = self.bar.add_task("排版", total=self.total)
        return lambda done: self.bar.update(task, completed=min(done, self.total))  # type: ignore[union-attr]

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
