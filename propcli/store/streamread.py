"""A register sheet read as it is inflated, a piece at a time: never held whole.

L's 应收账单 is 442 MB of XML. Read whole, it sits in memory beside everything the read builds from it,
and a report goes past 1 GB. Its rows are independent of one another, so the one-pass row read
(`fastread.rows_between`) can take them a piece at a time: the inflated XML held at once is a piece
(`PIECE` stored bytes, about 10 MB of rows), not the sheet.

The answer is the one the whole-part read gives (the same header search on the same top rows, the same
row pattern and cell conversion, `columns.assemble`); whenever that would not be certain — the header
not found in the first piece, a row out of the usual form, a 合计 label where a report reads only its
columns — this read returns None and the whole-part read (or calamine after it) decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from ..errors import DataError
from . import twocore, unitsearch
from .columns import (ROW_PASS_COLUMNS, SheetData, _may_have_subtotal, header_of, holding, joined, rows_assembled,
                      searched, typed_rows)
from .fastread import _UNNUMBERED, SharedStrings, SheetScan, Unsupported, _column_pattern, row_pattern, rows_between
from .normalize import CONVERTERS
from .package import Package, PackageError
from .reader import HEADER_SCAN_ROWS, Table
from .schema import Sheet
from .sheetxml import col_letter

PIECE = 1 << 20  # stored (deflated) bytes inflated at a time: about 10 MB of sheet XML
# Where the child's rows begin, as a share of the part's XML: it inflates the rows before them again (skipping
# costs a fraction of scanning), so an even split left this process waiting for it (L's 应收账单: 0.64 s)
SPLIT = 0.55


def read(pkg: Package, part: str, strings: SharedStrings | None, spec: Sheet, name: str, workbook: str,
         keys: tuple[str, ...] | None, piece: int = PIECE) -> SheetData | None:
    """The register's columns (all, or `keys`) from a part inflated piece by piece; None: read it whole."""
    stream = pkg.stream(part, piece)
    seen = [0]
    size = pkg.infos[part].file_size
    try:
        return _read(_counted(stream, seen), seen, pkg.date_styles(), strings, spec, name, workbook, keys,
                     (pkg, part, piece, int(size * SPLIT)) if twocore.worth_it(size) else None)
    except PackageError:
        return None  # a damaged part: the whole read names it
    finally:
        stream.close()  # a read given up on stops inflating


def _counted(pieces: Iterator[bytes], seen: list[int]) -> Iterator[bytes]:
    """The pieces, `seen[0]` counting the bytes of XML inflated so far: where a segment of rows lies."""
    for data in pieces:
        seen[0] += len(data)
        yield data


def _head(pieces, date_styles: set[int], strings: SharedStrings | None, spec: Sheet, name: str,  # type: ignore[no-untyped-def]
          workbook: str):
    """(the bytes inflated so far, where their last row ends, those rows as a scan, the header, how many
    pieces they are) — the header found in them as the whole part's read finds it — or None: read the
    part whole."""
    buf = b""
    consumed = 0
    for data in pieces:  # the head: the part's start and the rows the header is searched in
        buf += data
        consumed += 1
        start = buf.find(b"<sheetData")
        if start >= 0 and buf.count(b"</row>", start) > HEADER_SCAN_ROWS:
            break
    else:
        return None  # a part this small is read whole
    cut = buf.rfind(b"</row>") + 6
    try:  # the rows so far, closed, as a sheet: its header is the whole part's
        head = SheetScan(buf[:cut] + b"</sheetData>", strings, date_styles)
        found = header_of(head, spec, name, workbook)
    except (Unsupported, DataError):
        return None
    return None if found is None else (buf, cut, head, found, consumed)


