"""A report is data: sections of typed rows with a column specification, and the audience it is meant for.

The core builds a `Report`; the renderers (`propcli.render`) turn it into a table, CSV, JSON, XLSX or HTML.
Column kinds say how a value is shown, exported and masked, so no command formats or masks by hand:

- `money` Decimal, shown to the 分 (`1234.50`), exported as a decimal string in JSON;
- `count` int; `number` Decimal (areas, readings, usage); `percent` a Decimal ratio (`0.9512`, shown 95.12%);
- `date` / `datetime`; `id` an identifier (房号, 账单号, 收据号) — never cut, never reformatted;
- `phone`, `idno` masked for everyone but the clerk (and for the clerk unless --unmask);
- `name` a person's name (or a `Person`), masked on public lists only;
- `text` everything else, the only kind a narrow table may wrap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Kind(StrEnum):
    TEXT = "text"
    ID = "id"
    NAME = "name"
    PHONE = "phone"
    IDNO = "idno"
    MONEY = "money"
    COUNT = "count"
    NUMBER = "number"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"


WHOLE = frozenset(Kind) - {Kind.TEXT, Kind.NAME}  # printed whole in every table, never wrapped or cut
NUMERIC = frozenset({Kind.MONEY, Kind.COUNT, Kind.NUMBER, Kind.PERCENT})


class Audience(StrEnum):
    """Whose eyes an output is for: masking follows from it and from the column kinds.

    | kind  | clerk             | office            | recipient | public |
    |-------|-------------------|-------------------|-----------|--------|
    | phone | masked; --unmask  | masked; --unmask  | masked    | masked |
    | idno  | masked; --unmask  | masked; --unmask  | masked    | masked |
    | name  | shown             | masked; --unmask  | shown     | masked |
    """

    CLERK = "clerk"  # the clerk's own registers (owners list, a dossier, payments)
    OFFICE = "office"  # reports that circulate in the office or a cron mail (arrears report, due list)
    RECIPIENT = "recipient"  # a notice or an SMS to one household
    PUBLIC = "public"  # a notice board: --unmask never applies


@runtime_checkable
class Value(Protocol):
    """A structured cell: text for the screen, a structure for JSON."""

    def text(self, lang: str) -> str: ...

    def data(self) -> object: ...


@dataclass(frozen=True)
class Column:
    key: str  # stable: the JSON key, whatever the language
    zh: str
    en: str
    kind: Kind = Kind.TEXT
    brief: bool = True  # shown in the terminal table (files always carry every column)
    group: str = ""  # JSON nests `group:name` columns as {group: {name: value}} (an amount per 收费项目)
    json_only: bool = False  # a key for tools (JSON), not for people: left out of the table, CSV, XLSX and HTML

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def json_key(self) -> str:
        return self.key.split(":", 1)[1] if self.group else self.key


def col(key: str, zh: str, en: str, kind: Kind = Kind.TEXT, **kw: object) -> Column:
    return Column(key, zh, en, kind, **kw)  # type: ignore[arg-type]


Row = Mapping[str, object]


@dataclass
class Section:
    key: str  # the JSON key of this part of the report
    zh: str
    en: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None = None  # the 合计 row, rendered last and bold; JSON keeps it apart
    total_label: tuple[str, str] = ("合计", "total")  # shown in the total row's first column (zh, en)
    record: bool = False  # one record shown as label: value lines (a profile), a JSON object
    # JSON shape: "" rows and total under the section's key (a record: one object); "top" a record's fields
    # at the top level of the report's JSON (the stable keys of a statistics report); "list" the rows as a
    # plain list, without the total (the report carries it elsewhere)
    json: str = ""
    detail: bool = False  # a drill-down list: a sheet of its own in XLSX, left out of every other format

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class ChartKind(StrEnum):
    LINE = "line"  # a trend over months
    BAR = "bar"  # side-by-side bars, one group per category
    STACKED = "stacked"  # one bar per category, its series stacked (arrears by ageing bucket)


@dataclass(frozen=True)
class Chart:
    """A picture of one section's rows: categories from column `x`, one series per column in `series` (their
    labels and kinds come from the section's columns; the total row is never plotted). HTML draws it as
    inline SVG, XLSX as a native chart over the section's sheet; table, CSV and JSON leave it out.

    The series share one value axis, so they must be numeric columns of one kind (percent, money, count or
    number; `render.charts.plot` refuses others). A None cell is a gap (a month without bills), never a
    zero; bars start at zero, a line of percentages may zoom and then says so on the chart."""

    key: str
    zh: str
    en: str
    section: str  # the key of the Section plotted
    x: str  # the column holding the categories (a month, a building, a bucket)
    series: tuple[str, ...]  # the numeric columns plotted
    kind: ChartKind = ChartKind.BAR
    target: Decimal | None = None  # a horizontal reference line in the series' unit (收费率目标 0.95)
    target_label: tuple[str, str] = ("目标", "target")

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class Report:
    """What a command found, ready for any renderer."""

    key: str  # e.g. "arrears.report": names the report in JSON and in docs/reports.md
    title: str  # already in the clerk's language (it carries the estate's name and the date)
    sections: list[Section]
    params: dict[str, object] = field(default_factory=dict)  # what it was asked (as_of, filters), for JSON
    audience: Audience = Audience.CLERK
    subtitle: str = ""
    template: str = "table.html.j2"  # the HTML template; every report template takes a `ReportPage`
    estate: dict[str, str] = field(default_factory=dict)  # 小区信息, for templates
    lines: list[str] | None = None  # a plain listing shown instead of a grid on a terminal (check)
    empty_note: str = ""  # said instead of an empty grid on a terminal
    charts: list[Chart] = field(default_factory=list)  # drawn by the HTML and XLSX renderers


# -- structured values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A debtor's name; a former owner carries the day the unit was sold."""

    name: str
    transfer_date: dt.date | None = None
    unregistered: bool = False  # billed, but the unit is not (or no longer) in 业主档案

    def text(self, lang: str) -> str:
        zh = lang == "zh"
        if self.unregistered:
            return "（业主档案无此房号）" if zh else "(not in the owners register)"
        if self.transfer_date:
            return (f"{self.name}（原业主，{self.transfer_date} 过户）" if zh
                    else f"{self.name} (former owner, sold {self.transfer_date})")
        return self.name

    def data(self) -> object:
        return {"name": self.name or None, "transfer_date": self.transfer_date, "unregistered": self.unregistered}


