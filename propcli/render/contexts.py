"""What each shipped template receives: one dataclass per template, documented field by field.

`docs/templates.md` is generated from these classes (`python -m propcli.render.contexts > docs/templates.md`)
and a test keeps it current. A template gets the dataclass's fields as its variables; an estate's own
template (a `模板/` folder beside the workbook, `PROPCLI_TEMPLATES` or `--templates-dir`) gets the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup

from ..reports.model import Report
from . import cells


@dataclass
class ColumnView:
    """One column of a report section."""

    key: str  #: the stable column key (as in the JSON output)
    header: str  #: the column's label in the chosen language
    kind: str  #: text, id, name, phone, idno, money, count, number, percent, date, datetime — use it as a CSS class


@dataclass
class SectionView:
    """One part of a report: a table with its 合计 row, or a single record (a profile)."""

    key: str  #: the section's stable key (debtors, by_building …)
    title: str  #: its title in the chosen language
    columns: list[ColumnView]  #: the columns, in order
    rows: list[dict[str, str]]  #: each row's cells as text, keyed by column key: masked, money to the 分
    total: dict[str, str] | None  #: the 合计 row as text, or None
    record: bool  #: True: one record to show as label/value lines (rows holds that one record)


@dataclass
class ChartView:
    """One chart of a report, drawn as inline SVG (a viewBox: it scales to its box; ≤ 180 mm prints on A4)."""

    key: str  #: the chart's stable key (trend, by_building …)
    title: str  #: its title in the chosen language
    section: str  #: the key of the section whose rows it plots: draw it beside that section
    kind: str  #: line, bar or stacked
    svg: Markup  #: the `<svg role="img">` element, its texts already escaped: output it as it is


@dataclass
class ReportPage:
    """Every report template (table.html.j2, arrears.html.j2, public.html.j2) receives a ReportPage."""

    report: str  #: the report's key, e.g. arrears.report
    title: str  #: the report's title in the chosen language (estate name and date included)
    subtitle: str  #: the filters asked for, or ''
    lang: str  #: zh or en
    estate: dict[str, str]  #: 小区信息: name, company, phone, address, bank_account … ('' when unset)
    params: dict[str, object]  #: what the report was asked: as_of (a date), min_months, building …
    sections: list[SectionView]  #: the report's parts, first the detail
    charts: list[ChartView] = field(default_factory=list)  #: the report's charts, in order (each names its section)


@dataclass
class ReceiptLine:
    """Where part of a payment went."""

    bill_id: str  #: 账单号, '' for the prepaid part
    period: str  #: 账期 YYYY-MM, '' for the prepaid part
    item: str  #: 收费项目, or 预存 for money kept for later bills
    amount: Decimal  #: the part of the payment applied here


@dataclass
class ReceiptPage:
    """receipt.html.j2: one payment (收据), printable on A5 landscape."""

    estate: dict[str, str]  #: 小区信息: name, company, phone, address, bank_account …
    receipt_no: str  #: 收据号
    unit_id: str  #: 房号
    owner: str  #: 交款人 (the owner's name)
    paid_on: dt.date | None  #: 收款日期
    amount: Decimal  #: the payment
    amount_upper: str  #: the amount in 人民币大写
    method: str  #: 收款方式
    operator: str  #: 经办人
    notes: str  #: 备注
    lines: list[ReceiptLine] = field(default_factory=list)  #: where the money went
    voided: str = ""  #: the 作废 text ('' when the receipt stands)
    lang: str = "zh"  #: zh or en


@dataclass
class BillLine:
    """One bill on a notice."""

    bill_id: str  #: 账单号
    period: str  #: 账期 YYYY-MM
    item: str  #: 收费项目
    quantity: Decimal | None  #: 用量 (㎡ for 物业费, m³/kWh for utilities), None when the bill has none
    amount: Decimal  #: 金额 as billed
    paid: Decimal  #: 已收 (预存 already used included)
    owing: Decimal  #: 金额 − 已收 (0 for a 减免 bill)
    due_date: dt.date | None  #: 应缴日期
    detail: str  #: 计算明细 (readings, usage, tiers) as the billing run wrote it
    late_fee: Decimal = Decimal("0.00")  #: 滞纳金 as of the notice's date (催缴 only; 0 when the estate charges none)


@dataclass
class PeriodLine:
    """One 账期 of the arrears on a 催缴通知/催缴函: what is owed per 收费项目 (a row of the table)."""

    period: str  #: 账期 YYYY-MM
    due_date: dt.date | None  #: the earliest 应缴日期 of its bills
    items: dict[str, Decimal]  #: 收费项目 → owing (only the items owed in this period)
    late_fee: Decimal  #: 滞纳金 of the period's bills
    total: Decimal  #: owing of the period (late fee apart)


@dataclass
class Notice:
    """What every notice template (`notices/KIND/letter.html.j2`, `letter.typ.j2`, `sms.txt.j2`) receives.
    Fields a kind does not use are empty. Amounts are Decimal: format them with `cell('money')` (HTML) or
    `money` (thousands separators)."""

    kind: str  #: payment, reminder, demand, outage or receipt
    title: str  #: 缴费通知单, 催缴通知, 催缴函, 停水通知 …, 收据
    estate: dict[str, str]  #: 小区信息: name, company, phone, address, bank_account … ('' when unset)
    unit_id: str  #: 房号 (for a posted outage notice: the stairwell, e.g. 3-2)
    building: str  #: 楼栋
    entrance: str  #: 单元
    room: str  #: 室号
    addressee: str  #: 业主姓名 as the letter is addressed ('' on a posted notice)
    issued_on: dt.date  #: the notice's date (--as-of)
    ref: str  #: the notice's number: batch and sequence, e.g. TZ20261123-01-0007
    period: str = ""  #: 账期 YYYY-MM (payment)
    lines: list[BillLine] = field(default_factory=list)  #: this period's bills (payment) or the debts (reminder, demand)
    earlier: list[BillLine] = field(default_factory=list)  #: earlier periods still unpaid (payment)
    current_total: Decimal = Decimal("0.00")  #: sum of `lines` amounts (payment) or outstanding (reminder, demand)
    current_owing: Decimal = Decimal("0.00")  #: what of `lines` is still owed
    earlier_total: Decimal = Decimal("0.00")  #: sum of `earlier` owing
    prepaid: Decimal = Decimal("0.00")  #: 预存 balance left for later bills
    late_fee: Decimal = Decimal("0.00")  #: 滞纳金 total (reminder, demand; 0 when the estate charges none)
    total_due: Decimal = Decimal("0.00")  #: what to pay now: current_owing + earlier_total (+ late_fee)
    total_upper: str = ""  #: total_due in 人民币大写
    due_date: dt.date | None = None  #: 应缴日期 (payment) or the deadline to pay (reminder, demand)
    months: int = 0  #: months overdue of the oldest debt (reminder, demand)
    by_item: dict[str, Decimal] = field(default_factory=dict)  #: owing per 收费项目 (payment: of the earlier periods)
    by_period: list[PeriodLine] = field(default_factory=list)  #: the debts (payment: the earlier ones) by 账期 (rows) and item (`by_item` keys: columns)
    outage: dict[str, str] = field(default_factory=dict)  #: outage: what (停水/停电/停气), start, end, reason, scope
    households: int = 0  #: outage: households behind this stairwell
    receipt: ReceiptPage | None = None  #: receipt: the 收据 as receipt.html.j2 receives it
    lang: str = "zh"  #: zh or en


@dataclass
class SignoffRow:
    """One line of a 签收单."""

    unit_id: str  #: 房号
    addressee: str  #: 收件人, masked (张*)
    ref: str  #: the notice's number


@dataclass
class PackGroup:
    """One 楼栋 of a print pack: its separator page, its notices and its 签收单."""

    building: str  #: 楼栋 ('—' when the 房号 does not say)
    notices: list[str]  #: each notice as rendered by letter.html.j2 / letter.typ.j2 (already escaped)
    signoff: list[SignoffRow]  #: the 签收单 rows, in print order


@dataclass
class NoticePack:
    """notices/pack.html.j2 and notices/pack.typ.j2: a whole print run (A4)."""

    kind: str  #: payment, reminder, demand, outage or receipt
    title: str  #: the kind's title, e.g. 缴费通知单
    estate: dict[str, str]  #: 小区信息
    batch: str  #: the run's batch id (通知记录 › 批次)
    issued_on: dt.date  #: the notices' date
    groups: list[PackGroup]  #: the buildings, in order 楼栋 → 单元 → 室号
    count: int  #: notices in the pack
    signoff: bool = True  #: print a 签收单 per building (not for posted notices)
    lang: str = "zh"  #: zh or en


@dataclass
class Figure:
    """One headline figure of the month (a card on the index page)."""

    key: str  #: billed, collected, collection_rate, household_rate, recovery_rate, arrears, debtors, bills, notices, anomalies
    label: str  #: 本期应收 …
    value: str  #: as shown: 12,345.67 or 93.5% or — when the step is not done


@dataclass
class FileLink:
    """A file the month end made, linked from the index page."""

    name: str  #: the file's name in the month's folder (the link)
    kind: str  #: PDF, HTML, XLSX, CSV
    size: str  #: e.g. 1.2 MB


@dataclass
class StepView:
    """One step of the month end as the index page lists it."""

    key: str  #: check, readings, anomalies, billing, notices, arrears, dunning, stats
    name: str  #: 检查工作簿 …
    done: bool  #: finished (in the manifest)
    when: str  #: when it finished, YYYY-MM-DD HH:MM
    summary: str  #: what it did, as its log line says
    files: list[FileLink]  #: what it made


@dataclass
class MonthEndPage:
    """`DIR/P/index.html` of `propcli month-end`: the month's figures and every file, no personal data."""

    title: str  #: 小区名称 2026-11 月结
    subtitle: str  #: as-of day, when made, which workbook
    lang: str  #: zh or en
    estate: dict[str, str]  #: 小区信息 (name, company, phone …)
    period: str  #: YYYY-MM
    figures: list[Figure]  #: the headline figures, in order
    steps: list[StepView]  #: every step, done or not
    note: str  #: a remark (the workbook changed by hand since the last run), or ''


