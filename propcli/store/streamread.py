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

from ..errors import DataError
from .columns import ROW_PASS_COLUMNS, SheetData, _Column, _convert_column, _may_have_subtotal, assemble, header_of
from .fastread import SharedStrings, SheetScan, Unsupported, row_pattern, rows_between
from .normalize import CONVERTERS
from .package import Package, PackageError
from .reader import HEADER_SCAN_ROWS
from .schema import Sheet

PIECE = 1 << 20  # stored (deflated) bytes inflated at a time: about 10 MB of sheet XML


def read(pkg: Package, part: str, strings: SharedStrings | None, spec: Sheet, name: str, workbook: str,
         keys: tuple[str, ...] | None, piece: int = PIECE) -> SheetData | None:
    """The register's columns (all, or `keys`) from a part inflated piece by piece; None: read it whole."""
    pieces = pkg.stream(part, piece)
    try:
        return _read(pieces, pkg.date_styles(), strings, spec, name, workbook, keys)
    except PackageError:
        return None  # a damaged part: the whole read names it
    finally:
        pieces.close()  # a read given up on stops inflating


def _read(pieces, date_styles: set[int], strings: SharedStrings | None, spec: Sheet, name: str,  # type: ignore[no-untyped-def]
          workbook: str, keys: tuple[str, ...] | None) -> SheetData | None:
    buf = b""
    for data in pieces:  # the head: the part's start and the rows the header is searched in
        buf += data
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
    if found is None:
        return None
    header_row, columns, headers, width = found
    labels = strings is not None and strings.may_hold_subtotal()
    wanted = dict(columns) if keys is None else {k: columns[k] for k in keys if k in columns}
    if labels and len(wanted) < len(columns):
        return None  # a 合计 row is found by every column of it: the whole read reads them all
    complete = len(wanted) == len(columns)
    ncols = max([width, head.dimension_cols, *(i + 1 for i in columns.values())])
    by_col = {i: k for k, i in wanted.items()}
    read = list(range(ncols)) if complete else sorted(by_col)
    if len(read) < ROW_PASS_COLUMNS:
        return None  # a few columns: the column search of the whole part costs less
    pattern = row_pattern(read, ncols)
    rows: list[int] = []
    cells: dict[int, list[bytes]] = {c: [] for c in read}

    def take(segment: bytes, begin: int, below_header: int = 0) -> bool:
        nonlocal labels
        got = rows_between(segment, pattern, read, begin, len(segment))
        if got is None:
            return False
        rows.extend(got[0])
        for c in read:
            cells[c].extend(got[1][c])
        if not labels:
            labels = _may_have_subtotal(_Segment(segment, max(begin, below_header), len(segment)), 0)
        return True

    if not take(buf[:cut], head.start, head.row_ends.get(header_row, head.start)):  # 计算明细 is no label
        return None
    rest = buf[cut:]
    buf = b""
    for data in pieces:
        rest += data
        cut = rest.rfind(b"</row>") + 6
        if cut >= 6:
            if not take(rest[:cut], 0):
                return None
            rest = rest[cut:]
    end = rest.rfind(b"</sheetData>")
    if end < 0 or not take(rest[:end], 0):
        return None
    if labels and not complete:
        return None
    scanned = {c: _Column(rows, cells[c], *_convert_column(head, cells[c], CONVERTERS[spec.column(by_col[c]).kind]
                                                           if c in by_col else str))
               for c in read}
    return assemble(name, (header_row, columns, headers, width), wanted, scanned, rows, labels)


class _Segment:
    """What `_may_have_subtotal` looks at of a scan: some rows' bytes, no shared strings (asked already)."""

    def __init__(self, data: bytes, start: int, end: int) -> None:
        self.data, self.start, self.end = data, start, end
        self.strings = None
        self.row_ends: dict[int, int] = {}
