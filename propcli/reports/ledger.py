"""Reports of the month's work: bills by building, a billing run's totals, a payment's allocation, meter
anomalies, what a change would write (a dry run), rows an import did not take, and `check`'s problems."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..domain.allocation import PREPAID
from ..domain.readings import UNITS, Anomaly
from ..errors import Problem
from ..i18n import tr
from ..ops import billing as billing_ops
from ..ops import bills as bills_ops
from ..ops import payments as payments_ops
from ..store.workbook import JournalEntry
from .model import Kind, Kinded, Report, Section, col

MONEY, COUNT, NUMBER, ID = Kind.MONEY, Kind.COUNT, Kind.NUMBER, Kind.ID


def bills_summary(lines: list[bills_ops.Line], total: bills_ops.Line, estate: dict[str, str], lang: str,
                  **filters: object) -> Report:
    columns = [col("building", "楼栋", "building", ID), col("period", "账期", "period", ID),
               col("bills", "账单数", "bills", COUNT), col("amount", "金额", "amount", MONEY),
               col("paid", "已收", "paid", MONEY), col("owing", "欠费", "owing", MONEY)]
    total_row = {k: v for k, v in total.record().items() if k not in ("building", "period")}
    return Report("bills.summary", f"{estate['name']} · {'应收账单汇总' if lang == 'zh' else 'bills summary'}",
                  [Section("lines", "按楼栋、账期", "by building and period", columns,
                           [x.record() for x in lines], total_row)], dict(filters), estate=estate)


def billing_totals(run: billing_ops.BillingRun, lang: str, building_of=None) -> Report:  # type: ignore[no-untyped-def]
    """New bills by building and item, and by item: what a clerk checks before printing notices
    (`building_of`: `ops.units.building_lookup(wb)`, so a 楼栋 cell in 业主档案 wins)."""
    rows = billing_ops.totals(run.new, building_of)
    lines = [r for r in rows if r["building"]]
    items = [r for r in rows if not r["building"] and r["item"]]
    grand = {"count": rows[-1]["count"], "amount": rows[-1]["amount"]}
    count, amount = col("count", "张数", "bills", COUNT), col("amount", "金额", "amount", MONEY)
    return Report("billing.run", tr("out.billing_title", lang, period=run.period), [
        Section("lines", "按楼栋、项目", "by building and item",
                [col("building", "楼栋", "building", ID), col("item", "收费项目", "item"), count, amount], lines, grand),
        Section("by_item", "按项目", "by item", [col("item", "收费项目", "item"), count, amount],
                [{"item": r["item"], "count": r["count"], "amount": r["amount"]} for r in items], grand),
    ], {"period": run.period})


def allocation(pay: payments_ops.Payment, lang: str) -> Report:
    """Where a payment went: bill by bill, and what is kept as 预存."""
    rows = []
    for a in pay.allocations:
        bill = pay.bills.get(a.target, {})
        rows.append({"bill_id": a.target if a.target != PREPAID else None, "period": bill.get("period"),
                     "item": bill.get("item") or a.target, "amount": bill.get("amount"), "applied": a.amount,
                     "left": (bill["amount"] - bill["paid"]) if bill else None, "status": bill.get("status")})
    columns = [col("bill_id", "账单号", "bill", ID), col("period", "账期", "period", ID), col("item", "收费项目", "item"),
               col("amount", "应收", "amount", MONEY), col("applied", "本次冲抵", "applied", MONEY),
               col("left", "尚欠", "outstanding", MONEY), col("status", "状态", "status")]
    title = tr("out.payment_title", lang, receipt=pay.receipt_no, unit=pay.unit, amount=f"{pay.amount:.2f}")
    return Report("payments.record", title, [Section("allocations", "分配", "allocations", columns, rows)],
                  {"receipt_no": pay.receipt_no, "unit": pay.unit, "amount": pay.amount, "prepaid": pay.prepaid})


KIND_TEXT = {"zh": {"error": "错误", "trust": "托管超量", "spike": "突增", "zero": "零用量", "missing": "缺读数"},
             "en": {"error": "error", "trust": "entrusted, over limit", "spike": "spike", "zero": "zero",
                    "missing": "missing"}}


def anomalies(found: Sequence[Anomaly], period: str, lang: str) -> Report:
    rows = [{"unit_id": a.unit, "meter": a.meter, "kind": KIND_TEXT[lang][a.kind], "previous": a.previous,
             "current": a.current, "usage": a.usage, "median": a.median, "row": a.row or None,
             "why": tr(a.error.key, lang, **a.error.params) if a.error else
             (tr("out.anomaly_trust", lang, limit=f"{a.limit:f}", unit=UNITS.get(a.meter, "")) if a.limit is not None
              else None)} for a in found]
    columns = [col("unit_id", "房号", "unit", ID), col("meter", "表计", "meter"), col("kind", "类别", "kind"),
               col("previous", "上次读数", "previous", NUMBER), col("current", "本次读数", "current", NUMBER),
               col("usage", "用量", "usage", NUMBER), col("median", "近6月中位数", "median", NUMBER),
               col("row", "行", "row", COUNT), col("why", "说明", "why")]
    return Report("meters.anomalies", tr("out.anomalies_title", lang, period=period, count=len(rows)),
                  [Section("anomalies", "读数异常", "anomalies", columns, rows)], {"period": period})


_FIELD_KINDS = {"phone": Kind.PHONE, "idno": Kind.IDNO, "money": MONEY, "decimal": NUMBER, "int": COUNT,
                "date": Kind.DATE, "datetime": Kind.DATETIME}


def changes(entries: Iterable[JournalEntry]) -> Report:
    """What a change would write (a dry run): a row per changed field, each value with its column's kind
    so that phones and ID numbers are masked like everywhere else (`--unmask` shows them); an entry
    with no fields (an import's summary line, an undo) is one row as the journal records it."""
    columns = [col("sheet", "表", "sheet"), col("key", "主键", "key", ID), col("field", "字段", "field"),
               col("before", "变更前", "before"), col("after", "变更后", "after")]
    rows: list[dict[str, object]] = []
    for e in entries:
        if not e.fields:
            rows.append({"sheet": e.sheet, "key": e.key, "field": None, "before": e.before or None,
                         "after": e.after or None})
            continue
        for f in e.fields:
            kind = _FIELD_KINDS.get(f.kind, Kind.TEXT)
            rows.append({"sheet": e.sheet, "key": e.key, "field": f.column,
                         "before": Kinded(f.before, kind) if f.before is not None else None,
                         "after": Kinded(f.after, kind) if f.after is not None else None})
    return Report("changes", "", [Section("changes", "变更", "changes", columns, rows)])


def _problem_columns() -> list:
    return [col("check", "检查", "check"), col("sheet", "表", "sheet"), col("row", "行", "row", COUNT),
            col("column", "列", "column"), col("value", "值", "value"), col("message", "说明", "message"),
            col("hint", "建议", "hint"), col("fixable", "可自动修复", "fixable"), col("fix", "修复为", "fix")]


def _sensitive_kinds() -> dict[str, Kind]:
    from ..store import schema

    out: dict[str, Kind] = {}
    for spec in schema.SHEETS:
        for c in spec.columns:
            if c.kind in (schema.Kind.PHONE, schema.Kind.IDNO):
                out[c.key] = Kind.PHONE if c.kind == schema.Kind.PHONE else Kind.IDNO
    return out


def shown_problems(found: Sequence[Problem], unmask: bool = False) -> list[Problem]:
    """Problems as the clerk's outputs may show them: the value (and the repair) of a phone or an ID
    number column masked by its kind, in the text, the JSON and every message that quotes it."""
    from dataclasses import replace

    from ..render.cells import mask_value

    kinds = _sensitive_kinds()
    out = []
    for p in found:
        kind = kinds.get(p.column_key)
        if kind is None or unmask:
            out.append(p)
            continue
        params = {k: (mask_value(v, kind) if isinstance(v, str) and v == str(p.value) else v)
                  for k, v in p.params.items()}
        out.append(replace(p, value=mask_value(p.value, kind), params=params,
                           fix=mask_value(p.fix, kind) if p.fix is not None else None))
    return out


def problems(found: Sequence[Problem], lang: str, unmask: bool = False, **params: object) -> Report:
    """`check`: one line per problem on a terminal (file › sheet › row, column: message — hint); phones
    and ID numbers masked unless `unmask`."""
    found = shown_problems(found, unmask)
    rows = [p.as_dict(lang) for p in found]
    for r in rows:
        r["fix"] = r["fix"] if r["fixable"] else None
    return Report("check", "", [Section("problems", "问题", "problems", _problem_columns(), rows)], dict(params),
                  lines=[p.format(lang) for p in found])


def rejected(issues: Sequence[tuple[str, Problem]], lang: str, unmask: bool = False) -> Report:
    """Rows an import did not take (rejected) or took with a warning (phones and ID numbers masked)."""
    issues = list(zip([k for k, _ in issues], shown_problems([p for _, p in issues], unmask)))
    rows = [{"row": p.location.row, "column": p.location.column, "value": p.as_dict(lang)["value"] or None,
             "what": kind, "message": p.message(lang), "hint": p.hint(lang) or None} for kind, p in issues]
    columns = [col("row", "行", "row", COUNT), col("column", "列", "column"), col("value", "值", "value"),
               col("what", "类别", "kind"), col("message", "说明", "message"), col("hint", "建议", "hint")]
    return Report("import", "", [Section("rows", "未导入或有警告的行", "rows not taken or with warnings", columns, rows)])