TEMPLATES: dict[str, type] = {
    "table.html.j2": ReportPage,
    "arrears.html.j2": ReportPage,
    "public.html.j2": ReportPage,
    "receipt.html.j2": ReceiptPage,
    **{f"notices/{kind}/{name}": Notice for kind in ("payment", "reminder", "demand", "outage", "receipt")
       for name in ("letter.html.j2", "letter.typ.j2", "sms.txt.j2") if not (kind == "receipt" and name == "sms.txt.j2")},
    "notices/pack.html.j2": NoticePack,
    "notices/pack.typ.j2": NoticePack,
    "monthend.html.j2": MonthEndPage,
}


def report_page(report: Report, lang: str) -> ReportPage:
    """A (masked) report as its template receives it."""
    sections = []
    for s in report.sections:
        def texts(row):  # type: ignore[no-untyped-def]
            return {c.key: cells.text(row.get(c.key), c.kind, lang) for c in s.columns}

        sections.append(SectionView(
            s.key, s.title(lang), [ColumnView(c.key, c.label(lang), str(c.kind)) for c in s.columns],
            [texts(r) for r in s.rows], texts(cells.shown_rows(s, lang)[-1]) if s.total is not None else None,
            s.record))
    from .charts import chart_svgs

    charts = [ChartView(c.key, title, c.section, str(c.kind), Markup(svg)) for c, title, svg in chart_svgs(report, lang)]
    return ReportPage(report.key, report.title, report.subtitle, lang, dict(report.estate), dict(report.params),
                      sections, charts)


