"""A register sheet read column by column: the typed columns, aligned on the sheet's data rows.

`SheetData` is what a read produces before it becomes a `Table` of `Row`s, and what the read cache
keeps (`cache.py`): plain lists, so it loads fast. Reading it from the XML (`scan_data`) converts each
distinct cell once, in C-level loops (`map`, `zip`), never cell by cell in Python.
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import compress, repeat

from ..errors import DataError, Location, Problem
from . import unitsearch
from .fastread import SUBTOTAL_NEEDLES, SharedStrings, SheetScan, Unsupported, contains
from .normalize import CONVERTERS, ValueProblem, raw_cell
from .reader import HEADER_SCAN_ROWS, SUBTOTAL_WORDS, Row, Table, _first_nonblank, find_header
from .schema import Kind, Sheet
from .sheetxml import col_letter

_get1 = operator.itemgetter(0)
ROW_PASS_COLUMNS = 4  # columns wanted from which one pass over the rows beats a search per column


@dataclass
class SheetData:
    """One sheet of a register, typed, as columns aligned on its data rows (blank and 合计 rows left out)."""

    name: str
    header_row: int
    columns: dict[str, int]  # key → 0-based column index
    headers: dict[str, str]
    width: int
    last_row: int  # last row holding anything, header included
    numbers: list[int] = field(default_factory=list)
    values: dict[str, list] = field(default_factory=dict)  # key → typed values (None: blank or unreadable)
    raws: dict[str, list | None] = field(default_factory=dict)  # key → raw values; None: same as `values`
    problems: list[tuple[int, str, str, object]] = field(default_factory=list)  # (row, key, message key, raw)
    complete: bool = True  # every column of the register (False: a report's few columns)
    delta_depth: int = field(default=0, compare=False, repr=False)  # loaded from a chain of this many deltas (cache.py)
    # key → (least, greatest) of a column of amounts, over its distinct cells as they were typed — the data
    # rows' and perhaps others' (the header, a 合计 row): never narrower than the data's. Made by a read of
    # the XML, for the check against 金额上限 (`Workbook._refuse_bad_money`) without a pass over a million
    # amounts; any other SheetData has none.
    bounds: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_table(cls, table: Table) -> SheetData:
        """The columns of a table read by the general reader (calamine), for the cache."""
        keys = list(table.columns)
        rows = table.rows
        data = cls(table.name, table.header_row, dict(table.columns), dict(table.headers), table.width,
                   table.last_row, [r.number for r in rows])
        for k in keys:
            data.values[k] = [r.values.get(k) for r in rows]
            raws = [r.raw.get(k) for r in rows]
            same = all(a is b or (a == b and type(a) is type(b)) for a, b in zip(raws, data.values[k]))
            data.raws[k] = None if same else raws
        data.problems = [(p.location.row, p.column_key, p.key, p.value) for p in table.problems]
        return data

    def after(self, row: int) -> SheetData:
        """The rows below `row` (those of a sheet not yet given in pieces); bounds kept (never narrower)."""
        i = bisect_right(self.numbers, row)
        return replace(self, numbers=self.numbers[i:], values={k: v[i:] for k, v in self.values.items()},
                       raws={k: None if v is None else v[i:] for k, v in self.raws.items()},
                       problems=[p for p in self.problems if p[0] > row])

    def table(self, spec: Sheet, workbook: str) -> Table:
        table = Table(spec, self.name, self.header_row, dict(self.columns), dict(self.headers), self.width,
                      workbook=workbook, last_row=self.last_row)
        keys = list(self.values)
        raw_cols = tuple((k, self.raws[k] if self.raws.get(k) is not None else self.values[k]) for k in keys)
        if self.numbers:
            table.rows = [Row(n, dict(zip(keys, vals)), lazy=(raw_cols, i))
                          for i, (n, *vals) in enumerate(zip(self.numbers, *(self.values[k] for k in keys)))]
        table.problems = [Problem("types", msg, table.location(row, key), raw, column_key=key)
                          for row, key, msg, raw in self.problems]
        return table

    def subset(self, key: str, wanted: object) -> list[int]:
        """Indexes of the rows whose `key` holds `wanted` (typed, or as the raw cell)."""
        values = self.values.get(key)
        if values is None:
            return []
        hits = [i for i, v in enumerate(values) if v == wanted]
        raws = self.raws.get(key)
        if raws is not None:
            hits = sorted(set(hits) | {i for i, v in enumerate(raws) if v == wanted})
        return hits

    def only(self, spec: Sheet, workbook: str, key: str, wanted: object) -> Table:
        picked = self.subset(key, wanted)
        part = SheetData(self.name, self.header_row, self.columns, self.headers, self.width, self.last_row,
                         [self.numbers[i] for i in picked],
                         {k: [col[i] for i in picked] for k, col in self.values.items()},
                         {k: None if col is None else [col[i] for i in picked] for k, col in self.raws.items()},
                         [], self.complete)
        numbers = set(part.numbers)
        part.problems = [p for p in self.problems if p[0] in numbers]
        table = part.table(spec, workbook)
        table.partial = True
        return table


def header_of(scan: SheetScan, spec: Sheet, name: str, workbook: str):  # type: ignore[no-untyped-def]
    """(header row, columns, headers, width) of a scanned sheet, or None for a blank sheet. A read of
    columns then checks that every row and cell carries its reference (`SheetScan.check_refs`), unless
    one pass over the rows (`SheetScan.by_rows`) has read them all."""
    grid = scan.top(HEADER_SCAN_ROWS)
    h, columns, headers, width = find_header(grid, spec)
    missing = [c for c in spec.required if c.key not in columns]
    if h < 0 or missing:
        if h < 0 and not _has_values(scan):
            return None
        if h < 0 and not any(v != "" for row in grid for v in row):
            raise Unsupported("header below the rows scanned")  # let the general reader say what it found
        found = [str(v).strip() for v in (grid[h] if h >= 0 else _first_nonblank(grid)) if v != ""]
        raise DataError("header.missing", Location(workbook, name),
                        missing=[c.zh for c in (missing or spec.required)],
                        found=found[:20] or "—")
    return h + 1, columns, headers, width


def last_cell(scan: SheetScan, spec: Sheet, name: str, workbook: str, key: str) -> object:
    """The typed value of the last cell of column `key` below the header, found from the end of the XML
    (not a pass over the rows); None when it is blank, cannot be read as the column's kind, or the sheet
    has no such column."""
    head = header_of(scan, spec, name, workbook)
    if head is None or key not in head[1]:
        return None
    found = scan.last(head[1][key])
    if found is None or int(found[0]) <= head[0]:
        return None
    v = scan.value_of(found[1])
    try:
        return None if _blank(v) else CONVERTERS[spec.column(key).kind](v)
    except ValueProblem:
        return None


def _has_values(scan: SheetScan) -> bool:
    data = scan.data
    return any(data.find(tag, scan.start, scan.end) >= 0 for tag in (b"<v>", b"<v ", b"<is>"))


def _blank(v: object) -> bool:
    return v is None or v == "" or (type(v) is str and v.isspace())


def _convert_column(scan: SheetScan, cells: list[bytes], convert):  # type: ignore[no-untyped-def]
    """For each distinct stored cell of a column: its raw value (None when blank), its typed value (None
    when blank or unreadable), and the set of (cell, message key) that could not be read. While every
    cell's typed value is its raw value (a column of texts kept as they are), both are one dict. Fourth,
    None — or, for a column of distinct plain texts kept as they are (`_in_order`), the texts of the cells
    in their order, the dicts then empty."""
    distinct = set(cells)
    values = _in_order(scan, cells, len(distinct), convert)
    if values is not None:
        as_is: dict = {}
        return as_is, as_is, set(), values
    raw_of = _as_is(scan, distinct, convert)
    distinct.difference_update(raw_of)
    typed_of = raw_of
    bad: set = set()
    value = scan.value_of
    for k in distinct:
        v = value(k)
        if _blank(v):
            raw_of[k] = typed_of[k] = None
            continue
        raw = raw_cell(v)
        try:
            typed = convert(v)
        except ValueProblem as exc:
            typed = None
            bad.add((k, exc.key))
        if typed_of is raw_of and typed is not raw and not (typed == raw and type(typed) is type(raw)):
            typed_of = dict(raw_of)  # from here on they differ
        raw_of[k] = raw
        typed_of[k] = typed
    return raw_of, typed_of, bad, None


# What a converter would change in texts joined by NUL: an identifier loses every space and is folded by
# NFKC (so: anything not ASCII); a text loses spaces around it and in runs (`clean_text`), and one of
# spaces alone is blank. No match: every text reads as it is stored.
_CHANGED_ID = re.compile(r"[^\x00-\x7f]|\s")
_CHANGED_TEXT = re.compile(r"[^\S ]|  |^ | $| \x00|\x00 ")
_CHANGED = {CONVERTERS[Kind.ID]: _CHANGED_ID, CONVERTERS[Kind.PHONE]: _CHANGED_ID,
            CONVERTERS[Kind.TEXT]: _CHANGED_TEXT, CONVERTERS[Kind.ENUM]: _CHANGED_TEXT, str: _CHANGED_TEXT}
AT_ONCE = 1000  # distinct shared texts from which a column is converted at once (below: as quick one by one)
SAMPLE = 64  # cells tried first: a column of texts that do change is given up on at this cost
# A cell holding a shared string (`fastread._SHARED_REST`), among cells joined by NUL.
_SHARED_CELLS = re.compile(rb'(?:^|\0)[^>\0]*\bt="s"[^>\0]*><v>(\d+)</v></c>(?=\0|$)')


def _as_is(scan: SheetScan, distinct: set[bytes], convert) -> dict:  # type: ignore[no-untyped-def]
    """{cell: text} for the shared-string cells of a column when every one is a plain entry
    (`SharedStrings.plain`) that `convert` keeps as it is — a column of bill numbers, 800,000 distinct —
    decided for them all at once (joined, then one search), not a value at a time; the other cells (the
    header, blanks) are left to the general conversion. {} when that is not certain."""
    changed = _CHANGED.get(convert)
    if changed is None or scan.strings is None or len(distinct) < AT_ONCE:
        return {}
    cells = list(distinct)
    keys = list(compress(cells, map(operator.contains, cells, repeat(b't="s"'))))  # in C: 800,000 of them
    if len(keys) < AT_ONCE or _texts(scan.strings, keys[:SAMPLE], changed) is None:
        return {}
    texts = _texts(scan.strings, keys, changed)
    return {} if texts is None else dict(zip(keys, texts))


def _in_order(scan: SheetScan, cells: list[bytes], distinct: int, convert) -> list[str] | None:  # type: ignore[no-untyped-def]
    """The texts of a column's cells in their order, when nearly all of them are distinct (`distinct` of
    them) — 账单号, 收据号 — and every one is a plain shared text that `convert` keeps as it is: what
    `_as_is` finds, without a dict of a million cells made to look each cell up again (L's 账单号: 0.4 s
    of each 550,000). The cells before the first shared one (the header at the top of a sheet) may be
    any text kept as it is. None otherwise (a blank cell, a number: `_as_is` decides)."""
    changed = _CHANGED.get(convert)
    if changed is None or scan.strings is None or distinct < AT_ONCE or distinct * 10 < len(cells) * 9:
        return None
    lead = next((i for i, k in enumerate(cells[:SAMPLE]) if b't="s"' in k), None)
    if lead is None or _texts(scan.strings, cells[lead:lead + SAMPLE], changed) is None:
        return None
    texts = _texts(scan.strings, cells[lead:], changed)
    if texts is None:
        return None
    head = []
    for k in cells[:lead]:
        v = scan.value_of(k)
        if _blank(v):
            return None
        try:
            typed = convert(v)
        except ValueProblem:
            return None
        if typed != raw_cell(v) or type(typed) is not str:
            return None
        head.append(typed)
    texts[:0] = head
    return texts


def _texts(strings, keys: list[bytes], changed: re.Pattern[str]) -> list[str] | None:  # type: ignore[no-untyped-def]
    """The texts of these shared-string cells, if every one is plain and `changed` finds nothing in them."""
    found = _SHARED_CELLS.findall(b"\0".join(keys))
    if len(found) != len(keys):  # at most one in each cell: all of them are plain
        return None
    texts = strings.plain(list(map(int, found)))
    if texts is None or not all(texts) or not _unchanged("\0".join(texts), changed):
        return None
    return texts


def _unchanged(joined: str, changed: re.Pattern[str]) -> bool:
    """Whether `changed` finds nothing in these texts: decided by a split in C when they hold no whitespace
    (and, for identifiers, only ASCII), as bill numbers and 分配 do — the search took half a second over
    L's 400,000 分配."""
    words = joined.split(None, 1)
    if len(words) == 1 and len(words[0]) == len(joined) and (changed is not _CHANGED_ID or joined.isascii()):
        return True
    return changed.search(joined) is None


