"""Reading a worksheet part straight from its XML, one column at a time.

A register of 240,000 bills is 100 MB of sheet XML. A general reader (calamine) parses every cell into
a grid and then Python types every cell: seconds. Here each register column is found with one
regular-expression pass over the part (a literal search for `<c r="G`, about 0.1 s per column on that
sheet), and each distinct cell text is converted once (a column of 房号 holds a few thousand distinct
values, not 240,000). The values are exactly what calamine gives — float for a number, a date or
datetime under a date style (rounded to the millisecond), True/False, shared or inline text — so a
register reads the same either way.

Only the plain form that Excel, WPS, LibreOffice, openpyxl and propcli write is handled: unprefixed
elements and every row and cell carrying its `r` reference. Anything else (`Unsupported`) is read by
calamine instead: error cells, ISO-date cells, a 1904 date system.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from . import twocore
from .memmem import contains
from .normalize import CellError
from .sheetxml import col_index, col_letter

_SI = re.compile(rb"<si(?:\s*/>|>(.*?)</si>)", re.S)
_T = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>|<t(?:\s[^>]*)?/>", re.S)
_RPH = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_V = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")
_IS = re.compile(rb"<is>(.*?)</is>", re.S)
_ATTR_T = re.compile(rb'\bt="([^"]*)"')
_ATTR_S = re.compile(rb'\bs="(\d+)"')
_ROW = re.compile(rb"<row\b([^>]*?)(/?)>", re.S)
_ROW_R = re.compile(rb'\br="(\d+)"')
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')
_UNNUMBERED = re.compile(rb'<(row|c)(?=[\s/>])(?! r=")')
_CELL_ANY = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
# The rest of a cell after its reference: attributes, then `/>` or its content up to its own `</c>` (the
# usual `<v>` first). Atomic: a cell never reaches into the next one to make a row fit.
_REST = rb"[^>/]*+(?>/>|><v>[^<]*+</v></c>|>.*?</c>)"
# Bytes that a 合计/小计/总计/total label holds (`reader.SUBTOTAL_WORDS`), as stored in UTF-8 XML.
SUBTOTAL_NEEDLES = ("合计".encode(), "小计".encode(), "总计".encode(), b"otal", b"OTAL")
# A shared string stored plain, in entries joined by NUL (which XML cannot hold): its text as it reads.
_PLAIN_SI = re.compile(r"<t>([^<&_\0]*)</t></si>[^\0]*(?:\0|$)")
_SHARED_REST = re.compile(rb'[^>]*\bt="s"[^>]*><v>(\d+)</v></c>')
_SLICE = 16 << 20  # bytes of sheet XML matched at a time by `by_rows`
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="([^"]*)"')
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#\d+|amp|lt|gt|quot|apos);")
_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_EPOCH = dt.datetime(1899, 12, 30)
_MS_PER_DAY = 86_400_000


class Unsupported(Exception):
    """The part is not in the plain form this reader handles; read it with calamine."""


class MissingString(Exception):
    """A cell refers to a shared string the workbook does not have (no shared-strings part, or an index
    past its end): the cell's text is lost, and no reader can say what it was."""

    def __init__(self, index: int, count: int) -> None:
        super().__init__(f"shared string {index} of {count}")
        self.index = index
        self.count = count


ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(.*?)</c>', re.S)


def _entity(m: re.Match) -> str:
    e = m.group(1)
    if e[0] == "#":
        return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
    return _ENTITIES[e]


def unescape(text: str) -> str:
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if "_x" in text:  # OOXML's escape of control characters: _x000D_
        text = _XESC.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def rich_text(content: bytes) -> str:
    """The text of an `<si>` or `<is>`: its `<t>`, or the `<t>` of every run; phonetic runs left out."""
    if content.startswith(b"<t>") and content.endswith(b"</t>") and content.count(b"<t") == 1:
        raw = content[3:-4]
    else:
        if b"<rPh" in content:
            content = _RPH.sub(b"", content)
        raw = b"".join(_T.findall(content))
    return unescape(raw.decode("utf-8"))


