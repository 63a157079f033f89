"""Lookups of a unit in the owners register (业主档案) that every other register's code needs: the
unit's row, and which 楼栋 a unit is in. Lower than every ops module that names a unit, so none of
them imports another for these."""

from __future__ import annotations

from collections.abc import Callable

from ..domain.people import building_name, unit_parts
from ..errors import DataError
from ..store import schema
from ..store.normalize import to_identifier
from ..store.reader import Row, Table
from ..store.workbook import Workbook


def owner_row(table: Table, unit: str) -> Row:
    unit = to_identifier(unit)
    row = table.index("unit_id").get(unit)
    if row is None:
        raise DataError("owner.unknown", None, unit=unit)
    return row


def one_owner(wb: Workbook, unit: str) -> tuple[Table, Row]:
    """The register read for one unit only (a change to one unit need not type the whole register)."""
    table = wb.read(schema.OWNERS, only=("unit_id", to_identifier(unit)))
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