def joined(mine: SheetData, theirs: SheetData) -> SheetData:
    """The columns of a sheet's rows and of the rows after them, each assembled where it was read (here and
    by a forked child), as one: a sheet's columns are row by row (blank and 合计 rows are each a row's
    own), so the halves' are the whole's in two pieces. The child hands its columns over typed — L's
    million distinct 账单号 were its cells and their types, looked up here again (two seconds)."""
    mine.numbers.extend(theirs.numbers)
    for k, values in mine.values.items():
        raws, more = mine.raws[k], theirs.raws[k]
        if raws is not None or more is not None:  # None: the raw values are the typed ones
            mine.raws[k] = (list(values) if raws is None else raws) + (theirs.values[k] if more is None else more)
        values.extend(theirs.values.pop(k))
    mine.problems.extend(theirs.problems)  # after this half's rows, as they are sorted
    mine.last_row = max(mine.last_row, theirs.last_row)
    for k, (low, high) in list(mine.bounds.items()):
        if k in theirs.bounds:
            mine.bounds[k] = (min(low, theirs.bounds[k][0]), max(high, theirs.bounds[k][1]))
        else:
            del mine.bounds[k]
    return mine


@dataclass
class _Column:
    rows: list[int]  # row numbers of the cells (the sheet's row list itself when every row has one)
    cells: list[bytes]
    raw_of: dict
    typed_of: dict
    bad: set
    values: list | None = None  # the typed values in the cells' order, each its raw value (`_in_order`)

    def nonblank_rows(self) -> set[int]:
        if self.values is not None or all(v is not None for v in self.raw_of.values()):
            return set(self.rows)
        return set(compress(self.rows, map(operator.is_not, map(self.raw_of.__getitem__, self.cells),
                                           repeat(None))))


