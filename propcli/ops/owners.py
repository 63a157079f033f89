"""The owners register: listing, the dossier of one unit, search, and the changes a clerk makes.

Functions here read through a `Workbook` and stage changes on it; the caller commits (or not, for a
dry run). Validation errors are `DataError`s naming the offending value and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain.people import building_name, idno_problem, initials, phone_problem, unit_parts, unit_sort_key
from ..errors import DataError, Location, located
from ..store import schema
from ..store.normalize import ValueProblem, check_unit_id, coerce, to_identifier
from ..store.workbook import Workbook, current_operator
from .meters import record as record_reading
from .records import Owner, records
from .units import one_owner

DOSSIER_REGISTERS = (schema.TRANSFERS, schema.READINGS, schema.BILLS, schema.PAYMENTS, schema.REMINDERS,
                     schema.WORK_ORDERS, schema.COMPLAINTS)


def list_owners(wb: Workbook, *, building: str | None = None, status: str | None = None) -> list[dict]:
    owners = records(wb, Owner)
    if building:
        wanted = building_name(building)
        owners = [o for o in owners if o.parts.building == wanted]
    if status:
        owners = [o for o in owners if o.status == status]
    return [o.values() for o in sorted(owners, key=lambda o: unit_sort_key(o.unit_id or ""))]


@dataclass
class Dossier:
    """Everything the registers hold about one unit."""

    unit: str
    profile: dict
    registers: dict[str, list[dict]] = field(default_factory=dict)  # register key → its rows for the unit


def dossier(wb: Workbook, unit: str) -> Dossier:
    wb.prefetch(schema.OWNERS, *DOSSIER_REGISTERS, rows=True)  # every column, of the unit's rows only
    _, row = one_owner(wb, unit)
    unit = str(row.values["unit_id"])  # as registered, however the clerk wrote it
    wb.search_ahead(DOSSIER_REGISTERS, ("unit_id", unit))  # the big sheets (L's) on both cores
    out = Dossier(unit, {c.key: row.values.get(c.key) for c in schema.OWNERS.columns})
    for spec in DOSSIER_REGISTERS:
        if not wb.has(spec):
            continue
        table = wb.read(spec, only=("unit_id", unit))
        if "unit_id" in table.columns:
            out.registers[spec.key] = table.records()
    return out


@dataclass(frozen=True)
class Match:
    record: dict
    why: str  # unit / name / phone / pinyin / tenant


_ASCII_LETTERS = re.compile(r"^[A-Za-z]+$")


def find(wb: Workbook, text: str) -> list[Match]:
    """Owners whose unit, name, phone tail, tenant, or pinyin initials (zs → 张三) match `text`."""
    q = unicodedata.normalize("NFKC", text).strip()
    if not q:
        return []
    q_unit = to_identifier(q).lower()
    digits = q.isdigit() and len(q) >= 3
    letters = bool(_ASCII_LETTERS.match(q))
    out: list[Match] = []
    for o in records(wb, Owner):
        unit, name = o.unit_id or "", o.owner_name or ""
        why = None
        if q_unit and q_unit in unit.lower():
            why = "unit"
        elif name and q in name:
            why = "name"
        elif digits and any((p or "").endswith(q) for p in (o.phone, o.tenant_phone)):
            why = "phone"
        elif q in (o.tenant_name or ""):
            why = "tenant"
        elif letters and name and any(s.startswith(q.lower()) for s in initials(name)):
            why = "pinyin"
        if why:
            out.append(Match(o.values(), why))
    order = {"unit": 0, "name": 1, "phone": 2, "pinyin": 3, "tenant": 4}
    return sorted(out, key=lambda m: (order[m.why], unit_sort_key(str(m.record.get("unit_id") or ""))))


# -- changes ---------------------------------------------------------------------------------------

EDITABLE = ("owner_name", "phone", "id_no", "area", "household_size", "status", "move_in_date", "tenant_name",
            "tenant_phone", "parking", "notes", "building", "entrance", "room")


def clean_fields(values: Mapping[str, object]) -> dict[str, object]:
    """Typed and validated field values as a clerk typed them on the command line ('' clears a field)."""
    out: dict[str, object] = {}
    for key, value in values.items():
        if value is None:
            continue
        col = schema.OWNERS.column(key)
        if value == "":
            if col.required:
                raise DataError("check.required", None, column=col.zh)
            out[key] = None
            continue
        field = Location(column=col.zh)
        try:
            typed = coerce(value, col.kind)
        except ValueProblem as exc:
            raise located(exc, field, value=value) from None
        if col.kind is schema.Kind.PHONE:
            reason = phone_problem(str(typed))
            if reason:
                raise DataError(reason[0], field, value=repr(typed), **reason[1])
        if col.kind is schema.Kind.IDNO:
            reason = idno_problem(str(typed))
            if reason:
                raise DataError(reason[0], field, value=repr(typed), **reason[1])
        if key == "area" and isinstance(typed, Decimal) and typed <= 0:
            raise DataError("check.area", field, value=repr(str(value)))
        if col.kind is schema.Kind.ENUM and typed not in col.choices:
            raise DataError("check.status", field, value=repr(typed), choices="/".join(col.choices))
        out[key] = typed
    return out


def add(wb: Workbook, unit: str, values: Mapping[str, object]) -> dict:
    """Register a new unit. Building, entrance and room default to the parts of the unit id."""
    owners = wb.read(schema.OWNERS)
    try:
        unit = check_unit_id(unit)  # a new 房号: letters, digits, - and unit words; never a path
    except ValueProblem as exc:
        raise located(exc, Location(column=schema.UNIT.zh)) from None
    existing = owners.index("unit_id").get(unit)
    if existing is not None:
        raise DataError("owner.exists", None, unit=unit, row=existing.number)
    record = {"unit_id": unit, **clean_fields(values)}
    for key in ("owner_name", "area"):
        if record.get(key) is None:
            raise DataError("check.required", None, column=schema.OWNERS.column(key).zh)
    building, entrance, room = unit_parts(unit)
    record.setdefault("building", building or None)
    record.setdefault("entrance", entrance or None)
    record.setdefault("room", room or None)
    ordered = {c.key: record.get(c.key) for c in schema.OWNERS.columns}
    wb.append(owners, [ordered], key_column="unit_id")
    return ordered


def update(wb: Workbook, unit: str, values: Mapping[str, object]) -> dict:
    """Change some fields of a unit's record; returns {field: (before, after)} of what changes."""
    owners, row = one_owner(wb, unit)
    changes = clean_fields(values)
    if not changes:
        raise DataError("owner.no_change")
    before = {k: row.values.get(k) for k in changes}
    wb.update(owners, row, changes, key=str(row.values["unit_id"]))
    return {k: (before[k], changes[k]) for k in changes if before[k] != changes[k]}


