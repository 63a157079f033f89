"""The monthly statistics report (`stats monthly`) and its drill-downs (`stats explain`): the figures of
`ops.stats` as sections and charts. The first section holds the stable keys JSON tools read at the top
level (docs/stats.md); the drill-down lists are sheets of the XLSX report and the body of `stats explain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..domain import kpi
from ..domain.arrears import BUCKETS
from ..errors import DataError, Location
from ..i18n import tr
from ..ops import stats as ops
from ..ops.bills import NONE
from ..ops.stats import Receipt
from . import figures
from .arrears import debtor_lines
from .model import Audience, Chart, ChartKind, Kind, Report, Section, col

ZERO = kpi.ZERO
RATES = ("collection_rate", "household_rate", "recovery_rate")
# the figures of one month (or building, or item), by stable key: the JSON keys of deliverable 6
FEE_COLUMNS = [
    col("billed", "应收", "billed", Kind.MONEY), col("waived", "减免", "waived", Kind.MONEY, brief=False),
    col("collected", "实收", "collected", Kind.MONEY), col("collection_rate", "收费率", "collection rate", Kind.PERCENT),
    col("households_billed", "应收户数", "households billed", Kind.COUNT),
    col("households_paid", "已交清户数", "households paid", Kind.COUNT),
    col("household_rate", "户收费率", "household rate", Kind.PERCENT),
    col("arrears_at_start", "期初欠费", "arrears at start", Kind.MONEY),
    col("arrears_recovered", "欠费追回", "arrears recovered", Kind.MONEY),
    col("recovery_rate", "清缴率", "recovery rate", Kind.PERCENT),
    col("prepaid_received", "预收", "prepaid received", Kind.MONEY),
    col("prepaid_balance", "预存余额", "prepaid balance", Kind.MONEY),
]
# after the fee figures: the target and the arrears at the period's end (the arrears report's, that day)
END_COLUMNS = [col("target", "收费率目标", "target", Kind.PERCENT), col("arrears_end_day", "期末日", "period end", Kind.DATE),
               col("arrears_at_end", "期末欠费", "arrears at end", Kind.MONEY),
               col("debtors_at_end", "期末欠费户数", "debtors at end", Kind.COUNT)]
KPIS = {"collection_rate": ("收费率", "collection rate"), "household_rate": ("户收费率", "household rate"),
        "recovery_rate": ("清缴率", "recovery rate")}


@dataclass(frozen=True)
class NoRate:
    """A rate with nothing to divide by (清缴率 when nothing was owed): "—" on a page, null in JSON."""

    def text(self, lang: str) -> str:
        return "—"

    def data(self) -> object:
        return None


def fee_values(f: kpi.FeeFigures, *, old: bool = True, dash: bool = True) -> dict[str, object]:
    """A FeeFigures as a row of FEE_COLUMNS (清缴率 left blank where it was not computed; a rate over
    nothing shown "—" unless `dash` is off: a chart's series takes numbers or nothing)."""
    def rate(value: Decimal | None) -> object:
        return NoRate() if value is None and dash else value

    row: dict[str, object] = {
        "billed": f.billed, "waived": f.waived, "collected": f.collected, "collection_rate": rate(f.collection_rate),
        "households_billed": f.households_billed, "households_paid": f.households_paid,
        "household_rate": rate(f.household_rate), "prepaid_received": f.prepaid_received,
        "prepaid_balance": f.prepaid_balance}
    if old:
        row.update(arrears_at_start=f.arrears_at_start, arrears_recovered=f.arrears_recovered,
                   recovery_rate=rate(f.recovery_rate))
    return row


def _label(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def bucket_key(label: str) -> str:
    """The key of an ageing bucket's column (`1–3` → m1_3, `>36` → mover36)."""
    return "m" + label.replace("–", "_").replace(">", "over")


# what was owed by ageing bucket (each bill by its own age), one column each
AGE_COLUMNS = [col(bucket_key(label), f"{label}月", f"{label} months", Kind.MONEY) for _, _, label in BUCKETS]


# -- the report ------------------------------------------------------------------------------------


def monthly(st: ops.Stats, estate: dict[str, str], lang: str, details: bool = True) -> Report:
    """Every figure of the month, with the charts the HTML and XLSX renderers draw, and the drill-downs
    when `details` (the renderer shows them: `Renderer.details`; they are a fifth of a big month's work)."""
    m = st.month.figures
    end = kpi.period_window(st.period, st.as_of)[1]
    summary = {"period": st.period, "as_of": st.as_of, "building": st.building, **fee_values(m),
               "target": st.target, "arrears_at_end": st.debts.total, "debtors_at_end": len(st.debts.debtors),
               "arrears_end_day": end}
    summary_columns = [
        col("period", "账期", "period", Kind.ID), col("as_of", "计算日期", "as of", Kind.DATE),
        col("building", "楼栋", "building", Kind.ID), *FEE_COLUMNS, *END_COLUMNS]
    compare = [({"row": _label(lang, "本月", "this month"), "key": "month", "period": st.period, "as_of": st.as_of},
                st.month.figures, True),
               ({"row": _label(lang, "上月（环比）", "previous month"), "key": "previous_month",
                 "period": st.previous.period, "as_of": st.previous.as_of}, st.previous.figures, True),
               ({"row": _label(lang, "去年同月（同比）", "a year earlier"), "key": "year_ago",
                 "period": st.year_ago.period, "as_of": st.year_ago.as_of}, st.year_ago.figures, True),
               ({"row": _label(lang, "本年累计", "year to date"), "key": "year_to_date",
                 "period": f"{st.period[:4]}-01…{st.period[5:]}", "as_of": st.as_of}, st.ytd, True)]
    compare_columns = [col("row", "", "", Kind.TEXT), col("key", "代码", "key", Kind.ID, json_only=True),
                       col("period", "账期", "period", Kind.ID), col("as_of", "计算日期", "as of", Kind.DATE, brief=False),
                       *[c for c in FEE_COLUMNS if not c.key.startswith("prepaid") and c.key != "waived"]]
    trend_columns = [col("period", "账期", "period", Kind.ID), col("as_of", "计算日期", "as of", Kind.DATE, brief=False),
                     *(c for c in FEE_COLUMNS if c.key in ("billed", "collected", "collection_rate",
                                                         "households_billed", "households_paid", "household_rate"))]
    trend = [{"period": x.period, "as_of": x.as_of, **fee_values(x.figures, old=False, dash=False)} for x in st.trend]
    named = [col("name", "楼栋", "building", Kind.ID), *FEE_COLUMNS]
    sections = [
        Section("summary", "本月指标", "figures of the month", summary_columns, [summary], record=True, json="top"),
        Section("compare", "环比、同比与本年累计", "compared", compare_columns,
                [{**head, **fee_values(f, old=old)} for head, f, old in compare]),
        Section("trend", "近 12 个月收费率", "12-month trend", trend_columns, trend),
        Section("by_building", "按楼栋", "by building", named,
                [{"name": b, **fee_values(f)} for b, f in st.by_building], json="list"),
        Section("by_item", "按收费项目", "by fee item", [col("name", "收费项目", "item"), *FEE_COLUMNS],
                [{"name": i, **fee_values(f)} for i, f in st.by_item], json="list"),
        _methods(st.receipts),
        _ageing(st),
        _debtors(st),
        _limitation(st),
        *_service(st, lang),
    ]
    if details:
        drill = [*(s for kpi_key in (*RATES, "receipts") for s in _detail(st, kpi_key, lang)), *_service_detail(st)]
        for s in drill:
            s.detail = True
        sections += drill
    goal = st.target
    charts = [
        Chart("trend", "近 12 个月收费率与户收费率", "collection and household rate, 12 months", "trend", "period",
              ("collection_rate", "household_rate"), ChartKind.LINE, goal, ("收费率目标", "target")),
        Chart("by_building", "各楼栋应收与实收", "billed and collected by building", "by_building", "name",
              ("billed", "collected"), ChartKind.BAR),
        Chart("ageing", "期末欠费账龄（按楼栋）", "arrears by age at the period's end", "ageing", "building",
              tuple(bucket_key(label) for _, _, label in BUCKETS), ChartKind.STACKED),
        Chart("categories", "报修类别", "work orders by category", "categories", "category", ("reported",),
              ChartKind.BAR),
    ]
    title = tr("stats.title", lang, name=estate.get("name", ""), period=st.period, date=st.as_of.isoformat())
    if st.building:
        title += f" · {st.building}"
    params = {"period": st.period, "as_of": st.as_of, "building": st.building}
    return Report("stats.monthly", title, sections if not st.empty else [], params, Audience.OFFICE,
                  subtitle=tr("stats.subtitle", lang, target=f"{(goal * 100).normalize():f}%"), estate=estate,
                  empty_note=empty_note(st, lang), charts=charts if not st.empty else [])


def empty_note(st: ops.Stats, lang: str) -> str:
    """What an empty month says: no bills at all, or none in the building asked (naming those billed)."""
    if st.building and st.buildings:
        return tr("stats.no_bills_building", lang, period=st.period, building=st.building,
                  buildings=list(st.buildings))
    return tr("stats.no_bills", lang, period=st.period)


def _methods(receipts: Sequence[Receipt]) -> Section:
    """收款 in the month by 方式, each split into what it paid: this month, arrears, 预收, other."""
    groups: dict[str, list] = {}
    for r in receipts:
        g = groups.setdefault(r.method or "—", [0, ZERO, ZERO, ZERO, ZERO, ZERO])
        g[0] += 1
        for k, v in enumerate((r.amount, r.current, r.arrears, r.advance, r.other), start=1):
            g[k] += v
    keys = ("receipts", "amount", "current", "arrears", "advance", "other")
    rows = [{"method": m, **dict(zip(keys, v))} for m, v in sorted(groups.items())]
    total = {k: sum((r[k] for r in rows), 0 if k == "receipts" else ZERO) for k in keys}
    return Section("by_method", "收款方式", "by payment method",
                   [col("method", "方式", "method"), col("receipts", "笔数", "receipts", Kind.COUNT),
                    col("amount", "收款", "received", Kind.MONEY), col("current", "当期", "this month", Kind.MONEY),
                    col("arrears", "往期欠费", "arrears", Kind.MONEY), col("advance", "预收", "in advance", Kind.MONEY),
                    col("other", "未分配", "unallocated", Kind.MONEY)], rows, total)


def _ageing(st: ops.Stats) -> Section:
    """The arrears report's debts at the period's end by 楼栋 and ageing bucket: its 合计 row is the
    report's 按账龄 (each bill by its own age)."""
    labels = [label for _, _, label in BUCKETS]
    rows: dict[str, dict[str, object]] = {}
    for d in st.debts.debtors:
        row = rows.setdefault(d.building or NONE, {"building": d.building or NONE, "total": ZERO,
                                                   **{bucket_key(b): ZERO for b in labels}})
        for debt in d.debts:
            row[bucket_key(debt.bucket)] += debt.outstanding  # type: ignore[operator]
            row["total"] += debt.outstanding  # type: ignore[operator]
    total = {bucket_key(b): owed for b, _, owed in st.debts.by_bucket()}
    total["total"] = st.debts.total
    from ..domain.people import unit_sort_key

    return Section("ageing", "期末欠费账龄", "arrears by age at the period's end",
                   [col("building", "楼栋", "building", Kind.ID), *AGE_COLUMNS, col("total", "合计", "total", Kind.MONEY)],
                   [rows[b] for b in sorted(rows, key=unit_sort_key)], total)


def _debtors(st: ops.Stats) -> Section:
    top = sorted(st.debts.debtors, key=lambda d: (-d.total, d.unit))[:ops.TOP_DEBTORS]
    columns, rows = debtor_lines(st.debts, top)
    keep = ("unit_id", "owner", "phone", "months", "since", "total", "last_contact", "stage", "limitation")
    return Section("top_debtors", f"欠费前 {ops.TOP_DEBTORS} 户", f"top {ops.TOP_DEBTORS} debtors",
                   [c for c in columns if c.key in keep], rows)


def _limitation(st: ops.Stats) -> Section:
    """Debts whose 诉讼时效 has ended or ends within the warning days of the period's end."""
    columns, rows = debtor_lines(st.debts, [d for d in st.debts.debtors if d.expiring(st.debts.as_of, st.debts.policy.warn_days)
                                            or d.expired(st.debts.as_of)])
    keep = ("unit_id", "owner", "since", "total", "last_contact", "limitation")
    return Section("limitation", "诉讼时效预警", "limitation warnings", [c for c in columns if c.key in keep], rows)


def _service(st: ops.Stats, lang: str) -> list[Section]:
    fig = st.service
    head = {"reported": len(fig.reported), "completed": len(fig.completed),
            **{r.key: r.value for r in fig.ratios[:4]}, "complaints": sum(fig.complaints.values()),
            "paid_income": fig.paid_income}
    head_columns = [col("reported", "报修数", "reported", Kind.COUNT), col("completed", "完成数", "completed", Kind.COUNT),
                    *(col(r.key, r.zh, r.en, Kind.PERCENT) for r in fig.ratios[:4]),
                    col("complaints", "投诉数", "complaints", Kind.COUNT),
                    col("paid_income", "有偿服务收入", "paid-service income", Kind.MONEY)]
    table = figures.report(fig, {}, lang).sections
    reported = len(fig.reported)
    cats = [{"category": c, "reported": n, "share": kpi.ratio(n, reported), "previous": prev, "year": year,
             "repeat_units": rep} for c, n, prev, year, rep in st.recurring]
    return [
        Section("service", "服务指标", "service", head_columns, [head], record=True),
        Section("service_figures", "服务指标明细", "service figures", table[0].columns, table[0].rows),
        Section("categories", "报修类别（多发）", "work orders by category",
                [col("category", "类别", "category"), col("reported", "本月报修", "this month", Kind.COUNT),
                 col("share", "占比", "share", Kind.PERCENT), col("previous", "上月", "previous month", Kind.COUNT),
                 col("year", "近 12 个月", "12 months", Kind.COUNT),
                 col("repeat_units", "重复报修户", "units reporting again", Kind.COUNT)], cats),
        Section("complaints", "投诉（按等级）", "complaints by severity", table[3].columns, table[3].rows),
    ]


# -- drill-downs -----------------------------------------------------------------------------------

BILL_COLUMNS = [col("bill_id", "账单号", "bill", Kind.ID), col("unit_id", "房号", "unit", Kind.ID),
                col("building", "楼栋", "building", Kind.ID), col("item", "收费项目", "item")]


def _detail(st: ops.Stats, key: str, lang: str) -> list[Section]:
    """The rows behind one fee KPI: its numerator and denominator, row by row, with totals equal to them."""
    b = st.building_of
    m = st.month
    if key == "collection_rate":
        rows = [{"bill_id": x.bill_id, "unit_id": x.unit, "building": b(x.unit) or NONE, "item": x.item,
                 "amount": x.amount, "waived": x.waived or None, "billed": x.billed, "collected": x.paid,
                 "owing": x.owing} for x in m.lines]
        cols = [*BILL_COLUMNS, col("amount", "金额", "amount", Kind.MONEY), col("waived", "减免", "waived", Kind.MONEY),
                col("billed", "应收", "billed", Kind.MONEY), col("collected", "实收", "collected", Kind.MONEY),
                col("owing", "未收", "owing", Kind.MONEY)]
        total = {k: sum((r[k] or ZERO for r in rows), ZERO) for k in ("amount", "waived", "billed", "collected", "owing")}
        return [Section("collection_rate_bills", "收费率：本月账单", "collection rate: the bills", cols, rows, total),
                _paid_into(st, lang)]
    if key == "household_rate":
        units: dict[str, list[kpi.BillLine]] = {}
        for x in m.lines:
            units.setdefault(x.unit, []).append(x)
        billed, paid = kpi.households(m.lines)
        done = set(paid)
        rows = [{"unit_id": u, "building": b(u) or NONE, "bills": len(units[u]),
                 "billed": sum((x.billed for x in units[u]), ZERO), "collected": sum((x.paid for x in units[u]), ZERO),
                 "counted": "✓" if u in done else "✗"} for u in billed]
        cols = [col("unit_id", "房号", "unit", Kind.ID), col("building", "楼栋", "building", Kind.ID),
                col("bills", "账单数", "bills", Kind.COUNT), col("billed", "应收", "billed", Kind.MONEY),
                col("collected", "实收", "collected", Kind.MONEY), col("counted", "已交清", "paid up")]
        return [Section("household_rate_units", "户收费率：应收户", "household rate: the households", cols, rows,
                        {"bills": sum(r["bills"] for r in rows), "billed": sum((r["billed"] for r in rows), ZERO),  # type: ignore[misc]
                         "collected": sum((r["collected"] for r in rows), ZERO),  # type: ignore[misc]
                         "counted": f"{len(done)}/{len(billed)}"})]
    if key == "recovery_rate":
        rows = [{"bill_id": x.bill_id, "unit_id": x.unit, "building": b(x.unit) or NONE, "item": x.item,
                 "period": x.period, "at_start": x.at_start, "recovered": x.recovered, "at_end": x.at_end}
                for x in m.old]
        cols = [*BILL_COLUMNS, col("period", "账期", "period", Kind.ID),
                col("at_start", "期初欠费", "owed at start", Kind.MONEY),
                col("recovered", "本月追回", "recovered", Kind.MONEY), col("at_end", "期末仍欠", "owed at end", Kind.MONEY)]
        total = {k: sum((r[k] for r in rows), ZERO) for k in ("at_start", "recovered", "at_end")}  # type: ignore[misc]
        return [Section("recovery_rate_bills", "清缴率：期初欠费账单", "recovery rate: bills overdue at start", cols,
                        rows, total)]
    rows = [{"receipt_no": r.receipt, "unit_id": r.unit, "paid_on": r.paid_on, "method": r.method, "amount": r.amount,
             "current": r.current, "arrears": r.arrears, "advance": r.advance, "other": r.other} for r in st.receipts]
    cols = [col("receipt_no", "收据号", "receipt", Kind.ID), col("unit_id", "房号", "unit", Kind.ID),
            col("paid_on", "收款日期", "paid on", Kind.DATE), col("method", "方式", "method"),
            col("amount", "金额", "amount", Kind.MONEY), col("current", "当期", "this month", Kind.MONEY),
            col("arrears", "往期欠费", "arrears", Kind.MONEY), col("advance", "预收", "in advance", Kind.MONEY),
            col("other", "未分配", "unallocated", Kind.MONEY)]
    total = {k: sum((r[k] for r in rows), ZERO) for k in ("amount", "current", "arrears", "advance", "other")}  # type: ignore[misc]
    return [Section("receipts", "本月收款", "payments received", cols, rows, total)]


def _paid_into(st: ops.Stats, lang: str) -> Section:
    """The payments behind 实收: each part of a receipt that went into one of the month's bills, and what
    the bills' 已收 holds beyond them (paid before the receipts read, or typed without a receipt)."""
    rows: list[dict[str, object]] = [
        {"receipt_no": p.receipt, "unit_id": p.unit, "paid_on": p.paid_on, "method": p.method, "bill_id": p.target,
         "amount": p.amount} for p in st.paid_into]
    listed = sum((p.amount for p in st.paid_into), ZERO)
    rest = st.month.figures.collected - listed
    if rest:
        rows.append({"receipt_no": "", "method": _label(lang, "更早的收款或无收据的已收", "earlier receipts or 已收 without one"),
                     "amount": rest})
    cols = [col("receipt_no", "收据号", "receipt", Kind.ID), col("unit_id", "房号", "unit", Kind.ID),
            col("paid_on", "收款日期", "paid on", Kind.DATE), col("method", "方式", "method"),
            col("bill_id", "账单号", "bill", Kind.ID), col("amount", "分配金额", "amount", Kind.MONEY)]
    return Section("collection_rate_payments", "收费率：实收的收款", "collection rate: the payments", cols, rows,
                   {"amount": st.month.figures.collected})


def _service_detail(st: ops.Stats) -> list[Section]:
    """Every work order and complaint behind a service ratio, with a ✓/✗ per ratio it is counted in."""
    fig = st.service
    ratios = [r for r in fig.ratios if r.denominator]
    numbers = sorted({n for r in ratios for n in r.denominator})
    rows = []
    for n in numbers:
        c = fig.cases[n]
        rows.append({"number": n, "unit_id": c.unit, "subject": c.subject, "opened": c.opened, "status": c.status,
                     **{r.key: ("✓" if n in r.numerator else "✗") if n in r.denominator else None for r in ratios}})
    cols = [col("number", "编号", "number", Kind.ID), col("unit_id", "房号", "unit", Kind.ID),
            col("subject", "类别/等级", "category/severity"), col("opened", "受理时间", "received", Kind.DATETIME),
            col("status", "进度", "status"), *(col(r.key, r.zh, r.en) for r in ratios)]
    return [Section("service_cases", "服务指标：工单与投诉", "service figures: the cases", cols, rows)]


def explain(st: ops.Stats, key: str, lang: str) -> Report:
    """`stats explain KPI`: the rows behind a fee KPI (收费率, 户收费率, 清缴率 or their JSON keys) or a
    service ratio (reports.figures)."""
    asked = key.strip()
    fee = next((k for k, (zh, en) in KPIS.items() if asked in (k, zh, en)), None)
    if fee is None:
        try:
            rep = figures.explain(st.service, asked, lang)
        except DataError:
            names = [f"{zh}/{k}" for k, (zh, _) in KPIS.items()] + [f"{r.zh}/{r.key}" for r in st.service.ratios]
            raise DataError("stats.kpi", Location(column="KPI"), value=repr(key), choices=", ".join(names)) from None
        return Report("stats.explain", rep.title, rep.sections, {**rep.params, "building": st.building},
                      Audience.OFFICE)
    f = st.month.figures
    value: Decimal | None = getattr(f, fee)
    num, den = {"collection_rate": (f"{f.collected:.2f}", f"{f.billed:.2f}"),
                "household_rate": (str(f.households_paid), str(f.households_billed)),
                "recovery_rate": (f"{f.arrears_recovered:.2f}", f"{f.arrears_at_start:.2f}")}[fee]
    shown = "—" if value is None else f"{value * 100:.2f}%"
    zh, en = KPIS[fee]
    title = f"{_label(lang, zh, en)} = {num} / {den} = {shown}"
    sections = _detail(st, fee, lang)
    if fee == "recovery_rate":
        sections += _detail(st, "receipts", lang)
    return Report("stats.explain", title, sections, {"period": st.period, "as_of": st.as_of, "kpi": fee,
                                                      "building": st.building}, Audience.OFFICE,
                  empty_note=empty_note(st, lang))
