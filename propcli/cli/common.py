"""What every command shares: the global state, the options declared once, the consoles, the workbook
lookup, and emitting a report in the format asked for."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DataError, Exit, located  # noqa: F401  (Exit re-exported: `from .common import Exit`)
from ..i18n import tr
from ..render import formats
from ..render.formats import Col
from ..store.workbook import CommitResult, Workbook


@dataclass
class State:
    workbook: Path | None = None
    lang: str = "zh"
    quiet: bool = False
    debug: bool = False

    def t(self, key: str, **params: object) -> str:
        return tr(key, self.lang, **params)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = State()
    return root.obj


def err_console():  # type: ignore[no-untyped-def]
    """Messages and progress: stderr, colour only on a terminal."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def out_console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    if width is None and not sys.stdout.isatty():
        width = 160  # piped or in a file: do not fold unit ids and phones at 80 columns
    return Console(highlight=False, width=width, soft_wrap=False)


def say(st: State, message: str) -> None:
    """A progress or result message on stderr (silent with --quiet)."""
    if not st.quiet:
        err_console().print(message, markup=False)


def report_commit(st: State, wb: Workbook, result: CommitResult) -> None:
    """After a change: a dry run shows the journal of what would change on stdout; a write says where
    it went and where the previous version is."""
    if not result.entries:
        say(st, st.t("out.nothing"))
        return
    if not result.written:
        rows = [{"sheet": e.sheet, "key": e.key, "before": e.before, "after": e.after} for e in result.entries]
        heads = ("表", "主键", "变更前", "变更后") if st.lang == "zh" else ("sheet", "key", "before", "after")
        cols = [Col(k, h) for k, h in zip(("sheet", "key", "before", "after"), heads)]
        emit(st, rows, cols, fmt="table", output=None, title="")
        say(st, st.t("out.dry_run", count=len(result.entries)))
    else:
        backup = result.backup.name if result.backup else "—"
        say(st, st.t("out.saved", count=len(result.entries), path=wb.name, backup=backup))


def find_workbook(st: State) -> Path:
    """--workbook, else PROPCLI_WORKBOOK, else the one estate workbook in the current folder."""
    if st.workbook is not None:
        return st.workbook
    env = os.environ.get("PROPCLI_WORKBOOK")
    if env:
        return Path(env)
    candidates = [p for p in sorted(Path.cwd().glob("*.xlsx")) if not p.name.startswith(("~$", ".~"))]
    if len(candidates) > 1:  # exports (-o owners.xlsx) lie beside the estate workbook: keep registers only
        candidates = [p for p in candidates if _is_estate(p)]
    if len(candidates) == 1:
        return candidates[0]
    raise DataError("workbook.none")


def _is_estate(path: Path) -> bool:
    from python_calamine import CalamineWorkbook

    from ..store.schema import OWNERS, norm_header

    try:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # not a workbook we can read: not the estate workbook either
        return False
    wanted = {norm_header(n) for n in OWNERS.names()}
    return any(norm_header(n) in wanted for n in names)


def parse_date(value: str) -> dt.date:
    from ..store.normalize import ValueProblem, to_date

    try:
        return to_date(value)
    except ValueProblem:
        raise DataError("date.bad", None, value=repr(value)) from None


def parse_period(value: str) -> str:
    from ..store.normalize import ValueProblem, to_period

    try:
        return to_period(value)
    except ValueProblem:
        raise DataError("period.bad", None, value=repr(value)) from None


def as_decimal(value: str | None):  # type: ignore[no-untyped-def]
    """A number typed on the command line (全角 digits and thousands separators allowed)."""
    from ..store.normalize import ValueProblem, to_decimal

    if value is None:
        return None
    try:
        return to_decimal(value)
    except ValueProblem as exc:
        raise located(exc, value=value) from None


# -- options declared once -----------------------------------------------------------------------

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", help="table | csv | json | xlsx | html (default: from -o, else table)"),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="write to FILE; the format follows its extension")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="show what would change, write nothing")]
ForceOpt = Annotated[bool, typer.Option("--force", help="write although an office lock marker exists (a stale one)")]
UnmaskOpt = Annotated[bool, typer.Option("--unmask", help="show phones and ID numbers in full (for your own eyes)")]


def emit(st: State, rows: Sequence[Mapping[str, object]], cols: Sequence[Col], *, fmt: str | None,
         output: Path | None, title: str, subtitle: str = "", json_data: object = None,
         announce: bool = True) -> None:
    """Write a report in the format asked for, to -o FILE or stdout (`announce`: say where it went)."""
    kind = formats.format_for(output, fmt)
    if kind not in formats.FORMATS:
        raise typer.BadParameter(f"{kind} (table, csv, json, xlsx, html)", param_hint="--format")
    if kind == "table":
        _print_table(st, rows, cols, title, output)
        return
    if kind == "csv":
        data: str | bytes = formats.to_csv(rows, cols)
    elif kind == "json":
        data = formats.to_json(json_data if json_data is not None else [dict(r) for r in rows])
    elif kind == "xlsx":
        data = formats.to_xlsx([(title, rows, cols)])
    else:
        from ..render.templating import render

        data = render("table.html.j2", {
            "title": title, "subtitle": subtitle, "generated": "", "lang": st.lang,
            "columns": formats.col_dicts(cols),
            "rows": [dict(r) for r in rows],
        })
    write_output(st, data, output, announce=announce)


def write_output(st: State, data: str | bytes, output: Path | None, *, announce: bool = True) -> None:
    if output is None:
        if isinstance(data, bytes):
            if sys.stdout.isatty():  # a workbook's bytes would only garble the clerk's terminal
                raise typer.BadParameter("xlsx goes to a file: add -o FILE.xlsx", param_hint="--format")
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.write(data.lstrip("\ufeff"))
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        output.write_text(data, encoding="utf-8", newline="")
    else:
        output.write_bytes(data)
    if announce:
        say(st, st.t("out.written", path=str(output)))


NO_WRAP = {"unit_id", "phone", "tenant_phone", "id_no", "owner_name", "tenant_name", "status", "parking", "since",
           "last_contact", "next", "owner", "promise"}


def rich_table(rows: Sequence[Mapping[str, object]], cols: Sequence[Col], title: str = ""):  # type: ignore[no-untyped-def]
    from rich.table import Table

    table = Table(title=title or None, title_justify="left", header_style="bold")
    for c in cols:
        table.add_column(c.header, justify="left" if c.kind in ("text", "date") else "right",
                         overflow="fold", no_wrap=c.kind != "text" or c.key in NO_WRAP)
    for r in rows:
        table.add_row(*(formats.text(r.get(c.key), c.kind) for c in cols))
    return table


def print_rich(st: State, renderable: object, output: Path | None) -> None:
    """A table or panel to stdout, or as plain text to -o FILE."""
    if output is None:
        out_console().print(renderable)
        return
    from rich.console import Console

    with open(output, "w", encoding="utf-8") as f:
        Console(file=f, width=160, highlight=False, color_system=None).print(renderable)
    say(st, st.t("out.written", path=str(output)))


def _print_table(st: State, rows: Sequence[Mapping[str, object]], cols: Sequence[Col], title: str,
                 output: Path | None) -> None:
    print_rich(st, rich_table(rows, cols, title), output)
