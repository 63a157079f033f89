"""A column of shared texts that its converter keeps as they are (bill numbers, 房号, names) is converted
for all its distinct cells at once (`columns._as_is`, `SharedStrings.plain`); any entry that is not
plain, or a text the converter would change, sends the column to the conversion one value at a time.
Either way each cell reads as the text Excel shows, typed as the column's kind says."""

from __future__ import annotations

import pytest

from propcli.store.columns import AT_ONCE, _convert_column
from propcli.store.fastread import MissingString, SharedStrings, SheetScan
from propcli.store.normalize import CONVERTERS
from propcli.store.schema import Kind

N = AT_ONCE + 500  # a column converted at once


def _column(entries: list[bytes], kind: Kind, refs: list[int] | None = None):  # type: ignore[no-untyped-def]
    strings = SharedStrings(b"<sst>" + b"".join(b"<si>" + e + b"</si>" for e in entries) + b"</sst>")
    scan = SheetScan(b"<worksheet><sheetData></sheetData></worksheet>", strings, set())
    cells = [b' s="2" t="s"><v>%d</v></c>' % i for i in (range(len(entries)) if refs is None else refs)]
    one_by_one = _counting(scan)
    raw_of, typed_of, bad, values = _convert_column(scan, cells, CONVERTERS[kind])
    if values is not None:  # distinct texts kept as stored: given in the cells' order
        assert raw_of is typed_of and not raw_of and not bad and len(values) == len(cells)
        return values, values, bad, not one_by_one
    return [raw_of[c] for c in cells], [typed_of[c] for c in cells], bad, not one_by_one


def _counting(scan: SheetScan) -> list[bytes]:
    """The cells converted one at a time (`SheetScan.value_of`) from now on."""
    asked: list[bytes] = []
    real = scan.value_of
    scan.value_of = lambda k: asked.append(k) or real(k)  # type: ignore[method-assign]
    return asked


def _bills(n: int = N) -> list[bytes]:
    return [b"<t>ZD2026%06d</t>" % i for i in range(n)]


def test_plain_bill_numbers_are_read_at_once_as_stored() -> None:
    raws, typed, bad, at_once = _column(_bills(), Kind.ID)
    assert at_once and not bad
    assert typed[0] == raws[0] == "ZD2026000000" and typed[-1] == "ZD2026001499" and len(typed) == N


def test_distinct_bill_numbers_are_given_in_the_cells_order_and_repeated_units_by_cell() -> None:
    """A column of distinct texts (账单号) is not made into a dict of its cells: its texts come in the
    cells' order; a column whose texts repeat (房号: 20 units over 1,500 cells) is converted per distinct
    cell, and reads the same."""
    strings = SharedStrings(b"<sst>" + b"".join(b"<si>" + e + b"</si>" for e in _bills()) + b"</sst>")
    scan = SheetScan(b"<worksheet><sheetData></sheetData></worksheet>", strings, set())
    cells = [b' s="2" t="s"><v>%d</v></c>' % i for i in (7, 3, *range(10, N))]
    _, _, _, values = _convert_column(scan, cells, CONVERTERS[Kind.ID])
    assert values is not None and values[:3] == ["ZD2026000007", "ZD2026000003", "ZD2026000010"]
    assert values[-1] == "ZD2026001499" and len(values) == len(cells)
    header = ' s="1" t="inlineStr"><is><t>账单号</t></is></c>'.encode()  # the top of a sheet: typed on its own
    _, _, _, values = _convert_column(scan, [header, *cells], CONVERTERS[Kind.ID])
    assert values is not None and values[:2] == ["账单号", "ZD2026000007"] and len(values) == len(cells) + 1
    for above in (b"", b' s="1"><v>7</v></c>'):  # a blank cell or a number above: by cell, as before
        _, _, _, values = _convert_column(scan, [above, header, *cells], CONVERTERS[Kind.ID])
        assert values is None
    repeated = [b' t="s"><v>%d</v></c>' % (i % 20) for i in range(N)]
    raw_of, typed_of, _, values = _convert_column(scan, repeated, CONVERTERS[Kind.ID])
    assert values is None and raw_of is typed_of and len(typed_of) == 20
    assert typed_of[repeated[-1]] == "ZD2026000019"  # (N - 1) % 20 = 19


def test_names_in_chinese_are_read_at_once_by_a_text_column_not_by_an_identifier_column() -> None:
    names = [("业主%d" % i).encode() for i in range(N)]
    raws, typed, _, at_once = _column([b"<t>" + n + b"</t>" for n in names], Kind.TEXT)
    assert at_once and typed[7] == "业主7"
    _, typed, _, at_once = _column([b"<t>" + n + b"</t>" for n in names], Kind.ID)  # NFKC may fold them
    assert not at_once and typed[7] == "业主7"


