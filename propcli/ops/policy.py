"""The estate's policy sheets (催缴规则 now; 时限规则 and notice settings next), read one way: every
non-blank row parsed by a pure domain function into a typed rule, every row that cannot be used
reported by sheet, row and column, and a default set of rules when the sheet is missing or empty —
which `init_policy` writes into the workbook for the estate to change."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..domain.policy import PolicyError
from ..errors import DataError, Problem
from ..store import schema
from ..store.workbook import Workbook

T = TypeVar("T")


@dataclass(frozen=True)
class PolicyRead(Generic[T]):
    rules: tuple[T, ...]
    from_workbook: bool  # False: the sheet is missing or empty, the rules are the defaults
    problems: list[Problem]  # every row (or rule among rules) that cannot be used, located; [] when usable

    def strict(self) -> PolicyRead[T]:
        """Itself when usable; else the first problem stops the command, naming its cell."""
        if self.problems:
            p = self.problems[0]
            raise DataError(p.key, p.location, value=repr(str(p.value)), **p.params)
        return self


def read_policy(wb: Workbook, spec: schema.Sheet, parse_row: Callable[[Mapping[str, object], int], T],
                default_rows: Sequence[Mapping[str, object]],
                check_all: Callable[[Sequence[T]], None] | None = None) -> PolicyRead[T]:
    """`spec`'s rows as rules (`parse_row(values, row number)`, raising PolicyError), in sheet order.

    `check_all` judges the rules together (e.g. a ladder naming a step twice) once every row parses; the
    PolicyError it raises is placed on the first rule whose attribute `column` holds its value."""
    table = wb.read(spec, required=False)
    rows = [r for r in table.rows if any(v is not None for v in r.values.values())]
    if not rows:
        return PolicyRead(tuple(parse_row(v, 0) for v in default_rows), False, [])
    rules, problems = [], []
    for row in rows:
        try:
            rules.append(parse_row(row.values, row.number))
        except PolicyError as exc:
            problems.append(Problem(spec.key, exc.key, table.location(row.number, exc.column),
                                    row.raw.get(exc.column, exc.value), exc.params, column_key=exc.column))
    if not problems and check_all is not None:
        try:
            check_all(rules)
        except PolicyError as exc:
            at = next(r for r in rules if getattr(r, exc.column) == exc.value)
            problems.append(Problem(spec.key, exc.key, table.location(at.row, exc.column), exc.value,  # type: ignore[attr-defined]
                                    exc.params, column_key=exc.column))
    return PolicyRead(tuple(rules), True, problems)


def init_policy(wb: Workbook, spec: schema.Sheet, default_rows: Sequence[Mapping[str, object]]) -> int:
    """Stage the default rules into `spec`'s sheet (added when missing), for the estate to change.
    Refused (`<sheet key>.exists`) when the sheet already holds rules."""
    table = wb.read(spec, required=False)
    if any(any(v is not None for v in r.values.values()) for r in table.rows):
        raise DataError(f"{spec.key}.exists", table.location(), count=len(table.rows))
    wb.append(table, default_rows, key_column=spec.primary[0] if spec.primary else None)
    return len(default_rows)
