"""`propcli month-end --period P -o DIR`: the month in one command (ops.monthend), for the clerk or cron.

One log line per step on stderr (time, step, outcome and figures); exit 0 when the month is done, 3 when it
stopped for the clerk (check errors, unexplained anomalies), 1 on bad input, 4 when the workbook is busy.
A dry run does the whole month on a temporary copy of the workbook and of the folder, says what it would
do, and leaves both as they were."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..errors import Exit, UsageError
from ..ops import monthend as ops
from ..render.monthend import STEP_NAMES
from ..store.safety import refuse_if_open
from ..store.workbook import Workbook
from .common import DryRunOpt, ForceOpt, State, find_workbook, parse_date, parse_period, say, state

TEMPLATES_BESIDE = "模板"  # the estate's own templates beside the workbook (render.templating)


def month_end(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", "-p", help="账期 YYYY-MM")],
    output: Annotated[Path, typer.Option("--output", "-o", help="输出目录：本月的文件放在 DIR/账期/ 下", file_okay=False)],
    readings: Annotated[list[Path] | None, typer.Option("--readings", "-r", exists=True, dir_okay=False,
                                                        help="抄表员的读数表 xlsx/csv (repeat for several)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="计算日期 (default: the month's first run, else today)")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="读数异常未说明也继续出账")] = False,
    dry_run: DryRunOpt = False,
    force: ForceOpt = False,
) -> None:
    st = state(ctx)
    month = parse_period(period)
    if output.exists() and not output.is_dir():
        raise UsageError("output.is_dir", path=str(output))
    path = find_workbook(st)
    folder = output / month
    day = _as_of(st, as_of, folder)
    templates = st.templates_dir or (path.parent / TEMPLATES_BESIDE if (path.parent / TEMPLATES_BESIDE).is_dir() else None)
    opts = ops.Options(month, day, folder, list(readings or []), yes, st.lang, templates, force)
    if dry_run:
        _dry_run(st, path, opts)
        return
    refuse_if_open(path, force)  # busy (exit 4) before anything is read or written
    if _run(st, path, opts):
        say(st, st.t("monthend.finished", period=month, index=str(folder / "index.html")))


def _as_of(st: State, value: str | None, folder: Path) -> dt.date:
    """--as-of; else the day of the month's first run (its files are dated by it); else today."""
    if value:
        return parse_date(value, planned=True, option="--as-of")
    try:
        recorded = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("as_of")
        day = dt.date.fromisoformat(recorded)
    except (OSError, ValueError, TypeError, AttributeError):
        return dt.date.today()
    say(st, st.t("monthend.as_of", date=day.isoformat()))
    return day


def _run(st: State, path: Path, opts: ops.Options) -> bool:
    """The steps not done yet; False (and exit 3) when the run stopped for the clerk."""
    def log(o: ops.Outcome) -> None:
        text = st.t(o.key, **o.figures)
        say(st, st.t("monthend.log", time=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), period=opts.period,
                     step=st.t(STEP_NAMES[o.step]), text=text))

    opts.folder.mkdir(parents=True, exist_ok=True)
    with Workbook(path, write=True, force=opts.force) as wb:
        try:
            ops.Run(wb, opts, log).run()
        except ops.Stopped as stop:
            log(stop.outcome)
            say(st, st.t("monthend.stopped", period=opts.period, folder=str(opts.folder)))
            raise typer.Exit(Exit.CHECK) from None
    return True


def _dry_run(st: State, path: Path, opts: ops.Options) -> None:
    """The whole run on copies (workbook, and the folder's manifest): what it would do, nothing changed."""
    with tempfile.TemporaryDirectory(prefix="propcli-month-end-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copy2(path, copy)
        folder = Path(tmp) / "out" / opts.period
        if (opts.folder / "manifest.json").is_file():
            folder.mkdir(parents=True)
            shutil.copy2(opts.folder / "manifest.json", folder / "manifest.json")
        real = opts.folder
        opts.folder = folder
        try:
            _run(st, copy, opts)
        finally:
            say(st, st.t("monthend.dry_run", folder=str(real)))
