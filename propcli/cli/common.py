"""What every command shares: the global state, the options declared once, the consoles, the workbook
lookup, and emitting a report in the format asked for."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import DataError, Exit, Location, UsageError, located  # noqa: F401  (Exit re-exported: `from .common import Exit`)
from ..i18n import tr
from ..render import cells, formats
from ..reports.model import Report
from ..ops.ledger import estate_of  # noqa: F401  (re-exported for the commands)
from ..store.safety import write_beside  # noqa: F401  (re-exported for the commands)
from ..store.workbook import CommitResult, Workbook

if TYPE_CHECKING:
    from ..render import memo


@dataclass
class State:
    workbook: Path | None = None
    lang: str = "zh"
    quiet: bool = False
    debug: bool = False
    templates_dir: Path | None = None  # --templates-dir: the estate's own templates, before the shipped ones
    workbook_path: Path | None = None  # the workbook found for this command (outputs never overwrite it)

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


def say(st: State, message: str) -> None:
    """A progress or result message on stderr (silent with --quiet)."""
    if not st.quiet:
        err_console().print(message, markup=False)


def report_commit(st: State, wb: Workbook, result: CommitResult, *, unmask: bool = False) -> None:
    """After a change: a dry run shows the journal of what would change on stdout; a write says where
    it went and where the previous version is."""
    if not result.entries:
        say(st, st.t("out.nothing"))
        return
    if not result.written:
        from ..reports.ledger import changes

        emit(st, changes(result.entries), unmask=unmask)
        say(st, st.t("out.dry_run", count=len(result.entries)))
    else:
        backup = result.backup.name if result.backup else "—"
        say(st, st.t("out.saved", count=len(result.entries), path=wb.name, backup=backup))


def find_workbook(st: State) -> Path:
    """--workbook, else PROPCLI_WORKBOOK, else the one estate workbook in the current folder."""
    st.workbook_path = _find_workbook(st)
    return st.workbook_path


def _find_workbook(st: State) -> Path:
    if st.workbook is not None:
        return st.workbook
    env = os.environ.get("PROPCLI_WORKBOOK")
    if env:
        return Path(env)
    found = [p for p in sorted(Path.cwd().glob("*.xlsx")) if not p.name.startswith(("~$", ".~"))]
    candidates = found
    if len(found) > 1:  # exports (-o owners.xlsx) lie beside the estate workbook: keep registers only
        candidates = [p for p in found if _is_estate(p)]
    if len(candidates) == 1:
        return candidates[0]
    if not found:
        raise DataError("workbook.none", folder=str(Path.cwd()))
    named = candidates or found  # two estates: name them; no estate among several files: name them all
    raise DataError("workbook.several", count=len(named), files=[p.name for p in named[:10]]
                    + (["…"] if len(named) > 10 else []), first=named[0].name)


def _is_estate(path: Path) -> bool:
    """Whether a file holds 业主档案: its sheet names only (workbook.xml), never its cells — an L estate
    beside an export is told apart in milliseconds, not the seconds its shared strings take."""
    from ..store.package import Package, StrictPackage
    from ..store.schema import OWNERS, norm_header

    try:
        try:
            pkg = Package(path)
            names = [s.name for s in pkg.sheets]
            pkg.close()
        except StrictPackage:  # strict OOXML (the store converts it): calamine reads its names
            from python_calamine import CalamineWorkbook

            names = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # not a workbook we can read: not the estate workbook either
        return False
    wanted = {norm_header(n) for n in OWNERS.names()}
    return any(norm_header(n) in wanted for n in names)


# -- values typed on the command line: read, then refused when no clerk can mean them ----------------
# One place for every command: a date outside 2000 … a year ahead, a period of year 0 or 9999, an amount
# of 1e20, NaN or 1.234, a negative quantity. The rules themselves live in store.normalize.


def today() -> dt.date:
    return dt.date.today()


def as_of_day(value: str | None) -> dt.date:
    """--as-of, default today; a day ahead is allowed (what will be due)."""
    return parse_date(value, planned=True, option="--as-of") if value else today()


def dated(output: Path | None, day: dt.date) -> Path | None:
    """-o with `{date}` made the --as-of date, so a nightly job writes one file a day."""
    return type(output)(str(output).replace("{date}", day.isoformat())) if output is not None else None


def parse_date(value: str, *, planned: bool = False, window: bool = True, option: str = "") -> dt.date:
    """A day typed by the clerk (`2024-05-01`, `2024/5/1`, `2024年5月1日`), within 2000-01-01 … a year
    from today; `planned` (a promise, a deadline) allows five years ahead; a filter's bound (`window`
    False: `--from 1990-01-01`) may be any day."""
    from ..store.normalize import ValueProblem, check_day, to_date

    try:
        day = to_date(value)
    except ValueProblem:
        raise DataError("date.bad", _where(option), value=repr(value)) from None
    if not window:
        return day
    try:
        return check_day(day, today(), planned=planned)
    except ValueProblem as exc:
        raise located(exc, _where(option), value=value) from None


def parse_period(value: str, *, option: str = "--period") -> str:
    """A 账期 typed by the clerk (`2024-05`, `2024年5月`, `202405`), within 2000-01 … a year from today."""
    from ..store.normalize import ValueProblem, check_period, to_period

    try:
        period = to_period(value)
    except ValueProblem:
        raise DataError("period.bad", _where(option), value=repr(value)) from None
    try:
        return check_period(period, today())
    except ValueProblem as exc:
        raise located(exc, _where(option), value=value) from None


def as_decimal(value: str | None, *, option: str = ""):  # type: ignore[no-untyped-def]
    """A quantity typed on the command line (an area, a meter reading; 全角 digits and thousands
    separators allowed): finite, of sane size, not negative."""
    from ..store.normalize import ValueProblem, check_quantity

    if value is None:
        return None
    try:
        return check_quantity(value)
    except ValueProblem as exc:
        raise located(exc, _where(option), value=value) from None


def as_amount(value: str | None, wb: Workbook | None = None, *, zero_ok: bool = False,
              option: str = "--amount"):  # type: ignore[no-untyped-def]
    """An amount in 元 typed on the command line: above 0 (or 0 with `zero_ok`), at most 2 decimals, not
    above the estate's ceiling (小区信息 › 金额上限, 10,000,000 by default)."""
    from ..store.normalize import MONEY_CEILING, ValueProblem, check_amount

    if value is None:
        return None
    ceiling = wb.money_ceiling() if wb is not None else MONEY_CEILING
    try:
        return check_amount(value, ceiling, zero_ok=zero_ok)
    except ValueProblem as exc:
        raise located(exc, _where(option), value=value) from None


