"""Monthly service figures (报修、回访、投诉) as data, each defined once here, with the rows behind every
numerator and denominator (the drill-down `stats explain` will show). A month `P` is judged as of a day
(default: the month's last day), so the figures of a closed month do not move.

- 报修数: work orders reported in P.            完成数: work orders completed in P.
- 及时完成率 = completed in P within their 完工 deadline / completed in P that have one.
- 回访率 = visited / completed in P whose visit has fallen due by the as-of day (or was made).
- 及时回访率 = visited within the visit deadline / the same denominator as 回访率.
- 满意度 = (满意 + 基本满意) / visited (the 回访率 numerator).
- 有偿服务收入: the fees (有偿金额) of orders completed in P.
- complaints received in P, by severity, and per severity and step (转呈, 答复, 解决): 及时率 = steps done
  within the deadline / steps due by the as-of day or done (a step overdue and still open counts against it).
Rows typed by hand count exactly like those opened by the command: both are `service.Case`s.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain import deadlines as d
from ..domain.billing import last_day
from ..errors import DataError, Location
from ..i18n import tr
from ..ops import service
from ..ops.units import building_lookup
from ..store.workbook import Workbook
from .model import Chart, Kind, Report, Section, col

PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Ratio:
    key: str
    zh: str
    en: str
    numerator: tuple[str, ...]  # the case numbers counted above the line …
    denominator: tuple[str, ...]  # … and below it

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(len(self.numerator)) / Decimal(len(self.denominator))).quantize(PLACES)


@dataclass
class ServiceFigures:
    period: str
    as_of: dt.date
    reported: tuple[str, ...]
    completed: tuple[str, ...]
    ratios: list[Ratio]
    by_category: dict[str, int]
    by_building: dict[str, int]
    paid_income: Decimal
    paid_orders: tuple[str, ...]
    complaints: dict[str, int]  # received in P by severity
    cases: dict[str, service.Case] = field(default_factory=dict)  # every case named above, by number

    def ratio(self, key: str) -> Ratio:
        return next(r for r in self.ratios if key in (r.key, r.zh))


def _in(when: object, period: str, as_of: dt.date) -> bool:
    return isinstance(when, dt.datetime) and f"{when:%Y-%m}" == period and when.date() <= as_of


def figures(orders: Sequence[service.Case], complaints: Sequence[service.Case], period: str, as_of: dt.date,
            building_of: Callable[[str], str]) -> ServiceFigures:
    """The month's figures from the cases (pure: the caller reads the workbook)."""
    end = d.end_of(as_of)
    reported = [c for c in orders if _in(c.opened, period, as_of)]
    completed = [c for c in orders if _in(c.values.get("done_at"), period, as_of)]
    timed = [c for c in completed if (t := c.track("完工")) is not None and t.due is not None]
    ontime = [c for c in timed if c.track("完工").on_time]  # type: ignore[union-attr]

    def visit(c: service.Case) -> d.Track | None:
        return c.track("回访")

    due_visit = [c for c in completed if (t := visit(c)) is not None and (
        (t.done is not None and t.done <= end) or (t.due is not None and t.due <= end))]
    visited = [c for c in due_visit if visit(c).done is not None and visit(c).done <= end]  # type: ignore[union-attr]
    visited_on_time = [c for c in visited if visit(c).on_time]  # type: ignore[union-attr]
    pleased = [c for c in visited if c.values.get("satisfaction") in ("满意", "基本满意")]
    paid = [c for c in completed if isinstance(c.values.get("charge"), Decimal) and c.values["charge"]]

    def nums(cases: Sequence[service.Case]) -> tuple[str, ...]:
        return tuple(c.number for c in cases)

    ratios = [Ratio("on_time_completion", "及时完成率", "on-time completion", nums(ontime), nums(timed)),
              Ratio("visit_rate", "回访率", "visit rate", nums(visited), nums(due_visit)),
              Ratio("on_time_visit", "及时回访率", "on-time visit rate", nums(visited_on_time), nums(due_visit)),
              Ratio("satisfaction", "满意度", "satisfaction", nums(pleased), nums(visited))]
    received = [c for c in complaints if _in(c.opened, period, as_of)]
    for severity in d.SEVERITIES:
        mine = [c for c in received if c.subject == severity]
        for step in d.COMPLAINT_STEPS:
            # due by the as-of day (done or not) or done: an overdue step still open counts against the rate
            due = [c for c in mine if (t := c.track(step)) is not None and t.due is not None and (
                (t.done is not None and t.done <= end) or t.due <= end)]
            if not due:
                continue
            good = [c for c in due if c.track(step).on_time and c.track(step).done <= end]  # type: ignore[union-attr,operator]
            ratios.append(Ratio(f"complaints_{severity}_{step}", f"{severity}投诉{step}及时率",
                                f"{severity} complaints: on-time {step}", nums(good), nums(due)))
    return ServiceFigures(
        period, as_of, nums(reported), nums(completed), ratios,
        dict(Counter(c.subject for c in reported).most_common()),
        dict(sorted(Counter(building_of(c.unit) or "—" for c in reported).items())),
        sum((c.values["charge"] for c in paid), Decimal(0)), nums(paid),  # type: ignore[misc]
        {s: sum(1 for c in received if c.subject == s) for s in d.SEVERITIES},
        {c.number: c for c in [*orders, *complaints]})