class SharedStrings:
    """xl/sharedStrings.xml, each entry decoded the first time a cell refers to it."""

    def __init__(self, data: bytes | None) -> None:
        if data and re.search(rb"<(?:\w+:)sst\b", data[:2000]):
            raise Unsupported("prefixed shared strings")
        self.split_form = False  # True: each item is the rest of its entry, `<t>…</t></si>` (and what follows)
        if not data:
            self._items: list[bytes] = []
        elif contains(data, b"<si/>") or contains(data, b"<si "):
            self._items = _SI.findall(data)
        else:  # a split is ten times faster than the regex; each piece ends with `</si>` (and more)
            self._items = data.split(b"<si>")[1:]
            self.split_form = True
        self._text: dict[int, str] = {}
        # searched in the part as stored (its entries' text and tags) while it is at hand: joining L's 100 MB
        # of entries to search them later cost five times this
        first = data.find(b"<si") if data else -1
        self._labels = first >= 0 and any(contains(data, n, first) for n in SUBTOTAL_NEEDLES)  # type: ignore[arg-type]

    def __getitem__(self, i: int) -> str:
        s = self._text.get(i)
        if s is None:
            if not 0 <= i < len(self._items):
                raise MissingString(i, len(self._items))
            item = self._items[i]
            end = item.rfind(b"</si>")
            s = self._text[i] = rich_text(item[:end] if end >= 0 else item)
        return s

    def __len__(self) -> int:
        return len(self._items)

    def plain(self, indices: list[int]) -> list[str] | None:
        """The texts of these entries at once, when every one is stored plain (`<t>text</t></si>`, no
        entity, no `_x` escape, no run): one decode and one search for them all, not a call per entry
        (a column of 800,000 bill numbers). None: some entry is not (or is missing); ask one by one."""
        if not indices or not 0 <= min(indices) <= max(indices) < len(self._items):
            return None
        text = b"\0".join(map(self._items.__getitem__, indices)).decode("utf-8")
        found = _PLAIN_SI.findall(text)
        return found if len(found) == len(indices) else None  # at most one match in each entry

    @property
    def items(self) -> list[bytes]:
        """The entries as stored (`unitsearch` compares them as bytes)."""
        return self._items

    def may_hold_subtotal(self) -> bool:
        """Whether any entry may be a 合计/小计/总计/total label (SUBTOTAL_NEEDLES found in its stored text):
        searched once, in the entries as stored (text and tags), for every sheet that asks."""
        return self._labels


def serial_to_python(serial: float) -> dt.date | dt.datetime | dt.time:
    """A number under a date style, as calamine gives it: date, datetime (to the ms) or time of day."""
    if serial < 0:
        raise Unsupported("negative date")
    ms = round(serial * _MS_PER_DAY)
    if serial < 1:
        t = dt.datetime.min + dt.timedelta(milliseconds=ms)
        return t.time()
    if serial < 60:  # Excel's 1900 leap-year bug: serials before 1900-03-01 are one day off
        ms += _MS_PER_DAY
    moment = _EPOCH + dt.timedelta(milliseconds=ms)
    if moment.hour == moment.minute == moment.second == moment.microsecond == 0:
        return moment.date()
    return moment