def markdown() -> str:
    """docs/templates.md: each template and the fields it receives."""
    import inspect
    import typing

    out = ["# Templates and what they receive", "",
           "Generated from `propcli/render/contexts.py` (`python -m propcli.render.contexts > docs/templates.md`);",
           "a test keeps it current. Templates are Jinja with `StrictUndefined` (a missing variable is an error",
           "naming the template, line and variable) and HTML autoescape.", "",
           "An estate's own folder overrides any shipped template of the same name; the most specific wins:",
           "`--templates-dir DIR`, then `PROPCLI_TEMPLATES`, then a `模板/` folder beside the workbook, then the",
           "templates shipped with propcli. An override can extend the shipped one: "
           "`{% extends \"shipped/receipt.html.j2\" %}`.", ""]
    by_class: dict[type, list[str]] = {}
    for name, cls in TEMPLATES.items():
        by_class.setdefault(cls, []).append(name)
    seen: list[type] = []

    def document(cls: type) -> None:
        if cls in seen:
            return
        seen.append(cls)
        hints = typing.get_type_hints(cls)
        source = inspect.getsource(cls)
        notes = {}
        for line in source.splitlines():
            name, _, rest = line.strip().partition(":")
            if "#:" in rest and name.isidentifier():
                notes[name] = rest.split("#:", 1)[1].strip()
        names = by_class.get(cls)
        out.append(f"## {cls.__name__}" + (f" — {', '.join(f'`{n}`' for n in names)}" if names else ""))
        out.append("")
        out.append((cls.__doc__ or "").strip())
        out.append("")
        out.append("| variable | type | meaning |")
        out.append("|---|---|---|")
        for f in dataclasses.fields(cls):
            kind = _type_name(hints[f.name])
            out.append(f"| `{f.name}` | `{kind}` | {notes.get(f.name, '')} |".replace(" | None`", " \\| None`"))
        out.append("")
        for f in dataclasses.fields(cls):
            for inner in _dataclasses_in(hints[f.name]):
                document(inner)

    for cls in by_class:
        document(cls)
    return "\n".join(out).rstrip() + "\n"


def _type_name(hint: object) -> str:
    text = str(hint).replace("typing.", "").replace("datetime.", "dt.").replace("decimal.", "")
    for cls in (ColumnView, SectionView, ChartView, ReceiptLine, ReceiptPage, BillLine, PeriodLine, SignoffRow, PackGroup,
                Figure, FileLink, StepView):
        text = text.replace(f"{cls.__module__}.{cls.__qualname__}", cls.__name__)
    return text.replace("markupsafe.Markup", "Markup").replace("<class '", "").replace("'>", "")


def _dataclasses_in(hint: object) -> list[type]:
    import typing

    found = []
    if dataclasses.is_dataclass(hint):
        found.append(hint)  # type: ignore[arg-type]
    for arg in typing.get_args(hint):
        found.extend(_dataclasses_in(arg))
    return found


if __name__ == "__main__":
    print(markdown(), end="")