@pytest.mark.parametrize(("entry", "raw", "value"), [
    (b"<t>ZD 000001</t>", "ZD 000001", "ZD000001"),  # a space typed inside: an identifier drops it
    ("<t>ＺＤ１</t>".encode(), "ＺＤ１", "ZD1"),  # full-width: folded to half-width
    (b"<t>A&amp;B</t>", "A&B", "A&B"),  # an entity
    (b"<t>A_x0009_B</t>", "A\tB", "AB"),  # OOXML's escape of a tab: a space inside, dropped
    (b"<r><t>ZD</t></r><r><t>9</t></r>", "ZD9", "ZD9"),  # runs
    (b'<t xml:space="preserve"> ZD8</t>', " ZD8", "ZD8"),
    (b"<t>ZD7</t><phoneticPr fontId=\"1\"/>", "ZD7", "ZD7"),
])
def test_one_entry_not_plain_sends_the_column_to_the_value_by_value_conversion(entry: bytes, raw: str,
                                                                             value: str) -> None:
    entries = _bills()
    entries[700] = entry
    raws, typed, bad, at_once = _column(entries, Kind.ID)
    assert not at_once and not bad
    assert (raws[700], typed[700]) == (raw, value)
    assert typed[699] == "ZD2026000699" and typed[701] == "ZD2026000701"


def test_a_blank_entry_is_blank() -> None:
    entries = _bills()
    entries[3] = b"<t></t>"
    raws, typed, _, at_once = _column(entries, Kind.ID)
    assert not at_once and raws[3] is None and typed[3] is None and typed[4] == "ZD2026000004"


def test_a_cell_past_the_last_shared_string_is_named_not_read_as_another() -> None:
    with pytest.raises(MissingString):
        _column(_bills(), Kind.ID, refs=[*range(N), N + 5])


def test_rows_without_the_cell_are_blank_and_a_number_cell_is_read_as_a_number() -> None:
    strings = SharedStrings(b"<sst>" + b"".join(b"<si>" + e + b"</si>" for e in _bills()) + b"</sst>")
    scan = SheetScan(b"<worksheet><sheetData></sheetData></worksheet>", strings, set())
    header = ' s="1" t="inlineStr"><is><t>账单号</t></is></c>'.encode()
    cells = [header] + [b' t="s"><v>%d</v></c>' % i for i in range(N)] + [b""]
    one_by_one = _counting(scan)
    raw_of, typed_of, _, _ = _convert_column(scan, cells, CONVERTERS[Kind.ID])
    assert sorted(one_by_one) == sorted([header, b""])  # the shared strings at once, these two alone
    assert raw_of is typed_of and typed_of[b""] is None and typed_of[cells[6]] == "ZD2026000005"
    assert typed_of[header] == "账单号"
    cells.append(b' s="3"><v>1201</v></c>')  # 1201 typed as a number: an identifier reads "1201"
    raw_of, typed_of, _, _ = _convert_column(scan, cells, CONVERTERS[Kind.ID])
    assert raw_of is not typed_of and (raw_of[cells[-1]], typed_of[cells[-1]]) == (1201.0, "1201")
    assert typed_of[b""] is None and typed_of[cells[6]] == "ZD2026000005"


@pytest.mark.parametrize(("entry", "value", "at_once"), [
    ("车位 B2-1617 × 300.00元/月 = 300.00", "车位 B2-1617 × 300.00元/月 = 300.00", True),  # single spaces stay
    ("水表  5 m³", "水表 5 m³", False),  # a run of spaces is made one
    ("水表 5 m³ ", "水表 5 m³", False),  # a space at the end goes
    ("水表\u30005", "水表 5", False),  # an ideographic space is a space
])
def test_a_text_column_keeps_single_spaces_inside_and_any_other_space_sends_it_one_by_one(
        entry: str, value: str, at_once: bool) -> None:
    entries = [("水表 %d m³" % i).encode() for i in range(N)]
    entries[900] = entry.encode()
    raws, typed, _, bulk = _column([b"<t>" + e + b"</t>" for e in entries], Kind.TEXT)
    assert bulk is at_once
    assert (raws[900], typed[900]) == (entry, value) and typed[5] == "水表 5 m³"


@pytest.mark.parametrize(("kind", "entry", "value", "at_once"), [
    (Kind.ID, "ZD202501000900", "ZD202501000900", True),
    (Kind.ID, "ZD２０２５01000900", "ZD202501000900", False),  # full-width digits: no space, yet folded
    (Kind.ID, "ZD2025\u300001000900", "ZD202501000900", False),  # an ideographic space goes
    (Kind.TEXT, "ZD1:30.00;ZD2:5.00", "ZD1:30.00;ZD2:5.00", True),
    (Kind.TEXT, "ZD1:30.00;\tZD2:5.00", "ZD1:30.00; ZD2:5.00", False),  # a tab is a space
    (Kind.TEXT, "\u3000ZD1:30.00", "ZD1:30.00", False),
])
def test_texts_without_any_space_are_kept_at_once_and_one_space_or_wide_digit_is_not_missed(
        kind: Kind, entry: str, value: str, at_once: bool) -> None:
    """Texts with no whitespace at all (bill numbers, 分配) are known unchanged without the regex search;
    one whitespace of any kind, or a non-ASCII character in an identifier, still sends them one by one."""
    entries = [("ZD2025010%05d" % i).encode() for i in range(N)]
    entries[900] = entry.encode()
    raws, typed, _, bulk = _column([b"<t>" + e + b"</t>" for e in entries], kind)
    assert bulk is at_once
    assert (raws[900], typed[900]) == (entry, value) and typed[5] == "ZD202501000005"
