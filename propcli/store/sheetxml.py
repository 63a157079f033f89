"""Edits to one worksheet's XML that touch only the rows they change.

The sheet is kept as bytes. Rows are located with one regular-expression pass; an edit re-renders only
the row it changes, and every other byte of the part (other rows, column widths, merged cells, data
validation, conditional formats, extension lists) is left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .memmem import find

_ROW = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)row\b([^>]*?)(/?)>", re.S)
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*?)(?:/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>)", re.S)
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_SHEETDATA_OPEN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_DIMENSION = re.compile(rb'(<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref=")([^"]*)(")')
_COL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?col\b([^>]*?)/?>")
_HAS_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:v|is|f)\b")
_HAS_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f\b")
_REF = re.compile(r"^([A-Z]+)(\d+)$")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MAX_ROWS = 1_048_576

CellValue = str | int | float | Decimal | bool | dt.date | dt.datetime | None


def col_letter(index: int) -> str:
    """0-based column index → letters (0 → A, 26 → AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_NO_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:row|c)(?=[\s/>])(?![^>]*\sr=)[^>]*>")


def _numbered_cells(body: bytes, number: int, prefix: bytes) -> bytes:
    """The cells of row `number`, each given its `r` (a cell without one is the one after the cell before)."""
    out, pos, col = [], 0, -1
    for m in _CELL.finditer(body):
        a = _attrs(m.group(1))
        ref = a.get(b"r")
        col = col_index(_REF.match(ref.decode()).group(1)) if ref else col + 1
        out.append(body[pos : m.start()])
        if ref:
            out.append(m.group(0))
        else:
            head = len(b"<" + prefix + b"c")
            out.append(m.group(0)[:head] + f' r="{col_letter(col)}{number}"'.encode() + m.group(0)[head:])
        pos = m.end()
    out.append(body[pos:])
    return b"".join(out)


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def _esc(text: str) -> str:
    text = _ILLEGAL_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class _Row:
    number: int
    start: int
    end: int  # exclusive
    attrs: bytes
    self_closing: bool


@dataclass
class _Cell:
    col: int
    attrs: dict[bytes, bytes]
    raw: bytes


