"""Charts: the SVG drawn from a report's `Chart` (parsed back with ElementTree and measured against scales
computed by hand), the HTML page that carries it, and the native chart of the XLSX report (its XML must
point at the section's rows, never at the 合计 row)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propcli.render import charts
from propcli.render.charts import ChartError, plot, svg
from propcli.render.formats import Options, to_html, to_xlsx
from propcli.reports.model import Chart, ChartKind, Kind, Report, Section, col
from tests.fixtures import charts as samples

NS = {"s": "http://www.w3.org/2000/svg"}
D = Decimal


def report(values: list[object], kind: Kind = Kind.COUNT, chart_kind: ChartKind = ChartKind.BAR,
           target: Decimal | None = None, names: list[str] | None = None) -> Report:
    names = names or [f"c{i}" for i in range(len(values))]
    section = Section("s", "表", "table", [col("name", "类别", "name"), col("v", "数值", "value", kind)],
                      [{"name": n, "v": v} for n, v in zip(names, values, strict=True)])
    return Report("t", "t", [section], charts=[Chart("c", "图<1>", "chart", "s", "name", ("v",), chart_kind, target)])


def drawn(r: Report, lang: str = "zh") -> ET.Element:
    return ET.fromstring(svg(plot(r, r.charts[0], lang)))


def bars(root: ET.Element, shape: str = "rect") -> list[ET.Element]:
    """The data marks (they carry a tooltip; the legend's swatches do not)."""
    return [e for e in root.iter(f"{{{NS['s']}}}{shape}") if e.find("s:title", NS) is not None]


def gridline(root: ET.Element, label: str) -> float:
    """The y of the gridline whose tick reads `label`."""
    texts = root.findall("s:text", NS)
    tick = next(t for t in texts if t.text == label and t.get("text-anchor") == "end")
    return float(tick.get("y")) - 4  # tick labels sit 4 units under their line


def test_bars_scale_to_a_round_axis_and_a_missing_value_is_a_gap() -> None:
    root = drawn(report([3, 7, None, 12]))
    # counts 3, 7, —, 12: (12 − 0) / 5 = 2.4 → the next whole round step is 5 (2.5 is not whole) → 0, 5, 10, 15
    assert [t.text for t in root.findall("s:text", NS) if t.get("text-anchor") == "end"] == ["0", "5", "10", "15"]
    rects = bars(root)
    assert len(rects) == 3  # the missing value draws nothing, not a zero bar
    assert [r.find("s:title", NS).text for r in rects] == ["c0 · 数值: 3", "c1 · 数值: 7", "c3 · 数值: 12"]
    # the plot is 210 high for 0–15: a bar of 12 is 210 × 12/15 = 168, of 3 is 42, and all stand on the 0 line
    assert [float(r.get("height")) for r in rects] == [42, 98, 168]
    zero = gridline(root, "0")
    assert all(float(r.get("y")) + float(r.get("height")) == pytest.approx(zero) for r in rects)
    assert [t.text for t in root.findall("s:text", NS) if t.get("paint-order")] == ["3", "7", "12"]


def test_the_target_line_sits_at_its_value_on_a_zero_based_percent_axis() -> None:
    root = drawn(report([D("0.8"), D("0.9")], Kind.PERCENT, target=D("0.95")))
    # bars never zoom: 0%–100% in steps of 20%; 95% lies 0.05 × 210 = 10.5 under the 100% line, 199.5 above 0%
    target = root.find("s:line[@class='target']", NS)
    assert target is not None and target.get("stroke-dasharray")
    y = float(target.get("y1"))
    assert y - gridline(root, "100%") == pytest.approx(10.5)
    assert gridline(root, "0%") - y == pytest.approx(199.5)
    assert "目标 95%" in [t.text for t in root.findall("s:text", NS)]  # beside the line and in the legend
    assert "纵轴" not in ET.tostring(root, encoding="unicode")


def test_a_line_of_high_percentages_zooms_and_says_so() -> None:
    root = drawn(report([D("0.87"), D("0.9312"), None, None, D("0.96")], Kind.PERCENT, ChartKind.LINE, D("0.95")))
    # lowest 0.87 → a round tenth at least 5 points under it: floor(0.82 × 10) / 10 = 80%; 80–100% in 5% steps
    ticks = [t.text for t in root.findall("s:text", NS) if t.get("text-anchor") == "end"]
    assert ticks == ["80%", "85%", "90%", "95%", "100%"]
    assert "纵轴自 80% 起" in [t.text for t in root.findall("s:text", NS)]
    lines = root.findall("s:polyline", NS)
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2  # 87%–93.12%; 96% stands alone
    points = bars(root, "circle")
    assert len(points) == 3
    # 96% on 80–100%: (1 − 0.96) / 0.2 × 210 = 42 under the 100% line
    assert float(points[2].get("cy")) - gridline(root, "100%") == pytest.approx(42)


def test_a_zero_is_drawn_and_a_none_is_not() -> None:
    root = drawn(report([D("0.5"), D("0"), None, D("0.7")], Kind.PERCENT, ChartKind.LINE))
    assert len(bars(root, "circle")) == 3
    assert len(root.findall("s:polyline", NS)) == 1  # 50%, 0% joined; the gap; 70% alone
    assert ticks_of(root)[0] == "0%"  # a zero on the line: no zoom


def ticks_of(root: ET.Element) -> list[str]:
    return [t.text for t in root.findall("s:text", NS) if t.get("text-anchor") == "end"]


def test_stacked_bars_stack_and_total() -> None:
    section = samples.ageing()
    section.rows = section.rows[:2]  # 1栋: 2400, 3200, 4000, 4800; 2栋: 4800, 800, 2400, 4000
    r = Report("t", "t", [section], charts=[Chart("a", "账龄", "age", "ageing", "building",
                                                  tuple(k for k, _ in samples.BUCKETS), ChartKind.STACKED)])
    root = drawn(r)
    # the taller stack is 2400 + 3200 + 4000 + 4800 = 14400 → steps of 14400 / 5 = 2880 → 5000: axis 0–15000
    assert ticks_of(root) == ["¥0", "¥5,000", "¥10,000", "¥15,000"]
    rects = bars(root)
    assert len(rects) == 8
    first = rects[:4]  # 1栋's four segments, bottom up, each on top of the one before
    for lower, upper in zip(first, first[1:], strict=False):
        assert float(upper.get("y")) + float(upper.get("height")) == pytest.approx(float(lower.get("y")))
    assert sum(float(r.get("height")) for r in first) == pytest.approx(210 * 14400 / 15000)
    assert "¥14,400" in [t.text for t in root.findall("s:text", NS)]  # the stack's total on top


def test_negative_values_go_below_a_zero_line() -> None:
    root = drawn(report([D("-100"), D("300")], Kind.MONEY))
    assert ticks_of(root)[0].startswith("-")
    low, high = bars(root)
    zero = gridline(root, "¥0")
    assert float(low.get("y")) == pytest.approx(zero)  # hangs from zero
    assert float(high.get("y")) + float(high.get("height")) == pytest.approx(zero)


def test_texts_are_escaped_and_long_labels_cut_with_the_whole_in_a_tooltip() -> None:
    names = ["安防<门禁>", "A&B \"x\"", "一二三四五六七八九十十一十二"]
    text = svg(plot(report([1, 2, 3], names=names), report([1, 2, 3], names=names).charts[0], "zh"))
    assert "<门禁>" not in text and "&lt;门禁&gt;" in text
    root = ET.fromstring(text)  # well-formed
    assert root.find("s:title", NS).text == "图<1>"
    assert root.get("role") == "img"
    labels = [t for t in root.iter(f"{{{NS['s']}}}text") if t.find("s:title", NS) is not None]
    assert [t.find("s:title", NS).text for t in labels] == ["一二三四五六七八九十十一十二"]
    # room for 14 Latin characters: 14 × 0.6 × 11 = 92.4; seven squares (77) and … (6.6) fit, eight (94.6) do not
    assert labels[0].find("s:title", NS).tail == "一二三四五六七…"


def test_many_categories_turn_their_labels_and_the_same_report_gives_the_same_bytes() -> None:
    section = samples.buildings()
    for row in section.rows:
        row["building"] = f"阳光花园{row['building']}"  # 阳光花园12栋: wider than its band of 30
    r = Report("t", "t", [section], charts=[Chart("b", "楼栋", "b", "by_building", "building", ("billed", "collected"))])
    one, two = svg(plot(r, r.charts[0], "zh")), svg(plot(r, r.charts[0], "zh"))
    assert one == two
    root = ET.fromstring(one)
    assert len(bars(root)) == 40  # 20 buildings × 2, the 合计 row never plotted
    assert sum(1 for t in root.iter(f"{{{NS['s']}}}text") if "rotate(-45" in (t.get("transform") or "")) == 20
    section.rows = section.rows * 3  # 60 categories: a band of 10, so every 2nd label (16.5 / 10 → 2)
    root = ET.fromstring(svg(plot(r, r.charts[0], "zh")))
    assert sum(1 for t in root.iter(f"{{{NS['s']}}}text") if "rotate(-45" in (t.get("transform") or "")) == 30


def test_money_ticks_and_values_read_as_a_clerk_writes_them() -> None:
    assert charts.tick_text(150000, Kind.MONEY, 50000, "zh", 200000) == "15万"
    assert charts.tick_text(125000, Kind.MONEY, 25000, "zh", 200000) == "12.5万"
    assert charts.tick_text(150000, Kind.MONEY, 50000, "en", 200000) == "¥150k"
    assert charts.tick_text(0, Kind.MONEY, 50000, "zh", 200000) == "0"
    assert charts.tick_text(12000, Kind.MONEY, 2000, "zh", 14000) == "¥12,000"
    assert charts.tick_text(0.95, Kind.PERCENT, 0.05, "zh", 1) == "95%"
    assert charts.tick_text(0.925, Kind.PERCENT, 0.025, "zh", 1) == "92.5%"
    assert charts.value_text(627371.45, Kind.MONEY, "zh") == "62.7万"
    assert charts.value_text(0.9512, Kind.PERCENT, "zh") == "95.1%"


@pytest.mark.parametrize(("chart", "error"), [
    (Chart("c", "c", "c", "nope", "name", ("v",)), "no section 'nope'"),
    (Chart("c", "c", "c", "s", "name", ("w",)), "no column 'w'"),
    (Chart("c", "c", "c", "s", "v", ("name",)), "numeric"),
])
def test_a_chart_that_cannot_be_drawn_is_a_programming_error(chart: Chart, error: str) -> None:
    r = report([1])
    with pytest.raises(ChartError, match=error):
        plot(r, chart, "zh")


def test_an_empty_section_draws_a_frame_that_says_no_data() -> None:
    root = drawn(report([]), "en")
    assert "no data" in [t.text for t in root.findall("s:text", NS)]


# -- HTML and XLSX -------------------------------------------------------------------------------


def test_the_html_page_draws_each_chart_above_its_section_table() -> None:
    html = to_html(samples.monthly(), Options(lang="zh"))
    assert html.count('<figure class="chart"') == 5 and html.count("<svg ") == 5
    # the ageing chart stands between its section's title and its table
    start = html.index("<h2>欠费账龄（按楼栋）</h2>")
    assert html.index('id="chart-ageing"', start) < html.index("<table>", start)
    assert "&lt;门禁&gt;" in html and "<门禁>" not in html


def _chart_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode() for n in z.namelist() if n.startswith(("xl/charts/", "xl/drawings/"))
                and n.endswith(".xml")}