def monthly(wb: Workbook, period: str, as_of: dt.date | None = None) -> ServiceFigures:
    """The month's figures from the workbook, as of `as_of` (default: the month's last day)."""
    rules = service.rules(wb)
    orders, _ = service.cases(wb, service.ORDERS, rules)
    complaints, _ = service.cases(wb, service.COMPLAINTS, rules)
    return figures(orders, complaints, period, as_of or last_day(period), building_lookup(wb))


def report(fig: ServiceFigures, estate: dict[str, str], lang: str) -> Report:
    counts = [("reported", "报修数", "reported", len(fig.reported)), ("completed", "完成数", "completed", len(fig.completed))]
    rows: list[dict[str, object]] = [{"figure": zh if lang == "zh" else en, "count": n, "rate": None,
                                      "key": key} for key, zh, en, n in counts]
    rows += [{"figure": r.zh if lang == "zh" else r.en, "key": r.key, "count": len(r.numerator),
              "of": len(r.denominator), "rate": r.value} for r in fig.ratios]
    rows.append({"figure": "有偿服务收入" if lang == "zh" else "paid-service income", "key": "paid_income",
                 "count": len(fig.paid_orders), "amount": fig.paid_income})
    columns = [col("figure", "指标", "figure"), col("count", "数", "count", Kind.COUNT), col("of", "基数", "of", Kind.COUNT),
               col("rate", "比率", "rate", Kind.PERCENT), col("amount", "金额", "amount", Kind.MONEY),
               col("key", "键", "key", Kind.ID, brief=False)]
    by = [col("name", "类别/楼栋", "category/building"), col("count", "报修数", "reported", Kind.COUNT)]
    sections = [Section("figures", "服务指标", "figures", columns, rows),
                Section("by_category", "按类别", "by category", by, [{"name": k, "count": n} for k, n in fig.by_category.items()]),
                Section("by_building", "按楼栋", "by building", by, [{"name": k, "count": n} for k, n in fig.by_building.items()]),
                Section("complaints", "投诉（按等级）", "complaints by severity",
                        [col("name", "等级", "severity"), col("count", "受理数", "received", Kind.COUNT)],
                        [{"name": k, "count": n} for k, n in fig.complaints.items()])]
    return Report("workorders.summary", tr("out.service_summary_title", lang, name=estate.get("name", ""),
                                            period=fig.period, date=fig.as_of.isoformat()),
                  sections, {"period": fig.period, "as_of": fig.as_of}, estate=estate,
                  charts=[Chart("by_category", "报修按类别", "work orders by category", "by_category", "name", ("count",))])


def explain(fig: ServiceFigures, key: str, lang: str) -> Report:
    """The rows behind one ratio: each case of the denominator, and whether it counts above the line."""
    try:
        ratio = fig.ratio(key)
    except StopIteration:
        raise DataError("service.figure", Location(column="--explain"), value=repr(key),
                        choices=", ".join(r.key for r in fig.ratios)) from None
    above = set(ratio.numerator)
    rows = []
    for number in ratio.denominator:
        c = fig.cases[number]
        rows.append({"number": number, "unit_id": c.unit, "subject": c.subject, "opened": c.opened,
                     "status": c.status, "counted": "✓" if number in above else "✗"})
    columns = [col("number", "编号", "number", Kind.ID), col("unit_id", "房号", "unit", Kind.ID),
               col("subject", "类别/等级", "category/severity"), col("opened", "受理时间", "received", Kind.DATETIME),
               col("status", "进度", "status"), col("counted", "计入分子", "in numerator")]
    title = f"{ratio.zh if lang == 'zh' else ratio.en} = {len(ratio.numerator)}/{len(ratio.denominator)}"
    return Report("workorders.explain", title, [Section("rows", ratio.zh, ratio.key, columns, rows)],
                  {"period": fig.period, "as_of": fig.as_of, "figure": ratio.key})
