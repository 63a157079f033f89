"""Typed reads of a register: find the header row, map headers to column keys, convert every cell by its
declared type, and keep the location of everything that could not be read."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Location, Problem
from .normalize import CONVERTERS, ValueProblem, is_blank, raw_cell, to_identifier
from .schema import Sheet, header_index, norm_header

HEADER_SCAN_ROWS = 30
SUBTOTAL_WORDS = ("合计", "小计", "总计", "total")


class Row:
    """One row of a register: the row number Excel shows, the typed values, and the cells as stored.

    `raw` (non-blank cells as read, for `check` and `--fix`) is built on first use when the row comes
    from a column read. `sheet` names the sheet holding the row when a register continues over several
    sheets (应收账单, 应收账单2 …); None for a register in one sheet.
    """

    __slots__ = ("number", "values", "_raw", "_lazy", "sheet")

    def __init__(self, number: int, values: dict[str, object], raw: dict[str, object] | None = None, *,
                 lazy: tuple | None = None, sheet: str | None = None) -> None:
        self.number = number
        self.values = values
        self._raw = raw
        self._lazy = lazy  # (((key, raw column), …), index): the raw cells, materialised on first use
        self.sheet = sheet

    @property
    def raw(self) -> dict[str, object]:
        if self._raw is None:
            if self._lazy is None:
                self._raw = {}
            else:
                cols, i = self._lazy
                self._raw = {k: col[i] for k, col in cols if col[i] is not None}
                self._lazy = None
        return self._raw

    @raw.setter
    def raw(self, value: dict[str, object]) -> None:
        self._raw, self._lazy = value, None

    def __getitem__(self, key: str) -> object:
        return self.values.get(key)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row):
            return NotImplemented
        return (self.number, self.values, self.raw, self.sheet) == (other.number, other.values, other.raw,
                                                                    other.sheet)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        where = f", sheet={self.sheet!r}" if self.sheet else ""
        return f"Row(number={self.number!r}, values={self.values!r}, raw={self.raw!r}{where})"


@dataclass
class Table:
    """One register as read: typed rows with their row numbers, and the problems met on the way."""

    spec: Sheet
    name: str  # the sheet's name in the workbook
    header_row: int  # 1-based; 0 when the sheet does not exist yet
    columns: dict[str, int]  # column key → 0-based column index
    headers: dict[str, str]  # column key → header text as found
    width: int  # number of header cells (known or not)
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    last_row: int = 0  # last row holding anything, header included
    workbook: str = ""
    partial: bool = False  # read with `only`: some rows left out
    parts: list[Table] = field(default_factory=list)  # the sheets of a register that continues (应收账单2 …)

    def location(self, row: int | None = None, key: str | None = None) -> Location:
        column = ""
        if key is not None:
            column = self.headers.get(key) or self.spec.column(key).zh
        return Location(self.workbook, self.name, row, column)

    def index(self, key: str) -> dict[object, Row]:
        """Rows by the value of one column (the first row wins on duplicates)."""
        out: dict[object, Row] = {}
        for row in self.rows:
            v = row.values.get(key)
            if v is not None and v not in out:
                out[v] = row
        return out

    def where(self, key: str, value: object) -> list[Row]:
        return [r for r in self.rows if r.values.get(key) == value]

    def records(self) -> list[dict[str, object]]:
        keys = [c.key for c in self.spec.columns]
        return [{k: r.values.get(k) for k in keys} for r in self.rows]


def is_subtotal(cells: Sequence[object]) -> bool:
    """A 合计/小计 row: its first non-empty cell starts with one of those words."""
    for v in cells:
        if not is_blank(v):
            return isinstance(v, str) and "".join(v.split()).lower().startswith(SUBTOTAL_WORDS)
    return False


def find_header(grid: Sequence[Sequence[object]], spec: Sheet,
                extra: dict[str, str] | None = None) -> tuple[int, dict[str, int], dict[str, str], int]:
    """The header row (0-based index into grid), column key → index, key → header text, width.

    The row matching most known headers within the first rows wins, so merged title rows above the
    header are skipped. Returns index -1 when no row matches anything.
    """
    aliases = header_index(spec)
    if extra:
        aliases.update({norm_header(k): v for k, v in extra.items()})
    best = (-1, {}, {}, 0)
    best_score = 0
    for i, cells in enumerate(grid[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        texts: dict[str, str] = {}
        width = 0
        for j, cell in enumerate(cells):
            if is_blank(cell):
                continue
            width = j + 1
            key = aliases.get(norm_header(cell))
            if key is not None and key not in columns:
                columns[key] = j
                texts[key] = str(cell).strip()
        if len(columns) > best_score:
            best_score = len(columns)
            best = (i, columns, texts, width)
    return best


def build_table(grid: Sequence[Sequence[object]], spec: Sheet, name: str, workbook: str,
                extra: dict[str, str] | None = None, first_row: int = 1,
                only: tuple[str, str] | None = None) -> Table:
    """Typed rows from a grid of raw cells whose first list is sheet row `first_row`.

    `only=(key, identifier)` keeps just the rows whose identifier column holds that value (compared as
    identifiers), converting nothing else: one unit's dossier need not type twenty thousand rows.
    """
    h, columns, headers, width = find_header(grid, spec, extra)
    missing = [c for c in spec.required if c.key not in columns]
    if h < 0 or missing:
        found = [str(v).strip() for v in (grid[h] if h >= 0 else _first_nonblank(grid)) if not is_blank(v)]
        raise DataError(
            "header.missing",
            Location(workbook, name),
            missing=[c.zh for c in (missing or spec.required)],
            found=found[:20] or "—",
        )
    table = Table(spec, name, h + first_row, columns, headers, width, workbook=workbook, partial=only is not None)
    kinds = [(key, idx, CONVERTERS[spec.column(key).kind]) for key, idx in columns.items()]
    only_idx = columns.get(only[0], -1) if only else -1
    only_convert = CONVERTERS[spec.column(only[0]).kind] if only and only[0] in columns else to_identifier
    last = h + first_row
    for i in range(h + 1, len(grid)):
        cells = grid[i]
        if all(is_blank(v) for v in cells):
            continue
        number = i + first_row
        last = number
        if is_subtotal(cells):
            continue
        if only is not None and not _same(cells[only_idx] if 0 <= only_idx < len(cells) else None,
                                          only[1], only_convert):
            continue
        values: dict[str, object] = {}
        raw: dict[str, object] = {}
        for key, idx, convert in kinds:
            v = cells[idx] if idx < len(cells) else None
            if v is None or v == "" or (type(v) is str and v.isspace()):
                values[key] = None
                continue
            raw[key] = raw_cell(v)
            try:
                values[key] = convert(v)
            except ValueProblem as exc:
                values[key] = None
                table.problems.append(
                    Problem("types", exc.key, table.location(number, key), raw[key], column_key=key)
                )
        table.rows.append(Row(number, values, raw))
    table.last_row = last
    return table


def _same(cell: object, wanted: str, convert) -> bool:  # type: ignore[no-untyped-def]
    """Whether a raw cell holds `wanted` once read as its column's type (`2025年1月` is `2025-01`)."""
    if cell == wanted:
        return True
    if is_blank(cell):
        return False
    try:
        return convert(cell) == wanted
    except ValueProblem:
        return False