class SheetXml:
    """One worksheet part being edited. `to_bytes()` gives the new part."""

    def __init__(self, data: bytes, date_styles: set[int] | None = None) -> None:
        self.date_styles = date_styles or set()
        self._new: dict[int, bytes] = {}  # row number → replacement (or new) row XML
        self._max_col = 0  # the rightmost column written, for <dimension>
        self._parse(data)
        if self._last_number < 0 or self._lacks_refs():
            self._number_all()

    def _parse(self, data: bytes) -> None:
        self.data = data
        m = _SHEETDATA_OPEN.search(data)
        if not m:
            raise ValueError("worksheet has no sheetData")
        self.prefix = m.group(1)
        self._empty_sheetdata = m.group(2) == b"/"
        self._sd_open_end = m.end()
        # sheetData closes once, near the end of the part (what follows it is a few hundred bytes)
        close = b"</" + self.prefix + b"sheetData>"
        self._sd_close = m.start() if self._empty_sheetdata else data.rindex(close, m.end())
        self.rows: dict[int, _Row] = {}  # rows located so far (all of them once `_indexed`)
        self._order: list[int] = []
        self._indexed = False
        self._absent: set[int] = set()
        self._cursor = (0, self._sd_open_end)  # (number, end) of the furthest row located so far
        self._last_number = self._find_last_number()
        self._col_styles = self._read_col_styles()

    # Rows and cells may leave out their `r` (the format allows it; some generators do): a row is then the
    # one after the row before it, a cell the one after the cell before it. An edit of such a sheet would
    # mix numbered and unnumbered rows, which readers number differently (calamine read an updated row as
    # another row, and the unit "vanished"). So a sheet that lacks them is first given every `r` (one
    # pass; the values, styles and everything else stay as they are), then edited like any other.

    _PROBE = 1 << 16

    def _lacks_refs(self) -> bool:
        """Whether a row or cell start tag near the top or the end of sheetData has no `r`."""
        lo, hi = self._sd_open_end, self._sd_close
        windows = ((lo, min(hi, lo + self._PROBE)), (max(lo, hi - self._PROBE), hi))
        return any(_NO_REF.search(self.data, a, b) for a, b in windows)

    def _number_all(self) -> None:
        """Give every row and cell of the part its `r`; nothing else changes."""
        if self._empty_sheetdata:
            return
        data, p = self.data, self.prefix
        closing = b"</" + p + b"row>"
        out = [data[: self._sd_open_end]]
        pos, number = self._sd_open_end, 0
        while True:
            m = _ROW.search(data, pos, self._sd_close)
            if not m:
                break
            out.append(data[pos : m.start()])
            r = _attrs(m.group(2)).get(b"r")
            number = int(r) if r else number + 1
            attrs = m.group(2) if r else b' r="%d"' % number + m.group(2)
            if m.group(3) == b"/":
                out.append(b"<" + p + b"row" + attrs + b"/>")
                pos = m.end()
                continue
            end = data.index(closing, m.end())
            out.append(b"<" + p + b"row" + attrs + b">" + _numbered_cells(data[m.end() : end], number, p) + closing)
            pos = end + len(closing)
        out.append(data[pos:])
        self._parse(b"".join(out))

    # Rows are found one at a time (a search for `<row r="N"`), so an edit of a few rows of a 240,000-row
    # sheet does not index them all. A sheet whose rows do not start with their `r` (no writer we know)
    # is indexed in full, once.

    def _find_last_number(self) -> int:
        """Number of the last row element (from a search backwards); -1 when rows lack `r` numbers."""
        if self._empty_sheetdata:
            return 0
        tag = b"<" + self.prefix + b"row"
        pos = self.data.rfind(tag, self._sd_open_end, self._sd_close)
        while pos >= 0:
            m = _ROW.match(self.data, pos)
            if m:
                r = _attrs(m.group(2)).get(b"r")
                return int(r) if r else -1
            pos = self.data.rfind(tag, self._sd_open_end, pos)
        return 0

    def _row(self, number: int) -> _Row | None:
        if number in self.rows:
            return self.rows[number]
        if self._indexed or number in self._absent:
            return None
        if self._last_number < 0:
            self._index_rows()
            return self.rows.get(number)
        if number > self._last_number:
            return None
        needle = b"<" + self.prefix + b'row r="' + str(number).encode() + b'"'
        # rows are in order: a row is searched for from the row before it, or the furthest row found when
        # it lies beyond, so that rows looked up one after another (an append filling blank formatted
        # rows, after a walk back from the end) cost one pass over the part, not one pass each
        before = self.rows.get(number - 1)
        if before is not None:
            start = before.end
        else:
            start = self._cursor[1] if number > self._cursor[0] else self._sd_open_end
        pos = find(self.data, needle, start, self._sd_close)
        m = _ROW.match(self.data, pos) if pos >= 0 else None
        if m is None:  # not there, or written another way: index every row to be sure
            self._index_rows()
            return self.rows.get(number)
        return self._located(number, m)

    def _located(self, number: int, m: re.Match) -> _Row:
        """Remember the row element `m` (a match of _ROW) as row `number`."""
        if m.group(3) == b"/":
            end = m.end()
        else:
            closing = b"</" + self.prefix + b"row>"
            end = self.data.index(closing, m.end()) + len(closing)
        row = self.rows[number] = _Row(number, m.start(), end, m.group(2), m.group(3) == b"/")
        if number > self._cursor[0]:
            self._cursor = (number, end)
        return row

    def _index_rows(self) -> None:
        self._indexed = True
        self.rows, self._order = {}, []
        if self._empty_sheetdata:
            return
        data, close = self.data, self._sd_close
        closing = b"</" + self.prefix + b"row>"
        pos, number = self._sd_open_end, 0
        while True:
            m = _ROW.search(data, pos, close)
            if not m:
                break
            r = _attrs(m.group(2)).get(b"r")
            if not r:  # met in the middle of the part: number every row and cell, then index
                self._number_all()
                return self._index_rows()
            number = int(r)
            if m.group(3) == b"/":
                end = m.end()
            else:
                end = data.index(closing, m.end()) + len(closing)
            self.rows[number] = _Row(number, m.start(), end, m.group(2), m.group(3) == b"/")
            self._order.append(number)
            pos = end

    def _read_col_styles(self) -> list[tuple[int, int, int]]:
        head = self.data[: self._sd_open_end]
        spans = []
        for m in _COL.finditer(head):
            a = _attrs(m.group(1))
            if b"style" in a:
                spans.append((int(a[b"min"]) - 1, int(a[b"max"]) - 1, int(a[b"style"])))
        return spans

    # -- reading -------------------------------------------------------------------------------

    def cells(self, number: int) -> list[_Cell]:
        row = self._row(number)
        if row is None or row.self_closing:
            return []
        body = self._row_body(row)
        out, col = [], -1
        for m in _CELL.finditer(body):
            a = _attrs(m.group(1))
            ref = a.get(b"r")
            col = col_index(_REF.match(ref.decode()).group(1)) if ref else col + 1
            out.append(_Cell(col, a, m.group(0)))
        return out

    def _row_body(self, row: _Row) -> bytes:
        return self.data[row.start : row.end]

    def last_used_row(self) -> int:
        """The last row holding a value or formula (styled empty rows below the data do not count)."""
        newest = max(self._new, default=0)
        if not self._indexed and self._last_number >= 0:  # from the last value in the part: no index needed
            found = self._last_value_row()
            if found is not None:
                return max(found, newest)
        if not self._indexed:
            self._index_rows()
        for number in reversed(self._order):
            if number in self._new:
                return number
            row = self.rows[number]
            if not row.self_closing and _HAS_VALUE.search(self.data, row.start, row.end):
                return number
        return newest

    _VALUE_TAGS = (b"v>", b"v ", b"v/", b"is>", b"is ", b"f>", b"f ", b"f/")

    def _last_value_row(self) -> int | None:
        """The number of the row holding the part's last value or formula (0: none), found from the last
        value tag backwards, in a few C-level searches however many formatted blank rows follow it (a
        clerk who formats whole columns leaves 100,000s of them). None when that row has no number."""
        data, p, lo, hi = self.data, self.prefix, self._sd_open_end, self._sd_close
        tags = [b"<" + p + tag for tag in self._VALUE_TAGS]
        at, end = -1, hi
        while at < 0 and end > lo:  # a window at a time from the end (a tag absent from the part would
            start = max(lo, end - self._PROBE)  # otherwise be searched for through all of it)
            at = max(data.rfind(tag, start, min(hi, end + len(tag) - 1)) for tag in tags)
            end = start
        if at < 0:
            return 0
        tag = b"<" + p + b"row"
        pos = data.rfind(tag, lo, at)
        while pos >= 0:
            m = _ROW.match(data, pos)
            if m:
                r = _attrs(m.group(2)).get(b"r")
                if not r:
                    return None
                number = int(r)
                if number not in self.rows:
                    self._located(number, m)
                return number
            pos = data.rfind(tag, lo, pos)
        return None

    def is_formula(self, number: int, col: int) -> bool:
        return any(c.col == col and _HAS_FORMULA.search(c.raw) for c in self._current_cells(number))

    # -- editing -------------------------------------------------------------------------------

    def set_cells(self, number: int, values: Mapping[int, CellValue], template_row: int | None = None) -> None:
        """Set cells of row `number` (0-based column → value); other cells of the row stay as they are.

        A new row, or a new cell in an existing row, takes its style from `template_row` (the row above,
        for appended rows), else from the column's default style.
        """
        if not 1 <= number <= MAX_ROWS:
            raise ValueError(f"row {number} is outside the sheet")
        self._set(number, values, template_row, {c.col: c for c in self.cells(template_row)} if template_row else {})

    def _set(self, number: int, values: Mapping[int, CellValue], template_row: int | None,
             template: dict[int, _Cell]) -> None:
        current = self._current_cells(number)
        if any(b"r" not in c.attrs for c in current):
            self._number_all()
            current = self._current_cells(number)
        existing = {c.col: c for c in current}
        merged: dict[int, bytes] = {c: cell.raw for c, cell in existing.items()}
        for col, value in values.items():
            if col in existing:
                style = existing[col].attrs.get(b"s")
            elif col in template:
                style = template[col].attrs.get(b"s")
            else:
                style = self._col_style(col)
            merged[col] = self._cell_xml(col, number, value, style)
        row_attrs = self._row_attrs(number, template_row)
        p = self.prefix.decode()
        body = "".join(merged[c].decode("utf-8") for c in sorted(merged))
        self._new[number] = f"<{p}row {row_attrs}>{body}</{p}row>".encode()
        self._max_col = max([self._max_col, *merged])

    def append_rows(self, rows: Iterable[Mapping[int, CellValue]], at: int | None = None,
                    template: int | None = None, model: dict[int, _Cell] | None = None) -> int:
        """Append rows after the last used row (or from row `at`); return the first row number written.

        New rows take the formatting of row `template` (the last data row: never a header or 合计 row),
        or of the cells `model` (the last data row of the sheet before, for a continuation sheet);
        without either, each cell takes its column's default style.
        """
        first = at or self.last_used_row() + 1
        if model is None:
            model = {c.col: c for c in self.cells(template)} if template else {}  # parsed once, not per row
        n = first
        for values in rows:
            if n > MAX_ROWS:
                raise ValueError(f"the sheet is full ({MAX_ROWS} rows)")
            self._set(n, values, template, model)
            n += 1
        return first

    def _current_cells(self, number: int) -> list[_Cell]:
        if number in self._new:
            body = self._new[number]
            out = []
            for m in _CELL.finditer(body):
                a = _attrs(m.group(1))
                out.append(_Cell(col_index(_REF.match(a[b"r"].decode()).group(1)), a, m.group(0)))
            return out
        return self.cells(number)

    def continuation(self, header_row: int) -> bytes:
        return continuation_xml(self, header_row)

    def model(self, number: int) -> dict[int, _Cell]:
        """The cells of a row, by column: the model of rows appended to another sheet."""
        return {c.col: c for c in self._current_cells(number)}

    def _row_attrs(self, number: int, template_row: int | None) -> str:
        existing = self._row(number)
        source = existing or (self._row(template_row) if template_row else None)
        keep = []
        if source is not None:
            for k, v in _ATTR.findall(source.attrs):
                if k != b"r" and (existing is not None or k != b"spans"):
                    keep.append(f'{k.decode()}="{v.decode()}"')
        return " ".join([f'r="{number}"', *keep])

    def _col_style(self, col: int) -> bytes | None:
        for lo, hi, style in self._col_styles:
            if lo <= col <= hi:
                return str(style).encode() if style else None
        return None

    def _cell_xml(self, col: int, number: int, value: CellValue, style: bytes | None) -> bytes:
        p = self.prefix.decode()  # "x:" in a sheet written with a prefixed main namespace
        ref = f"{col_letter(col)}{number}"
        s = f' s="{style.decode()}"' if style else ""
        if value is None or value == "":
            return f'<{p}c r="{ref}"{s}/>'.encode()
        if isinstance(value, bool):
            return f'<{p}c r="{ref}"{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'.encode()
        if isinstance(value, (dt.date, dt.datetime)):
            if style is not None and int(style) in self.date_styles:
                moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
                serial = (moment - EXCEL_EPOCH) / dt.timedelta(days=1)
                text = f"{serial:.10f}".rstrip("0").rstrip(".")
                return f'<{p}c r="{ref}"{s}><{p}v>{text}</{p}v></{p}c>'.encode()
            fmt = "%Y-%m-%d %H:%M:%S" if isinstance(value, dt.datetime) else "%Y-%m-%d"
            value = value.strftime(fmt)
        if isinstance(value, (int, float, Decimal)):
            text = format(value, "f") if isinstance(value, Decimal) else repr(value)
            return f'<{p}c r="{ref}"{s}><{p}v>{text}</{p}v></{p}c>'.encode()
        return (f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">{_esc(str(value))}</{p}t>'
                f'</{p}is></{p}c>').encode("utf-8")

    def let_go(self) -> None:
        """Once written: keep the rows written (`_new`, what the read cache is updated from), let go of
        the part's XML. Nothing else may be asked of it after."""
        self.data = b""
        self.rows.clear()

    def to_bytes(self) -> bytes:
        pieces = self.to_pieces()
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)  # type: ignore[return-value]

    def to_pieces(self) -> list[bytes | memoryview]:
        """The new part as the pieces it is joined from: views of the old XML between the rows written,
        and those rows. A writer deflates them as they are (`package.deflated`): the 100 MB part is
        never copied into a new buffer beside the old one."""
        if not self._new:
            return [self.data]
        pieces: list = []
        data = self.data
        p = self.prefix
        if self._empty_sheetdata:
            m = _SHEETDATA_OPEN.search(data)
            assert m
            pieces.append(data[: m.start()])
            pieces.append(b"<" + p + b"sheetData>")
            pieces.extend(self._new[n] for n in sorted(self._new))
            pieces.append(b"</" + p + b"sheetData>")
            pieces.append(data[m.end():])
            return [self._fix_dimension(b"".join(pieces))]
        pending = sorted(n for n in self._new if self._row(n) is None)
        usual = not self._indexed and (not pending or pending[0] > self._last_number)
        if not usual and not self._indexed:
            self._index_rows()  # before the bytes are taken: indexing may number a sheet's rows first
        # views, not slices: the 100 MB between two edited rows is not copied
        data = memoryview(self.data)
        # the head (before sheetData, where <dimension> is) is rewritten alone: a 100 MB part is copied once
        pieces.append(self._fix_dimension(self.data[: self._sd_open_end]))
        pos = self._sd_open_end
        if usual:
            # the usual edit: some rows replaced where they are, new rows after the last one
            for row in sorted((self.rows[n] for n in self._new if n in self.rows), key=lambda r: r.start):
                pieces.append(data[pos : row.start])
                pieces.append(self._new[row.number])
                pos = row.end
            pieces.append(data[pos : self._sd_close])
            pieces.extend(self._new[n] for n in pending)
            pieces.append(data[self._sd_close :])
            return pieces
        i = 0  # the next pending (new) row: rows are merged in one pass
        for number in self._order:
            row = self.rows[number]
            while i < len(pending) and pending[i] < number:
                pieces.append(data[pos : row.start])
                pos = row.start
                pieces.append(self._new[pending[i]])
                i += 1
            if number in self._new:
                pieces.append(data[pos : row.start])
                pieces.append(self._new[number])
                pos = row.end
        pieces.append(data[pos : self._sd_close])
        pieces.extend(self._new[n] for n in pending[i:])
        pieces.append(data[self._sd_close :])
        return pieces

    def _fix_dimension(self, data: bytes) -> bytes:
        """Widen `<dimension ref>` (in the part's head) to cover the rows and columns written."""
        m = _DIMENSION.search(data, 0, self._sd_open_end + 64)
        if not m:
            return data
        last_row = max(self._new)
        last_col = self._max_col
        ref = m.group(2).decode()
        parts = ref.split(":")
        start = parts[0]
        end = parts[-1]
        sm, em = _REF.match(start), _REF.match(end)
        if not (sm and em):
            return data
        end_col = max(col_index(em.group(1)), last_col)
        end_row = max(int(em.group(2)), last_row)
        new_ref = f"{start}:{col_letter(end_col)}{end_row}".encode()
        return data[: m.start(2)] + new_ref + data[m.end(2):]


