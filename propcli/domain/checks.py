"""Named checks of the registers. Each takes the tables read (register key → Table) and yields Problems;
a check that finds nothing yields nothing. Pure: no reading, no printing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal

from ..errors import Problem
from ..store.normalize import has_fullwidth, to_identifier
from ..store.reader import Table
from ..store.schema import Kind
from .people import idno_problem, phone_problem

Tables = Mapping[str, Table]
Check = Callable[[Tables], Iterable[Problem]]

UNIT_REGISTERS = ("transfers", "readings", "bills", "payments", "reminders", "work_orders", "complaints")


def _problem(check: str, key: str, table: Table, row: int | None, col: str | None, value: object,
             fix: object = None, **params: object) -> Problem:
    return Problem(check, key, table.location(row, col), value, params, column_key=col or "", fix=fix)


def _duplicates(check: str, table: Table, column: str) -> Iterator[Problem]:
    """Rows whose `column` holds a value an earlier row holds already."""
    seen: dict[object, int] = {}
    for row in table.rows:
        value = row.values.get(column)
        if value is None:
            continue
        if value in seen:
            yield _problem(check, "check.duplicate_unit", table, row.number, column, value, other=seen[value])
        else:
            seen[value] = row.number


def duplicate_unit(tables: Tables) -> Iterator[Problem]:
    """A 房号 registered twice in 业主档案."""
    owners = tables.get("owners")
    if owners is not None:
        yield from _duplicates("duplicate-unit", owners, "unit_id")


def duplicate_id(tables: Tables) -> Iterator[Problem]:
    """An 账单号 or 收据号 used twice (a receipt number typed in by hand, a bill row copied)."""
    for key in ("bills", "payments"):
        table = tables.get(key)
        if table is not None and table.spec.primary:
            yield from _duplicates("duplicate-id", table, table.spec.primary[0])


def required(tables: Tables) -> Iterator[Problem]:
    """Empty cells in required columns, in every register."""
    for table in tables.values():
        for col in table.spec.required:
            if col.key not in table.columns:
                continue  # a missing required header stops the read itself
            for row in table.rows:
                if row.values.get(col.key) is None and col.key not in row.raw:
                    yield _problem("required", "check.required", table, row.number, col.key, None,
                                   column=table.headers.get(col.key, col.zh))


def _columns_of(tables: Tables, kind: Kind) -> Iterator[tuple[Table, str]]:
    for table in tables.values():
        for col in table.spec.columns:
            if col.kind is kind and col.key in table.columns:
                yield table, col.key


def _judged(tables: Tables, kind: Kind, check: str, judge) -> Iterator[Problem]:  # type: ignore[no-untyped-def]
    """Every filled cell of the columns of one kind, judged by a rule of `people` (None: fine)."""
    for table, key in _columns_of(tables, kind):
        for row in table.rows:
            value = row.values.get(key)
            reason = judge(str(value)) if value else None
            if reason:
                yield _problem(check, reason[0], table, row.number, key, value, **reason[1])


def phone(tables: Tables) -> Iterator[Problem]:
    """Phones that are neither an 11-digit mobile nor a landline."""
    return _judged(tables, Kind.PHONE, "phone", phone_problem)


def idno(tables: Tables) -> Iterator[Problem]:
    """18-digit resident ID numbers with a wrong length, birth date or check digit."""
    return _judged(tables, Kind.IDNO, "idno", idno_problem)


def area(tables: Tables) -> Iterator[Problem]:
    """A 建筑面积 of zero or less (it would bill nothing, or a credit)."""
    owners = tables.get("owners")
    if owners is None:
        return
    for row in owners.rows:
        value = row.values.get("area")
        if isinstance(value, Decimal) and value <= 0:
            yield _problem("area", "check.area", owners, row.number, "area", value)


def unknown_unit(tables: Tables) -> Iterator[Problem]:
    """A 房号 in another register that 业主档案 does not know."""
    owners = tables.get("owners")
    if owners is None:
        return
    known = {r.values.get("unit_id") for r in owners.rows}
    for name in UNIT_REGISTERS:
        table = tables.get(name)
        if table is None or "unit_id" not in table.columns:
            continue
        for row in table.rows:
            unit = row.values.get("unit_id")
            if unit is not None and unit not in known:
                yield _problem("unknown-unit", "check.unknown_unit", table, row.number, "unit_id", unit)


def _identifier_cells(tables: Tables) -> Iterator[tuple[Table, int, str, str]]:
    for table in tables.values():
        keys = [c.key for c in table.spec.columns if c.is_identifier and c.key in table.columns]
        for row in table.rows:
            for key in keys:
                raw = row.raw.get(key)
                if isinstance(raw, str):
                    yield table, row.number, key, raw


def fullwidth(tables: Tables) -> Iterator[Problem]:
    """Full-width digits, letters or brackets in identifiers (１２０１, Ｂ座) — fixable."""
    for table, number, key, raw in _identifier_cells(tables):
        if has_fullwidth(raw):
            yield _problem("fullwidth", "check.fullwidth", table, number, key, raw, fix=to_identifier(raw))


def whitespace(tables: Tables) -> Iterator[Problem]:
    """Spaces or line breaks inside or around identifiers (`3-2-1201 `, `3-2-\\n1201`) — fixable."""
    for table, number, key, raw in _identifier_cells(tables):
        if raw != "".join(raw.split()) and not has_fullwidth(raw):
            yield _problem("whitespace", "check.whitespace", table, number, key, raw, fix=to_identifier(raw))


_DATE_KINDS = (Kind.DATE, Kind.DATETIME, Kind.PERIOD)


ERROR_CELL = "value.error_cell"


def error_cells(tables: Tables) -> Iterator[Problem]:
    """Cells showing an error (`#N/A`, `#REF!`, `#DIV/0!`…) in any column: a broken formula or reference.
    Read as blank, so every command goes on without the value: the check names each one."""
    for table in tables.values():
        for p in table.problems:
            if p.key == ERROR_CELL:
                yield replace(p, check="error-cells")


def dates(tables: Tables) -> Iterator[Problem]:
    """Cells of date or period columns that are not dates."""
    for table in tables.values():
        for p in table.problems:
            if table.spec.column(p.column_key).kind in _DATE_KINDS and p.key != ERROR_CELL:
                yield replace(p, check="dates")


def types(tables: Tables) -> Iterator[Problem]:
    """Other cells that cannot be read as their column's type (a number column holding text, an ID
    number that Excel turned into a number and so lost its last digits)."""
    for table in tables.values():
        for p in table.problems:
            if table.spec.column(p.column_key).kind not in _DATE_KINDS and p.key != ERROR_CELL:
                yield p


def choices(tables: Tables) -> Iterator[Problem]:
    """Drop-down columns (房屋状态, 方式, 状态…) holding a value outside their list."""
    for table in tables.values():
        for col in table.spec.columns:
            if col.kind is not Kind.ENUM or col.key not in table.columns:
                continue
            for row in table.rows:
                value = row.values.get(col.key)
                if value is not None and value not in col.choices:
                    yield _problem("choices", "check.status", table, row.number, col.key, value,
                                   choices="/".join(col.choices))


SHEET_NEARLY_FULL = 0.9  # of the rows a sheet holds


def sheet_size(tables: Tables) -> Iterator[Problem]:
    """A register's last sheet past 90% of the 1,048,576 rows a sheet holds: it will continue in the next
    sheet (应收账单 → 应收账单2), which every command reads with it."""
    from ..store.schema import continuation_name, norm_header
    from ..store.workbook import sheet_rows

    limit = sheet_rows()
    for table in tables.values():
        parts = table.parts or [table]
        last = parts[-1]
        if last.last_row > SHEET_NEARLY_FULL * limit:
            english = norm_header(parts[0].name) == norm_header(table.spec.key)
            yield _problem("sheet-size", "check.sheet_size", last, None, None, None, rows=last.last_row,
                           limit=limit, percent=round(100 * last.last_row / limit),
                           next=continuation_name(table.spec, len(parts) + 1, english=english))


CHECKS: dict[str, Check] = {
    "duplicate-unit": duplicate_unit,
    "duplicate-id": duplicate_id,
    "required": required,
    "phone": phone,
    "idno": idno,
    "area": area,
    "unknown-unit": unknown_unit,
    "fullwidth": fullwidth,
    "whitespace": whitespace,
    "error-cells": error_cells,
    "dates": dates,
    "types": types,
    "choices": choices,
    "sheet-size": sheet_size,
}


def run(tables: Tables, names: Iterable[str] | None = None) -> list[Problem]:
    """Problems found by the named checks (all when none are named), in check order."""
    selected = list(names) if names else list(CHECKS)
    found: list[Problem] = []
    for name in selected:
        found.extend(CHECKS[name](tables))
    return found

