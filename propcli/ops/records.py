"""Registers read as typed records: one frozen dataclass per register, its fields the schema's column
keys holding the schema's typed values (Decimal, date, text identifiers), plus `row`, the row number
Excel shows, for messages that point at the cell. Declared here once; a test keeps each in step with
its sheet in `store/schema.py`.

    for o in records(wb, Owner): o.unit_id, o.area, o.parts.building, o.row
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import ClassVar, TypeVar

from ..domain.people import UnitParts, unit_parts
from ..store import schema
from ..store.reader import Row
from ..store.workbook import Workbook

R = TypeVar("R", bound="Record")


@dataclass(frozen=True, slots=True)
class Record:
    SPEC: ClassVar[schema.Sheet]
    row: int  # the row number in the sheet

    @classmethod
    def from_row(cls: type[R], row: Row) -> R:
        return cls(row.number, *(row.values.get(f.name) for f in fields(cls)[1:]))

    def values(self) -> dict[str, object]:
        """The register's columns as a dict (what `Table.records()` gives for a row)."""
        return {f.name: getattr(self, f.name) for f in fields(self)[1:]}


def records(wb: Workbook, cls: type[R], *, required: bool = True) -> list[R]:
    """Every row of `cls`'s register, in sheet order (a missing register: an error, or [] if not `required`)."""
    return [cls.from_row(r) for r in wb.read(cls.SPEC, required=required).rows]


@dataclass(frozen=True, slots=True)
class Owner(Record):
    SPEC: ClassVar[schema.Sheet] = schema.OWNERS
    unit_id: str | None = None
    building: str | None = None
    entrance: str | None = None
    room: str | None = None
    owner_name: str | None = None
    phone: str | None = None
    id_no: str | None = None
    area: Decimal | None = None
    household_size: int | None = None
    status: str | None = None
    move_in_date: dt.date | None = None
    tenant_name: str | None = None
    tenant_phone: str | None = None
    parking: str | None = None
    notes: str | None = None

    @property
    def parts(self) -> UnitParts:
        """楼栋/单元/室号: the record's own cells where filled, else what its 房号 says."""
        return unit_parts(self.unit_id or "", building=self.building, entrance=self.entrance, room=self.room)


@dataclass(frozen=True, slots=True)
class WorkOrder(Record):
    """报修工单: one repair request from report to return visit."""

    SPEC: ClassVar[schema.Sheet] = schema.WORK_ORDERS
    order_no: str | None = None
    unit_id: str | None = None
    reported_at: dt.datetime | None = None
    reporter: str | None = None
    phone: str | None = None
    category: str | None = None
    content: str | None = None
    convenient_time: str | None = None
    paid: str | None = None
    assign_due: dt.datetime | None = None
    assigned_to: str | None = None
    assigned_at: dt.datetime | None = None
    status: str | None = None
    done_due: dt.datetime | None = None
    done_at: dt.datetime | None = None
    leak_test_at: dt.datetime | None = None
    visit_due: dt.datetime | None = None
    visited_at: dt.datetime | None = None
    visited_by: str | None = None
    visit_result: str | None = None
    satisfaction: str | None = None
    reopened: int | None = None
    charge: Decimal | None = None
    bill_id: str | None = None


@dataclass(frozen=True, slots=True)
class Complaint(Record):
    """投诉记录: one complaint from receipt to resolution."""

    SPEC: ClassVar[schema.Sheet] = schema.COMPLAINTS
    complaint_no: str | None = None
    unit_id: str | None = None
    received_at: dt.datetime | None = None
    complainant: str | None = None
    phone: str | None = None
    severity: str | None = None
    subject: str | None = None
    department: str | None = None
    requested_by: dt.date | None = None
    status: str | None = None
    forward_due: dt.datetime | None = None
    forwarded_to: str | None = None
    forwarded_at: dt.datetime | None = None
    answer_due: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    resolve_due: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    result: str | None = None