def _where(option: str) -> Location | None:
    return Location(column=option) if option else None


def check_arguments(args: Sequence[str]) -> None:
    """Every argument as typed, before any command runs: text that is not UTF-8 (a GBK terminal's bytes
    reach Python as surrogate escapes), control characters (they would break the workbook's XML) and
    text longer than an Excel cell holds are refused, naming the argument."""
    from ..store.normalize import shorten

    for arg in args:
        if not isinstance(arg, str):
            continue
        if any("\ud800" <= c <= "\udfff" for c in arg):
            try:
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:
                shown = arg.encode("utf-8", "backslashreplace").decode("ascii")
            raise DataError("arg.not_utf8", None, value=f"'{shorten(shown)}'")
        if len(arg) > EXCEL_CELL_MAX:
            raise DataError("arg.too_long", None, value=repr(shorten(arg)), n=len(arg))
        if any(c < " " and c not in "\t\n\r" or "\x7f" <= c <= "\x9f" for c in arg):
            raise DataError("arg.control", None, value=repr(shorten(arg)))


EXCEL_CELL_MAX = 32767


def in_range(value: int | None, low: int, high: int | None, option: str) -> int | None:
    """A whole number typed for `option` within low…high (exit 1 naming it, in the clerk's language;
    Typer's own range check would answer in English)."""
    if value is not None and high is None and value < low:
        raise DataError("value.below", _where(option), value=repr(str(value)), low=low)
    if value is not None and high is not None and not low <= value <= high:
        raise DataError("value.out_of_range", _where(option), value=repr(str(value)), low=low, high=high)
    return value


