"""A report's charts as native Excel charts (they open in Excel, WPS and LibreOffice), drawn from the same
`charts.Plot` as the HTML page: same series, same value axis, same colours.

A chart reads its section's sheet — categories and series straight from the table, header row as series
names, never the 合计 row — and sits to the right of that table, so it covers no data. A target line
needs a constant series: it is written on a separate sheet (图表数据 / chart data), one labelled column per
chart (its title, then the line's name, then the value per category), so the report's own tables stay
exactly as the other renderers write them. Sheets with a chart print landscape, one page wide.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.data_source import AxDataSource, NumFmt, StrRef
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..i18n import tr
from ..reports.model import ChartKind, Kind, Report
from .charts import PALETTE, TARGET_COLOUR, Plot, plot, zoom_note

AXIS_FORMATS = {Kind.PERCENT: "0%", Kind.MONEY: "#,##0", Kind.COUNT: "0", Kind.NUMBER: "#,##0.##"}
TURN_LABELS = 12  # more categories than this: their labels turn 45° (20 buildings), as on the page
ROWS_PER_CHART = 17  # a 7.5 cm chart spans about 15 rows of the default height: two print on one page


def add_charts(wb: Workbook, report: Report, sheets: dict[str, Worksheet], lang: str) -> None:
    """Add every chart of `report` to the sheet of the section it plots (`sheets`: section key → sheet)."""
    helper: Worksheet | None = None
    placed: dict[str, int] = {}
    for chart in report.charts:
        p = plot(report, chart, lang)
        if not p.categories:
            continue  # no rows: an Excel chart over nothing would only be an empty frame
        ws = sheets[chart.section]
        native = _native(p, ws)
        if p.target is not None:
            if helper is None:
                helper = wb.create_sheet(tr("chart.data_sheet", lang))
            native += _target_line(p, helper, ws)
        _print_wide(ws)
        column = len(report.sections[p.section_index].columns) + 2
        native.anchor = f"{get_column_letter(column)}{2 + ROWS_PER_CHART * placed.get(chart.section, 0)}"
        placed[chart.section] = placed.get(chart.section, 0) + 1
        ws.add_chart(native)


def _print_wide(ws: Worksheet) -> None:
    """A sheet with a chart beside its table prints landscape, one page wide (table and chart together)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _native(p: Plot, ws: Worksheet) -> BarChart | LineChart:
    n = len(p.categories)
    native: BarChart | LineChart
    if p.chart.kind == ChartKind.LINE:
        native = LineChart()
    else:
        native = BarChart()
        native.type = "col"
        native.grouping = "stacked" if p.chart.kind == ChartKind.STACKED else "clustered"
        native.overlap = 100 if p.chart.kind == ChartKind.STACKED else None
        native.gapWidth = 60
    for column in p.series_columns:  # the header cell names the series; rows 2…n+1 are the section's rows
        native.add_data(Reference(ws, min_col=column + 1, min_row=1, max_row=n + 1), titles_from_data=True)
    _categories(native, ws, p)
    for i, s in enumerate(native.series):
        colour = PALETTE[i % len(PALETTE)].lstrip("#")
        if p.chart.kind == ChartKind.LINE:
            s.graphicalProperties.line.solidFill = colour
            s.graphicalProperties.line.width = 22225  # 1.75 pt
            s.marker.symbol = "circle"
            s.marker.size = 5
            s.marker.graphicalProperties.solidFill = colour
            s.marker.graphicalProperties.line.solidFill = colour
            s.smooth = False
        else:
            s.graphicalProperties.solidFill = colour
            s.graphicalProperties.line.solidFill = colour
    native.title = p.title + zoom_note(p, "chart.axis_from_title")
    native.display_blanks = "gap"  # a month without bills is a gap, as on the page
    native.legend.position = "b"
    native.width, native.height = 18, 7.5  # cm
    native.x_axis.delete = False
    if n > TURN_LABELS:
        native.x_axis.txPr = RichText(bodyPr=RichTextProperties(rot=-2_700_000, vert="horz"),
                                      p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties()),
                                                   endParaRPr=CharacterProperties())])
    native.y_axis.delete = False
    native.y_axis.majorGridlines = ChartLines()
    native.y_axis.numFmt = NumFmt(formatCode=_axis_format(p), sourceLinked=False)
    native.y_axis.scaling.min = p.axis.lo
    native.y_axis.scaling.max = p.axis.hi
    native.y_axis.majorUnit = p.axis.step
    return native


def _target_line(p: Plot, helper: Worksheet, ws: Worksheet) -> LineChart:
    """The target as a constant series on the helper sheet, drawn dashed over the chart's own axes."""
    column = helper.max_column + 1 if helper["A1"].value else 1
    n = len(p.categories)
    helper.cell(1, column, p.title)  # which chart; row 2 names the series, rows 3… hold the value
    helper.cell(2, column, p.target_label)
    for row in range(3, n + 3):
        helper.cell(row, column, p.target).number_format = AXIS_FORMATS.get(p.unit, "General")
    helper.column_dimensions[get_column_letter(column)].width = 24
    line = LineChart()
    line.add_data(Reference(helper, min_col=column, min_row=2, max_row=n + 2), titles_from_data=True)
    _categories(line, ws, p)
    s = line.series[0]
    s.graphicalProperties.line.solidFill = TARGET_COLOUR.lstrip("#")
    s.graphicalProperties.line.dashStyle = "dash"
    s.graphicalProperties.line.width = 19050  # 1.5 pt
    s.marker.symbol = "none"
    s.smooth = False
    return line


def _categories(native: BarChart | LineChart, ws: Worksheet, p: Plot) -> None:
    """The category labels as a text reference (openpyxl's `set_categories` writes a numeric one, which
    Excel may show as 1, 2, 3 for text such as 2026-10 or 3栋)."""
    ref = Reference(ws, min_col=p.x_column + 1, min_row=2, max_row=len(p.categories) + 1)
    for s in native.series:
        s.cat = AxDataSource(strRef=StrRef(f=str(ref)))


def _axis_format(p: Plot) -> str:
    if p.unit == Kind.PERCENT and p.axis.step < 0.01:
        return "0.0%"
    return AXIS_FORMATS.get(p.unit, "General")

