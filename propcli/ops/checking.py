"""`propcli check`: read every register the workbook has, run the named checks, repair what is safe."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain import checks
from ..errors import DataError, Location, Problem
from ..store import schema
from ..store.workbook import Workbook
from . import arrears, billing, ledger, service


def read_registers(wb: Workbook) -> dict[str, object]:
    """Every register present (the journal is the program's own and is not checked)."""
    return {s.key: wb.read(s) for s in schema.SHEETS if s.key != "journal" and wb.has(s)}


def billed_amounts(wb: Workbook) -> list[Problem]:
    """Bills whose amount the rates, readings and owner records now give differently (a rate changed
    after billing, a reading corrected): reported, never re-billed. A rate row that cannot bill is
    reported too."""
    if not (wb.has(schema.BILLS) and wb.has(schema.RATES)):
        return []
    rates, found = rate_problems(wb)
    bills = wb.read(schema.BILLS)
    by_period: dict[str, list] = {}
    for row in bills.rows:
        if row.values.get("period"):
            by_period.setdefault(str(row.values["period"]), []).append(row)
    units = ledger.units(wb.read(schema.OWNERS))
    usage, rounding = ledger.usage_map(wb), ledger.rounding(wb)
    for period in sorted(by_period):
        lines, _ = billing.compute(units, rates, period, rounding, usage)
        _, changed, _ = billing.compare(lines, by_period[period])
        for c in changed:
            found.append(Problem("billing", "check.bill_changed", bills.location(c.row, "amount"), c.billed,
                                 {"now": f"{c.now:.2f}", "bill": c.bill_id, "detail": c.detail}, column_key="amount"))
    return found


def rate_problems(wb: Workbook) -> tuple[list, list[Problem]]:
    """收费标准 as rates, and a problem for each row that cannot bill."""
    table = wb.read(schema.RATES)
    rates, bad = ledger.parse_rates(table)
    return rates, [Problem("billing", exc.key, table.location(row.number, exc.column), ledger.rate_value(row, exc),
                           exc.params, column_key=exc.column) for row, exc in bad]


def dunning_policy(wb: Workbook) -> list[Problem]:
    """催缴规则 rows the ladder cannot use, and arrears settings (滞纳金, 催缴间隔, 时效预警) it cannot read."""
    problems = list(arrears.ladder_read(wb).problems)
    try:
        arrears.settings(wb)
    except DataError as exc:
        problems.append(Problem("dunning", exc.key, exc.location or Location(wb.name), exc.params.get("typed")))
    return problems


def stats_settings(wb: Workbook) -> list[Problem]:
    """小区信息 › 收费率目标 the monthly statistics cannot read (not a percentage)."""
    from . import stats

    try:
        stats.target(wb)
    except DataError as exc:
        return [Problem("stats", exc.key, exc.location or Location(wb.name), wb.settings().get("collection_target"))]
    return []


def meter_settings(wb: Workbook) -> list[Problem]:
    """小区信息 › 托管用水上限 / 托管用电上限 the anomaly list cannot read (not a number of 0 or more)."""
    from . import meters

    try:
        meters.trust_limits(wb)
    except DataError as exc:
        return [Problem("meters", exc.key, exc.location or Location(wb.name), exc.params.get("typed"))]
    return []


# Checks that need more than the typed tables (the billing rules over several registers, the ladder).
WORKBOOK_CHECKS = {"billing": billed_amounts, "dunning": dunning_policy,
                   "workorders": lambda wb: service.check(wb, service.ORDERS),  # and 时限规则
                   "complaints": lambda wb: service.check(wb, service.COMPLAINTS), "stats": stats_settings,
                  "meters": meter_settings}
NAMES = (*checks.CHECKS, *WORKBOOK_CHECKS)


def run_checks(wb: Workbook, names: Iterable[str] | None = None) -> list[Problem]:
    names = list(names or [])
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise DataError("check.unknown", None, name=unknown[0], names=", ".join(NAMES))
    table_checks = [n for n in names if n in checks.CHECKS]
    found = checks.run(read_registers(wb), table_checks) if table_checks or not names else []
    for name, check in WORKBOOK_CHECKS.items():
        if not names or name in names:
            found.extend(check(wb))
    return once_per_cell(found)


# The registers a billing run reads: what a month end checks before it bills (the bills and payments of
# the past are the full `check`'s: on a big estate reading them typed costs more than the month's billing).
BILLING_INPUTS = (schema.ESTATE, schema.OWNERS, schema.RATES, schema.READINGS)


def before_billing(wb: Workbook) -> list[Problem]:
    """Every table check over BILLING_INPUTS, the rates that cannot bill, and the settings the month's
    steps read (催缴规则 and its settings, 收费率目标, the 托管 limits)."""
    found = checks.run({s.key: wb.read(s) for s in BILLING_INPUTS if wb.has(s)})
    if wb.has(schema.RATES):
        found.extend(rate_problems(wb)[1])
    for name in ("dunning", "stats", "meters"):
        found.extend(WORKBOOK_CHECKS[name](wb))
    return once_per_cell(found)


def once_per_cell(problems: Iterable[Problem]) -> list[Problem]:
    """A bad cell is reported once, by the first check that found it (a hand-typed 类别 is both a value off
    the drop-down list and an order that cannot be judged); a fixable finding is never dropped for another."""
    kept: dict[tuple[str, int, str], int] = {}
    out: list[Problem] = []
    for p in problems:
        loc = p.location
        cell = (loc.sheet, loc.row, p.column_key) if loc.row is not None and p.column_key else None
        if cell is not None and cell in kept:
            if p.fixable and not out[kept[cell]].fixable:
                out[kept[cell]] = p
            continue
        if cell is not None:
            kept[cell] = len(out)
        out.append(p)
    return out


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
