"""One cell, by the kind of its column: how it reads on a page, what JSON holds, and what each audience may
see of it. Every renderer goes through these three functions; no command formats or masks a value itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from ..domain.people import mask_idno, mask_name, mask_phone
from ..reports.model import Audience, Kind, Kinded, Person, Report, Row, Section, Value

CENT = Decimal("0.01")
RATIO = Decimal("0.0001")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_VALUE_TYPES: dict[type, bool] = {}


def _is_value(value: object) -> bool:
    """`isinstance(value, Value)`, the runtime Protocol check (~10 µs a cell: 0.15 s of L's arrears CSV)
    made once per type: every type that is a Value is one by the methods its class defines."""
    kind = type(value)
    known = _VALUE_TYPES.get(kind)
    if known is None:
        known = _VALUE_TYPES[kind] = isinstance(value, Value)
    return known


def text(value: object, kind: Kind | str = Kind.TEXT, lang: str = "zh") -> str:
    """A cell as the clerk reads it: money always to the 分 (1234.5 → 1234.50), a ratio as 95.12%."""
    if value is None:
        return ""
    if type(value) is str:  # the commonest cell first
        return value
    if isinstance(value, Decimal):
        if kind == Kind.MONEY:
            return format(value.quantize(CENT, ROUND_HALF_UP), "f")
        if kind == Kind.PERCENT:
            return f"{(value * 100).quantize(CENT, ROUND_HALF_UP)}%"
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if _is_value(value):
        return value.text(lang)
    return str(value)


def data(value: object, kind: Kind | str = Kind.TEXT) -> object:
    """A cell as JSON holds it: money a decimal string with 2 places, a ratio with 4, other Decimals as
    they are; counts JSON integers; dates ISO; structures as objects — the same whatever the language."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        if kind == Kind.MONEY:
            return format(value.quantize(CENT, ROUND_HALF_UP), "f")
        if kind == Kind.PERCENT:
            return format(value.quantize(RATIO, ROUND_HALF_UP), "f")
        return format(value, "f")
    if _is_value(value):
        return _plain(value.data())
    return _plain(value)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if _is_value(value):
        return _plain(value.data())
    return value


def neutralise(value: object) -> object:
    """A text cell that Excel would run as a formula gets a leading apostrophe (CSV and XLSX exports)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def shown_rows(section: Section, lang: str) -> list[Row]:
    """The rows a page shows: the body, then the 合计 row with its label in the first column."""
    rows = list(section.rows)
    if section.total is not None:
        first = section.columns[0].key
        label = section.total_label[0] if lang == "zh" else section.total_label[1]
        rows.append({first: label, **{k: v for k, v in section.total.items() if v is not None}})
    return rows


# -- masking -------------------------------------------------------------------------------------


def _masker(kind: Kind, audience: Audience, unmask: bool):  # type: ignore[no-untyped-def]
    """The mask a column of this kind needs for this audience (the table in `Audience`), or None."""
    mine = unmask and audience in (Audience.CLERK, Audience.OFFICE)  # --unmask: the clerk's own outputs only
    if kind == Kind.PHONE and not mine:
        return mask_phone
    if kind == Kind.IDNO and not mine:
        return mask_idno
    if kind == Kind.NAME and (audience == Audience.PUBLIC or (audience == Audience.OFFICE and not mine)):
        return _mask_person
    return None


def mask_value(value: object, kind: Kind, audience: Audience = Audience.CLERK, unmask: bool = False) -> object:
    """One value of this kind as this audience may see it (a problem's value in `check`, an import's
    warning): the same rule as a column's."""
    mask = _masker(kind, audience, unmask)
    return mask(value) if mask is not None and value not in (None, "") else value


def _mask_person(value: object) -> object:
    if isinstance(value, Person):
        return replace(value, name=mask_name(value.name))
    return mask_name(value)


def masked(report: Report, unmask: bool = False) -> Report:
    """The report as its audience may see it: phones and ID numbers masked unless the clerk asked for
    them (--unmask, her own outputs only); names masked on public lists. Values are replaced, not
    formatted, so every renderer downstream shows the same masked data."""
    return replace(report, sections=[_masked_section(s, report.audience, unmask) for s in report.sections])


def _masked_section(section: Section, audience: Audience, unmask: bool) -> Section:
    maskers = {c.key: m for c in section.columns if (m := _masker(c.kind, audience, unmask)) is not None}
    kinded = any(isinstance(v, Kinded) for r in section.rows for v in r.values())
    if not maskers and not kinded:
        return section

    def row(r: Row) -> Row:
        out = dict(r)
        for key, mask in maskers.items():
            if out.get(key):
                out[key] = mask(out[key])
        for key, v in out.items():  # a cell that carries its own kind (a dry run's field)
            if isinstance(v, Kinded):
                out[key] = replace(v, value=mask_value(v.value, v.kind, audience, unmask))
        return out

    return replace(section, rows=[row(r) for r in section.rows])  # a 合计 row holds no one's data