@dataclass(frozen=True)
class Kinded:
    """A cell whose kind is its own, not its column's: a dry run's before/after of one field, where one
    row holds a phone and the next an area. Masking (`render.cells`) follows `kind` as it would a column's."""

    value: object
    kind: Kind = Kind.TEXT

    def text(self, lang: str) -> str:
        if self.value is None:
            return ""
        if isinstance(self.value, dt.date) and not isinstance(self.value, dt.datetime):
            return self.value.isoformat()
        if isinstance(self.value, dt.datetime):
            return self.value.strftime("%Y-%m-%d %H:%M")
        if self.kind == Kind.MONEY and isinstance(self.value, Decimal):
            return f"{self.value:.2f}"
        if isinstance(self.value, Decimal):
            return format(self.value, "f")
        return str(self.value)

    def data(self) -> object:
        return self.value


@dataclass(frozen=True)
class Promise:
    date: dt.date
    broken: bool

    def text(self, lang: str) -> str:
        return f"{self.date}{('（未兑现）' if lang == 'zh' else ' (broken)') if self.broken else ''}"

    def data(self) -> object:
        return {"date": self.date, "broken": self.broken}


@dataclass(frozen=True)
class Event:
    """A contact (电话, 催缴函 …) on a day, with its outcome when the cell shows it."""

    date: dt.date
    channel: str
    outcome: str = ""
    with_outcome: bool = False  # show the outcome in the same cell

    def text(self, lang: str) -> str:
        base = f"{self.date} {self.channel}"
        return f"{base}：{self.outcome}" if self.with_outcome and self.outcome else base

    def data(self) -> object:
        out: dict[str, object] = {"date": self.date, "channel": self.channel}
        if self.with_outcome:
            out["outcome"] = self.outcome
        return out


@dataclass(frozen=True)
class Stage:
    """The furthest dunning step taken, and when."""

    channel: str
    date: dt.date

    def text(self, lang: str) -> str:
        return f"{self.channel} {self.date}"

    def data(self) -> object:
        return {"channel": self.channel, "date": self.date}


@dataclass(frozen=True)
class Limitation:
    """诉讼时效: what is already time-barred and what becomes so within the warning window."""

    expired: Decimal
    expiring: Decimal
    first_expiry: dt.date | None

    def text(self, lang: str) -> str:
        zh = lang == "zh"
        parts = []
        if self.expired:
            parts.append(f"已过时效 {self.expired:.2f}" if zh else f"time-barred {self.expired:.2f}")
        if self.first_expiry is not None:
            parts.append(f"⚠ {self.first_expiry} 时效届满 {self.expiring:.2f}" if zh
                         else f"⚠ limitation ends {self.first_expiry}: {self.expiring:.2f}")
        return ("；" if zh else "; ").join(parts)

    def data(self) -> object:
        cent = Decimal("0.01")
        return {"expired": self.expired.quantize(cent), "expiring": self.expiring.quantize(cent),
                "first_expiry": self.first_expiry}

    def __bool__(self) -> bool:
        return bool(self.expired) or self.first_expiry is not None


def table_columns(columns: Sequence[Column], brief: bool) -> list[Column]:
    return [c for c in columns if c.brief] if brief else list(columns)


# -- columns from the workbook's schema ----------------------------------------------------------

NAME_KEYS = frozenset({"owner_name", "tenant_name", "from_owner", "to_owner", "reporter", "complainant"})


def schema_columns(spec, keys: Sequence[str] | None = None, brief: Sequence[str] | None = None) -> list[Column]:  # type: ignore[no-untyped-def]
    """A register's columns as report columns: labels from the schema, kinds from its declared types
    (a person's name is `name`, so that public lists mask it)."""
    from ..store.schema import Kind as K

    kinds = {K.ID: Kind.ID, K.PERIOD: Kind.ID, K.PHONE: Kind.PHONE, K.IDNO: Kind.IDNO, K.DECIMAL: Kind.NUMBER,
             K.MONEY: Kind.MONEY, K.INT: Kind.COUNT, K.DATE: Kind.DATE, K.DATETIME: Kind.DATETIME}
    chosen = spec.columns if keys is None else [spec.column(k) for k in keys]
    return [Column(c.key, c.zh, c.key, Kind.NAME if c.key in NAME_KEYS else kinds.get(c.kind, Kind.TEXT),
                   brief=brief is None or c.key in brief) for c in chosen]