def _rest(pieces, buf: bytes, cut: int):  # type: ignore[no-untyped-def]
    """The rows after the head, a piece's worth at a time, as (bytes, start, end) holding whole rows
    between the offsets: the rows inside an inflated piece where they lie (not copied), the row cut by
    a piece's end joined with its start in the next; the last ones up to the end of sheetData, or None
    at the end when the part has no end of sheetData."""
    tail = buf[cut:]
    for data in pieces:
        first = data.find(b"</row>")
        if first < 0:
            tail += data
            continue
        if tail:  # the row begun in the piece before, ended in this one
            joined = tail + data[:first + 6]
            yield joined, 0, len(joined)
        last = data.rfind(b"</row>") + 6
        if last > first + 6:
            yield data, first + 6, last
        tail = data[last:]
    end = tail.rfind(b"</sheetData>")
    yield None if end < 0 else (tail, 0, end)


def _read(pieces, seen: list[int], date_styles: set[int], strings: SharedStrings | None, spec: Sheet,  # type: ignore[no-untyped-def]
          name: str, workbook: str, keys: tuple[str, ...] | None, split) -> SheetData | None:
    """`seen`: the bytes of XML `pieces` has inflated so far. `split`: (package, part, piece, half) — the
    rows reached once `half` bytes are inflated are read on the second core (`_tail`) — or None: all of
    them here."""
    got = _head(pieces, date_styles, strings, spec, name, workbook)
    if got is None:
        return None
    buf, cut, head, found, n_head = got
    plan = _plan(head, found, spec, strings, keys)
    if plan is None:
        return None  # a 合计 row is found by every column of it: the whole read reads them all
    if len(plan.read) < ROW_PASS_COLUMNS:
        return None  # a few columns: the column search of the whole part costs less
    taken = _Rows(plan)
    if not taken.take_head(buf, cut):  # 计算明细 is no label
        return None
    later = None if split is None else twocore.Forked(_tail, *split, n_head, plan)
    try:
        for segment in _rest(pieces, buf, cut):
            if later is not None and seen[0] >= split[3]:
                break  # the child's rows from here on
            if segment is None or not taken.take(*segment):
                return None
        mine = taken.finish(name)  # this process's rows typed and assembled while the child does its own
        if mine is None or later is None:
            return mine  # None: a 合计 row among this process's rows, the whole read reads every column
        tail, later = later.result(), None
    finally:
        if later is not None:
            later.cancel()
    return None if tail is None else joined(mine, tail)  # None: a row out of the form, or a 合计 row under a
                                                          # report's few columns, among the child's


def pieces(pkg: Package, part: str, strings: SharedStrings | None, spec: Sheet, name: str, workbook: str,
           keys: tuple[str, ...] | None, rows: int, piece: int = PIECE) -> Iterator[SheetData]:
    """The register's columns (all, or `keys`) a piece of about `rows` rows at a time, each typed and
    assembled as `read` assembles a half: what a command that copies a register row by row holds of a sheet
    too big to hold whole (publish of L's 1.6 million bills). One core, nothing kept after a piece is
    taken. Unsupported, raised at any piece: the rest of the part cannot be read so (the header not found
    in the first rows, a row out of the usual form, a 合计 label under a few of the columns) — the caller
    reads the part whole and takes the rows after those given."""
    stream = pkg.stream(part, piece)
    try:
        got = _head(stream, pkg.date_styles(), strings, spec, name, workbook)
        if got is None:
            raise Unsupported("no header in the first rows, or a part this small")
        buf, cut, head, found, _ = got
        plan = _plan(head, found, spec, strings, keys)
        if plan is None:
            raise Unsupported("a 合计 row is found by every column of it")

        def done(taken: _Rows) -> SheetData:
            data = taken.finish(name)
            if data is None:
                raise Unsupported("a 合计 row is found by every column of it")
            return data

        taken = _Rows(plan)
        if not taken.take_head(buf, cut):
            raise Unsupported("a row out of the usual form")
        rest = _rest(stream, buf, cut)
        del buf, got
        for segment in rest:
            if segment is None or not taken.take(*segment):
                raise Unsupported("a row out of the usual form")
            if len(taken.rows) >= rows:
                yield done(taken)
                taken = _Rows(plan)
        yield done(taken)
    except PackageError:
        raise Unsupported("a damaged part") from None
    finally:
        stream.close()