def _scan_column(scan: SheetScan, c: int, all_rows: list[int], cells: list[bytes], convert) -> _Column | None:  # type: ignore[no-untyped-def]
    """A column from its cells (`SheetScan.column_cells`), aligned on the rows."""
    if not cells:
        return None
    if len(cells) == len(all_rows):  # a cell in every row: aligned on the row list without numbers
        rows = all_rows
    else:
        pairs = scan.column(c)
        rows = list(map(int, map(_get1, pairs)))
        cells = list(map(operator.itemgetter(1), pairs))
    return _Column(rows, cells, *_convert_column(scan, cells, convert))


def scan_data(scan: SheetScan, spec: Sheet, name: str, workbook: str,
              keys: tuple[str, ...] | None = None) -> SheetData:
    """The register's columns from the sheet XML (all of them, or just `keys` for a report)."""
    head = header_of(scan, spec, name, workbook)
    if head is None:
        raise Unsupported("blank sheet")  # the general path makes it an empty register
    header_row, columns, headers, width = head
    subtotals = _may_have_subtotal(scan, header_row)
    wanted = dict(columns) if keys is None or subtotals else {k: columns[k] for k in keys if k in columns}
    complete = len(wanted) == len(columns)
    ncols = max([width, scan.dimension_cols, *(i + 1 for i in columns.values())])
    by_col = {i: k for k, i in wanted.items()}
    read = list(range(ncols)) if complete else sorted(by_col)
    scanned: dict[int, _Column] = {}
    # one pass over the rows when it costs less than a search per column (a regex pass over the rows costs
    # about what four column searches do), and the rows are not mostly blank
    convert = {c: CONVERTERS[spec.column(by_col[c]).kind] if c in by_col else str for c in read}

    def assembled(part: SheetScan, rows: list[int], cells: dict[int, list[bytes]]) -> SheetData:
        # each half of the rows typed and assembled where it was read (`joined`)
        return rows_assembled(part, name, head, wanted, rows, cells, convert, subtotals)  # type: ignore[arg-type]

    data = scan.by_rows(read, ncols, assembled, joined) if len(read) >= ROW_PASS_COLUMNS and scan.dense(ncols) else None
    if data is not None:  # the usual form: one pass over the rows
        return data  # type: ignore[return-value]
    # column by column: every row and cell must carry its reference
    with scan.refs_checked():
        all_rows = scan.row_numbers()
        found = {c: scan.column_cells(c) for c in read}
    for c in read:
        key = by_col.get(c)
        col = _scan_column(scan, c, all_rows, found.pop(c), CONVERTERS[spec.column(key).kind] if key else str)
        if col is not None:
            scanned[c] = col
    return assemble(name, head, wanted, scanned, all_rows, subtotals)


