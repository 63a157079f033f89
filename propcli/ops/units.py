"""Lookups of a unit in the owners register (业主档案) that every other register's code needs: the
unit's row, and which 楼栋 a unit is in. Lower than every ops module that names a unit, so none of
them imports another for these."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from ..domain.billing import last_day
from ..domain.people import building_name, nearest_units, same_units, unit_parts
from ..errors import DataError
from ..store import schema
from ..store.normalize import to_identifier
from ..store.reader import Row, Table
from ..store.workbook import Workbook


def owner_row(table: Table, unit: str) -> Row:
    unit = to_identifier(unit)
    row = table.index("unit_id").get(unit)
    if row is None:
        raise unknown_unit(unit, list(table.index("unit_id")))
    return row


_NUMBER = re.compile(r"(?i:sj|zd)\d+")


def typed_number(text: str) -> str:
    """A 收据号 or 账单号 as the clerk may type it: `sj2026000123` is SJ2026000123 (the register's numbers
    are upper-case; only the prefix's case is read generously)."""
    text = to_identifier(text)
    return text.upper() if _NUMBER.fullmatch(text) else text


def numbered_row(wb: Workbook, spec: schema.Sheet, column: str, number: str, missing: str,
                 param: str) -> tuple[Table, Row]:
    """The row of a 收据号 or 账单号 (read for that number only), or the DataError `missing` naming it."""
    number = typed_number(number)
    table = wb.read(spec, only=(column, number))
    row = table.index(column).get(number)
    if row is None:
        raise DataError(missing, None, **{param: number})
    return table, row


def unknown_unit(unit: str, known: list[str]) -> DataError:
    """`找不到房号 9-2-1201`, with the nearest registered ids when there are any."""
    near = nearest_units(unit, known)
    if near:
        return DataError("owner.unknown_near", None, unit=unit, near=list(near))
    return DataError("owner.unknown", None, unit=unit)


def resolve_unit(wb: Workbook, unit: str) -> str:
    """The registered 房号 the clerk means: as typed, else written another way (`3栋2单元1201`,
    `3号楼2单元1201`, `03-02-1201` for 3-2-1201) when that reading fits exactly one unit. An ambiguous
    reading names the candidates; an unknown unit gets the nearest ids as suggestions."""
    unit = to_identifier(unit)
    known = [str(u) for u in wb.columns(schema.OWNERS, ("unit_id",))["unit_id"] if u not in (None, "")]
    if unit in known:
        return unit
    same = same_units(unit, known)
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        raise DataError("owner.ambiguous", None, unit=unit, units=list(same[:10]))
    raise unknown_unit(unit, known)


def one_owner(wb: Workbook, unit: str) -> tuple[Table, Row]:
    """The register read for one unit only (a change to one unit need not type the whole register)."""
    table = wb.read(schema.OWNERS, only=("unit_id", to_identifier(unit)))
    if to_identifier(unit) in table.index("unit_id"):
        return table, owner_row(table, unit)
    unit = resolve_unit(wb, unit)
    table = wb.read(schema.OWNERS, only=("unit_id", unit))
    return table, owner_row(table, unit)


def building_lookup(wb: Workbook) -> Callable[[str], str]:
    """楼栋 of a 房号 as every report files it: the owners register's 楼栋 cell when it has one, else
    what the 房号 says (`unit_parts`); '' when neither does. Read once, remembered per unit, so a report
    over 200,000 bills asks it for every bill."""
    named: dict[str, str] = {}
    if wb.has(schema.OWNERS):
        cols = wb.columns(schema.OWNERS, ("unit_id", "building"))
        named = {str(u): building_name(b) for u, b in zip(cols["unit_id"], cols["building"])
                 if u is not None and b not in (None, "")}
    known: dict[str, str] = {}

    def building_of(unit: str) -> str:
        found = known.get(unit)
        if found is None:
            found = known[unit] = named.get(unit) or unit_parts(unit).building
        return found

    return building_of


def transfers(wb: Workbook) -> dict[str, list[tuple[dt.date, str]]]:
    """Per unit, its 过户 (day, seller) in date order."""
    out: dict[str, list[tuple[dt.date, str]]] = {}
    for row in wb.read(schema.TRANSFERS, required=False).rows:
        v = row.values
        if v.get("unit_id") and isinstance(v.get("date"), dt.date) and v.get("from_owner"):
            out.setdefault(str(v["unit_id"]), []).append((v["date"], str(v["from_owner"])))  # type: ignore[arg-type]
    for moves in out.values():
        moves.sort()
    return out


def former_owner(moves: Sequence[tuple[dt.date, str]], period: str) -> tuple[dt.date, str] | None:
    """The owner a bill of `period` belongs to when that was before a transfer (bills before a 过户 stay
    with the old owner): the first transfer after the period's last day, and who sold."""
    if not moves or not period:
        return None
    end = last_day(period)
    return next(((day, seller) for day, seller in moves if day > end), None)