@dataclass(frozen=True)
class _Plan:
    """How a part's rows are read, from its head (the rows the header was found in, as a scan): the header
    (`shape`: its row, columns, headers, width), the columns wanted, those read (every one when all are
    wanted: a 合计 row is found by any of them) with their row pattern and converters, and whether the
    shared strings may hold a 合计 label."""

    head: SheetScan
    shape: tuple
    wanted: dict[str, int]
    complete: bool
    read: list[int]
    pattern: re.Pattern[bytes]
    convert: dict
    labels: bool


def _plan(head: SheetScan, found: tuple, spec: Sheet, strings: SharedStrings | None,
          keys: tuple[str, ...] | None) -> _Plan | None:
    """The plan of a read of these columns (all, or `keys`); None when the shared strings may hold a 合计
    label and not every column is read (the whole read reads them all)."""
    header_row, columns, headers, width = found
    labels = strings is not None and strings.may_hold_subtotal()
    wanted = dict(columns) if keys is None else {k: columns[k] for k in keys if k in columns}
    complete = len(wanted) == len(columns)
    if labels and not complete:
        return None
    ncols = max([width, head.dimension_cols, *(i + 1 for i in columns.values())])
    by_col = {i: k for k, i in wanted.items()}
    read = list(range(ncols)) if complete else sorted(by_col)
    convert = {c: CONVERTERS[spec.column(by_col[c]).kind] if c in by_col else str for c in read}
    return _Plan(head, found, wanted, complete, read, row_pattern(read, ncols), convert, labels)


class _Rows:
    """The rows of a part's segments taken so far (by `plan`): their numbers, the cells of the columns read
    (the rest of each cell as stored), and whether a 合计 label may be among them."""

    def __init__(self, plan: _Plan) -> None:
        self.plan, self.labels = plan, plan.labels
        self.rows: list[int] = []
        self.cells: dict[int, list[bytes]] = {c: [] for c in plan.read}

    def take_head(self, buf: bytes, cut: int) -> bool:
        """The rows of the head below the header (`buf` up to `cut`); False: a row out of the form."""
        head = self.plan.head
        return self.take(buf, head.start, cut, head.row_ends.get(self.plan.shape[0], head.start))

    def take(self, segment: bytes, begin: int, end: int, below_header: int = 0) -> bool:
        """The rows between two offsets of `segment`; False: a row out of the form."""
        got = rows_between(segment, self.plan.pattern, self.plan.read, begin, end)
        if got is None:
            return False
        self.rows.extend(got[0])
        for c in self.plan.read:
            self.cells[c].extend(got[1][c])
        if not self.labels:
            self.labels = _may_have_subtotal(_Segment(segment, max(begin, below_header), end), 0)
        return True

    def finish(self, name: str) -> SheetData | None:
        """The columns of these rows, each column's distinct cells typed (L's 账单号: a million, two seconds
        of typing, which each process does for its own rows) and assembled as `assemble` makes them, the
        cells let go of a column at a time; None when a 合计 label may be among them and not every column
        is read (the whole read reads them all)."""
        plan = self.plan
        if self.labels and not plan.complete:
            return None
        return rows_assembled(plan.head, name, plan.shape, plan.wanted, self.rows, self.cells, plan.convert,
                              self.labels)


def _tail(pkg: Package, part: str, piece: int, half: int, n_head: int, plan: _Plan) -> SheetData | None:
    """What `_read` takes of the rows reached once `half` bytes of the part's XML are inflated, run in a
    forked child: the part inflated again from its start (skipping costs a fraction of scanning) and cut
    into the very segments `_read` cuts (the same pieces, the head of `n_head` of them), read, typed and
    assembled by the same `plan`. None: a row out of the form, no end, or a 合计 label that may be among
    the rows when not every column is read (the whole read reads them all)."""
    stream = pkg.stream(part, piece)
    seen = [0]
    try:
        pieces = _counted(stream, seen)
        buf = b"".join(islice(pieces, n_head))
        taken = _Rows(plan)
        for segment in _rest(pieces, buf, buf.rfind(b"</row>") + 6):
            if segment is None:
                return None
            if seen[0] >= half and not taken.take(*segment):
                return None
    finally:
        stream.close()
    return taken.finish("")


