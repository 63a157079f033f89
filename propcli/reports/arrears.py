"""The arrears reports as data: the debtors with their totals by building, item and age; today's dunning
steps; the notice-board list; the ladder in force."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..domain.arrears import bucket
from ..i18n import tr
from ..ops import arrears as ops
from ..store import schema
from .model import Audience, Event, Kind, Limitation, Person, Promise, Report, Section, Stage, col

ZERO = Decimal(0)


def _person(d: ops.Debtor) -> Person:
    return Person(d.owner, d.former, unregistered=not d.owner)


def _limitation(d: ops.Debtor, rep: ops.Report) -> Limitation | None:
    expired = sum((x.outstanding for x in d.expired(rep.as_of)), ZERO)
    soon = d.expiring(rep.as_of, rep.policy.warn_days)
    first = min((x.expires for x in soon), default=None)  # type: ignore[type-var]
    found = Limitation(expired, sum((x.outstanding for x in soon), ZERO), first)
    return found if found else None


def _stage(d: ops.Debtor) -> Stage | None:
    p = d.plan
    return Stage(p.stage.channel, p.stage_date) if p.stage and p.stage_date else None


def _debtor_row(d: ops.Debtor, rep: ops.Report) -> dict[str, object]:
    last, p = d.last_contact, d.plan
    return {
        "unit_id": d.unit, "owner": _person(d), "phone": d.phone or None, "status": d.status or None,
        "months": d.months, "bucket": bucket(d.months), "since": d.oldest.period, "periods": d.periods,
        **{f"items:{k}": v for k, v in d.by_item().items()}, "total": d.total,
        "late_fee": d.late_fee if rep.policy.late_fee else None,
        "last_contact": Event(last.date, last.channel) if last else None, "outcome": last.outcome if last else None,
        "promise": Promise(p.promise, p.promise_broken) if p.promise is not None else None,
        "stage": _stage(d), "next": "+".join(a.step.channel for a in p.next) or None,
        "next_due": p.next[0].due if p.next else None, "limitation": _limitation(d, rep),
    }


def _debtor_columns(rep: ops.Report) -> list:
    fee = [col("late_fee", "滞纳金", "late fee", Kind.MONEY)] if rep.policy.late_fee is not None else []
    return [
        col("unit_id", "房号", "unit", Kind.ID), col("owner", "业主", "owner", Kind.NAME),
        col("phone", "电话", "phone", Kind.PHONE, brief=False), col("status", "房屋状态", "status", brief=False),
        col("months", "欠费月数", "months", Kind.COUNT), col("bucket", "账龄(月)", "age (months)", Kind.ID, brief=False),
        col("since", "起欠账期", "since", Kind.ID), col("periods", "欠费期数", "periods", Kind.COUNT, brief=False),
        *(col(f"items:{i}", i, i, Kind.MONEY, group="items") for i in rep.items),
        col("total", "欠费合计", "total", Kind.MONEY), *fee,
        col("last_contact", "上次联系", "last contact"), col("outcome", "联系结果", "outcome", brief=False),
        col("promise", "承诺缴费", "promised"), col("stage", "催缴阶段", "stage", brief=False),
        col("next", "下一步", "next step"), col("next_due", "应办日期", "due", Kind.DATE),
        col("limitation", "诉讼时效", "limitation"),
    ]


def _params(rep: ops.Report, **filters: object) -> dict[str, object]:
    return {"as_of": rep.as_of, **filters,
            **({"late_fee_policy": rep.policy.late_fee.describe()} if rep.policy.late_fee else {})}


def debtors(rep: ops.Report, estate: dict[str, str], lang: str, **filters: object) -> Report:
    """The arrears report: one row per debtor, then 按楼栋, 按项目 and 按账龄, each with a 合计 equal to the
    report's total."""
    fee = rep.policy.late_fee is not None
    owed = col("total", "欠费金额", "owed", Kind.MONEY)
    fee_col = [col("late_fee", "滞纳金", "late fee", Kind.MONEY)] if fee else []
    bills = col("bills", "账单数", "bills", Kind.COUNT)
    total_fee = {"late_fee": rep.late_fee} if fee else {}
    n = len(rep.debtors)
    total, by_item, by_bucket = rep.total, rep.by_item(), rep.by_bucket()  # each a pass over every debt: once
    sections = [
        Section("debtors", "欠费明细", "debtors", _debtor_columns(rep), [_debtor_row(d, rep) for d in rep.debtors],
                {**{f"items:{i}": a for i, _, a in by_item}, "total": total, **total_fee},
                total_label=(f"合计（{n} 户）", f"total ({n} debtors)")),
        Section("by_building", "按楼栋", "by building",
                [col("building", "楼栋", "building", Kind.ID), col("debtors", "欠费户数", "debtors", Kind.COUNT), owed,
                 *fee_col],
                [{"building": b, "debtors": k, "total": t, **({"late_fee": f} if fee else {})}
                 for b, k, t, f in rep.by_building()],
                {"debtors": n, "total": total, **total_fee}),
        Section("by_item", "按项目", "by item", [col("item", "收费项目", "item"), bills, owed],
                [{"item": i, "bills": k, "total": t} for i, k, t in by_item],
                {"bills": sum(k for _, k, _ in by_item), "total": total}),
        Section("by_age", "按账龄", "by age", [col("bucket", "账龄(月)", "age (months)", Kind.ID), bills, owed],
                [{"bucket": b, "bills": k, "total": t} for b, k, t in by_bucket],
                {"bills": sum(k for _, k, _ in by_bucket), "total": total}),
    ]
    return Report("arrears.report", tr("out.arrears_title", lang, estate=estate["name"], date=rep.as_of.isoformat()),
                  sections, _params(rep, **filters), Audience.OFFICE, template="arrears.html.j2", estate=estate,
                  empty_note=tr("out.arrears_none", lang, date=rep.as_of.isoformat()))


