"""Reading the wrong thing (issue 17 §3): workbooks that other programs, or accidents, write. Every bad
file is generated from a workbook the project's own fixtures make, by editing its zip.

Each case ends in a located message with a hint (exit 1) and the workbook untouched, or is read right."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from propcli.errors import DataError
from propcli.store import schema
from propcli.store.sheetxml import col_letter
from propcli.store.workbook import Workbook
from tests.fixtures.badfiles import (add_sheet_copy, ole_file, part_of, rename_sheet, rewrite, set_cell,
                                     to_strict, without_refs)
from tests.fixtures.ledger import build, owner

OWNERS = [owner("1-1-0101", name="张三"), owner("1-1-0102", name="李四", area="89.5"),
          owner("1-1-0103", name="王五", area="120")]


@pytest.fixture(scope="module")
def _master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("bad") / "estate.xlsx", owners=OWNERS)


@pytest.fixture
def estate(_master: Path, tmp_path: Path) -> Path:
    """业主档案 rows 2–4: 1-1-0101 张三 100㎡, 1-1-0102 李四 89.5㎡, 1-1-0103 王五 120㎡."""
    dest = tmp_path / "estate.xlsx"
    shutil.copyfile(_master, dest)
    return dest


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def units(path: Path) -> list[tuple[int, str, str | None]]:
    with Workbook(path) as wb:
        return [(r.number, r["unit_id"], r["owner_name"]) for r in wb.read(schema.OWNERS).rows]


def refused(cli, path: Path, key_text: str, *args: str) -> str:  # type: ignore[no-untyped-def]
    """Run a command that must stop with exit 1, a message containing `key_text`, no traceback, and the
    workbook untouched."""
    before = sha(path)
    r = cli("-w", path, *args)
    assert r.exit_code == 1, r.output
    assert key_text in r.output, r.output
    assert "Traceback" not in r.output and "内部错误" not in r.output and "internal error" not in r.output
    assert sha(path) == before
    return r.output


# -- sheets whose names normalise to the same register ----------------------------------------------

LOOKALIKES = ["业主档案 ", " 业主档案", "业主档案\u3000", "\u3000业主档案", "业主 档案", "ｏｗｎｅｒｓ", "owners", "OWNERS",
              "Owners ", "ＯＷＮＥＲＳ"]


@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
@pytest.mark.parametrize("name", LOOKALIKES, ids=repr)
def test_two_sheets_of_one_register_are_an_error_naming_both(estate: Path, name: str, before: bool, cli) -> None:  # type: ignore[no-untyped-def]
    add_sheet_copy(estate, "业主档案", name, before=before, rows=False)  # an empty look-alike: 3 owners would vanish
    with Workbook(estate) as wb, pytest.raises(DataError) as exc:
        wb.read(schema.OWNERS)
    assert exc.value.key == "sheet.ambiguous"
    text = exc.value.message("zh")
    assert f"「{name}」" in text and "「业主档案」" in text
    for args in (["owners", "list"], ["owners", "show", "1-1-0101"], ["check"],
                 ["owners", "update", "1-1-0101", "--phone", "13912345678"]):
        refused(cli, estate, f"「{name}」", *args)
    out = refused(cli, estate, f"「{name}」", "--lang", "en", "owners", "list")
    assert "2 sheets are all '业主档案'" in out


@pytest.mark.parametrize("register, zh, english", [(schema.BILLS, "应收账单", "bills"),
                                                    (schema.PAYMENTS, "收款记录", "payments"),
                                                    (schema.READINGS, "抄表记录", "readings")])
def test_every_register_refuses_a_lookalike(estate: Path, register: schema.Sheet, zh: str, english: str) -> None:
    add_sheet_copy(estate, zh, english.upper() + " ", rows=False)
    with Workbook(estate) as wb, pytest.raises(DataError) as exc:
        wb.has(register)
    assert exc.value.key == "sheet.ambiguous" and zh in exc.value.message("zh")


@pytest.mark.parametrize("first, second", [("应收账单2", "应收账单 2"), ("应收账单2", "应收账单２"),
                                           ("bills2", "应收账单2"), ("应收账单3", "BILLS 3")])
def test_two_continuation_sheets_of_one_number_are_an_error(estate: Path, first: str, second: str) -> None:
    add_sheet_copy(estate, "应收账单", first, before=False, rows=False, n=98)
    add_sheet_copy(estate, first, second, before=False, rows=False, n=99)
    with Workbook(estate) as wb, pytest.raises(DataError) as exc:
        wb.read(schema.BILLS)
    assert exc.value.key == "sheet.ambiguous"
    assert f"「{first}」" in exc.value.message("zh") and f"「{second}」" in exc.value.message("zh")


@pytest.mark.parametrize("name", LOOKALIKES, ids=repr)
def test_a_single_oddly_named_sheet_is_still_found(estate: Path, name: str, cli) -> None:  # type: ignore[no-untyped-def]
    rename_sheet(estate, "业主档案", name)
    assert units(estate) == [(2, "1-1-0101", "张三"), (3, "1-1-0102", "李四"), (4, "1-1-0103", "王五")]
    r = cli("-w", estate, "owners", "update", "1-1-0102", "--phone", "13912345678")
    assert r.exit_code == 0, r.output
    with Workbook(estate) as wb:
        assert wb.sheet_name(schema.OWNERS) == name
        assert wb.read(schema.OWNERS).rows[1]["phone"] == "13912345678"


# -- rows and cells without `r` ---------------------------------------------------------------------

REFLESS = {"rows and cells": dict(rows=True, cells=True), "rows": dict(rows=True, cells=False),
           "cells": dict(rows=False, cells=True)}


def _refless(path: Path, kind: str, gap: bool) -> None:
    part = part_of(path, "业主档案")

    def edit(xml: bytes) -> bytes:
        if gap:  # row 3 removed: 王五 stays in row 4, after an empty row
            xml = re.sub(rb'<row r="3".*?</row>', b"", xml, flags=re.S)
        return without_refs(xml, **REFLESS[kind])

    rewrite(path, {part: edit})


def _three_readers(path: Path) -> list[list[tuple[int, str, str, object]]]:
    """(row, unit, name, phone) as propcli, calamine and openpyxl read 业主档案: all three must agree."""
    with Workbook(path) as wb:
        ours = [(r.number, r["unit_id"], r["owner_name"], r["phone"]) for r in wb.read(schema.OWNERS).rows]
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("业主档案").to_python(skip_empty_area=False)
    cal = [(i + 1, row[0], row[4], row[5] or None) for i, row in enumerate(grid) if i > 0 and row[0]]
    ws = openpyxl.load_workbook(path, read_only=False)["业主档案"]
    opx = [(r[0].row, r[0].value, r[4].value, r[5].value) for r in ws.iter_rows(min_row=2) if r[0].value]
    return [ours, cal, opx]


@pytest.mark.parametrize("gap", [False, True], ids=["dense", "gap"])
@pytest.mark.parametrize("kind", list(REFLESS))
@pytest.mark.parametrize("op", ["update first", "update last", "append", "update then append"])
def test_a_sheet_without_r_reads_and_updates_right(estate: Path, kind: str, gap: bool, op: str, cli) -> None:  # type: ignore[no-untyped-def]
    _refless(estate, kind, gap)
    last = 4  # 王五's row, with or without the gap
    start = [(2, "1-1-0101", "张三", None), *([] if gap else [(3, "1-1-0102", "李四", None)]),
             (last, "1-1-0103", "王五", None)]
    assert all(reader == start for reader in _three_readers(estate))
    expected = list(start)
    if op.startswith("update"):
        unit, row = ("1-1-0101", 2) if op != "update last" else ("1-1-0103", last)
        r = cli("-w", estate, "owners", "update", unit, "--phone", "13912345678")
        assert r.exit_code == 0, r.output
        expected = [(n, u, name, "13912345678" if n == row else p) for n, u, name, p in expected]
    if op.endswith("append"):
        r = cli("-w", estate, "owners", "add", "2-1-0101", "--name", "赵六", "--area", "70")
        assert r.exit_code == 0, r.output
        expected.append((last + 1, "2-1-0101", "赵六", None))
    for reader in _three_readers(estate):
        assert reader == expected
    for n, unit, name, _ in expected:  # the next command finds every row, the one just written included
        r = cli("-w", estate, "owners", "show", unit)
        assert r.exit_code == 0 and name in r.output, r.output


# -- shared strings that are not there --------------------------------------------------------------

SST_REL = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
           b'Target="sharedStrings.xml" Id="rId98" />')
SST_CT = (b'<Override PartName="/xl/sharedStrings.xml" '
          b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


def _with_strings(path: Path, count: int | None, cells: dict[str, int], *, declared: bool = True) -> None:
    """Cells of 业主档案 made shared-string cells with these indexes; a shared-strings part of `count`
    strings (None: no part; `declared` keeps its relationship although the part is gone)."""
    part = part_of(path, "业主档案")

    def sheet(xml: bytes) -> bytes:
        for ref, index in cells.items():
            xml = set_cell(xml, ref, b'<c r="%s" t="s"><v>%d</v></c>' % (ref.encode(), index))
        return xml

    edits: dict = {part: sheet}
    add = {}
    if count is not None or declared:
        edits["xl/_rels/workbook.xml.rels"] = lambda b: b.replace(b"</Relationships>", SST_REL + b"</Relationships>")
        edits["[Content_Types].xml"] = lambda b: b.replace(b"</Types>", SST_CT + b"</Types>")
    if count is not None:
        items = "".join(f"<si><t>文字{i}</t></si>" for i in range(count))
        add["xl/sharedStrings.xml"] = (f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                       f'count="{count}" uniqueCount="{count}">{items}</sst>').encode()
    rewrite(path, edits, add)


SST_CASES = {
    # name: (count, cells, message key, the cell and row named)
    "no part, first string": (None, {"E2": 0}, "workbook.no_shared_strings", "E2", 2),
    "no part, unit id": (None, {"A3": 0}, "workbook.no_shared_strings", "A3", 3),
    "part gone, relationship kept": (None, {"E4": 1}, "workbook.no_shared_strings", "E4", 4),
    "index = count": (2, {"E3": 0, "E4": 2}, "workbook.shared_string", "E4", 4),
    "index far past the end": (1, {"A2": 0, "E2": 99999}, "workbook.shared_string", "E2", 2),
    "empty table": (0, {"O3": 0}, "workbook.shared_string", "O3", 3),
    "status column": (3, {"J2": 1, "J4": 7}, "workbook.shared_string", "J4", 4),
}


@pytest.mark.parametrize("case", list(SST_CASES))
def test_missing_shared_strings_are_located(estate: Path, case: str, cli) -> None:  # type: ignore[no-untyped-def]
    count, cells, key, cell, row = SST_CASES[case]
    _with_strings(estate, count, cells, declared=case != "no part, first string")
    with Workbook(estate) as wb, pytest.raises(DataError) as exc:
        wb.read(schema.OWNERS)
    assert exc.value.key == key
    assert exc.value.location.sheet == "业主档案" and exc.value.location.row == row
    assert exc.value.params["cell"] == cell
    for args in (["owners", "list"], ["owners", "show", "1-1-0101"], ["check"],
                 ["owners", "update", "1-1-0101", "--phone", "13912345678"]):
        refused(cli, estate, cell, *args)
    out = refused(cli, estate, "shared", "--lang", "en", "owners", "list")
    assert f"row {row}" in out


def test_missing_shared_strings_in_a_sheet_without_r(estate: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """The general reader's path (rows without `r`): the same message, the sheet named."""
    _with_strings(estate, None, {"E2": 0})
    rewrite(estate, {part_of(estate, "业主档案"): without_refs})
    refused(cli, estate, "sharedStrings.xml", "owners", "list")


