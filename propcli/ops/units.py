"""Lookups of a unit in the owners register (业主档案) that every other register's code needs: the
unit's row, and which 楼栋 a unit is in. Lower than every ops module that names a unit, so none of
them imports another for these."""

from __future__ import annotations

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