def rows_assembled(scan: SheetScan, name: str, head: tuple, wanted: dict[str, int], rows: list[int],
                   cells: dict[int, list[bytes]], convert: dict, subtotals: bool) -> SheetData:  # type: ignore[type-arg]
    """Rows read in one pass (their numbers, and the cells of each column `convert` has a converter for)
    typed — each column's distinct cells once — and assembled (`assemble`); each column's cells are taken
    out of `cells` as it is typed."""
    scanned = {}
    for c, conv in convert.items():
        got = cells.pop(c)
        scanned[c] = _Column(rows, got, *_convert_column(scan, got, conv))
    return assemble(name, head, wanted, scanned, rows, subtotals)


def assemble(name: str, head: tuple, wanted: dict[str, int], scanned: dict[int, _Column], all_rows: list[int],
             subtotals: bool) -> SheetData:
    """The register's columns from the cells scanned (`scanned`: column index → its cells), aligned on
    the data rows: blank rows, the header and above, and 合计 rows (when `subtotals`) left out. Each
    column is taken out of `scanned` once typed: its cells (a bytes object each) go while the next is
    typed, not after the last (L's 应收账单: ~200 MB less at the peak of a read)."""
    header_row, columns, headers, width = head
    complete = len(wanted) == len(columns)
    # which rows hold anything: usually a column filled in every row says it at once
    if any(col.rows is all_rows and all(v is not None for v in col.raw_of.values()) for col in scanned.values()):
        nonblank = all_rows
    else:
        found: set[int] = set()
        for col in scanned.values():
            found |= col.nonblank_rows()
        nonblank = sorted(found)
    skip: set[int] = set()
    if subtotals:
        for col in scanned.values():
            if col.values is not None:  # looked up by cell, as the other columns are
                col.raw_of = col.typed_of = dict(zip(col.cells, col.values))
                col.values = None
        for c, col in scanned.items():
            marks = {k for k, v in col.raw_of.items()
                     if isinstance(v, str) and "".join(v.split()).lower().startswith(SUBTOTAL_WORDS)}
            for r, k in zip(col.rows, col.cells):
                if k in marks and r > header_row and not any(
                        r in scanned[d].nonblank_rows() for d in range(c) if d in scanned):
                    skip.add(r)
    first = bisect_right(nonblank, header_row)
    numbers = [r for r in nonblank[first:] if r not in skip] if skip else list(nonblank[first:])
    last_row = nonblank[-1] if nonblank and nonblank[-1] > header_row else header_row
    data = SheetData(name, header_row, dict(columns), dict(headers), width, last_row, numbers, complete=complete)
    aligned_rows = numbers is not None and not skip and nonblank is all_rows
    for key, c in sorted(wanted.items(), key=lambda kv: kv[1]):
        col = scanned.pop(c, None)
        if col is None:
            data.values[key] = [None] * len(numbers)
            data.raws[key] = None
            continue
        bad_keys = dict(col.bad)
        found = 0  # unreadable cells in the data rows
        if bad_keys:  # usually the header's cell alone (账期 is no period): found in C, not row by row
            marked = list(map(bad_keys.__contains__, col.cells))
            for r, k in zip(compress(col.rows, marked), compress(col.cells, marked)):
                if _holds(numbers, r):
                    data.problems.append((r, key, bad_keys[k], col.raw_of[k]))
                    found += 1
        typed = col.values if col.values is not None else list(map(col.typed_of.__getitem__, col.cells))
        if all(type(v) is Decimal or v is None for v in col.typed_of.values()):  # a text column: at its first
            amounts = [v for v in col.typed_of.values() if v is not None]
            if amounts:
                data.bounds[key] = (min(amounts), max(amounts))
        # the cells as stored are kept only where some data cell's typed value is not it (a header that does
        # not type, as 账期 does not, is no data cell)
        same = col.typed_of is col.raw_of or not found and all(
            k in bad_keys or v is col.typed_of[k] or (v == col.typed_of[k] and type(v) is type(col.typed_of[k]))
            for k, v in col.raw_of.items())
        raws = None if same else list(map(col.raw_of.__getitem__, col.cells))
        if aligned_rows and col.rows is all_rows:  # the rows above the data cut off in place, not copied
            del typed[:first]
            if raws is not None:
                del raws[:first]
            data.values[key], data.raws[key] = typed, raws
        else:
            at = dict(zip(col.rows, typed))
            data.values[key] = list(map(at.get, numbers))
            if raws is None:
                data.raws[key] = None
            else:
                raw_at = dict(zip(col.rows, raws))
                data.raws[key] = list(map(raw_at.get, numbers))
    data.problems.sort(key=lambda p: (p[0], columns[p[1]]))
    return data


