"""The workbook gateway: typed reads of messy registers, and writes that change only what they mean to."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from propcli.errors import DataError, WorkbookBusy
from propcli.store import schema
from propcli.store.workbook import Workbook
from tests import xlsxdiff


def messy_workbook(path: Path) -> None:
    """A clerk's own 业主档案: a merged title, English and Chinese headers, units of measure in headers,
    blank rows, a 合计 row, numbers stored as text, text stored as numbers, every kind of date."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "owners"
    ws["A1"] = "阳光花园业主档案（2024年）"
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(["房号 ", "owner_name", "联系电话", "证件号码", "建筑面积(㎡)", "入住日期", "常住人口", "房屋状态"])
    ws.append(["1-1-0101", "张三", 13800138000, "11010519491231002X", "89.50", "2014年10月1日", "3", "自住"])
    ws.append([])
    ws.append(["1-1-0102 ", "李四", "13800138001", "110105194912310037", 120.35, 41913, 2, "出租"])
    ws.append(["１-１-０２０１", "王五", "0755-88886666", None, "76", "2015/3/8", None, "空置"])
    ws.append(["0012", "赵六", None, None, 60, dt.datetime(2016, 5, 1), 1, "托管"])
    ws.append(["合计", None, None, None, "=SUM(E4:E8)", None, None, None])
    wb.save(path)


def test_messy_register_reads_typed(tmp_path: Path) -> None:
    path = tmp_path / "messy.xlsx"
    messy_workbook(path)
    with Workbook(path) as wb:
        t = wb.read(schema.OWNERS)
    assert t.name == "owners" and t.header_row == 3
    assert [r.number for r in t.rows] == [4, 6, 7, 8]  # blank row 5 and the 合计 row 9 skipped
    units = [r["unit_id"] for r in t.rows]
    assert units == ["1-1-0101", "1-1-0102", "1-1-0201", "0012"]  # 0012 stays text
    first, second, third, fourth = t.rows
    assert first["phone"] == "13800138000"  # a phone stored as a number
    assert first["area"] == Decimal("89.50")  # a number stored as text
    assert first["move_in_date"] == dt.date(2014, 10, 1)  # 2014年10月1日
    assert first["household_size"] == 3
    assert second["move_in_date"] == dt.date(2014, 10, 1)  # Excel serial 41913 in a General cell
    assert second["area"] == Decimal("120.35")
    assert third["move_in_date"] == dt.date(2015, 3, 8)
    assert fourth["move_in_date"] == dt.date(2016, 5, 1)
    assert second.raw["unit_id"] == "1-1-0102 "  # the raw text is kept for `check`
    assert t.problems == []


def test_type_change_after_the_first_rows_is_not_blanked(tmp_path: Path) -> None:
    """Fast readers that infer a column's type from its first rows blank what follows; ours must not."""
    path = tmp_path / "typechange.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "业主档案"
    ws.append(["房号", "业主姓名", "建筑面积", "联系电话"])
    for i in range(300):  # 300 units whose ids are numbers, then ids that are text
        ws.append([1000 + i, f"业主{i}", 80 + i % 7, 13800000000 + i])
    for i in range(300):
        ws.append([f"A-{i:04d}", f"商户{i}", f"{50 + i % 5}.5", f"139{i:08d}"])
    wb.save(path)
    with Workbook(path) as wb:
        t = wb.read(schema.OWNERS)
    assert len(t.rows) == 600
    assert t.rows[0]["unit_id"] == "1000" and t.rows[299]["unit_id"] == "1299"
    assert t.rows[300]["unit_id"] == "A-0000" and t.rows[-1]["unit_id"] == "A-0299"
    assert t.rows[-1]["area"] == Decimal("54.5")
    assert t.rows[0]["phone"] == "13800000000" and t.rows[-1]["phone"] == "13900000299"
    assert all(r["unit_id"] for r in t.rows)