def due(rep: ops.Report, estate: dict[str, str], lang: str, **filters: object) -> Report:
    """The dunning steps due on the day, one row per step."""
    zh = lang == "zh"
    rows = []
    for d, actions in ops.due_actions(rep):
        last = d.last_contact
        for a in actions:
            note = a.step.notes
            if d.plan.promise_broken:
                note = (f"承诺 {d.plan.promise} 缴费未兑现；" if zh else f"promise of {d.plan.promise} broken; ") + note
            rows.append({
                "unit_id": d.unit, "owner": _person(d), "phone": d.phone or None, "months": d.months, "total": d.total,
                "action": a.step.channel, "due": a.due, "late": (rep.as_of - a.due).days, "stage": _stage(d),
                "last_contact": Event(last.date, last.channel, last.outcome, with_outcome=True) if last else None,
                "notes": note,
            })
    columns = [col("unit_id", "房号", "unit", Kind.ID), col("owner", "业主", "owner", Kind.NAME),
               col("phone", "电话", "phone", Kind.PHONE), col("months", "欠费月数", "months", Kind.COUNT),
               col("total", "欠费金额", "owed", Kind.MONEY), col("action", "应办", "action"),
               col("due", "应办日期", "due", Kind.DATE), col("late", "已过天数", "days late", Kind.COUNT),
               col("stage", "当前阶段", "stage"), col("last_contact", "上次联系", "last contact"),
               col("notes", "说明", "notes")]
    return Report("arrears.due", tr("out.due_title", lang, estate=estate["name"], date=rep.as_of.isoformat()),
                  [Section("steps", "应办催缴", "steps due", columns, rows)], _params(rep, **filters),
                  Audience.OFFICE, estate=estate)


def public(rep: ops.Report, estate: dict[str, str], lang: str, min_months: int, **filters: object) -> Report:
    """欠费公示 for the notice board: names masked, no phones."""
    rows = [{"unit_id": d.unit, "owner": _person(d), "months": d.months, "since": d.oldest.period, "total": d.total}
            for d in rep.debtors]
    columns = [col("unit_id", "房号", "unit", Kind.ID), col("owner", "业主", "owner", Kind.NAME),
               col("months", "欠费月数", "months", Kind.COUNT), col("since", "起欠账期", "since", Kind.ID),
               col("total", "欠费金额(元)", "owed", Kind.MONEY)]
    return Report("arrears.public", tr("out.public_title", lang, estate=estate["name"]),
                  [Section("debtors", "欠费公示", "arrears notice", columns, rows)],
                  {"as_of": rep.as_of, "min_months": min_months, **filters}, Audience.PUBLIC,
                  template="public.html.j2", estate=estate)


def ladder(pol: ops.Policy, lang: str) -> Report:
    """The dunning ladder in force (催缴规则)."""
    rows = [{"order": s.order, "channel": s.channel, "after": s.after, "wait": str(s.wait), "min_months": s.min_months,
             "applies_to": "、".join(sorted(s.applies_to)), "notes": s.notes} for s in pol.ladder]
    columns = [col(c.key, c.zh, c.key, Kind.COUNT if c.key in ("order", "min_months") else Kind.TEXT)
               for c in schema.DUNNING.columns]
    source = tr("out.policy_own" if pol.from_workbook else "out.policy_default", lang)
    return Report("arrears.policy", tr("out.policy_title", lang, source=source),
                  [Section("ladder", "催缴规则", "dunning ladder", columns, rows)],
                  {"from_workbook": pol.from_workbook, "late_fee": pol.late_fee.describe() if pol.late_fee else None,
                   "gap_days": pol.gap_days, "warn_days": pol.warn_days})


def debtor_lines(rep: ops.Report, chosen: Sequence[ops.Debtor]) -> tuple[list, list[dict[str, object]]]:
    """Some debtors of a report as this report shows them (its columns, their rows): the monthly
    statistics list the top debtors and the limitation warnings with the same cells."""
    return _debtor_columns(rep), [_debtor_row(d, rep) for d in chosen]