def _holds(numbers: list[int], row: int) -> bool:
    """Whether the sorted row numbers hold this one."""
    i = bisect_left(numbers, row)
    return i < len(numbers) and numbers[i] == row


_SUBTOTAL_NEEDLES = SUBTOTAL_NEEDLES


def _may_have_subtotal(scan: SheetScan, header_row: int) -> bool:
    """Whether any text of the sheet (inline or shared) may be a 合计/小计/总计/total label: a byte search,
    so that a report reads only its columns when there is none (the usual register). A label written
    with a space inside (`合 计`) is not seen by this search: a report over such a sheet reads its row."""
    needles = _SUBTOTAL_NEEDLES
    if scan.strings is not None and scan.strings.may_hold_subtotal():
        return True
    data, end = scan.data, scan.end
    start = scan.row_ends.get(header_row, scan.start)  # below the header: 计算明细 is no label
    if contains(data, "计".encode(), start, end) and any(contains(data, w, start, end) for w in needles[:3]):
        return True
    return any(contains(data, w, start, end) for w in needles[3:])


def scan_rows(scan: SheetScan, spec: Sheet, name: str, workbook: str, numbers: list[int]) -> Table:
    """Just the rows with these numbers, typed, as a partial table (what a column read pointed at)."""
    head = header_of(scan, spec, name, workbook)  # rows found by their `r` (`rows_with`): no check_refs
    if head is None:
        raise Unsupported("blank sheet")
    header_row, columns, headers, width = head
    numbers = sorted({n for n in numbers if n > header_row})
    if not numbers:
        return Table(spec, name, header_row, dict(columns), dict(headers), width, workbook=workbook, partial=True)
    return typed_rows(scan, spec, name, workbook, header_row, numbers)


