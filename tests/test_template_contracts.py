"""Every shipped template has a documented context (a dataclass in propcli/render/contexts.py) and renders
from a sample of it to a golden HTML file; docs/templates.md is generated from those dataclasses and must
not drift (`pytest tests/test_template_contracts.py --update-golden` rewrites both)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from propcli.render import contexts, templating
from markupsafe import Markup

from propcli.render.contexts import (
    ChartView, ColumnView, Figure, FileLink, MonthEndPage, ReceiptLine, ReceiptPage, ReportPage, SectionView, StepView,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "templates.md"
ESTATE = {"name": "阳光花园", "company": "阳光物业服务有限公司", "phone": "0755-88886666",
          "address": "深圳市南山区阳光路 1 号", "bank_account": "招商银行 7559 0000 0000 001"}


def _columns(*specs: tuple[str, str, str]) -> list[ColumnView]:
    return [ColumnView(*s) for s in specs]


def _debtors() -> SectionView:
    columns = _columns(("unit_id", "房号", "id"), ("owner", "业主", "name"), ("months", "欠费月数", "count"),
                       ("total", "欠费合计", "money"), ("limitation", "诉讼时效", "text"))
    rows = [{"unit_id": "1-1-0802", "owner": "<script>李*</script>", "months": "24", "total": "12885.32",
             "limitation": ""},
            {"unit_id": "1-2-0701", "owner": "王**（原业主，2025-04-10 过户）", "months": "38", "total": "1070.12",
             "limitation": "已过时效 535.06；⚠ 2026-12-15 时效届满 535.06"}]
    return SectionView("debtors", "欠费明细", columns, rows, {"unit_id": "合计（2 户）", "owner": "", "months": "",
                                                           "total": "13955.44", "limitation": ""}, False)


def _by_building() -> SectionView:
    return SectionView("by_building", "按楼栋", _columns(("building", "楼栋", "id"), ("total", "欠费金额", "money")),
                       [{"building": "1", "total": "13955.44"}], {"building": "合计", "total": "13955.44"}, False)


SAMPLES: dict[str, object] = {
    "table.html.j2": ReportPage(
        "owners.show", "", "", "zh", ESTATE, {"unit": "1-1-0802"},
        [SectionView("profile", "1-1-0802", _columns(("unit_id", "房号", "id"), ("phone", "联系电话", "phone")),
                     [{"unit_id": "1-1-0802", "phone": "138****5678"}], None, True),
         SectionView("transfers", "过户记录", _columns(("date", "过户日期", "date")), [], None, False),
         _by_building()],
        [ChartView("by_building", "按楼栋 <欠费>", "by_building", "bar",
                   Markup('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 680 300" role="img">'
                          "<title>按楼栋 &lt;欠费&gt;</title></svg>"))]),
    "arrears.html.j2": ReportPage(
        "arrears.report", "阳光花园 · 欠费报表 · 截至 2026-11-23", "", "zh", ESTATE,
        {"as_of": dt.date(2026, 11, 23), "late_fee_policy": "日0.5‰；宽限30天；上限10%"}, [_debtors(), _by_building()]),
    "public.html.j2": ReportPage(
        "arrears.public", "阳光花园 · 欠费公示", "", "zh", ESTATE, {"as_of": dt.date(2026, 11, 23), "min_months": 3},
        [_debtors()]),
    "receipt.html.j2": ReceiptPage(
        ESTATE, "SJ2026000123", "1-1-0802", "李<兰>", dt.date(2026, 11, 23), Decimal("2000.00"), "贰仟元整", "现金",
        "前台小王", "", [ReceiptLine("ZD2025010001", "2025-01", "物业费", Decimal("267.53")),
                           ReceiptLine("", "", "预存", Decimal("1732.47"))]),
    "monthend.html.j2": MonthEndPage(
        "阳光花园 2026-11 月结", "计算日期 2026-11-25 · 工作簿 estate.xlsx", "zh", ESTATE, "2026-11",
        [Figure("billed", "本期应收", "228,917.29"), Figure("collection_rate", "收费率", "0.0%")],
        [StepView("notices", "缴费通知", True, "2026-11-28 14:50", "缴费通知 432 份",
                  [FileLink("缴费通知-2026-11.pdf", "PDF", "1.5 MB"), FileLink("a b<c>.csv", "CSV", "2 KB")]),
         StepView("stats", "月度统计", False, "", "未完成", [])],
        "上次运行后工作簿被改动过"),
}


def test_every_shipped_template_has_a_context_and_a_sample() -> None:
    root = templating.shipped_dir()
    shipped = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.j2"))
    assert sorted(contexts.TEMPLATES) == shipped
    assert sorted(SAMPLES) == [n for n in shipped if "/" not in n]  # notices/…: tests/test_notices.py
    for name, sample in SAMPLES.items():
        assert isinstance(sample, contexts.TEMPLATES[name])


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_shipped_template_renders_its_sample_context(name: str, golden) -> None:  # type: ignore[no-untyped-def]
    html = templating.render(name, SAMPLES[name])
    assert "<script>" not in html  # autoescaped
    golden(f"templates/{name.removesuffix('.j2')}", html)


def test_the_report_page_draws_a_chart_above_the_table_of_its_section() -> None:
    html = templating.render("table.html.j2", SAMPLES["table.html.j2"])
    figure = html.index('<figure class="chart" id="chart-by_building">')
    assert html.index("<h2>按楼栋</h2>") < figure < html.index("<table>", figure)
    assert "<figcaption>按楼栋 &lt;欠费&gt;</figcaption>" in html  # the title escaped, the SVG markup as it is
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 680 300" role="img">' in html
    assert "break-inside: avoid" in html


def test_the_arrears_page_marks_the_total_and_the_warning() -> None:
    html = templating.render("arrears.html.j2", SAMPLES["arrears.html.j2"])
    assert '<tr class="total">' in html and "合计（2 户）" in html
    assert 'class="text wrap warn">已过时效 535.06' in html
    assert "滞纳金：日0.5‰；宽限30天；上限10%" in html


def test_the_receipt_states_the_amount_in_words() -> None:
    html = templating.render("receipt.html.j2", SAMPLES["receipt.html.j2"])
    assert "人民币贰仟元整" in html and "¥2000.00" in html and "李&lt;兰&gt;" in html
    assert "（预交，用于以后的账单）" in html


def test_templates_doc_is_current(request) -> None:  # type: ignore[no-untyped-def]
    text = contexts.markdown()
    if request.config.getoption("--update-golden"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, "docs/templates.md drifted: pytest --update-golden"
