"""The propcli command line: global options, the command groups registered in one place, and the one
boundary where errors become messages and exit codes."""

from __future__ import annotations

import gc
import importlib
import sys
from gettext import gettext as _
from pathlib import Path
from typing import Annotated, Any

import typer
try:  # typer ≥ 0.2x carries its own click; before, click is a dependency of its own
    from typer._click.utils import make_default_short_help
except ImportError:  # pragma: no cover - the older typer the dependency range allows
    from click.utils import make_default_short_help
from typer.core import TyperGroup
from typer.exceptions import TyperException

from ..errors import Exit, PropcliError
from ..i18n import LANGS, default_lang, tr
from ..store import signals
from .common import State, check_arguments, err_console, state

_ARGS = "propcli.args"


# Every command and group, in the order of --help: (name, module in propcli.cli, its Typer app or command
# function, help). A module is imported only when its command runs or its own --help is asked for: the
# process of a warm report starts in a tenth of a second instead of loading all of propcli (psycopg,
# jinja2, every report) first.
COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("init", "init", "init", "新建小区工作簿 (every register, styled headers, drop-down lists)."),
    ("check", "check", "check", "检查工作簿 (named checks; silent and exit 0 when clean)."),
    ("undo", "undo", "undo", "撤销 propcli 的上一次修改 (if nothing changed the workbook since)."),
    ("month-end", "monthend", "month_end",
     "月结：检查 → 导入读数 → 读数异常 → 出账 → 缴费通知 → 欠费与催缴 → 月度统计，文件放在 DIR/账期/（含 index.html）；"
     "可中断后重跑，已完成的步骤不重做."),
    ("publish", "publish", "publish",
     "发布到集团数据库 (this workbook's registers as one estate, in one reconciled transaction)."),
    ("owners", "owners", "app", "业主档案 (the owners register)."),
    ("meters", "meters", "app", "抄表记录 (meter readings: record, import, anomalies)."),
    ("billing", "billing", "app", "应收账单 (monthly billing from rates and readings)."),
    ("payments", "payments", "app", "收款记录 (payments, voids, receipts)."),
    ("arrears", "arrears", "app", "欠费与催缴 (arrears report, dunning steps due, contact log, public list)."),
    ("bills", "bills", "app", "应收账单报表 (reports over all bills: summary by building and period)."),
    ("workorders", "workorders", "app", "报修工单 (repairs: open, assign, done, visit; the day's due list)."),
    ("complaints", "complaints", "app", "投诉记录 (complaints: open, forward, answer, resolve)."),
    ("stats", "stats", "app",
     "月度统计 (collection and service figures of a month, pinned to an as-of day; the rows behind each)."),
    ("db", "db", "app", "集团数据库 (PostgreSQL: schema upgrade, status, roles)."),
    ("group", "group", "app", "集团汇总 (figures over every estate published: collection rates, arrears by age)."),
    ("notices", "notices", "app",
     "批量通知 (payment notices, reminders, demand letters, outages, receipts: PDF, HTML, SMS)."),
)
_BY_NAME = {name: (module, attr, text) for name, module, attr, text in COMMANDS}


def _load(name: str) -> Any:
    """The click command of one entry of COMMANDS, built by typer from its module (imported now)."""
    module, attr, text = _BY_NAME[name]
    found = getattr(importlib.import_module(f"{__package__}.{module}"), attr)
    holder = typer.Typer(rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False)
    holder.callback()(lambda: None)  # a group, so that the one command keeps its name
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name, help=text)
    else:
        holder.command(name, help=text)(found)
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