def confirm_future(st: State, yes: bool, ask: str, refused: str, **params: object) -> None:
    """A date in the future where the past is meant (a transfer, a bill period) is asked about on a
    terminal; without one (cron) it needs --yes, or nothing is done."""
    if yes:
        return
    if sys.stdin.isatty() and typer.confirm(st.t(ask, **params), default=False):
        return
    raise DataError(refused, None, **params)


# -- options declared once -----------------------------------------------------------------------

FormatOpt = Annotated[
    str | None,
    typer.Option("--format", "-f", help="table | csv | json | xlsx | html (default: from -o, else table)"),
]
class FolderArg(type(Path())):  # type: ignore[misc]
    """-o typed with a trailing slash (`reports/`): a folder by the clerk's own words."""


def output_path(value: str) -> Path:
    """-o as typed: Path() would drop a trailing slash, and a file named `reports` be written for
    `-o reports/`; the slash is kept as the type, and `choose_format` refuses a folder."""
    return FolderArg(value) if value.endswith(("/", os.sep)) else Path(value)


OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", parser=output_path,
                                                help="write to FILE; the format follows its extension")]
# The lists cron writes to a dated file: `-o 'due-{date}.csv'` (see `dated`).
DatedOutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", parser=output_path, help="write to FILE (format from its extension); {date} becomes the --as-of date")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="show what would change, write nothing")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="do not ask: a date in the future is meant")]
ForceOpt = Annotated[bool, typer.Option("--force", help="write although an office lock marker exists (a stale one)")]
UnmaskOpt = Annotated[bool, typer.Option("--unmask", help="show phones and ID numbers in full (for your own eyes)")]


# -- the one output path ---------------------------------------------------------------------------


def emit(st: State, report: Report, *, fmt: str | None = None, output: Path | None = None, unmask: bool = False,
         allowed: tuple[str, ...] | None = None, announce: bool = True, remember: memo.Question | None = None,
         note: dict | None = None) -> None:
    """A report, masked for its audience, in the format asked for (--format, else -o's extension, else
    the table) to -o FILE or stdout. An unknown format or extension is a usage error; nothing is written.
    With `remember` (see `remembered`) the output is kept for the same question on the same workbook,
    with `note` (what `replay` gives back)."""
    renderer = choose_format(output, fmt, allowed)
    if remember is not None:
        remember.computed()
    report = formats.for_renderer(cells.masked(report, unmask), renderer)
    if renderer.name == "table" and output is None:
        if report.empty_note and not any(s.rows for s in report.sections):
            say(st, report.empty_note)
            return
        if remember is None:
            _print_table(st, report)
            return
        data: str | bytes = formats.to_text(report, formats.Options(st.lang, terminal_width()))
    else:
        data = renderer.render(report, formats.Options(st.lang, None, st.templates_dir, st.workbook_path))
    if remember is not None:
        from ..render import memo

        memo.store(remember, data, note=note)
    write_output(st, data, output, announce=announce)


def remembered(st: State, renderer: formats.Renderer, output: Path | None, *asked: object) -> memo.Question | None:
    """The question whose output may be remembered (render.memo), or None where it is not: HTML
    (templates beside the workbook may change it) and a table printed on a terminal (colours, width)."""
    from ..render import memo

    if renderer.name == "html" or (renderer.name == "table" and output is None and sys.stdout.isatty()):
        return None
    width = terminal_width() if renderer.name == "table" and output is None else None
    return memo.Question(find_workbook(st), *asked, renderer.name, st.lang, width)


def replay(st: State, remember: memo.Question | None, renderer: formats.Renderer, output: Path | None, *,
           announce: bool = True, note_keys: frozenset[str] = frozenset()) -> dict | None:
    """Write the remembered output of this question, if there is one whose note holds `note_keys`, and
    give its note (None: there is none, the output is to be computed)."""
    from ..render import memo

    found = memo.load(remember) if remember is not None else None
    if found is None or not note_keys <= found[1].keys():
        return None
    data, note = found
    write_output(st, data if renderer.binary else data.decode("utf-8"), output, announce=announce)
    return note