# -- encrypted, binary and Strict workbooks ---------------------------------------------------------

ENCRYPTED = [("EncryptionInfo", "EncryptedPackage"), ("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"),
             ("EncryptedPackage",), ("EncryptionInfo",)]


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm", ".xls"])
@pytest.mark.parametrize("streams", ENCRYPTED, ids=lambda s: "+".join(x.strip("\x06") for x in s))
def test_a_password_protected_workbook_says_so(tmp_path: Path, streams: tuple[str, ...], suffix: str, cli) -> None:  # type: ignore[no-untyped-def]
    path = ole_file(tmp_path / f"estate{suffix}", streams)
    with pytest.raises(DataError) as exc:
        Workbook(path)
    assert exc.value.key == "workbook.encrypted"
    refused(cli, path, "密码", "owners", "list")
    refused(cli, path, "清空密码", "check")
    out = refused(cli, path, "password", "--lang", "en", "owners", "list")
    assert "Encrypt with Password" in out


@pytest.mark.parametrize("streams", [("Workbook",), ("Book",), ("Workbook", "\x05SummaryInformation")])
def test_a_binary_xls_named_xlsx_says_so(tmp_path: Path, streams: tuple[str, ...], cli) -> None:  # type: ignore[no-untyped-def]
    path = ole_file(tmp_path / "estate.xlsx", streams)
    with pytest.raises(DataError) as exc:
        Workbook(path)
    assert exc.value.key == "workbook.legacy"
    refused(cli, path, ".xls", "owners", "list")