class Boundary(TyperGroup):
    """Turns the core's typed errors into a message on stderr and an exit code; nothing else prints them.
    Its commands are loaded when used (COMMANDS)."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [name for name, *_ in COMMANDS]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        if cmd_name not in self.commands and cmd_name in _BY_NAME:
            self.commands[cmd_name] = _load(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        """The list in --help, from COMMANDS: no module is imported to show it."""
        limit = formatter.width - 6 - max(len(name) for name, *_ in COMMANDS)
        rows = [(name, make_default_short_help(text, limit).strip()) for name, _, _, text in COMMANDS]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        ctx.meta[_ARGS] = list(args)  # as typed: checked once the language is known (main_options)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            with signals.holding():  # a Ctrl-C during a commit acts once the command has printed its result
                return super().invoke(ctx)
        except PropcliError as exc:
            st = ctx.obj if isinstance(ctx.obj, State) else State()
            if st.debug:
                raise
            err_console().print(exc.message(st.lang), markup=False)
            raise typer.Exit(Exit(exc.exit_code)) from None
        except (typer.Exit, typer.Abort, TyperException):  # usage errors and exits: click words them
            raise
        except OSError as exc:  # the machine said no (a permission, a full disk, a missing folder)
            st = ctx.obj if isinstance(ctx.obj, State) else State()
            if st.debug:
                raise
            path = exc.filename or ""
            err_console().print(tr("os.failed", st.lang, path=path, reason=exc.strerror or str(exc))
                                + " — " + tr("os.failed.hint", st.lang), markup=False)
            raise typer.Exit(Exit.DATA) from None
        except Exception as exc:  # a bug: said in the clerk's language, exit 1 so that cron sees it
            st = ctx.obj if isinstance(ctx.obj, State) else State()
            if st.debug:
                raise
            err_console().print(tr("out.internal", st.lang, error=f"{type(exc).__name__}: {exc}"), markup=False)
            raise typer.Exit(Exit.DATA) from None


app = typer.Typer(
    cls=Boundary,
    name="propcli",
    help="物业内勤工具箱：从命令行读写小区的 Excel/WPS 工作簿。 The property clerk's estate workbook from the shell.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    workbook: Annotated[
        Path | None,
        typer.Option("--workbook", "-w", help="the estate workbook (or PROPCLI_WORKBOOK, or the one *.xlsx here)"),
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh | en (or PROPCLI_LANG)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress messages, only data and errors")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="show the traceback of an error")] = False,
    templates_dir: Annotated[
        Path | None,
        typer.Option("--templates-dir", exists=True, file_okay=False,
                     help="your own templates, searched before PROPCLI_TEMPLATES, 模板/ beside the workbook and the shipped ones"),
    ] = None,
) -> None:
    st = state(ctx)
    chosen = lang or default_lang()
    if chosen not in LANGS:
        raise typer.BadParameter(f"{chosen} (zh, en)", param_hint="--lang")
    st.workbook, st.lang, st.quiet, st.debug = workbook, chosen, quiet, debug
    st.templates_dir = templates_dir
    check_arguments(ctx.meta.get(_ARGS, ()))  # in the language just chosen, before any command runs


def main() -> None:
    """The console entry point: a bug still ends with a message and a non-zero exit, for cron."""
    # A command builds its registers as millions of small objects that all live to its end: with the
    # default thresholds (700, 10, 10) the cyclic collector walks them again and again, a sixth of a warm
    # M arrears report (0.75 → 0.64 s, median of 6). Collections still run, every 50,000 allocations.
    gc.set_threshold(50_000, 20, 10)
    try:
        app()
    except BrokenPipeError:  # `propcli owners list | head`
        sys.stderr.close()
        sys.exit(Exit.OK)
    except KeyboardInterrupt:
        sys.exit(Exit.INTERRUPTED)
    except Exception as exc:
        if "--debug" in sys.argv:
            raise
        err_console().print(tr("out.internal", _lang_of(sys.argv), error=f"{type(exc).__name__}: {exc}"), markup=False)
        sys.exit(Exit.DATA)


def _lang_of(argv: list[str]) -> str:
    """--lang as typed (for a failure before the options were parsed), else the default."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGS:
            return value
    return default_lang()