def choose_format(output: Path | None, fmt: str | None, allowed: tuple[str, ...] | None = None,
                  st: State | None = None) -> formats.Renderer:
    """The renderer for --format or -o FILE; a usage error (exit 2) before anything is done or written
    when none serves it, or when -o names a folder (with `st`: or the workbook, or .propcli/)."""
    if output is not None and (output.is_dir() or isinstance(output, FolderArg)):
        raise UsageError("output.is_dir", path=str(output))
    if output is not None and st is not None:
        find_workbook(st)
        safe_target(st, output)
    try:
        return formats.choose(output, fmt, allowed)
    except formats.UnknownFormat as exc:
        raise UsageError("output.format", asked=exc.asked, allowed=", ".join(exc.allowed)) from None


def terminal_width() -> int | None:
    """COLUMNS, else the terminal's width; None in a pipe (no width to fit: rows are never folded)."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _print_table(st: State, report: Report) -> None:
    """On a terminal, with its colours; in a pipe, plain text without trailing blanks."""
    width = terminal_width()
    if not sys.stdout.isatty():
        sys.stdout.write(formats.to_text(report, formats.Options(st.lang, width)))
        return
    from rich.console import Console

    from ..render.table import renderables

    console = Console(highlight=False, width=width, soft_wrap=False)
    for p in renderables(report, st.lang, width):
        console.print(p)


def write_output(st: State, data: str | bytes, output: Path | None, *, announce: bool = True) -> None:
    """Data to stdout, or to -o FILE through a temporary file renamed into place: a full disk or an
    interruption leaves no half-written file. Never onto the workbook, into .propcli/, onto a folder, or
    over a workbook or document propcli did not write (see `safe_target`). A device (`/dev/null`,
    `/dev/full`) or a pipe is written as it is: renaming onto it would replace it."""
    if output is None:
        if isinstance(data, bytes):
            if sys.stdout.isatty():  # a workbook's bytes would only garble the clerk's terminal
                raise UsageError("output.binary_tty")
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            sys.stdout.write(data.lstrip("\ufeff"))
        return
    target = safe_target(st, output)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if target.exists() and not target.is_file():  # a device or a pipe: there is no file to half-write
        try:
            with open(target, "wb") as f:
                f.write(payload)
        except OSError as exc:
            raise DataError("output.write_failed", None, path=str(output), reason=exc.strerror or str(exc)) from None
        return
    tmp = write_beside(target, payload, shown=output)
    try:
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError("output.write_failed", None, path=str(output), reason=exc.strerror or str(exc)) from None
    if announce:
        say(st, st.t("out.written", path=str(output)))


def safe_target(st: State, output: Path) -> Path:
    """-o FILE, refused (exit 2, nothing written) when it is the workbook itself (by any path: a link,
    `..`, a hard link), a file inside propcli's own `.propcli/` folder, a folder, or an existing workbook
    or document that propcli did not export (an estate workbook, the clerk's own spreadsheet). An
    existing text output (csv, json, html, txt) is replaced: the nightly report is rewritten each run."""
    if output.is_dir():
        raise UsageError("output.is_dir", path=str(output))
    target = output.resolve()
    workbook = st.workbook_path
    if workbook is not None and workbook.exists():
        real = workbook.resolve()
        if target == real or (target.exists() and os.path.samefile(target, real)):
            raise UsageError("output.is_workbook", path=str(output))
        if real.parent / ".propcli" in target.parents:
            raise UsageError("output.in_store", path=str(output))
    if target.is_file():
        foreign = _foreign(target)
        if foreign:
            raise UsageError("output.exists_foreign", path=str(output), what=tr(foreign, st.lang))
    return target


def _foreign(path: Path) -> str | None:
    """Why an existing file must not be replaced by an output (a message key), or None. A zip package
    (xlsx, docx …) or an old binary Office file is a document: replaced only if propcli exported it
    (its core properties name propcli as creator) and it holds no estate register."""
    import zipfile

    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return None  # unreadable: the write itself will say why
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # .xls, .doc
        return "output.what_document"
    if not head.startswith(b"PK"):
        return None
    if _is_estate(path):
        return "output.what_estate"
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return "output.what_document"
    return None if "<dc:creator>propcli</dc:creator>" in core else "output.what_document"
