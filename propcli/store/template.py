"""A brand-new estate workbook: every register, Chinese headers, formats and drop-down lists.

`propcli init` starts a clerk from here, and the sample/benchmark generators build on it, so the layout
of a fresh workbook is decided in one place: the registers of `schema.SHEETS`, in that order.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from propcli.store.schema import DEADLINES, DEADLINES_DEFAULTS, DUNNING, DUNNING_DEFAULTS, ESTATE_SETTINGS, SHEETS, Column, Kind, Sheet

__all__ = ["FIXED_TIMESTAMP", "create_workbook", "number_format", "workbook_bytes"]

# Document dates and zip entry times of every workbook we generate: equal content must give equal bytes,
# so a regenerated sample does not show up as a change.
FIXED_TIMESTAMP = dt.datetime(2024, 1, 1, 0, 0, 0)
CREATOR = "propcli"
MAX_ROW = 1_048_576  # last row of an xlsx sheet: drop-downs cover rows the clerk has not typed yet

_THIN = Side(style="thin", color="A6A6A6")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)

# Decimal columns that are not money: a thousands separator on an area or a meter reading reads oddly,
# and unit prices such as 电费 0.4883 元/度 need up to 4 places.
_DECIMAL_FORMATS = {
    "area": "0.00",
    "reading": "0.00",
    "quantity": "0.00",
    "factor": "0.00",
    "price": "#,##0.00##",
    "unit_price": "#,##0.00##",
}
_KIND_FORMATS = {
    Kind.DECIMAL: "#,##0.00",
    Kind.MONEY: "#,##0.00",
    Kind.INT: "0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.ID: "@",
    Kind.PHONE: "@",
    Kind.IDNO: "@",
    Kind.PERIOD: "@",
}


def number_format(column: Column) -> str | None:
    """The Excel number format of a column (None: General), shared by the template and row writers.

    Identifiers get `@` so that Excel keeps `0302` and an 18-digit ID number as typed.
    """
    if column.kind is Kind.DECIMAL:
        return _DECIMAL_FORMATS.get(column.key, _KIND_FORMATS[Kind.DECIMAL])
    return _KIND_FORMATS.get(column.kind)


def create_workbook(path: Path, *, name: str, company: str = "", phone: str = "", address: str = "") -> None:
    """Write a new, empty estate workbook at `path`; refuse to touch an existing file.

    Overwriting is the CLI's decision (it asks, or takes `--force`), never the library's.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    wb = Workbook()
    wb.remove(wb.active)
    given = {"name": name, "company": company, "phone": phone, "address": address}
    for sheet in SHEETS:
        ws = wb.create_sheet(title=sheet.zh)
        _lay_out(ws, sheet)
        if sheet.key_value:
            for key, label, default in ESTATE_SETTINGS:
                ws.append([label, given.get(key) or default])
        for step in {DUNNING.key: DUNNING_DEFAULTS, DEADLINES.key: DEADLINES_DEFAULTS}.get(sheet.key, ()):
            ws.append([step.get(c.key) for c in sheet.columns])
    wb.active = 0
    props = wb.properties
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.title = f"{name} 物业台账" if name else "物业台账"
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP
    data = workbook_bytes(wb)
    with open(path, "xb") as fh:  # "x": a file that appeared since the check above is not overwritten
        fh.write(data)


def _lay_out(ws: Worksheet, sheet: Sheet) -> None:
    """Header row, column widths and formats, freeze, filter and drop-downs of one register."""
    for idx, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(idx)
        cell = ws.cell(row=1, column=idx, value=column.zh)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGN
        dim = ws.column_dimensions[letter]
        dim.width = column.width + 2  # a little slack: CJK glyphs are wider than the width unit
        fmt = number_format(column)
        if fmt:
            # A column style is what Excel/WPS apply to cells the clerk types in later.
            dim.number_format = fmt
        if column.kind is Kind.ENUM and column.choices:
            ws.add_data_validation(_choice_list(column, f"{letter}2:{letter}{MAX_ROW}"))
    last = get_column_letter(len(sheet.columns))
    ws.row_dimensions[1].height = 22
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}1"


def _choice_list(column: Column, ref: str) -> DataValidation:
    """A drop-down that rejects anything outside the column's choices, explained in Chinese."""
    choices = "、".join(column.choices)
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(column.choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=f"{column.zh}输入无效",
        error=f"{column.zh}只能从下拉列表中选择：{choices}",
        showInputMessage=True,
        promptTitle=column.zh,
        prompt=f"请选择：{choices}",
    )
    dv.add(ref)
    return dv


def workbook_bytes(wb: Workbook) -> bytes:
    """The xlsx bytes of `wb` with fixed zip entry times and the document dates the workbook carries.

    `Workbook.save` stamps the current time into the package; bypassing that keeps generated workbooks
    reproducible byte for byte.
    """
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # closes the archive
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
