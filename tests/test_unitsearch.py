"""One unit's rows found by searching for the cells that can hold its 房号 (`store/unitsearch.py`) are the
rows the general reader (calamine) keeps, value for value, on hand-made sheets holding the unit in every
form a cell can: a plain shared string, one with spaces or a line break around or inside it, full-width
digits, an inline string, rich-text runs, a formula's string, a 合计 row; beside cells that must not
match (another unit, the unit in another column) — whole and read in pieces, cold and after an Excel
save changed the sheet behind a filled read cache."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook

from propcli.store import columns, schema, streamread, unitsearch
from propcli.store.normalize import CONVERTERS
from propcli.store.workbook import Workbook
from tests.fixtures.badfiles import part_of, read_part, rewrite, set_cell

UNIT = "1-2-0301"
SHEET = schema.READINGS.zh
# (房号 as typed, whether it is UNIT's row) — rows 2… of 抄表记录, in this order
UNIT_CELLS = [
    (UNIT, True),
    (" 1-2-0301 ", True),  # spaces around: xml:space="preserve" in the shared string
    ("１-２-０３０１", True),  # full-width: NFKC folds it
    ("1-2-0302", False),
    ("1-2-03\n01", True),  # a line break inside: to_identifier takes whitespace out
    ("9-9-9999", False),  # UNIT in its 备注 only (below)
    ("inline", True),  # rewritten below as an inline string
    ("runs", True),  # …as rich-text runs 1-2- + 0301
    ("formula", True),  # …as a formula's string
    (UNIT, None),  # a 合计 row (账期 合计): the general reader decides
    ("1-2-03011", False),
]


def _estate(path: Path) -> Path:
    """抄表记录 written by openpyxl (shared strings), then some cells rewritten in the other text forms."""
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.zh for c in schema.READINGS.columns])
    for i, (unit, _) in enumerate(UNIT_CELLS):
        period = "合计" if _ is None else "2024-01"
        notes = UNIT if unit == "9-9-9999" else None
        ws.append([unit, "水表", period, dt.date(2024, 1, 25), 100 + i, "抄表员老陈", None, notes])
    for i in range(60):  # other units' rows: a part read in pieces begins with more rows than the header search's
        ws.append([f"5-5-{i:04d}", "电表", "2024-01", dt.date(2024, 1, 25), 7 + i, "抄表员老陈", None, None])
    wb.save(path)
    _to_shared_strings(path)

    def edit(xml: bytes) -> bytes:
        forms = {"inline": b'<c r="A%d" t="inlineStr"><is><t>' + UNIT.encode() + b"</t></is></c>",
                 "runs": b'<c r="A%d" t="inlineStr"><is><r><t>1-2-</t></r><r><rPr><color rgb="FFFF0000"/></rPr>'
                         b"<t>0301</t></r></is></c>",
                 "formula": b'<c r="A%d" t="str"><f>"1-2-"&amp;"0301"</f><v>' + UNIT.encode() + b"</v></c>"}
        for i, (unit, _) in enumerate(UNIT_CELLS):
            if unit in forms:
                xml = set_cell(xml, f"A{i + 2}", forms[unit] % (i + 2))
        return xml

    return rewrite(path, {part_of(path, SHEET): edit})


_INLINE = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*?) t="inlineStr"([^>]*)><is>(<t[^>]*>.*?</t>)</is></c>', re.S)


def _to_shared_strings(path: Path) -> None:
    """Every inline string of the workbook's one sheet made a shared string, as Excel stores text (this
    openpyxl writes inline strings); equal texts share an entry."""
    entries: dict[bytes, int] = {}

    def shared(m: re.Match) -> bytes:
        k = entries.setdefault(m.group(4), len(entries))
        return b'<c r="%s"%s t="s"%s><v>%d</v></c>' % (m.group(1), m.group(2), m.group(3), k)

    sheet = part_of(path, SHEET)
    xml = _INLINE.sub(shared, read_part(path, sheet))
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
           b' count="%d" uniqueCount="%d">' % (len(entries), len(entries))
           + b"".join(b"<si>" + t + b"</si>" for t in entries) + b"</sst>")
    ct = b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    rel = (b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           b'sharedStrings" Target="sharedStrings.xml"/>')
    rewrite(path, {sheet: xml, "[Content_Types].xml": lambda b: b.replace(b"</Types>", ct + b"</Types>"),
                   "xl/_rels/workbook.xml.rels": lambda b: b.replace(b"</Relationships>", rel + b"</Relationships>")},
            add={"xl/sharedStrings.xml": sst})


def _rows(table) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(r.number, r.values, r.raw) for r in table.rows]


def _general(path: Path, unit: str) -> list[tuple]:
    with Workbook(path) as wb:
        return _rows(wb._read_calamine(schema.READINGS, SHEET, ("unit_id", unit)))


def test_every_form_of_the_unit_is_found_as_the_general_reader_finds_it(tmp_path: Path) -> None:
    path = _estate(tmp_path / "estate.xlsx")
    with Workbook(path) as wb:
        wb._shared_strings()
        assert wb._strings is not None and len(wb._strings) > 0  # the search applies: shared strings
        scan = wb._scan(SHEET)
        assert columns.searched(wb._strings, schema.READINGS, "unit_id", UNIT)
        starts = unitsearch.rows_holding(scan, scan.data, scan.start, scan.end, b"A", unitsearch.needles(
            unitsearch.matching_strings(wb._strings, CONVERTERS[schema.Kind.ID], UNIT)),
            CONVERTERS[schema.Kind.ID], UNIT, 1)
    assert starts is not None
    # by hand: rows 2, 3, 4, 6, 8, 9, 10 and the 合计 row 11 hold the unit; 5, 7 (in 备注) and 12 do not
    assert list(starts) == [2, 3, 4, 6, 8, 9, 10, 11]
    general = _general(path, UNIT)
    with Workbook(path) as wb:
        got = wb.read(schema.READINGS, only=("unit_id", UNIT))
    assert _rows(got) == general
    assert {n for n, _, _ in general} >= {2, 3, 4, 6, 8, 9, 10}
    assert all(v["unit_id"] == UNIT for _, v, _ in general)


def test_in_pieces_the_same(tmp_path: Path) -> None:
    path = _estate(tmp_path / "estate.xlsx")
    with Workbook(path) as wb:
        wb._shared_strings()
        part = wb._pkg.sheet(SHEET).part  # type: ignore[union-attr]
        got = streamread.rows(wb._pkg, part, wb._strings, schema.READINGS, SHEET, wb.name,  # type: ignore[arg-type]
                              only=("unit_id", UNIT), piece=61)
    assert got is not None and _rows(got) == _general(path, UNIT)


@pytest.mark.parametrize("unit", ["1-2-0302", "9-9-9999", "1-2-03011", "0301", "1-2-"])
def test_other_units_and_parts_of_one(tmp_path: Path, unit: str) -> None:
    """Another unit's rows alone; 9-9-9999 not the row holding UNIT in its notes; a part of a 房号 none."""
    path = _estate(tmp_path / "estate.xlsx")
    with Workbook(path) as wb:
        got = wb.read(schema.READINGS, only=("unit_id", unit))
    assert _rows(got) == _general(path, unit)
    assert len(got.rows) == {"1-2-0302": 1, "9-9-9999": 1, "1-2-03011": 1, "0301": 0, "1-2-": 0}[unit]