def test_bad_cells_are_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "业主档案"
    ws.append(["房号", "业主姓名", "建筑面积", "入住日期"])
    ws.append(["1-1-0101", "张三", "八十九", "2014年13月1日"])
    wb.save(path)
    with Workbook(path) as wb:
        t = wb.read(schema.OWNERS)
    found = {(p.location.row, p.location.column, p.key, p.value) for p in t.problems}
    assert found == {(2, "建筑面积", "value.not_number", "八十九"), (2, "入住日期", "value.not_date", "2014年13月1日")}
    p = sorted(t.problems, key=lambda p: p.location.column)[1]
    assert p.format("zh") == "bad.xlsx › 业主档案 › 第 2 行，建筑面积: '八十九' 不是数字 — 只填数字，例如 89.5"
    assert p.format("en") == "bad.xlsx › 业主档案 › row 2, 建筑面积: '八十九' is not a number — enter digits only, e.g. 89.5"


def test_missing_sheet_and_header(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["姓名", "电话"])
    wb.save(path)
    with Workbook(path) as w, pytest.raises(DataError) as exc:
        w.read(schema.OWNERS)
    assert exc.value.key == "sheet.missing"
    assert "Sheet1" in exc.value.message("zh") and "业主档案" in exc.value.message("zh")
    wb.active.title = "业主档案"
    wb.save(path)
    with Workbook(path) as w, pytest.raises(DataError) as exc:
        w.read(schema.OWNERS)
    assert exc.value.key == "header.missing"
    assert "房号" in exc.value.message("zh") and "建筑面积" in exc.value.message("zh")


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_corrupt_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "estate.xlsx"
    path.write_bytes(content)
    with pytest.raises(DataError) as exc:
        Workbook(path)
    assert exc.value.key == "workbook.corrupt"
    assert path.read_bytes() == content


def test_xls_is_read_only(realdata: Path, tmp_path: Path) -> None:
    src = realdata / "houlynn_wuye" / "B区.xls"
    with pytest.raises(DataError) as exc:
        Workbook(src, write=True)
    assert exc.value.key == "workbook.readonly"


# -- writes ------------------------------------------------------------------------------------------


