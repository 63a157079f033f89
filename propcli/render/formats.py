"""Reports are data; these turn rows into files. CSV is UTF-8 with BOM (Excel opens it right); cells
that start like a formula are neutralised in CSV and XLSX; HTML is autoescaped by the template."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

FORMATS = ("table", "csv", "json", "xlsx", "html")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    kind: str = "text"  # text, money, number, date


def col_dicts(cols: Sequence[Col]) -> list[dict[str, str]]:
    """Columns as templates take them: key, header, kind."""
    return [{"key": c.key, "header": c.header, "kind": c.kind} for c in cols]


def format_for(output: Path | None, fmt: str | None, default: str = "table") -> str:
    """The format asked for, or the one `-o FILE` implies by its extension."""
    if fmt:
        return fmt
    if output is not None:
        ext = output.suffix.lower().lstrip(".")
        return {"htm": "html", "txt": "table"}.get(ext, ext if ext in FORMATS else default)
    return default


def neutralise(value: object) -> object:
    """A text cell that Excel would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def plain(value: object) -> object:
    """A JSON-able value: Decimal keeps its digits as a string, dates are ISO."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


CENT = Decimal("0.01")


def text(value: object, kind: str = "text") -> str:
    """A cell as text; money always to the 分 (1234.5 → 1234.50)."""
    if value is None:
        return ""
    if kind == "money" and isinstance(value, Decimal):
        return format(value.quantize(CENT), "f")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(plain(value))


def to_csv(rows: Sequence[Mapping[str, object]], cols: Sequence[Col]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.header for c in cols])
    for row in rows:
        writer.writerow([neutralise(text(row.get(c.key), c.kind)) for c in cols])
    return "\ufeff" + buf.getvalue()


def to_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=plain) + "\n"


def to_xlsx(sheets: Sequence[tuple[str, Sequence[Mapping[str, object]], Sequence[Col]]], *,
            totals: bool = False) -> bytes:
    """A new workbook (never the clerk's): one sheet per view, bold frozen header, typed cells; with
    `totals`, each sheet's last row is a bold totals row. Equal content gives equal bytes (no clock)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..store.template import FIXED_TIMESTAMP, workbook_bytes

    wb = Workbook()
    wb.remove(wb.active)
    formats = {"money": "#,##0.00", "number": "0.00", "date": "yyyy-mm-dd"}
    for title, rows, cols in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append([c.header for c in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
        for row in rows:
            out = []
            for c in cols:
                v = row.get(c.key)
                if isinstance(v, Decimal):
                    v = float(v) if c.kind in ("money", "number") else format(v, "f")
                elif isinstance(v, str):
                    v = neutralise(v)
                out.append(v)
            ws.append(out)
        for i, c in enumerate(cols, start=1):
            letter = get_column_letter(i)
            width = max([len(c.header) * 2 + 2] + [len(text(r.get(c.key))) + 2 for r in rows[:200]])
            ws.column_dimensions[letter].width = min(width, 40)
            if c.kind in formats:
                for cell in ws[letter][1:]:  # a count (int) shows no decimals
                    cell.number_format = "0" if type(cell.value) is int else formats[c.kind]
        if totals and rows:
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    wb.properties.creator = "propcli"
    wb.properties.created = wb.properties.modified = FIXED_TIMESTAMP
    return workbook_bytes(wb)
