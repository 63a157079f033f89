"""The output formats, registered once: each turns a (masked) `Report` into text or bytes. `-o FILE`
picks one by the file's extension; an extension no renderer serves is a usage error.

CSV is UTF-8 with BOM (Excel opens it right) and holds the report's first section with its 合计 row;
cells that start like a formula are neutralised in CSV and XLSX; HTML is autoescaped by the template.
PDF and SMS join through the same `register`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from ..reports.model import Kind, Report, Section
from . import cells


@dataclass(frozen=True)
class Options:
    lang: str = "zh"
    width: int | None = None  # the terminal's, for the table; None: no limit
    template_dir: Path | None = None  # --templates-dir
    workbook: Path | None = None  # a 模板/ folder beside it overrides shipped templates


Render = Callable[[Report, Options], "str | bytes"]


@dataclass(frozen=True)
class Renderer:
    name: str
    extensions: tuple[str, ...]
    render: Render
    binary: bool = False
    details: bool = False  # carries a report's drill-down sections (`Section.detail`): one sheet each


RENDERERS: dict[str, Renderer] = {}


def register(name: str, *extensions: str, binary: bool = False, details: bool = False) -> Callable[[Render], Render]:
    def add(fn: Render) -> Render:
        RENDERERS[name] = Renderer(name, extensions, fn, binary, details)
        return fn

    return add


class UnknownFormat(ValueError):
    """A --format or an -o extension no renderer serves (a usage error: nothing is written)."""

    def __init__(self, asked: str, allowed: tuple[str, ...]) -> None:
        super().__init__(asked)
        self.asked, self.allowed = asked, allowed


def choose(output: Path | None, fmt: str | None, allowed: tuple[str, ...] | None = None) -> Renderer:
    """The renderer for --format, else for -o's extension, else the table."""
    names = allowed or tuple(RENDERERS)
    if fmt:
        name = fmt.lower()
    elif output is not None:
        ext = output.suffix.lower().lstrip(".")
        name = next((r.name for r in RENDERERS.values() if ext in r.extensions), f".{ext}" if ext else "''")
    else:
        name = "table"
    if name not in names or name not in RENDERERS:
        exts = [f".{e}" for n in names if n in RENDERERS for e in RENDERERS[n].extensions]
        raise UnknownFormat(name, (*names, *exts) if output is not None and not fmt else names)
    return RENDERERS[name]


# -- the formats ---------------------------------------------------------------------------------


@register("table", "txt")
def to_text(report: Report, opts: Options) -> str:
    from rich.console import Console

    from .table import natural_width, renderables

    if report.lines is not None:  # a listing of lines (check): never folded, whatever the width
        return "".join(line + "\n" for line in report.lines)
    parts = renderables(report, opts.lang, opts.width)
    buf = io.StringIO()
    console = Console(file=buf, width=opts.width or natural_width(parts), color_system=None, highlight=False,
                      soft_wrap=False)
    for p in parts:
        console.print(p)
    return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())


@register("csv", "csv")
def to_csv(report: Report, opts: Options) -> str:
    if not report.sections:  # nothing to list (a month never billed): an empty file, its note said on stderr
        return "\ufeff"
    section = report.sections[0]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.label(opts.lang) for c in section.columns])
    for row in cells.shown_rows(section, opts.lang):
        writer.writerow([cells.neutralise(cells.text(row.get(c.key), c.kind, opts.lang)) for c in section.columns])
    return "\ufeff" + buf.getvalue()


def for_renderer(report: Report, renderer: Renderer) -> Report:
    """The report as `renderer` shows it: drill-down sections only where they get a sheet of their own,
    columns meant for tools (`Column.json_only`) only in JSON — and a section made of such columns only
    (the top-level keys of a group report) only there."""
    sections = [s for s in report.sections if renderer.details or not s.detail]
    if renderer.name != "json":
        sections = [replace(s, columns=[c for c in s.columns if not c.json_only])
                    if any(c.json_only for c in s.columns) else s for s in sections
                    if not s.columns or not all(c.json_only for c in s.columns)]
    return replace(report, sections=sections)


def report_data(report: Report) -> dict[str, object]:
    """The report as JSON holds it (documented in docs/reports.md): keys never depend on --lang. A section
    shaped "top" puts its record's fields at the top level, one shaped "list" is a plain list of rows."""
    out: dict[str, object] = {"report": report.key, "params": cells.data(report.params)}
    for s in report.sections:
        if s.json == "top":
            out.update(_record(s, s.rows[0]) if s.rows else {c.key: None for c in s.columns})
        elif s.json == "list":
            out[s.key] = [_record(s, r) for r in s.rows]
        elif s.record:
            out[s.key] = _record(s, s.rows[0]) if s.rows else None
        else:
            out[s.key] = {"rows": [_record(s, r) for r in s.rows],
                          "total": _record(s, s.total, only_set=True) if s.total is not None else None}
    return out


