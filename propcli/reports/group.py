"""The group reports (`group stats`, `group arrears`) as data: one row per estate published and the
company's row, with the keys of `stats monthly` and `arrears report` (docs/group.md), so that a tool reading
one estate's workbook report reads the group's the same way.

JSON: `{"report", "params", "period", "as_of", "estates": [{"estate", …}], "total": {…}}` — the top-level
`period`/`as_of` and the `total` record are sections of JSON-only columns (no other format shows them:
the estates' table carries the company as its 合计 row). The figures hold no one's name, phone or ID
number; the reports are for the office (`Audience.OFFICE`), as the workbook ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from ..db import figures as fig
from ..i18n import tr
from .model import Audience, Chart, ChartKind, Column, Kind, Report, Row, Section, col
from .stats import AGE_COLUMNS, END_COLUMNS, FEE_COLUMNS, bucket_key, fee_values

ESTATE = col("estate", "小区", "estate", Kind.ID)
PUBLISHED = col("published_at", "发布时间", "published", Kind.DATETIME, brief=False)
COMPANY = ("合计", "total")  # the company: all estates
HEAD = {"period": col("period", "账期", "period", Kind.ID, json_only=True),
        "as_of": col("as_of", "计算日期", "as of", Kind.DATE, json_only=True)}


def _ages(ageing: fig.Ageing) -> dict[str, object]:
    return {bucket_key(label): ageing.bucket(label)[1] for label in fig.LABELS}


def _local(when: dt.datetime | None) -> dt.datetime | None:
    """When an estate was published, on the office's clock (TZ), to the second."""
    return when.astimezone().replace(tzinfo=None, microsecond=0) if when is not None else None


def _sections(head: Row, columns: list[Column], rows: list[Row], total: Row) -> list[Section]:
    """The top-level keys, the estates with the company as their 合计, and the company's record for JSON."""
    head_columns = [HEAD[k] for k in head]
    company = [replace(c, json_only=True) for c in columns if c.key not in (ESTATE.key, PUBLISHED.key)]
    return [Section("head", "账期与计算日期", "period and as-of day", head_columns, [head], record=True, json="top"),
            Section("estates", "各小区", "estates", columns, rows, total, total_label=COMPANY, json="list"),
            Section("total", *COMPANY, company, [total], record=True)]


def _empty_note(lang: str, stale: list[str]) -> str:
    return tr("group.none_published", lang) if not stale else tr("group.all_stale", lang, estates=stale)


def stats(g: fig.GroupStats, lang: str) -> Report:
    """`group stats`: the month's fee figures of every estate and of the company, the arrears at the
    period's end by age, and a chart of 收费率 by estate (HTML, XLSX)."""
    def row(e: fig.EstateStats) -> dict[str, object]:
        return {ESTATE.key: e.estate or None, **fee_values(e.fees), "target": e.target, "arrears_end_day": g.end,
                "arrears_at_end": e.ageing.total, "debtors_at_end": e.ageing.debtors, **_ages(e.ageing),
                PUBLISHED.key: _local(e.published_at)}

    ages = [replace(c, brief=False) for c in AGE_COLUMNS]
    ends = [replace(c, brief=c.key in ("arrears_at_end", "debtors_at_end")) for c in END_COLUMNS]
    columns = [ESTATE, *FEE_COLUMNS, *ends, *ages, PUBLISHED]
    total = {k: v for k, v in row(g.total).items() if k not in (ESTATE.key, PUBLISHED.key, "target")}
    head = {"period": g.period, "as_of": g.as_of}
    goals = {e.target for e in g.estates}
    chart = Chart("collection_rate", "各小区收费率", "collection rate by estate", "estates", ESTATE.key,
                  ("collection_rate",), ChartKind.BAR, goals.pop() if len(goals) == 1 else None,
                  ("收费率目标", "target"))
    title = tr("group.stats_title", lang, period=g.period, date=g.as_of.isoformat(), estates=len(g.estates))
    return Report("group.stats", title, _sections(head, columns, [row(e) for e in g.estates], total) if g.estates else [],
                  head, Audience.OFFICE, subtitle=tr("group.stats_subtitle", lang, end=g.end.isoformat()),
                  empty_note=_empty_note(lang, g.stale), charts=[chart] if g.estates else [])


AGE_BILLS = [col("n_" + c.key, f"{c.zh}账单数", f"bills {c.en}", Kind.COUNT, brief=False) for c in AGE_COLUMNS]


def arrears(g: fig.GroupArrears, lang: str) -> Report:
    """`group arrears`: what every estate and the company were owed on the day, by age (the arrears
    report's 按账龄: each bill by its own age), with debtors and bills; a stacked chart by estate."""
    def row(e: fig.EstateArrears) -> dict[str, object]:
        a = e.ageing
        return {ESTATE.key: e.estate or None, "debtors": a.debtors, "bills": a.bills, "total": a.total,
                **_ages(a), **{"n_" + bucket_key(label): a.bucket(label)[0] for label in fig.LABELS},
                PUBLISHED.key: _local(e.published_at)}

    columns = [ESTATE, col("debtors", "欠费户数", "debtors", Kind.COUNT), col("bills", "账单数", "bills", Kind.COUNT),
               col("total", "欠费金额", "owed", Kind.MONEY), *AGE_COLUMNS, *AGE_BILLS, PUBLISHED]
    total = {k: v for k, v in row(g.total).items() if k not in (ESTATE.key, PUBLISHED.key)}
    head = {"as_of": g.as_of}
    chart = Chart("ageing", "各小区欠费账龄", "arrears by age, by estate", "estates", ESTATE.key,
                  tuple(c.key for c in AGE_COLUMNS), ChartKind.STACKED)
    title = tr("group.arrears_title", lang, date=g.as_of.isoformat(), estates=len(g.estates))
    return Report("group.arrears", title, _sections(head, columns, [row(e) for e in g.estates], total) if g.estates else [],
                  head, Audience.OFFICE, empty_note=_empty_note(lang, g.stale), charts=[chart] if g.estates else [])