@pytest.mark.parametrize("parts", ["all", "workbook"])
@pytest.mark.parametrize("args", [["owners", "list"], ["check"], ["owners", "show", "1-1-0101"],
                                  ["owners", "update", "1-1-0101", "--phone", "13912345678"],
                                  ["owners", "add", "2-1-0101", "--name", "赵六", "--area", "70"]])
def test_a_strict_workbook_is_named_not_supported(estate: Path, parts: str, args: list[str], cli) -> None:  # type: ignore[no-untyped-def]
    to_strict(estate, parts=parts)
    out = refused(cli, estate, "Strict Open XML", *args)
    assert "另存为" in out and "Excel 工作簿 (*.xlsx)" in out


def test_a_strict_workbook_in_english(estate: Path, cli) -> None:  # type: ignore[no-untyped-def]
    to_strict(estate)
    out = refused(cli, estate, "not support", "--lang", "en", "owners", "list")
    assert "Save As" in out


# -- error cells ------------------------------------------------------------------------------------

CLASSIC = ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
ERRORS = [*CLASSIC, "#GETTING_DATA", "#SPILL!", "#CALC!"]  # newer than calamine knows
# (cell, column header, a kind of column): one of each kind 业主档案 has
COLUMNS = [("A3", "房号"), ("E3", "业主姓名"), ("F3", "联系电话"), ("G3", "证件号码"), ("H3", "建筑面积"),
           ("I3", "常住人口"), ("J3", "房屋状态"), ("K3", "入住日期")]