def transfer(wb: Workbook, unit: str, *, to: str, date: dt.date, phone: str | None = None,
             id_no: str | None = None, settled: Decimal | None = None, operator: str = "") -> dict:
    """过户: the new owner takes the unit on `date`; the old owner's phone and ID go with them, and the
    transfer is kept in 过户记录 (bills before `date` stay with the old owner)."""
    owners, row = one_owner(wb, unit)
    unit = str(row.values["unit_id"])
    old = row.values.get("owner_name")
    to = " ".join(to.split())
    if old == to:
        raise DataError("owner.same_owner", None, unit=unit, name=to)
    transfers = wb.read(schema.TRANSFERS, required=False)
    earlier = [r.values["date"] for r in transfers.where("unit_id", unit) if isinstance(r.values.get("date"), dt.date)]
    if earlier and max(earlier) > date:
        raise DataError("owner.transfer_before_move_in", None, date=date.isoformat(), last=max(earlier).isoformat())
    fields = clean_fields({"owner_name": to, "phone": phone if phone is not None else "",
                           "id_no": id_no if id_no is not None else ""})
    wb.update(owners, row, fields, key=unit)
    record = {"unit_id": unit, "date": date, "from_owner": old, "to_owner": to, "phone": fields.get("phone"),
              "settled": settled, "operator": operator or current_operator()}
    wb.append(transfers, [record], key_column="unit_id")
    return record


def move_in(wb: Workbook, unit: str, *, date: dt.date, readings: Mapping[str, Decimal],
            status: str | None = None, reader: str = "") -> list[dict]:
    """入住: the move-in date, the status (空置 → 自住 unless given), and the base meter readings that
    the first utility bill will start from."""
    owners, row = one_owner(wb, unit)
    unit = str(row.values["unit_id"])
    changes: dict[str, object] = {"move_in_date": date}
    if status:
        changes.update(clean_fields({"status": status}))
    elif row.values.get("status") in (None, "空置"):
        changes["status"] = "自住"
    wb.update(owners, row, changes, key=unit)
    period = f"{date.year:04d}-{date.month:02d}"
    return [record_reading(wb, unit, meter, value, period=period, read_date=date, reader=reader or None,
                   notes="入住底数").record for meter, value in readings.items()]
