"""Meter readings: one at the desk (`record`), a reader's whole sheet (`import_file`), and the anomalies
to look at before billing. A reading below the previous one is refused unless it is marked as a meter
replacement (换表 `旧表止数/新表起数`) or a rollover (翻转)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..domain.people import unit_sort_key
from ..domain.readings import (
    ANOMALY_KINDS, Anomaly, Mark, ReadingError, Usage, anomalies as find_anomalies, parse_mark, usage_between, usages,
)
from ..errors import DataError, Location, located
from ..i18n import tr
from ..store import schema
from ..store.normalize import ValueProblem, clean_text, coerce, is_blank, to_identifier
from ..store.reader import find_header, is_subtotal, sheet_grids
from ..store.workbook import HEADER_ONLY, Workbook
from . import ledger
from .units import one_owner


def _check_meter(meter: str) -> str:
    meter = clean_text(meter)
    if meter not in schema.METERS:
        raise DataError("meter.unknown", None, value=repr(meter), choices="/".join(schema.METERS))
    return meter


@dataclass
class Recorded:
    record: dict
    usage: Decimal | None  # None: the meter's first (base) reading
    previous: Decimal | None
    previous_period: str | None


def _follow(series: list[Usage], period: str, reading: Decimal, mark: Mark, *,
            correct: bool = False) -> tuple[Usage | None, Decimal | None]:
    """A new reading checked against its meter's series: no later period read already (unless it
    corrects its own period), and not below the last good reading unless a 换表/翻转 mark says why.
    Returns that last reading and the usage from it (None, None for the meter's first reading);
    raises ReadingError."""
    later = [u.period for u in series if u.period > period]
    if later and not correct:
        raise ReadingError("meter.later_exists", later=later[-1])
    good = [u for u in series if u.period < period and u.error is None]
    last = good[-1] if good else None
    return last, usage_between(last.current, reading, mark) if last is not None else None


def record(wb: Workbook, unit: str, meter: str, reading: Decimal, *, period: str, read_date: dt.date | None,
           reader: str | None = None, mark: Mark = None, correct: bool = False,
           notes: str | None = None) -> Recorded:
    """Stage one reading (or, with `correct`, change the period's reading already recorded)."""
    unit = str(one_owner(wb, unit)[1].values["unit_id"])
    meter = _check_meter(meter)
    if reading < 0:
        raise DataError("meter.negative", None, value=repr(str(reading)))
    table = wb.read(schema.READINGS, required=False, only=("unit_id", unit))
    series = usages(ledger.readings_of(table)).get((unit, meter), [])
    same = next((r for r in table.rows if r.values.get("meter") == meter and r.values.get("period") == period), None)
    if same is not None and not correct:
        raise DataError("meter.exists", table.location(same.number, "reading"), unit=unit, meter=meter,
                        period=period, value=repr(str(same.values.get("reading"))))
    if same is None and correct:
        raise DataError("meter.nothing_to_correct", None, unit=unit, meter=meter, period=period)
    try:
        last, usage = _follow(series, period, reading, mark, correct=correct)
    except ReadingError as exc:
        raise located(exc, unit=unit, meter=meter, period=period) from None
    values = {"unit_id": unit, "meter": meter, "period": period, "read_date": read_date, "reading": reading,
              "reader": reader or None, "replacement": str(mark) if mark is not None else None, "notes": notes}
    if same is not None:
        wb.update(table, same, {k: v for k, v in values.items() if k not in ("unit_id", "meter", "period")},
                  key=f"{unit} {meter} {period}")
    else:
        wb.append(table, [values], key_column="unit_id")
    return Recorded(values, usage, last.current if last else None, last.period if last else None)


# -- a reader's sheet ------------------------------------------------------------------------------

# Headers meter readers' sheets use beyond the register's own names.
EXTRA_HEADERS = {
    "本月读数": "reading", "本期读数": "reading", "抄表读数": "reading", "止码": "reading", "本次止码": "reading",
    "表类型": "meter", "表具类型": "meter", "表计类型": "meter", "表具": "meter",
    "月份": "period", "抄表月份": "period", "所属期": "period",
    "抄表员": "reader", "读表人": "reader", "换表记录": "replacement",
}
# A wide sheet: one reading column per meter (房号 | 水表 | 电表).
WIDE = {"水表": "水表", "水表读数": "水表", "水表本月读数": "水表", "water": "水表",
        "电表": "电表", "电表读数": "电表", "电表本月读数": "电表", "electricity": "电表", "power": "电表",
        "燃气表": "燃气表", "燃气表读数": "燃气表", "气表": "燃气表", "gas": "燃气表"}


@dataclass
class Rejected:
    sheet: str
    row: int
    cells: list[object]
    reason: str
    column: str = ""  # the reader's header of the cell at fault, when one is


@dataclass
class ImportResult:
    source: str
    taken: list[dict] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    already: int = 0  # readings already in the register with the same value
    error_file: Path | None = None
    headers: list[str] = field(default_factory=list)


def import_file(wb: Workbook, path: Path, *, period: str | None = None, meter: str | None = None,
                lang: str = "zh") -> ImportResult:
    """Stage the readings of a reader's xlsx/csv. Every row not taken is in `rejected` with its reason
    (and in `<file>.errors.csv` beside the input); nothing is staged for it. A row's 账期 is its own
    column, else `period`, else the month of its 抄表日期."""
    if meter is not None:
        meter = _check_meter(meter)
    owners = ledger.units(wb.read(schema.OWNERS))
    series = ledger.usage_map(wb)  # column by column: a big estate's register is not built row by row
    recorded = {(u.unit, u.meter, u.period): u.current for s in series.values() for u in s}
    result = ImportResult(path.name)
    taken_here: dict[tuple[str, str, str], int] = {}
    found_any = False
    for name, grid in sheet_grids(path):
        h, columns, headers, width = find_header(grid, schema.READINGS, EXTRA_HEADERS)
        if h < 0 or "unit_id" not in columns:
            continue
        wide = {j: WIDE[schema.norm_header(c)] for j, c in enumerate(grid[h])
                if not is_blank(c) and schema.norm_header(c) in WIDE}
        if "reading" not in columns and not wide:
            continue
        found_any = True
        if "period" not in columns and period is None and "read_date" not in columns:
            raise DataError("meter.no_period", Location(path.name, name))
        result.headers = [clean_text(c) for c in grid[h]]

        def reject(number: int, cells: list[object], key: str, at: str = "", **params: object) -> None:
            idx = wide_at if at == "wide" else columns.get(at, -1)
            column = clean_text(grid[h][idx]) if 0 <= idx < len(grid[h]) else ""
            result.rejected.append(Rejected(name, number, list(cells), tr(key, lang, **params), column))

        for i in range(h + 1, len(grid)):
            cells = list(grid[i])
            number = i + 1
            if all(is_blank(v) for v in cells) or is_subtotal(cells):
                continue

            def cell(key: str) -> object:
                idx = columns.get(key, -1)
                return cells[idx] if 0 <= idx < len(cells) else None

            try:
                unit = to_identifier(cell("unit_id")) if not is_blank(cell("unit_id")) else ""
            except ValueProblem as exc:
                reject(number, cells, exc.key, "unit_id", value=repr(cell("unit_id")))
                continue
            if not unit:
                reject(number, cells, "meter.no_unit", "unit_id")
                continue
            if unit not in owners:
                reject(number, cells, "owner.unknown", "unit_id", unit=unit)
                continue
            try:
                row_period = coerce(cell("period"), schema.Kind.PERIOD) if not is_blank(cell("period")) else period
                read_date = coerce(cell("read_date"), schema.Kind.DATE) if not is_blank(cell("read_date")) else None
                mark = parse_mark(cell("replacement"))
            except ValueProblem as exc:
                reject(number, cells, exc.key, _bad_column(exc.value, cell), value=repr(exc.value))
                continue
            except ReadingError as exc:
                reject(number, cells, exc.key, "replacement", **exc.params)
                continue
            if row_period is None and read_date is not None:
                row_period = f"{read_date:%Y-%m}"  # a reader's sheet dated 25 November is November's
            if row_period is None:
                reject(number, cells, "meter.no_period", "period")
                continue
            if wide:
                pairs = [(m, cells[j] if j < len(cells) else None) for j, m in wide.items()]
            else:
                pairs = [(cell("meter") or meter, cell("reading"))]
            for j_meter, (row_meter, value) in zip(wide or [columns.get("reading", -1)], pairs):
                wide_at = j_meter
                if is_blank(value):
                    if not wide:
                        reject(number, cells, "meter.no_reading", "reading")
                    continue
                if is_blank(row_meter):
                    reject(number, cells, "meter.no_meter", "meter")
                    continue
                row_meter = clean_text(row_meter)
                if row_meter not in schema.METERS:
                    reject(number, cells, "meter.unknown", "meter", value=repr(row_meter), choices="/".join(schema.METERS))
                    continue
                try:
                    reading = coerce(value, schema.Kind.DECIMAL)
                except ValueProblem as exc:
                    reject(number, cells, exc.key, "wide" if wide else "reading", value=repr(value))
                    continue
                key = (unit, row_meter, str(row_period))
                if key in taken_here:
                    reject(number, cells, "meter.twice", "wide" if wide else "reading", unit=unit, meter=row_meter, row=taken_here[key])
                    continue
                if key in recorded:
                    old = recorded[key]
                    if old == reading:
                        result.already += 1
                    else:
                        reject(number, cells, "meter.exists", "wide" if wide else "reading", unit=unit, meter=row_meter, period=row_period,
                               value=repr(str(old)))
                    continue
                try:
                    _follow(series.get((unit, row_meter), []), str(row_period), reading, mark)
                except ReadingError as exc:
                    reject(number, cells, exc.key, "wide" if wide else "reading", unit=unit, meter=row_meter, period=row_period, **exc.params)
                    continue
                taken_here[key] = number
                result.taken.append({
                    "unit_id": unit, "meter": row_meter, "period": row_period, "read_date": read_date,
                    "reading": reading, "reader": clean_text(cell("reader")) or None,
                    "replacement": str(mark) if mark is not None else None,
                    "notes": clean_text(cell("notes")) or None,
                })
    if not found_any:
        raise DataError("meter.no_columns", Location(path.name))
    if result.taken:
        table = wb.read(schema.READINGS, required=False, only=HEADER_ONLY)
        wb.append(table, result.taken, journal=False)
        wb.log(table.name, path.name, "", f"导入 {len(result.taken)} 条读数")
    if result.rejected:
        result.error_file = path.with_name(f"{path.stem}.errors.csv")
    return result


def _bad_column(value: object, cell) -> str:  # type: ignore[no-untyped-def]
    """Which of 账期, 抄表日期 and 换表 held the value a row was refused for."""
    return next((k for k in ("period", "read_date", "replacement") if cell(k) == value), "")


def errors_csv(result: ImportResult, lang: str) -> str:
    """What `<file>.errors.csv` beside the input holds: every row not taken, as it was, with the reason.
    The command writes it (not a dry run, which writes nothing at all)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    heads = ("工作表", "行号", "原因") if lang == "zh" else ("sheet", "row", "reason")
    writer.writerow([*heads, *result.headers])
    for r in result.rejected:
        writer.writerow([r.sheet, r.row, r.reason, *("" if v is None else v for v in r.cells)])
    return "\ufeff" + buf.getvalue()


# -- anomalies -------------------------------------------------------------------------------------


TRUST_LIMITS = {"水表": "trust_water", "电表": "trust_power"}  # meter → its 托管 limit in 小区信息


def trust_limits(wb: Workbook) -> dict[str, Decimal]:
    """小区信息 › 托管用水上限 / 托管用电上限 (default 5 m³ and 20 kWh a month); a value that is not a number of
    0 or more stops the command, naming its cell."""
    settings, out = wb.settings(), {}
    for meter, key in TRUST_LIMITS.items():
        text = settings.get(key) or next(d for k, _, d in schema.ESTATE_SETTINGS if k == key)
        try:
            value = coerce(text, schema.Kind.DECIMAL)
        except ValueProblem:
            value = None
        if value is None or value < 0:
            raise DataError("setting.trust_limit", ledger.setting_location(wb, key), value=repr(text), typed=text)
        out[meter] = value
    return out


def anomalies(wb: Workbook, period: str) -> list[Anomaly]:
    owners = wb.read(schema.OWNERS)
    statuses = {str(r.values["unit_id"]): r.values.get("status") for r in owners.rows if r.values.get("unit_id")}
    found = find_anomalies(ledger.usage_map(wb), period, statuses, trust_limits(wb))  # type: ignore[arg-type]
    order = {k: i for i, k in enumerate(ANOMALY_KINDS)}
    return sorted(found, key=lambda a: (order[a.kind], unit_sort_key(a.unit), a.meter))

