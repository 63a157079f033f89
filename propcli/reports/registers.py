"""Reports over the registers as the clerk keeps them: the owners list, a unit's dossier, a search, the
payments list."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..i18n import tr
from ..ops import owners as ops
from ..store import schema
from .model import Report, Section, col, schema_columns

LIST_BRIEF = ("unit_id", "owner_name", "phone", "area", "status", "household_size", "move_in_date", "tenant_name",
              "parking")


def owners(rows: list[dict], estate: dict[str, str], lang: str, *, building: str | None,
           status: str | None) -> Report:
    name = schema.OWNERS.zh if lang == "zh" else "owners"
    filters = [f"{schema.OWNERS.column('building').zh} {building}" if building else "", status or ""]
    return Report("owners.list", f"{estate['name']} · {name}（{len(rows)}）",
                  [Section("owners", "业主列表", "owners", schema_columns(schema.OWNERS, brief=LIST_BRIEF), rows)],
                  {"building": building, "status": status}, subtitle=" · ".join(f for f in filters if f),
                  estate=estate)


# The registers whose rows are long: the desk's table shows these columns (files keep every one).
DOSSIER_BRIEF = {
    "work_orders": ("order_no", "reported_at", "category", "content", "assigned_to", "done_at", "visited_at",
                    "satisfaction", "charge"),
    "complaints": ("complaint_no", "received_at", "severity", "subject", "department", "resolved_at", "result"),
}


def dossier(d: ops.Dossier, lang: str) -> Report:
    """A unit's file at the desk: its profile, then every register's rows for it."""
    sections = [Section("profile", schema.OWNERS.zh, "profile", schema_columns(schema.OWNERS), [d.profile], record=True)]
    for spec in ops.DOSSIER_REGISTERS:
        rows = d.registers.get(spec.key, [])
        columns = [c for c in schema_columns(spec, brief=DOSSIER_BRIEF.get(spec.key)) if c.key != "unit_id"]
        counted = (f"{spec.zh}（{len(rows)}）", f"{spec.key} ({len(rows)})") if rows else (spec.zh, spec.key)
        sections.append(Section(spec.key, *counted, columns, rows))
    return Report("owners.show", d.unit, sections, {"unit": d.unit})


def matches(found: Sequence[ops.Match], text: str) -> Report:
    rows = [{**m.record, "why": m.why} for m in found]
    columns = schema_columns(schema.OWNERS, ("unit_id", "owner_name", "phone", "tenant_name", "tenant_phone", "status"))
    columns.append(col("why", "匹配", "match"))
    return Report("owners.find", "", [Section("matches", "查找结果", "matches", columns, rows)], {"text": text})


def payments(rows: list[dict], lang: str, **filters: object) -> Report:
    total = sum((r["amount"] for r in rows if not r.get("voided") and isinstance(r.get("amount"), Decimal)),
                Decimal(0))
    return Report("payments.list", tr("out.payments_title", lang, count=len(rows), total=f"{total:.2f}"),
                  [Section("payments", schema.PAYMENTS.zh, "payments", schema_columns(schema.PAYMENTS), rows)],
                  filters)