class SheetScan:
    """One worksheet part's XML: its top rows as a grid, then any column's cells in one pass."""

    def __init__(self, data: bytes, strings: SharedStrings | None, date_styles: set[int]) -> None:
        self.data = data
        self.strings = strings
        self.date_styles = date_styles
        i = data.find(b"<sheetData")
        if i < 0:
            if re.search(rb"<\w+:sheetData\b", data):
                raise Unsupported("prefixed sheet")
            raise Unsupported("no sheetData")
        j = data.index(b">", i)
        if data[j - 1:j] == b"/":
            self.start = self.end = j + 1
        else:
            self.start = j + 1
            self.end = data.rfind(b"</sheetData>", self.start)  # from the end: it closes the part
            if self.end < 0:
                raise Unsupported("unclosed sheetData")
        m = _DIMENSION.search(data, 0, i)
        self.dimension_cols = 0
        if m:
            last = m.group(1).split(b":")[-1]
            letters = re.match(rb"([A-Z]+)", last)
            if letters:
                self.dimension_cols = col_index(letters.group(1).decode()) + 1
        self._attrs: dict[bytes, tuple[bytes, bool]] = {}
        self._rows: list[int] | None = None
        self.row_ends: dict[int, int] = {}  # where each row read by `top` ends

    # -- cells ---------------------------------------------------------------------------------

    def _cell_kind(self, attrs: bytes) -> tuple[bytes, bool]:
        """(t, whether the style shows a date) of a cell's attributes, memoised."""
        kind = self._attrs.get(attrs)
        if kind is None:
            t = _ATTR_T.search(attrs)
            s = _ATTR_S.search(attrs)
            t_value = t.group(1) if t else b"n"
            if t_value == b"d":
                raise Unsupported(f"cell type {t_value.decode()}")
            kind = self._attrs[attrs] = (t_value, bool(s) and int(s.group(1)) in self.date_styles)
        return kind

    def value(self, attrs: bytes, inner: bytes | None) -> object:
        """The raw value of one cell as calamine gives it ("" for a blank cell)."""
        t, is_date = self._cell_kind(attrs)
        if not inner:
            return ""
        if t == b"inlineStr":
            m = _IS.search(inner)
            return rich_text(m.group(1)) if m else ""
        m = _V.search(inner)
        if m is None:
            return ""
        v = m.group(1)
        if t == b"s":
            if self.strings is None:
                raise MissingString(int(v), 0)
            return self.strings[int(v)]
        if t == b"e":
            return CellError(unescape(v.decode("utf-8")).strip())
        if t == b"str":
            return unescape(v.decode("utf-8"))
        if t == b"b":
            return v.strip() == b"1"
        if t != b"n":
            raise Unsupported(f"cell type {t.decode()}")
        try:
            x = float(v)
        except ValueError:  # a number cell holding text: an error Excel wrote so, or a broken file
            text = unescape(v.decode("utf-8", "replace")).strip()
            if text.startswith("#"):
                return CellError(text)
            raise Unsupported("number cell holding text") from None
        return serial_to_python(x) if is_date else x

    def top(self, limit: int) -> list[list[object]]:
        """Rows 1..limit as a grid (lists padded to the widest row), for finding the header."""
        grid: list[list[object]] = []
        pos = self.start
        number = 0
        while pos < self.end:
            m = _ROW.search(self.data, pos, self.end)
            if not m:
                break
            r = _ROW_R.search(m.group(1))
            if not r or not m.group(1).startswith(b' r="'):
                raise Unsupported("row without r first")  # the column search relies on `<row r="`
            number = int(r.group(1))
            if m.group(2) == b"/":
                body, pos = b"", m.end()
            else:
                close = self.data.find(b"</row>", m.end(), self.end)
                if close < 0:
                    raise Unsupported("unclosed row")
                body, pos = self.data[m.end():close], close + 6
            if number > limit:
                break
            self.row_ends[number] = pos
            while len(grid) < number:
                grid.append([])
            grid[number - 1] = self.row_cells(body)
        width = max((len(r) for r in grid), default=0)
        for row in grid:
            row.extend([""] * (width - len(row)))
        return grid

    def row_cells(self, body: bytes) -> list[object]:
        cells: list[object] = []
        for m in _CELL_ANY.finditer(body):
            ref = _CELL_REF.search(m.group(1))
            if not ref or not m.group(1).startswith(b' r="'):
                raise Unsupported("cell without r first")  # the column search relies on `<c r="`
            col = col_index(ref.group(1).decode())
            while len(cells) <= col:
                cells.append("")
            cells[col] = self.value(m.group(1), m.group(2))
        return cells

    def check_refs(self) -> None:
        """Every row and cell carries its `r` first (the column search relies on `<c r="`): a sheet whose
        rows or cells leave some out, anywhere, goes to the general reader. One regex pass, no match."""
        found = self._first_unnumbered()
        if found:
            raise Unsupported(f"{found} without r first")

    @contextmanager
    def refs_checked(self) -> Iterator[None]:
        """`check_refs`, on the second core while the block runs (the block's own pass over the part on
        this one): Unsupported when the block ends, before anything after it could read a cell."""
        if not twocore.worth_it(self.end - self.start):
            self.check_refs()
            yield
            return
        job = twocore.Forked(self._first_unnumbered)
        try:
            yield
        except BaseException:
            job.cancel()
            raise
        found = job.result()
        if found:
            raise Unsupported(f"{found} without r first")

    def _first_unnumbered(self) -> str | None:
        m = _UNNUMBERED.search(self.data, self.start, self.end)
        return m.group(1).decode() if m else None

    def row_numbers(self) -> list[int]:
        """The number of every row element, in sheet order."""
        if self._rows is None:
            self._rows = list(map(int, _ROW_NUMBER.findall(self.data, self.start, self.end)))
        return self._rows

    def column(self, col: int) -> list[tuple[bytes, bytes]]:
        """Every cell of one column: (row number, the rest of the cell as stored), in sheet order."""
        return _column_pattern(col).findall(self.data, self.start, self.end)

    def each_cell(self, col: int) -> Iterator[tuple[bytes, bytes]]:
        """`column`, one cell at a time: what looks at each cell once holds none of them."""
        return (m.groups() for m in _column_pattern(col).finditer(self.data, self.start, self.end))

    def last(self, col: int) -> tuple[bytes, bytes] | None:
        """`column`'s last cell, searched for from the end of the sheet (a cell of a column whose letters
        begin with these — CA after C — passed over); None: the column has none."""
        pattern, start = _column_pattern(col), b'<c r="' + col_letter(col).encode()
        at = self.end
        while (i := self.data.rfind(start, self.start, at)) >= 0:
            m = pattern.match(self.data, i)
            if m is not None:
                return m.group(1), m.group(2)
            at = i
        return None

    def dense(self, ncols: int) -> bool:
        """Whether the rows hold, on average, cells in at least half of `ncols` columns (about 40 bytes of
        XML a cell) at both ends of the sheet: then one pass over the rows (`by_rows`) beats a search per
        column. Formatted blank rows below the data (a clerk who formats whole columns) are not dense:
        there a column search skips them."""
        window = 1 << 20
        for lo in (self.start, max(self.start, self.end - window)):
            hi = min(self.end, lo + window)
            if (hi - lo) < self.data.count(b"<row", lo, hi) * ncols * 20:
                return False
        return True

    def by_rows(self, wanted: Sequence[int], ncols: int, each: Callable[[SheetScan, list[int], dict], object] | None = None,
                join: Callable[[object, object], object] | None = None):  # type: ignore[no-untyped-def]
        """Every row's number and the cells of columns `wanted`, in one pass over the part: what a column
        read of a register in the form Excel, WPS and propcli write costs once, not once per column.

        Each cell is the rest of it as stored (what `column` gives; b"" where the row has no such cell).
        None when some row is in another form (a cell out of order or beyond `ncols`, spaces between
        cells, a row or cell without its reference): then read column by column.

        `each(scan, rows, cells)`: what is made of the rows where each half of them is read (the second
        half's in the child: M's 240,000 bills typed and assembled half there), the halves' joined by
        `join`: that is returned instead of the rows and cells."""
        if not wanted:
            return None
        pattern = row_pattern(wanted, ncols)
        order = sorted(set(wanted))
        if not twocore.worth_it(self.end - self.start):
            return _rows_made(self, pattern, order, self.start, self.end, each)
        # the second half of the rows on the second core, at a row's end
        half = self.data.find(b"</row>", self.start + (self.end - self.start) // 2, self.end)
        half = self.end if half < 0 else half + 6
        later = twocore.Forked(_rows_made, self, pattern, order, half, self.end, each)
        try:
            first = _rows_made(self, pattern, order, self.start, half, each)
        except BaseException:
            later.cancel()
            raise
        if first is None:
            later.cancel()
            return None
        second = later.result()
        if second is None:
            return None
        if join is not None:
            return join(first, second)
        first[0].extend(second[0])
        for c in order:
            first[1][c].extend(second[1][c])
        return first

    def column_cells(self, col: int) -> list[bytes]:
        """Every cell of one column, the rest of each cell as stored, without the row numbers."""
        letter = col_letter(col).encode()
        pattern = re.compile(rb'<c r="' + letter + rb'\d+"([^>/]*(?:/>|>.*?</c>))', re.S)
        return pattern.findall(self.data, self.start, self.end)

    def value_of(self, rest: bytes) -> object:
        """The raw value of a cell from what follows its `r` (` s="6"><v>230.95</v></c>`, ` s="3"/>`;
        b"": no such cell)."""
        if not rest:
            return ""
        if self.strings is not None:
            shared = _SHARED_REST.fullmatch(rest)  # the usual text cell: straight to its shared string
            if shared is not None:
                return self.strings[int(shared.group(1))]
        i = rest.find(b">")
        if rest[i - 1:i] == b"/":
            return self.value(rest[:i - 1], None)
        return self.value(rest[:i], rest[i + 1:-4])

    def rows_with(self, numbers: Iterable[int], starts: dict[int, int] | None = None) -> dict[int, list[object]]:
        """Whole rows by number (for the few rows a filtered read keeps); `starts`: where some of them
        begin, known already (`unitsearch.rows_holding`)."""
        out: dict[int, list[object]] = {}
        pos = self.start
        for n in sorted(set(numbers)):
            i = starts[n] if starts and n in starts else self.data.find(b'<row r="%d"' % n, pos, self.end)
            if i < 0:
                i = self.data.find(b'<row r="%d"' % n, self.start, self.end)
            if i < 0:
                raise Unsupported(f"row {n} not found")
            j = self.data.index(b">", i)
            if self.data[j - 1:j] == b"/":
                out[n], pos = [], j + 1
                continue
            close = self.data.find(b"</row>", j, self.end)
            out[n] = self.row_cells(self.data[j + 1:close])
            pos = close
        return out


def _column_pattern(col: int) -> re.Pattern[bytes]:
    """A cell of one column: its row number and the rest of it as stored."""
    return re.compile(rb'<c r="' + col_letter(col).encode() + rb'(\d+)"([^>/]*(?:/>|>.*?</c>))', re.S)


def row_pattern(wanted: Sequence[int], ncols: int) -> re.Pattern[bytes]:
    """The one-pass pattern of a row in the usual form, capturing the cells of columns `wanted`."""
    want = set(wanted)
    parts = []
    for c in range(max(ncols, max(want) + 1)):
        letter = col_letter(c).encode()
        rest = b"(" + _REST + b")" if c in want else _REST
        parts.append(b'(?:<c r="' + letter + rb'\1"' + rest + b")?")
    return re.compile(rb'<row r="(\d+)"[^>]*?(?:/>|>' + b"".join(parts) + rb"</row>)|(<row)", re.S)


def _rows_made(scan: SheetScan, pattern: re.Pattern[bytes], order: list[int], start: int, end: int,
               each: Callable[[SheetScan, list[int], dict], object] | None):  # type: ignore[no-untyped-def]
    """`rows_between` over the scan's data, or `each` of the rows and cells found (when given)."""
    got = rows_between(scan.data, pattern, order, start, end)
    return got if got is None or each is None else each(scan, *got)


def rows_between(data: bytes, pattern: re.Pattern[bytes], order: list[int], start: int,
                 end: int) -> tuple[list[int], dict[int, list[bytes]]] | None:
    """`SheetScan.by_rows` over the rows of `data` that lie between two offsets (None: a row out of the
    form); `order`: the wanted columns, sorted."""
    rows: list[int] = []
    cells: dict[int, list[bytes]] = {c: [] for c in order}
    same: dict[int, dict[bytes, bytes]] = {c: {} for c in order}  # each distinct cell kept once
    pos = start
    while pos < end:  # a slice of rows at a time: a million rows' matches never held at once
        cut = data.find(b"</row>", min(pos + _SLICE, end), end)
        cut = end if cut < 0 else cut + 6
        found = pattern.findall(data, pos, cut)
        if any(map(operator.itemgetter(-1), found)):  # a row the form does not fit
            return None
        rows.extend(map(int, map(operator.itemgetter(0), found)))
        for i, c in enumerate(order):
            column = list(map(operator.itemgetter(i + 1), found))
            cells[c].extend(map(same[c].setdefault, column, column))
        pos = cut
    return rows, cells