def _record(section: Section, row, only_set: bool = False) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out: dict[str, object] = {}
    for c in section.columns:
        if only_set and row.get(c.key) is None:
            continue
        value = cells.data(row.get(c.key), c.kind)
        if c.group:
            if value is not None:
                out.setdefault(c.group, {})[c.json_key] = value  # type: ignore[index]
            else:
                out.setdefault(c.group, {})
        else:
            out[c.key] = value
    return out


@register("json", "json")
def to_json(report: Report, opts: Options) -> str:
    return json.dumps(report_data(report), ensure_ascii=False, indent=2) + "\n"


_NOT_IN_SHEET_NAMES = str.maketrans({c: "-" for c in "[]:*?/\\"})


def sheet_title(text: str) -> str:
    """A section's title as an Excel sheet name: none of []:*?/\\ (Excel refuses them: the English drill-down
    titles such as `collection rate: the bills` were an internal error), at most 31 characters, no
    apostrophe at either end."""
    return text.translate(_NOT_IN_SHEET_NAMES)[:31].strip("'") or "-"


XLSX_FORMATS = {Kind.MONEY: "#,##0.00", Kind.NUMBER: "0.00", Kind.PERCENT: "0.00%", Kind.COUNT: "0",
                Kind.DATE: "yyyy-mm-dd", Kind.DATETIME: "yyyy-mm-dd hh:mm"}


@register("xlsx", "xlsx", binary=True, details=True)
def to_xlsx(report: Report, opts: Options) -> bytes:
    """A new workbook (never the clerk's): one sheet per section, bold frozen header, typed cells, a bold
    合计 row, the report's charts as native charts beside their tables. Equal content gives equal bytes (no
    clock in the file)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..store.template import FIXED_TIMESTAMP, workbook_bytes

    wb = Workbook()
    wb.remove(wb.active)
    sheets = {}
    for section in report.sections:
        ws = sheets[section.key] = wb.create_sheet(sheet_title(section.title(opts.lang) or report.key))
        columns = section.columns
        rows = cells.shown_rows(section, opts.lang)
        if section.record:  # a profile: one label/value line per field
            from ..reports.model import col

            rows = [{"field": c.label(opts.lang), "value": cells.text(rows[0].get(c.key), c.kind, opts.lang)}
                    for c in columns] if rows else []
            columns = [col("field", "项目", "field"), col("value", "内容", "value")]
        ws.append([c.label(opts.lang) for c in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
        for row in rows:
            ws.append([_xlsx_value(row.get(c.key), c.kind, opts.lang) for c in columns])
        for i, c in enumerate(columns, start=1):
            letter = get_column_letter(i)
            width = max([len(c.label(opts.lang)) * 2 + 2] + [len(cells.text(r.get(c.key), c.kind)) + 2 for r in rows[:200]])
            ws.column_dimensions[letter].width = min(width, 40)
            if c.kind in XLSX_FORMATS:
                for cell in ws[letter][1:]:
                    cell.number_format = XLSX_FORMATS[c.kind]
        if section.total is not None:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    if not report.sections:  # a workbook needs a sheet: the title and why there is nothing below it
        ws = wb.create_sheet(sheet_title(report.key))
        ws.append([report.title])
        ws.append([report.empty_note])
    if report.charts:
        from .xlsx_charts import add_charts

        add_charts(wb, report, sheets, opts.lang)
    wb.properties.creator = "propcli"
    wb.properties.created = wb.properties.modified = FIXED_TIMESTAMP
    return workbook_bytes(wb)


def _xlsx_value(value: object, kind: Kind, lang: str) -> object:
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value) if kind in (Kind.MONEY, Kind.NUMBER, Kind.PERCENT) else format(value, "f")
    if isinstance(value, (int, dt.date)) and not isinstance(value, bool):
        return value
    return cells.neutralise(cells.text(value, kind, lang))


@register("html", "html", "htm")
def to_html(report: Report, opts: Options) -> str:
    from .contexts import report_page
    from .templating import render

    return render(report.template, report_page(report, opts.lang), user_dir=opts.template_dir, workbook=opts.workbook)
