"""`propcli check`: read every register the workbook has, run the named checks, repair what is safe."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain import checks
from ..errors import DataError, Problem
from ..store import schema
from ..store.workbook import Workbook


def read_registers(wb: Workbook) -> dict[str, object]:
    """Every register present (the journal is the program's own and is not checked)."""
    return {s.key: wb.read(s) for s in schema.SHEETS if s.key != "journal" and wb.has(s)}


def run_checks(wb: Workbook, names: Iterable[str] | None = None) -> list[Problem]:
    names = list(names or [])
    unknown = [n for n in names if n not in checks.CHECKS]
    if unknown:
        raise DataError("check.unknown", None, name=unknown[0], names=", ".join(checks.CHECKS))
    return checks.run(read_registers(wb), names)


def fix(wb: Workbook, problems: Iterable[Problem]) -> list[Problem]:
    """Stage the safe repairs (full-width and stray spaces in identifiers); returns the problems fixed."""
    fixed = []
    tables = {t.name: t for t in (wb.read(s) for s in schema.SHEETS if s.key != "journal" and wb.has(s))}
    for p in problems:
        if not p.fixable:
            continue
        table = tables[p.location.sheet]
        row = next(r for r in table.rows if r.number == p.location.row)
        key = str(row.values.get(table.spec.primary[0]) if table.spec.primary else "") or str(p.fix)
        if wb.update(table, row, {p.column_key: p.fix}, key=key, rewrite=True):
            row.raw[p.column_key] = p.fix
            fixed.append(p)
    return fixed