def _first_nonblank(grid: Sequence[Sequence[object]]) -> Sequence[object]:
    return next((r for r in grid if any(not is_blank(v) for v in r)), [])


def empty_table(spec: Sheet, workbook: str) -> Table:
    """A register the workbook does not have yet: the first write creates the sheet with these headers."""
    columns = {c.key: i for i, c in enumerate(spec.columns)}
    headers = {c.key: c.zh for c in spec.columns}
    return Table(spec, spec.zh, 0, columns, headers, len(columns), workbook=workbook)


# -- foreign files: what a meter reader or another system hands the clerk -------------------------


def sheet_grids(path: Path) -> Iterator[tuple[str, list[list[object]]]]:
    """Every sheet of a foreign xlsx/xls/ods (or the one grid of a csv). A file that is none of these
    is a DataError naming it, not a reader's exception."""
    if path.suffix.lower() in (".csv", ".txt"):
        yield path.name, list(_read_csv(path))
        return
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        grids = [(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in wb.sheet_names]
    except Exception as exc:  # the reader's own errors (not a spreadsheet, damaged, encrypted)
        raise DataError("source.unreadable", None, path=path.name, reason=str(exc).strip()[:200]) from None
    yield from grids


def _read_csv(path: Path) -> Iterator[list[object]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("utf-8", errors="replace")
    yield from csv.reader(io.StringIO(text))