def test_the_xlsx_charts_read_the_section_rows_and_keep_the_target_apart() -> None:
    data = to_xlsx(samples.monthly(), Options(lang="zh"))
    assert data == to_xlsx(samples.monthly(), Options(lang="zh"))  # same report, same bytes
    parts = _chart_xml(data)
    chart_files = sorted(n for n in parts if n.startswith("xl/charts/chart"))
    assert len(chart_files) == 5
    trend = parts["xl/charts/chart1.xml"]
    refs = re.findall(r"<f>(.*?)</f>", trend)
    # 12 months in rows 2–13 of the trend sheet; 收费率 is column C, 户收费率 D; the target on the helper sheet
    assert refs == ["'近 12 个月'!C1", "'近 12 个月'!$A$2:$A$13", "'近 12 个月'!$C$2:$C$13",
                    "'近 12 个月'!D1", "'近 12 个月'!$A$2:$A$13", "'近 12 个月'!$D$2:$D$13",
                    "'图表数据'!A2", "'近 12 个月'!$A$2:$A$13", "'图表数据'!$A$3:$A$14"]
    assert trend.count("<cat><strRef>") == 3  # text categories (2026-10), not numbers
    assert '<dispBlanksAs val="gap" />' in trend
    # lowest rate 81.02% → floor((0.8102 − 0.05) × 10) / 10 = 70%: the axis runs 70%–100% in 5% steps, and says so
    assert 'formatCode="0%"' in trend and '<min val="0.7" />' in trend and '<max val="1" />' in trend
    assert '<majorUnit val="0.05" />' in trend and "纵轴自 70% 起" in trend
    by_building = parts["xl/charts/chart2.xml"]
    # 20 buildings in rows 2–21; row 22 is the 合计 row and no range reaches it
    assert "'按楼栋'!$B$2:$B$21" in by_building and "$22" not in by_building
    assert '<a:bodyPr rot="-2700000"' in by_building and "rot=" not in trend  # 20 labels turn, 12 do not
    assert '<grouping val="clustered" />' in by_building and 'formatCode="#,##0"' in by_building
    assert '<grouping val="stacked" />' in parts["xl/charts/chart4.xml"]
    assert '<overlap val="100" />' in parts["xl/charts/chart4.xml"]
    # anchored right of the table: by_building has 4 columns, so the charts start at column F (index 5), in
    # rows 2 and 19 (17 rows a chart)
    drawing = parts["xl/drawings/drawing2.xml"]
    assert re.findall(r"<from><col>(\d+)</col><colOff>0</colOff><row>(\d+)</row>", drawing) == [("5", "1"), ("5", "18")]