def typed_rows(scan: SheetScan, spec: Sheet, name: str, workbook: str, header_row: int,
                numbers: list[int], starts: dict[int, int] | None = None) -> Table:
    from .reader import build_table

    found = scan.rows_with(numbers, starts)
    header = scan.top(header_row)[header_row - 1]
    order = sorted(found)
    grid: list[list[object]] = [header, *(found[n] for n in order)]  # compact: rows renumbered below
    typed = build_table(grid, spec, name, workbook)
    at = {i + 2: n for i, n in enumerate(order)}  # grid row (1-based, header first) → sheet row
    for row in typed.rows:
        row.number = at[row.number]
    typed.problems = [replace(p, location=replace(p.location, row=at.get(p.location.row, p.location.row)))
                      for p in typed.problems]
    typed.header_row = header_row
    typed.partial = True
    typed.last_row = order[-1]
    return typed


def scan_only(scan: SheetScan, spec: Sheet, name: str, workbook: str, key: str, wanted: str) -> Table:
    """Just the rows whose `key` column holds `wanted`: the cells that can hold it are searched for
    (`unitsearch`, an identifier), or the column is scanned; then only those rows are read."""
    head = header_of(scan, spec, name, workbook)
    if head is None:
        scan.check_refs()
        raise Unsupported("blank sheet")
    header_row, columns, headers, width = head
    table = Table(spec, name, header_row, dict(columns), dict(headers), width, workbook=workbook, partial=True)
    if key not in columns:
        scan.check_refs()
        return table
    convert = CONVERTERS[spec.column(key).kind]
    starts = None
    if searched(scan.strings, spec, key, wanted):
        starts = unitsearch.rows_holding(scan, scan.data, scan.start, scan.end, col_letter(columns[key]).encode(),
                                         unitsearch.needles(unitsearch.matching_strings(scan.strings, convert, wanted)),  # type: ignore[arg-type]
                                         convert, wanted, header_row)
    if starts is not None:
        numbers = list(starts)
    else:
        with scan.refs_checked():
            cells = scan.column(columns[key])
        numbers = holding(scan, cells, convert, wanted, header_row)
    if not numbers:
        return table
    return typed_rows(scan, spec, name, workbook, header_row, numbers, starts)