def continuation_xml(sheet: SheetXml, header_row: int) -> bytes:
    """A new sheet that continues `sheet`: its rows down to the header, its column widths and formats,
    the header frozen; nothing that refers to other parts (drawings, tables, comments)."""
    p = sheet.prefix
    if p:
        raise ValueError("prefixed worksheet")
    data = sheet.data
    head = data[: sheet._sd_open_end]
    cols = re.search(rb"<cols>.*?</cols>", head, re.S)
    fmt = re.search(rb"<sheetFormatPr\b[^>]*/>", head)
    rows = b"".join(sheet._new.get(n) or data[r.start:r.end]
                    for n in range(1, header_row + 1) if (r := sheet._row(n)) is not None)
    width = max((c.col for n in range(1, header_row + 1) for c in sheet.cells(n)), default=0)
    top = f"A{header_row + 1}"
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        + f'<dimension ref="A1:{col_letter(width)}{header_row}"/><sheetViews><sheetView workbookViewId="0">'
          f'<pane ySplit="{header_row}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
          f'</sheetView></sheetViews>'.encode()
        + (fmt.group(0) if fmt else b'<sheetFormatPr defaultRowHeight="15"/>')
        + (cols.group(0) if cols else b"")
        + b"<sheetData>" + rows + b"</sheetData>"
        + b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    )


def new_sheet_xml(header: list[str]) -> bytes:
    """A minimal worksheet part with one header row, for a register the workbook lacks."""
    cells = "".join(
        f'<c r="{col_letter(i)}1" t="inlineStr"><is><t>{_esc(h)}</t></is></c>' for i, h in enumerate(header)
    )
    last = f"{col_letter(max(len(header) - 1, 0))}1"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><sheetData><row r="1">{cells}</row></sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
    ).encode("utf-8")