def test_a_unit_stored_as_a_number_is_found_by_the_column(tmp_path: Path) -> None:
    """301 typed into 房号 is a number cell: `to_identifier` reads it as "301", which only the column
    search sees (no text to search for) — the rows equal the general reader's."""
    path = _estate(tmp_path / "estate.xlsx")
    wb = load_workbook(path)
    wb[SHEET]["A13"], wb[SHEET]["B13"], wb[SHEET]["C13"] = 301, "电表", "2024-02"
    wb.save(path)
    assert not unitsearch.searchable("301")
    with Workbook(path) as w:
        got = w.read(schema.READINGS, only=("unit_id", "301"))
    assert [r.number for r in got.rows] == [13] and got.rows[0].values["unit_id"] == "301"
    assert _rows(got) == _general(path, "301")


def test_an_excel_save_behind_a_filled_cache_is_read_again(tmp_path: Path) -> None:
    """The read cache holds the register's 房号 column; the clerk then retypes row 5 (1-2-0302) as the
    unit in Excel: the next one-unit read finds row 5 too (the cache is of other content)."""
    path = _estate(tmp_path / "estate.xlsx")
    with Workbook(path) as wb:
        wb.columns(schema.READINGS, ("unit_id",))  # cached
        before = [r.number for r in wb.read(schema.READINGS, only=("unit_id", UNIT)).rows]
    assert 5 not in before
    wb = load_workbook(path)
    wb[SHEET]["A5"] = UNIT
    wb.save(path)
    with Workbook(path) as w:
        got = w.read(schema.READINGS, only=("unit_id", UNIT))
    assert 5 in [r.number for r in got.rows]
    assert _rows(got) == _general(path, UNIT)


def test_a_cell_without_its_reference_goes_to_the_column_search(tmp_path: Path) -> None:
    """A hit in a cell that carries no `r` cannot be placed in a column: the search gives up
    (Unsupported) and the general reader's answer is given all the same."""
    path = _estate(tmp_path / "estate.xlsx")
    rewrite(path, {part_of(path, SHEET): lambda xml: re.sub(rb'<c r="A3"', b"<c", xml, count=1)})
    with Workbook(path) as wb:
        scan = wb._scan(SHEET)
        wb._shared_strings()
        with pytest.raises(unitsearch.Unsupported):
            unitsearch.rows_holding(scan, scan.data, scan.start, scan.end, b"A", unitsearch.needles(
                unitsearch.matching_strings(wb._strings, CONVERTERS[schema.Kind.ID], UNIT)),  # type: ignore[arg-type]
                CONVERTERS[schema.Kind.ID], UNIT, 1)
        got = wb.read(schema.READINGS, only=("unit_id", UNIT))
    assert _rows(got) == _general(path, UNIT)