def searched(strings: SharedStrings | None, spec: Sheet, key: str, wanted: object) -> bool:
    """Whether the rows of `wanted` in column `key` are found by searching for its cells (`unitsearch`):
    an identifier only text can hold, in a workbook with shared strings (a text cell of one without them
    is an error the column read names)."""
    return (spec.column(key).kind is Kind.ID and unitsearch.searchable(wanted) and strings is not None
            and len(strings) > 0)


def holding(scan: SheetScan, cells: list[tuple[bytes, bytes]], convert, wanted: str,  # type: ignore[no-untyped-def]
            header_row: int) -> list[int]:
    """The numbers of the rows below the header whose cell (of `cells`, `SheetScan.column`'s pairs)
    holds `wanted`, as stored or typed by `convert`."""
    hit: set = set()
    for k in set(map(operator.itemgetter(1), cells)):
        v = scan.value_of(k)
        if v == wanted:
            hit.add(k)
            continue
        if v is None or v == "" or (type(v) is str and v.isspace()):
            continue
        try:
            if convert(v) == wanted:
                hit.add(k)
        except ValueProblem:
            pass
    return [n for r, k in cells if k in hit and (n := int(r)) > header_row] if hit else []


def updated(data: SheetData, spec: Sheet, xml, strings) -> SheetData | None:  # type: ignore[no-untyped-def]
    """`data` after the rows `xml` (a SheetXml just written) rewrote or added: those rows are read back
    from the new XML, column by column, by the code a read uses. None when a row was blanked, may be a
    合计 row, or lies above the data (a fresh read decides those)."""
    from bisect import bisect_left

    changed = sorted(xml._new)
    if not changed or changed[0] <= data.header_row or xml.prefix:
        return None
    body = b"<sheetData>" + b"".join(xml._new[n] for n in changed) + b"</sheetData>"
    if any(contains(body, w) for w in _SUBTOTAL_NEEDLES):
        return None
    scan = SheetScan(body, strings, xml.date_styles)
    by_col = {c: k for k, c in data.columns.items() if k in data.values}
    ncols = max([data.width, xml._max_col + 1, *(c + 1 for c in data.columns.values())])
    nonblank: set[int] = set()
    read: dict[str, tuple[dict, dict, dict]] = {}  # key → (row → typed, row → raw, row → problem key)
    # the rows as a read takes them: one pass over them all (a month's 66,000 new bills on L), else (a row
    # in another form) column by column; a cell a row lacks is b"" in the pass, left out by the column
    together = scan.by_rows(range(ncols), ncols)
    for c in range(ncols):
        if together is not None:
            rows, cells = together[0], together[1][c]
        else:
            pairs = scan.column(c)
            rows = list(map(int, map(_get1, pairs)))
            cells = list(map(operator.itemgetter(1), pairs))
        if not any(cells):
            continue
        key = by_col.get(c)
        raw_of, typed_of, bad, values = _convert_column(scan, cells, CONVERTERS[spec.column(key).kind] if key else str)
        raws_here = values if values is not None else list(map(raw_of.__getitem__, cells))
        nonblank.update(compress(rows, map(operator.is_not, raws_here, repeat(None))))
        if key is not None:
            bad_keys = dict(bad)
            read[key] = (dict(zip(rows, raws_here if values is not None else map(typed_of.__getitem__, cells))),
                         dict(zip(rows, raws_here)),
                         {r: bad_keys[k] for r, k in zip(rows, cells) if k in bad_keys} if bad else {})
    if not data.complete:  # a report's columns: rows blank in all of them are not kept
        wanted = set().union(*(set(r for r, v in raw_at.items() if v is not None) for _, raw_at, _ in read.values()))
    else:
        if any(n not in nonblank for n in changed):
            return None
        wanted = set(changed)
    numbers = list(data.numbers)
    positions = {}
    new_rows = []
    for n in changed:
        i = bisect_left(numbers, n)
        if i < len(numbers) and numbers[i] == n:
            if n not in wanted:
                return None
            positions[n] = i
        elif n in wanted:
            if numbers and n < numbers[-1]:
                return None  # a row inserted among others: rare, a fresh read decides
            new_rows.append(n)
    gone = set(changed)
    problems = [p for p in data.problems if p[0] not in gone]
    values: dict[str, list] = {}
    raws: dict[str, list | None] = {}
    for key, column in data.values.items():
        typed_at, raw_at, bad_at = read.get(key, ({}, {}, {}))
        column = list(column)
        for n, i in positions.items():
            column[i] = typed_at.get(n)
        column.extend(map(typed_at.get, new_rows))
        values[key] = column
        raw_col = data.raws.get(key)
        touched = [*positions, *new_rows]
        odd = [n for n in touched if not _same_raw(raw_at.get(n), typed_at.get(n))]
        if raw_col is None and odd:
            raw_col = list(data.values[key])  # the raw cells equal the values but in the rows read back
        if raw_col is not None:
            raw_col = list(raw_col) if raw_col is data.raws.get(key) else raw_col
            for n, i in positions.items():
                raw_col[i] = raw_at.get(n)
            raw_col.extend(map(raw_at.get, new_rows))
        raws[key] = raw_col
        problems += [(n, key, msg, raw_at.get(n)) for n, msg in bad_at.items() if n in wanted]
    numbers.extend(new_rows)
    problems.sort(key=lambda p: (p[0], data.columns[p[1]]))
    last_row = max([data.last_row, *wanted]) if wanted else data.last_row
    return SheetData(data.name, data.header_row, data.columns, data.headers, data.width, last_row, numbers,
                     values, raws, problems, data.complete)


def rewritten(data: SheetData, xml) -> list[int]:  # type: ignore[no-untyped-def]
    """The indexes into `data`'s rows of the rows `xml` (a SheetXml just written) rewrote (`updated`
    replaces those and appends the rest)."""
    from bisect import bisect_left

    numbers = data.numbers
    return [i for n in sorted(xml._new) if (i := bisect_left(numbers, n)) < len(numbers) and numbers[i] == n]


def _same_raw(raw: object, typed: object) -> bool:
    """Whether a raw cell needs no raw column: blank (both None), or its typed value as it is."""
    if raw is None:
        return typed is None
    return typed is not None and (raw is typed or (raw == typed and type(raw) is type(typed)))