def _update_phone(path: Path, unit: str, phone: str) -> None:
    with Workbook(path, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        row = owners.index("unit_id")[unit]
        assert wb.update(owners, row, {"phone": phone}, key=unit)
        assert wb.commit(f"test update {unit}").written


def test_update_preserves_everything_else(rich: Path, tmp_path: Path) -> None:
    before = tmp_path / "before.xlsx"
    shutil.copyfile(rich, before)
    _update_phone(rich, "1-1-0102", "13911112222")

    owners_part = xlsxdiff.sheet_part(rich, "业主档案")
    journal_part = xlsxdiff.sheet_part(rich, "操作日志")
    assert xlsxdiff.changed_parts(before, rich) == {owners_part, journal_part}
    a = xlsxdiff.part_bytes(before)[owners_part]
    b = xlsxdiff.part_bytes(rich)[owners_part]
    assert xlsxdiff.outside_sheetdata(a) == xlsxdiff.outside_sheetdata(b)  # widths, merges, DV, data bars, ext
    diff = xlsxdiff.cell_diff(a, b)
    assert list(diff) == ["F4"]  # 联系电话 of row 4, nothing else
    assert diff["F4"][1][3] == "13911112222"
    assert diff["F4"][0][1] == diff["F4"][1][1]  # the cell keeps its style

    # raw zip entries of untouched parts are copied as they were (same compressed bytes)
    import zipfile

    with zipfile.ZipFile(before) as za, zipfile.ZipFile(rich) as zb:
        for info in za.infolist():
            if info.filename not in (owners_part, journal_part):
                other = zb.getinfo(info.filename)
                assert (other.CRC, other.compress_size, other.compress_type) == \
                    (info.CRC, info.compress_size, info.compress_type)

    with Workbook(rich) as wb:
        assert wb.read(schema.OWNERS).index("unit_id")["1-1-0102"]["phone"] == "13911112222"
        journal = wb.read(schema.JOURNAL).rows
    assert [(r["command"], r["sheet"], r["key"], r["before"], r["after"]) for r in journal] == [
        ("test update 1-1-0102", "业主档案", "1-1-0102", "联系电话: 13800138001", "联系电话: 13911112222")]
    cached = openpyxl.load_workbook(rich, data_only=True)["业主档案"]["H13"].value
    assert cached == pytest.approx(991.23)  # the formula's cached value survived


def test_append_takes_the_formatting_of_the_last_data_row(rich: Path) -> None:
    with Workbook(rich, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        record = {"unit_id": "3-1-0101", "owner_name": "孙七", "area": Decimal("99.10"),
                  "move_in_date": dt.date(2024, 5, 1), "phone": "13700001111"}
        wb.append(owners, [record], key_column="unit_id")
        wb.commit("test add")
    part = xlsxdiff.sheet_part(rich, "业主档案")
    cells = xlsxdiff.cells(xlsxdiff.part_bytes(rich)[part])
    assert cells["A14"][3] == "3-1-0101"  # below the 合计 row 13, never over it
    assert cells["H14"][1] == cells["H12"][1] and cells["K14"][1] == cells["K12"][1]  # styles of row 12
    loaded = openpyxl.load_workbook(rich)["业主档案"]
    assert loaded["K14"].value == dt.datetime(2024, 5, 1)  # a real date cell under a date format
    with Workbook(rich) as wb:
        assert wb.read(schema.OWNERS).index("unit_id")["3-1-0101"]["area"] == Decimal("99.10")


def test_missing_journal_sheet_is_added(tmp_path: Path) -> None:
    from tests.fixtures.rich_workbook import build_rich_workbook

    path = tmp_path / "nojournal.xlsx"
    build_rich_workbook(path, with_journal=False)
    before = xlsxdiff.part_bytes(path)
    _update_phone(path, "1-1-0101", "13911112222")
    after = xlsxdiff.part_bytes(path)
    added = set(after) - set(before)
    assert len(added) == 1 and next(iter(added)).startswith("xl/worksheets/sheet")
    assert {p for p in before if before[p] != after[p]} == {
        "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", xlsxdiff.sheet_part(path, "业主档案")}
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    assert names == ["业主档案", "收费汇总", "操作日志"]
    openpyxl.load_workbook(path)  # still a valid package
    with Workbook(path) as wb:
        assert len(wb.read(schema.JOURNAL).rows) == 1


def test_changed_since_read_is_not_overwritten(owners_only: Path) -> None:
    sample = owners_only
    with Workbook(sample, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        row = owners.rows[0]
        wb.update(owners, row, {"notes": "mine"}, key=row["unit_id"])
        other = openpyxl.load_workbook(sample)  # someone saves the workbook meanwhile
        other["业主档案"]["O2"] = "theirs"
        other.save(sample)
        theirs = sample.read_bytes()
        with pytest.raises(WorkbookBusy) as exc:
            wb.commit("test")
        assert exc.value.key == "busy.changed"
    assert sample.read_bytes() == theirs


def test_refuses_a_formula_cell(rich: Path) -> None:
    before = rich.read_bytes()
    with Workbook(rich, write=True) as wb:
        owners = wb.read(schema.OWNERS)
        from propcli.store.reader import Row

        fake = Row(13, {"area": None}, {})
        wb.update(owners, fake, {"area": Decimal("1")}, key="合计")
        with pytest.raises(DataError) as exc:
            wb.commit("test")
    assert exc.value.key == "write.formula"
    assert rich.read_bytes() == before


def test_backup_and_undo(sample: Path) -> None:
    original = sample.read_bytes()
    _update_phone(sample, "3-2-1201", "13911112222")
    backups = list((sample.parent / ".propcli" / "backups").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == original
    from propcli.store.workbook import undo

    undo(sample)
    with Workbook(sample) as wb:
        row = wb.read(schema.OWNERS).index("unit_id")["3-2-1201"]
        journal = wb.read(schema.JOURNAL).rows
    assert row["phone"] == "18385082571"
    assert journal[-1]["command"].startswith("undo (test update 3-2-1201")
    with pytest.raises(DataError) as exc:
        undo(sample)
    assert exc.value.key == "undo.nothing"


def test_two_missing_registers_are_added_in_one_write(tmp_path: Path) -> None:
    """A transfer in a workbook that has neither 过户记录 nor 操作日志 adds both sheets at once."""
    from propcli.ops import owners as ops
    from tests.fixtures.rich_workbook import build_rich_workbook

    path = tmp_path / "bare.xlsx"
    build_rich_workbook(path, with_journal=False)
    with Workbook(path, write=True) as wb:
        ops.transfer(wb, "1-1-0101", to="钱八", date=dt.date(2024, 5, 1), settled=Decimal("100.00"))
        wb.commit("owners transfer 1-1-0101")
    assert CalamineWorkbook.from_path(str(path)).sheet_names == ["业主档案", "收费汇总", "过户记录", "操作日志"]
    openpyxl.load_workbook(path)
    with Workbook(path) as wb:
        transfers = wb.read(schema.TRANSFERS).rows
        assert [(r["unit_id"], r["from_owner"], r["to_owner"], r["settled"]) for r in transfers] == [
            ("1-1-0101", "张三", "钱八", Decimal("100"))]
        assert len(wb.read(schema.JOURNAL).rows) == 2  # the owners row and the transfer row
        assert wb.read(schema.OWNERS).index("unit_id")["1-1-0101"]["owner_name"] == "钱八"


def test_a_column_the_clerk_lacks_is_added_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "slim.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "业主档案"
    ws.append(["房号", "业主姓名", "建筑面积", "自定义列"])
    ws.append(["1-1-0101", "张三", 89.5, "clerk's own"])
    wb.save(path)
    _update_phone(path, "1-1-0101", "13911112222")
    sheet = openpyxl.load_workbook(path)["业主档案"]
    assert [c.value for c in sheet[1]] == ["房号", "业主姓名", "建筑面积", "自定义列", "联系电话"]
    assert [c.value for c in sheet[2]] == ["1-1-0101", "张三", 89.5, "clerk's own", "13911112222"]


def test_a_blank_register_sheet_gets_its_headers_on_first_write(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "业主档案"
    ws.append(["房号", "业主姓名", "建筑面积"])
    ws.append(["1-1-0101", "张三", 89.5])
    wb.create_sheet("过户记录")  # the clerk made the sheet but typed nothing in it
    wb.save(path)
    from propcli.ops import owners as ops

    with Workbook(path, write=True) as w:
        ops.transfer(w, "1-1-0101", to="李四", date=dt.date(2024, 5, 1))
        w.commit("owners transfer")
    sheet = openpyxl.load_workbook(path)["过户记录"]
    assert [c.value for c in sheet[1]] == [c.zh for c in schema.TRANSFERS.columns]
    assert [sheet.cell(2, i).value for i in (1, 3, 4)] == ["1-1-0101", "张三", "李四"]


def test_rows_by_number_equal_the_full_read(sample: Path) -> None:
    with Workbook(sample) as wb:
        full = {r.number: r.values for r in wb.read(schema.PAYMENTS).rows}
    wanted = sorted(full)[::997]
    with Workbook(sample) as wb:
        some = wb.rows(schema.PAYMENTS, wanted)
    assert [r.number for r in some.rows] == wanted
    assert all(r.values == full[r.number] for r in some.rows)


def test_forget_lets_go_of_a_register_and_its_xml_unless_a_change_to_it_is_staged(sample: Path) -> None:
    with Workbook(sample, write=True) as wb:
        part = wb._pkg.sheet(wb.sheet_name(schema.PAYMENTS)).part
        first = wb.rows(schema.PAYMENTS, [2]).rows[0].values
        assert part in wb._pkg._parts  # a read of a few rows keeps the sheet's XML for a write
        wb.forget(schema.PAYMENTS)
        assert part not in wb._pkg._parts
        assert wb.rows(schema.PAYMENTS, [2]).rows[0].values == first  # read again, the same
        owners = wb.read(schema.OWNERS)
        row = owners.rows[0]
        wb.update(owners, row, {"notes": "电话已核实"}, key=str(row.values["unit_id"]))
        owners_part = wb._pkg.sheet(owners.name).part
        assert owners_part in wb._pkg._parts
        wb.forget(schema.OWNERS)  # a change is staged: its XML stays for the write
        assert owners_part in wb._pkg._parts
        wb.commit("test")
    with Workbook(sample) as wb:
        assert wb.read(schema.OWNERS).rows[0].values["notes"] == "电话已核实"


def test_the_last_value_of_a_column_is_found_from_the_end_of_the_sheet(sample: Path, tmp_path: Path) -> None:
    """`last_value`: the last payment's day, as a full read gives it, found from the end of the XML (a cell
    of a column whose letters begin with the same one is passed over), or from the read cache; None for
    a blank last cell or a column the register lacks."""
    from propcli.store.sheetxml import col_letter
    from tests.test_streamread import _rewritten

    with Workbook(sample) as wb:
        days = wb.columns(schema.PAYMENTS, ("paid_on",))["paid_on"]
        letter = col_letter(wb.read(schema.PAYMENTS).columns["paid_on"])
        assert wb.last_value(schema.PAYMENTS, "paid_on") == days[-1]  # from the read cache
    assert isinstance(days[-1], dt.date) and len(set(days)) > 10
    cold = tmp_path / "cold"
    cold.mkdir()

    def last(change) -> object:  # type: ignore[no-untyped-def]
        path = _rewritten(sample, cold / "estate.xlsx", "收款记录", change)
        shutil.rmtree(cold / ".propcli", ignore_errors=True)
        with Workbook(path) as wb:
            return wb.last_value(schema.PAYMENTS, "paid_on")

    assert last(lambda b: b) == days[-1]
    far = f'<row r="99999"><c r="{letter}A99999"><v>1</v></c></row></sheetData>'.encode()
    assert last(lambda b: b.replace(b"</sheetData>", far)) == days[-1]
    blank = f'<row r="99999"><c r="{letter}99999" t="inlineStr"><is><t> </t></is></c></row></sheetData>'.encode()
    assert last(lambda b: b.replace(b"</sheetData>", blank)) is None
    with Workbook(sample) as wb:
        assert wb.last_value(schema.PAYMENTS, "no_such_column") is None


def test_amounts_are_checked_against_the_ceiling_by_their_bounds_and_a_total_row_is_no_amount(
        sample: Path, tmp_path: Path) -> None:
    """A read of the XML keeps each amount column's least and greatest typed cell (`SheetData.bounds`, the
    header and a 合计 row among them): within 金额上限, the column is not checked cell by cell; a 合计 row of
    99,999,999 widens them but is no bill, so the report reads; a bill of 12,000,000 is named."""
    from propcli.store.sheetxml import col_letter
    from tests.test_streamread import _rewritten

    with Workbook(sample) as wb:
        letter = col_letter(wb.read(schema.BILLS).columns["amount"])
        amounts = [v for v in wb.columns(schema.BILLS, ("amount",))["amount"] if v is not None]
    shutil.rmtree(sample.parent / ".propcli", ignore_errors=True)
    with Workbook(sample) as wb:
        data = wb._sheet_data(schema.BILLS, "应收账单", None)
        assert data is not None and data.bounds["amount"] == (min(amounts), max(amounts))
    total = f'<row r="99999"><c r="A99999" t="inlineStr"><is><t>合计</t></is></c><c r="{letter}99999"><v>99999999</v></c></row>'
    path = _rewritten(sample, tmp_path / "total.xlsx", "应收账单", lambda b: b.replace(b"</sheetData>", total.encode() + b"</sheetData>"))
    with Workbook(path) as wb:
        assert wb.columns(schema.BILLS, ("amount",))["amount"] == amounts  # the 合计 row is not a bill
        assert wb._sheet_data(schema.BILLS, "应收账单", None).bounds["amount"][1] == Decimal("99999999")  # type: ignore[union-attr]
    big = total.replace("合计", "1-1-0101").replace("99999999", "12000000")
    path = _rewritten(sample, tmp_path / "big.xlsx", "应收账单", lambda b: b.replace(b"</sheetData>", big.encode() + b"</sheetData>"))
    with Workbook(path) as wb, pytest.raises(DataError) as exc:
        wb.columns(schema.BILLS, ("amount",))
    assert exc.value.key == "value.above_ceiling" and exc.value.location.row == 99999