def test_an_empty_section_gets_no_excel_chart_but_its_table() -> None:
    r = report([])
    parts = _chart_xml(to_xlsx(r, Options(lang="zh")))
    assert not [n for n in parts if n.startswith("xl/charts/")]


def test_the_helper_sheet_holds_the_target_and_the_tables_stay_as_they_were() -> None:
    from openpyxl import load_workbook

    with_charts = load_workbook(io.BytesIO(to_xlsx(samples.monthly(), Options(lang="zh"))))
    bare = samples.monthly()
    bare.charts = []
    without = load_workbook(io.BytesIO(to_xlsx(bare, Options(lang="zh"))))
    assert with_charts.sheetnames == [*without.sheetnames, "图表数据"]
    for name in without.sheetnames:
        assert [[c.value for c in r] for r in with_charts[name].iter_rows()] == \
               [[c.value for c in r] for r in without[name].iter_rows()]
    helper = with_charts["图表数据"]
    assert [c.value for c in helper["A"]][:15] == ["收费率趋势", "收费率目标 95%"] + [0.95] * 12 + [None]
    assert [c.value for c in helper["B"]][:2] == ["按楼栋：收费率", "目标 95%"]


# -- a real consumer: workorders summary on the sample --------------------------------------------


def test_workorders_summary_draws_orders_by_category(cli, sample_readonly, tmp_path):  # type: ignore[no-untyped-def]
    import json

    import hashlib

    before = hashlib.sha256(sample_readonly.read_bytes()).hexdigest()
    data = json.loads(cli("-w", sample_readonly, "workorders", "summary", "--period", "2026-10", "-f", "json").stdout)
    by_category = data["by_category"]["rows"]
    assert len(by_category) >= 2
    html_path, xlsx_path = tmp_path / "s.html", tmp_path / "s.xlsx"
    for path in (html_path, xlsx_path):
        assert cli("-w", sample_readonly, "workorders", "summary", "--period", "2026-10", "-o", path).exit_code == 0
    html = html_path.read_text(encoding="utf-8")
    root = ET.fromstring(html[html.index("<svg "):html.index("</svg>") + 6])
    assert root.find("s:title", NS).text == "报修按类别"
    # one bar per category, its tooltip the category and its count as the JSON says
    assert [r.find("s:title", NS).text for r in bars(root)] == [f"{r['name']} · 报修数: {r['count']}" for r in by_category]
    chart = _chart_xml(xlsx_path.read_bytes())["xl/charts/chart1.xml"]
    last = len(by_category) + 1
    assert re.findall(r"<f>(.*?)</f>", chart) == ["'按类别'!B1", f"'按类别'!$A$2:$A${last}", f"'按类别'!$B$2:$B${last}"]
    # a report file is new: the estate workbook is never rewritten for it
    assert hashlib.sha256(sample_readonly.read_bytes()).hexdigest() == before


