"""Charts (HTML and XLSX): the words a chart writes on itself."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "chart.no_data": ("无数据", "no data"),
    "chart.axis_from": ("纵轴自 {start} 起", "axis starts at {start}"),
    "chart.axis_from_title": ("（纵轴自 {start} 起）", " (axis starts at {start})"),
    "chart.data_sheet": ("图表数据", "chart data"),
}