FORMS = {
    "value": b'<c r="%s" t="e"><v>%s</v></c>',
    "formula": b'<c r="%s" s="3" t="e"><f>VLOOKUP(A1,Z:Z,2,0)</f><v>%s</v></c>',
    "number cell": b'<c r="%s"><v>%s</v></c>',  # t left out: Excel never, some exporters do
}


def _error_cell(path: Path, ref: str, error: str, form: str = "value") -> None:
    cell = FORMS[form] % (ref.encode(), error.encode())
    rewrite(path, {part_of(path, "业主档案"): lambda xml: set_cell(xml, ref, cell)})


def _found(path: Path) -> list[tuple[str, int | None, str, object, str]]:
    from propcli.ops import checking

    with Workbook(path) as wb:
        return [(p.check, p.location.row, p.location.column, p.value, p.key) for p in checking.run_checks(wb)
                if p.check in ("error-cells", "types", "dates", "required")]


@pytest.mark.parametrize("error", ERRORS)
@pytest.mark.parametrize("ref, header", COLUMNS)
def test_error_cells_are_reported_by_check(estate: Path, ref: str, header: str, error: str) -> None:
    _error_cell(estate, ref, error)
    found = _found(estate)
    assert ("error-cells", 3, header, error, "value.error_cell") in found
    assert [f for f in found if f[1] == 3 and f[0] != "required"] == [("error-cells", 3, header, error, "value.error_cell")]
    with Workbook(estate) as wb:  # the value is read as blank, never as the text "#N/A"
        fast = wb._read_sheet(schema.OWNERS, "业主档案", None)
        if error not in CLASSIC:
            with pytest.raises(DataError) as exc:  # the general reader cannot: it names the cell
                wb._read_calamine(schema.OWNERS, "业主档案", None)
            assert exc.value.key == "value.error_cell" and exc.value.location.row == 3
            assert exc.value.location.column == ref
            return
        slow = wb._read_calamine(schema.OWNERS, "业主档案", None)
    row = fast.rows[1]
    assert row.number == 3 and all(v is None or "#" not in str(v) for v in row.values.values())
    assert [(r.number, r.values) for r in fast.rows] == [(r.number, r.values) for r in slow.rows]
    assert [(p.location, p.key, p.value) for p in fast.problems] == [(p.location, p.key, p.value) for p in slow.problems]


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("lang, words", [("zh", "错误值 '#REF!'"), ("en", "shows the error '#REF!'")])
def test_commands_over_error_cells(estate: Path, form: str, lang: str, words: str, cli) -> None:  # type: ignore[no-untyped-def]
    _error_cell(estate, "H3", "#REF!", form)
    before = sha(estate)
    r = cli("--lang", lang, "-w", estate, "check")
    assert r.exit_code == 3 and words in r.output and "建筑面积" in r.output, r.output
    r = cli("--lang", lang, "-w", estate, "check", "error-cells", "-f", "json")
    assert r.exit_code == 3 and '"check": "error-cells"' in r.output and '"row": 3' in r.output, r.output
    assert sha(estate) == before
    for args in (["owners", "list"], ["owners", "show", "1-1-0102"]):
        r = cli("--lang", lang, "-w", estate, *args)
        assert r.exit_code == 0 and "#REF!" not in r.output and "Traceback" not in r.output, r.output
    if form == "formula":  # propcli never overwrites a formula, broken or not: the clerk fixes it in Excel
        refused(cli, estate, "H3", "--lang", lang, "owners", "update", "1-1-0102", "--area", "91")
        return
    r = cli("--lang", lang, "-w", estate, "owners", "update", "1-1-0102", "--area", "91")
    assert r.exit_code == 0, r.output
    assert [f for f in _found(estate) if f[0] == "error-cells"] == []  # the clerk's fix clears it