# -- LibreOffice opens the charts ----------------------------------------------------------------


@pytest.mark.xdist_group("libreoffice")
def test_libreoffice_opens_the_xlsx_charts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    from tests.test_libreoffice import soffice

    exe = soffice()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "monthly.xlsx"
    path.write_bytes(to_xlsx(samples.monthly(), Options(lang="zh")))
    subprocess.run([exe, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "monthly.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    # the charts were read and drawn: their titles, the zoom note, the legends and the target's name are text
    for title in ("收费率趋势（纵轴自 70% 起）", "按楼栋：应收与实收", "按楼栋：收费率", "欠费账龄", "报修按类别"):
        assert title in text
    assert "收费率目标 95%" in text and "12个月以上" in text


# -- any values: a well-formed picture inside its box ----------------------------------------------

VALUES = st.one_of(st.none(), st.decimals(min_value=-10**7, max_value=10**7, places=2, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(VALUES, VALUES), max_size=30), kind=st.sampled_from(list(ChartKind)),
       unit=st.sampled_from([Kind.MONEY, Kind.PERCENT, Kind.COUNT, Kind.NUMBER]),
       target=st.one_of(st.none(), st.decimals(min_value=0, max_value=2, places=2)))
def test_any_values_draw_inside_the_box(rows, kind, unit, target) -> None:  # type: ignore[no-untyped-def]
    if unit == Kind.PERCENT:
        rows = [tuple(v / 10**7 if v is not None else None for v in r) for r in rows]  # ratios in −1…1
    section = Section("s", "s", "s", [col("x", "x", "x"), col("a", "甲", "a", unit), col("b", "乙", "b", unit)],
                      [{"x": f"第{i}项", "a": a, "b": b} for i, (a, b) in enumerate(rows)])
    r = Report("t", "t", [section], charts=[Chart("c", "c", "c", "s", "x", ("a", "b"), kind, target)])
    text = svg(plot(r, r.charts[0], "zh"))
    assert text == svg(plot(r, r.charts[0], "zh"))
    assert "nan" not in text and "inf" not in text
    root = ET.fromstring(text)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    for mark in bars(root):
        x, y = float(mark.get("x")), float(mark.get("y"))
        assert 0 <= x and x + float(mark.get("width")) <= width and 0 <= y and y + float(mark.get("height")) <= height
    for point in bars(root, "circle"):
        assert 0 <= float(point.get("cx")) <= width and 0 <= float(point.get("cy")) <= height
    drawn_values = sum(1 for a, b in rows for v in (a, b) if v is not None and (v != 0 or kind != ChartKind.STACKED))
    marks = bars(root, "circle" if kind == ChartKind.LINE else "rect")
    assert len(marks) == drawn_values  # one mark per value; None draws nothing (a stacked zero neither)
