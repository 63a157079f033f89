"""One identifier's rows (a unit's 房号) found by searching the sheet XML for the cells that can hold it.

Reading the whole key column (`SheetScan.column`) makes a tuple for each of 240,000 rows of 应收账单 to
keep the few of one unit: a regular-expression pass at about 500 MB/s plus the tuples. A 房号 such as
`1-2-1601` can only be held by a text cell (a number cell reads as digits, a date or a boolean as no
identifier): a shared string, an inline string, or a formula's string. So the search is a few literal
searches (`memmem`, several GB/s with ahocorasick-rs):

- the shared strings that read as the identifier are found first (`matching_strings`): their indexes
  `k`, searched as `<v>k</v>`;
- `tr"` finds every inline string (`t="inlineStr"`) and formula string (`t="str"`) cell;
- `<v ` finds a value written with attributes (no writer does; the cell is then looked at).

Each hit's cell is read as the general search reads it (`SheetScan.value`, the column's converter) and
kept when it is in the key column and holds the identifier. A hit in a cell without its `r` reference,
or outside any cell, is `Unsupported`: the column read (or calamine) decides. An identifier that a
number could hold (`1601`, `-5`) or an error cell (`#N/A`) is not searched this way (`searchable`).
Not seen: a shared-string cell whose index is written with leading zeros, a sign or spaces inside `<v>`
(`<v>0071</v>`), which no spreadsheet program writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import compress, count

from .fastread import _CELL_ANY, _CELL_REF, _SHARED_REST, SharedStrings, SheetScan, Unsupported
from .memmem import positions
from .normalize import ValueProblem
from .sheetxml import col_index

_NUMBER_TEXT = re.compile(r"-?\d+")
OTHER_TEXT = b'tr"'  # t="inlineStr" and t="str": the text cells that are not shared strings
ODD_VALUE = b"<v "  # a value element with attributes
# What makes a shared string's text differ from its stored bytes between <t> and </t>: whitespace (taken
# out of an identifier), an entity or _x escape, rich-text runs, attributes on <t> (xml:space).
_ODD_ENTRY = (b" ", b"\t", b"\n", b"\r", b"&", b"_", b"<r")  # `_`: an _x000D_ escape (one byte: memchr)
# A hit costs a few microseconds of Python, the column's regex search about 2 ns a byte
HITS_MIN = 1000
BYTES_PER_HIT = 1500


def searchable(wanted: object) -> bool:
    """Whether only a text cell can hold `wanted` (an identifier: `to_identifier` of a number is its
    digits, an error cell reads as `#…`), and its plain shared string is its bytes (no character XML
    may write escaped or not)."""
    return (isinstance(wanted, str) and wanted.strip() != "" and not wanted.startswith("#")
            and _NUMBER_TEXT.fullmatch(wanted) is None and not any(c in wanted for c in "&<>\"'"))


def _escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def matching_strings(strings: SharedStrings, convert: Callable[[object], object], wanted: str) -> list[int]:
    """The indexes of the shared strings that read as `wanted` (as stored, or typed by `convert`): the
    plain entry `<t>wanted</t>` found by comparing bytes, and every entry whose text may differ from its
    bytes (`odd_entries`) read and converted — but for an ASCII identifier not one holding a CJK
    ideograph (U+4000–U+9FFF, UTF-8 lead bytes E4–E9: none folds to ASCII). Kept for the next sheet."""
    memo = strings.__dict__.setdefault("_matching", {})
    if (convert, wanted) in memo:
        return memo[(convert, wanted)]
    items = strings.items
    found: set[int] = set()
    plain = b"<t>" + _escape(wanted) + b"</t></si>"
    i = -1
    while True:
        try:
            i = items.index(plain, i + 1)
        except ValueError:
            break
        found.add(i)
    ideograph = _IDEOGRAPH.search if wanted.isascii() else None
    for i in odd_entries(strings):
        if (ideograph is None or not ideograph(items[i])) and holds(strings[i], convert, wanted):
            found.add(i)
    memo[(convert, wanted)] = out = sorted(found)
    return out


_IDEOGRAPH = re.compile(rb"[\xe4-\xe9]")
_BLOCK = 4096  # entries looked at together: a block of plain ASCII entries is passed over at once…
_PART = 64  # …and one that holds non-ASCII text, in parts of this many


def odd_entries(strings: SharedStrings) -> list[int]:
    """The shared strings whose text may not be their bytes between `<t>` and `</t></si>` (non-ASCII,
    whitespace, an escape, runs, attributes; the last, which ends the part), kept for the next search."""
    memo = strings.__dict__.get("_odd")
    if memo is not None:
        return memo
    items = strings.items
    if not strings.split_form:  # entries found by their element (`<si/>`, `<si …>`): every one looked at
        memo = list(range(len(items)))
    else:
        odd: set[int] = set()
        for at in range(0, len(items), _BLOCK):  # a block at a time, then its parts that hold something
            block = items[at:at + _BLOCK]
            joined = b"".join(block)
            if not joined.isascii():
                for sub in range(0, len(block), _PART):
                    if not b"".join(block[sub:sub + _PART]).isascii():
                        odd.update(i for i, item in enumerate(block[sub:sub + _PART], at + sub) if not item.isascii())
            for needle in _ODD_ENTRY:
                if (needle in joined) if len(needle) == 1 else positions(joined, needle):
                    odd.update(i for i, item in enumerate(block, at) if needle in item)
        memo = sorted(odd)
        if items and (not memo or memo[-1] != len(items) - 1):
            memo.append(len(items) - 1)
    strings.__dict__["_odd"] = memo
    return memo


def holds(value: object, convert: Callable[[object], object], wanted: str) -> bool:
    """Whether a cell's raw value holds `wanted`, as stored or typed (`columns.holding`'s test)."""
    if value == wanted:
        return True
    if value is None or value == "" or (type(value) is str and value.isspace()):
        return False
    try:
        return convert(value) == wanted
    except ValueProblem:  # a value that is no identifier holds none
        return False


def needles(shared: list[int]) -> list[bytes]:
    """What to search a sheet's XML for: the shared strings' values, the other text cells, odd values."""
    return [*(b"<v>%d</v>" % k for k in shared), OTHER_TEXT, ODD_VALUE]


def rows_holding(scan: SheetScan, data: bytes, start: int, end: int, letter: bytes, found: list[bytes],
                 convert: Callable[[object], object], wanted: str, header_row: int) -> dict[int, int] | None:
    """Where each row begins (by number, in order) of the rows below the header, between two offsets of `data` (whole rows), whose cell of
    column `letter` holds `wanted`; `found`: the `needles` to search for. `scan` reads a cell's value
    (its shared strings, date styles). None: so many hits that the column's search costs less."""
    hits = [positions(data, needle, start, end) for needle in found]
    if sum(map(len, hits)) > max(HITS_MIN, (end - start) // BYTES_PER_HIT):
        return None  # text cells everywhere (inline strings): the column's search costs less
    head = b'<c r="' + letter
    rows: dict[int, int] = {}
    seen: set[int] = set()
    for at in hits:
        for p in at:
            c0 = data.rfind(b'<c r="', start, p)
            if c0 in seen:
                continue
            if c0 < 0:
                raise Unsupported("a value outside a numbered cell")
            tag = data.find(b">", c0, p)  # -1: the hit is in the cell's start tag (t="inlineStr")
            if (tag >= 0 and data[tag - 1] == 47) or data.find(b"</c>", c0, p) >= 0:  # 47: "/"
                raise Unsupported("a value outside a numbered cell")  # the cell at c0 closed before it
            seen.add(c0)
            if not (data.startswith(head, c0) and data[c0 + len(head):c0 + len(head) + 1].isdigit()):
                continue  # another column's
            m = _CELL_ANY.match(data, c0)
            if m is None or m.end() <= p:
                raise Unsupported("a value outside a numbered cell")
            ref = _CELL_REF.match(m.group(1), 1)
            n = int(ref.group(2)) if ref is not None else 0
            if n > header_row and n not in rows and holds(scan.value(m.group(1), m.group(2)), convert, wanted):
                row = data.rfind(b"<row ", start, c0)
                if row < 0 or not data.startswith(b'<row r="%d"' % n, row):
                    raise Unsupported(f"cell of row {n} in another row")
                rows[n] = row
    return dict(sorted(rows.items()))


# A text cell's stored bytes hold a word's UTF-8 bytes unless an entity or a run split stands for it
_MAY_HIDE = re.compile(rb"&|<r[\s>]|<(?:\w+:)r[\s>]")


def _entries(items: list[bytes], literals: tuple[bytes, ...], search: Callable[[bytes], object]) -> set[int]:
    """The indexes of the entries `search` finds something in, each of whose finds holds one of these
    `literals`: a block of entries holding none is passed over at once (L's 2.4 million shared strings
    in 0.1 s, not 0.5 s one by one)."""
    out: set[int] = set()
    for at in range(0, len(items), _BLOCK):
        block = items[at:at + _BLOCK]
        joined = b"".join(block)
        if any(literal in joined for literal in literals):
            out.update(compress(count(at), map(search, block)))
    return out


def rows_mentioning(scan: SheetScan, letter: bytes, word: str, header_row: int) -> list[int]:
    """The rows below the header whose cell of column `letter` may hold `word` inside its text: every row
    that does, and perhaps a few that do not (a text stored with an entity or in rich-text runs is taken
    as it may) — the caller reads those rows and looks. For a word of letters (收款记录's 分配 holding
    预存), not one a number or a date could show as."""
    needle = _escape(word)
    strings = scan.strings
    search = re.compile(re.escape(needle) + b"|" + _MAY_HIDE.pattern).search
    maybe = _entries(strings.items, (needle, b"&", b"<r", b":r"), search) if strings is not None else set()
    shared = _SHARED_REST.fullmatch
    out = []
    for row, rest in scan.each_cell(col_index(letter.decode())):
        n = int(row)
        if n <= header_row:
            continue
        hit = shared(rest)
        if hit is not None:
            if int(hit.group(1)) in maybe:
                out.append(n)
        elif needle in rest or _MAY_HIDE.search(rest) or b't="s"' in rest:  # inline, formula, odd
            out.append(n)
    return out