def rows(pkg: Package, part: str, strings: SharedStrings | None, spec: Sheet, name: str, workbook: str, *,
         only: tuple[str, str] | None = None, numbers: list[int] | None = None, piece: int = PIECE) -> Table | None:
    """Some rows of a register sheet, typed, as a partial table, read as the part is inflated: those
    whose `only[0]` column holds `only[1]` (what `columns.scan_only` gives) or those with these `numbers`
    (`columns.scan_rows`). Only those rows' XML is kept. None: read the part whole."""
    pieces = pkg.stream(part, piece)
    try:
        return _rows(pieces, pkg.date_styles(), strings, spec, name, workbook, only, numbers)
    except PackageError:
        return None
    finally:
        pieces.close()


def _rows(pieces, date_styles: set[int], strings: SharedStrings | None, spec: Sheet, name: str,  # type: ignore[no-untyped-def]
          workbook: str, only: tuple[str, str] | None, numbers: list[int] | None) -> Table | None:
    got = _head(pieces, date_styles, strings, spec, name, workbook)
    if got is None:
        return None
    buf, cut, head, (header_row, columns, headers, width), _ = got
    col = columns.get(only[0]) if only else None
    convert = CONVERTERS[spec.column(only[0]).kind] if only and col is not None else None
    search = _column_pattern(col) if col is not None else None
    pending = sorted({n for n in numbers or () if n > header_row})
    kept: list[bytes] = []
    found = None  # scan_only's search for the cells that can hold the identifier (`unitsearch`)
    if only is not None and col is not None and searched(strings, spec, only[0], only[1]):
        found = unitsearch.needles(unitsearch.matching_strings(strings, convert, only[1]))  # type: ignore[arg-type]

    def take(segment: bytes, begin: int, end: int) -> bool:
        starts = None
        if found is not None:  # the cells that can hold the identifier
            try:
                starts = unitsearch.rows_holding(head, segment, begin, end, col_letter(col).encode(),  # type: ignore[arg-type]
                                                 found, convert, only[1], header_row)  # type: ignore[index]
            except Unsupported:
                return False
        if starts is not None:
            wanted = list(starts)
        elif only is not None:  # scan_only's column search: every row and cell numbered, then its cells
            if _UNNUMBERED.search(segment, begin, end):
                return False
            if search is None:
                return True
            wanted = holding(head, search.findall(segment, begin, end), convert, only[1], header_row)
        else:  # scan_rows: the rows by their numbers, in order
            wanted, at = [], begin
            while pending and (i := segment.find(b'<row r="%d"' % pending[0], at, end)) >= 0:
                wanted.append(pending.pop(0))
                at = i
        at = begin
        for n in wanted:
            i = starts[n] if starts is not None else segment.find(b'<row r="%d"' % n, at, end)
            if i < 0:
                return False
            j = segment.find(b"</row>", i, end)
            k = segment.find(b">", i, end)
            stop = k + 1 if segment[k - 1:k] == b"/" else j + 6
            kept.append(segment[i:stop])
            at = stop
        return True

    if not take(buf, head.start, cut):
        return None
    segments = _rest(pieces, buf, cut) if only is not None or pending else ()
    for segment in segments:  # rows by number: the rest of the part after the last is not inflated
        if segment is None or not take(*segment):
            return None
        if only is None and not pending:
            break
    if pending:
        return None  # a row not found in order: the whole read looks for it
    table = Table(spec, name, header_row, dict(columns), dict(headers), width, workbook=workbook, partial=True)
    if not kept:
        return table
    above = buf[head.start:head.row_ends[header_row]]  # the header and the rows above it
    picked = SheetScan(b"<sheetData>" + above + b"".join(kept) + b"</sheetData>", head.strings, date_styles)
    found = sorted(map(int, re.findall(rb'<row r="(\d+)"', b"".join(kept))))
    return typed_rows(picked, spec, name, workbook, header_row, found)


class _Segment:
    """What `_may_have_subtotal` looks at of a scan: some rows' bytes, no shared strings (asked already)."""

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data, self.start, self.end = data, start, end
        self.strings = None
        self.row_ends: dict[int, int] = {}
