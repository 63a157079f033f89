"""`owners import`: take the rooms and owners of another system's export or an old ledger (xlsx, xls,
csv) into 业主档案, mapping its columns, and say why every row that was not taken was not taken."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Location, Problem
from ..store import schema
from ..store.normalize import ValueProblem, check_unit_id, clean_text, coerce, is_blank
from ..store.reader import find_header, is_subtotal, sheet_grids
from ..store.workbook import Workbook
from ..domain.people import idno_problem, phone_problem

EXAMPLE_MARKERS = ("示例", "例:", "例：", "样例", "example")
_BUILDING_SUFFIX = re.compile(r"(号楼|栋|幢|座|号)$")
_ENTRANCE_SUFFIX = re.compile(r"(单元|号)$")


@dataclass
class ImportResult:
    source: str
    sheet: str
    mapping: dict[str, str]  # source header → column key
    taken: list[dict] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)  # rows not taken, with the reason
    warnings: list[Problem] = field(default_factory=list)  # rows taken with a gap to fill later
    ignored: int = 0  # rows with nothing in the mapped columns (notes beside the table)


def parse_map(items: list[str]) -> dict[str, str]:
    """`--map 房屋编号=房号` pairs → {source header: column key}; the target may be Chinese or English."""
    out = {}
    by_name = {schema.norm_header(n): c.key for c in schema.OWNERS.columns for n in (c.zh, c.key)}
    for item in items:
        source, _, target = item.partition("=")
        key = by_name.get(schema.norm_header(target))
        if not source.strip() or key is None:
            raise DataError("import.bad_map", None, value=item)
        out[source.strip()] = key
    return out


def _choose_sheet(path: Path, sheet: str | None, extra: dict[str, str]):
    best, first = None, []
    for name, grid in sheet_grids(path):
        if sheet is not None and name != sheet:
            continue
        first = first or [str(v) for v in next((r for r in grid if any(not is_blank(c) for c in r)), [])
                           if not is_blank(v)]
        h, columns, headers, _ = find_header(grid, schema.OWNERS, extra)
        rows = sum(1 for cells in grid[h + 1:] if any(not is_blank(v) for v in cells))
        score = ("unit_id" in columns or "room" in columns, len(columns), rows)
        if h >= 0 and (best is None or score > best[0]):
            best = (score, name, grid, h, columns, headers)
    if best is None:
        if sheet is not None:
            raise DataError("import.no_sheet", None, path=path.name, sheet=sheet)
        raise DataError("import.no_unit_column", Location(path.name), found=first or "—")  # what the file starts with
    return best[1:]


def _part(value: object, suffix: re.Pattern[str]) -> str:
    text = clean_text(value)
    return suffix.sub("", text) if text else ""


def read_owners(path: Path, workbook: Workbook, *, sheet: str | None = None,
                mapping: Mapping[str, str] | None = None) -> ImportResult:
    """Rows of `path` as owner records, checked against the register; nothing is staged."""
    extra = dict(mapping or {})
    name, grid, h, columns, headers = _choose_sheet(path, sheet, extra)
    if "unit_id" not in columns and "room" not in columns:
        found = [str(v) for v in grid[h] if not is_blank(v)]
        raise DataError("import.no_unit_column", Location(path.name, name), found=found)
    result = ImportResult(path.name, name, {headers[k]: k for k in columns})
    existing = workbook.read(schema.OWNERS).index("unit_id")
    seen: dict[str, int] = {}

    def loc(number: int, key: str | None = None) -> Location:
        return Location(path.name, name, number, headers.get(key, "") if key else "")

    for i in range(h + 1, len(grid)):
        cells = grid[i]
        number = i + 1
        if all(is_blank(v) for v in cells) or is_subtotal(cells):
            continue
        mapped = [cells[idx] for idx in columns.values() if idx < len(cells) and not is_blank(cells[idx])]
        if not mapped:  # side notes (说明) beside the table, not a row of it
            result.ignored += 1
            continue
        examples = [v for v in mapped if isinstance(v, str) and v.strip().lower().startswith(EXAMPLE_MARKERS)]
        if len(examples) * 2 > len(mapped):  # a template's 示例:… row
            result.rejected.append(Problem("import", "import.example_row", loc(number), examples[0]))
            continue
        record: dict[str, object] = {}
        bad = None
        for key, idx in columns.items():
            raw = cells[idx] if idx < len(cells) else None
            if is_blank(raw):
                continue
            col = schema.OWNERS.column(key)
            try:
                record[key] = coerce(raw, col.kind)
            except ValueProblem as exc:
                problem = Problem("import", exc.key, loc(number, key), raw, column_key=key)
                if col.required or key == "unit_id":
                    bad = problem
                    break
                result.warnings.append(problem)
        if bad is not None:
            result.rejected.append(bad)
            continue
        if record.get("building") is not None:
            record["building"] = _part(record["building"], _BUILDING_SUFFIX)
        if record.get("entrance") is not None:
            record["entrance"] = _part(record["entrance"], _ENTRANCE_SUFFIX)
        if "unit_id" not in record:
            parts = [str(record.get(k) or "") for k in ("building", "entrance", "room")]
            record["unit_id"] = "-".join(p for p in parts if p)
        unit = str(record.get("unit_id") or "")
        if not unit:
            result.rejected.append(Problem("import", "import.no_unit", loc(number), None))
            continue
        try:
            unit = record["unit_id"] = check_unit_id(unit)
        except ValueProblem as exc:
            result.rejected.append(Problem("import", exc.key, loc(number, "unit_id"), unit, exc.params))
            continue
        if unit in seen:
            result.rejected.append(Problem("import", "import.duplicate", loc(number, "unit_id"), unit,
                                           {"other": seen[unit]}))
            continue
        seen[unit] = number
        if unit in existing:
            result.rejected.append(Problem("import", "import.exists", loc(number, "unit_id"), unit,
                                           {"other": existing[unit].number}))
            continue
        _warn_gaps(result, record, loc, number)
        result.taken.append({c.key: record.get(c.key) for c in schema.OWNERS.columns})
    return result


def _warn_gaps(result: ImportResult, record: dict, loc, number: int) -> None:  # type: ignore[no-untyped-def]
    """Keep the row but say what the register will lack: a name, an area, a valid phone or status."""
    for key in ("owner_name", "area"):
        if record.get(key) is None:
            result.warnings.append(Problem("import", "import.gap", loc(number), None,
                                           {"column": schema.OWNERS.column(key).zh}, column_key=key))
    status = record.get("status")
    col = schema.OWNERS.column("status")
    if status is not None and status not in col.choices:
        result.warnings.append(Problem("import", "import.status_dropped", loc(number, "status"), status,
                                       {"choices": "/".join(col.choices)}, column_key="status"))
        record["status"] = None
    for key, check in (("phone", phone_problem), ("id_no", idno_problem)):
        value = record.get(key)
        reason = check(str(value)) if value else None
        if reason:
            result.warnings.append(Problem("import", reason[0], loc(number, key), value, reason[1], column_key=key))


def import_owners(path: Path, workbook: Workbook, *, sheet: str | None = None,
                  mapping: Mapping[str, str] | None = None) -> ImportResult:
    """Read `path` and stage its good rows for appending to 业主档案."""
    result = read_owners(path, workbook, sheet=sheet, mapping=mapping)
    if result.taken:
        workbook.append(workbook.read(schema.OWNERS), result.taken, key_column="unit_id")
    return result