def test_an_error_amount_stops_the_arrears_report_with_its_row(sample: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bills = part_of(sample, "应收账单")
    rewrite(sample, {bills: lambda xml: set_cell(xml, "G5", b'<c r="G5" s="6" t="e"><v>#N/A</v></c>')})
    r = cli("-w", sample, "check", "error-cells")
    assert r.exit_code == 3 and "应收账单 › 第 5 行，金额" in r.output and "#N/A" in r.output, r.output
    out = refused(cli, sample, "应收账单 › 第 5 行", "arrears", "report", "--as-of", "2026-11-30")
    assert "金额" in out


MIDDLE = {  # which rows of 200 owners (rows 2–201) lose their `r`, and what loses it
    "rows 90–149, rows and cells": (range(90, 150), True, True),
    "rows 90–149, cells only": (range(90, 150), False, True),
    "rows 90–149, rows only": (range(90, 150), True, False),
    "the last row": (range(201, 202), True, True),
    "one row in the middle": (range(120, 121), True, True),
}


@pytest.mark.parametrize("case", list(MIDDLE))
def test_rows_without_r_below_the_first_rows_are_read_not_skipped(tmp_path: Path, case: str, cli) -> None:  # type: ignore[no-untyped-def]
    """The column reader looks for `<c r="A…`: a sheet numbered at the top but not further down must
    not lose the unnumbered rows (they were read as if absent)."""
    path = build(tmp_path / "estate.xlsx", owners=[owner(f"1-1-{i:04d}", name=f"业主{i}") for i in range(1, 201)])
    numbers, rows, cells = MIDDLE[case]

    def number_cells(row: bytes, n: int) -> bytes:  # dense cells: the i-th is column i
        count = iter(range(1000))
        return re.sub(rb"<c(?=[ >/])", lambda _: b'<c r="%s%d"' % (col_letter(next(count)).encode(), n), row)

    def edit(xml: bytes) -> bytes:
        xml = without_refs(xml, rows=False, cells=True)  # every row's cells dense, without r

        def one(m: re.Match) -> bytes:
            n = int(m.group(1))
            if n not in numbers:
                return b'<row r="%d"%s>%s</row>' % (n, m.group(2), number_cells(m.group(3), n))
            body = m.group(3) if cells else number_cells(m.group(3), n)
            return b"<row%s>%s</row>" % (m.group(2), body) if rows else b'<row r="%d"%s>%s</row>' % (n, m.group(2), body)

        return re.sub(rb'<row r="(\d+)"([^>]*)>(.*?)</row>', one, xml, flags=re.S)

    rewrite(path, {part_of(path, "业主档案"): edit})
    with Workbook(path) as wb:
        t = wb.read(schema.OWNERS)
    assert [(r.number, r["unit_id"], r["owner_name"]) for r in t.rows] == [
        (i + 1, f"1-1-{i:04d}", f"业主{i}") for i in range(1, 201)]
    r = cli("-w", path, "owners", "update", "1-1-0119", "--phone", "13912345678")  # row 120
    assert r.exit_code == 0, r.output
    with Workbook(path) as wb:
        t = wb.read(schema.OWNERS)
    assert len(t.rows) == 200 and t.rows[118].number == 120 and t.rows[118]["phone"] == "13912345678"
    assert [r.number for r in t.rows if r["phone"]] == [120]


def _mixed_sheet() -> bytes:
    """6,000 rows `uN` | N; rows 2001–3999 (beyond the first and last 64 KB) written without any `r`."""
    rows = []
    for n in range(1, 6001):
        if 2000 < n < 4000:
            rows.append(b'<row><c t="inlineStr"><is><t>u%d</t></is></c><c><v>%d</v></c></row>' % (n, n))
        else:
            rows.append(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>u%d</t></is></c><c r="B%d"><v>%d</v></c></row>'
                        % (n, n, n, n, n))
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + b"".join(rows) + b"</sheetData></worksheet>")


@pytest.mark.parametrize("edits", [[3000], [100, 3000], [3000, 5999], [2001, 3999, 4000], [1, 6000]])
def test_edits_of_a_sheet_unnumbered_in_the_middle(edits: list[int]) -> None:
    from propcli.store.sheetxml import SheetXml

    xml = SheetXml(_mixed_sheet())
    for n in edits:
        xml.set_cells(n, {1: -n})
    out = xml.to_bytes()
    numbers = [int(v) for v in re.findall(rb'<row r="(\d+)"', out)]
    assert numbers == sorted(set(numbers))
    for n in edits:  # the edited row holds its new value and kept its text, whichever way it was written
        row = re.search(rb'<row r="%d">(.*?)</row>' % n, out).group(1)
        assert b'<c r="B%d"><v>%d</v></c>' % (n, -n) in row and b">u%d<" % n in row
    for m in re.finditer(rb'<row r="(\d+)">.*?>u(\d+)<.*?<v>(-?\d+)</v>', out):  # every numbered row is itself
        assert m.group(1) == m.group(2) and abs(int(m.group(3))) == int(m.group(1))