def test_the_shared_strings_that_read_as_the_unit() -> None:
    """By hand: entries 0 (plain), 1 (a character reference), 2 (runs), 3 (a space kept by xml:space),
    6 (full-width) and 7 (an _x000D_ escape: a carriage return, taken out) read as 1-2-0301 — and the
    last (it ends the part); 4 (a name) and 5 (another unit) do not."""
    from propcli.store.fastread import SharedStrings

    entries = [b"<t>1-2-0301</t>", b"<t>1&#45;2-0301</t>", b"<r><t>1-2</t></r><r><t>-0301</t></r>",
               b'<t xml:space="preserve"> 1-2-0301</t>', "<t>张三</t>".encode(), b"<t>1-2-0302</t>",
               "<t>１-２-０３０１</t>".encode(), b"<t>1-2-0301_x000D_</t>", b"<t>1-2-0301</t>"]
    strings = SharedStrings(b'<sst count="9">' + b"".join(b"<si>" + e + b"</si>" for e in entries) + b"</sst>")
    convert = CONVERTERS[schema.Kind.ID]
    assert unitsearch.matching_strings(strings, convert, UNIT) == [0, 1, 2, 3, 6, 7, 8]
    assert unitsearch.matching_strings(strings, convert, "1-2-0302") == [5]
    assert unitsearch.matching_strings(strings, convert, "张三") == [4]
    assert not unitsearch.searchable("1601") and not unitsearch.searchable("A&B") and unitsearch.searchable(UNIT)


def test_the_payments_holding_prepaid_are_found_in_every_form(estate_s: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`holding_prepaid` (billing's 预存 holders) finds the 分配 cells that mention 预存 by searching the
    sheet: a shared string, one in rich-text runs, an inline string, one written with character references,
    one in runs — the payments the column read finds, and not a voided one nor 预存 in another column."""
    import shutil

    from propcli.ops import payments

    path = tmp_path / "estate.xlsx"
    shutil.copyfile(estate_s, path)
    sheet = part_of(path, schema.PAYMENTS.zh)
    sst = read_part(path, "xl/sharedStrings.xml")
    base = sst.count(b"<si>")
    added = [b"<t>\xe9\xa2\x84\xe5\xad\x98:50.00</t>", b"<r><t>\xe9\xa2\x84</t></r><r><t>\xe5\xad\x98:5.00</t></r>",
             b"<t>\xe9\xa2\x84\xe5\xad\x98:9.00</t>"]  # 预存:50.00, 预 + 存:5.00 in runs, 预存:9.00
    forms = {
        2: b'<c r="G2" t="s"><v>%d</v></c>' % base,
        3: b'<c r="G3" t="s"><v>%d</v></c>' % (base + 1),
        4: '<c r="G4" t="inlineStr"><is><t>ZD202401000001:1.00;预存:7.00</t></is></c>'.encode(),
        5: b'<c r="G5" t="inlineStr"><is><t>&#39044;&#23384;:3.00</t></is></c>',
        6: '<c r="G6" t="inlineStr"><is><r><t>预</t></r><r><t>存:2.00</t></r></is></c>'.encode(),
        7: b'<c r="G7" t="s"><v>%d</v></c>' % (base + 2),
    }

    def edit(xml: bytes) -> bytes:
        for row, cell in forms.items():
            xml = set_cell(xml, f"G{row}", cell)
        xml = set_cell(xml, "H7", '<c r="H7" t="inlineStr"><is><t>2026-01-02 重复收款</t></is></c>'.encode())
        return set_cell(xml, "I8", '<c r="I8" t="inlineStr"><is><t>预存 下月再说</t></is></c>'.encode())

    def more_strings(xml: bytes) -> bytes:
        xml = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="%d"' % (base + 3), xml)
        return xml.replace(b"</sst>", b"".join(b"<si>" + t + b"</si>" for t in added) + b"</sst>")

    rewrite(path, {sheet: edit, "xl/sharedStrings.xml": more_strings})
    with Workbook(path) as wb:
        searched = wb.rows_mentioning(schema.PAYMENTS, "allocations", "预存")
        found = [(r.number, r.values) for r in payments.holding_prepaid(wb).rows]
    with monkeypatch.context() as m, Workbook(path) as wb:
        m.setattr(Workbook, "rows_mentioning", lambda *a: None)  # the column read
        assert [(r.number, r.values) for r in payments.holding_prepaid(wb).rows] == found
    assert searched is not None and {2, 3, 4, 5, 6, 7} <= set(searched) and 8 not in searched
    assert [(n, str(v["allocations"])) for n, v in found] == [
        (2, "预存:50.00"), (3, "预存:5.00"), (4, "ZD202401000001:1.00;预存:7.00"), (5, "预存:3.00"), (6, "预存:2.00")]
