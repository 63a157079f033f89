"""The registers as the domain rules see them: rates, readings, units and the estate's money settings,
read from a workbook with every bad cell reported by sheet, row, column and value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from ..domain.billing import Rate, RateError, Unit, due_date, parse_rate
from ..domain.money import Rounding, parse_rounding
from ..domain.readings import Reading, ReadingError, Usage, parse_mark, usages
from ..errors import DataError, Location, located
from ..store import schema
from ..store.reader import Row, Table
from ..store.workbook import ROW_NUMBER, Workbook


def parse_rates(table: Table) -> tuple[list[Rate], list[tuple[Row, RateError]]]:
    """收费标准's rows as Rates, and the rows that cannot bill with what is wrong with them."""
    rates, bad = [], []
    for row in table.rows:
        try:
            rates.append(parse_rate(row.values, row.number))
        except RateError as exc:
            bad.append((row, exc))
    return rates, bad


def rates(wb: Workbook) -> list[Rate]:
    """收费标准 as Rates; a row that cannot bill stops the command, naming its cell."""
    table = wb.read(schema.RATES)
    out, bad = parse_rates(table)
    if bad:
        row, exc = bad[0]
        raise located(exc, table.location(row.number, exc.column), value=rate_value(row, exc) or "")
    if not out:
        raise DataError("rate.none", table.location())
    return out


def rate_value(row: Row, exc: RateError) -> object:
    """The cell a RateError is about, as the clerk typed it."""
    return row.raw.get(exc.column, exc.value)


def units(table: Table) -> dict[str, Unit]:
    out: dict[str, Unit] = {}
    for row in table.rows:
        v = row.values
        unit = v.get("unit_id")
        if unit is None or unit in out:
            continue
        out[str(unit)] = Unit(str(unit), v.get("area"), v.get("status"), v.get("household_size"),  # type: ignore[arg-type]
                              v.get("parking"))  # type: ignore[arg-type]
    return out


READING_KEYS = ("unit_id", "meter", "period", "reading", "replacement")


def readings_of(table: Table) -> list[Reading]:
    """Typed 抄表记录 rows as Readings (rows missing a unit, meter, period or reading are left to `check`)."""
    return _readings(zip(*([r.values.get(k) for r in table.rows] for k in READING_KEYS),
                         (r.number for r in table.rows)))


def _readings(rows) -> list[Reading]:  # type: ignore[no-untyped-def]
    out = []
    for unit, meter, period, value, replacement, number in rows:
        if unit is None or meter is None or period is None or value is None:
            continue
        mark, bad = None, None
        if replacement is not None:
            try:
                mark = parse_mark(replacement)
            except ReadingError as exc:
                bad = exc
        out.append(Reading(str(unit), str(meter), str(period), value, mark, number, bad))
    return out


def usage_map(wb: Workbook, periods: tuple[str, str] | None = None) -> dict[tuple[str, str], list[Usage]]:
    """Every meter's usage series (or its usages of `periods`, first to last: `usages`), read column by
    column (no Row per reading)."""
    if not wb.has(schema.READINGS):
        return {}
    cols = wb.columns(schema.READINGS, (*READING_KEYS, ROW_NUMBER))
    return usages(_readings(zip(*(cols[k] for k in READING_KEYS), cols[ROW_NUMBER])), periods)


def estate_of(wb: Workbook) -> dict[str, str]:
    """小区信息 for a report's title and templates; 小区名称 defaults to the workbook's file name."""
    settings = wb.settings()
    settings["name"] = settings.get("name") or wb.name
    return settings


def rounding(wb: Workbook) -> Rounding:
    text = wb.settings().get("rounding")
    try:
        return parse_rounding(text)
    except ValueError:
        raise DataError("setting.rounding", setting_location(wb, "rounding"), value=repr(text)) from None


def days_setting(wb: Workbook, key: str, error: str = "setting.days") -> int:
    """A 小区信息 setting that is a number of days (blank: its default). A value that is not a whole
    number of 0 or more stops the command, naming its cell (the error's `typed` holds it as written)."""
    text = wb.settings().get(key) or next(d for k, _, d in schema.ESTATE_SETTINGS if k == key)
    try:
        days = int(Decimal(text))
    except Exception:
        days = -1
    if days < 0:
        raise DataError(error, setting_location(wb, key), value=repr(text), typed=text)
    return days


def due_days(wb: Workbook) -> int:
    return days_setting(wb, "due_days", "setting.due_days")


def bill_due(wb: Workbook) -> Callable[[object, object], dt.date | None]:
    """A bill's due day from its 账期 and 应缴日期 cells: the 应缴日期, or when blank the 缴费期限 rule for its
    账期 (`domain.billing.due_date`; the setting read once, only if a bill needs it); None with neither."""
    days: list[int] = []

    def due_of(period: object, due: object) -> dt.date | None:
        if due is not None or period is None:
            return due  # type: ignore[return-value]
        if not days:
            days.append(due_days(wb))
        return due_date(str(period), days[0])

    return due_of


def setting_row(wb: Workbook, key: str) -> tuple[Table, str, Row | None]:
    """小区信息, the label of setting `key` (e.g. 最后收据号) and its row, found by label or key."""
    label = next(label for k, label, _ in schema.ESTATE_SETTINGS if k == key)
    table = wb.read(schema.ESTATE, required=False)
    names = {schema.norm_header(label), schema.norm_header(key)}
    return table, label, next((r for r in table.rows if schema.norm_header(r.values.get("item") or "") in names), None)


def setting_location(wb: Workbook, key: str) -> Location:
    table, label, row = setting_row(wb, key)
    return table.location(row.number, "value") if row else Location(wb.name, table.name, None, label)
