"""The terminal table, which never lies: money, counts, dates and identifiers are printed whole. Text
columns wrap when the table is too wide; when even that cannot fit the width, a table of a few rows is
turned on its side, and a longer one becomes a block of `label  value` lines per row. In a pipe or a file
there is no width to fit: every row stays on one line."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..reports.model import NUMERIC, WHOLE, Column, Report, Row, Section, table_columns
from .cells import shown_rows, text

MIN_TEXT = 8  # a wrapped text column keeps at least this many cells
MAX_WORD = 12  # …and its longest word up to this many (a date stays on one line)


def renderables(report: Report, lang: str, width: int | None) -> list[RenderableType]:
    """What a terminal shows of a report. `width` None: no limit (a pipe or a file)."""
    out: list[RenderableType] = []
    if report.lines is not None:
        return [Text(line, no_wrap=True, overflow="ignore") for line in report.lines]
    for i, section in enumerate(report.sections):
        title = report.title if i == 0 and report.title else section.title(lang)
        if section.record:
            out.append(_record(section, lang, title))
        elif not section.rows and section.total is None and len(report.sections) > 1:
            out.append(Text(f"{title}：—" if lang == "zh" else f"{title}: —"))
        else:
            out.append(_section(section, lang, title, width))
    return out


def natural_width(parts: Sequence[RenderableType]) -> int:
    """The width at which nothing wraps: for a pipe or a file."""
    from rich.console import Console

    console = Console(width=100_000, color_system=None)
    widths = [console.measure(p).maximum for p in parts]
    return max([80, *widths])


def _cells(section: Section, columns: list[Column], lang: str) -> list[list[str]]:
    return [[text(r.get(c.key), c.kind, lang) for c in columns] for r in shown_rows(section, lang)]


def _width(cell: str) -> int:
    return max((cell_len(line) for line in cell.splitlines()), default=0)


def fold(label: str, width: int) -> str:
    """A label broken into even lines of at most `width` cells (a header over a narrow number column,
    the 合计 label over a column of unit ids): at a bracket or a space when it has one, else between
    characters. Values are never folded."""
    size = cell_len(label)
    if size <= width:
        return label
    for mark in ("（", " ("):
        at = label.find(mark)
        if at > 0 and cell_len(label[:at]) <= width:
            return label[:at] + "\n" + fold(label[at:].strip(), width)
    if " " in label:
        return "\n".join(fold(word, width) for word in label.split())
    if label.isascii():  # one English word stays whole
        return label
    per = -(-size // -(-size // max(width, 2)))  # lines as few as the width allows, of even length
    lines, line = [], ""
    for ch in label:
        if line and cell_len(line + ch) > per:
            lines.append(line)
            line = ""
        line += ch
    return "\n".join([*lines, line])


def _layout(widths: list[int], headers: list[str]) -> tuple[int, int]:
    """The width of the table boxed, and without borders."""
    cols = [max(w, _width(h)) for w, h in zip(widths, headers)]
    return 1 + sum(3 + w for w in cols), sum(2 + w for w in cols)


def _section(section: Section, lang: str, title: str, width: int | None) -> RenderableType:
    columns = table_columns(section.columns, brief=True)
    cells = _cells(section, columns, lang)
    body = len(section.rows)
    body_widths = []
    for i, c in enumerate(columns):
        values = [_width(row[i]) for n, row in enumerate(cells) if not (i == 0 and n == body)]  # not the 合计 label
        w = max([*values, 4 if c.kind in WHOLE else 1])
        if c.kind not in WHOLE:  # wraps between words; a date or a short word stays whole
            words = [cell_len(x) for n, row in enumerate(cells) if n < body for x in row[i].split()]
            w = min(w, max(MIN_TEXT, min(max(words, default=0), MAX_WORD)))
        body_widths.append(w)
    headers = [c.label(lang) for c in columns]
    label = cells[body][0] if body < len(cells) and columns else ""
    if label:  # the 合计 label may take two lines, not a wider column
        cells[body][0] = fold(cells[body][0], max(body_widths[0], _width(headers[0]), 4))
        body_widths[0] = max(body_widths[0], _width(cells[body][0]))
    boxed, compact = _layout(body_widths, headers)
    if width is None or boxed <= width:
        compact = False
    elif compact > width:  # fold long headers over narrow columns
        headers = [fold(h, w) for h, w in zip(headers, body_widths)]
        if _layout(body_widths, headers)[1] > width and section.rows:
            return _blocks(section, columns, cells, lang, title, width, label)
    widths = [max(w, _width(h)) for w, h in zip(body_widths, headers)]
    # a narrow terminal: no borders, columns two spaces apart
    table = Table(title=title or None, title_justify="left", header_style="bold",
                  box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD, padding=(0, 1, 0, 0) if compact else (0, 1),
                  show_edge=not compact, pad_edge=not compact)
    for c, w, head in zip(columns, widths, headers):
        whole = c.kind in WHOLE
        table.add_column(head, justify="right" if c.kind in NUMERIC else "left", no_wrap=whole, min_width=w,
                         overflow="fold")
    for i, row in enumerate(cells):
        table.add_row(*row, style="bold" if i == body else None, end_section=i == body - 1 and body < len(cells))
    return table


ACROSS_ROWS = 6  # a section of at most this many rows too wide for the terminal is turned on its side


def _across(section: Section, columns: list[Column], cells: list[list[str]], lang: str, title: str,
            width: int, label: str) -> RenderableType | None:
    """A few rows too wide to fit, turned: one line per column and one column per row, headed by the row's
    first cell (本月, 上月（环比）, 本年累计), when that fits the width; every value whole."""
    if not 1 <= len(cells) <= ACROSS_ROWS or len(columns) < 2:
        return None
    heads = [label if i == len(section.rows) else row[0] for i, row in enumerate(cells)]
    labels = [c.label(lang) for c in columns[1:]]
    widths = [max(_width(head), *(_width(v) for v in row[1:])) for head, row in zip(heads, cells)]
    if max(map(cell_len, labels)) + sum(2 + w for w in widths) > width:
        return None
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False, pad_edge=False)
    table.add_column(columns[0].label(lang), no_wrap=True)
    for head, w in zip(heads, widths):
        table.add_column(head, justify="right", no_wrap=True, min_width=w)
    for n, name in enumerate(labels, start=1):
        table.add_row(name, *(row[n] for row in cells))
    # the title on a line of its own: a table's title would wrap at the turned table's narrow width
    return Group(Text(title, style="bold"), table) if title else table


def _blocks(section: Section, columns: list[Column], cells: list[list[str]], lang: str, title: str,
            width: int, label: str) -> RenderableType:
    """Too wide to fit: turned on its side when it has few rows, else one block per row, every value whole."""
    across = _across(section, columns, cells, lang, title, width, label)
    if across is not None:
        return across
    label_width = max(cell_len(c.label(lang)) for c in columns)
    parts: list[RenderableType] = [Text(title, style="bold")] if title else []
    for i, row in enumerate(cells):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, width=label_width, style="bold")
        grid.add_column(overflow="fold")
        total = i == len(section.rows)
        for n, (c, value) in enumerate(zip(columns, row)):
            if value and not (total and n == 0):
                grid.add_row(c.label(lang), value)
        head = label if total else f"{i + 1}/{len(section.rows)}"
        parts.append(Text(f"── {head} " + "─" * max(0, min(width, 60) - cell_len(head) - 4), style="dim"))
        parts.append(grid)
    return Group(*parts)


def _record(section: Section, lang: str, title: str) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    row: Row = section.rows[0] if section.rows else {}
    for c in section.columns:
        grid.add_row(c.label(lang), text(row.get(c.key), c.kind, lang))
    return Panel(grid, title=title, title_align="left", expand=False)
