"""A clerk who formats whole columns leaves 100,000s of empty formatted rows below the data. Appends and
updates must not grow with them (they took 93 s: each row looked up by a search from the top).

Decision (README › Decisions): a new row fills the first blank row after the last row holding a value,
keeping that row's own formatting (its row style); cells it lacks take the style of the last data row.
The blank formatted rows below stay as they are.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from propcli.store import schema
from propcli.store.sheetxml import SheetXml
from propcli.store.workbook import Workbook
from tests.fixtures.badfiles import part_of, read_part, rewrite
from tests.fixtures.ledger import build, owner

BLANKS = 100_000
# kinds of formatted blank rows that Excel, WPS and LibreOffice leave below the data
BLANK_ROWS = {
    "row style": b'<row r="%d" s="3" customFormat="1"/>',
    "row height": b'<row r="%d" ht="20" customHeight="1"/>',
    "styled empty cell": b'<row r="%%d" s="3" customFormat="1"><c r="A%%d" s="2"/></row>',
    "two styled empty cells": b'<row r="%%d"><c r="A%%d" s="2"/><c r="H%%d" s="3"/></row>',
}


def _blank_rows(kind: str, first: int, count: int) -> bytes:
    pattern = BLANK_ROWS[kind]
    n = pattern.count(b"%d")
    pattern = pattern.replace(b"%%d", b"%d")
    return b"".join(pattern % ((i,) * n) for i in range(first, first + count))


@pytest.fixture(params=list(BLANK_ROWS))
def formatted(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """业主档案 with 3 owners (rows 2–4) and 100,000 formatted blank rows (5–100,004) below them."""
    path = build(tmp_path / "estate.xlsx", owners=[owner("1-1-0101"), owner("1-1-0102", name="李四"),
                                                    owner("1-1-0103", name="王五")])
    rows = _blank_rows(request.param, 5, BLANKS)
    part = part_of(path, "业主档案")
    rewrite(path, {part: lambda b: b.replace(b"</sheetData>", rows + b"</sheetData>")
                   .replace(b'<dimension ref="A1:O4" />', b'<dimension ref="A1:O100004" />')})
    return path


def _row(xml: bytes, number: int) -> bytes:
    m = re.search(rb'<row r="%d"[^>]*?(?:/>|>.*?</row>)' % number, xml, re.S)
    assert m, f"row {number} not found"
    return m.group(0)


def test_append_and_update_stay_fast_and_land_after_the_data(formatted: Path, cli) -> None:  # type: ignore[no-untyped-def]
    part = part_of(formatted, "业主档案")
    before = read_part(formatted, part)
    blank5 = _row(before, 5)

    t = time.perf_counter()
    r = cli("-w", formatted, "owners", "add", "2-1-0101", "--name", "赵六", "--area", "88.5", "--status", "自住")
    took = time.perf_counter() - t
    assert r.exit_code == 0, r.output
    assert took < 2.5, f"owners add took {took:.1f} s over {BLANKS} formatted rows"

    after = read_part(formatted, part)
    row5 = _row(after, 5)
    assert "2-1-0101".encode() in row5 and "赵六".encode() in row5  # the first blank row after the data
    row_attrs = re.match(rb"<row ([^>]*?)/?>", blank5).group(1)
    assert row5.startswith(b"<row " + row_attrs)  # it keeps its own row formatting
    assert b'<c r="H5" s="3"><v>88.5</v></c>' in row5  # 建筑面积 styled like the data rows above (s=3)
    # nothing else moved: the other blank rows are byte for byte as they were
    assert after.count(b"<row ") == before.count(b"<row ")
    assert after[after.index(b'<row r="6"'):] == before[before.index(b'<row r="6"'):]
    assert b'<dimension ref="A1:O100004" />' in after

    t = time.perf_counter()
    r = cli("-w", formatted, "owners", "update", "2-1-0101", "--phone", "13912345678")
    took = time.perf_counter() - t
    assert r.exit_code == 0, r.output
    assert took < 2.5, f"owners update took {took:.1f} s over {BLANKS} formatted rows"
    assert b'<c r="F5" s="2" t="inlineStr"><is><t xml:space="preserve">13912345678</t></is></c>' \
        in _row(read_part(formatted, part), 5)

    with Workbook(formatted) as wb:
        t = wb.read(schema.OWNERS)
    assert [(r.number, r["unit_id"], r["phone"]) for r in t.rows] == [
        (2, "1-1-0101", None), (3, "1-1-0102", None), (4, "1-1-0103", None), (5, "2-1-0101", "13912345678")]


def _sheet(blank_kind: str, data_rows: int, blanks: int) -> bytes:
    rows = b"".join(b'<row r="%d"><c r="A%d" s="2" t="inlineStr"><is><t>u%d</t></is></c><c r="B%d" s="3"><v>%d</v></c>'
                    b"</row>" % (n, n, n, n, n) for n in range(1, data_rows + 1))
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:B%d"/><sheetData>' % (data_rows + blanks) + rows
            + _blank_rows(blank_kind, data_rows + 1, blanks) + b"</sheetData></worksheet>")


@pytest.mark.parametrize("kind", list(BLANK_ROWS))
def test_many_rows_appended_into_formatted_blanks_in_one_pass(kind: str) -> None:
    """2,000 rows (a month's bills) appended to 50,000 data rows over 100,000 formatted blank rows: each
    looked-up row is found from the one before it, so the whole write is one pass."""
    data = _sheet(kind, 50_000, BLANKS)
    t = time.perf_counter()
    xml = SheetXml(data)
    assert xml.last_used_row() == 50_000
    first = xml.append_rows(({0: f"n{i}", 1: i} for i in range(2_000)), template=50_000)
    xml.set_cells(25_000, {1: 7})  # an update in the middle, in the same write
    out = xml.to_bytes()
    took = time.perf_counter() - t
    assert took < 2.0, f"{took:.1f} s"
    assert first == 50_001
    assert b'<c r="A50001" s="2" t="inlineStr"><is><t xml:space="preserve">n0</t></is></c>' in _row(out, 50_001)
    assert b'<c r="B52000" s="3"><v>1999</v></c>' in _row(out, 52_000)
    assert _row(out, 52_001) == _row(data, 52_001)  # the first blank row left after them is untouched
    assert b'<c r="B25000" s="3"><v>7</v></c>' in _row(out, 25_000)
    assert out.count(b"<row ") == data.count(b"<row ")
    assert [int(n) for n in re.findall(rb'<row r="(\d+)"', out)] == list(range(1, 50_001 + BLANKS))


@pytest.mark.parametrize("kind", list(BLANK_ROWS))
def test_more_rows_than_blanks_continue_after_them(kind: str) -> None:
    data = _sheet(kind, 3, 5)  # rows 1–3 data, 4–8 formatted blanks
    xml = SheetXml(data)
    assert xml.append_rows([{0: f"n{i}"} for i in range(7)], template=3) == 4
    out = xml.to_bytes()
    assert [int(n) for n in re.findall(rb'<row r="(\d+)"', out)] == list(range(1, 11))
    assert all(b"n%d" % i in _row(out, 4 + i) for i in range(7))
    last_col = b"H" if kind == "two styled empty cells" else b"B"  # the filled rows keep their styled H cells
    assert b'<dimension ref="A1:%s10"/>' % last_col in out
